"""De-identified copies of a clip: the face blurred, from the face boxes the analysis already found.

A copy made here can be kept with a session or sent on, where the raw clip should not be. The
face box of each frame (``Analysis.face``, columns ``box_x0 .. box_y1``, pixels in the upright frame)
is enlarged to take in hair, ears and jaw, then blurred beyond recognition (shrunk to a few
pixels across and smoothed back up). Where the face was not found in a frame, the last box seen
is blurred, enlarged further, because the head is still there; before any face has been seen
the whole frame is blurred. So a face is never shown unblurred, at the price of some over-blurring.
The sound track is dropped (a voice identifies too).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from posture.errors import InvalidInput

# The face mesh box runs from brow to chin and cheek to cheek; this much of its size is added on
# each side so that hair, ears and jaw are covered too.
FACE_MARGIN = 0.35
# Extra margin for a frame without a face, where the last known box is used.
LOST_FACE_MARGIN = 0.6
# The blurred region is shrunk to this many pixels across its longer side and scaled back up:
# no feature smaller than about a twelfth of the face survives.
BLUR_CELLS = 12
BOX_COLUMNS = slice(6, 10)  # box_x0, box_y0, box_x1, box_y1 in FACE_GEOMETRY_COLUMNS

Annotate = Callable[[np.ndarray, int], np.ndarray]


def face_boxes(face: np.ndarray, width: int, height: int) -> np.ndarray:
    """Per-frame regions to blur: (n, 4) int pixels ``x0, y0, x1, y1`` (x1, y1 exclusive).

    ``face``: (n, 10) face geometry, NaN rows where no face. A frame without a face gets the last
    known box enlarged by :data:`LOST_FACE_MARGIN`; before the first face, the whole frame.
    """
    boxes = np.empty((len(face), 4), dtype=int)
    last: np.ndarray | None = None
    for i, row in enumerate(np.asarray(face, dtype=float)):
        box = row[BOX_COLUMNS]
        if np.isfinite(box).all() and box[2] > box[0] and box[3] > box[1]:
            last = box
            boxes[i] = _grow(box, FACE_MARGIN, width, height)
        elif last is not None:
            boxes[i] = _grow(last, LOST_FACE_MARGIN, width, height)
        else:
            boxes[i] = (0, 0, width, height)
    return boxes


def _grow(box: np.ndarray, margin: float, width: int, height: int) -> np.ndarray:
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    return np.array(
        [
            max(0, int(np.floor(x0 - dx))),
            max(0, int(np.floor(y0 - dy))),
            min(width, int(np.ceil(x1 + dx))),
            min(height, int(np.ceil(y1 + dy))),
        ]
    )


def blur_region(image: np.ndarray, box: np.ndarray) -> np.ndarray:
    """``image`` (h, w, 3) uint8 with ``box`` (x0, y0, x1, y1) blurred beyond recognition (in place)."""
    import cv2

    x0, y0, x1, y1 = (int(v) for v in box)
    if x1 <= x0 or y1 <= y0:
        return image
    region = image[y0:y1, x0:x1]
    h, w = region.shape[:2]
    scale = BLUR_CELLS / max(h, w)
    small = cv2.resize(
        region, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    smooth = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    # A light blur on top hides the cell edges, which would otherwise still outline features.
    k = max(3, (max(h, w) // BLUR_CELLS) | 1)
    image[y0:y1, x0:x1] = cv2.GaussianBlur(smooth, (k, k), 0)
    return image


def export_blurred(
    video_path: str | os.PathLike,
    analysis,
    out_path: str | os.PathLike,
    *,
    annotate: Annotate | None = None,
    crf: int = 23,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write ``video_path`` to ``out_path`` (H.264 MP4) with the face blurred in every frame.

    ``analysis``: the :class:`~posture.result.Analysis` of this very clip (its ``face`` rows align
    with the frames :func:`posture.pipeline.frames.read_frames` yields). ``annotate``: optional
    ``f(image, frame_index) -> image`` drawing overlays after blurring (angles, boxes).
    Frames keep their own timestamps (variable frame rate survives). Frames beyond the
    analysis (a different or longer file) are blurred whole. Returns ``out_path``.
    """
    from posture.pipeline.frames import read_frames

    info, frames = read_frames(video_path)
    face = np.asarray(analysis.face)
    if face.ndim != 2 or face.shape[1] < 10:
        raise InvalidInput("the analysis has no face geometry to blur with (expected (n, 10) face rows)")
    boxes = face_boxes(face, info.width, info.height)
    out_path = Path(out_path)
    tmp = out_path.with_name(f".{out_path.name}.part")
    time_base = Fraction(1, 90_000)
    rate = Fraction(round(info.fps * 1000), 1000) if np.isfinite(info.fps) and info.fps > 0 else Fraction(30)
    written = 0
    try:
        with av.open(str(tmp), mode="w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=rate)
            stream.width, stream.height = info.width, info.height
            stream.pix_fmt = "yuv420p"
            stream.time_base = time_base
            stream.codec_context.time_base = time_base
            stream.options = {"crf": str(crf), "preset": "veryfast"}
            last_pts = -1
            for frame in frames:
                image = frame.image.copy()
                if image.shape[:2] != (info.height, info.width):
                    raise InvalidInput("the frame size changed in the middle of the clip")
                box = boxes[frame.index] if frame.index < len(boxes) else (0, 0, info.width, info.height)
                blur_region(image, box)
                if annotate is not None:
                    image = annotate(image, frame.index)
                out = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
                pts = max(int(round(frame.t_s / time_base)), last_pts + 1)
                out.pts, out.time_base, last_pts = pts, time_base, pts
                for packet in stream.encode(out):
                    container.mux(packet)
                written += 1
                if progress is not None:
                    progress(written, len(boxes))
            for packet in stream.encode(None):
                container.mux(packet)
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return out_path
