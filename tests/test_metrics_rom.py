"""Range of motion: furthest held positions within ±5°, spikes and jerks ignored."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posture.metrics.config import MetricsConfig
from posture.metrics.rom import DIRECTIONS, analyze_range_of_motion, held_extremes
from tests.synthetic import pulse, raised_cosine_moves

TRUTH = {
    "rotation_left": 72.0,
    "rotation_right": 55.0,
    "tilt_left": 38.0,
    "tilt_right": 44.0,
    "flexion": 50.0,
    "extension": 30.0,
}


def protocol(fps, noise=0.5, hold_s=1.0, seed=0):
    """The protocol's range-of-motion part: each extreme reached in 1.5 s and held ``hold_s``."""
    rng = np.random.default_rng(seed)
    n = int(round(28 * fps))
    t = np.arange(n) / fps + rng.uniform(-0.2, 0.2, n) / fps
    a = rng.normal(0.0, noise, (n, 3))
    h = hold_s
    for column, start, high, low in ((0, 0.5, 72, -55), (1, 9.5, 38, -44), (2, 18.5, 50, -30)):
        k = [(start, 0), (start + 1.5, high), (start + 1.5 + h, high), (start + 3 + h, 0)]
        k += [(start + 3.5 + h, 0), (start + 5 + h, low), (start + 5 + 2 * h, low), (start + 6.5 + 2 * h, 0)]
        a[:, column] += raised_cosine_moves(t, k)
    return t, a


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
@pytest.mark.parametrize("hold_s", [0.6, 1.0])
def test_held_extremes_within_5deg(fps, hold_s):
    t, a = protocol(fps, hold_s=hold_s, seed=int(fps))
    result = analyze_range_of_motion(t, a)
    assert result.reason is None
    for name, truth in TRUTH.items():
        assert result.held_deg[name] == pytest.approx(truth, abs=5.0), name


def test_spikes_and_jerks_at_the_extremes_are_ignored():
    fps = 30.0
    t, a = protocol(fps, seed=1)
    a[int(1.5 * fps), 0] = 120.0  # one wild frame during the turn
    a[int(2.5 * fps) : int(2.5 * fps) + 2, 0] = 95.0  # two frames at the held extreme
    a[:, 0] += pulse(t, 2.4, 20.0, 0.3)  # a jerk while holding
    a[:, 2] += pulse(t, 26.5, -40.0, 0.45)  # a jerk into extension, never held
    result = analyze_range_of_motion(t, a)
    assert result.held_deg["rotation_left"] == pytest.approx(72.0, abs=5.0)
    assert result.held_deg["extension"] == pytest.approx(30.0, abs=5.0)


def test_below_normal_flags_and_normal_ranges():
    t, a = protocol(30.0, seed=2)
    out = analyze_range_of_motion(t, a).to_dict()
    json.dumps(out, allow_nan=False)
    assert out["rotation_left_normal_deg"] == [70.0, 80.0]
    assert out["tilt_right_normal_deg"] == [40.0, 50.0]
    assert out["flexion_normal_deg"] == [45.0, 60.0]
    assert out["extension_normal_deg"] == [45.0, 80.0]
    # rotations of 40° and more are at the face mesh's limit: lower bounds, not judged
    assert out["rotation_left_at_limit"] is True and out["rotation_left_below_normal"] is None
    assert out["rotation_right_at_limit"] is True and out["rotation_right_below_normal"] is None
    assert out["tilt_left_at_limit"] is False
    assert out["tilt_left_below_normal"] is True  # 38 < 40
    assert out["tilt_right_below_normal"] is False
    assert out["flexion_below_normal"] is False
    assert out["extension_below_normal"] is True
    for name, _, _ in DIRECTIONS:
        assert {f"{name}_deg", f"{name}_normal_deg", f"{name}_below_normal"} <= set(out)


def test_directions_not_attempted_are_null_not_zero_and_below_normal():
    t = np.arange(0, 10, 1 / 30)
    a = np.zeros((t.size, 3))
    a[:, 0] = 30.0 + raised_cosine_moves(t, [(2, 0), (3, 20), (5, 20), (6, 0)])  # turned left throughout
    result = analyze_range_of_motion(t, a)
    out = result.to_dict()
    assert out["measured"] is True and out["resting_deg"]["rotation"] == pytest.approx(30.0)
    assert result.held_deg["rotation_left"] == pytest.approx(50.0, abs=0.5)
    assert out["rotation_left_attempted"] is True
    for name in ("rotation_right", "tilt_left", "tilt_right", "flexion", "extension"):
        assert out[f"{name}_deg"] is None and out[f"{name}_attempted"] is False
        assert out[f"{name}_below_normal"] is None


