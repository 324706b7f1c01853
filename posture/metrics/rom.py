"""Range of motion: the furthest the head was held toward each side.

JSON section ``range_of_motion`` (:meth:`RangeOfMotionResult.to_dict`). For each direction NAME in
``rotation_left``, ``rotation_right``, ``tilt_left``, ``tilt_right``, ``flexion`` (chin down),
``extension`` (chin up)::

    NAME_deg (float >= 0 | None): furthest position held toward that side, degrees from neutral
        (the camera-relative 0°) as a positive magnitude; 0.0 when the head moved toward that side
        but was never held past neutral (e.g. a head resting 30° to the left turning to 10° left);
        None when that direction was not attempted or nothing could be measured.
    NAME_attempted (bool | None): the head was held at least ``rom_min_excursion_deg`` (10°) away
        from its resting position toward that side; None when nothing could be measured.
    NAME_at_limit (bool | None): the value is at the head-pose instrument's limit (rotation held at
        ``rom_rotation_limit_deg`` or more), so it is a lower bound; None when NAME_deg is None.
    NAME_normal_deg ([low, high]): healthy adult range (CLINICAL.md).
    NAME_below_normal (bool | None): NAME_deg < low; None when not attempted, or at the limit (a
        lower bound cannot be judged against the normal range).

plus ``measured`` (bool: False when no direction was attempted, i.e. the clip holds no
range-of-motion movement, or nothing could be measured), ``resting_deg`` ({rotation, tilt, flexion}:
the resting position, the median angles of the clip; None when not measured), ``min_excursion_deg``,
``hold_s`` (how long a position must be held), ``reason`` (str | None: why not measured) and ``note``.

The face mesh's head pose saturates in rotation beyond about 45°; past it the turn is read by tracking
the face's texture (:mod:`posture.pipeline.turntrack`), within a few degrees on a steady turn but up to
about 5° low on a fast one, or not at all when the head never came within 20° of the camera. So a
held rotation at or beyond ``rom_rotation_limit_deg`` (40°) is still reported as a lower bound,
``NAME_at_limit`` true, not judged "below normal".

A clip of a resting or still head must not read as a stiff neck: its furthest held positions are a few
degrees from rest, and six "below normal" directions would be misread. So a direction counts only
when the head was held clearly away from where it rests (10°: the TWSTRS "within 10° of neutral",
well above face-mesh noise of 1–2° and a resting sway of a few degrees); when none was, the section
says ``measured: false`` with a reason.

"Held" means: for some window of ``rom_hold_s`` (0.5 s), at least ``rom_hold_fraction`` (80 %) of the
window's frames were at or beyond the position. A one-frame spike or a jerk (< 0.5 s, most of it far
below its peak) is never held; noise on a held extreme lowers it by less than a standard deviation.
The values mean "range of motion" only when the clip includes the protocol's turns, tilts and bends;
otherwise they are simply the furthest held positions of the clip. Day-to-day repeatability of range
of motion is about 12–20° (CLINICAL.md), so smaller changes between visits are not changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posture.metrics.config import MetricsConfig
from posture.metrics.inputs import AXES, check_angles
from posture.metrics.serialize import json_ready
from posture.pipeline.signals import frame_rate_hz, resample_uniform, valid_rows

__all__ = ["RangeOfMotionResult", "DIRECTIONS", "analyze_range_of_motion", "held_extremes"]

DIRECTIONS: tuple[tuple[str, int, int], ...] = (
    ("rotation_left", 0, +1),
    ("rotation_right", 0, -1),
    ("tilt_left", 1, +1),
    ("tilt_right", 1, -1),
    ("flexion", 2, +1),
    ("extension", 2, -1),
)
"""(name, angle column, sign of that side) of each direction."""

NOTE = (
    "furthest positions held for about half a second; they measure range of motion only if the clip "
    "includes turning, tilting and bending fully to each side. Changes under about 12–20° between visits "
    "are within day-to-day variation."
)


@dataclass(frozen=True)
class RangeOfMotionResult:
    """The ``range_of_motion`` section; see the module docstring for keys, units and signs.

    held_deg: direction name -> furthest held magnitude (deg, >= 0) or None (not attempted or not
        measured).
    normal_deg: direction name -> (low, high) healthy range (deg).
    attempted: direction name -> held at least ``min_excursion_deg`` away from rest toward that side
        (None when nothing could be measured; empty means the same).
    """

    held_deg: dict[str, float | None]
    normal_deg: dict[str, tuple[float, float]]
    hold_s: float
    reason: str | None
    note: str = NOTE
    attempted: dict[str, bool | None] = field(default_factory=dict)
    measured: bool = True
    resting_deg: dict[str, float] | None = None
    min_excursion_deg: float | None = None
    rotation_limit_deg: float | None = None

    def at_limit(self, name: str) -> bool | None:
        """True when the held value toward ``name`` is at the instrument's limit (a lower bound)."""
        value = self.held_deg[name]
        if value is None:
            return None
        return bool(
            name.startswith("rotation")
            and self.rotation_limit_deg is not None
            and value >= self.rotation_limit_deg
        )

    def below_normal(self, name: str) -> bool | None:
        """True when the held range toward ``name``, in whole degrees as shown, is under the healthy
        range's low end (None when not attempted or at the instrument's limit). Whole degrees, so that
        39.7° is never shown as "40° (healthy 40–50°): under the healthy range"."""
        value = self.held_deg[name]
        if value is None or self.at_limit(name):
            return None
        return bool(round(value) < self.normal_deg[name][0])

    def to_dict(self) -> dict:
        """Flat JSON-ready dict: ``measured``, then ``NAME_deg``, ``NAME_attempted``, ``NAME_at_limit``,
        ``NAME_normal_deg``, ``NAME_below_normal`` per direction, then ``resting_deg``,
        ``min_excursion_deg``, ``rotation_limit_deg``, ``hold_s``, ``reason``, ``note``."""
        out: dict = {"measured": self.measured}
        for name, _, _ in DIRECTIONS:
            out[f"{name}_deg"] = self.held_deg[name]
            out[f"{name}_attempted"] = self.attempted.get(name)
            out[f"{name}_at_limit"] = self.at_limit(name)
            out[f"{name}_normal_deg"] = self.normal_deg[name]
            out[f"{name}_below_normal"] = self.below_normal(name)
        out.update(
            resting_deg=self.resting_deg,
            min_excursion_deg=self.min_excursion_deg,
            rotation_limit_deg=self.rotation_limit_deg,
            hold_s=self.hold_s,
            reason=self.reason,
            note=self.note,
        )
        return json_ready(out)


