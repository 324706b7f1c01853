"""Time series on real timestamps: uniform time grid, gap handling and the small filters the metrics use.

Phone clips have a variable frame rate, and frames without a face carry NaN angles. Spectral and
rolling-window tools need a uniform grid without NaN, so :func:`resample_uniform` puts the frames on
one, interpolating across short gaps and splitting the series at long ones. Every function here takes
arrays and returns arrays; SciPy does the signal work.

Conventions: times are seconds (the frames' presentation times, strictly increasing, not necessarily
uniform); a *frame* (row) is valid when all of its values are finite; NaN marks a missing value and is
never replaced by zero.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import interpolate, ndimage, signal

from posture.errors import InvalidInput

__all__ = [
    "Segment",
    "check_times",
    "frame_rate_hz",
    "valid_rows",
    "true_runs",
    "resample_uniform",
    "frame_durations_s",
    "lowpass",
    "rolling_median",
    "intervals_to_mask",
    "dilate",
    "parabolic_peak",
]


class Segment(NamedTuple):
    """One gap-free stretch of a series on a uniform time grid (unpacks as ``t_grid, values_grid``).

    t_s: (m,) float seconds, uniform spacing ``1 / fs_hz``.
    values: (m,) or (m, k) float, same units as the input, no NaN.
    """

    t_s: np.ndarray
    values: np.ndarray

    @property
    def duration_s(self) -> float:
        """Time covered by the grid, first to last sample (s)."""
        return float(self.t_s[-1] - self.t_s[0]) if len(self.t_s) > 1 else 0.0

    @property
    def fs_hz(self) -> float:
        """Sampling rate of the grid (Hz); NaN for a single-sample segment."""
        return float(1.0 / (self.t_s[1] - self.t_s[0])) if len(self.t_s) > 1 else float("nan")


def check_times(t_s: np.ndarray) -> np.ndarray:
    """Validate frame times and return them as a float array.

    Args:
        t_s: (n,) seconds, finite and strictly increasing.

    Raises:
        InvalidInput: when the array is not 1-D, not finite or not strictly increasing.
    """
    t = np.asarray(t_s, dtype=float)
    if t.ndim != 1:
        raise InvalidInput(f"frame times must be a 1-D array of seconds, got shape {t.shape}")
    if not np.isfinite(t).all():
        raise InvalidInput(
            "frame times contain NaN or infinity: pass the frames' presentation times in seconds"
        )
    if t.size > 1 and not (np.diff(t) > 0).all():
        raise InvalidInput("frame times must be strictly increasing: sort the frames and drop duplicates")
    return t


def frame_rate_hz(t_s: np.ndarray) -> float:
    """Measured frame rate: the median of ``1 / diff(t_s)`` (Hz).

    The median ignores the odd dropped or doubled frame of a variable-frame-rate clip. NaN when there
    are fewer than two frames.

    Args:
        t_s: (n,) seconds, strictly increasing.
    """
    t = check_times(t_s)
    if t.size < 2:
        return float("nan")
    return float(np.median(1.0 / np.diff(t)))


def valid_rows(values: np.ndarray) -> np.ndarray:
    """(n,) bool: True where every value of the row (frame) is finite.

    Args:
        values: (n,) or (n, k) float.
    """
    v = np.asarray(values, dtype=float)
    return np.isfinite(v.reshape(v.shape[0], int(np.prod(v.shape[1:])))).all(axis=1)


def true_runs(mask: np.ndarray) -> np.ndarray:
    """Runs of consecutive True values.

    Args:
        mask: (n,) bool.

    Returns:
        (r, 2) int array of ``[start, stop)`` index pairs, in order; (0, 2) when there is no True.
    """
    m = np.asarray(mask, dtype=bool).astype(np.int8)
    edges = np.diff(np.concatenate([[0], m, [0]]))
    return np.column_stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)])


def resample_uniform(
    t_s: np.ndarray,
    values: np.ndarray,
    fs_hz: float,
    max_gap_s: float,
    *,
    kind: str = "linear",
    min_samples: int = 2,
) -> list[Segment]:
    """Put a series with real (possibly irregular) timestamps and NaN gaps on a uniform time grid.

    Only valid frames (all values of the row finite) are used. Two consecutive valid frames more than
    ``max_gap_s`` apart (a run of NaN frames, or frames missing from the stream) split the series:
    each part becomes its own :class:`Segment`; shorter gaps are bridged by interpolation.

    Edges: the grid of a segment starts at its first valid frame's time or just after it and ends at
    or just before its last valid frame's time, so nothing is extrapolated. All segments share one
    lattice, ``t0 + k / fs_hz`` with ``t0`` the first valid frame's time, so they line up with each
    other. A segment whose grid has fewer than ``min_samples`` points (e.g. a lone frame between two
    long gaps) is dropped.

    Args:
        t_s: (n,) float seconds, strictly increasing.
        values: (n,) or (n, k) float, NaN where missing.
        fs_hz: rate of the output grid (Hz), usually :func:`frame_rate_hz` of the clip.
        max_gap_s: longest time between two valid frames that is still bridged (s); must be >= 0.
        kind: ``"linear"`` (never overshoots; for baselines and extremes) or ``"cubic"`` (cubic spline
            through the frames; keeps the amplitude of fast oscillations better, for spectra).
        min_samples: fewest grid points a segment must have to be returned (>= 1).

    Returns:
        Segments in time order, each ``(t_grid (m,), values_grid (m,) or (m, k))`` with no NaN.
        Empty when no frame is valid.

    Raises:
        InvalidInput: for mismatched shapes, non-positive ``fs_hz``, negative ``max_gap_s`` or an
            unknown ``kind``.
    """
    t = check_times(t_s)
    v = np.asarray(values, dtype=float)
    if v.shape[:1] != t.shape or v.ndim not in (1, 2):
        raise InvalidInput(f"values must have shape ({t.size},) or ({t.size}, k), got {v.shape}")
    if not (np.isfinite(fs_hz) and fs_hz > 0):
        raise InvalidInput(f"fs_hz must be a positive frame rate in Hz, got {fs_hz}")
    if not max_gap_s >= 0:
        raise InvalidInput(f"max_gap_s must be >= 0 seconds, got {max_gap_s}")
    if kind not in ("linear", "cubic"):
        raise InvalidInput(f"kind must be 'linear' or 'cubic', got {kind!r}")
    one_column = v.ndim == 1
    v2 = v.reshape(t.size, 1 if one_column else v.shape[1])
    ok = valid_rows(v2)
    tv, vv = t[ok], v2[ok]
    if tv.size == 0:
        return []
    t0 = tv[0]
    breaks = np.flatnonzero(np.diff(tv) > max_gap_s + 1e-9) + 1  # 3 frames at 30 fps are 0.1 s, not more
    segments: list[Segment] = []
    for idx in np.split(np.arange(tv.size), breaks):
        ts, xs = tv[idx], vv[idx]
        # a small tolerance so that frames sitting exactly on the lattice are kept despite rounding
        k0 = int(np.ceil((ts[0] - t0) * fs_hz - 1e-6))
        k1 = int(np.floor((ts[-1] - t0) * fs_hz + 1e-6))
        if k1 - k0 + 1 < max(min_samples, 1):
            continue
        grid = t0 + np.arange(k0, k1 + 1) / fs_hz
        grid = np.clip(grid, ts[0], ts[-1])  # the tolerance above must not extrapolate
        if ts.size == 1:
            out = np.repeat(xs, grid.size, axis=0)
        elif kind == "cubic" and ts.size >= 4:
            out = interpolate.CubicSpline(ts, xs, axis=0)(grid)
        else:
            out = np.column_stack([np.interp(grid, ts, xs[:, j]) for j in range(xs.shape[1])])
        segments.append(Segment(grid, out[:, 0] if one_column else out))
    return segments


def frame_durations_s(t_s: np.ndarray, max_interval_s: float) -> np.ndarray:
    """Time each frame stands for (s): half the interval to each neighbour (midpoint rule).

    Intervals longer than ``max_interval_s`` (frames missing from the stream) count as
    ``max_interval_s``, so a hole in the timestamps does not inflate its neighbours. The first and last
    frames count their one interval twice, so the durations of a regular clip sum to n / fps.

    Args:
        t_s: (n,) float seconds, strictly increasing.
        max_interval_s: cap on one interval (s).

    Returns:
        (n,) float seconds; a single frame gets 0.
    """
    t = check_times(t_s)
    if t.size < 2:
        return np.zeros(t.size)
    dt = np.minimum(np.diff(t), max_interval_s)
    before = np.concatenate([[dt[0]], dt])
    after = np.concatenate([dt, [dt[-1]]])
    return 0.5 * (before + after)


def lowpass(values: np.ndarray, fs_hz: float, cutoff_hz: float, order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth low-pass along axis 0 (``scipy.signal.sosfiltfilt``).

    Edges: the series is extended by odd reflection about its end samples over two periods of the
    cutoff (less for a short series), which continues a slope without lag. Fast content that the very
    end sample happens to carry (e.g. a tremor's instantaneous value) is part of the pivot and leaks
    into the last ~1 / cutoff seconds, by at most that value.

    Args:
        values: (m,) or (m, k) float on a uniform grid, no NaN.
        fs_hz: sampling rate (Hz).
        cutoff_hz: -3 dB frequency of each pass (Hz), below the Nyquist frequency.
        order: filter order of each pass (the forward-backward run doubles the roll-off).

    Returns:
        Same shape as ``values``.
    """
    x = np.asarray(values, dtype=float)
    if x.shape[0] < 2:
        return x.copy()
    sos = signal.butter(order, cutoff_hz, btype="low", fs=fs_hz, output="sos")
    # pad by two periods of the cutoff (SciPy's default is a few samples): the filter's response lasts
    # that long, and an odd extension that short leaves a visible transient at the ends
    padlen = min(int(round(2.0 * fs_hz / cutoff_hz)), x.shape[0] - 1)
    return signal.sosfiltfilt(sos, x, axis=0, padlen=padlen)


