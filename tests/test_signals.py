"""Uniform time grid, gap handling and filters on synthetic series with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from posture.errors import InvalidInput
from posture.pipeline.signals import (
    Segment,
    check_times,
    dilate,
    frame_durations_s,
    frame_rate_hz,
    intervals_to_mask,
    lowpass,
    parabolic_peak,
    resample_uniform,
    rolling_median,
    true_runs,
    valid_rows,
)


def jittered_times(fps: float, seconds: float, jitter: float = 0.2, seed: int = 0) -> np.ndarray:
    """Frame times of a variable-frame-rate clip: nominal i / fps moved by up to ±jitter frames."""
    n = int(round(seconds * fps))
    rng = np.random.default_rng(seed)
    return np.arange(n) / fps + rng.uniform(-jitter, jitter, n) / fps


@pytest.mark.parametrize("fps", [24.0, 25.0, 30.0, 60.0])
@pytest.mark.parametrize("jitter", [0.0, 0.2])
def test_frame_rate_is_measured_from_timestamps(fps, jitter):
    t = jittered_times(fps, 10.0, jitter) + 3.7  # a start offset must not matter
    assert frame_rate_hz(t) == pytest.approx(fps, rel=0.02)


def test_frame_rate_ignores_an_occasional_dropped_frame():
    t = np.delete(np.arange(300) / 30.0, [50, 51, 120, 200])
    assert frame_rate_hz(t) == pytest.approx(30.0, rel=1e-6)


def test_frame_rate_of_a_single_frame_is_nan():
    assert np.isnan(frame_rate_hz(np.array([0.0])))


@pytest.mark.parametrize(
    "t_s",
    [
        np.array([0.0, 0.1, 0.1, 0.2]),
        np.array([0.0, 0.2, 0.1]),
        np.array([0.0, np.nan, 0.2]),
        np.zeros((2, 2)),
    ],
    ids=["duplicate", "decreasing", "nan", "2-D"],
)
def test_bad_timestamps_are_refused(t_s):
    with pytest.raises(InvalidInput):
        check_times(t_s)


def test_valid_rows_needs_every_column():
    values = np.array([[1.0, 2.0], [np.nan, 2.0], [1.0, np.inf], [0.0, 0.0]])
    assert valid_rows(values).tolist() == [True, False, False, True]


@pytest.mark.parametrize(
    ("mask", "runs"),
    [
        ([], []),
        ([0, 0], []),
        ([1, 1, 1], [[0, 3]]),
        ([1, 0, 1, 1, 0], [[0, 1], [2, 4]]),
        ([0, 1, 1, 0, 0, 1], [[1, 3], [5, 6]]),
    ],
)
def test_true_runs(mask, runs):
    assert true_runs(np.array(mask, dtype=bool)).tolist() == runs


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
def test_resample_puts_a_jittered_series_on_a_uniform_grid(fps):
    t = jittered_times(fps, 5.0, 0.3, seed=1)
    values = np.column_stack([np.sin(2 * np.pi * 0.5 * t), 3.0 * t])
    (seg,) = resample_uniform(t, values, fps, max_gap_s=0.1)
    steps = np.diff(seg.t_s)
    assert steps == pytest.approx(np.full(steps.size, 1.0 / fps), abs=1e-9)
    assert seg.fs_hz == pytest.approx(fps)
    # no extrapolation: the grid stays inside the first and last frame
    assert t[0] <= seg.t_s[0] < t[0] + 1.0 / fps + 1e-9
    assert t[-1] - 1.0 / fps - 1e-9 < seg.t_s[-1] <= t[-1]
    # a linear function is reproduced exactly, a slow sine closely
    assert seg.values[:, 1] == pytest.approx(3.0 * seg.t_s, abs=1e-9)
    assert seg.values[:, 0] == pytest.approx(np.sin(2 * np.pi * 0.5 * seg.t_s), abs=0.01)


@pytest.mark.parametrize(
    ("gap_frames", "n_segments"),
    [(1, 1), (2, 1), (3, 2), (15, 2)],
    ids=["1-frame", "2-frames", "3-frames", "half-second"],
)
def test_short_gaps_are_bridged_and_long_gaps_split(gap_frames, n_segments):
    fps = 30.0
    t = np.arange(150) / fps
    values = 2.0 * t
    values[60 : 60 + gap_frames] = np.nan
    # bridged when the two valid frames around the gap are <= 0.1 s apart: up to 2 missing frames
    segments = resample_uniform(t, values, fps, max_gap_s=0.1)
    assert len(segments) == n_segments
    for seg in segments:
        assert np.isfinite(seg.values).all()
        assert seg.values == pytest.approx(2.0 * seg.t_s, abs=1e-9)  # bridged linearly
    if n_segments == 2:
        assert segments[0].t_s[-1] == pytest.approx(t[59])
        assert segments[1].t_s[0] == pytest.approx(t[60 + gap_frames])


def test_a_hole_in_the_timestamps_splits_like_missing_frames():
    t = np.concatenate([np.arange(60), np.arange(90, 150)]) / 30.0  # 1 s of frames never delivered
    segments = resample_uniform(t, np.ones(t.size), 30.0, max_gap_s=0.25)
    assert [len(s.t_s) for s in segments] == [60, 60]


def test_segments_share_one_lattice_and_unpack_as_pairs():
    t = jittered_times(30.0, 6.0, 0.3, seed=2)
    values = np.sin(t)
    values[80:100] = np.nan
    segments = resample_uniform(t, values, 30.0, max_gap_s=0.1)
    assert len(segments) == 2
    t0 = t[0]
    for t_grid, values_grid in segments:  # plain (t_grid, values_grid) pairs
        k = (t_grid - t0) * 30.0
        assert k == pytest.approx(np.round(k), abs=1e-6)
        assert values_grid.ndim == 1  # a 1-D input gives 1-D segments
    assert isinstance(segments[0], Segment)
    assert segments[0].duration_s == pytest.approx(segments[0].t_s[-1] - segments[0].t_s[0])


def test_lone_frames_and_all_nan_series_give_no_segment():
    t = np.arange(100) / 30.0
    values = np.full(100, np.nan)
    assert resample_uniform(t, values, 30.0, 0.1) == []
    values[50] = 1.0  # a lone valid frame between two long gaps
    assert resample_uniform(t, values, 30.0, 0.1) == []


def test_cubic_resampling_keeps_the_amplitude_of_a_fast_oscillation():
    fps, f = 30.0, 8.0
    t = jittered_times(fps, 10.0, 0.3, seed=3)
    (linear,) = resample_uniform(t, np.sin(2 * np.pi * f * t), fps, 0.1, kind="linear")
    (cubic,) = resample_uniform(t, np.sin(2 * np.pi * f * t), fps, 0.1, kind="cubic")
    truth = np.sin(2 * np.pi * f * cubic.t_s)
    assert np.sqrt(2) * np.std(cubic.values) == pytest.approx(1.0, abs=0.05)
    assert np.abs(cubic.values - truth).max() < np.abs(linear.values - truth).max()


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(fs_hz=0.0),
        dict(fs_hz=np.nan),
        dict(max_gap_s=-1.0),
        dict(kind="nearest"),
        dict(values=np.ones(5)),
    ],
    ids=["zero-rate", "nan-rate", "negative-gap", "unknown-kind", "wrong-length"],
)
def test_resample_refuses_bad_parameters(kwargs):
    args = dict(t_s=np.arange(10) / 30.0, values=np.ones(10), fs_hz=30.0, max_gap_s=0.1) | kwargs
    with pytest.raises(InvalidInput):
        resample_uniform(**args)


def test_frame_durations_sum_to_the_clip_and_cap_holes():
    t = np.arange(300) / 30.0
    assert frame_durations_s(t, 0.5).sum() == pytest.approx(10.0)
    holed = np.concatenate([t[:150], t[150:] + 5.0])  # 5 s of frames never delivered
    d = frame_durations_s(holed, 0.5)
    assert d.sum() == pytest.approx(10.0 - 1 / 30 + 0.5)  # the hole counts as 0.5 s, not 5 s
    assert frame_durations_s(np.array([1.0]), 0.5).tolist() == [0.0]


def test_lowpass_keeps_sway_and_removes_tremor():
    fs = 30.0
    t = np.arange(0, 20, 1 / fs)
    sway, tremor = 3 * np.sin(2 * np.pi * 0.2 * t), np.sin(2 * np.pi * 5 * t)
    out = lowpass(np.column_stack([sway + tremor, sway]), fs, cutoff_hz=1.0)
    assert out.shape == (t.size, 2)
    inner = slice(60, -60)
    assert out[inner, 0] == pytest.approx(sway[inner], abs=0.05)
    assert out[:, 1] == pytest.approx(sway, abs=0.02)  # a sloping end neither jumps nor lags
    assert np.abs(out[:, 0] - sway).max() <= np.abs(tremor[[0, -1]]).max() + 0.05  # the documented leak


def test_rolling_median_follows_a_ramp_and_ignores_a_short_bump():
    x = np.concatenate([np.zeros(30), np.linspace(0, 70, 45), np.full(60, 70.0)])
    assert rolling_median(x, 45) == pytest.approx(x)
    bumped = np.zeros(100)
    bumped[40:50] = 10.0
    assert rolling_median(bumped, 45) == pytest.approx(np.zeros(100))
    assert rolling_median(np.column_stack([x, x]), 45).shape == (x.size, 2)


def test_parabolic_peak_finds_the_vertex():
    x = np.arange(10, dtype=float)
    y = 5.0 - (x - 4.3) ** 2
    offset, height = parabolic_peak(y, 4)
    assert offset == pytest.approx(0.3)
    assert height == pytest.approx(5.0)
    assert parabolic_peak(y, 0) == (0.0, y[0])  # at an end: the sample itself


def test_intervals_to_mask_and_dilate():
    t = np.arange(10) * 0.1
    mask = intervals_to_mask(t, np.array([[0.2, 0.3]]), margin_s=0.1)
    assert np.flatnonzero(mask).tolist() == [1, 2, 3, 4]
    assert not intervals_to_mask(t, np.zeros((0, 2))).any()
    assert np.flatnonzero(dilate(np.eye(1, 10, 5, dtype=bool)[0], 2)).tolist() == [3, 4, 5, 6, 7]
