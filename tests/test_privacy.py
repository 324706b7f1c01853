"""De-identified export: the face is blurred in every frame, the rest of the picture is kept."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from posture.errors import InvalidInput
from posture.pipeline.frames import read_frames
from posture.privacy import export_blurred, face_boxes
from tests.test_store_helpers import make_analysis, make_clip

W, H, N, FPS = 160, 120, 24, 12
FACE = (slice(int(0.25 * H) + 2, int(0.75 * H) - 2), slice(int(0.35 * W) + 2, int(0.65 * W) - 2))


def _frames(path):
    _, frames = read_frames(path)
    return [f.image.astype(float) for f in frames]


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", n=N, width=W, height=H, fps=FPS)


@pytest.mark.parametrize(
    "lost", [None, slice(0, 3), slice(10, 14)], ids=["always-found", "found-late", "lost-midway"]
)
def test_the_face_is_blurred_in_every_frame_and_the_rest_kept(clip, tmp_path, lost):
    analysis = make_analysis(n=N, fps=FPS, width=W, height=H, lost=lost)
    out = export_blurred(clip, analysis, tmp_path / "blurred.mp4")
    before, after = _frames(clip), _frames(out)
    assert len(after) == len(before) == N
    for i, (a, b) in enumerate(zip(before, after, strict=True)):
        face_in, face_out = a[FACE], b[FACE]
        assert face_in.std() > 80, "the test clip's face region is a sharp checkerboard"
        assert face_out.std() < 0.25 * face_in.std(), f"frame {i}: the face is not blurred"
        assert np.abs(face_out - face_in).mean() > 40, f"frame {i}: the face region barely changed"
        if lost is not None and lost.start == 0 and i < lost.stop:
            continue  # before any face was seen the whole frame is blurred
        corner = (slice(H - 12, H), slice(0, 16))  # far from the face: a smooth gradient
        assert np.abs(b[corner] - a[corner]).mean() < 8, f"frame {i}: the background was damaged"


def test_face_boxes_cover_the_face_with_a_margin_and_hold_the_last_box():
    face = np.full((4, 10), np.nan)
    face[1, 6:10] = (40, 30, 80, 90)
    boxes = face_boxes(face, 160, 120)
    assert tuple(boxes[0]) == (0, 0, 160, 120)  # no face seen yet: everything
    x0, y0, x1, y1 = boxes[1]
    assert x0 < 40 and y0 < 30 and x1 > 80 and y1 > 90
    assert (boxes[2][2] - boxes[2][0]) > (x1 - x0), "a lost face is covered by a larger box"
    assert (boxes[2] == boxes[3]).all()


def test_export_refuses_an_analysis_without_face_geometry(clip, tmp_path):
    analysis = replace(make_analysis(n=N, fps=FPS), face=np.zeros((N, 3)))
    with pytest.raises(InvalidInput, match="face geometry"):
        export_blurred(clip, analysis, tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()
