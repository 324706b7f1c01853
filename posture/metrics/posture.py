"""Static head posture: where the head sits, how long it is off neutral, and how long it holds still near it.

JSON section ``posture`` (:meth:`PostureResult.to_dict`). All angles are degrees of the head relative to
the camera with CLINICAL.md signs (rotation + = chin to the patient's left, tilt + = left ear to the
left shoulder, flexion + = chin down); times are seconds of real time; shares are percent of the
tracked time. Bands are estimates computed from the measured degrees ("TWSTRS-style band"), shown
beside the number; they are not TWSTRS scores.

``posture``:
    available (bool), reason (str | None: why nothing could be measured),
    rotation / tilt / flexion: {
        median_deg (float, signed: median over frames with a face),
        direction ("left" | "right" for rotation and tilt, "flexion" | "extension" for flexion,
                   "neutral" when |median| < neutral_deg),
        description (e.g. "rotated 25° to the left", "flexed 15° (chin down)", "within 3° of neutral"),
        band (int 0..4 rotation, 0..3 tilt and flexion), band_range (the anchor, e.g. "23–45°"),
        band_label (the band in words, with the measured number), item (TWSTRS item name),
        share_deviated_pct (share of the tracked time with |angle| > deviation_deg),
        duration_band (0..4: none, < 25 %, 25–50 %, 50–75 %, > 75 %)},
    deviated_any_axis_pct (float, any axis beyond deviation_deg), duration_band (int, of that share),
    time_within_10deg_s (float: longest stretch of real time with every axis within 10° of neutral; a
        frame without a face ends a stretch), time_within_10deg_band (0..4 of the item "time head held
        within 10° of neutral (of 60 s)"), time_within_10deg_note (str | None: set when the clip is
        shorter than 60 s),
    large_turn_note (str | None: set when |median rotation| > large_turn_deg: tilt and flexion are
        then less reliable),
    duration_s (observed time of the clip), tracked_s (time with a face), face_frames_pct,
    neutral_deg, deviation_deg (the thresholds used), note (what the bands are).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.metrics.config import MetricsConfig
from posture.metrics.inputs import AXES, check_angles
from posture.metrics.serialize import json_ready
from posture.pipeline.signals import frame_durations_s, true_runs, valid_rows

__all__ = ["AxisPosture", "PostureResult", "analyze_posture", "duration_band", "hold_band"]

BAND_NOTE = (
    "TWSTRS-style bands are estimates computed from the measured degrees and times, shown beside the "
    "numbers; they are not TWSTRS scores, which trained raters give. The flexion/extension degree "
    "bands are this tool's own (the scale judges them by eye)."
)

HOLD_TOLERANCE_S = 0.5
"""A clip or stretch this close to the item's 60 s counts as the full minute."""

# The scale's own anchors (CLINICAL.md), shown beside the band; the band edges live in MetricsConfig.
_ROTATION_ANCHORS = ("none", "1–22°", "23–45°", "46–67°", "68–90°")
_TILT_ANCHORS = ("none", "1–15°", "16–35°", "> 35°")
_SEVERITY_WORDS = ("none", "mild", "moderate", "severe")
_DURATION_ANCHORS = ("none", "< 25 %", "25–50 %", "50–75 %", "> 75 %")
_HOLD_ANCHORS = ("> 60 s", "46–60 s", "31–45 s", "16–30 s", "< 15 s")


@dataclass(frozen=True)
class AxisPosture:
    """Posture on one axis. Degrees are signed with the CLINICAL.md conventions of ``axis``."""

    axis: str
    median_deg: float
    direction: str
    description: str
    item: str
    band: int
    band_range: str
    band_label: str
    share_deviated_pct: float
    duration_band: int

    def to_dict(self) -> dict:
        """JSON-ready dict (keys as the fields)."""
        return json_ready(self.__dict__)


@dataclass(frozen=True)
class PostureResult:
    """The ``posture`` section; see the module docstring for keys, units and signs."""

    available: bool
    reason: str | None
    rotation: AxisPosture | None
    tilt: AxisPosture | None
    flexion: AxisPosture | None
    deviated_any_axis_pct: float
    duration_band: int | None
    time_within_10deg_s: float
    time_within_10deg_band: int | None
    time_within_10deg_note: str | None
    duration_s: float
    tracked_s: float
    face_frames_pct: float
    neutral_deg: float
    deviation_deg: float
    large_turn_note: str | None = None
    note: str = BAND_NOTE

    def to_dict(self) -> dict:
        """JSON-ready dict (keys as the fields; NaN -> None)."""
        return json_ready(self.__dict__)


