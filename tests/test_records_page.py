"""The client-records part of the dashboard with Streamlit's AppTest: save a session from the main
page, then see it on the records page (trends, events, comparison, PDF, CSV) and delete the client.

Each test has its own SQLite records file (``$POSTURE_DB_URL``)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_store_helpers import make_analysis

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
RECORDS = "pages/2_Client_records.py"
CLIP = ROOT / "sample_videos" / "still_neutral.mp4"
TIMEOUT_S = 180


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    monkeypatch.setenv("POSTURE_DB_URL", url)
    return url


def text_of(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "subheader", "title"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def download(at: AppTest, media: dict, label: str) -> tuple[bytes, str | None]:
    button = next(b for b in at.download_button if b.label == label)
    return media[button.proto.url]


def table(at: AppTest, column: str):
    """The first table on the page with this column (a pandas DataFrame)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def analysed_sample() -> AppTest:
    if not CLIP.exists():
        pytest.skip(f"{CLIP} is not rendered yet (python -m tools.render_samples)")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    at.sidebar.radio(key="source_mode").set_value("Use a sample clip").run()
    at.sidebar.selectbox(key="sample").set_value(str(CLIP)).run()
    assert not at.exception and not at.error, at.exception
    return at


def open_records(at: AppTest) -> AppTest:
    at.switch_page(RECORDS)
    at.run()
    assert not at.exception, at.exception
    return at


