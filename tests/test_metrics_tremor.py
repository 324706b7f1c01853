"""Head tremor on synthetic series: sine + noise + drift + gaps on jittered (variable-rate) timestamps."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posture.metrics.config import MetricsConfig
from posture.metrics.inputs import AXES
from posture.metrics.tremor import analyze_tremor, snr_threshold
from tests.synthetic import pulse, raised_cosine_moves

NOISE_DEG = 0.15  # face-mesh head-pose jitter of a still head (std)


def clip(fps=30.0, seconds=12.0, noise=NOISE_DEG, posture=(10.0, -5.0, 3.0), seed=0):
    """(t_s, angles, rng): a resting head with noise and a slow 0.2 Hz ±3° sway, jittered timestamps."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * fps))
    t = np.arange(n) / fps + rng.uniform(-0.2, 0.2, n) / fps
    angles = np.array(posture) + rng.normal(0.0, noise, (n, 3))
    angles[:, 0] += 3.0 * np.sin(2 * np.pi * 0.2 * t + rng.uniform(0, 2 * np.pi))
    return t, angles, rng


def sine(t, frequency_hz, amplitude_deg, rng):
    return amplitude_deg * np.sin(2 * np.pi * frequency_hz * t + rng.uniform(0, 2 * np.pi))


ACCURACY_CASES = (
    [(30.0, f, a) for f in (3.0, 4.5, 6.0, 8.0) for a in (0.5, 1.5, 3.0)]
    + [(60.0, f, a) for f in (3.0, 8.0, 10.0, 12.0) for a in (0.5, 3.0)]
    + [(24.0, f, a) for f in (2.5, 6.0) for a in (0.5, 2.0)]
)


@pytest.mark.parametrize(("fps", "frequency", "amplitude"), ACCURACY_CASES)
def test_tremor_frequency_and_amplitude(fps, frequency, amplitude):
    t, a, rng = clip(fps, seed=int(fps * frequency * amplitude))
    axis = int(rng.integers(3))
    a[:, axis] += sine(t, frequency, amplitude, rng)
    result = analyze_tremor(t, a)
    assert result.measured and result.present, result.reason
    assert result.axis == AXES[axis]
    assert result.frequency_hz == pytest.approx(frequency, abs=0.15)
    assert result.amplitude_deg == pytest.approx(amplitude, rel=0.25)
    assert result.per_axis[AXES[axis]].tremor
    assert 0.5 < result.regularity <= 1.0


def test_a_pure_sine_gives_its_own_amplitude():
    t = np.arange(0, 20, 1 / 30)
    a = np.zeros((t.size, 3))
    a[:, 2] = 1.0 * np.sin(2 * np.pi * 5.0 * t)
    result = analyze_tremor(t, a)
    assert result.amplitude_deg == pytest.approx(1.0, rel=0.03)
    assert result.regularity > 0.98
    assert result.per_axis["flexion"].band_power_deg2 == pytest.approx(0.5, rel=0.03)  # A² / 2


def test_tremor_through_gaps_and_a_changing_frame_rate():
    # 10 s at 30 fps then 10 s at 24 fps, with short and long face losses
    rng = np.random.default_rng(4)
    t = np.concatenate([np.arange(300) / 30.0, 10.0 + np.arange(240) / 24.0])
    t += rng.uniform(-0.005, 0.005, t.size)
    a = rng.normal(0, NOISE_DEG, (t.size, 3))
    a[:, 0] += 1.2 * np.sin(2 * np.pi * 4.0 * t)
    for start, length in ((40, 2), (150, 1), (200, 20), (420, 30)):
        a[start : start + length] = np.nan
    result = analyze_tremor(t, a)
    assert result.present
    assert (result.axis, result.frequency_hz) == ("rotation", pytest.approx(4.0, abs=0.15))
    assert result.amplitude_deg == pytest.approx(1.2, rel=0.25)
    assert result.analysed_s < result.tracked_s < 20.0  # the long gaps are not bridged


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
@pytest.mark.parametrize("seconds", [6.0, 15.0])
@pytest.mark.parametrize("noise", [0.1, 0.2])
def test_no_tremor_on_a_still_noisy_swaying_head(fps, seconds, noise):
    for seed in range(3):
        t, a, _ = clip(fps, seconds, noise, seed=seed)
        a[:, 2] += 2.0 * np.sin(2 * np.pi * 0.6 * t)  # a second, faster drift on another axis
        result = analyze_tremor(t, a)
        assert result.measured, result.reason
        assert not result.present, result.axes_with_tremor
        assert result.slow_oscillation is None
        assert "stood out" in result.reason


