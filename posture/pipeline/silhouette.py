"""The top contour of a person's silhouette over each shoulder, from a soft segmentation mask.

Pure NumPy over a mask ``(h, w)`` of floats 0..1 (1 = person), in pixels of the upright image with x
to the image's right and y **down**. Left and right are the patient's: the pose model's left shoulder
point says on which side of the image the patient's left is.

Method (per frame):

1. The body midline: the centre of the silhouette's row at chest level (``chest_below_hw`` shoulder
   half-widths below the lower pose shoulder), taking the run of person pixels that holds the pose
   shoulders' midpoint. The pose shoulder points themselves sit up to 1.5 cm off the midline (toward
   either side) and the shoulders slope, so sampling about their midpoint tilts the comparison. When
   that row is cut by the image's border or strays more than ``max_midline_offset_hw`` from the pose
   midpoint (another person, an arm held out), the pose midpoint is used.
2. Columns at symmetric offsets from the midline, ``band`` = fractions of the way from the midline to
   each pose shoulder point (default 0.7–1.0: the outer shoulder over the acromion, which an elevated
   shoulder lifts most; the inner part is the neck and the root of the trapezius, which hardly rise,
   and where the head, hair or a tilted neck would intrude).
3. In each column, the silhouette's upper edge: going up from just below the shoulder points, the first
   crossing of the mask below ``threshold``, interpolated linearly between the two pixels (sub-pixel).
   An edge further than ``max_rise_hw`` half-widths above the pose shoulder point is not a shoulder
   (the head resting on it, long hair) and is dropped.
4. Each side's height is the median over its columns, given when at least ``min_column_share`` of
   them found an edge; otherwise NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ShoulderTops", "shoulder_tops", "silhouette_midline_x", "upper_edge_y"]

THRESHOLD = 0.5
BAND = (0.7, 1.0)
N_COLUMNS = 16
START_BELOW_HW = 0.1
MAX_RISE_HW = 0.8
CHEST_BELOW_HW = 0.4
MAX_MIDLINE_OFFSET_HW = 0.3
MIN_COLUMN_SHARE = 0.5


@dataclass(frozen=True)
class ShoulderTops:
    """Silhouette heights over the shoulders in one frame (pixels, y down; NaN = not found).

    left_y, right_y: median height of the upper edge over the patient's left / right shoulder band.
    left_x, right_x: the middle of each band (px), where those heights are placed (NaN with the height).
    midline_x: the body midline used (px). midline_from_silhouette: True when it came from the
    silhouette's chest row, False when the pose shoulders' midpoint stood in.
    """

    left_y: float
    right_y: float
    left_x: float
    right_x: float
    midline_x: float
    midline_from_silhouette: bool


def upper_edge_y(
    mask: np.ndarray,
    xs: np.ndarray,
    y_start: float,
    y_min: float,
    threshold: float = THRESHOLD,
) -> np.ndarray:
    """Sub-pixel y (px, down) of the silhouette's upper edge in columns ``xs``, searched upward.

    Each column starts at row ``y_start``, which must be inside the person (mask >= threshold), and goes
    up to the first pixel below ``threshold``; the edge is the linear-interpolated ``threshold``
    crossing between that pixel and the one beneath it. NaN where the column is outside the image, the
    start is not inside the person, or the edge lies above ``y_min`` (or there is none).

    Args:
        mask: (h, w) float 0..1, 1 = person.
        xs: (k,) column positions (px, rounded to the nearest column).
        y_start: start row (px).
        y_min: the highest acceptable edge (px; smaller y is higher).
        threshold: the mask level of the edge.
    """
    m = np.asarray(mask, dtype=float)
    h, w = m.shape
    cols = np.round(np.asarray(xs, dtype=float))
    out = np.full(cols.shape, np.nan)
    if not np.isfinite(y_start):
        return out
    start = int(np.clip(np.floor(y_start), 0, h - 1))
    for k, x in enumerate(cols):
        if not np.isfinite(x) or not 0 <= x < w:
            continue
        col = m[: start + 1, int(x)]
        if col[start] < threshold:
            continue
        outside = np.flatnonzero(col < threshold)
        if outside.size == 0:
            continue  # the person reaches the image's top edge here: no edge seen
        r = int(outside[-1])
        v0, v1 = col[r], col[r + 1]
        y = r + (threshold - v0) / (v1 - v0)
        if y >= y_min:
            out[k] = y
    return out


def silhouette_midline_x(mask: np.ndarray, row: float, x_seed: float, threshold: float = THRESHOLD) -> float:
    """Centre (px) of the run of person pixels in ``row`` that holds column ``x_seed``.

    NaN when the seed is not inside the person or the run touches the image's left or right border
    (the body is cut by the frame, so its centre is unknown).
    """
    m = np.asarray(mask, dtype=float)
    h, w = m.shape
    if not (np.isfinite(row) and np.isfinite(x_seed)) or not 0 <= round(x_seed) < w:
        return float("nan")
    line = m[int(np.clip(round(row), 0, h - 1))] >= threshold
    seed = int(round(x_seed))
    if not line[seed]:
        return float("nan")
    outside = np.flatnonzero(~line)
    left_out = outside[outside < seed]
    right_out = outside[outside > seed]
    if left_out.size == 0 or right_out.size == 0:
        return float("nan")
    first, last = int(left_out[-1]) + 1, int(right_out[0]) - 1
    return 0.5 * (first + last)


def shoulder_tops(
    mask: np.ndarray,
    left_px: np.ndarray,
    right_px: np.ndarray,
    band: tuple[float, float] = BAND,
    n_columns: int = N_COLUMNS,
    threshold: float = THRESHOLD,
) -> ShoulderTops:
    """The silhouette's height over the patient's left and right shoulders (see the module docstring).

    Args:
        mask: (h, w) float 0..1, 1 = person (a segmentation of the same image).
        left_px, right_px: (2,) x, y (px, y down) of the pose model's left / right shoulder point.
        band: fractions of the way from the midline to each shoulder point sampled.
        n_columns: columns per side.
        threshold: the mask level of the edge.
    """
    left = np.asarray(left_px, dtype=float)
    right = np.asarray(right_px, dtype=float)
    nan = float("nan")
    if not (np.isfinite(left).all() and np.isfinite(right).all()):
        return ShoulderTops(nan, nan, nan, nan, nan, False)
    half = 0.5 * abs(left[0] - right[0])
    if half < 1.0:
        return ShoulderTops(nan, nan, nan, nan, nan, False)
    toward_left = 1.0 if left[0] > right[0] else -1.0
    pose_mid = 0.5 * (left[0] + right[0])
    lower = max(left[1], right[1])
    mid = silhouette_midline_x(mask, lower + CHEST_BELOW_HW * half, pose_mid, threshold)
    from_silhouette = bool(np.isfinite(mid) and abs(mid - pose_mid) <= MAX_MIDLINE_OFFSET_HW * half)
    if not from_silhouette:
        mid = pose_mid
    offsets = np.linspace(band[0], band[1], n_columns) * half
    y_start = lower + START_BELOW_HW * half
    centre = 0.5 * (band[0] + band[1]) * half
    tops = []
    for side, point in ((toward_left, left), (-toward_left, right)):
        ys = upper_edge_y(mask, mid + side * offsets, y_start, point[1] - MAX_RISE_HW * half, threshold)
        found = np.isfinite(ys)
        if found.mean() >= MIN_COLUMN_SHARE:
            tops.append((float(mid + side * centre), float(np.median(ys[found]))))
        else:
            tops.append((nan, nan))
    (lx, ly), (rx, ry) = tops
    return ShoulderTops(ly, ry, lx, rx, float(mid), from_silhouette)
