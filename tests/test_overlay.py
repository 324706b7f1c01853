"""The annotated clip: a playable H.264 file with one frame per analysed frame, at the same times."""

from fractions import Fraction

import av
import numpy as np
import pytest

from posture.errors import InvalidInput
from posture.overlay import direction_words, draw_frame, output_size, render_overlay, shoulder_track

W, H, FPS, N = 320, 240, 25, 30


@pytest.fixture(scope="module")
def plain_clip(tmp_path_factory):
    """A tiny MPEG-4 clip (not H.264, so the overlay must re-encode) with a moving grey square."""
    path = tmp_path_factory.mktemp("clips") / "plain.avi"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for i in range(N):
            image = np.zeros((H, W, 3), np.uint8)
            image[100:140, 10 + 5 * i : 50 + 5 * i] = 200
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _series(n=N):
    t = np.arange(n) / FPS
    angles = np.column_stack([20 * np.sin(t), -8 * np.ones(n), 5 * np.cos(t)])
    face = np.tile([180, 100, 140, 100, 160, 130, 120, 70, 200, 170], (n, 1)).astype(float)
    angles[5:8] = np.nan  # face lost for three frames
    face[5:8] = np.nan
    return t, angles, face


def test_writes_playable_h264_with_matching_frames_and_times(plain_clip, tmp_path):
    t, angles, face = _series()
    calls = []
    out = render_overlay(
        plain_clip,
        t,
        angles,
        face,
        (W, H),
        tmp_path / "overlay.mp4",
        jerk_intervals=[(0.4, 0.5)],
        progress=lambda done, total, _s: calls.append((done, total)),
    )
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        times = [float(f.pts * f.time_base) for f in container.decode(stream)]
    assert len(times) == N
    np.testing.assert_allclose(times, t, atol=1e-3)
    assert calls[-1] == (N, N)
    # faststart: the index ("moov") comes before the media data ("mdat").
    head = out.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))


def test_variable_frame_rate_times_are_kept(plain_clip, tmp_path):
    _, angles, face = _series()
    t = np.cumsum(np.r_[0, np.where(np.arange(N - 1) % 2, 0.03, 0.05)])
    out = render_overlay(plain_clip, t, angles, face, (W, H), tmp_path / "vfr.mp4")
    with av.open(str(out)) as container:
        got = [float(f.pts * f.time_base) for f in container.decode(video=0)]
    np.testing.assert_allclose(got, t, atol=1e-3)


def test_mismatched_series_are_refused(plain_clip, tmp_path):
    t, angles, face = _series()
    with pytest.raises(InvalidInput):
        render_overlay(plain_clip, t, angles[:-1], face, (W, H), tmp_path / "x.mp4")


def test_draw_frame_marks_the_face_and_leaves_input_untouched():
    image = np.zeros((H, W, 3), np.uint8)
    t, angles, face = _series()
    drawn = draw_frame(image, 0.0, angles[0], face[0], (W, H), in_jerk=True)
    assert image.max() == 0
    assert drawn.shape == image.shape and drawn.dtype == np.uint8
    # The axes are drawn around the nose tip (160, 130).
    assert drawn[110:150, 140:180].any()
    # Without a face nothing is drawn at the nose, but the panel still is.
    lost = draw_frame(image, 0.2, angles[6], face[6], (W, H))
    assert not lost[120:140, 150:170].any()
    assert lost[:30, :100].any()


@pytest.mark.parametrize(
    ("axis", "value", "words"),
    [
        ("rotation", 12.0, "chin to patient's left"),
        ("rotation", -3.0, "chin to patient's right"),
        ("tilt", 4.0, "left ear to left shoulder"),
        ("tilt", -4.0, "right ear to right shoulder"),
        ("flexion", 10.0, "chin down (flexion)"),
        ("flexion", -10.0, "chin up (extension)"),
        ("flexion", float("nan"), ""),
    ],
)
def test_direction_words_follow_the_clinical_conventions(axis, value, words):
    assert direction_words(axis, value) == words


def test_output_size_is_even_and_bounded():
    assert output_size(1281, 721) == (960, 540)
    assert all(
        side % 2 == 0 and abs(side - raw) <= 1
        for side, raw in zip(output_size(321, 241), (321, 241), strict=True)
    )
    w, h = output_size(720, 1280)
    assert h == 960 and w % 2 == 0
    assert Fraction(w, h) == pytest.approx(720 / 1280, rel=0.01)


def test_shoulder_readings_are_held_until_the_next_one():
    columns = ("left_x", "left_y", "left_visibility", "right_x", "right_y", "right_visibility")
    t = np.arange(0, 3.0, 0.5)
    body = np.full((t.size, 6), np.nan)
    body[1] = [200, 150, 0.9, 120, 160, 0.9]  # one reading at 0.5 s
    track = shoulder_track(t, body, columns)
    assert np.isnan(track[0]).all()  # nothing before the first reading
    np.testing.assert_array_equal(track[1:5], [[200, 150, 120, 160]] * 4)  # held for 1.5 s
    assert np.isnan(track[5]).all()  # then dropped
    assert shoulder_track(t, None, columns) is None
    assert shoulder_track(t, body, ("a", "b", "c", "d", "e", "f")) is None


def test_the_outline_tops_are_drawn_where_they_were_found():
    columns = (
        "left_x",
        "left_y",
        "right_x",
        "right_y",
        "left_top_x",
        "left_top_y",
        "right_top_x",
        "right_top_y",
    )
    t = np.arange(0, 2.0, 0.5)
    body = np.full((t.size, 8), np.nan)
    body[0] = [200, 150, 120, 160, 190, 140, 130, 148]  # outline found: drawn instead of the points
    body[2] = [201, 151, 121, 161, np.nan, np.nan, 131, 149]  # outline missing on one side: the points
    track = shoulder_track(t, body, columns)
    np.testing.assert_array_equal(track[0], [190, 140, 130, 148])
    np.testing.assert_array_equal(track[2], [201, 151, 121, 161])


def test_shoulder_line_is_drawn():
    image = np.zeros((H, W, 3), np.uint8)
    _t, angles, face = _series()
    drawn = draw_frame(image, 0.0, angles[0], face[0], (W, H), shoulders=np.array([260.0, 200, 60, 205]))
    assert drawn[195:210, 150:170].any()  # on the line between the shoulders
