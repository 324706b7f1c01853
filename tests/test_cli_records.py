"""The records commands, run as the ``posture`` command runs them, on a temporary SQLite file."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import datetime, timezone

import pytest

from posture.cli_records import add_parsers, save_analysis
from posture.errors import PostureError
from posture.store import open_store
from tests.test_store_helpers import make_analysis, make_clip, metrics_sections


def _parser() -> argparse.ArgumentParser:
    """The ``posture`` command's parser: the real one when it already wires the records commands,
    else one with just them (as ``posture.cli.build_parser`` will)."""
    from posture import cli

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "clients" not in sub.choices:
        add_parsers(sub)
    return parser


def run(argv: list[str]) -> int:
    """``posture.cli.main(argv)``, whatever the state of its wiring."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except PostureError as exc:
        print(f"posture: error: {exc}", file=sys.stderr)
        return 1


@pytest.fixture(autouse=True)
def db(tmp_path, monkeypatch):
    path = tmp_path / "records.db"
    monkeypatch.setenv("POSTURE_DB_URL", f"sqlite:///{path}")
    return path


def test_clients_add_list_and_delete(capsys):
    assert run(["clients"]) == 0
    assert "no clients yet" in capsys.readouterr().out
    assert run(["clients", "add", "CD-0042", "--birth-year", "1971", "--notes", "referred by GP"]) == 0
    assert "added client 1: CD-0042" in capsys.readouterr().out
    assert run(["clients", "add", "CD-0042"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert run(["clients", "list"]) == 0
    out = capsys.readouterr().out
    assert "CD-0042" in out and "1971" in out
    assert run(["clients", "delete", "CD-0042"]) == 1
    assert "--yes" in capsys.readouterr().err
    assert run(["clients", "delete", "1", "--yes"]) == 0
    assert "for good" in capsys.readouterr().out
    assert run(["sessions", "CD-0042"]) == 1
    assert "no client" in capsys.readouterr().err


def test_db_option_overrides_the_environment(tmp_path, capsys):
    other = tmp_path / "other.db"
    assert run(["clients", "add", "X-1", "--db", str(other)]) == 0
    assert run(["clients", "--db", str(other)]) == 0
    assert "X-1" in capsys.readouterr().out
    with open_store(other) as store:
        assert [c.pseudonym for c in store.list_clients()] == ["X-1"]


def test_save_sessions_events_report_export_and_compare(tmp_path, capsys, db):
    clip = make_clip(tmp_path / "visit.mp4", n=24, width=160, height=120, fps=12)
    assert run(["clients", "add", "CD-7"]) == 0
    first = save_analysis(
        make_analysis(n=24, fps=12, metrics=metrics_sections()),
        "CD-7",
        clip,
        keep_video="blurred",
        protocol="rest",
    )
    second = save_analysis(
        make_analysis(n=24, fps=12, metrics=metrics_sections(25.0), rotation_deg=5.0),
        "CD-7",
        clip,
        keep_video="raw",
        recorded_at=datetime(2030, 1, 1, tzinfo=timezone.utc),
    )
    with open_store(db) as store:
        assert store.get_video(first.id, "deidentified")[4:8] == b"ftyp"  # an MP4
        assert store.get_video(second.id, "raw") == clip.read_bytes()
    assert (
        run(["events", "add", "CD-7", "2029-12-01", "botulinum toxin injection", "--kind", "injection"]) == 0
    )
    assert run(["events", "list", "CD-7"]) == 0
    assert "injection  botulinum toxin injection" in capsys.readouterr().out

    assert run(["sessions", "CD-7"]) == 0
    out = capsys.readouterr().out
    assert f"{first.id}  " in out and "blurred" in out and "raw" in out
    assert "+30.0°" in out and "-12.0°" in out and "2.60 Hz" in out

    pdf = tmp_path / "report.pdf"
    assert run(["report", str(second.id), "--pdf", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF") and "wrote" in capsys.readouterr().out
    assert run(["report", "999", "--pdf", str(pdf)]) == 1

    out_csv = tmp_path / "cd7.csv"
    assert run(["export", "CD-7", "--csv", str(out_csv)]) == 0
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert [int(r["session_id"]) for r in rows] == [first.id, second.id]
    assert float(rows[0]["rotation_deg"]) == 30.0 and float(rows[1]["rom_rotation_left_deg"]) == 95.0
    assert rows[0]["tremor_frequency_hz"] == "2.6" and rows[0]["sagittal_shift_cm"] == ""
    assert len(rows[0]["video_sha256"]) == 64

    capsys.readouterr()
    assert run(["compare", str(first.id), str(second.id)]) == 0
    out = capsys.readouterr().out
    assert "exceeds noise" in out and "within noise" in out


def test_save_analysis_rejects_a_bad_keep_video_choice(tmp_path):
    with open_store() as store:
        store.create_client("CD-8")
    with pytest.raises(PostureError, match="keep-video"):
        save_analysis(make_analysis(), "CD-8", None, keep_video="everything")
    with pytest.raises(PostureError, match="no client"):
        save_analysis(make_analysis(), "nobody", None)