def test_a_side_attempted_but_never_past_neutral_is_zero():
    t = np.arange(0, 10, 1 / 30)
    a = np.zeros((t.size, 3))
    a[:, 0] = 30.0 + raised_cosine_moves(t, [(2, 0), (3, -25), (5, -25), (6, 0)])  # rests 30° left
    result = analyze_range_of_motion(t, a)
    assert result.attempted["rotation_right"] is True  # 25° toward the right, to 5° left of neutral
    assert result.held_deg["rotation_right"] == 0.0
    assert result.below_normal("rotation_right") is True


@pytest.mark.parametrize("posture", [(0.0, 0.0, 0.0), (30.0, -15.0, 10.0)])
def test_a_still_or_resting_head_is_not_a_range_of_motion(posture):
    rng = np.random.default_rng(3)
    t = np.arange(0, 20, 1 / 30)
    a = np.asarray(posture) + rng.normal(0.0, 0.5, (t.size, 3))
    a[:, 0] += 4.0 * np.sin(2 * np.pi * 0.2 * t)  # a resting sway
    out = analyze_range_of_motion(t, a).to_dict()
    json.dumps(out, allow_nan=False)
    assert out["measured"] is False
    assert "did not move more than 10°" in out["reason"]
    for name, _, _ in DIRECTIONS:
        assert out[f"{name}_deg"] is None and out[f"{name}_below_normal"] is None


def test_a_hold_does_not_span_a_long_gap():
    t = np.arange(0, 6, 1 / 30)
    a = np.zeros((t.size, 3))
    on = (t > 2.0) & (t < 2.3)
    a[on | ((t > 2.8) & (t < 3.1)), 0] = 60.0  # two 0.3 s visits, joined only across missing frames
    a[(t >= 2.3) & (t <= 2.8)] = np.nan
    a[(t > 4.0) & (t < 5.0), 1] = 30.0  # a real, held tilt, so the clip has range of motion
    result = analyze_range_of_motion(t, a)
    assert result.held_deg["tilt_left"] == pytest.approx(30.0)
    assert result.held_deg["rotation_left"] is None and result.attempted["rotation_left"] is False


def test_too_short_or_no_face_says_why():
    t = np.arange(10) / 30.0
    result = analyze_range_of_motion(t, np.zeros((10, 3)))
    assert result.held_deg["flexion"] is None
    assert "cannot be measured" in result.reason
    assert result.to_dict()["flexion_below_normal"] is None


@pytest.mark.parametrize(("plateau", "held"), [(12, 10.0), (11, 0.0)])
def test_held_extremes_needs_80_percent_of_the_window(plateau, held):
    x = np.zeros(60)
    x[20 : 20 + plateau] = 10.0
    high, low = held_extremes(x, window_samples=15, fraction=0.8)
    assert high == pytest.approx(held)
    assert low == 0.0


def test_hold_length_comes_from_the_config():
    t = np.arange(0, 6, 1 / 30)
    a = np.zeros((t.size, 3))
    a[(t > 2.0) & (t < 2.45), 2] = 40.0  # held 0.45 s
    assert analyze_range_of_motion(t, a).held_deg["flexion"] == pytest.approx(40.0)
    longer = analyze_range_of_motion(t, a, MetricsConfig(rom_hold_s=1.0))
    assert longer.held_deg["flexion"] is None and longer.measured is False


def test_a_rotation_under_the_instrument_limit_is_judged_against_the_normal_range():
    t = np.arange(0, 10, 1 / 30)
    a = np.zeros((t.size, 3))
    a[:, 0] = raised_cosine_moves(t, [(2, 0), (3, 30), (5, 30), (6, 0)])
    result = analyze_range_of_motion(t, a)
    assert result.held_deg["rotation_left"] == pytest.approx(30.0)
    assert result.at_limit("rotation_left") is False and result.below_normal("rotation_left") is True
    limit = analyze_range_of_motion(t, a, MetricsConfig(rom_rotation_limit_deg=25.0))
    assert limit.at_limit("rotation_left") is True and limit.below_normal("rotation_left") is None


def test_below_normal_is_judged_on_the_whole_degrees_shown():
    from posture.metrics.rom import RangeOfMotionResult

    names = ("tilt_left", "tilt_right")
    result = RangeOfMotionResult(
        held_deg={"tilt_left": 39.7, "tilt_right": 39.4},
        normal_deg={n: (40.0, 50.0) for n in names},
        hold_s=0.5,
        reason=None,
        attempted={n: True for n in names},
    )
    assert result.below_normal("tilt_left") is False  # shown as 40° (healthy 40–50°)
    assert result.below_normal("tilt_right") is True  # shown as 39°
