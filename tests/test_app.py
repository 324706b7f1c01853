"""The dashboard's wiring with Streamlit's AppTest: upload -> analysis -> results -> downloads, and
bad input shown as a message in the page, never a traceback."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import av
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
# A short bundled clip with a known posture: the head held turned 30° to the patient's left.
SAMPLES = Path(os.environ.get("POSTURE_SAMPLES", ROOT / "sample_videos"))
CLIP = SAMPLES / "hold_rotation_left30.mp4"
TIMEOUT_S = 180


@pytest.fixture(autouse=True)
def records_db(tmp_path, monkeypatch):
    """The results page lists the client records: a throwaway database, never the user's."""
    monkeypatch.setenv("POSTURE_DB_URL", f"sqlite:///{tmp_path / 'records.db'}")


@pytest.fixture(scope="module")
def clip() -> Path:
    if not CLIP.exists():
        pytest.skip(f"{CLIP} is not rendered yet (python -m tools.render_samples)")
    return CLIP


def make_clip(path: Path, seconds: float, fps: int = 15, size=(160, 120)) -> Path:
    """A plain grey clip with a moving square and no face."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        for i in range(int(seconds * fps)):
            image = np.full((size[1], size[0], 3), 90, np.uint8)
            image[40:80, (i * 3) % 120 : (i * 3) % 120 + 40] = 220
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def started() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str, data: bytes, mime: str = "video/mp4") -> AppTest:
    at.sidebar.file_uploader(key="upload").set_value((name, data, mime))
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def page_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def test_start_page_explains_itself_and_accepts_phone_and_webcam_formats():
    at = started()
    assert "Screening and tracking aid, not a diagnosis." in at.info[0].value
    uploader = at.sidebar.file_uploader(key="upload")
    assert set(uploader.allowed_type) >= {".mp4", ".mov", ".webm", ".avi"}
    assert "recording" in page_text(at).lower()
    assert not at.metric


def test_upload_shows_results_summary_and_downloads(clip, media):
    at = upload(started(), clip.name, clip.read_bytes())
    assert not at.error
    shown = metrics(at)
    assert set(shown) >= {"Rotation", "Tilt", "Flexion / extension"}
    rotation = re.match(r"([0-9.]+)° (left|right)", shown["Rotation"])
    assert rotation and rotation.group(2) == "left"
    assert abs(float(rotation.group(1)) - 30.0) <= 5.0
    text = page_text(at)
    assert "Results: hold_rotation_left30.mp4" in text
    assert "Screening and tracking aid, not a diagnosis" in text
    # The checklist sits beside the measurements: every question is a Yes/No control.
    assert len(at.segmented_control) >= 15

    buttons = {b.label: b for b in at.download_button}
    assert set(buttons) == {"Results (JSON)", "Angles per frame (CSV)", "Screening record (text)"}
    data, name = media[buttons["Results (JSON)"].proto.url]
    result = json.loads(data)
    assert name == "hold_rotation_left30.posture.json"
    assert result["schema"] == "posture.analysis/1"
    assert result["video"]["path"] == clip.name  # not the temporary copy's path
    data, name = media[buttons["Angles per frame (CSV)"].proto.url]
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0][:4] == ["t_s", "rotation_deg", "tilt_deg", "flexion_deg"]
    assert len(rows) - 1 == result["video"]["frames"]
    data, _ = media[buttons["Screening record (text)"].proto.url]
    assert "not a diagnosis" in data.decode()
    # The annotated clip is handed to the browser as an H.264 MP4.
    videos = [v for v in media.values() if v[0][4:8] == b"ftyp"]
    assert videos, "no annotated clip on the page"


def test_a_bundled_sample_clip_can_be_chosen(clip):
    if clip.parent != ROOT / "sample_videos":
        pytest.skip("the page lists the bundled sample_videos/ only")
    at = started()
    at.sidebar.radio(key="source_mode").set_value("Use a sample clip").run()
    at.sidebar.selectbox(key="sample").set_value(str(clip)).run()
    assert not at.exception and not at.error
    assert f"Results: {clip.name}" in page_text(at)
    assert "Rotation" in metrics(at)


def test_answers_change_the_summary(clip):
    at = upload(started(), clip.name, clip.read_bytes())
    red_flag = next(s for s in at.segmented_control if s.label.startswith("Is there double vision"))
    red_flag.set_value("Yes").run()
    assert not at.exception
    assert any("Refer promptly" in e.value for e in at.error)


def test_analysis_is_cached_across_page_visits(clip, monkeypatch, media):
    import posture.analysis

    calls = []
    original = posture.analysis.analyze

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(posture.analysis, "analyze", counting)
    data = clip.read_bytes()  # the same content under another name, in a new session
    first = upload(started(), "visit1.mp4", data)
    second = upload(started(), "visit2.mp4", data)
    assert len(calls) <= 1  # 0 when an earlier test already analysed this clip
    assert metrics(first)["Rotation"] == metrics(second)["Rotation"]
    # The page and its downloads carry each visit's own file name.
    assert "Results: visit2.mp4" in page_text(second)
    json_button = next(b for b in second.download_button if b.label == "Results (JSON)")
    data, file_name = media[json_button.proto.url]
    assert file_name == "visit2.posture.json" and json.loads(data)["video"]["path"] == "visit2.mp4"


def test_reloading_the_page_shows_the_last_clip_again(clip):
    first = upload(started(), clip.name, clip.read_bytes())
    digest = first.query_params["clip"][0]
    reloaded = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    reloaded.query_params["clip"] = digest
    reloaded.run()
    assert not reloaded.exception
    assert metrics(reloaded) == metrics(first)
    assert "Showing the last clip analysed" in page_text(reloaded)
    # Removing the clip in the sidebar clears the page for good.
    first.sidebar.file_uploader(key="upload").set_value(None)
    first.run()
    assert not first.metric and "clip" not in first.query_params


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("notes.mp4", lambda d: b"these are my notes, not a video\n" * 20, "not a video"),
        ("empty.webm", lambda d: b"", "not a video"),
        ("short.avi", lambda d: make_clip(d / "short.avi", 1.0).read_bytes(), "at least 2 s"),
        ("wall.avi", lambda d: make_clip(d / "wall.avi", 2.5).read_bytes(), "No face was found"),
    ],
)
def test_bad_input_is_a_message_in_the_page_and_the_app_keeps_working(name, make, message, tmp_path, clip):
    at = upload(started(), name, make(tmp_path))
    assert not at.exception
    assert at.error, "no error message shown"
    error = at.error[0].value
    assert name in error and message in error
    assert "Traceback" not in page_text(at)
    assert not at.metric
    # The next upload works.
    upload(at, clip.name, clip.read_bytes())
    assert not at.error
    assert "Rotation" in metrics(at)


def test_an_unexpected_failure_is_a_friendly_message_not_a_traceback(clip, monkeypatch):
    import posture.analysis

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug deep in the pipeline")

    monkeypatch.setattr(posture.analysis, "analyze", broken)
    at = upload(started(), "unlucky.mp4", clip.read_bytes() + b"\0")  # new content: not cached
    assert not at.exception
    assert "something unexpected went wrong" in at.error[0].value
    assert "simulated bug" not in page_text(at) and "Traceback" not in page_text(at)
    monkeypatch.undo()
    upload(at, clip.name, clip.read_bytes())
    assert "Rotation" in metrics(at)


def test_the_dashboard_stays_on_this_computer():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["headless"] is True
    assert config["server"]["maxUploadSize"] >= 200


def test_a_recording_handed_over_by_the_webcam_page_is_shown(clip):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.session_state["posture_recorded_clip"] = {
        "name": "recording-2026-01-01.mp4",
        "path": "/tmp/recording-2026-01-01.mp4",
        "marks_path": "/tmp/recording-2026-01-01.protocol.json",
        "data": clip.read_bytes(),
    }
    at.run()
    assert not at.exception and not at.error
    assert at.sidebar.radio(key="source_mode").value == "Webcam recording"
    assert "Results: recording-2026-01-01.mp4" in page_text(at)
    # The therapist can switch back to uploading.
    at.sidebar.radio(key="source_mode").set_value("Upload a clip").run()
    assert not at.metric