def held_extremes(values: np.ndarray, window_samples: int, fraction: float) -> tuple[float, float]:
    """Highest and lowest levels held on a uniform grid.

    Args:
        values: (m,) float, no NaN, uniform time grid.
        window_samples: hold window length in samples (>= 1).
        fraction: share of the window that must be at or beyond the level (0..1].

    Returns:
        ``(high, low)``: the largest value that ``fraction`` of some window's samples reach or exceed,
        and the smallest value that ``fraction`` of some window's samples reach or go below. Only
        windows entirely inside ``values`` count (no edge padding). NaN when ``values`` is shorter than
        one window.
    """
    x = np.asarray(values, dtype=float)
    if x.size < window_samples:
        return float("nan"), float("nan")
    ordered = np.sort(np.lib.stride_tricks.sliding_window_view(x, window_samples), axis=1)
    needed = min(window_samples, max(1, int(np.ceil(fraction * window_samples - 1e-9))))
    high = float(ordered[:, window_samples - needed].max())  # ``needed`` samples are >= this
    low = float(ordered[:, needed - 1].min())  # ``needed`` samples are <= this
    return high, low


def analyze_range_of_motion(
    t_s: np.ndarray, angles: np.ndarray, config: MetricsConfig = MetricsConfig()
) -> RangeOfMotionResult:
    """Furthest held position toward each side on each axis.

    Args:
        t_s: (n,) float seconds, the frames' presentation times, strictly increasing (any spacing).
        angles: (n, 3) float degrees ``[rotation, tilt, flexion]``, NaN where no face.
        config: ``rom_hold_s``, ``rom_hold_fraction``, ``rom_max_gap_s``, ``rom_min_excursion_deg``,
            ``normal_*_deg``.

    Returns:
        :class:`RangeOfMotionResult`. The series is put on a uniform grid (linear interpolation across
        gaps up to ``rom_max_gap_s``; a hold never spans a longer gap).

    Raises:
        InvalidInput: for malformed times or angles.
    """
    t, a = check_angles(t_s, angles)
    cfg = config
    normal = {
        "rotation_left": cfg.normal_rotation_deg,
        "rotation_right": cfg.normal_rotation_deg,
        "tilt_left": cfg.normal_tilt_deg,
        "tilt_right": cfg.normal_tilt_deg,
        "flexion": cfg.normal_flexion_deg,
        "extension": cfg.normal_extension_deg,
    }
    fs = frame_rate_hz(t) if t.size > 1 else float("nan")
    segments = resample_uniform(t, a, fs, cfg.rom_max_gap_s) if np.isfinite(fs) else []
    window = max(1, int(round(cfg.rom_hold_s * fs))) if np.isfinite(fs) else 1
    highs = np.full(3, -np.inf)
    lows = np.full(3, np.inf)
    for seg in segments:
        for j in range(3):
            high, low = held_extremes(seg.values[:, j], window, cfg.rom_hold_fraction)
            if np.isfinite(high):
                highs[j], lows[j] = max(highs[j], high), min(lows[j], low)
    if not np.isfinite(highs).all():
        return RangeOfMotionResult(
            held_deg={name: None for name, _, _ in DIRECTIONS},
            normal_deg=normal,
            hold_s=cfg.rom_hold_s,
            reason=(
                f"no tracked stretch of {cfg.rom_hold_s:g} s or longer: range of motion cannot be measured"
            ),
            measured=False,
            min_excursion_deg=cfg.rom_min_excursion_deg,
        )
    rest = np.nanmedian(a[valid_rows(a)], axis=0)
    resting = {axis: float(rest[j]) for j, axis in enumerate(AXES)}
    held: dict[str, float | None] = {}
    attempted: dict[str, bool | None] = {}
    for name, column, sign in DIRECTIONS:
        furthest = highs[column] if sign > 0 else -lows[column]
        attempted[name] = bool(furthest - sign * rest[column] >= cfg.rom_min_excursion_deg)
        held[name] = max(0.0, float(furthest)) if attempted[name] else None
    if not any(attempted.values()):
        return RangeOfMotionResult(
            held_deg={name: None for name, _, _ in DIRECTIONS},
            normal_deg=normal,
            hold_s=cfg.rom_hold_s,
            reason=(
                f"the head did not move more than {cfg.rom_min_excursion_deg:g}° from its resting position "
                f"in any direction: record the range-of-motion part of the protocol (turn, tilt and bend "
                f"fully each way, holding each about a second)"
            ),
            attempted=attempted,
            measured=False,
            resting_deg=resting,
            min_excursion_deg=cfg.rom_min_excursion_deg,
        )
    return RangeOfMotionResult(
        held_deg=held,
        normal_deg=normal,
        hold_s=cfg.rom_hold_s,
        reason=None,
        attempted=attempted,
        measured=True,
        resting_deg=resting,
        min_excursion_deg=cfg.rom_min_excursion_deg,
        rotation_limit_deg=cfg.rom_rotation_limit_deg,
    )
