"""Client records on SQLite: queries, migrations, deletion for good, crashes and concurrent saves."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from posture.errors import InvalidInput
from posture.store import (
    ClientNotFound,
    DatabaseTooNew,
    DuplicateClient,
    SessionNotFound,
    StoreError,
    open_store,
    sha256_file,
)
from posture.store.engine import create_engine_for, current_revision, head_revision, migrate, resolve_url
from tests.test_store_helpers import make_analysis, metrics_sections

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 9, 1, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "records.db"


@pytest.fixture
def store(db_path):
    with open_store(db_path) as s:
        yield s


@pytest.fixture(scope="module")
def result_dict():
    return make_analysis(metrics=metrics_sections()).to_dict()


def _files_bytes(db_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))


# -- opening ------------------------------------------------------------------------------------


def test_first_open_creates_a_private_wal_database_at_the_latest_revision(db_path):
    with open_store(db_path) as s:
        assert s.revision == head_revision()
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    assert db_path.stat().st_mode & 0o077 == 0, "the records file is readable by its owner only"


def test_url_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("POSTURE_DB_URL", "postgresql://u@h/db")
    assert resolve_url(None) == "postgresql+psycopg://u@h/db"
    assert resolve_url(tmp_path / "x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.delenv("POSTURE_DB_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert resolve_url(None).endswith("/posture/posture.db")


def test_models_match_the_migrations(store):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from posture.store.models import Base

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_an_older_database_is_migrated_and_keeps_its_data(db_path, result_dict):
    engine = create_engine_for(resolve_url(db_path))
    assert migrate(engine, target="0001") == "0001"
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO clients (id, pseudonym, birth_year, notes, created_at) "
                "VALUES (7, 'OLD-1', 1960, 'from 0.1', '2025-01-01 09:00:00')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO sessions (id, client_id, recorded_at, saved_at, protocol, software_version, "
                "result_schema, video_name, video_sha256, result, notes) VALUES (3, 7, '2025-01-02 09:00:00', "
                "'2025-01-02 09:05:00', 'rest', '0.0.9', 'posture.analysis/1', 'a.mp4', '', :result, '')"
            ),
            {"result": json.dumps(result_dict)},
        )
    engine.dispose()
    with open_store(db_path) as s:
        assert s.revision == head_revision() != "0001"
        client = s.get_client("OLD-1")
        assert (client.id, client.birth_year, client.session_count) == (7, 1960, 1)
        session = s.get_session(3)
        assert session.answers is None and session.measurements["rotation_deg"] == 30.0
        s.add_event(7, "2025-02-01", "botulinum toxin", kind="injection")  # a table of the new revision
        assert len(s.list_events(7)) == 1


def test_a_database_from_a_newer_posture_is_refused_not_damaged(db_path):
    open_store(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DatabaseTooNew, match="update posture"):
        open_store(db_path)
    assert current_revision(create_engine_for(resolve_url(db_path))) == "9999"


# -- clients, sessions, events ------------------------------------------------------------------


def test_clients_are_created_found_by_id_or_pseudonym_and_unique(store):
    a = store.create_client("CD-0042", birth_year=1971, notes="referred by Dr X")
    b = store.create_client("1234")  # a record number
    assert store.get_client(a.id) == store.get_client("CD-0042")
    assert store.get_client("1234").id == b.id  # a pseudonym of digits wins over an id
    assert store.get_client(str(a.id)).id == a.id
    assert [c.pseudonym for c in store.list_clients()] == ["1234", "CD-0042"]
    with pytest.raises(DuplicateClient, match="already exists"):
        store.create_client("CD-0042")
    with pytest.raises(ClientNotFound):
        store.get_client("nobody")
    with pytest.raises(InvalidInput):
        store.create_client("  ")
    with pytest.raises(InvalidInput):
        store.create_client("X", birth_year=1700)
    assert store.update_client(a.id, notes="new").notes == "new"


def test_save_session_keeps_what_was_asked_and_nothing_more(store, tmp_path):
    client = store.create_client("CD-1")
    video = tmp_path / "Jane Doe clinic visit.mp4"
    video.write_bytes(os.urandom(3000))
    analysis = make_analysis(metrics=metrics_sections())
    saved = store.save_session(
        "CD-1",
        analysis,
        recorded_at=T0,
        protocol="rest 30 s",
        video_path=video,
        answers={"involuntary_pull": True, "double_vision": None},
        notes="after a long week",
        videos={"deidentified": b"blurred-bytes"},
    )
    assert saved.client_id == client.id and saved.recorded_at == T0
    assert saved.video_sha256 == sha256_file(video) and len(saved.video_sha256) == 64
    assert saved.result["video"]["path"] == "clip.mp4", "folders (which can name a client) are dropped"
    assert "Jane Doe/" not in json.dumps(saved.result) and saved.video_name == video.name
    assert saved.answers == {"involuntary_pull": True, "double_vision": None}
    assert [v.kind for v in saved.videos] == ["deidentified"]
    assert store.get_video(saved.id, "deidentified") == b"blurred-bytes"
    with pytest.raises(StoreError, match="no raw video"):
        store.get_video(saved.id, "raw")
    assert saved.software_version and saved.result_schema == "posture.analysis/1"
    assert store.get_session(saved.id) == saved
    assert store.set_answers(saved.id, {"involuntary_pull": False}).answers == {"involuntary_pull": False}
    with pytest.raises(SessionNotFound):
        store.get_session(999)
    with pytest.raises(InvalidInput):
        store.save_session("CD-1", {"no": "video"})


def test_trend_and_compare_against_noise(store):
    store.create_client("CD-2")
    ids = []
    for i, improvement in enumerate((0.0, 2.0, 25.0)):
        result = make_analysis(metrics=metrics_sections(improvement), rotation_deg=30 - improvement)
        ids.append(store.save_session("CD-2", result, recorded_at=T0 + timedelta(days=30 * i)).id)
    store.add_event("CD-2", date(2026, 9, 15), "botulinum toxin 200 U", kind="injection")
    trend = store.trend("CD-2")
    assert [p.session_id for p in trend.points] == ids
    times, rotation = trend.series("rotation_deg")
    assert rotation == [30.0, 28.0, 5.0] and times[0] == T0
    assert trend.events[0].kind == "injection"
    assert {"rotation_deg", "tremor_frequency_hz", "rom_rotation_left_deg", "time_within_10deg_s"} <= set(
        trend.measured_keys()
    )
    assert trend.rows()[0]["rom_rotation_right_deg"] == 35.0

    small = {c.key: c for c in store.compare(ids[0], ids[1]).changes}
    assert (
        small["rotation_deg"].change == pytest.approx(-2.0) and small["rotation_deg"].exceeds_noise is False
    )
    assert small["rotation_deg"].verdict == "within noise"
    large = {c.key: c for c in store.compare(ids[0], ids[2]).changes}
    assert large["rotation_deg"].exceeds_noise is True
    # Range of motion: 25° more is beyond the 12-20° day-to-day variation; 0° is not a change.
    assert (
        large["rom_rotation_left_deg"].exceeds_noise is True
        and large["rom_tilt_left_deg"].exceeds_noise is False
    )
    assert large["sagittal_shift_cm"].verdict == "not measured in both"


def test_missing_sections_read_as_none_and_absent_tremor_as_zero(store):
    store.create_client("CD-3")
    bare = store.save_session("CD-3", make_analysis(metrics=None))
    m = bare.measurements
    assert m["rotation_deg"] == pytest.approx(30.0, abs=1) and m["tremor_amplitude_deg"] is None
    assert m["rom_flexion_deg"] is None
    sections = metrics_sections()
    sections["tremor"] = {"measured": True, "present": False, "frequency_hz": None, "amplitude_deg": None}
    no_tremor = store.save_session("CD-3", make_analysis(metrics=sections))
    assert no_tremor.measurements["tremor_amplitude_deg"] == 0.0
    assert no_tremor.measurements["tremor_frequency_hz"] is None


def test_events(store):
    store.create_client("CD-4")
    e = store.add_event("CD-4", "2026-03-14", "botulinum toxin", kind="injection")
    assert e.occurred_on == date(2026, 3, 14)
    store.add_event("CD-4", "2026-01-02", "started physiotherapy", kind="treatment")
    assert [x.text for x in store.list_events("CD-4")] == ["started physiotherapy", "botulinum toxin"]
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        store.add_event("CD-4", "14/03/2026", "x")
    with pytest.raises(InvalidInput, match="kind"):
        store.add_event("CD-4", "2026-03-14", "x", kind="surgery")
    store.delete_event(e.id)
    assert len(store.list_events("CD-4")) == 1


def test_deleting_a_client_removes_everything_for_good(db_path, result_dict):
    marker = b"FACE-PIXELS-OF-THE-CLIENT-" * 400
    with open_store(db_path) as s:
        keep = s.create_client("KEEP-1")
        gone = s.create_client("ERASE-ME-7731")
        s.save_session(keep.id, result_dict)
        session = s.save_session(gone.id, result_dict, videos={"raw": marker}, notes="ERASE-NOTE-5521")
        s.add_event(gone.id, "2026-01-01", "ERASE-EVENT-9043", kind="injection")
        with s.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        assert marker[:200] in _files_bytes(db_path)
        summary = s.delete_client("ERASE-ME-7731")
        assert (summary.sessions, summary.events, summary.videos) == (1, 1, 1)
        with pytest.raises(SessionNotFound):
            s.get_session(session.id)
        assert [c.pseudonym for c in s.list_clients()] == ["KEEP-1"]
        assert s.get_client("KEEP-1").session_count == 1
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM videos").scalar() == 0
    data = _files_bytes(db_path)
    for trace in (marker[:26], b"ERASE-ME-7731", b"ERASE-NOTE-5521", b"ERASE-EVENT-9043"):
        assert trace not in data, f"{trace!r} is still in the database files"


# -- crashes and concurrency --------------------------------------------------------------------

_SAVER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import posture.store.store as st
    from posture.store import open_store

    db, result_path, marker, pause, count, tag = sys.argv[1:7]
    def hold(session_id):
        Path(marker).write_text(str(session_id))
        time.sleep(float(pause))
    st._before_commit_hook = hold
    result = json.loads(Path(result_path).read_text())
    with open_store(db) as store:
        for i in range(int(count)):
            store.save_session("CD-9", result, protocol=f"{tag}-{i}", videos={"raw": bytes(2_000_000)})
    """
)


