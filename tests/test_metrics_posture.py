"""Static posture: medians, words, TWSTRS-style bands, share of time deviated, time held within 10°."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posture.errors import InvalidInput
from posture.metrics.config import MetricsConfig
from posture.metrics.posture import (
    analyze_posture,
    band_from_edges,
    duration_band,
    hold_band,
    longest_within_s,
)


def held_posture(rotation=0.0, tilt=0.0, flexion=0.0, seconds=20.0, fps=30.0, noise=0.3, seed=0):
    """A head held at fixed angles with measurement noise, on jittered timestamps."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * fps))
    t = np.arange(n) / fps + rng.uniform(-0.2, 0.2, n) / fps
    angles = np.array([rotation, tilt, flexion]) + rng.normal(0, noise, (n, 3))
    return t, angles


@pytest.mark.parametrize(
    ("angles", "axis", "direction", "description"),
    [
        ((25, 0, 0), "rotation", "left", "rotated 25° to the left"),
        ((-40, 0, 0), "rotation", "right", "rotated 40° to the right"),
        ((0, 12, 0), "tilt", "left", "tilted 12° to the left"),
        ((0, -18, 0), "tilt", "right", "tilted 18° to the right"),
        ((0, 0, 15), "flexion", "flexion", "flexed 15° (chin down)"),
        ((0, 0, -20), "flexion", "extension", "extended 20° (chin up)"),
        ((2, 0, 0), "rotation", "neutral", "within 3° of neutral"),
        ((0, -2, 0), "tilt", "neutral", "within 3° of neutral"),
    ],
)
def test_direction_in_the_patients_words(angles, axis, direction, description):
    t, a = held_posture(*angles)
    result = getattr(analyze_posture(t, a), axis)
    assert result.median_deg == pytest.approx(angles[("rotation", "tilt", "flexion").index(axis)], abs=0.2)
    assert result.direction == direction
    assert result.description == description


def test_median_ignores_frames_without_a_face_and_outliers():
    t, a = held_posture(30, -10, 5)
    a[::7] = np.nan
    a[3, 0] = 170.0  # one wild frame
    result = analyze_posture(t, a)
    assert result.rotation.median_deg == pytest.approx(30, abs=0.2)
    assert result.face_frames_pct == pytest.approx(100 * (1 - 1 / 7), abs=0.5)


@pytest.mark.parametrize(
    ("rotation", "band"),
    [(0, 0), (2, 0), (10, 1), (22, 1), (23, 2), (45, 2), (46, 3), (67, 3), (68, 4), (85, 4)],
)
def test_rotation_band_follows_the_twstrs_anchors(rotation, band):
    t, a = held_posture(rotation=-rotation, noise=0.05)  # side does not matter
    result = analyze_posture(t, a).rotation
    assert result.band == band
    assert result.item == "torticollis"
    assert "TWSTRS-style band" in result.band_label and f"{rotation:.0f}°" in result.band_label


@pytest.mark.parametrize(("tilt", "band"), [(1, 0), (5, 1), (15, 1), (16, 2), (35, 2), (36, 3), (50, 3)])
def test_tilt_band_follows_the_twstrs_anchors(tilt, band):
    t, a = held_posture(tilt=tilt, noise=0.05)
    assert analyze_posture(t, a).tilt.band == band


@pytest.mark.parametrize(
    ("flexion", "band", "item"),
    [
        (10, 1, "anterocollis"),
        (25, 2, "anterocollis"),
        (40, 3, "anterocollis"),
        (-10, 1, "retrocollis"),
        (-30, 2, "retrocollis"),
        (-50, 3, "retrocollis"),
    ],
)
def test_flexion_bands_are_the_tools_own_and_say_so(flexion, band, item):
    t, a = held_posture(flexion=flexion, noise=0.05)
    result = analyze_posture(t, a).flexion
    assert (result.band, result.item) == (band, item)
    assert "tool's own" in result.band_label


def test_band_from_edges_is_inclusive_at_each_edge():
    assert [band_from_edges(v, (3.0, 22.5)) for v in (2.99, 3.0, 22.49, 22.5, -30)] == [0, 1, 1, 2, 2]


@pytest.mark.parametrize(
    ("share", "band"),
    [(0.0, 0), (1.5, 0), (10, 1), (24.9, 1), (25, 2), (49, 2), (50, 3), (74, 3), (75, 4), (100, 4)],
)
def test_duration_band(share, band):
    assert duration_band(share, none_below_pct=2.0) == band


@pytest.mark.parametrize("deviated_share", [0.1, 0.3, 0.6, 0.9])
def test_share_of_time_deviated(deviated_share):
    t, a = held_posture(seconds=30.0)
    a[t < 30.0 * deviated_share, 1] += 20.0  # tilted 20° for the first part of the clip
    result = analyze_posture(t, a)
    assert result.tilt.share_deviated_pct == pytest.approx(100 * deviated_share, abs=1.0)
    assert result.rotation.share_deviated_pct == 0.0
    assert result.deviated_any_axis_pct == pytest.approx(100 * deviated_share, abs=1.0)
    assert result.tilt.duration_band == duration_band(100 * deviated_share, 2.0)