def test_records_page_is_friendly_when_there_are_no_clients(db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    # The sidebar names the pages in words, starting with the main page.
    assert [link.label for link in at.sidebar.get("page_link")] == [
        "Analyse a clip",
        "Live webcam",
        "Client records",
    ]
    open_records(at)
    assert "No clients yet" in text_of(at)
    assert not at.error


def test_save_from_main_page_then_trend_events_compare_pdf_csv_and_delete(db, media):
    from posture.store import open_store

    at = analysed_sample()
    # Only the three result downloads until something is asked for.
    assert {b.label for b in at.download_button} == {
        "Results (JSON)",
        "Angles per frame (CSV)",
        "Screening record (text)",
    }
    assert at.radio(key="save_keep").value == "none"  # no video kept unless asked

    # A new client, with a checklist answer saved along.
    at.selectbox(key="save_client").set_value(-1).run()
    assert "never a name" in at.text_input(key="new_pseudonym").label
    at.text_input(key="new_pseudonym").set_value("CD-0142")
    at.number_input(key="new_birth_year").set_value(1968)
    at.date_input(key="save_date").set_value(date.today() - timedelta(days=60))
    at.text_input(key="save_protocol").set_value("rest, hold")
    red_flag = next(s for s in at.segmented_control if s.label.startswith("Is there double vision"))
    red_flag.set_value("No")
    at.button(key="save_session").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert "Saved as session #1 of **CD-0142**" in text_of(at)
    pdf, name = download(at, media, "Download the PDF report")
    assert pdf.startswith(b"%PDF") and name.endswith(".pdf") and "CD-0142" in name
    assert at.selectbox(key="save_client").value != -1  # the new client is now picked

    # A second session of the same client, keeping a face-blurred copy.
    at.radio(key="save_keep").set_value("blurred")
    at.text_area(key="save_notes").set_value("after the injection")
    at.button(key="save_session").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert "Saved as session #2 of **CD-0142**" in text_of(at)
    blurred, blurred_name = download(at, media, "Download a face-blurred copy of the clip")
    assert blurred[4:8] == b"ftyp" and blurred_name == "still_neutral-face-blurred.mp4"

    with open_store(db) as store:
        first, second = store.list_sessions("CD-0142")
        assert list(first.answers.values()) == [False]  # the one question answered
        assert first.videos == () and [v.kind for v in second.videos] == ["deidentified"]
        assert store.get_client("CD-0142").birth_year == 1968
        # A third, different session (stored directly), so the comparison has a change to show.
        store.save_session("CD-0142", make_analysis(rotation_deg=30.0))

    open_records(at)
    text = text_of(at)
    assert "CD-0142" in text and "3 sessions" in text
    sessions = table(at, "Video kept")
    assert len(sessions) == 3
    assert at.get("plotly_chart"), "no trend chart"

    # An injection on the timeline.
    at.date_input(key="event_date").set_value(date.today() - timedelta(days=30))
    at.selectbox(key="event_kind").set_value("injection")
    at.text_input(key="event_text").set_value("botulinum toxin 200 U")
    at.button(key="event_add").click().run()
    assert not at.exception and not at.error
    events = table(at, "What")
    assert list(events["What"]) == ["botulinum toxin 200 U"]
    with open_store(db) as store:
        assert [e.kind for e in store.list_events("CD-0142")] == ["injection"]

    # Comparison: the last two sessions by default; a verdict per measurement.
    compared = table(at, "Verdict")
    assert set(compared.columns) >= {"Measurement", "Before", "After", "Change", "Noise", "Verdict"}
    verdicts = dict(zip(compared["Measurement"], compared["Verdict"], strict=True))
    assert verdicts["Head rotation (+ = chin to the left)"] == "exceeds measurement noise"
    at.selectbox(key="compare_before").set_value(1).run()
    at.selectbox(key="compare_after").set_value(2).run()
    compared = table(at, "Verdict")
    verdicts = dict(zip(compared["Measurement"], compared["Verdict"], strict=True))
    assert verdicts["Head rotation (+ = chin to the left)"] == "within noise"  # same clip twice
    assert any("within measurement noise" in s.value for s in at.success)

    # The PDF report of a session, with its trend, and the CSV export.
    at.selectbox(key="report_session").set_value(1).run()
    pdf, name = download(at, media, "Download the PDF report")
    assert pdf.startswith(b"%PDF") and name == "posture-CD-0142-session1.pdf"
    data, _ = download(at, media, "Export the sessions (CSV)")
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert [r[0] for r in rows[1:]] == ["session", "session", "session", "event"]

    # Deleting needs the pseudonym typed.
    delete = at.button(key="delete_client")
    assert delete.disabled
    at.text_input(key="delete_confirm").set_value("CD-0142").run()
    at.button(key="delete_client").click().run()
    assert not at.exception
    message = " ".join(s.value for s in at.success)
    assert "CD-0142 was deleted for good, with 3 sessions" in message and "1 timeline event" in message
    assert "1 kept video" in message
    assert "No clients yet" in text_of(at)
    with open_store(db) as store:
        assert store.list_clients() == []


def test_a_duplicate_pseudonym_is_a_message_not_a_crash(db):
    from posture.store import open_store

    with open_store(db) as store:
        store.create_client("CD-7")
    at = analysed_sample()
    at.selectbox(key="save_client").set_value(-1).run()
    at.text_input(key="new_pseudonym").set_value("CD-7")
    at.button(key="save_session").click().run()
    assert not at.exception
    assert "already exists" in at.error[0].value
    with open_store(db) as store:
        assert store.get_client("CD-7").session_count == 0


def test_trend_figure_has_a_panel_per_measurement_and_events_as_lines(tmp_path):
    from posture.store import open_store
    from posture.ui.records import INJECTION_COLOUR, trend_csv, trend_figure

    with open_store(tmp_path / "r.db") as store:
        client = store.create_client("T-1")
        for days, rotation in ((40, 30.0), (10, 12.0)):
            when = datetime.now() - timedelta(days=days)
            store.save_session(client.id, make_analysis(rotation_deg=rotation), recorded_at=when)
        store.add_event(client.id, date.today() - timedelta(days=25), "botox", "injection")
        trend = store.trend(client.id)
    figure = trend_figure(trend, keys=["rotation_deg", "tilt_deg"])
    assert [a.text for a in figure.layout.annotations if a.text and "botox" in a.text]
    lines = [s for s in figure.layout.shapes if s.type == "line"]
    assert len(lines) == 2 and all(s.line.color == INJECTION_COLOUR for s in lines)
    sessions = [t for t in figure.data if t.name == "session"]
    assert len(sessions) == 2 and all(len(t.y) == 2 for t in sessions)
    rows = list(csv.reader(io.StringIO(trend_csv(trend))))
    assert rows[0][:3] == ["row", "session_id", "recorded_local"]
    assert [r[0] for r in rows[1:]] == ["session", "session", "event"]
    assert trend_figure(trend, keys=[]) is None


def test_comparison_table_says_whether_a_change_exceeds_noise(tmp_path):
    from posture.store import open_store
    from posture.ui.records import comparison_table

    with open_store(tmp_path / "r.db") as store:
        client = store.create_client("T-2")
        a = store.save_session(client.id, make_analysis(rotation_deg=30.0))
        b = store.save_session(client.id, make_analysis(rotation_deg=12.0))
        c = store.save_session(client.id, make_analysis(rotation_deg=31.0))
        big, small = store.compare(a.id, b.id), store.compare(a.id, c.id)
    row = next(r for r in comparison_table(big) if r["Measurement"].startswith("Head rotation"))
    assert row["Verdict"] == "exceeds measurement noise" and row["Change"].startswith("-18")
    row = next(r for r in comparison_table(small) if r["Measurement"].startswith("Head rotation"))
    assert row["Verdict"] == "within noise" and row["Noise"] == "± 5.0°"