def band_from_edges(magnitude_deg: float, edges: tuple[float, ...]) -> int:
    """Band index of ``|angle|``: 0 below ``edges[0]``, k when ``edges[k-1] <= |angle| < edges[k]``, and
    ``len(edges)`` at or beyond the last edge."""
    return int(np.searchsorted(np.asarray(edges, dtype=float), abs(magnitude_deg), side="right"))


def duration_band(share_pct: float, none_below_pct: float) -> int:
    """TWSTRS-style duration factor of a share of time deviated (percent).

    0: below ``none_below_pct``; 1: < 25 %; 2: 25–50 %; 3: 50–75 %; 4: >= 75 %.
    """
    if share_pct < none_below_pct:
        return 0
    return 1 + int(np.searchsorted([25.0, 50.0, 75.0], share_pct, side="right"))


def hold_band(held_s: float, reference_s: float = 60.0) -> int:
    """TWSTRS-style band of "time head held within 10° of neutral (of 60 s)".

    0: held for the whole ``reference_s`` (within half a second: the first and last frames of a clip
    are not timed to the millisecond); 1: > 45 s; 2: > 30 s; 3: > 15 s; 4: <= 15 s.
    """
    if held_s >= reference_s - HOLD_TOLERANCE_S:
        return 0
    for band, lower_s in ((1, 45.0), (2, 30.0), (3, 15.0)):
        if held_s > lower_s:
            return band
    return 4


def _axis_posture(axis: str, values: np.ndarray, weights: np.ndarray, cfg: MetricsConfig) -> AxisPosture:
    median = float(np.median(values))
    magnitude = abs(median)
    shown = f"{magnitude:.0f}°"
    neutral = magnitude < cfg.neutral_deg
    if axis == "rotation":
        item, edges, anchors = "torticollis", cfg.rotation_band_edges_deg, _ROTATION_ANCHORS
        direction = "left" if median > 0 else "right"
        description = f"rotated {shown} to the {direction}"
    elif axis == "tilt":
        item, edges, anchors = "laterocollis", cfg.tilt_band_edges_deg, _TILT_ANCHORS
        direction = "left" if median > 0 else "right"
        description = f"tilted {shown} to the {direction}"
    elif median > 0:
        item, edges = "anterocollis", cfg.flexion_band_edges_deg
        anchors = _severity_anchors(edges)
        direction, description = "flexion", f"flexed {shown} (chin down)"
    else:
        item, edges = "retrocollis", cfg.extension_band_edges_deg
        anchors = _severity_anchors(edges)
        direction, description = "extension", f"extended {shown} (chin up)"
    if neutral:
        direction, description = "neutral", f"within {cfg.neutral_deg:g}° of neutral"
    band = band_from_edges(magnitude, edges)
    if axis == "flexion" and band > 0:
        label = (
            f"TWSTRS-style band {band} ({anchors[band]}, the tool's own degree band), estimated from {shown}"
        )
    else:
        label = f"TWSTRS-style band {band} ({anchors[band]}), estimated from {shown}"
    deviated = np.abs(values) > cfg.deviation_deg
    share = 100.0 * float(weights[deviated].sum() / weights.sum())
    return AxisPosture(
        axis=axis,
        median_deg=median,
        direction=direction,
        description=description,
        item=item,
        band=band,
        band_range=anchors[band],
        band_label=label,
        share_deviated_pct=share,
        duration_band=duration_band(share, cfg.duration_none_below_pct),
    )


def _severity_anchors(edges: tuple[float, ...]) -> tuple[str, ...]:
    """("none", "mild 3–15°", "moderate 15–35°", "severe > 35°") from the tool's own band edges."""
    out = ["none"]
    for k in range(1, len(edges) + 1):
        word = _SEVERITY_WORDS[min(k, len(_SEVERITY_WORDS) - 1)]
        span = f"{edges[k - 1]:g}–{edges[k]:g}°" if k < len(edges) else f"> {edges[-1]:g}°"
        out.append(f"{word} {span}")
    return tuple(out)