@pytest.mark.parametrize(("fps", "seconds"), [(30.0, 4.5), (24.0, 5.0)])
def test_no_tremor_on_the_shortest_clips_with_noisy_tracking(fps, seconds):
    # one or two windows only: the spectrum of noise is rough, the peak threshold must rise
    false = []
    for seed in range(40):
        t, a, _ = clip(fps, seconds, noise=0.5, seed=seed)
        result = analyze_tremor(t, a)
        assert result.measured
        if result.present or result.slow_oscillation is not None:
            false.append(seed)
    assert false == []


@pytest.mark.parametrize("sway_hz", [0.5, 0.7, 0.9])
def test_no_slow_oscillation_or_tremor_from_a_faster_sway(sway_hz):
    # drift just below 1 Hz: its spectral skirt must not be mistaken for a 1.5–2 Hz peak
    for seed in range(20):
        t, a, rng = clip((24.0, 30.0, 60.0)[seed % 3], 5.0, noise=0.1, seed=seed)
        a[:, 2] += sine(t, sway_hz * rng.uniform(0.95, 1.05), 3.0, rng)
        result = analyze_tremor(t, a)
        assert not result.present and result.slow_oscillation is None, seed


def test_renderer_style_variable_frame_rate_keeps_the_amplitude():
    # frame intervals wander between 25 and 42 ms: frames drift off any fixed grid, so the grid must
    # come from a spline through them (linear interpolation loses ~20 % of an 8 Hz amplitude)
    for seed in range(4):
        rng = np.random.default_rng(seed)
        intervals = np.clip(rng.normal(1000 / 30, 17 / 4, 600), 25, 42) / 1000
        t = np.concatenate([[0.0], np.cumsum(intervals)])
        t = t[t < 12.0]
        a = rng.normal(0, NOISE_DEG, (t.size, 3))
        a[:, 1] += 1.5 * np.sin(2 * np.pi * 8.0 * t + seed)
        result = analyze_tremor(t, a)
        assert result.frequency_hz == pytest.approx(8.0, abs=0.15)
        assert result.amplitude_deg == pytest.approx(1.5, rel=0.1)


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
def test_no_tremor_on_jerks_alone(fps):
    t, a, rng = clip(fps, 20.0, seed=5)
    for k, t0 in enumerate(np.arange(1.0, 19.5, 1.7)):
        a[:, k % 3] += pulse(t, t0, rng.choice([-1, 1]) * rng.uniform(6, 15), rng.uniform(0.15, 0.45))
    result = analyze_tremor(t, a)
    assert not result.present
    assert result.slow_oscillation is None


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
def test_no_tremor_on_range_of_motion_movements(fps):
    t, a, _ = clip(fps, 26.0, seed=6)
    a[:, 0] += raised_cosine_moves(
        t, [(0.5, 0), (2, 70), (3, 70), (4.5, 0), (5, 0), (6.5, -70), (7.5, -70), (9, 0)]
    )
    a[:, 1] += raised_cosine_moves(
        t, [(9, 0), (10.5, 45), (11.5, 45), (13, 0), (14, -45), (15, -45), (16.5, 0)]
    )
    a[:, 2] += raised_cosine_moves(
        t, [(17, 0), (18.5, 50), (19.5, 50), (21, 0), (22, -60), (23, -60), (24.5, 0)]
    )
    result = analyze_tremor(t, a)
    assert not result.present
    assert result.slow_oscillation is None
    assert result.excluded_s > 10.0  # the movements were left out, not analysed


def test_tremor_is_found_between_range_of_motion_movements_and_jerks():
    t, a, rng = clip(30.0, 30.0, seed=7)
    a[:, 2] += sine(t, 5.0, 1.0, rng)
    a[:, 0] += raised_cosine_moves(
        t, [(5, 0), (6.5, 70), (7.5, 70), (9, 0), (20, 0), (21.5, -70), (22.5, -70), (24, 0)]
    )
    for t0 in (3.0, 14.0, 27.0):
        a[:, 1] += pulse(t, t0, 10.0, 0.3)
    result = analyze_tremor(t, a)
    assert result.present and result.axis == "flexion"
    assert result.frequency_hz == pytest.approx(5.0, abs=0.15)
    assert result.amplitude_deg == pytest.approx(1.0, rel=0.25)


@pytest.mark.parametrize(
    ("fps", "frequency"),
    [(24.0, 11.0), (24.0, 13.0), (25.0, 11.5), (30.0, 13.5), (30.0, 16.0)],
    ids=["24fps-11Hz", "24fps-13Hz-aliased", "25fps-11.5Hz", "30fps-13.5Hz", "30fps-16Hz-aliased"],
)
def test_a_tremor_near_nyquist_is_refused_not_aliased(fps, frequency):
    t, a, rng = clip(fps, 15.0, seed=8)
    a[:, 0] += sine(t, frequency, 1.5, rng)
    result = analyze_tremor(t, a)
    assert result.measured and not result.present
    assert result.frequency_hz is None and result.amplitude_deg is None
    assert "Nyquist" in result.reason and f"{fps:.0f} fps" in result.reason
    assert result.band_hz[1] == pytest.approx(min(12.0, 0.8 * fps / 2), abs=0.1)


