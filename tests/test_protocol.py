"""The guided protocol: schedule, phase marks, segmentation from movement, measurements per phase."""

from __future__ import annotations

import numpy as np
import pytest

from posture.errors import InvalidInput
from posture.protocol import (
    PROTOCOLS,
    Marks,
    Phase,
    get_protocol,
    load_marks,
    marks_path,
    merge_phases,
    phase_metrics,
    segment_from_movement,
    segment_protocol,
    sensory_trick_effect,
)

FPS = 30.0


def ramp(t, knots):
    """Piecewise-linear (time, value) knots, held outside."""
    ts, vs = zip(*knots, strict=True)
    return np.interp(t, ts, vs)


def session_angles(
    protocol_name="short", rest=(-20.0, 8.0, 0.0), hold=(-4.0, 2.0, 0.0), trick=(-6.0, 3.0, 0.0)
):
    """A synthetic session following ``protocol``'s schedule: rest posture, hold near neutral, six
    range-of-motion excursions each held 1 s in the middle of its step, trick posture.

    Returns (t, angles, truth) with truth = {"rom": {direction: deg}, ...}."""
    proto = get_protocol(protocol_name)
    sched = {p.key: p for p in proto.schedule()}
    t = np.arange(0, proto.duration_s, 1 / FPS)
    a = np.zeros((t.size, 3))
    rom = {
        "turn_left": (0, 60.0),
        "turn_right": (0, -55.0),
        "tilt_left": (1, 35.0),
        "tilt_right": (1, -30.0),
        "chin_down": (2, 40.0),
        "chin_up": (2, -35.0),
    }
    for j in range(3):
        a[:, j] = np.where(t < sched["rest"].end_s, rest[j], a[:, j])
        hold_mask = (t >= sched["hold"].start_s) & (t < sched["hold"].end_s)
        a[hold_mask, j] = hold[j]
        trick_mask = t >= sched["trick"].start_s
        a[trick_mask, j] = trick[j]
    for key, (j, peak) in rom.items():
        p = sched[key]
        mid = 0.5 * (p.start_s + p.end_s)
        inside = (t >= p.start_s) & (t < p.end_s)
        a[inside, j] = ramp(t[inside], [(p.start_s, 0), (mid - 0.5, peak), (mid + 0.5, peak), (p.end_s, 0)])
    rng = np.random.default_rng(0)
    a += rng.normal(0, 0.3, a.shape)
    return t, a, {"rom": rom, "sched": sched}


def test_protocols_follow_clinical_md():
    for proto in PROTOCOLS.values():
        kinds = [s.kind for s in proto.steps]
        assert kinds[:3] == ["prepare", "rest", "hold"]
        assert [s.key for s in proto.steps if s.kind == "rom"] == [
            "turn_left",
            "turn_right",
            "tilt_left",
            "tilt_right",
            "chin_down",
            "chin_up",
        ]
        assert kinds[-1] == "trick" and proto.steps[-1].optional
    std = PROTOCOLS["standard"]
    assert 20 <= std.kind_duration_s("rest") <= 30
    assert std.kind_duration_s("hold") <= 60
    assert 10 <= std.kind_duration_s("trick") <= 20
    assert PROTOCOLS["extended"].kind_duration_s("hold") == 60
    assert "trick" not in {s.kind for s in std.with_trick(False).steps}
    with pytest.raises(InvalidInput, match="standard"):
        get_protocol("nope")


def test_step_at_and_schedule():
    proto = get_protocol("short")
    sched = proto.schedule()
    assert sched[0].start_s == 0 and sched[-1].end_s == pytest.approx(proto.duration_s)
    step, left = proto.step_at(0.5)
    assert step.key == "prepare" and left == pytest.approx(2.5)
    assert proto.step_at(proto.duration_s + 0.1) is None
    # prompts speak of the patient's side
    assert "YOUR LEFT" in next(s.prompt for s in proto.steps if s.key == "turn_left")


def test_marks_round_trip(tmp_path):
    clip = tmp_path / "session.mp4"
    assert marks_path(clip).name == "session.protocol.json"
    assert load_marks(clip) is None
    marks = Marks("short", tuple(get_protocol("short").schedule()), completed=False, mirrored_preview=True)
    marks.write(marks_path(clip))
    back = load_marks(clip)
    assert back.protocol == "short" and back.completed is False and back.mirrored_preview is True
    assert back.phases == marks.phases
    marks_path(clip).write_text('{"schema": "other"}')
    with pytest.raises(InvalidInput):
        load_marks(clip)


def test_merge_phases_joins_rom_steps():
    merged = merge_phases(get_protocol("short").schedule())
    assert [p.kind for p in merged] == ["prepare", "rest", "hold", "rom", "trick"]
    rom = merged[3]
    assert rom.start_s == 19.0 and rom.end_s == 37.0


