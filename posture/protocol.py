"""The guided recording protocol (CLINICAL.md), its phase marks, and measurements per phase.

Pure functions and dataclasses: no camera, no MediaPipe, no Streamlit.

A :class:`Protocol` is a list of :class:`Step`\\ s, each with a prompt for the patient and a duration.
Steps belong to one of five phase *kinds*:

- ``prepare``: "get ready" countdown before the measurements (recorded, never measured);
- ``rest``: the head goes where it wants (posture, tremor, jerks, shoulders);
- ``hold``: try to keep the head straight (time within 10° of neutral);
- ``rom``: range of motion, one step per direction (turn left, right, tilt left, right, chin down, up);
- ``trick``: optional sensory trick, a light touch on the chin or face (change in deviation from rest).

A recording made with a protocol carries *phase marks* (start and end second of every step, seconds
from the clip's first frame), written beside the clip as ``NAME.protocol.json``
(:func:`marks_path`, schema ``posture.protocol_marks/1``). A clip without marks recorded with the same
protocol is segmented from the movements themselves (:func:`segment_from_movement`).

:func:`phase_metrics` measures each sign on its own phase with the functions of
:mod:`posture.metrics`. Left and right are always the patient's (CLINICAL.md).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from posture.errors import InvalidInput
from posture.metrics import (
    BodyLandmarks,
    MetricsConfig,
    analyze_body,
    analyze_posture,
    analyze_range_of_motion,
    analyze_tremor,
    detect_jerks,
)
from posture.metrics.inputs import AXES, check_angles
from posture.result import json_ready

MARKS_SCHEMA = "posture.protocol_marks/1"
KINDS = ("prepare", "rest", "hold", "rom", "trick")
MEASURED_KINDS = ("rest", "hold", "rom", "trick")

# Seconds left out at the start of a still phase (the patient reacts to the prompt and settles) and
# at its end (the next prompt may already be read), so each measurement sees only its own phase.
SETTLE_S = 1.0
END_MARGIN_S = 0.5
# A still phase needs at least this much analysable time to be measured.
MIN_PHASE_S = 2.0
# CLINICAL.md: a sensory trick counts when the posture improves while the touch is held for at least
# about 5 s.
TRICK_MIN_HELD_S = 5.0
# ... and improves by at least this much on the axis deviated most at rest: above face-mesh noise and a
# resting sway (a few degrees), below the change a working trick makes (often half the deviation).
TRICK_MIN_IMPROVEMENT_DEG = 5.0

# Segmentation from movement (clips without marks).
_GRID_HZ = 10.0
_SMOOTH_S = 1.0  # boxcar: removes tremor (>= 1.5 Hz) and jerks, keeps turns
_MOVING_DEG_S = 15.0  # MetricsConfig.tremor_voluntary_speed_deg_s: a turn runs at 30–70°/s
_MERGE_GAP_S = 3.0  # range-of-motion excursions separated by shorter pauses belong together
_ROM_MIN_RANGE_DEG = 20.0  # two excursions of rom_min_excursion_deg each way
_MIN_TRICK_S = 5.0


@dataclass(frozen=True)
class Step:
    """One prompted step: ``key`` (unique), ``kind`` (:data:`KINDS`), ``prompt`` (to the patient),
    ``duration_s``, ``optional`` (the sensory trick: skipped when the client has none)."""

    key: str
    kind: str
    prompt: str
    duration_s: float
    optional: bool = False


@dataclass(frozen=True)
class Phase:
    """A stretch of a recording: ``key`` (a step key, or the kind for a whole phase), ``kind``,
    ``start_s``/``end_s`` (seconds from the first frame), ``source`` ("marks" or "movement")."""

    key: str
    kind: str
    start_s: float
    end_s: float
    source: str = "marks"

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        return json_ready(asdict(self))


@dataclass(frozen=True)
class Protocol:
    """A named sequence of steps (see :data:`PROTOCOLS`)."""

    name: str
    description: str
    steps: tuple[Step, ...]

    def with_trick(self, include: bool) -> Protocol:
        """The protocol with or without its optional steps (the sensory trick)."""
        if include:
            return self
        return replace(self, steps=tuple(s for s in self.steps if not s.optional))

    @property
    def duration_s(self) -> float:
        return float(sum(s.duration_s for s in self.steps))

    def schedule(self) -> list[Phase]:
        """Every step as a :class:`Phase` with its planned start and end (seconds from the start)."""
        out, t = [], 0.0
        for step in self.steps:
            out.append(Phase(step.key, step.kind, t, t + step.duration_s, "marks"))
            t += step.duration_s
        return out

    def step_at(self, t_s: float) -> tuple[Step, float] | None:
        """The step running ``t_s`` seconds after the start and the seconds left in it; None after
        the end."""
        t = 0.0
        for step in self.steps:
            if t_s < t + step.duration_s:
                return step, t + step.duration_s - t_s
            t += step.duration_s
        return None

    def kind_duration_s(self, kind: str) -> float:
        return float(sum(s.duration_s for s in self.steps if s.kind == kind))


def _protocol(
    name: str, description: str, prepare: float, rest: float, hold: float, rom: float, trick: float
):
    # Prompts speak to the patient; "your left" is the patient's left whatever the preview shows.
    return Protocol(
        name,
        description,
        (
            Step("prepare", "prepare", "Get ready: sit facing the camera, shoulders in view", prepare),
            Step("rest", "rest", "Rest: eyes open, let your head go where it wants", rest),
            Step("hold", "hold", "Hold your head straight, without touching it", hold),
            Step("turn_left", "rom", "Turn your head fully to YOUR LEFT, hold, come back", rom),
            Step("turn_right", "rom", "Turn your head fully to YOUR RIGHT, hold, come back", rom),
            Step("tilt_left", "rom", "Tilt your LEFT ear to your left shoulder, hold, come back", rom),
            Step("tilt_right", "rom", "Tilt your RIGHT ear to your right shoulder, hold, come back", rom),
            Step("chin_down", "rom", "Chin down to your chest, hold, come back", rom),
            Step("chin_up", "rom", "Chin up, look at the ceiling, hold, come back", rom),
            Step("trick", "trick", "Sensory trick: touch your chin or face lightly and rest", trick, True),
        ),
    )


PROTOCOLS: dict[str, Protocol] = {
    "standard": _protocol(
        "standard",
        "Rest 20 s, hold straight 30 s, six range-of-motion movements of 4 s, sensory trick 15 s "
        "(about 90 s).",
        5.0,
        20.0,
        30.0,
        4.0,
        15.0,
    ),
    "extended": _protocol(
        "extended",
        "As standard with the full 60 s hold of the TWSTRS item and 30 s of rest (about 2 min).",
        5.0,
        30.0,
        60.0,
        4.0,
        20.0,
    ),
    "short": _protocol(
        "short",
        "Rest 8 s, hold 8 s, six movements of 3 s, trick 8 s (about 45 s): for trying it out and tests.",
        3.0,
        8.0,
        8.0,
        3.0,
        8.0,
    ),
}


def get_protocol(name: str) -> Protocol:
    """The protocol called ``name``. Raises InvalidInput with the known names otherwise."""
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise InvalidInput(f"unknown protocol {name!r}: choose one of {', '.join(PROTOCOLS)}") from None


# ------------------------------------------------------------------------------------------------
# Phase marks stored with a recording
# ------------------------------------------------------------------------------------------------


def marks_path(clip: str | Path) -> Path:
    """Where the phase marks of ``clip`` live: ``NAME.protocol.json`` beside it."""
    clip = Path(clip)
    return clip.with_name(clip.stem + ".protocol.json")


@dataclass(frozen=True)
class Marks:
    """Phase marks of one recording (JSON schema :data:`MARKS_SCHEMA`).

    ``protocol``: its name; ``phases``: the steps as run (times from the clip's first frame; a step
    stopped early ends when the recording did; steps never reached are absent); ``completed``: the
    protocol ran to its end; ``mirrored_preview``: the patient saw a mirrored preview (the recorded
    frames and every number are never mirrored); ``extra``: free-form details (camera, frame rate).
    """

    protocol: str
    phases: tuple[Phase, ...]
    completed: bool = True
    mirrored_preview: bool = False
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return json_ready(
            {
                "schema": MARKS_SCHEMA,
                "protocol": self.protocol,
                "completed": self.completed,
                "mirrored_preview": self.mirrored_preview,
                "phases": [p.to_dict() for p in self.phases],
                **({"extra": self.extra} if self.extra else {}),
            }
        )

    @classmethod
    def from_dict(cls, doc: dict) -> Marks:
        if not isinstance(doc, dict) or doc.get("schema") != MARKS_SCHEMA:
            raise InvalidInput(f"not a phase-marks file (schema {MARKS_SCHEMA} expected)")
        try:
            phases = tuple(
                Phase(str(p["key"]), str(p["kind"]), float(p["start_s"]), float(p["end_s"]), "marks")
                for p in doc.get("phases") or []
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"malformed phase marks: {exc}") from None
        for p in phases:
            if p.kind not in KINDS or not p.end_s > p.start_s:
                raise InvalidInput(f"malformed phase mark {p.key!r} ({p.kind}, {p.start_s}–{p.end_s} s)")
        return cls(
            protocol=str(doc.get("protocol") or ""),
            phases=phases,
            completed=bool(doc.get("completed", True)),
            mirrored_preview=bool(doc.get("mirrored_preview", False)),
            extra=dict(doc.get("extra") or {}),
        )

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        return path


def load_marks(clip: str | Path) -> Marks | None:
    """The phase marks beside ``clip`` (or in ``clip`` itself if it is the JSON), None when absent.

    Raises InvalidInput when the file exists but is malformed."""
    path = Path(clip)
    if path.suffix.lower() != ".json":
        path = marks_path(path)
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read the phase marks {path.name}: {exc}") from None
    return Marks.from_dict(doc)


# ------------------------------------------------------------------------------------------------
# Segmentation
# ------------------------------------------------------------------------------------------------


def merge_phases(phases: list[Phase] | tuple[Phase, ...]) -> list[Phase]:
    """One phase per kind present (the range-of-motion steps joined into one ``rom`` phase), in time
    order; each spans its steps' first start to last end."""
    out: dict[str, Phase] = {}
    for p in phases:
        if p.kind in out:
            q = out[p.kind]
            out[p.kind] = replace(q, start_s=min(q.start_s, p.start_s), end_s=max(q.end_s, p.end_s))
        else:
            out[p.kind] = replace(p, key=p.kind)
    return sorted(out.values(), key=lambda p: p.start_s)