def test_24fps_says_which_band_was_covered():
    t, a, rng = clip(24.0, 15.0, seed=9)
    a[:, 0] += sine(t, 4.0, 1.0, rng)
    result = analyze_tremor(t, a)
    assert result.present
    assert result.band_hz == (2.0, pytest.approx(9.6, abs=0.1))
    assert any("2–9.6 Hz" in note for note in result.notes)


def test_two_tremors_report_the_stronger_and_list_both():
    t, a, rng = clip(30.0, 15.0, seed=10)
    a[:, 0] += sine(t, 5.0, 1.0, rng)
    a[:, 2] += sine(t, 3.0, 2.0, rng)
    result = analyze_tremor(t, a)
    assert (result.axis, result.frequency_hz) == ("flexion", pytest.approx(3.0, abs=0.15))
    listed = {p.axis: p for p in result.axes_with_tremor}
    assert set(listed) == {"flexion", "rotation"}
    assert listed["rotation"].frequency_hz == pytest.approx(5.0, abs=0.15)
    assert listed["rotation"].amplitude_deg == pytest.approx(1.0, rel=0.25)
    assert result.axes_with_tremor[0].axis == "flexion"  # strongest first


@pytest.mark.parametrize("frequency", [1.6, 1.7, 1.9])
def test_a_slow_oscillation_is_reported_not_dropped(frequency):
    t, a, rng = clip(30.0, 15.0, seed=11)
    a[:, 0] += sine(t, frequency, 1.5, rng)
    result = analyze_tremor(t, a)
    assert not result.present
    assert result.slow_oscillation is not None
    assert result.slow_oscillation.axis == "rotation"
    assert result.slow_oscillation.frequency_hz == pytest.approx(frequency, abs=0.15)
    assert "slow oscillation" in result.reason


def test_a_neighbouring_peak_on_the_same_axis_is_not_added_to_the_first():
    t, a, rng = clip(30.0, 20.0, seed=20)
    a[:, 0] += sine(t, 4.0, 1.5, rng) + sine(t, 4.9, 1.2, rng)  # 0.9 Hz apart, inside the widest area
    result = analyze_tremor(t, a)
    assert result.frequency_hz == pytest.approx(4.0, abs=0.15)
    assert result.amplitude_deg == pytest.approx(1.5, rel=0.1)


@pytest.mark.parametrize(("wander", "max_regularity"), [(0.1, 0.92), (0.2, 0.6)])
def test_an_irregular_tremor_is_less_regular(wander, max_regularity):
    t, a, _ = clip(30.0, 20.0, seed=12)
    regular = a.copy()
    regular[:, 0] += 1.5 * np.sin(2 * np.pi * 4.0 * t)
    frequency = 4.0 * (1 + wander * np.sin(2 * np.pi * 0.3 * t))  # the frequency wanders ±10 or ±20 %
    irregular = a.copy()
    irregular[:, 0] += 1.5 * np.sin(
        2 * np.pi * np.concatenate([[0.0], np.cumsum(frequency[1:] * np.diff(t))])
    )
    r_regular, r_irregular = analyze_tremor(t, regular), analyze_tremor(t, irregular)
    assert r_regular.regularity > 0.95
    assert r_irregular.present
    assert 4.0 * (1 - wander) <= r_irregular.frequency_hz <= 4.0 * (1 + wander)
    assert r_irregular.regularity < max_regularity
    if wander <= 0.1:  # a spread peak is integrated whole; a wider wander is underestimated (documented)
        assert r_irregular.amplitude_deg == pytest.approx(1.5, rel=0.25)


def test_a_tremor_below_the_amplitude_floor_is_not_reported():
    t, a, rng = clip(30.0, 15.0, noise=0.05, seed=13)
    a[:, 0] += sine(t, 5.0, 0.2, rng)
    result = analyze_tremor(t, a)
    assert not result.present
    assert result.per_axis["rotation"].peak.frequency_hz == pytest.approx(5.0, abs=0.15)  # seen, not counted
    assert analyze_tremor(t, a, MetricsConfig(tremor_min_amplitude_deg=0.1)).present


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda t, a: (t[:90], a[:90]), "clip is 3.0 s long"),
        (lambda t, a: (t[::3], a[::3]), "frame rate is 10 fps"),
        (lambda t, a: (t, np.where((np.arange(t.size) % 60 < 35)[:, None], np.nan, a)), "face was missing"),
    ],
    ids=["too-short", "frame-rate-too-low", "face-missing"],
)
def test_reasons_when_no_figure_can_be_given(make, phrase):
    t, a, rng = clip(30.0, 20.0, seed=14)
    a[:, 0] += sine(t, 5.0, 2.0, rng)
    result = analyze_tremor(*make(t, a))
    assert not result.measured and not result.present
    assert phrase in result.reason


