"""Live measurement, the mirrored preview, recording with phase marks, and ``posture record``."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import pytest

from posture.errors import PostureError
from posture.live import LiveSession, draw_text
from posture.pipeline.frames import read_frames
from posture.protocol import get_protocol, load_marks
from posture.record import CameraUnavailable, add_record_parser, open_source

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("POSTURE_SAMPLES", ROOT / "sample_videos"))
ROM_CLIP = SAMPLES / "rom_protocol.mp4"


class FakeTracker:
    """Stands in for FaceTracker: a fixed face, so the tests need no MediaPipe."""

    def __init__(self):
        from posture.angles import angles_to_matrix
        from posture.pipeline.headpose import canonical_face

        model, _ = canonical_face()
        # A face turned 20° to the patient's left, 40 px per cm, centred in a 320 x 240 image.
        pts = (angles_to_matrix(20.0, -5.0, 8.0) @ model.T).T * 8.0
        self.points = np.column_stack([160 + pts[:, 0], 120 - pts[:, 1], -pts[:, 2]])
        self.closed = False

    def process(self, image):
        from posture.pipeline.landmarks import FaceObservation

        return FaceObservation(points=self.points, n_faces=1)

    def close(self):
        self.closed = True


def frames(n=40, fps=30.0):
    rng = np.random.default_rng(0)
    for i in range(n):
        yield rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), i / fps


def test_numbers_do_not_depend_on_the_mirrored_preview():
    readings = {}
    for mirror in (False, True):
        live = LiveSession(mirror_preview=mirror, tracker_factory=FakeTracker)
        image = np.zeros((240, 320, 3), np.uint8)
        image[:, :160] = 200  # left half bright: tells whether the shown image is flipped
        shown = live.process(image, 0.0)
        readings[mirror] = live.status()["reading"].angles
        assert shown.shape == image.shape
        # the shown picture is flipped only when mirrored (bottom-middle rows hold no text)
        row = shown[120]
        assert (row[5] > row[-5]).all() if not mirror else (row[5] < row[-5]).all()
        live.close()
    assert np.allclose(readings[False], readings[True])
    # signs as posed (the off-centre ray correction moves the values by a degree or two)
    assert readings[False] == pytest.approx([20.0, -5.0, 8.0], abs=3.0)


def test_side_labels_name_the_patients_side():
    import cv2

    # draw_text puts "patient's left" on the image's right unless mirrored: find the label by
    # drawing it alone and comparing which half changes.
    def label_side(mirrored):
        a = np.zeros((240, 320, 3), np.uint8)
        b = a.copy()
        draw_text(a, np.full(3, np.nan), mirrored)
        cv2.putText(b, "", (0, 0), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255))
        return a

    plain, mirrored = label_side(False), label_side(True)
    # the bottom strip differs between the two (labels swap sides)
    assert not np.array_equal(plain[200:], mirrored[200:])


def test_recording_with_protocol_writes_clip_and_marks(tmp_path):
    proto = get_protocol("short")
    live = LiveSession(tracker_factory=FakeTracker)
    clip = tmp_path / "rec.mp4"
    live.start_recording(clip, proto, {"source": "test"})
    assert live.recording
    t = 0.0
    while live.status()["finished"] is None and t < proto.duration_s + 2:
        live.process(np.zeros((240, 320, 3), np.uint8), 100.0 + t)  # any clock origin
        t += 1 / 10
    rec = live.status()["finished"]
    assert rec is not None and rec.marks.completed
    live.close()
    info, decoded = read_frames(clip)
    times = [f.t_s for f in decoded]
    assert len(times) == rec.frames and times[0] == 0.0
    assert times[-1] == pytest.approx(proto.duration_s, abs=0.2)
    marks = load_marks(clip)
    assert [p.key for p in marks.phases] == [s.key for s in proto.steps]
    assert marks.extra["source"] == "test" and marks.extra["width"] == 320


def test_stopping_early_marks_only_the_phases_reached(tmp_path):
    live = LiveSession(tracker_factory=FakeTracker)
    live.start_recording(tmp_path / "rec.mp4", get_protocol("short"))
    for image, t in frames(60, fps=10.0):  # 6 s: prepare and part of rest
        live.process(image, t)
    live.stop_recording()
    live.process(np.zeros((240, 320, 3), np.uint8), 6.1)
    rec = live.status()["finished"]
    assert rec is not None and not rec.marks.completed
    assert [p.kind for p in rec.marks.phases] == ["prepare", "rest"]
    assert rec.marks.phases[-1].end_s == pytest.approx(rec.duration_s)
    live.close()


def test_latency_is_reported():
    live = LiveSession(tracker_factory=FakeTracker)
    for image, t in frames(10):
        live.process(image, t)
    lat = live.latency_ms()
    assert lat["frames"] == 10 and lat["median"] > 0
    live.close()


def _record(argv):
    parser = argparse.ArgumentParser(prog="posture")
    add_record_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["record", *argv])
    return args.func(args)


def test_record_cli_cannot_open_camera(tmp_path):
    with pytest.raises(CameraUnavailable, match="cannot open camera 97"):
        open_source("97", 640, 480)
    with pytest.raises(CameraUnavailable, match="no such camera index or video file"):
        _record(["--camera", str(tmp_path / "none.mp4"), "--out", str(tmp_path / "x.mp4"), "--no-preview"])
    with pytest.raises(PostureError, match=r"\.mp4"):
        _record(["--camera", "0", "--out", str(tmp_path / "x.avi"), "--no-preview"])


@pytest.mark.skipif(not ROM_CLIP.exists(), reason="sample clip not rendered")
def test_record_cli_from_a_file_then_analyse(tmp_path, capsys):
    """A video file plays as the camera: the protocol runs on its timestamps, headless."""
    out = tmp_path / "session.mp4"
    assert _record(["--camera", str(ROM_CLIP), "--protocol", "short", "--out", str(out), "--no-preview"]) == 0
    text = capsys.readouterr().out
    assert "wrote" in text and "posture analyze" in text and "ms per frame" in text
    marks = json.loads(out.with_name("session.protocol.json").read_text())
    assert marks["protocol"] == "short" and marks["completed"] is False  # the clip is shorter
    from posture.analysis import analyze
    from posture.protocol import protocol_section

    analysis = analyze(out)
    source = analyze(ROM_CLIP)
    assert analysis.t_s.size == source.t_s.size
    # the recorded frames are measured like the original (near-lossless recording)
    assert np.nanmedian(np.abs(analysis.angles - source.angles)) < 1.0
    section = protocol_section(analysis, load_marks(out))
    assert section["segmentation"] == "marks"
    assert [p["kind"] for p in section["phases"]] == ["prepare", "rest", "hold", "rom"]


def test_live_angles_follow_a_turn_past_the_mesh_range_like_the_analysis():
    # The sweep turns the head to +-70°: the mesh alone reads about 50°; the live view follows the
    # face's texture past that, as the analysis of a recorded clip does.
    from posture.analysis import analyze

    clip = SAMPLES / "sweep_rotation.mp4"
    truth = json.loads(clip.with_name("sweep_rotation.truth.json").read_text())["frames"]
    true_peak = max(abs(v) for v in truth["rotation_deg"])
    live = LiveSession()
    rotations = []
    try:
        _, stream = read_frames(clip)
        for frame in stream:
            live.process(frame.image, frame.t_s)
            rotations.append(live.status()["reading"].angles[0])
    finally:
        live.close()
    live_rot = np.asarray(rotations)
    analysed = analyze(clip).angles[:, 0]
    assert np.nanmax(np.abs(live_rot)) >= true_peak - 8.0
    # the same tracker, on the same frames in the same order: the same angles
    np.testing.assert_allclose(live_rot, analysed, atol=0.01, equal_nan=True)