def rolling_median(values: np.ndarray, window_samples: int) -> np.ndarray:
    """Centred running median along axis 0 (``scipy.ndimage.median_filter``).

    A median follows steps and monotonic ramps exactly and ignores excursions that fill less than half
    of the window, which makes it the baseline for brief jerks. Edges: the first and last values are
    repeated (``mode="nearest"``).

    Args:
        values: (m,) or (m, k) float on a uniform grid, no NaN.
        window_samples: window length in samples (made odd, at least 1).

    Returns:
        Same shape as ``values``.
    """
    x = np.asarray(values, dtype=float)
    w = max(1, int(window_samples) | 1)
    size = (w,) + (1,) * (x.ndim - 1)
    return ndimage.median_filter(x, size=size, mode="nearest")


def intervals_to_mask(t_s: np.ndarray, intervals_s: np.ndarray, margin_s: float = 0.0) -> np.ndarray:
    """(m,) bool: True at times inside any ``[start - margin, end + margin]`` interval.

    Args:
        t_s: (m,) float seconds.
        intervals_s: (r, 2) float seconds, ``[start, end]`` rows; may be empty.
        margin_s: widening on each side (s).
    """
    t = np.asarray(t_s, dtype=float)
    mask = np.zeros(t.size, dtype=bool)
    for start, end in np.asarray(intervals_s, dtype=float).reshape(-1, 2):
        mask |= (t >= start - margin_s) & (t <= end + margin_s)
    return mask


