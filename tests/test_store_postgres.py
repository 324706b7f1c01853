"""The same records code on PostgreSQL.

Runs against ``$POSTURE_TEST_PG_URL`` when set; otherwise starts a throwaway cluster with
``scripts/start-postgres.sh`` when a PostgreSQL server is installed (Debian's ``postgresql``), and is
skipped, saying why, when neither is possible.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.test_store_helpers import make_analysis, metrics_sections

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "start-postgres.sh"


@pytest.fixture(scope="module")
def pg_url():
    pytest.importorskip("psycopg", reason="psycopg (psycopg[binary]) is not installed")
    url = os.environ.get("POSTURE_TEST_PG_URL")
    if url:
        yield url
        return
    # Under /tmp, not pytest's private temporary folder: the server runs as the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="posture-pg.", dir="/tmp" if Path("/tmp").is_dir() else None))
    try:
        started = subprocess.run(
            ["bash", str(SCRIPT), str(folder)], capture_output=True, text=True, timeout=90, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"no PostgreSQL server: POSTURE_TEST_PG_URL is unset and starting one failed ({exc})")
    if started.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        reason = (started.stderr.strip().splitlines() or ["unknown error"])[-1]
        pytest.skip(f"no PostgreSQL server: POSTURE_TEST_PG_URL is unset and {SCRIPT.name} failed: {reason}")
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(
            ["bash", str(SCRIPT), "--stop", str(folder)], capture_output=True, timeout=60, check=False
        )


def test_records_round_trip_on_postgresql(pg_url):
    from posture.store import open_store
    from posture.store.engine import head_revision

    name = f"PG-{uuid.uuid4().hex[:8]}"
    t0 = datetime(2026, 9, 1, 10, tzinfo=timezone.utc)
    with open_store(pg_url) as store:
        assert store.engine.dialect.name == "postgresql" and store.revision == head_revision()
        client = store.create_client(name, birth_year=1980)
        first = store.save_session(
            client.id,
            make_analysis(metrics=metrics_sections()),
            recorded_at=t0,
            answers={"involuntary_pull": True},
            videos={"deidentified": b"\x00blurred\xff" * 100},
        )
        assert store.get_video(first.id, "deidentified") == b"\x00blurred\xff" * 100
        assert first.answers == {"involuntary_pull": True} and first.recorded_at == t0

        # Two dashboard tabs saving at once.
        def save(i):
            store.save_session(client.id, make_analysis(metrics=metrics_sections(25.0)),
                               recorded_at=t0 + timedelta(days=30 + i))  # fmt: skip

        threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        store.add_event(client.id, "2026-09-15", "botulinum toxin", kind="injection")
        trend = store.trend(name)
        assert len(trend.points) == 3 and len(trend.events) == 1
        later = trend.points[-1].session_id
        changes = {c.key: c for c in store.compare(first.id, later).changes}
        assert changes["rotation_deg"].exceeds_noise is True

        summary = store.delete_client(client.id)
        assert (summary.sessions, summary.events, summary.videos) == (3, 1, 1)
        assert name not in [c.pseudonym for c in store.list_clients()]
    with open_store(pg_url) as again:  # opening an up-to-date database changes nothing
        assert again.revision == head_revision()
