"""The query API of the client records: clients, sessions, timeline events, trends, comparisons.

    >>> from posture.store import open_store
    >>> with open_store() as store:              # the default SQLite file, created if needed
    ...     client = store.create_client("CD-0042", birth_year=1971)
    ...     saved = store.save_session(client.id, analysis, video_path="clip.mp4")
    ...     store.trend(client.id).rows()

Every write is one transaction: a session, its answers and any kept video land together or not
at all. A client is referred to by its id (int) or its pseudonym (str; a string of digits that is
nobody's pseudonym is taken as an id).
"""

from __future__ import annotations

import copy
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timezone
from pathlib import Path, PurePath
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from posture import __version__
from posture.errors import InvalidInput
from posture.store.engine import WRITE, create_engine_for, migrate, resolve_url
from posture.store.errors import ClientNotFound, DuplicateClient, SessionNotFound, StoreError
from posture.store.models import VIDEO_KINDS, ClientRow, EventRow, SessionRow, VideoRow
from posture.store.records import (
    EVENT_KINDS,
    ClientRecord,
    Comparison,
    EventRecord,
    SessionRecord,
    Trend,
    TrendPoint,
    VideoRecord,
    compare_results,
    utc,
)

ClientRef = int | str

# Called inside save_session's transaction, after every row is written and before the commit,
# with the new session's id. Tests use it to kill a process mid-save; nothing else should.
_before_commit_hook: Callable[[int], None] | None = None