def test_segment_with_marks_is_cut_to_the_clip():
    t, a, _ = session_angles()
    short = t < 25.0
    phases = segment_protocol(t[short], a[short], get_protocol("short").schedule())
    kinds = [p.kind for p in phases]
    assert kinds == ["prepare", "rest", "hold", "rom"]
    assert phases[-1].end_s <= t[short][-1]


def test_segment_from_movement_finds_the_phases():
    t, a, truth = session_angles()
    sched = truth["sched"]
    phases = {p.kind: p for p in segment_from_movement(t, a, get_protocol("short"))}
    assert set(phases) == {"rest", "hold", "rom", "trick"}
    assert all(p.source == "movement" for p in phases.values())
    # range of motion: from just before the first excursion to just after the last
    assert phases["rom"].start_s <= sched["turn_left"].start_s + 1.0
    assert phases["rom"].end_s >= sched["chin_up"].end_s - 1.0
    assert phases["rom"].start_s >= sched["hold"].end_s - 1.0
    # rest / hold split where the posture changes
    assert phases["rest"].end_s == pytest.approx(sched["rest"].end_s, abs=1.0)
    assert phases["trick"].start_s == pytest.approx(sched["trick"].start_s, abs=1.0)


def test_segment_from_movement_without_movement_finds_nothing():
    t = np.arange(0, 30, 1 / FPS)
    a = np.column_stack([np.full(t.size, -20.0), np.zeros(t.size), np.zeros(t.size)])
    assert segment_from_movement(t, a, get_protocol("standard")) == []
    result = phase_metrics(t, a, [])
    assert result["measured"] is False and "could not be found" in result["reason"]


@pytest.mark.parametrize("use_marks", [True, False])
def test_phase_metrics_measure_each_sign_on_its_phase(use_marks):
    t, a, truth = session_angles()
    proto = get_protocol("short")
    phases = segment_protocol(t, a, proto.schedule() if use_marks else None, proto)
    out = phase_metrics(t, a, phases, protocol="short")
    assert out["measured"] and out["segmentation"] == ("marks" if use_marks else "movement")
    # rest posture is the rest phase's, not diluted by the hold or the movements
    rest = out["rest"]["posture"]
    assert rest["rotation"]["median_deg"] == pytest.approx(-20.0, abs=0.5)
    assert rest["tilt"]["median_deg"] == pytest.approx(8.0, abs=0.5)
    # hold: the whole measured hold is within 10 degrees
    hold = out["hold"]
    assert hold["time_within_10deg_s"] == pytest.approx(hold["duration_s"], abs=0.1)
    assert hold["duration_s"] >= 5.0
    # range of motion on the movement phase
    rom = out["range_of_motion"]
    expect = {
        "rotation_left": 60,
        "rotation_right": 55,
        "tilt_left": 35,
        "tilt_right": 30,
        "flexion": 40,
        "extension": 35,
    }
    for key, deg in expect.items():
        assert rom[f"{key}_deg"] == pytest.approx(deg, abs=1.5), key
    trick = out["sensory_trick"]
    assert trick["measured"] and trick["main_axis"] == "rotation"
    assert trick["improvement_deg"] == pytest.approx(14.0, abs=0.5)
    assert trick["improved"] is True


def test_phase_metrics_say_what_is_missing():
    t, a, _ = session_angles()
    phases = [p for p in get_protocol("short").schedule() if p.kind in ("prepare", "rest", "hold")]
    out = phase_metrics(t, a, phases)
    assert out["range_of_motion"]["measured"] is False
    assert "no rom phase" in out["range_of_motion"]["reason"]
    assert out["sensory_trick"]["measured"] is False
    # a phase with no face is not measured, not an error
    b = a.copy()
    b[(t >= 11) & (t < 19)] = np.nan
    out = phase_metrics(t, b, phases)
    assert out["hold"]["measured"] is False and "no face" in out["hold"]["reason"]


def test_sensory_trick_effect():
    rest = {"rotation": -25.0, "tilt": 5.0, "flexion": 2.0}
    worse = sensory_trick_effect(rest, {"rotation": -27.0, "tilt": 5.0, "flexion": 2.0}, 10.0)
    assert worse["improvement_deg"] == pytest.approx(-2.0) and worse["improved"] is False
    short = sensory_trick_effect(rest, {"rotation": -5.0, "tilt": 5.0, "flexion": 2.0}, 3.0)
    assert short["improvement_deg"] == pytest.approx(20.0) and short["improved"] is False
    # crossing to the other side counts by magnitude
    across = sensory_trick_effect(rest, {"rotation": 4.0, "tilt": 5.0, "flexion": 2.0}, 8.0)
    assert across["improvement_deg"] == pytest.approx(21.0) and across["improved"] is True


def test_phase_dict():
    p = Phase("rest", "rest", 1.0, 3.5)
    assert p.duration_s == 2.5 and p.to_dict()["source"] == "marks"
