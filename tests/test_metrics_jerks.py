"""Jerks on synthetic series: exact counts and times, and no false jerks on drift, tremor or turns."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from posture.metrics.config import MetricsConfig
from posture.metrics.jerks import detect_jerks
from tests.synthetic import pulse, raised_cosine_moves


def clip(fps=30.0, seconds=20.0, noise=0.2, seed=0):
    """(t_s, angles, rng): a resting head with noise and a 0.2 Hz ±3° sway on jittered timestamps."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * fps))
    t = np.arange(n) / fps + rng.uniform(-0.2, 0.2, n) / fps
    angles = np.array([5.0, -3.0, 2.0]) + rng.normal(0.0, noise, (n, 3))
    angles[:, 0] += 3.0 * np.sin(2 * np.pi * 0.2 * t + rng.uniform(0, 2 * np.pi))
    return t, angles, rng


# (time s, axis column, signed size deg, duration s)
JERKS = [
    (1.5, 0, 6.0, 0.45),
    (4.0, 1, -8.0, 0.2),
    (6.6, 2, 12.0, 0.3),
    (9.0, 0, -6.0, 0.15),
    (11.8, 0, 20.0, 0.49),
    (14.5, 1, 7.0, 0.3),
    (17.0, 2, -9.0, 0.25),
]
AXIS_WORDS = {0: ("rotation", "left", "right"), 1: ("tilt", "left", "right"), 2: ("flexion", "down", "up")}


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_jerks_are_counted_exactly_with_time_axis_size_and_duration(fps, seed):
    t, a, _ = clip(fps, seed=seed)
    for t0, column, size, duration in JERKS:
        a[:, column] += pulse(t, t0, size, duration)
    result = detect_jerks(t, a)
    assert result.count == len(JERKS), [(e.t_s, e.axis, e.size_deg) for e in result.events]
    for event, (t0, column, size, duration) in zip(result.events, JERKS, strict=True):
        name, positive, negative = AXIS_WORDS[column]
        assert event.t_s == pytest.approx(t0, abs=0.1)
        assert event.axis == name
        assert event.direction == (positive if size > 0 else negative)
        assert event.size_deg == pytest.approx(size, abs=1.5)  # signed, as the axis convention
        assert event.duration_s == pytest.approx(duration, abs=0.1)
    assert result.rate_per_min == pytest.approx(60 * len(JERKS) / result.analysed_s)


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
@pytest.mark.parametrize(
    "movement",
    [
        "still",
        "slow-drift",
        "large-slow-drift",
        "tremor-2deg-4Hz",
        "tremor-3deg-3Hz",
        "tremor-2deg-8Hz",
        "range-of-motion",
        "brisk-turns",
    ],
)
def test_no_false_jerks(fps, movement):
    t, a, _ = clip(fps, 26.0, seed=3)
    if movement == "slow-drift":
        a[:, 2] += 2.0 * np.sin(2 * np.pi * 0.5 * t)
    elif movement == "large-slow-drift":
        a[:, 1] += 15.0 * np.sin(2 * np.pi * 0.1 * t)
    elif movement.startswith("tremor"):
        size, freq = (float(x) for x in movement[7:].replace("deg", "").replace("Hz", "").split("-"))
        a[:, 0] += size * np.sin(2 * np.pi * freq * t)
    elif movement == "range-of-motion":  # turning to 70° over 1.5 s and holding about a second
        a[:, 0] += raised_cosine_moves(
            t, [(0.5, 0), (2, 70), (3, 70), (4.5, 0), (5, 0), (6.5, -70), (7.5, -70), (9, 0)]
        )
        a[:, 1] += raised_cosine_moves(
            t, [(9, 0), (10.5, 45), (11.5, 45), (13, 0), (14, -45), (15, -45), (16.5, 0)]
        )
        a[:, 2] += raised_cosine_moves(
            t, [(17, 0), (18.5, 50), (19.5, 50), (21, 0), (22, -60), (23, -60), (24.5, 0)]
        )
    elif movement == "brisk-turns":  # 70° in 1 s, held, back
        a[:, 0] += raised_cosine_moves(
            t, [(1, 0), (2, 70), (3.5, 70), (4.5, 0), (6, 0), (7, -70), (8.5, -70), (9.5, 0)]
        )
    result = detect_jerks(t, a)
    assert result.count == 0, [(e.t_s, e.axis, e.size_deg, e.duration_s) for e in result.events]


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
@pytest.mark.parametrize(("size", "freq"), [(3.0, 3.0), (4.0, 8.0)])
def test_no_false_jerks_on_a_large_tremor_with_noisy_tracking(fps, size, freq):
    # each cycle plus noise can reach the size threshold; none stands out of its neighbours
    t, a, _ = clip(fps, 30.0, noise=0.5, seed=11)
    a[:, 0] += size * np.sin(2 * np.pi * freq * t)
    assert detect_jerks(t, a).count == 0