def _saver(db_path, result_path, marker, pause, count=1, tag="p"):
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            _SAVER,
            str(db_path),
            str(result_path),
            str(marker),
            str(pause),
            str(count),
            tag,
        ],
        cwd=REPO,
        stderr=subprocess.PIPE,
    )


def _wait_for(path: Path, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.02)


def test_a_save_killed_midway_leaves_a_consistent_database(db_path, tmp_path, result_dict):
    with open_store(db_path) as s:
        s.create_client("CD-9")
    result_path = tmp_path / "result.json"
    result_path.write_text(json.dumps(result_dict))
    marker = tmp_path / "inside-transaction"
    proc = _saver(db_path, result_path, marker, pause=60)
    try:
        _wait_for(marker)  # rows and a 2 MB video are written, the commit has not happened
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM videos").fetchone()[0] == 0
    with open_store(db_path) as s:  # the write lock died with the process: saving works again
        saved = s.save_session("CD-9", result_dict, videos={"raw": b"v"})
        assert [x.id for x in s.list_sessions("CD-9")] == [saved.id]


def test_two_processes_saving_at_once_both_land(db_path, tmp_path, result_dict):
    with open_store(db_path) as s:
        s.create_client("CD-9")
    result_path = tmp_path / "result.json"
    result_path.write_text(json.dumps(result_dict))
    # Each save holds its transaction open for 0.25 s, so the two processes overlap.
    procs = [
        _saver(db_path, result_path, tmp_path / f"m{i}", pause=0.25, count=2, tag=f"p{i}") for i in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    with open_store(db_path) as s:
        protocols = sorted(x.protocol for x in s.list_sessions("CD-9"))
        assert protocols == ["p0-0", "p0-1", "p1-0", "p1-1"]
        assert all(len(x.videos) == 1 for x in s.list_sessions("CD-9"))


def test_two_threads_sharing_a_store_both_land(store, result_dict):
    store.create_client("CD-10")
    barrier = threading.Barrier(2)
    errors = []

    def save(tag):
        try:
            barrier.wait()
            for i in range(4):
                store.save_session("CD-10", result_dict, protocol=f"{tag}-{i}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(tag,)) for tag in ("tab1", "tab2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.list_sessions("CD-10")) == 8


def test_a_session_dated_by_day_is_saved_at_midday_and_a_bad_time_is_refused(tmp_path):
    import datetime as dt

    from posture.errors import InvalidInput
    from posture.store import open_store
    from tests.test_store_helpers import make_analysis

    with open_store(f"sqlite:///{tmp_path / 'r.db'}") as store:
        store.create_client("CD-7")
        record = store.save_session("CD-7", make_analysis(n=90), recorded_at=dt.date(2026, 3, 1))
        assert record.recorded_at.astimezone().date() == dt.date(2026, 3, 1)
        assert record.recorded_at.astimezone().hour == 12
        with pytest.raises(InvalidInput, match="a session time"):
            store.save_session("CD-7", make_analysis(n=90), recorded_at="yesterday")
