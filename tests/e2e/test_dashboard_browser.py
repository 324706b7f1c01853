"""End to end: the real dashboard in headless Chromium, as a therapist uses it.

Starts ``streamlit run app.py`` on a free localhost port, uploads a bundled clip whose truth is
known, and checks the numbers the page shows against the truth file; checks that bad input is a
message in the page and that the page then still works; that the annotated clip plays and jumps;
and that the browser asked nothing of any host but this machine. Full-page screenshots go to
``test-artifacts/`` (look at them).

Needs Debian's ``chromium`` and the ``playwright`` Python package (no Playwright browser download).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from dashboard_harness import (
    ARTIFACTS,
    ROOT,
    browser_page,
    dashboard_server,
    degrees,
    full_page_screenshot,
    metric_values,
    missing_requirements,
    upload,
    wait_for_results,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SAMPLES = Path(os.environ.get("POSTURE_SAMPLES", ROOT / "sample_videos"))
# Head turned 25° to the patient's right with a slightly irregular 2.5 Hz, 2° "no-no" tremor: the
# posture and the tremor of a typical dystonic head tremor.
CLIP = SAMPLES / "tremor_dystonic_2p5hz.mp4"
# Tolerances against the truth of the rendered clip: the pipeline's own guard on posture medians
# (tests/test_pipeline_accuracy.py, MEDIAN_ERROR_DEG), and for the tremor about one bin of its
# 0.25 Hz resolution and a third of the amplitude. The page must also show exactly what the library
# computed for the same clip (to the shown decimal).
MEDIAN_TOL_DEG = 4.5
TREMOR_FREQ_TOL_HZ = 0.3
TREMOR_AMP_TOL_DEG = 0.6

CARD_OF_AXIS = {"rotation_deg": "Rotation", "tilt_deg": "Tilt", "flexion_deg": "Flexion / extension"}


@pytest.fixture(scope="module")
def page():
    reason = missing_requirements()
    if reason:
        pytest.skip(reason)
    if not CLIP.exists():
        pytest.skip(f"{CLIP} is not rendered yet (python -m tools.render_samples)")
    with dashboard_server() as url, browser_page() as (browser_page_, requests):
        browser_page_.goto(url)
        browser_page_.wait_for_selector('input[type="file"]', state="attached", timeout=60_000)
        full_page_screenshot(browser_page_, ARTIFACTS / "dashboard-start.png")
        yield browser_page_, requests, url


def test_bad_file_is_a_message_and_the_page_keeps_working(page, tmp_path):
    page_, _requests, _url = page
    fake = tmp_path / "session notes.mp4"
    fake.write_text("not a video\n" * 50)
    upload(page_, fake)
    wait_for_results(page_, timeout_s=120)
    error = page_.locator('[data-testid="stAlertContentError"]').first.inner_text()
    assert "could not be analysed" in error and "not a video" in error
    body = page_.locator("body").inner_text()
    assert "Traceback" not in body and 'File "' not in body
    full_page_screenshot(page_, ARTIFACTS / "dashboard-bad-file.png")


def test_clip_results_match_the_truth(page):
    page_, requests, url = page
    truth = json.loads(CLIP.with_name(CLIP.stem + ".truth.json").read_text())
    upload(page_, CLIP)
    # While it is analysed, a progress bar counts frames and estimates the time left.
    progress = page_.locator('[data-testid="stProgress"]').first
    progress.wait_for(timeout=60_000)
    page_.wait_for_function(
        "() => /frame \\d+ of \\d+, (about .* left|estimating time left)/.test("
        "document.querySelector('[data-testid=\"stProgress\"]')?.innerText || '')",
        timeout=60_000,
    )
    page_.screenshot(path=str(ARTIFACTS / "dashboard-progress.png"))
    wait_for_results(page_)
    page_.wait_for_selector('[data-testid="stMetric"]')
    assert page_.locator('[data-testid="stAlertContentError"]').count() == 0
    shown = metric_values(page_)
    full_page_screenshot(page_, ARTIFACTS / "dashboard-results.png")

    # Posture: the page's median angles are the library's, and near the rendered truth.
    from posture.analysis import analyze

    library = analyze(CLIP).to_dict()
    for axis, card in CARD_OF_AXIS.items():
        shown_deg = degrees(shown[card])
        assert shown_deg == pytest.approx(library["posture"][axis], abs=0.051), (card, shown[card])
        assert shown_deg == pytest.approx(truth["posture"][axis], abs=MEDIAN_TOL_DEG), (card, shown[card])

    # Tremor: frequency on the card, amplitude and axis on its lines.
    tremor = truth["tremor"]
    frequency = re.match(r"([0-9.]+) Hz", shown["Head tremor"])
    assert frequency, shown["Head tremor"]
    assert float(frequency.group(1)) == pytest.approx(tremor["frequency_hz"], abs=TREMOR_FREQ_TOL_HZ)
    metric = page_.locator('[data-testid="stMetric"]', has_text="Head tremor")
    card = metric.locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")
    card_text = card.inner_text()
    amplitude = re.search(r"amplitude ([0-9.]+)°", card_text)
    assert amplitude and float(amplitude.group(1)) == pytest.approx(
        tremor["amplitude_deg"], abs=TREMOR_AMP_TOL_DEG
    )
    assert f"axis: {tremor['axis']}" in card_text

    # The tremor spectrum is drawn with its peak at the card's frequency.
    peaks = page_.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(gd => gd.data)"
        ".filter(t => t.name === 'tremor peak').map(t => t.x[0])"
    )
    assert peaks and peaks[0] == pytest.approx(float(frequency.group(1)), abs=0.051)

    # Jerks as many as the clip has, and as the library found.
    assert shown["Jerks"] == str(len(truth["jerks"])) == str(library["jerks"]["count"])

    # The disclaimer and the screening summary are on the page.
    body = page_.locator("body").inner_text()
    assert "Screening and tracking aid, not a diagnosis." in body
    assert "Screening summary" in body

    # Nothing was requested from any host but the dashboard itself.
    hosts = {urlparse(r).hostname for r in requests if r.startswith(("http:", "https:", "ws:", "wss:"))}
    assert hosts <= {"127.0.0.1"}, hosts


def test_annotated_clip_plays_in_the_browser_and_jumps_to_a_moment(page):
    page_, _requests, _url = page
    video = page_.locator("video").first
    video.scroll_into_view_if_needed()
    page_.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && (v.readyState >= 1 || v.error); }",
        timeout=30_000,
    )
    state = page_.evaluate(
        "() => { const v = document.querySelector('video');"
        " return {error: v.error && v.error.message, duration: v.duration, width: v.videoWidth}; }"
    )
    # A media error here with Streamlit 1.60 means Starlette >= 1.8 (see posture/ui/compat.py).
    assert state["error"] is None, f"the browser cannot load the annotated clip: {state['error']}"
    assert state["width"] > 0
    truth = json.loads(CLIP.with_name(CLIP.stem + ".truth.json").read_text())
    assert state["duration"] == pytest.approx(truth["frames"]["t_s"][-1], abs=0.2)

    box = page_.get_by_label("…or go to a moment (s)")
    box.fill("5")
    box.press("Enter")
    page_.get_by_text("Playing from 5 s.").wait_for(timeout=60_000)
    try:
        page_.wait_for_function(
            "() => { const v = document.querySelector('video');"
            " return v && v.readyState >= 1 && Math.abs(v.currentTime - 5.0) < 0.3; }",
            timeout=30_000,
        )
    except Exception:
        state = page_.evaluate(
            "() => { const v = document.querySelector('video');"
            " return v && {t: v.currentTime, ready: v.readyState, error: v.error && v.error.message}; }"
        )
        full_page_screenshot(page_, ARTIFACTS / "dashboard-jump-failed.png")
        pytest.fail(f"the annotated clip did not move to 5.0 s: {state}")
    full_page_screenshot(page_, ARTIFACTS / "dashboard-jump.png")

    # A click on the angles plot moves the clip there too (starting a second earlier).
    plot = page_.locator('[data-testid="stPlotlyChart"]').first
    plot.scroll_into_view_if_needed()
    point = page_.evaluate(
        """() => {
            const gd = document.querySelector('.js-plotly-plot');
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
            const i = gd.data[0].x.findIndex(t => t >= 8.5);
            return {x: box.left + xa._offset + xa.l2p(gd.data[0].x[i]),
                    y: box.top + ya._offset + ya.l2p(gd.data[0].y[i])};
        }"""
    )
    page_.mouse.click(point["x"], point["y"])
    page_.get_by_text("Playing from 7 s.").wait_for(timeout=60_000)
