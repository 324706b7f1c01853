"""End to end: the live webcam page in headless Chromium with a fake camera playing a rendered clip.

Chromium's fake camera (``--use-file-for-fake-video-capture``) plays ``webcam_clip.py``'s rendered
patient, whose head angles are known. The test starts the camera on the page, reads the live angle
numbers against the truth, starts the ``short`` protocol on cue, waits for the recording and its
analysis, checks the per-phase measurements against the truth, saves the session to a fresh client
record and checks the saved session. It also checks that the WebRTC connection was set up with no
STUN/TURN server and that the browser asked nothing of any host but this machine.

Screenshots and a latency summary go to ``test-artifacts/``. Needs Debian's ``chromium``, the
``playwright`` Python package (no Playwright browser download) and ``streamlit-webrtc``; the clip is
the committed ``sample_videos/webcam_protocol.mp4`` (decoded once for the fake camera, cached).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from urllib.parse import urlparse

import pytest
import webcam_clip as clip
from dashboard_harness import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    dashboard_server,
    full_page_screenshot,
    metric_values,
    missing_requirements,
)

from posture.metrics import MetricsConfig

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

# Live readings: the face mesh on a rendered head is good to a few degrees (the pipeline's own guard
# on medians is 4.5°).
LIVE_TOL_DEG = 5.0
POSTURE_TOL_DEG = 4.5
# Range of motion: the face mesh reads large turns low (beyond ~50° half the face is hidden); a
# change smaller than 12–20° between sessions is not a change (CLINICAL.md), so 12° is the bar.
ROM_TOL_DEG = 12.0
# ...except beyond the face mesh's rotation limit (MetricsConfig.rom_rotation_limit_deg, 40°): true
# turns of 60–70° read 43–49° there, so a turn past the limit is checked as what the instrument
# reports it to be, a lower bound: at least the limit (flagged at_limit), at most the truth + 12°.
ROT_LIMIT_DEG = MetricsConfig().rom_rotation_limit_deg
# Record the JS side's RTCPeerConnection configurations (the component runs in an iframe).
RECORD_PC_CONFIG = """
(() => {
  const Orig = window.RTCPeerConnection;
  if (!Orig) return;
  window.__pcConfigs = [];
  window.RTCPeerConnection = function (config, ...rest) {
    window.__pcConfigs.push(JSON.parse(JSON.stringify(config || null)));
    return new Orig(config, ...rest);
  };
  window.RTCPeerConnection.prototype = Orig.prototype;
})();
"""


def test_page_configures_no_ice_server():
    """The page hands streamlit-webrtc empty ICE server lists for the browser and the server."""
    import ast

    from dashboard_harness import ROOT

    tree = ast.parse((ROOT / "pages" / "1_Live_webcam.py").read_text())
    consts = {
        t.id: ast.literal_eval(n.value)
        for n in tree.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name) and t.id == "NO_ICE"
    }
    assert consts == {"NO_ICE": {"iceServers": []}}
    (call,) = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "webrtc_streamer"
    ]
    kwargs = {k.arg: k.value for k in call.keywords}
    for name in ("rtc_configuration", "frontend_rtc_configuration", "server_rtc_configuration"):
        assert isinstance(kwargs.get(name), ast.Name) and kwargs[name].id == "NO_ICE", name


def number(text: str) -> float:
    match = re.search(r"[-+]?[0-9]+(?:\.[0-9]+)?", text.replace("−", "-"))
    if not match:
        raise ValueError(f"no number in {text!r}")
    return float(match.group(0))


def live_values(page) -> dict[str, float] | None:
    values = metric_values(page)
    try:
        return {axis: number(values[f"Live {label}"]) for axis, label in
                (("rotation", "Rotation"), ("tilt", "Tilt"), ("flexion", "Flexion"))}  # fmt: skip
    except (KeyError, ValueError):
        return None


@pytest.fixture(scope="module")
def webcam_clip():
    reason = missing_requirements()
    if reason:
        pytest.skip(reason)
    try:
        import streamlit_webrtc  # noqa: F401
    except ImportError:
        pytest.skip("streamlit-webrtc is not installed in the venv")
    try:
        return clip.rendered()
    except (ImportError, FileNotFoundError, OSError) as exc:
        pytest.skip(f"the test clip cannot be rendered here ({exc})")


# Timing-dependent (frames dropped on a loaded machine shorten the measured hold): one retry.
@pytest.mark.flaky(reruns=1)
def test_webcam_protocol_end_to_end(webcam_clip, tmp_path, monkeypatch):
    _mp4, y4m = webcam_clip
    db = tmp_path / "records.sqlite"
    monkeypatch.setenv("POSTURE_DB_URL", str(db))
    monkeypatch.setenv("POSTURE_RECORDINGS_DIR", str(tmp_path / "recordings"))
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    ]
    summary: dict = {}
    with dashboard_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            context.grant_permissions(["camera"], origin=url)
            context.add_init_script(RECORD_PC_CONFIG)
            page = context.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(f"{url}/Live_webcam?protocol=short")
            frame = page.frame_locator('iframe[title*="webrtc"]').first
            start_button = frame.get_by_role("button", name=re.compile("Start the camera", re.I))
            start_button.wait_for(timeout=60_000)
            start_button.click()

            # 1. Live readings during the sync pose, then start the protocol on cue.
            readings: list[dict[str, float]] = []
            deadline = time.monotonic() + 60
            clicked = False
            while time.monotonic() < deadline:
                live = live_values(page)
                if live is not None and live["rotation"] > 15:
                    readings.append(live)
                    if len(readings) == 3:
                        full_page_screenshot(page, ARTIFACTS / "webcam-live.png")
                elif live is not None and readings and live["rotation"] < 0:
                    page.get_by_role("button", name="Record the short protocol").click()
                    clicked = True
                    break
                page.wait_for_timeout(100)
            assert readings, "no live angle readings with the sync pose were shown"
            assert clicked, "the head never left the sync pose in the live readings"
            summary["live_readings"] = len(readings)
            expect = dict(zip(("rotation", "tilt", "flexion"), clip.SYNC_POSE, strict=True))
            for axis, truth in expect.items():
                median = statistics.median(r[axis] for r in readings)
                summary[f"live_{axis}_deg"] = median
                assert median == pytest.approx(truth, abs=LIVE_TOL_DEG), (axis, median, readings)

            # 2. The protocol runs through: prompts on the page, then the analysis.
            try:
                page.wait_for_selector('h3:has-text("Rest: eyes open")', timeout=20_000)
                page.wait_for_selector('h3:has-text("YOUR LEFT")', timeout=40_000)
            except Exception:
                full_page_screenshot(page, ARTIFACTS / "webcam-protocol-failed.png")
                raise
            full_page_screenshot(page, ARTIFACTS / "webcam-protocol-rom.png")
            caption = page.locator("text=/ms per frame/").first.inner_text()
            summary["live_status"] = caption
            try:
                page.wait_for_selector("text=Measurements per protocol phase", timeout=150_000)
            except Exception:
                full_page_screenshot(page, ARTIFACTS / "webcam-analysis-failed.png")
                raise
            page.wait_for_timeout(1500)
            full_page_screenshot(page, ARTIFACTS / "webcam-recorded.png")
            shown = metric_values(page)
            summary["shown"] = shown
            (ARTIFACTS / "webcam-e2e-summary.json").write_text(json.dumps(summary, indent=1, default=str))
            for result in (tmp_path / "recordings").glob("*.posture.json"):
                (ARTIFACTS / "webcam-e2e-result.json").write_text(result.read_text())

            # 3. Per-phase measurements against the truth.
            assert number(shown["Rest: rotation"]) == pytest.approx(clip.REST[0], abs=POSTURE_TOL_DEG)
            assert number(shown["Rest: tilt"]) == pytest.approx(clip.REST[1], abs=POSTURE_TOL_DEG)
            held = number(shown["Hold: time within 10°"])
            assert held >= 5.5, shown  # the whole measured hold (6.5 s) is within 10°
            rom_truth = {
                "ROM: turn left": 60,
                "ROM: turn right": 55,
                "ROM: tilt left": 35,
                "ROM: tilt right": 30,
                "ROM: chin down": 35,
                "ROM: chin up": 30,
            }
            for label, truth in rom_truth.items():
                value = number(shown[label])
                if "turn" in label and truth > ROT_LIMIT_DEG:
                    assert ROT_LIMIT_DEG <= value <= truth + ROM_TOL_DEG, (label, shown[label])
                else:
                    assert value == pytest.approx(truth, abs=ROM_TOL_DEG), (label, shown[label])
            improvement = number(shown["Trick: change in deviation"])
            assert improvement == pytest.approx(abs(clip.REST[0]) - abs(clip.TRICK[0]), abs=POSTURE_TOL_DEG)
            assert shown["Trick: eases the posture"] == "yes"

            # 4. Save to a new client's records; the saved session holds the same measurements.
            page.get_by_label("…or a new client (pseudonym, no real names)").fill("E2E-webcam")
            page.get_by_role("button", name="Save session").click()
            page.wait_for_selector("text=/Saved as session \\d+/", timeout=30_000)
            full_page_screenshot(page, ARTIFACTS / "webcam-saved.png")

            # 5. No STUN/TURN anywhere, nothing asked of another host.
            configs = []
            for f in page.frames:
                if "webrtc" in (f.name or "") or "component" in f.url:
                    configs += f.evaluate("() => window.__pcConfigs || []")
            summary["pc_configs"] = configs
            assert configs, "no RTCPeerConnection was seen"
            assert all(c and c.get("iceServers") == [] for c in configs), configs
            hosts = {
                urlparse(u).hostname for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")
            }
            assert hosts <= {"127.0.0.1"}, hosts
        finally:
            browser.close()
    log = (ARTIFACTS / "streamlit-server.log").read_text()
    assert "iceServers is not set" not in log
    assert "Traceback" not in log, log[-3000:]

    from posture.store import open_store

    with open_store(str(db)) as store:
        (client,) = store.list_clients()
        (session,) = store.list_sessions(client.id)
        assert session.protocol == "short"
        saved = store.get_session(session.id).result["protocol"]
    assert saved["segmentation"] == "marks" and saved["measured"]
    assert saved["rest"]["posture"]["rotation"]["median_deg"] == pytest.approx(
        clip.REST[0], abs=POSTURE_TOL_DEG
    )
    assert saved["hold"]["time_within_10deg_s"] == pytest.approx(held, abs=0.05)
    rom = saved["range_of_motion"]
    for side, truth in (("left", 60), ("right", 55)):
        assert ROT_LIMIT_DEG <= rom[f"rotation_{side}_deg"] <= truth + ROM_TOL_DEG, rom
        assert rom[f"rotation_{side}_at_limit"] is True, rom
    assert rom["tilt_left_deg"] == pytest.approx(35, abs=ROM_TOL_DEG), rom
    assert saved["sensory_trick"]["improved"] is True
    recordings = list((tmp_path / "recordings").glob("*.mp4"))
    assert len(recordings) == 1 and recordings[0].with_name(recordings[0].stem + ".protocol.json").exists()
    summary["runtime_s"] = time.monotonic() - started
    (ARTIFACTS / "webcam-e2e-summary.json").write_text(json.dumps(summary, indent=1, default=str))