def dilate(mask: np.ndarray, n_samples: int) -> np.ndarray:
    """(m,) bool: ``mask`` widened by ``n_samples`` on each side (``scipy.ndimage.binary_dilation``)."""
    m = np.asarray(mask, dtype=bool)
    if n_samples <= 0 or not m.any():
        return m.copy()
    return ndimage.binary_dilation(m, structure=np.ones(2 * int(n_samples) + 1, dtype=bool))


def parabolic_peak(y: np.ndarray, i: int) -> tuple[float, float]:
    """Sub-sample position and height of the local maximum ``y[i]`` from a parabola through
    ``y[i-1], y[i], y[i+1]``.

    Args:
        y: (m,) float, sampled on a uniform grid.
        i: index of a local maximum.

    Returns:
        ``(offset, height)``: offset in samples from ``i`` (within ±0.5) and the parabola's peak value.
        At the ends of ``y`` or on a flat top: ``(0.0, y[i])``.
    """
    if i <= 0 or i >= len(y) - 1:
        return 0.0, float(y[i])
    a, b, c = float(y[i - 1]), float(y[i]), float(y[i + 1])
    curvature = a - 2.0 * b + c
    if curvature >= 0:
        return 0.0, b
    offset = float(np.clip(0.5 * (a - c) / curvature, -0.5, 0.5))
    return offset, b - 0.25 * (a - c) * offset