def longest_within_s(t_s: np.ndarray, angles: np.ndarray, limit_deg: float, max_interval_s: float) -> float:
    """Longest stretch of real time (s) in which every axis stays within ``limit_deg`` of zero.

    A frame without a face (any NaN in its row), a frame beyond the limit on any axis, or a hole in the
    timestamps longer than ``max_interval_s`` ends a stretch. Each frame stands for the time between the
    midpoints to its neighbours (:func:`frame_durations_s`), so a whole regular clip held within the
    limit gives n / fps.

    Args:
        t_s: (n,) float seconds, strictly increasing.
        angles: (n, 3) float degrees, NaN where no face.
        limit_deg: the "within" limit (deg).
        max_interval_s: a longer interval between two frames breaks a stretch (s).

    Returns:
        Seconds; 0.0 when no frame is within the limit.
    """
    t, a = np.asarray(t_s, dtype=float), np.asarray(angles, dtype=float)
    with np.errstate(invalid="ignore"):
        within = valid_rows(a) & (np.abs(a) <= limit_deg).all(axis=1)
    durations = frame_durations_s(t, max_interval_s)
    holes = np.flatnonzero(np.diff(t) > max_interval_s) + 1
    best = 0.0
    for start, stop in true_runs(within):
        for piece in np.split(np.arange(start, stop), holes[(holes > start) & (holes < stop)] - start):
            best = max(best, float(durations[piece].sum()))
    return best


def analyze_posture(
    t_s: np.ndarray, angles: np.ndarray, config: MetricsConfig = MetricsConfig()
) -> PostureResult:
    """Static posture of the head over a clip.

    Args:
        t_s: (n,) float seconds, the frames' presentation times, strictly increasing (any spacing).
        angles: (n, 3) float degrees ``[rotation, tilt, flexion]``, NaN where no face.
        config: thresholds (``neutral_deg``, ``deviation_deg``, band edges, ...).

    Returns:
        :class:`PostureResult`. Medians are over frames with a face; shares and held times are weighted
        by each frame's real duration, so a variable frame rate does not bias them.

    Raises:
        InvalidInput: for malformed times or angles.
    """
    t, a = check_angles(t_s, angles)
    cfg = config
    valid = valid_rows(a)
    durations = frame_durations_s(t, cfg.max_frame_interval_s) if t.size else np.zeros(0)
    duration_s = float(durations.sum())
    tracked_s = float(durations[valid].sum())
    face_pct = 100.0 * float(valid.mean()) if t.size else 0.0
    common = dict(
        duration_s=duration_s,
        tracked_s=tracked_s,
        face_frames_pct=face_pct,
        neutral_deg=cfg.neutral_deg,
        deviation_deg=cfg.deviation_deg,
    )
    if valid.sum() == 0 or tracked_s <= 0:
        reason = (
            "no face was tracked in any frame" if valid.sum() == 0 else "the clip has a single tracked frame"
        )
        return PostureResult(
            available=False,
            reason=f"{reason}: posture cannot be measured",
            rotation=None,
            tilt=None,
            flexion=None,
            deviated_any_axis_pct=float("nan"),
            duration_band=None,
            time_within_10deg_s=float("nan"),
            time_within_10deg_band=None,
            time_within_10deg_note=None,
            **common,
        )
    weights = durations[valid]
    per_axis = {axis: _axis_posture(axis, a[valid, j], weights, cfg) for j, axis in enumerate(AXES)}
    any_deviated = (np.abs(a[valid]) > cfg.deviation_deg).any(axis=1)
    any_pct = 100.0 * float(weights[any_deviated].sum() / weights.sum())
    held_s = longest_within_s(t, a, cfg.hold_within_deg, cfg.max_frame_interval_s)
    note = None
    if duration_s < cfg.hold_reference_s - HOLD_TOLERANCE_S:
        note = (
            f"the clip is {duration_s:.0f} s long, shorter than the {cfg.hold_reference_s:.0f} s the TWSTRS "
            f"item observes: the held time cannot exceed the clip, so the band may overstate severity"
        )
    turn = abs(per_axis["rotation"].median_deg)
    large_turn_note = None
    if turn > cfg.large_turn_deg:
        large_turn_note = (
            f"the head is turned {turn:.0f}°, beyond {cfg.large_turn_deg:g}°: the far side of the face is "
            "out of view, so the tilt and flexion figures are less reliable (several degrees off on test "
            "clips; up to about 10° near 70° of turn)"
        )
    return PostureResult(
        available=True,
        reason=None,
        rotation=per_axis["rotation"],
        tilt=per_axis["tilt"],
        flexion=per_axis["flexion"],
        deviated_any_axis_pct=any_pct,
        duration_band=duration_band(any_pct, cfg.duration_none_below_pct),
        time_within_10deg_s=held_s,
        time_within_10deg_band=hold_band(held_s, cfg.hold_reference_s),
        time_within_10deg_note=note,
        large_turn_note=large_turn_note,
        **common,
    )