_HASH_CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 of a file as hex, read in 1 MiB chunks (memory does not grow with the file)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> datetime:
    """Now, as the naive UTC the database stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _to_db_time(value: datetime | date | None) -> datetime:
    """UTC without tzinfo, as stored. A plain date means midday local time that day."""
    if value is None:
        return _now()
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise InvalidInput(f"a session time must be a date or a date and time, not {value!r}")
        value = datetime.combine(value, time(12, 0))
    if value.tzinfo is None:  # a naive time is the machine's local time
        value = value.astimezone()
    return value.astimezone(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class DeletionSummary:
    """What :meth:`Store.delete_client` removed."""

    client_id: int
    pseudonym: str
    sessions: int
    events: int
    videos: int
    # False when the file could not be rebuilt at once (another window held it open): the data
    # is deleted, and its zeroed pages go at the next deletion or `Store.compact()`.
    compacted: bool = True


def open_store(url: str | os.PathLike | None = None) -> Store:
    """Open (and create or upgrade) the records database.

    ``url``: a SQLAlchemy URL (``sqlite:///path.db``, ``postgresql://user@host/db``) or a SQLite
    file path; default ``$POSTURE_DB_URL``, else ``posture.db`` in the per-user data folder.
    An older database is migrated in place; one from a newer posture raises
    :class:`~posture.store.errors.DatabaseTooNew`.
    """
    return Store(resolve_url(url))


class Store:
    """A handle on the records database; safe to share between threads (one engine, a short
    database session per call). Close it, or use it as a context manager."""

    def __init__(self, url: str):
        self.url = url
        self.engine: Engine = create_engine_for(url)
        self._writer = self.engine.execution_options(**WRITE)
        try:
            self.revision = migrate(self.engine)
        except BaseException:
            self.engine.dispose()
            raise

    # -- plumbing -------------------------------------------------------------------------------

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE on SQLite): committed on success, rolled back
        on any exception."""
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    # -- clients --------------------------------------------------------------------------------

    def create_client(self, pseudonym: str, birth_year: int | None = None, notes: str = "") -> ClientRecord:
        """Add a client. ``pseudonym``: a pseudonym or record number (not a name), unique."""
        pseudonym = (pseudonym or "").strip()
        if not pseudonym:
            raise InvalidInput("a client needs a pseudonym or record number")
        if len(pseudonym) > 120:
            raise InvalidInput("a pseudonym is at most 120 characters")
        _check_birth_year(birth_year)
        try:
            with self._write() as s:
                row = ClientRow(
                    pseudonym=pseudonym, birth_year=birth_year, notes=notes or "", created_at=_now()
                )
                s.add(row)
                s.flush()
                return _client(row)
        except sa.exc.IntegrityError:
            existing = self.get_client(pseudonym)
            raise DuplicateClient(
                f"a client called {pseudonym!r} already exists (id {existing.id}); choose another pseudonym"
            ) from None

    def update_client(
        self, ref: ClientRef, *, pseudonym: str | None = None, birth_year: Any = ..., notes: str | None = None
    ) -> ClientRecord:
        """Change a client's pseudonym, year of birth (None clears it) or notes."""
        with self._write() as s:
            row = self._client_row(s, ref)
            if pseudonym is not None and pseudonym.strip():
                row.pseudonym = pseudonym.strip()
            if birth_year is not ...:
                _check_birth_year(birth_year)
                row.birth_year = birth_year
            if notes is not None:
                row.notes = notes
            return _client(row)

    def list_clients(self) -> list[ClientRecord]:
        """Every client, by pseudonym, with its number of sessions and the last session's time."""
        stats = (
            select(
                SessionRow.client_id,
                func.count(SessionRow.id).label("n"),
                func.max(SessionRow.recorded_at).label("last"),
            )
            .group_by(SessionRow.client_id)
            .subquery()
        )
        query = (
            select(ClientRow, stats.c.n, stats.c.last)
            .outerjoin(stats, stats.c.client_id == ClientRow.id)
            .order_by(ClientRow.pseudonym)
        )
        with self._read() as s:
            return [_client(row, n or 0, last) for row, n, last in s.execute(query)]

    def get_client(self, ref: ClientRef) -> ClientRecord:
        """A client by id or pseudonym; raises :class:`ClientNotFound`."""
        with self._read() as s:
            row = self._client_row(s, ref)
            n, last = s.execute(
                select(func.count(SessionRow.id), func.max(SessionRow.recorded_at)).where(
                    SessionRow.client_id == row.id
                )
            ).one()
            return _client(row, n, last)

    def delete_client(self, ref: ClientRef) -> DeletionSummary:
        """Delete a client and everything about them (sessions, answers, events, kept videos),
        for good: on SQLite the freed pages are zeroed (``secure_delete``), the file is rebuilt
        (``VACUUM``) and the write-ahead log emptied, so no trace stays in the file."""
        with self._write() as s:
            row = self._client_row(s, ref)
            session_ids = select(SessionRow.id).where(SessionRow.client_id == row.id)
            summary = DeletionSummary(
                client_id=row.id,
                pseudonym=row.pseudonym,
                sessions=s.scalar(select(func.count()).select_from(session_ids.subquery())) or 0,
                events=s.scalar(select(func.count(EventRow.id)).where(EventRow.client_id == row.id)) or 0,
                videos=s.scalar(select(func.count(VideoRow.id)).where(VideoRow.session_id.in_(session_ids)))
                or 0,
            )
            # Explicit deletes, children first: correct even where cascades are not enforced.
            s.execute(sa.delete(VideoRow).where(VideoRow.session_id.in_(session_ids)))
            s.execute(sa.delete(SessionRow).where(SessionRow.client_id == row.id))
            s.execute(sa.delete(EventRow).where(EventRow.client_id == row.id))
            s.execute(sa.delete(ClientRow).where(ClientRow.id == row.id))
        return replace(summary, compacted=self.compact())

    def compact(self) -> bool:
        """Rebuild the database so deleted data leaves no trace in its files (SQLite: VACUUM and
        an emptied write-ahead log; PostgreSQL: VACUUM, which frees the space for reuse).
        Returns False when another connection kept it from finishing (nothing is lost)."""
        try:
            if self.is_sqlite:
                raw = self.engine.raw_connection()
                try:
                    driver = raw.driver_connection  # sqlite3, in autocommit mode (see engine.py)
                    driver.execute("VACUUM")
                    busy, _, _ = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                finally:
                    raw.close()
                return not busy
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in ("videos", "sessions", "events", "clients"):
                    conn.exec_driver_sql(f"VACUUM {table}")
            return True
        except (sa.exc.OperationalError, sqlite3.OperationalError):
            return False

    # -- sessions -------------------------------------------------------------------------------

    def save_session(
        self,
        client: ClientRef,
        result: Any,
        *,
        recorded_at: datetime | None = None,
        protocol: str = "",
        video_path: str | os.PathLike | None = None,
        video_sha256: str | None = None,
        answers: Mapping | None = None,
        notes: str = "",
        videos: Mapping[str, str | os.PathLike | bytes] | None = None,
    ) -> SessionRecord:
        """Save one session in one transaction and return it.

        ``result``: an :class:`~posture.result.Analysis` or its ``to_dict()``; its video path is
        cut to the file name (folders can name a client). ``recorded_at``: when the clip was
        recorded (aware, or naive local time; default now). ``video_path``: the source video, for
        its SHA-256 (or pass ``video_sha256``). ``answers``: screening checklist answers.
        ``videos``: videos to keep, ``{"raw" | "deidentified": path or bytes}``; nothing is kept
        unless given. Files are read and hashed before the transaction starts, so the write lock
        is held only for the inserts.
        """
        doc = result.to_dict() if hasattr(result, "to_dict") else copy.deepcopy(dict(result))
        if not isinstance(doc, dict) or "video" not in doc:
            raise InvalidInput("save_session needs an Analysis or its to_dict() (posture.analysis/1)")
        video_name = PurePath(str(doc.get("video", {}).get("path") or "")).name
        if isinstance(doc.get("video"), dict):
            doc["video"] = {**doc["video"], "path": video_name}
        if video_path is not None:
            video_name = Path(video_path).name
            if video_sha256 is None:
                video_sha256 = sha256_file(video_path)
        kept = [_read_video(kind, source) for kind, source in (videos or {}).items()]
        answers_doc = _json_answers(answers)
        recorded = _to_db_time(recorded_at)
        software = str(doc.get("software", {}).get("version") or __version__)
        with self._write() as s:
            client_row = self._client_row(s, client)
            row = SessionRow(
                client_id=client_row.id,
                recorded_at=recorded,
                saved_at=_now(),
                protocol=protocol or "",
                software_version=software[:40],
                result_schema=str(doc.get("schema") or "")[:60],
                video_name=video_name[:255],
                video_sha256=video_sha256 or "",
                result=doc,
                notes=notes or "",
                answers=answers_doc,
            )
            s.add(row)
            s.flush()
            for kind, filename, data, digest in kept:
                s.add(
                    VideoRow(
                        session_id=row.id,
                        kind=kind,
                        filename=filename[:255],
                        content_type="video/mp4" if filename.lower().endswith(".mp4") else _mime(filename),
                        size_bytes=len(data),
                        sha256=digest,
                        data=data,
                    )
                )
            s.flush()
            if _before_commit_hook is not None:
                _before_commit_hook(row.id)
            session_id = row.id
        return self.get_session(session_id)

    def get_session(self, session_id: int) -> SessionRecord:
        """One session with its result and the list of kept videos; raises :class:`SessionNotFound`."""
        with self._read() as s:
            row = s.get(SessionRow, int(session_id))
            if row is None:
                raise SessionNotFound(
                    f"there is no session {session_id}: `posture sessions CLIENT` lists them"
                )
            return _session(row, self._videos(s, [row.id]).get(row.id, ()))

    def list_sessions(self, client: ClientRef) -> list[SessionRecord]:
        """A client's sessions, oldest first."""
        with self._read() as s:
            client_row = self._client_row(s, client)
            rows = s.scalars(
                select(SessionRow)
                .where(SessionRow.client_id == client_row.id)
                .order_by(SessionRow.recorded_at, SessionRow.id)
            ).all()
            videos = self._videos(s, [r.id for r in rows])
            return [_session(r, videos.get(r.id, ())) for r in rows]

    def set_answers(self, session_id: int, answers: Mapping | None) -> SessionRecord:
        """Replace the screening checklist answers of a session."""
        with self._write() as s:
            row = s.get(SessionRow, int(session_id))
            if row is None:
                raise SessionNotFound(f"there is no session {session_id}")
            row.answers = _json_answers(answers)
        return self.get_session(session_id)

    def delete_session(self, session_id: int) -> None:
        """Delete one session and its kept videos."""
        with self._write() as s:
            if s.get(SessionRow, int(session_id)) is None:
                raise SessionNotFound(f"there is no session {session_id}")
            s.execute(sa.delete(VideoRow).where(VideoRow.session_id == int(session_id)))
            s.execute(sa.delete(SessionRow).where(SessionRow.id == int(session_id)))
        self.compact()

    def get_video(self, session_id: int, kind: str = "deidentified") -> bytes:
        """The bytes of a video kept with a session (``"raw"`` or ``"deidentified"``)."""
        with self._read() as s:
            data = s.scalar(
                select(VideoRow.data).where(VideoRow.session_id == int(session_id), VideoRow.kind == kind)
            )
        if data is None:
            raise StoreError(f"session {session_id} has no {kind} video kept")
        return bytes(data)

    # -- events ---------------------------------------------------------------------------------

    def add_event(
        self, client: ClientRef, occurred_on: date | str, text: str, kind: str = "other"
    ) -> EventRecord:
        """Put an event on a client's timeline. ``occurred_on``: a date or ``YYYY-MM-DD``;
        ``kind``: one of :data:`~posture.store.records.EVENT_KINDS` (``"injection"`` for
        botulinum toxin, drawn apart on trends)."""
        day = _parse_date(occurred_on)
        if kind not in EVENT_KINDS:
            raise InvalidInput(f"event kind {kind!r} is not one of {', '.join(EVENT_KINDS)}")
        with self._write() as s:
            client_row = self._client_row(s, client)
            row = EventRow(
                client_id=client_row.id, occurred_on=day, kind=kind, text=text or "", created_at=_now()
            )
            s.add(row)
            s.flush()
            return _event(row)

    def list_events(self, client: ClientRef) -> list[EventRecord]:
        """A client's events, oldest first."""
        with self._read() as s:
            client_row = self._client_row(s, client)
            rows = s.scalars(
                select(EventRow)
                .where(EventRow.client_id == client_row.id)
                .order_by(EventRow.occurred_on, EventRow.id)
            ).all()
            return [_event(r) for r in rows]

    def delete_event(self, event_id: int) -> None:
        with self._write() as s:
            if s.execute(sa.delete(EventRow).where(EventRow.id == int(event_id))).rowcount == 0:
                raise StoreError(f"there is no event {event_id}")

    # -- over time ------------------------------------------------------------------------------

    def trend(self, client: ClientRef) -> Trend:
        """A client's sessions in time order with the followed measurements, and the events."""
        record = self.get_client(client)
        sessions = self.list_sessions(record.id)
        points = tuple(TrendPoint(x.id, x.recorded_at, x.measurements) for x in sessions)
        return Trend(client=record, points=points, events=tuple(self.list_events(record.id)))

    def compare(self, before_id: int, after_id: int) -> Comparison:
        """Two sessions side by side: per measurement ``after - before`` and whether it exceeds
        the measurement's noise (:mod:`posture.store.measurements` documents the figures)."""
        return compare_results(self.get_session(before_id), self.get_session(after_id))

    # -- helpers --------------------------------------------------------------------------------

    def _client_row(self, s: Session, ref: ClientRef) -> ClientRow:
        row = None
        if isinstance(ref, bool):
            ref = str(ref)
        if isinstance(ref, int):
            row = s.get(ClientRow, ref)
        else:
            text = str(ref).strip()
            row = s.scalar(select(ClientRow).where(ClientRow.pseudonym == text))
            if row is None and text.isdigit():
                row = s.get(ClientRow, int(text))
        if row is None:
            raise ClientNotFound(f"there is no client {ref!r}: `posture clients` lists them")
        return row

    @staticmethod
    def _videos(s: Session, session_ids: list[int]) -> dict[int, tuple[VideoRecord, ...]]:
        if not session_ids:
            return {}
        columns = (
            VideoRow.id,
            VideoRow.session_id,
            VideoRow.kind,
            VideoRow.filename,
            VideoRow.content_type,
            VideoRow.size_bytes,
            VideoRow.sha256,
        )
        out: dict[int, list[VideoRecord]] = {}
        for r in s.execute(
            select(*columns).where(VideoRow.session_id.in_(session_ids)).order_by(VideoRow.id)
        ):
            out.setdefault(r.session_id, []).append(VideoRecord(*r))
        return {k: tuple(v) for k, v in out.items()}


def _check_birth_year(year: int | None) -> None:
    if year is None:
        return
    this_year = datetime.now().year
    if not isinstance(year, int) or not 1900 <= year <= this_year:
        raise InvalidInput(f"year of birth {year!r} is not a year between 1900 and {this_year}")


def _parse_date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-03-14") from None


def _json_answers(answers: Mapping | None) -> dict | None:
    if answers is None:
        return None
    import json

    from posture.result import json_ready

    try:
        return json.loads(json.dumps(json_ready(dict(answers)), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"the screening answers cannot be stored as JSON ({exc})") from None


def _mime(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return {
        ".mov": "video/quicktime",
        ".webm": "video/webm",
        ".avi": "video/x-msvideo",
        ".mkv": "video/x-matroska",
    }.get(suffix, "application/octet-stream")


def _read_video(kind: str, source: str | os.PathLike | bytes) -> tuple[str, str, bytes, str]:
    if kind not in VIDEO_KINDS:
        raise InvalidInput(f"a kept video is {' or '.join(VIDEO_KINDS)}, not {kind!r}")
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, filename = bytes(source), f"{kind}.mp4"
    else:
        data, filename = Path(source).read_bytes(), Path(source).name
    return kind, filename, data, hashlib.sha256(data).hexdigest()


def _client(row: ClientRow, n: int = 0, last: datetime | None = None) -> ClientRecord:
    return ClientRecord(
        id=row.id,
        pseudonym=row.pseudonym,
        birth_year=row.birth_year,
        notes=row.notes or "",
        created_at=utc(row.created_at),
        session_count=int(n or 0),
        last_session_at=utc(last),
    )


def _session(row: SessionRow, videos: tuple[VideoRecord, ...] = ()) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        client_id=row.client_id,
        recorded_at=utc(row.recorded_at),
        saved_at=utc(row.saved_at),
        protocol=row.protocol or "",
        software_version=row.software_version,
        result_schema=row.result_schema,
        video_name=row.video_name or "",
        video_sha256=row.video_sha256 or "",
        notes=row.notes or "",
        answers=row.answers,
        result=row.result or {},
        videos=tuple(videos),
    )


def _event(row: EventRow) -> EventRecord:
    return EventRecord(
        id=row.id, client_id=row.client_id, occurred_on=row.occurred_on, kind=row.kind, text=row.text
    )
