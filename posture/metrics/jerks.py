"""Jerks: sudden, fast excursions of the head that return to where they started.

JSON section ``jerks`` (:meth:`JerksResult.to_dict`)::

    count (int | None: None when nothing could be analysed), rate_per_min (jerks per minute of
    analysed time), analysed_s (s of tracked head searched), reason (str | None),
    min_size_deg, max_duration_s (thresholds used),
    events: [{t_s (s, time of the peak excursion, on the clip's clock), axis ("rotation" | "tilt" |
              "flexion"), size_deg (signed peak excursion from the local baseline, with the axis' sign
              convention: rotation/tilt + = toward the patient's left, flexion + = chin down), direction
              ("left" | "right" for rotation/tilt, "down" | "up" for flexion: the patient's side / chin,
              the sign of size_deg in words),
              duration_s (s, 2 × width at half the peak), peak_speed_deg_s (°/s)}]

Method: the angles are put on a fine uniform grid (a cubic spline through the frames at their real
timestamps, ``jerk_grid_hz``; gaps up to ``jerk_max_gap_s`` bridged, longer ones split the series).
Candidates are excursions from a running median over ``jerk_baseline_window_s`` (1.5 s), which follows
turns, holds and drift but not an excursion shorter than half its window. Each candidate is then
measured from a straight baseline through the medians of ``jerk_flank_s`` just before and after it
(exact on a sloping sway). It is a jerk when its peak reaches ``jerk_min_size_deg``, it returns (falls
below half its peak on both sides inside the tracked stretch), its duration is at most
``jerk_max_duration_s``, the head moved at ``jerk_min_speed_deg_s`` or faster (velocity from the real
timestamps), and it stands out of the flanks (``jerk_isolation_ratio``: a tremor's cycle does not).
One physical jerk seen on several axes, or with two maxima, is reported once, on the axis with the
largest excursion. Limits: tremor larger than about the size threshold, and jerks closer together
than about 0.9 s, can be missed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from posture.metrics.config import MetricsConfig
from posture.metrics.inputs import AXES, check_angles, direction_word
from posture.metrics.serialize import json_ready
from posture.pipeline.signals import frame_rate_hz, parabolic_peak, resample_uniform, rolling_median

__all__ = ["Jerk", "JerksResult", "detect_jerks"]


@dataclass(frozen=True)
class Jerk:
    """One jerk. ``t_s``: time of the peak (s); ``size_deg``: peak excursion from the local baseline
    (deg, signed with the axis' convention: + = toward the patient's left for rotation and tilt, chin
    down for flexion); ``direction``: its sign in the patient's words; ``duration_s``: twice the width at half
    the peak (s, the full length of a smooth pulse); ``peak_speed_deg_s``: fastest angular speed during
    it (°/s)."""

    t_s: float
    axis: str
    size_deg: float
    direction: str
    duration_s: float
    peak_speed_deg_s: float

    @property
    def interval_s(self) -> tuple[float, float]:
        """(start, end) seconds: the peak time ± half the duration."""
        return self.t_s - 0.5 * self.duration_s, self.t_s + 0.5 * self.duration_s

    def to_dict(self) -> dict:
        """JSON-ready dict (keys as the fields)."""
        return json_ready(self.__dict__)


@dataclass(frozen=True)
class JerksResult:
    """The ``jerks`` section; see the module docstring for keys and units."""

    count: int | None
    events: tuple[Jerk, ...]
    rate_per_min: float
    analysed_s: float
    reason: str | None
    min_size_deg: float
    max_duration_s: float

    def intervals_s(self) -> np.ndarray:
        """(count, 2) float seconds: ``[start, end]`` of each jerk (for masking other analyses)."""
        return np.array([e.interval_s for e in self.events], dtype=float).reshape(-1, 2)

    def to_dict(self) -> dict:
        """JSON-ready dict (keys as the fields; events as a list of dicts; NaN -> None)."""
        return json_ready(self.__dict__)


def _half_crossings(t: np.ndarray, y: np.ndarray, p: int, level: float) -> tuple[float, float] | None:
    """Times at which ``y`` falls below ``level`` on either side of sample ``p`` (linear between
    samples); None when it does not on one side."""
    below_left = np.flatnonzero(y[:p] < level)
    below_right = np.flatnonzero(y[p + 1 :] < level)
    if below_left.size == 0 or below_right.size == 0:
        return None
    i, k = int(below_left[-1]), int(p + 1 + below_right[0])

    def cross(m: int) -> float:
        y0, y1 = y[m], y[m + 1]
        frac = 0.5 if y1 == y0 else float(np.clip((level - y0) / (y1 - y0), 0.0, 1.0))
        return float(t[m] + frac * (t[m + 1] - t[m]))

    return cross(i), cross(k - 1)


def _segment_candidates(t: np.ndarray, x: np.ndarray, fs: float, cfg: MetricsConfig) -> list[Jerk]:
    """Jerk candidates in one gap-free segment (uniform grid ``t`` (m,) at ``fs``, angles ``x`` (m, 3)).

    Pass 1 finds excursions from the running-median baseline. Pass 2 replaces that baseline, which a
    jerk on a sloping drift pulls toward itself, by the straight line through the medians of the
    flanks just before and after the excursion, and measures size and width from it.
    """
    out: list[Jerk] = []
    if t.size < 5:
        return out
    excursion = x - rolling_median(x, int(round(cfg.jerk_baseline_window_s * fs)))
    speed = np.abs(np.gradient(x, t, axis=0))
    flank = max(2, int(round(cfg.jerk_flank_s * fs)))
    for j, axis in enumerate(AXES):
        e = np.abs(excursion[:, j])
        # candidates a bit under the threshold: the running median can shave a jerk on a slope
        peaks, _ = signal.find_peaks(e, height=0.7 * cfg.jerk_min_size_deg)
        for p in peaks:
            crossings = _half_crossings(t, e, int(p), 0.5 * e[p])
            if crossings is None:
                continue  # does not return within the tracked stretch: not a jerk we can vouch for
            reach = crossings[1] - crossings[0]  # ~ half the pulse on each side of the half-width
            lo = int(np.searchsorted(t, crossings[0] - reach))
            hi = int(np.searchsorted(t, crossings[1] + reach, side="right"))
            if lo - flank < 0 or hi + flank > t.size:
                continue  # no baseline on one side inside the tracked stretch
            left_t, right_t = t[lo - flank : lo].mean(), t[hi : hi + flank].mean()
            left_v = np.median(x[lo - flank : lo, j])
            right_v = np.median(x[hi : hi + flank, j])
            sign = 1.0 if excursion[p, j] > 0 else -1.0
            y = sign * (x[:, j] - np.interp(t, [left_t, right_t], [left_v, right_v]))
            q = lo + int(np.argmax(y[lo:hi]))
            offset, size = parabolic_peak(y, q)
            if size < cfg.jerk_min_size_deg:
                continue
            flanks = np.concatenate([y[lo - flank : lo], y[hi : hi + flank]])
            if np.percentile(np.abs(flanks), 90) > cfg.jerk_isolation_ratio * size:
                continue  # as large as the movement around it: part of an oscillation, not a jerk
            refined = _half_crossings(
                t[lo - flank : hi + flank], y[lo - flank : hi + flank], q - lo + flank, 0.5 * size
            )
            if refined is None:
                continue
            duration = 2.0 * (refined[1] - refined[0])
            if duration > cfg.jerk_max_duration_s:
                continue
            peak_speed = float(speed[lo:hi, j].max())
            if peak_speed < cfg.jerk_min_speed_deg_s:
                continue
            out.append(
                Jerk(
                    t_s=float(t[q] + offset / fs),
                    axis=axis,
                    size_deg=float(sign * size),
                    direction=direction_word(axis, sign),
                    duration_s=float(duration),
                    peak_speed_deg_s=peak_speed,
                )
            )
    return out


def detect_jerks(t_s: np.ndarray, angles: np.ndarray, config: MetricsConfig = MetricsConfig()) -> JerksResult:
    """Find jerks in a head-angle series.

    Args:
        t_s: (n,) float seconds, the frames' presentation times, strictly increasing (any spacing).
        angles: (n, 3) float degrees ``[rotation, tilt, flexion]``, NaN where no face.
        config: thresholds (``jerk_*``).

    Returns:
        :class:`JerksResult` with events in time order. A jerk is never split over a gap longer than
        ``jerk_max_gap_s``; one that starts or ends outside the tracked stretch is not counted.

    Raises:
        InvalidInput: for malformed times or angles.
    """
    t, a = check_angles(t_s, angles)
    cfg = config
    thresholds = dict(min_size_deg=cfg.jerk_min_size_deg, max_duration_s=cfg.jerk_max_duration_s)
    fs = frame_rate_hz(t) if t.size > 1 else float("nan")
    # a cubic spline through the frames, sampled finely, keeps the peak of a jerk only 3–4 frames long
    grid_hz = max(fs, cfg.jerk_grid_hz) if np.isfinite(fs) else fs
    segments = resample_uniform(t, a, grid_hz, cfg.jerk_max_gap_s, kind="cubic") if np.isfinite(fs) else []
    analysed_s = float(sum(s.duration_s for s in segments))
    if analysed_s <= 0:
        return JerksResult(
            count=None,
            events=(),
            rate_per_min=float("nan"),
            analysed_s=0.0,
            reason="no tracked stretch of head to search for jerks (no face, or a single frame)",
            **thresholds,
        )
    candidates = [c for seg in segments for c in _segment_candidates(seg.t_s, seg.values, grid_hz, cfg)]
    # one physical jerk may show on several axes, or as two maxima of one excursion: keep the largest
    accepted: list[Jerk] = []
    for cand in sorted(candidates, key=lambda c: -abs(c.size_deg)):
        start, end = cand.interval_s
        if all(end < other.interval_s[0] or start > other.interval_s[1] for other in accepted):
            accepted.append(cand)
    events = tuple(sorted(accepted, key=lambda c: c.t_s))
    return JerksResult(
        count=len(events),
        events=events,
        rate_per_min=60.0 * len(events) / analysed_s,
        analysed_s=analysed_s,
        reason=None,
        **thresholds,
    )