def segment_protocol(
    t_s: np.ndarray,
    angles: np.ndarray,
    marks: Marks | list[Phase] | tuple[Phase, ...] | None = None,
    protocol: Protocol | str | None = None,
) -> list[Phase]:
    """The protocol's phases in a recording: one :class:`Phase` per kind found, in time order.

    With ``marks`` (from a guided recording): the marked steps, range-of-motion steps merged, cut to
    the clip's time span. Without: :func:`segment_from_movement` with ``protocol`` (default
    ``standard``) giving the expected order and the rest/hold proportion.
    """
    t, a = check_angles(t_s, angles)
    if t.size == 0:
        return []
    if marks is not None:
        steps = marks.phases if isinstance(marks, Marks) else tuple(marks)
        lo, hi = float(t[0]), float(t[-1])
        cut = [
            replace(p, start_s=max(p.start_s, lo), end_s=min(p.end_s, hi))
            for p in steps
            if p.end_s > lo and p.start_s < hi
        ]
        return merge_phases(cut)
    if isinstance(protocol, str):
        protocol = get_protocol(protocol)
    return segment_from_movement(t, a, protocol or PROTOCOLS["standard"])


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end exclusive) index runs where ``mask`` is True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def smoothed_on_grid(t: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Angles on a 10 Hz grid, gaps interpolated, smoothed by a 1 s boxcar: (grid (m,), (m, 3))."""
    ok = np.isfinite(a).all(axis=1)
    if ok.sum() < 5:
        return None
    grid = np.arange(t[ok][0], t[ok][-1], 1.0 / _GRID_HZ)
    if grid.size < 5:
        return None
    k = max(1, int(round(_SMOOTH_S * _GRID_HZ)))
    kernel = np.ones(k) / k
    cols = []
    for j in range(3):
        y = np.interp(grid, t[ok], a[ok, j])
        padded = np.concatenate([np.full(k, y[0]), y, np.full(k, y[-1])])
        cols.append(np.convolve(padded, kernel, mode="same")[k:-k])
    return grid, np.column_stack(cols)


def segment_from_movement(t_s: np.ndarray, angles: np.ndarray, protocol: Protocol) -> list[Phase]:
    """Phases of a clip recorded with ``protocol`` but without marks, from the movements.

    Method: the angles are smoothed (1 s) on a 10 Hz grid; stretches moving faster than 15°/s are
    voluntary movement. Movement stretches less than 3 s apart are joined; the group spanning the
    largest angle range (at least 20°) is the range-of-motion phase. The still time before it is rest
    then hold, split where the mean posture changes most (within the middle of the span), or in the
    protocol's proportion when it does not change; the still time after it (at least 5 s) is the
    sensory trick when the protocol has one. No range-of-motion movement found: no phases (the order
    of the protocol cannot be recognised).
    """
    t, a = check_angles(t_s, angles)
    smooth = smoothed_on_grid(t, a)
    if smooth is None:
        return []
    grid, s = smooth
    speed = np.linalg.norm(np.gradient(s, grid, axis=0), axis=1)
    runs = _runs(speed > _MOVING_DEG_S)
    if not runs:
        return []
    groups: list[list[int]] = [list(runs[0])]
    for start, end in runs[1:]:
        if grid[start] - grid[groups[-1][1] - 1] <= _MERGE_GAP_S:
            groups[-1][1] = end
        else:
            groups.append([start, end])

    def span(g: list[int]) -> float:
        seg = s[g[0] : g[1]]
        return float((seg.max(axis=0) - seg.min(axis=0)).max())

    best = max(groups, key=span)
    if span(best) < _ROM_MIN_RANGE_DEG:
        return []
    t0, t1 = float(t[0]), float(t[-1])
    rom_start = max(t0, float(grid[best[0]]) - 0.5)
    rom_end = min(t1, float(grid[best[1] - 1]) + 0.5)
    phases: list[Phase] = []
    before = rom_start - t0
    has = {s.kind for s in protocol.steps}
    if before > 0:
        if {"rest", "hold"} <= has and before >= 2 * MIN_PHASE_S:
            split = _rest_hold_split(grid, s, t0, rom_start, protocol)
            phases += [
                Phase("rest", "rest", t0, split, "movement"),
                Phase("hold", "hold", split, rom_start, "movement"),
            ]
        elif "rest" in has and before >= MIN_PHASE_S + SETTLE_S + END_MARGIN_S:
            phases.append(Phase("rest", "rest", t0, rom_start, "movement"))
    phases.append(Phase("rom", "rom", rom_start, rom_end, "movement"))
    if "trick" in has and t1 - rom_end >= _MIN_TRICK_S:
        phases.append(Phase("trick", "trick", rom_end, t1, "movement"))
    return phases


def _rest_hold_split(grid: np.ndarray, s: np.ndarray, t0: float, t1: float, protocol: Protocol) -> float:
    """Time between rest and hold: the change point of the mean posture in the middle of [t0, t1],
    or the protocol's proportion when the posture does not change by 3° or more on any axis."""
    rest, hold = protocol.kind_duration_s("rest"), protocol.kind_duration_s("hold")
    planned = t0 + (t1 - t0) * rest / max(rest + hold, 1e-9)
    inside = (grid >= t0) & (grid < t1)
    g, y = grid[inside], s[inside]
    lo, hi = t0 + 0.25 * (t1 - t0), t0 + 0.75 * (t1 - t0)
    best_t, best_cost, best_step = planned, np.inf, 0.0
    for i in np.flatnonzero((g >= lo) & (g <= hi)):
        left, right = y[:i], y[i:]
        if len(left) < 2 or len(right) < 2:
            continue
        cost = float(((left - left.mean(0)) ** 2).sum() + ((right - right.mean(0)) ** 2).sum())
        if cost < best_cost:
            best_t, best_cost = float(g[i]), cost
            best_step = float(np.abs(left.mean(0) - right.mean(0)).max())
    return best_t if best_step >= 3.0 else planned


# ------------------------------------------------------------------------------------------------
# Measurements per phase
# ------------------------------------------------------------------------------------------------


def analysed_window(phase: Phase) -> tuple[float, float]:
    """The part of a phase that is measured: still phases lose :data:`SETTLE_S` at the start and
    :data:`END_MARGIN_S` at the end; the range-of-motion phase is measured whole."""
    if phase.kind == "rom":
        return phase.start_s, phase.end_s
    return phase.start_s + SETTLE_S, phase.end_s - END_MARGIN_S


def _slice_body(body: BodyLandmarks | None, idx: np.ndarray) -> BodyLandmarks | None:
    if body is None:
        return None

    def cut(v):
        return None if v is None else np.asarray(v)[idx]

    return BodyLandmarks(
        left_shoulder_px=cut(body.left_shoulder_px),
        right_shoulder_px=cut(body.right_shoulder_px),
        left_shoulder_visibility=cut(body.left_shoulder_visibility),
        right_shoulder_visibility=cut(body.right_shoulder_visibility),
        left_eye_px=cut(body.left_eye_px),
        right_eye_px=cut(body.right_eye_px),
        image_size_px=body.image_size_px,
        left_shoulder_depth_px=cut(body.left_shoulder_depth_px),
        right_shoulder_depth_px=cut(body.right_shoulder_depth_px),
        left_top_px=cut(body.left_top_px),
        right_top_px=cut(body.right_top_px),
    )


def _medians(a: np.ndarray) -> dict[str, float | None]:
    ok = np.isfinite(a).all(axis=1)
    if not ok.any():
        return {axis: None for axis in AXES}
    return {axis: float(v) for axis, v in zip(AXES, np.median(a[ok], axis=0), strict=True)}


def sensory_trick_effect(rest: dict, trick: dict, trick_s: float) -> dict:
    """Change in deviation from rest to trick, from the two phases' median angles (degrees).

    ``main_axis``: the axis deviated most at rest; ``rest_deviation_deg`` / ``trick_deviation_deg``:
    |median| on it; ``improvement_deg``: their difference (+ = closer to neutral during the trick);
    ``change_deg``: per axis, |rest median| - |trick median|; ``improved``: the improvement is at least
    :data:`TRICK_MIN_IMPROVEMENT_DEG` and the trick was held at least :data:`TRICK_MIN_HELD_S`.
    """
    if any(rest[a] is None for a in AXES) or any(trick[a] is None for a in AXES):
        return {"measured": False, "reason": "no face was tracked in the rest or the trick phase"}
    change = {a: abs(rest[a]) - abs(trick[a]) for a in AXES}
    main = max(AXES, key=lambda ax: abs(rest[ax]))
    improvement = change[main]
    return {
        "measured": True,
        "reason": None,
        "rest_deg": rest,
        "trick_deg": trick,
        "change_deg": change,
        "main_axis": main,
        "rest_deviation_deg": abs(rest[main]),
        "trick_deviation_deg": abs(trick[main]),
        "improvement_deg": improvement,
        "held_s": trick_s,
        "improved": bool(improvement >= TRICK_MIN_IMPROVEMENT_DEG and trick_s >= TRICK_MIN_HELD_S),
        "min_improvement_deg": TRICK_MIN_IMPROVEMENT_DEG,
        "min_held_s": TRICK_MIN_HELD_S,
    }


def phase_metrics(
    t_s: np.ndarray,
    angles: np.ndarray,
    phases: list[Phase],
    body: BodyLandmarks | None = None,
    config: MetricsConfig = MetricsConfig(),
    protocol: str = "",
) -> dict:
    """Each measurement on its own phase (the JSON section ``protocol``).

    - ``rest``: ``posture``, ``tremor``, ``jerks``, ``shoulders``, ``shift`` on the rest phase (the
      analysis then refines a present tremor's amplitude: :func:`posture.pipeline.refine.refine_rest_tremor`);
    - ``hold``: ``posture`` on the hold phase, with ``time_within_10deg_s`` its headline;
    - ``range_of_motion``: on the range-of-motion phase;
    - ``sensory_trick``: :func:`sensory_trick_effect` of rest and trick.

    Still phases are measured on :func:`analysed_window`. A phase that is absent or too short gives
    ``{"measured": False, "reason": ...}``. Also returned: ``protocol`` (name), ``segmentation``
    ("marks", "movement" or None), ``phases`` (each with its ``analysed_start_s``/``analysed_end_s``),
    ``measured`` and ``reason`` (when no phase was found).
    """
    t, a = check_angles(t_s, angles)
    body = body.checked(t.size) if body is not None else None
    by_kind = {p.kind: p for p in merge_phases(phases)}
    out: dict = {
        "protocol": protocol,
        "segmentation": phases[0].source if phases else None,
        "measured": bool(set(by_kind) & set(MEASURED_KINDS)),
        "reason": None,
        "phases": [],
        "settle_s": SETTLE_S,
        "end_margin_s": END_MARGIN_S,
    }
    if not out["measured"]:
        out["reason"] = (
            "the protocol's phases could not be found: no phase marks, and no range-of-motion movement "
            "that shows where rest and hold end"
        )
    windows: dict[str, np.ndarray] = {}
    for p in sorted(by_kind.values(), key=lambda p: p.start_s):
        lo, hi = analysed_window(p)
        idx = np.flatnonzero((t >= lo) & (t <= hi))
        windows[p.kind] = idx
        out["phases"].append({**p.to_dict(), "analysed_start_s": lo, "analysed_end_s": hi})

    def missing(kind: str) -> dict | None:
        if kind not in by_kind:
            return {"measured": False, "reason": f"the recording has no {kind} phase"}
        idx = windows[kind]
        n_ok = int(np.isfinite(a[idx]).all(axis=1).sum()) if idx.size else 0
        if idx.size < 2 or t[idx[-1]] - t[idx[0]] < (MIN_PHASE_S if kind != "rom" else 0.5) or n_ok < 2:
            return {"measured": False, "reason": f"the {kind} phase is too short or has no face to measure"}
        return None

    rest_medians = None
    if (why := missing("rest")) is None:
        idx = windows["rest"]
        tt, aa = t[idx], a[idx]
        jerks = detect_jerks(tt, aa, config)
        shoulders, shift = analyze_body(tt, aa, _slice_body(body, idx), config)
        rest_medians = _medians(aa)
        out["rest"] = {
            "measured": True,
            "duration_s": float(tt[-1] - tt[0]),
            "posture": analyze_posture(tt, aa, config).to_dict(),
            "tremor": analyze_tremor(tt, aa, config, jerks=jerks).to_dict(),
            "jerks": jerks.to_dict(),
            "shoulders": shoulders.to_dict(),
            "shift": shift.to_dict(),
        }
    else:
        out["rest"] = why
    if (why := missing("hold")) is None:
        idx = windows["hold"]
        posture = analyze_posture(t[idx], a[idx], config).to_dict()
        out["hold"] = {
            "measured": True,
            "duration_s": float(t[idx[-1]] - t[idx[0]]),
            "time_within_10deg_s": posture.get("time_within_10deg_s"),
            "time_within_10deg_band": posture.get("time_within_10deg_band"),
            "posture": posture,
        }
    else:
        out["hold"] = why
    if (why := missing("rom")) is None:
        idx = windows["rom"]
        out["range_of_motion"] = analyze_range_of_motion(t[idx], a[idx], config).to_dict()
    else:
        out["range_of_motion"] = why
    if (why := missing("trick")) is None and rest_medians is not None:
        idx = windows["trick"]
        out["sensory_trick"] = sensory_trick_effect(
            rest_medians, _medians(a[idx]), float(t[idx[-1]] - t[idx[0]])
        )
    else:
        out["sensory_trick"] = why or {"measured": False, "reason": "the rest phase could not be measured"}
    return json_ready(out)


def protocol_section(
    analysis, marks: Marks | None = None, protocol: str | None = None, config: MetricsConfig = MetricsConfig()
) -> dict:
    """The ``protocol`` JSON section of an :class:`~posture.result.Analysis`: its phases (from
    ``marks``, else from the movements with ``protocol`` or the marks' own protocol, default
    ``standard``) and :func:`phase_metrics` with the analysis' shoulders."""
    from posture.analysis import body_landmarks

    name = (marks.protocol if marks is not None else None) or protocol or "standard"
    try:
        proto = get_protocol(name)
    except InvalidInput:
        proto = PROTOCOLS["standard"]
    phases = segment_protocol(analysis.t_s, analysis.angles, marks, proto)
    body = None
    if getattr(analysis, "body", None) is not None:
        body = body_landmarks(analysis.face, analysis.body, analysis.video)
    section = phase_metrics(analysis.t_s, analysis.angles, phases, body, config, protocol=name)
    if marks is not None:
        section["completed"] = marks.completed
        section["mirrored_preview"] = marks.mirrored_preview
    return section