def test_a_jerk_on_a_tremor_and_during_a_held_turn_is_found():
    t, a, _ = clip(30.0, 12.0, seed=4)
    a[:, 0] += 2.0 * np.sin(2 * np.pi * 4.0 * t)
    a[:, 0] += pulse(t, 3.0, 8.0, 0.3)
    a[:, 1] += raised_cosine_moves(t, [(5, 0), (6.5, 40), (9.5, 40), (11, 0)])
    a[:, 1] += pulse(t, 8.0, -10.0, 0.3)
    result = detect_jerks(t, a)
    assert [(round(e.t_s, 1), e.axis) for e in result.events] == [(3.0, "rotation"), (8.0, "tilt")]


@pytest.mark.parametrize(
    ("size", "duration", "counted"),
    [(3.0, 0.3, False), (6.0, 0.3, True), (8.0, 1.2, False), (8.0, 0.5, True)],
    ids=["too-small", "smallest", "too-slow", "longest"],
)
def test_size_and_duration_thresholds(size, duration, counted):
    t, a, _ = clip(30.0, 10.0, seed=5)
    a[:, 2] += pulse(t, 5.0, size, duration)
    assert detect_jerks(t, a).count == int(counted)


def test_a_jerk_only_three_frames_long_is_still_found():
    # 0.12 s at 24 fps: the peak falls between frames; a spline through them keeps most of it
    found = 0
    for seed in range(15):
        t, a, _ = clip(24.0, 10.0, seed=seed)
        for t0 in (2.0, 5.0, 8.0):
            a[:, 0] += pulse(t, t0 + 0.02 * seed / 15, 6.0, 0.12)
        found += detect_jerks(t, a).count
    assert found >= 40  # of 45


def test_a_slow_excursion_is_not_a_jerk_even_when_short_enough():
    # only the speed criterion separates these: duration and baseline limits are opened wide
    t, a, _ = clip(30.0, 12.0, noise=0.05, seed=10)
    a[:, 0] += pulse(t, 6.0, 8.0, 1.6)  # peaks at 16°/s
    wide = MetricsConfig(jerk_max_duration_s=3.0, jerk_baseline_window_s=6.0, jerk_flank_s=1.0)
    assert detect_jerks(t, a, wide).count == 0
    assert detect_jerks(t, a, dataclasses.replace(wide, jerk_min_speed_deg_s=10.0)).count == 1


def test_one_jerk_seen_on_two_axes_counts_once_on_the_larger():
    t, a, _ = clip(30.0, 10.0, seed=6)
    a[:, 0] += pulse(t, 5.0, 12.0, 0.3)
    a[:, 1] += pulse(t, 5.02, 7.0, 0.3)
    result = detect_jerks(t, a)
    assert result.count == 1
    assert result.events[0].axis == "rotation"


def test_a_jerk_cut_by_a_long_gap_or_the_clip_edge_is_not_counted():
    t, a, _ = clip(30.0, 10.0, seed=7)
    a[:, 0] += pulse(t, 5.0, 10.0, 0.3) + pulse(t, 0.05, 10.0, 0.3) + pulse(t, 8.0, 10.0, 0.3)
    a[(t > 8.0) & (t < 8.6)] = np.nan  # the face is lost at the jerk's peak
    result = detect_jerks(t, a)
    assert [round(e.t_s, 1) for e in result.events] == [5.0]


def test_thresholds_come_from_the_config():
    t, a, _ = clip(30.0, 10.0, seed=8)
    a[:, 0] += pulse(t, 5.0, 7.0, 0.3)
    assert detect_jerks(t, a).count == 1
    assert detect_jerks(t, a, MetricsConfig(jerk_min_size_deg=9.0)).count == 0


def test_no_face_means_no_count_and_a_reason():
    t = np.arange(60) / 30.0
    result = detect_jerks(t, np.full((60, 3), np.nan))
    assert result.count is None
    assert "no tracked stretch" in result.reason
    assert result.to_dict()["rate_per_min"] is None


def test_to_dict_and_intervals():
    t, a, _ = clip(30.0, 10.0, seed=9)
    a[:, 2] += pulse(t, 4.0, -9.0, 0.3)
    result = detect_jerks(t, a)
    out = result.to_dict()
    json.dumps(out, allow_nan=False)
    assert out["count"] == 1
    assert set(out["events"][0]) == {"t_s", "axis", "size_deg", "direction", "duration_s", "peak_speed_deg_s"}
    assert out["events"][0]["direction"] == "up"
    ((start, end),) = result.intervals_s()
    assert start < 4.0 < end and end - start == pytest.approx(result.events[0].duration_s)
