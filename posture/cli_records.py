"""The ``posture`` commands for client records: clients, sessions, events, reports and exports.

:func:`add_parsers` adds them to the ``posture`` command's subparsers; :func:`save_analysis` is what
``posture analyze VIDEO --client ID --save`` calls. Each command returns an exit code and raises
:class:`~posture.errors.PostureError` for anything the user can fix; nothing is measured here.

The database is ``--db URL`` if given, else ``$POSTURE_DB_URL``, else the default SQLite file in
the per-user data folder (see :mod:`posture.store.engine`).
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from posture.errors import InvalidInput, PostureError

KEEP_VIDEO_CHOICES = ("none", "raw", "blurred")


def _store(args: argparse.Namespace):
    from posture.store import open_store

    return open_store(getattr(args, "db", None))


def _local(when: datetime | None) -> str:
    return "-" if when is None else f"{when.astimezone():%Y-%m-%d %H:%M}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    """Plain aligned columns for the terminal."""
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def _num(value: float | None, unit: str = "", signed: bool = False) -> str:
    if value is None:
        return "-"
    digits = 2 if unit.strip() == "Hz" else 1
    return f"{value:{'+' if signed else ''}.{digits}f}{unit}"


# -- saving an analysis (called by `posture analyze ... --save`) --------------------------------


def save_analysis(
    result: Any,
    client_id: int | str,
    video_path: str | os.PathLike | None,
    keep_video: str = "none",
    protocol: str = "",
    *,
    answers: Mapping | None = None,
    notes: str = "",
    recorded_at: datetime | None = None,
    db_url: str | None = None,
):
    """Save an analysis as a new session of a client, in one transaction; returns the
    :class:`~posture.store.SessionRecord`.

    ``client_id``: the client's id or pseudonym. ``video_path``: the analysed clip (hashed with
    SHA-256; read again only to keep it). ``keep_video``: ``"none"`` (default: measurements only),
    ``"raw"`` (the clip as it is) or ``"blurred"`` (a copy with the face blurred, made from the
    analysis's face boxes). ``db_url``: the database (default ``$POSTURE_DB_URL`` or the per-user
    SQLite file).
    """
    from posture.store import open_store

    if keep_video not in KEEP_VIDEO_CHOICES:
        raise InvalidInput(f"--keep-video is one of {', '.join(KEEP_VIDEO_CHOICES)}, not {keep_video!r}")
    if keep_video != "none" and video_path is None:
        raise InvalidInput("keeping the video needs the video file")
    with open_store(db_url) as store, tempfile.TemporaryDirectory(prefix="posture-") as tmp:
        store.get_client(client_id)  # fail before the slow part if the client does not exist
        videos: dict[str, Any] = {}
        if keep_video == "raw":
            videos["raw"] = Path(video_path)
        elif keep_video == "blurred":
            from posture.privacy import export_blurred

            name = Path(video_path).stem + "-blurred.mp4"
            videos["deidentified"] = export_blurred(video_path, result, Path(tmp) / name)
        return store.save_session(
            client_id,
            result,
            recorded_at=recorded_at,
            protocol=protocol,
            video_path=video_path,
            answers=answers,
            notes=notes,
            videos=videos,
        )


# -- commands -----------------------------------------------------------------------------------


def cmd_clients_list(args: argparse.Namespace) -> int:
    with _store(args) as store:
        clients = store.list_clients()
    if not clients:
        print("no clients yet: add one with `posture clients add PSEUDONYM`")
        return 0
    rows = [
        [str(c.id), c.pseudonym, str(c.birth_year or "-"), str(c.session_count), _local(c.last_session_at)]
        for c in clients
    ]
    print(_table(["id", "pseudonym", "born", "sessions", "last session"], rows))
    return 0


def cmd_clients_add(args: argparse.Namespace) -> int:
    with _store(args) as store:
        client = store.create_client(args.pseudonym, birth_year=args.birth_year, notes=args.notes or "")
    print(f"added client {client.id}: {client.pseudonym}")
    return 0


def cmd_clients_delete(args: argparse.Namespace) -> int:
    if not args.yes:
        raise PostureError(
            f"deleting client {args.client} removes all their sessions, events and kept videos for good; "
            "add --yes to confirm"
        )
    with _store(args) as store:
        summary = store.delete_client(args.client)
    print(
        f"deleted client {summary.client_id} ({summary.pseudonym}) for good: {summary.sessions} sessions, "
        f"{summary.events} events, {summary.videos} kept videos"
    )
    if not summary.compacted:
        print("note: another window has the records open, so the freed space (zeroed already) is wiped from the "
              "file at the next deletion")  # fmt: skip
    return 0


def cmd_sessions(args: argparse.Namespace) -> int:
    with _store(args) as store:
        client = store.get_client(args.client)
        sessions = store.list_sessions(client.id)
        events = store.list_events(client.id)
    print(
        f"client {client.id}: {client.pseudonym}"
        + (f", born {client.birth_year}" if client.birth_year else "")
    )
    if not sessions:
        print("no sessions yet: `posture analyze VIDEO --client ID --save` adds one")
    else:
        rows = []
        for s in sessions:
            m = s.measurements
            kept = ",".join("blurred" if v.kind == "deidentified" else v.kind for v in s.videos) or "-"
            rows.append(
                [
                    str(s.id),
                    _local(s.recorded_at),
                    _num(m["rotation_deg"], "°", signed=True),
                    _num(m["tilt_deg"], "°", signed=True),
                    _num(m["flexion_deg"], "°", signed=True),
                    _num(m["tremor_frequency_hz"], " Hz"),
                    _num(m["tremor_amplitude_deg"], "°"),
                    kept,
                    s.protocol or "-",
                ]
            )
        print(
            _table(
                [
                    "session",
                    "recorded",
                    "rotation",
                    "tilt",
                    "flexion",
                    "tremor",
                    "amplitude",
                    "video",
                    "protocol",
                ],
                rows,
            )
        )
    for e in events:
        print(f"event {e.id}: {e.occurred_on:%Y-%m-%d} {e.kind}: {e.text}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from posture.report import build_pdf

    with _store(args) as store:
        session = store.get_session(args.session)
        client = store.get_client(session.client_id)
        trend = None if args.no_trend else store.trend(client.id)
    if trend is not None and len(trend.points) < 2:
        trend = None
    data = build_pdf(session, client, trend=trend)
    out = Path(args.pdf)
    _write_atomically(out, data)
    print(f"wrote {out} (session {session.id} of {client.pseudonym}, {len(data) // 1024} KiB)")
    return 0


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def export_rows(trend, sessions) -> tuple[list[str], list[list[Any]]]:
    """The CSV export of a client: one row per session with the followed measurements."""
    from posture.store import MEASUREMENTS

    by_id = {s.id: s for s in sessions}
    header = [
        "client",
        "session_id",
        "recorded_at",
        "protocol",
        "software_version",
        "video_sha256",
        "face_found_ratio",
    ]
    header += [m.key for m in MEASUREMENTS]
    rows = []
    for p in trend.points:
        s = by_id[p.session_id]
        ratio = (s.result.get("quality") or {}).get("face_found_ratio")
        row = [trend.client.pseudonym, s.id, p.recorded_at.astimezone().isoformat(timespec="seconds"), s.protocol,
               s.software_version, s.video_sha256, "" if ratio is None else ratio]  # fmt: skip
        row += ["" if p.values[m.key] is None else round(p.values[m.key], 3) for m in MEASUREMENTS]
        rows.append(row)
    return header, rows


def cmd_export(args: argparse.Namespace) -> int:
    with _store(args) as store:
        trend = store.trend(args.client)
        sessions = store.list_sessions(trend.client.id)
    header, rows = export_rows(trend, sessions)
    out = Path(args.csv)
    tmp = out.with_name(f".{out.name}.part")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(tmp, out)
    print(f"wrote {out} ({len(rows)} sessions of {trend.client.pseudonym})")
    return 0


def cmd_events_add(args: argparse.Namespace) -> int:
    with _store(args) as store:
        event = store.add_event(args.client, args.date, args.text, kind=args.kind)
    print(f"added event {event.id}: {event.occurred_on:%Y-%m-%d} {event.kind}: {event.text}")
    return 0


def cmd_events_list(args: argparse.Namespace) -> int:
    with _store(args) as store:
        events = store.list_events(args.client)
    if not events:
        print("no events")
    for e in events:
        print(f"{e.id}  {e.occurred_on:%Y-%m-%d}  {e.kind}  {e.text}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    with _store(args) as store:
        comparison = store.compare(args.before, args.after)
    print(f"session {comparison.before.id} ({_local(comparison.before.recorded_at)}) -> "
          f"session {comparison.after.id} ({_local(comparison.after.recorded_at)})")  # fmt: skip
    rows = []
    for c in comparison.changes:
        if c.before is None and c.after is None:
            continue
        unit = c.unit if c.unit in ("°", "%") else f" {c.unit}"
        rows.append([c.short_label, _num(c.before, unit), _num(c.after, unit), _num(c.change, unit, signed=True),
                     "-" if c.noise is None else f"{c.noise:.2g}{unit}", c.verdict])  # fmt: skip
    print(_table(["measurement", "before", "after", "change", "noise", "verdict"], rows))
    return 0


# -- parsers ------------------------------------------------------------------------------------


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``clients``, ``sessions``, ``report``, ``export``, ``events`` and ``compare`` to the
    ``posture`` command's subparsers."""
    from posture.store.records import EVENT_KINDS

    db = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a --db given before a sub-action is not reset by the sub-action's own default.
    db.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                    help="records database (default: $POSTURE_DB_URL or the per-user file)")  # fmt: skip

    p = sub.add_parser("clients", parents=[db], help="list clients; add or delete one")
    p.set_defaults(func=cmd_clients_list)
    csub = p.add_subparsers(dest="clients_command", metavar="ACTION")
    q = csub.add_parser("list", parents=[db], help="list clients (the default)")
    q.set_defaults(func=cmd_clients_list)
    q = csub.add_parser("add", parents=[db], help="add a client (a pseudonym or record number, never a name)")
    q.add_argument("pseudonym")
    q.add_argument("--birth-year", type=int, metavar="YEAR")
    q.add_argument("--notes", default="")
    q.set_defaults(func=cmd_clients_add)
    q = csub.add_parser("delete", parents=[db], help="delete a client and all their data for good")
    q.add_argument("client", metavar="CLIENT", help="id or pseudonym")
    q.add_argument("--yes", action="store_true", help="confirm: nothing can be recovered afterwards")
    q.set_defaults(func=cmd_clients_delete)

    p = sub.add_parser("sessions", parents=[db], help="list a client's sessions and events")
    p.add_argument("client", metavar="CLIENT", help="id or pseudonym")
    p.set_defaults(func=cmd_sessions)

    p = sub.add_parser("report", parents=[db], help="write the PDF referral report of a session")
    p.add_argument("session", type=int, metavar="SESSION", help="session id (`posture sessions CLIENT`)")
    p.add_argument("--pdf", required=True, type=Path, metavar="OUT.pdf")
    p.add_argument("--no-trend", action="store_true", help="leave out the client's trend over sessions")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("export", parents=[db], help="export a client's sessions as CSV, one row per session")
    p.add_argument("client", metavar="CLIENT", help="id or pseudonym")
    p.add_argument("--csv", required=True, type=Path, metavar="OUT.csv")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("events", parents=[db], help="add or list timeline events (e.g. injections)")
    esub = p.add_subparsers(dest="events_command", metavar="ACTION", required=True)
    q = esub.add_parser("add", parents=[db], help="add an event to a client's timeline")
    q.add_argument("client", metavar="CLIENT", help="id or pseudonym")
    q.add_argument("date", metavar="DATE", help="YYYY-MM-DD")
    q.add_argument("text", metavar="TEXT", help='e.g. "botulinum toxin injection"')
    q.add_argument("--kind", choices=EVENT_KINDS, default="other",
                   help="injection (drawn apart on trends), treatment, medication or other")  # fmt: skip
    q.set_defaults(func=cmd_events_add)
    q = esub.add_parser("list", parents=[db], help="list a client's events")
    q.add_argument("client", metavar="CLIENT", help="id or pseudonym")
    q.set_defaults(func=cmd_events_list)

    p = sub.add_parser("compare", parents=[db], help="compare two sessions against measurement noise")
    p.add_argument("before", type=int, metavar="SESSION_A")
    p.add_argument("after", type=int, metavar="SESSION_B")
    p.set_defaults(func=cmd_compare)
