"""Decoding: real timestamps, rotation metadata, and one clear error per kind of bad file."""

import subprocess

import numpy as np
import pytest

from posture.errors import TruncatedVideo, UnreadableVideo, VideoNotFound
from posture.pipeline.frames import prefetch, probe, read_frames
from tests.videos import write_video


def test_constant_rate_timestamps(tmp_path):
    path = write_video(tmp_path / "c.mp4", n_frames=50, fps=25)
    info, frames = read_frames(path)
    t = np.array([f.t_s for f in frames])
    assert info.fps == pytest.approx(25)
    assert len(t) == 50
    np.testing.assert_allclose(np.diff(t), 1 / 25, atol=1e-3)
    assert t[0] == 0.0


def test_variable_frame_rate_keeps_container_times(tmp_path):
    rng = np.random.default_rng(0)
    times = np.cumsum(np.r_[0.0, rng.uniform(0.02, 0.05, 59)])
    path = write_video(tmp_path / "vfr.mp4", times_s=times)
    _, frames = read_frames(path)
    t = np.array([f.t_s for f in frames])
    np.testing.assert_allclose(t, times - times[0], atol=2e-4)


@pytest.mark.parametrize("rotation", [90, 270])
def test_rotation_tag_makes_frames_upright(tmp_path, rotation):
    import imageio_ffmpeg

    img = np.zeros((120, 160, 3), np.uint8)
    img[:10, :, 0] = 255  # red band along the stored top edge
    raw = write_video(tmp_path / "raw.mp4", images=[img] * 10)
    tagged = tmp_path / "tagged.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", "-display_rotation:v:0", str(rotation),
         "-i", str(raw), "-c", "copy", str(tagged)],
        check=True,
    )  # fmt: skip
    info, frames = read_frames(tagged)
    first = next(frames).image
    assert info.rotation_deg == rotation
    assert (info.width, info.height) == (120, 160) and first.shape == (160, 120, 3)
    # Counter-clockwise 90: the stored top edge is now the left edge; 270: the right edge.
    red_col = first[:, :, 0].mean(axis=0)
    assert (np.argmax(red_col) < 10) == (rotation == 90)


def test_missing_file(tmp_path):
    with pytest.raises(VideoNotFound, match="no such file"):
        probe(tmp_path / "nope.mp4")


def test_not_a_video(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("these are my session notes, not a video\n" * 50)
    with pytest.raises(UnreadableVideo, match="cannot be read as a video"):
        probe(path)


def test_truncated_faststart_video_is_refused(tmp_path):
    path = write_video(tmp_path / "t.mp4", n_frames=150, faststart=True)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.5)])
    with pytest.raises(TruncatedVideo, match="truncated"):
        _, frames = read_frames(path)
        for _ in frames:
            pass


def test_truncated_video_without_index_is_refused(tmp_path):
    path = write_video(tmp_path / "t.mp4", n_frames=60)  # index (moov) at the end: lost when cut
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableVideo, match="damaged, incomplete"):
        probe(path)


def test_prefetch_preserves_order_and_errors():
    def gen():
        yield from range(5)
        raise ValueError("boom")

    got = []
    with pytest.raises(ValueError, match="boom"):
        for item in prefetch(gen(), depth=2):
            got.append(item)
    assert got == [0, 1, 2, 3, 4]