def test_a_head_always_moving_on_purpose_has_no_rest_to_analyse():
    t, a, _ = clip(30.0, 20.0, seed=15)
    a[:, 0] += 40.0 * np.sin(2 * np.pi * 0.3 * t)  # turning left and right the whole time
    result = analyze_tremor(t, a)
    assert not result.measured
    assert "moving on purpose" in result.reason


def test_a_short_analysis_notes_its_resolution():
    t, a, rng = clip(30.0, 6.0, seed=16)
    a[:, 0] += sine(t, 5.0, 1.0, rng)
    result = analyze_tremor(t, a)
    assert result.present
    assert result.resolution_hz == 0.25
    assert any("0.1 Hz precision" in note for note in result.notes)


def test_fewer_windows_need_a_higher_peak():
    cfg = MetricsConfig()
    one, many = snr_threshold(1, 50, cfg), snr_threshold(5, 50, cfg)
    assert one > many >= cfg.tremor_snr_min


def test_to_dict_is_json_ready():
    t, a, rng = clip(30.0, 12.0, seed=17)
    a[:, 1] += sine(t, 6.0, 1.0, rng)
    out = analyze_tremor(t, a).to_dict()
    json.dumps(out, allow_nan=False)
    assert out["present"] is True and out["axis"] == "tilt"
    assert set(out["per_axis"]) == set(AXES)
    assert set(out["per_axis"]["tilt"]) == {
        "band_power_deg2",
        "peak_frequency_hz",
        "peak_amplitude_deg",
        "peak_snr",
        "tremor",
        "cross_talk",
    }
    assert out["axes_with_tremor"][0]["axis"] == "tilt"
    assert out["band_hz"] == [2.0, 12.0]


def test_a_small_peak_at_the_same_frequency_on_another_axis_is_cross_talk_not_a_second_tremor():
    # the pose fit leaks part of a rotation tremor into flexion at the same frequency
    t, a, rng = clip(30.0, 12.0, seed=21)
    a[:, 0] += 1.2 * np.sin(2 * np.pi * 4.0 * t)
    a[:, 2] += 0.45 * np.sin(2 * np.pi * 4.0 * t + 0.9)
    result = analyze_tremor(t, a)
    assert [p.axis for p in result.axes_with_tremor] == ["rotation"]
    assert [p.axis for p in result.cross_talk] == ["flexion"]
    assert result.per_axis["flexion"].cross_talk and not result.per_axis["flexion"].tremor
    assert any("cross-talk" in note for note in result.notes)


def test_a_second_tremor_as_large_as_half_the_first_is_still_listed():
    t, a, rng = clip(30.0, 12.0, seed=22)
    a[:, 0] += 1.2 * np.sin(2 * np.pi * 4.0 * t)
    a[:, 2] += 0.8 * np.sin(2 * np.pi * 4.0 * t + 0.9)
    result = analyze_tremor(t, a)
    assert [p.axis for p in result.axes_with_tremor] == ["rotation", "flexion"]
    assert result.cross_talk == ()


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
def test_the_spectrum_is_given_for_the_plots_small_and_with_its_peak(fps):
    t, a, rng = clip(fps, 12.0, seed=23)
    a[:, 1] += sine(t, 6.0, 1.0, rng)
    out = analyze_tremor(t, a).to_dict()
    spectrum = out["spectrum"]
    f = np.asarray(spectrum["frequency_hz"])
    assert set(spectrum["power"]) == set(AXES)
    assert 50 <= f.size <= 300 and all(len(v) == f.size for v in spectrum["power"].values())
    assert f[0] >= 1.0 and f[-1] == pytest.approx(min(12.0, fps / 2), abs=0.1)
    tilt = np.asarray(spectrum["power"]["tilt"])
    assert f[np.argmax(tilt)] == pytest.approx(out["frequency_hz"], abs=0.1)
    # deg²/Hz: the area under the peak is the sine's power A²/2
    lobe = (f > 5) & (f < 7)
    assert tilt[lobe].sum() * np.diff(f).mean() == pytest.approx(0.5, rel=0.2)


def test_no_spectrum_when_nothing_could_be_analysed():
    t = np.arange(60) / 30.0
    assert analyze_tremor(t, np.zeros((60, 3))).to_dict()["spectrum"] is None
