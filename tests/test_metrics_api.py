"""compute_metrics: the six JSON sections, the config, and bad input."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from posture.errors import InvalidInput
from posture.metrics import BodyLandmarks, Metrics, MetricsConfig, compute_metrics
from posture.metrics.serialize import json_ready

SECTIONS = ["posture", "tremor", "jerks", "range_of_motion", "shoulders", "shift"]


def session(seconds=30.0, fps=30.0, seed=0):
    """A torticollis patient at rest: rotated 30° left, 4 Hz 1° tremor, two flexion jerks, a face gap."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * fps))
    t = np.arange(n) / fps + rng.uniform(-0.2, 0.2, n) / fps
    a = np.array([30.0, 0.0, 0.0]) + rng.normal(0, 0.15, (n, 3))
    a[:, 0] += 1.0 * np.sin(2 * np.pi * 4.0 * t)
    for t0 in (8.0, 21.0):
        u = (t - t0) / 0.3 + 0.5
        a[:, 2] += np.where((u > 0) & (u < 1), 9.0 * 0.5 * (1 - np.cos(2 * np.pi * np.clip(u, 0, 1))), 0.0)
    a[300:310] = np.nan
    return t, a


def body_for(n):
    rows = np.ones((n, 1))
    return BodyLandmarks(
        left_shoulder_px=rows * [464.0, 376.0],  # left shoulder 2 cm higher at 8 px/cm
        right_shoulder_px=rows * [176.0, 392.0],
        left_shoulder_visibility=np.full(n, 0.9),
        right_shoulder_visibility=np.full(n, 0.9),
        left_eye_px=rows * [320.0 + 25.2 * np.cos(np.radians(30)) + 36.0, 180.0],
        right_eye_px=rows * [320.0 - 25.2 * np.cos(np.radians(30)) + 36.0, 180.0],
        image_size_px=(640, 480),
    )


def test_all_sections_measured_and_json_ready():
    t, a = session()
    metrics = compute_metrics(t, a, body_for(t.size))
    assert isinstance(metrics, Metrics)
    out = metrics.to_dict()
    assert list(out) == SECTIONS
    text = json.dumps(out, allow_nan=False, ensure_ascii=False)
    assert json.loads(text) == out
    assert out["posture"]["rotation"]["description"] == "rotated 30° to the left"
    assert out["tremor"]["present"] and out["tremor"]["axis"] == "rotation"
    assert out["tremor"]["frequency_hz"] == pytest.approx(4.0, abs=0.15)
    assert out["jerks"]["count"] == 2
    # the head rests at 30° with a tremor and jerks: no range-of-motion movement, so none is reported
    assert out["range_of_motion"]["measured"] is False
    assert out["range_of_motion"]["rotation_left_deg"] is None
    assert out["range_of_motion"]["resting_deg"]["rotation"] == pytest.approx(30.0, abs=1.0)
    assert out["shoulders"]["higher"] == "left" and out["shoulders"]["elevation_cm"] == pytest.approx(
        2.0, abs=0.2
    )
    # eyes 36 px = 4.5 cm toward the patient's left, all of it explained by the 30° turn (9 cm · sin 30°)
    assert out["shift"]["lateral_cm"] == pytest.approx(0.0, abs=0.3)


def test_without_body_landmarks_the_body_sections_say_why():
    t, a = session()
    out = compute_metrics(t, a).to_dict()
    for name in ("shoulders", "shift"):
        assert out[name]["available"] is False
        assert "no body landmarks" in out[name]["reason"]


def test_no_face_at_all_gives_reasons_not_exceptions():
    t = np.arange(300) / 30.0
    out = compute_metrics(t, np.full((300, 3), np.nan)).to_dict()
    json.dumps(out, allow_nan=False)
    assert out["posture"]["available"] is False
    assert out["tremor"]["measured"] is False and out["tremor"]["reason"]
    assert out["jerks"]["count"] is None and out["jerks"]["reason"]
    assert out["range_of_motion"]["reason"]


@pytest.mark.parametrize("n_frames", [0, 1, 2])
def test_empty_and_tiny_clips_give_reasons_not_exceptions(n_frames):
    out = compute_metrics(np.arange(n_frames) / 30.0, np.zeros((n_frames, 3))).to_dict()
    json.dumps(out, allow_nan=False)
    assert out["tremor"]["measured"] is False
    assert out["range_of_motion"]["reason"]


def test_the_config_reaches_every_section():
    t, a = session()
    strict = dataclasses.replace(
        MetricsConfig(), jerk_min_size_deg=12.0, tremor_min_amplitude_deg=2.0, neutral_deg=40.0
    )
    out = compute_metrics(t, a, config=strict).to_dict()
    assert out["jerks"]["count"] == 0
    assert out["tremor"]["present"] is False
    assert out["posture"]["rotation"]["direction"] == "neutral"


def test_config_is_frozen_and_serialisable():
    cfg = MetricsConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.neutral_deg = 5.0  # type: ignore[misc]
    out = cfg.to_dict()
    json.dumps(out, allow_nan=False)
    assert out["tremor_band_hz"] == [2.0, 12.0]
    assert out["deviation_deg"] == 10.0


@pytest.mark.parametrize(
    ("t_s", "angles"),
    [
        (np.arange(10.0), np.zeros((10, 2))),
        (np.arange(10.0), np.zeros((9, 3))),
        (np.arange(10.0)[::-1], np.zeros((10, 3))),
        (np.zeros((10, 1)), np.zeros((10, 3))),
    ],
    ids=["two-columns", "wrong-length", "decreasing-times", "2-D-times"],
)
def test_malformed_input_is_refused(t_s, angles):
    with pytest.raises(InvalidInput):
        compute_metrics(t_s, angles)


def test_json_ready_turns_numpy_and_nan_into_plain_types():
    value = {
        "a": np.float32(1.5),
        "b": np.nan,
        "c": (np.int64(2), np.bool_(True)),
        "d": np.array([1.0, np.inf]),
    }
    assert json_ready(value) == {"a": 1.5, "b": None, "c": [2, True], "d": [1.0, None]}
