"""The PDF referral report: it parses, names the client, carries the numbers and the disclaimer on
every page, says "not measured" for what was not, and renders to a readable page."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from posture.report import build_pdf
from posture.report.content import answer_rows, measurement_rows
from posture.store import open_store
from tests.test_store_helpers import make_analysis, metrics_sections

pypdf = pytest.importorskip("pypdf")

T0 = datetime(2026, 9, 1, 10, tzinfo=timezone.utc)
ANSWERS = {
    "involuntary_pull": True,
    "massage_brief_relief": True,
    "double_vision": True,
    "sudden_onset": False,
}


def _text(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A client with three sessions and an injection, in a fresh database."""
    db = tmp_path_factory.mktemp("report") / "records.db"
    with open_store(db) as store:
        client = store.create_client("CD-0042 Zoë", birth_year=1971)
        store.add_event(client.id, "2026-09-15", "botulinum toxin 200 U", kind="injection")
        sessions = [
            store.save_session(
                client.id,
                make_analysis(n=300, metrics=metrics_sections(improvement), rotation_deg=30 - improvement),
                recorded_at=T0 + timedelta(days=30 * i),
                protocol="rest 30 s, hold, range of motion",
                answers=ANSWERS,
                videos={"deidentified": b"mp4"} if i == 0 else None,
            )
            for i, improvement in enumerate((0.0, 3.0, 25.0))
        ]
        yield store.get_client(client.id), sessions, store.trend(client.id)


@pytest.fixture(scope="module")
def full_pdf(stored):
    client, sessions, trend = stored
    return build_pdf(sessions[0], client, trend=trend)


def test_the_report_parses_and_every_page_carries_the_disclaimer(full_pdf):
    assert full_pdf.startswith(b"%PDF")
    pages = _text(full_pdf)
    assert len(pages) >= 3
    for page in pages:
        assert "screening and tracking aid, not a diagnosis" in page
        assert "CD-0042 Zoë" in page  # every page header names the client
        assert "posture 0.1.0" in page


def test_the_report_says_what_was_recorded_and_every_measurement(full_pdf):
    text = " ".join(_text(full_pdf))
    for expected in (
        "Year of birth 1971",
        "rest 30 s, hold, range of motion",  # protocol
        "160 × 120 px",  # picture size
        "30.0 frames/s",
        "10.0 s, 300 frames",
        "de-identified (face blurred)",  # kept video
        "+30.0° (chin to the left)",  # rotation, with its direction in the patient's terms
        "−12.0° (right ear down)",
        "2 (23–45°)",  # TWSTRS-style band from the metrics, with its anchor
        "2.60 Hz",
        "1.8°",  # tremor amplitude
        "6.0 /min",
        "70.0°",  # range of motion
        "35.0° (below normal)",
        "70–80°",  # its normal range
        "2.3 cm (left higher)",
        "TWSTRS-style band",
        "face was lost in 6%",  # data-quality note from the analysis warnings
    ):
        assert expected in text, f"{expected!r} missing from the report"


def test_the_report_lists_the_checklist_and_flags_red_flags(full_pdf):
    text = " ".join(_text(full_pdf))
    assert "Is there double vision? (red flag)" in text
    assert "A red flag was answered yes: refer promptly" in text
    assert "Screening aid:" in text


def test_the_trend_page_shows_events_and_changes_against_noise(stored):
    client, sessions, trend = stored
    text = " ".join(_text(build_pdf(sessions[2], client, trend=trend)))
    assert "Over time" in text and "botulinum toxin 200 U" in text
    assert "Change since the previous session" in text
    assert "exceeds noise" in text and "within noise" in text


def test_missing_sections_print_not_measured_and_the_report_is_deterministic(stored):
    client, sessions, _ = stored
    bare = sessions[0].__class__(
        **{**sessions[0].__dict__, "result": make_analysis().to_dict(), "answers": None}
    )
    first, second = build_pdf(bare, client), build_pdf(bare, client)
    assert first == second, "the same stored session gives the same bytes"
    text = " ".join(_text(first))
    assert text.count("not measured") >= 5  # tremor, jerks, range of motion, shoulders, shift
    assert "checklist was not filled in" in text


def test_measurement_rows_read_unknown_keys_and_unavailable_sections():
    tables = {
        t.heading: t
        for t in measurement_rows(
            {
                "posture": {"rotation_deg": 25.0, "new_metric_hz": 1.25, "head_speed_deg_s": 3.0},
                "shoulders": {"available": False, "reason": "shoulders out of view"},
            }
        )
    }
    rows = {r.label: r for r in tables["Head posture"].rows}
    assert rows["Head rotation (+ = chin to the left)"].value == "+25.0° (chin to the left)"
    assert rows["Head rotation (+ = chin to the left)"].band == "2 (estimate)"
    assert rows["New metric"].value == "1.25 Hz"
    assert tables["Shoulders"].rows[0].label == "not measured"
    assert tables["Shoulders"].notes == ["Shoulders out of view."]
    assert tables["Head tremor"].rows[0].label == "not measured"


def test_answers_in_other_shapes_still_print():
    rows = answer_rows(
        [{"question": "Worse under stress?", "answer": "yes"}, {"question": "Fixed?", "answer": None}]
    )
    assert rows == [("Worse under stress?", "yes", False), ("Fixed?", "not answered", False)]


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (Debian's poppler-utils) is not installed"
)
def test_the_first_page_renders_to_a_readable_image(full_pdf, tmp_path):
    from PIL import Image

    (tmp_path / "report.pdf").write_bytes(full_pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "50",
            "-png",
            "-f",
            "1",
            "-l",
            "3",
            str(tmp_path / "report.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3
    for path in pages:
        with Image.open(path) as im:
            grey = im.convert("L")
            assert grey.size[0] < grey.size[1], "A4 portrait"
            dark = sum(grey.histogram()[:128]) / (grey.size[0] * grey.size[1])
            assert 0.005 < dark < 0.5, f"{path.name} looks blank or black"


def test_the_records_read_what_posture_metrics_writes():
    """Key names drift is caught here: the measurements and the report read the real sections."""
    metrics = pytest.importorskip("posture.metrics")
    from dataclasses import replace

    from posture.store import extract

    analysis = make_analysis(n=600, fps=30.0)  # rotation 30° with a 1.8° tremor at 2.6 Hz
    result = replace(analysis, metrics=metrics.compute_metrics(analysis.t_s, analysis.angles)).to_dict()
    m = extract(result)
    assert m["rotation_deg"] == pytest.approx(30.0, abs=1.0)
    assert m["tilt_deg"] == pytest.approx(-12.0, abs=1.0)
    assert m["tremor_frequency_hz"] == pytest.approx(2.6, abs=0.2)
    assert m["tremor_amplitude_deg"] == pytest.approx(1.8, abs=0.5)
    for key in ("jerks_per_min", "time_within_10deg_s", "deviated_pct"):
        assert m[key] is not None, f"{key} not found in the metrics sections"
    # A resting head made no range-of-motion movement: the keys are read, and say "not measured".
    assert result["range_of_motion"]["measured"] is False
    assert "rom_rotation_left_deg" in m and m["rom_rotation_left_deg"] is None
    from posture.report.figures import tremor_figure

    assert tremor_figure(result) is not None, "the tremor spectrum figure is drawn from tremor.spectrum"
    tables = {t.heading: t for t in measurement_rows(result)}
    rotation = tables["Head posture"].rows[0]
    assert rotation.value.startswith("+30") and rotation.band.startswith("2 (")
    assert any(r.label == "Tremor frequency" and r.value.endswith("Hz") for r in tables["Head tremor"].rows)