def test_share_deviated_is_weighted_by_real_time_on_a_variable_frame_rate():
    # 10 s deviated filmed at 60 fps, then 10 s neutral at 15 fps: 50 % of the time, 80 % of the frames
    t = np.concatenate([np.arange(600) / 60.0, 10.0 + np.arange(150) / 15.0])
    a = np.zeros((t.size, 3))
    a[:600, 0] = 25.0
    result = analyze_posture(t, a)
    assert result.rotation.share_deviated_pct == pytest.approx(50.0, abs=1.0)


def test_time_within_10deg_on_a_known_pattern():
    fps = 30.0
    t = np.arange(int(60 * fps)) / fps
    a = np.zeros((t.size, 3))
    a[(t >= 10) & (t < 12), 0] = 20.0  # rotated
    a[(t >= 40) & (t < 41), 2] = -15.0  # extended
    a[(t >= 50) & (t < 53), 1] = 12.0  # tilted
    result = analyze_posture(t, a)
    # stretches: 0–10, 12–40 (28 s), 41–50, 53–60
    assert result.time_within_10deg_s == pytest.approx(28.0, abs=1 / fps)
    assert result.time_within_10deg_band == 3
    assert result.time_within_10deg_note is None  # a full minute was observed


def test_frames_without_a_face_break_a_stretch():
    fps = 30.0
    t = np.arange(int(60 * fps)) / fps
    a = np.zeros((t.size, 3))
    a[int(20 * fps)] = np.nan  # one lost frame at 20 s
    result = analyze_posture(t, a)
    assert result.time_within_10deg_s == pytest.approx(40.0, abs=1 / fps)
    assert result.time_within_10deg_band == 2


def test_holes_in_the_timestamps_break_a_stretch():
    t = np.concatenate([np.arange(0, 20, 1 / 30), np.arange(22, 30, 1 / 30)])  # 2 s never delivered
    assert longest_within_s(t, np.zeros((t.size, 3)), 10.0, max_interval_s=0.5) == pytest.approx(
        20.0, abs=0.3
    )


def test_a_whole_minute_held_within_10deg_is_band_0():
    t, a = held_posture(5, -4, 3, seconds=60.0)
    result = analyze_posture(t, a)
    assert result.time_within_10deg_s == pytest.approx(60.0, abs=0.05)
    assert result.time_within_10deg_band == 0
    assert result.time_within_10deg_note is None


def test_a_short_clip_gets_a_note_on_the_hold_band():
    t, a = held_posture(seconds=20.0)
    result = analyze_posture(t, a)
    assert result.time_within_10deg_s == pytest.approx(20.0, abs=0.05)
    assert result.time_within_10deg_band == 3
    assert "shorter than the 60 s" in result.time_within_10deg_note


@pytest.mark.parametrize(
    ("held", "band"),
    [(60, 0), (59.6, 0), (59.4, 1), (46, 1), (45, 2), (31, 2), (30, 3), (16, 3), (15, 4), (0, 4)],
)
def test_hold_band(held, band):
    assert hold_band(held) == band


def test_no_face_at_all_says_why():
    t = np.arange(100) / 30.0
    result = analyze_posture(t, np.full((100, 3), np.nan))
    assert not result.available
    assert "no face" in result.reason
    assert result.rotation is None
    out = result.to_dict()
    assert out["time_within_10deg_s"] is None  # NaN -> None
    json.dumps(out, allow_nan=False)


def test_to_dict_is_json_ready():
    t, a = held_posture(25, 12, -25)
    out = analyze_posture(t, a).to_dict()
    text = json.dumps(out, allow_nan=False, ensure_ascii=False)
    assert "rotated 25° to the left" in text
    assert set(out["rotation"]) >= {
        "median_deg",
        "direction",
        "description",
        "band",
        "band_label",
        "share_deviated_pct",
        "duration_band",
    }
    assert out["tilt"]["band"] == 1 and out["flexion"]["band"] == 2


def test_config_thresholds_are_used():
    t, a = held_posture(rotation=4.0)
    assert analyze_posture(t, a).rotation.direction == "left"
    assert analyze_posture(t, a, MetricsConfig(neutral_deg=5.0)).rotation.direction == "neutral"


def test_malformed_angles_are_refused():
    with pytest.raises(InvalidInput):
        analyze_posture(np.arange(10.0), np.zeros((10, 2)))


@pytest.mark.parametrize(("rotation", "noted"), [(-60.0, True), (50.0, True), (40.0, False), (0.0, False)])
def test_a_head_turned_past_45deg_gets_a_caution_on_tilt_and_flexion(rotation, noted):
    t, a = held_posture(rotation, 4, -3)
    note = analyze_posture(t, a).large_turn_note
    assert (note is not None) == noted
    if noted:
        assert f"turned {abs(rotation):.0f}°" in note and "tilt and flexion" in note
    assert analyze_posture(t, a, MetricsConfig(large_turn_deg=70.0)).large_turn_note is None


def test_the_large_turn_caution_is_shown_on_the_tilt_and_flexion_cards():
    from posture.ui.cards import posture_card

    t, a = held_posture(-55, 5, 0)
    section = analyze_posture(t, a).to_dict()
    result = {"posture": section}
    assert posture_card(result, "tilt").notes == (section["large_turn_note"],)
    assert posture_card(result, "flexion").notes == (section["large_turn_note"],)
    assert posture_card(result, "rotation").notes == ()  # the turn itself is followed past 45°
