"""The clip played back with the head's axes and angles drawn on it (no measurement happens here).

:func:`render_overlay` decodes the video again, draws on each frame what the analysis measured for
that frame (``Analysis.angles`` and ``Analysis.face``), and writes an H.264 (yuv420p) MP4 with its
index at the front ("faststart"), which every browser plays. Frame times are the container's own
(``Analysis.t_s``), so a time on the dashboard's plots is the same moment in the annotated clip.

What is drawn:

- the head's three axes at the nose tip, from the measured rotation matrix (orthographic view):
  red = the head's left-right axis (toward the patient's left ear), green = its up axis,
  blue = the direction the nose points;
- a panel with the three angles in degrees and in words (left and right are the patient's);
- "patient's left" / "patient's right" labels on the sides of the picture (a plain camera shows the
  patient's left on the image's right);
- the shoulder line the elevation is measured on (the top of the person's outline over each
  shoulder, or the pose model's shoulder points where the outline was not found; about once a
  second, held until the next reading), with the patient's left and right shoulders marked L and R;
- a "JERK" label while a jerk reported by the analysis is in progress;
- "no face found" on frames without a face.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from posture.angles import angles_to_matrix
from posture.errors import InvalidInput
from posture.pipeline.frames import read_frames

# The annotated clip is for looking at, not measuring: a smaller picture keeps the file light
# enough to stream to the browser.
MAX_LONG_SIDE_PX = 960
# Milliseconds: fine enough for any frame rate, and keeps variable-frame-rate timing exact.
TIME_BASE = Fraction(1, 1000)
# A jerk label stays visible at least this long (s), so a one-frame event can be seen.
JERK_LABEL_MIN_S = 0.4
# The pose model runs about once a second; a shoulder reading is drawn until the next one, but not
# longer than this (s).
SHOULDER_HOLD_S = 1.5
SHOULDER_COLOUR = (255, 220, 60)

# Colours (RGB) of the head's axes: the usual x/y/z = red/green/blue.
AXIS_COLOURS = ((230, 60, 60), (60, 200, 80), (70, 140, 255))
TEXT = (255, 255, 255)
PANEL = (20, 20, 20)
WARN = (255, 200, 40)

Progress = Callable[[int, int, float], None]


def direction_words(axis: str, value: float) -> str:
    """Words for the sign of an angle (CLINICAL.md conventions; left/right are the patient's)."""
    if not np.isfinite(value):
        return ""
    words = {
        "rotation": ("chin to patient's left", "chin to patient's right"),
        "tilt": ("left ear to left shoulder", "right ear to right shoulder"),
        "flexion": ("chin down (flexion)", "chin up (extension)"),
    }[axis]
    return words[0] if value >= 0 else words[1]


def _even(n: float) -> int:
    return max(2, int(round(n / 2)) * 2)


def output_size(width: int, height: int, max_long_side: int = MAX_LONG_SIDE_PX) -> tuple[int, int]:
    """Even (width, height) of the annotated clip: at most ``max_long_side`` pixels on the long side."""
    scale = min(1.0, max_long_side / max(width, height))
    return _even(width * scale), _even(height * scale)


def _axes_in_image(angles_deg: np.ndarray) -> np.ndarray:
    """(3, 2) image directions (x right, y down) of the head's x, y, z axes, length = cos of the
    angle each makes with the image plane (an axis pointing at the camera shrinks to a dot)."""
    rot = angles_to_matrix(*angles_deg)
    # Columns of R are the head's axes in the camera frame (x right, y up, z toward the camera).
    # The head's x axis points to the image's right when facing the camera: toward the patient's
    # left ear. Image y runs down, hence the sign flip.
    return np.column_stack([rot[0, :], -rot[1, :]])


def draw_frame(
    image: np.ndarray,
    t_s: float,
    angles_deg: np.ndarray,
    face: np.ndarray,
    source_size: tuple[int, int],
    in_jerk: bool = False,
    shoulders: np.ndarray | None = None,
) -> np.ndarray:
    """Draw the annotations on one RGB frame (returns a new array; ``image`` is not changed).

    Args:
        image: (h, w, 3) uint8 RGB, the frame as shown (already scaled to the output size).
        t_s: seconds from the first frame.
        angles_deg: (3,) ``[rotation, tilt, flexion]`` degrees, NaN where no face.
        face: (10,) face geometry in the *analysis'* pixels (``FACE_GEOMETRY_COLUMNS``), NaN where no face.
        source_size: (width, height) of the frames the analysis saw, to scale ``face`` to ``image``.
        in_jerk: a jerk is in progress at this moment.
        shoulders: (4,) ``[left_x, left_y, right_x, right_y]`` in the analysis' pixels (the patient's
            left and right shoulder), NaN when unknown.
    """
    out = np.ascontiguousarray(image.copy())
    h, w = out.shape[:2]
    sx, sy = w / source_size[0], h / source_size[1]
    unit = max(h, w) / 720.0  # line and text scale relative to a 720p picture
    font = cv2.FONT_HERSHEY_SIMPLEX
    thick = max(1, int(round(2 * unit)))
    small = 0.5 * unit

    if shoulders is not None and np.isfinite(shoulders).all():
        left = (int(shoulders[0] * sx), int(shoulders[1] * sy))
        right = (int(shoulders[2] * sx), int(shoulders[3] * sy))
        cv2.line(out, left, right, SHOULDER_COLOUR, thick, cv2.LINE_AA)
        for point, letter in ((left, "L"), (right, "R")):
            cv2.circle(out, point, thick + 3, SHOULDER_COLOUR, -1, cv2.LINE_AA)
            corner = (point[0] - int(5 * unit), point[1] - int(12 * unit))
            cv2.putText(out, letter, corner, font, small, SHOULDER_COLOUR, 1, cv2.LINE_AA)

    found = bool(np.isfinite(angles_deg).all() and np.isfinite(face).all())
    if found:
        nose = np.array([face[4] * sx, face[5] * sy])
        box_w = (face[8] - face[6]) * sx
        length = 0.55 * box_w
        dirs = _axes_in_image(np.asarray(angles_deg, dtype=float))
        # Draw the axis pointing most toward the camera last, so it stays on top.
        for i in np.argsort([angles_to_matrix(*angles_deg)[2, k] for k in range(3)]):
            end = nose + length * dirs[i]
            cv2.arrowedLine(
                out,
                tuple(int(v) for v in nose),
                tuple(int(v) for v in end),
                AXIS_COLOURS[i],
                thick + 1,
                cv2.LINE_AA,
                tipLength=0.18,
            )
        cv2.circle(out, tuple(int(v) for v in nose), thick + 2, TEXT, -1, cv2.LINE_AA)

    # Angle panel, top left.
    lines: list[tuple[str, tuple[int, int, int]]] = [(f"t = {t_s:6.2f} s", TEXT)]
    if found:
        for k, (name, label) in enumerate(
            (("rotation", "Rotation"), ("tilt", "Tilt"), ("flexion", "Flexion"))
        ):
            value = float(angles_deg[k])
            lines.append((f"{label:<9}{value:+6.1f} deg  {direction_words(name, value)}", TEXT))
    else:
        lines.append(("no face found in this frame", WARN))
    if in_jerk:
        lines.append(("JERK", WARN))
    line_h = int(22 * unit)
    pad = int(8 * unit)
    panel_w = int(max(cv2.getTextSize(text, font, small, 1)[0][0] for text, _ in lines) + 2 * pad)
    panel_h = line_h * len(lines) + pad
    overlay = out.copy()
    cv2.rectangle(overlay, (0, 0), (min(panel_w, w - 1), min(panel_h, h - 1)), PANEL, -1)
    out = cv2.addWeighted(overlay, 0.6, out, 0.4, 0)
    for k, (text, colour) in enumerate(lines):
        y = pad + line_h * (k + 1) - int(6 * unit)
        cv2.putText(out, text, (pad, y), font, small, colour, 1, cv2.LINE_AA)

    # Which side is which: a camera facing the patient shows the patient's left on the image's right.
    for text, right in (("patient's right", False), ("patient's left", True)):
        (tw, th), _ = cv2.getTextSize(text, font, small, 1)
        x = w - tw - pad if right else pad
        y = h - pad
        cv2.rectangle(out, (x - 4, y - th - 6), (x + tw + 4, y + 6), PANEL, -1)
        cv2.putText(out, text, (x, y), font, small, TEXT, 1, cv2.LINE_AA)
    return out


def shoulder_track(t_s: np.ndarray, body: np.ndarray | None, columns: Sequence[str]) -> np.ndarray | None:
    """(n, 4) ``[left_x, left_y, right_x, right_y]`` pixels per frame from ``Analysis.body``.

    The points are the tops of the person's outline over each shoulder (what the elevation is
    measured on) where they were found, else the pose model's shoulder points. The pose model runs
    only a few times a second; each reading is carried forward to the next one, for at most
    :data:`SHOULDER_HOLD_S`. None when there is no body array or it lacks the columns.

    Args:
        t_s: (n,) seconds of each frame.
        body: (n, k) body landmarks (NaN where the pose model did not run or found no one), or None.
        columns: the k column names (``posture.pipeline.body.BODY_COLUMNS``).
    """
    if body is None:
        return None
    try:
        idx = [list(columns).index(c) for c in ("left_x", "left_y", "right_x", "right_y")]
    except ValueError:
        return None
    raw = np.asarray(body, dtype=float)[:, idx]
    tops = ("left_top_x", "left_top_y", "right_top_x", "right_top_y")
    if all(c in columns for c in tops):
        outline = np.asarray(body, dtype=float)[:, [list(columns).index(c) for c in tops]]
        found = np.isfinite(outline).all(axis=1)
        raw[found] = outline[found]
    out = np.full_like(raw, np.nan)
    last, last_t = None, -np.inf
    for i, t in enumerate(np.asarray(t_s, dtype=float)):
        if np.isfinite(raw[i]).all():
            last, last_t = raw[i], t
        if last is not None and t - last_t <= SHOULDER_HOLD_S:
            out[i] = last
    return out


def _jerk_mask(t_s: np.ndarray, jerk_intervals: Sequence[tuple[float, float]]) -> np.ndarray:
    mask = np.zeros(t_s.shape, dtype=bool)
    for start, end in jerk_intervals:
        if end - start < JERK_LABEL_MIN_S:
            centre = 0.5 * (start + end)
            start, end = centre - JERK_LABEL_MIN_S / 2, centre + JERK_LABEL_MIN_S / 2
        mask |= (t_s >= start) & (t_s <= end)
    return mask


def render_overlay(
    video_path: str | os.PathLike,
    t_s: np.ndarray,
    angles: np.ndarray,
    face: np.ndarray,
    source_size: tuple[int, int],
    out_path: str | os.PathLike,
    jerk_intervals: Sequence[tuple[float, float]] = (),
    progress: Progress | None = None,
    max_long_side: int = MAX_LONG_SIDE_PX,
    shoulders: np.ndarray | None = None,
) -> Path:
    """Write the annotated clip of one analysed video as an H.264 MP4.

    Args:
        video_path: the video that was analysed.
        t_s: (n,) seconds from the first frame, as in ``Analysis.t_s``.
        angles: (n, 3) degrees ``[rotation, tilt, flexion]``, NaN where no face (``Analysis.angles``).
        face: (n, 10) pixels of the analysed frames (``Analysis.face``).
        source_size: (width, height) of the analysed frames (``Analysis.video.width/height``).
        out_path: where to write the MP4 (H.264 High, yuv420p, +faststart).
        jerk_intervals: (start_s, end_s) of each jerk, to label them on the frames.
        progress: called as ``progress(frames_done, frames_expected, seconds_elapsed)``.
        max_long_side: long side of the written picture, pixels.
        shoulders: (n, 4) shoulder points per frame (see :func:`shoulder_track`), or None.

    Returns:
        ``out_path`` as a :class:`~pathlib.Path`. The clip has one frame per analysed frame, at the
        same presentation times (``t_s``), so it is exactly as long as the analysis.
    """
    import time

    t_s = np.asarray(t_s, dtype=float)
    angles = np.asarray(angles, dtype=float)
    face = np.asarray(face, dtype=float)
    n = t_s.size
    if angles.shape != (n, 3) or face.shape != (n, 10):
        raise InvalidInput(
            f"angles must be (n, 3) and face (n, 10) for n = {n} times; got {angles.shape} and {face.shape}"
        )
    if shoulders is not None and np.shape(shoulders) != (n, 4):
        raise InvalidInput(f"shoulders must be (n, 4) for n = {n} times; got {np.shape(shoulders)}")
    jerking = _jerk_mask(t_s, jerk_intervals)
    out_path = Path(out_path)
    info, frames = read_frames(video_path)
    width, height = output_size(info.width, info.height, max_long_side)
    start = time.perf_counter()
    fps = Fraction(info.fps).limit_denominator(1001) if np.isfinite(info.fps) and info.fps > 0 else 30
    written = 0
    last_pts = -1
    with av.open(str(out_path), mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.time_base = TIME_BASE
        stream.codec_context.time_base = TIME_BASE
        stream.options = {"crf": "23", "preset": "veryfast", "profile": "high"}
        # The analysis dropped the same frames read_frames drops, so frames and t_s pair up by index.
        for frame in frames:
            if frame.index >= n:
                break
            image = frame.image
            if image.shape[1] != width or image.shape[0] != height:
                image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
            drawn = draw_frame(
                image,
                t_s[frame.index],
                angles[frame.index],
                face[frame.index],
                source_size,
                jerking[frame.index],
                None if shoulders is None else shoulders[frame.index],
            )
            video_frame = av.VideoFrame.from_ndarray(drawn, format="rgb24")
            pts = max(int(round(t_s[frame.index] / TIME_BASE)), last_pts + 1)
            video_frame.pts, video_frame.time_base = pts, TIME_BASE
            last_pts = pts
            for packet in stream.encode(video_frame):
                container.mux(packet)
            written += 1
            if progress is not None:
                progress(written, n, time.perf_counter() - start)
        for packet in stream.encode():
            container.mux(packet)
    return out_path
