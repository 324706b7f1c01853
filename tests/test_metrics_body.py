"""Shoulders and lateral shift on a synthetic image geometry with a known answer in centimetres."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posture.errors import InvalidInput
from posture.metrics.body import BodyLandmarks, analyze_body, shoulder_coverage

IMAGE = (640, 480)
PX_PER_CM = 8.0


def scene(
    seconds=5.0,
    fps=30.0,
    lift_cm=(0.0, 0.0),
    shift_cm=0.0,
    rotation=0.0,
    tilt=0.0,
    lean_deg=0.0,
    trunk_turn_deg=None,
    width_cm=36.0,
    mirrored=False,
    stride=6,
    noise_px=0.5,
    seed=0,
):
    """(t_s, angles, BodyLandmarks) of a patient facing the camera.

    lift_cm: (left, right) shoulder raised. shift_cm: head moved toward the patient's left. The eyes sit
    25 cm above the shoulder line; turning the head moves them sideways by 9·sin(rotation) cm and tilting
    by 10·sin(tilt) cm (the documented pivot). lean_deg: shoulder line rotated, + = left shoulder lower.
    trunk_turn_deg: trunk turned toward the patient's left (landmark depth given), or None (no depth).
    The pose model runs on every ``stride``-th frame only, as in the pipeline.
    """
    rng = np.random.default_rng(seed)
    n = int(round(seconds * fps))
    t = np.arange(n) / fps
    angles = np.tile([rotation, tilt, 0.0], (n, 1)) + rng.normal(0, 0.2, (n, 3))
    mid = np.array([320.0, 380.0])
    turn = np.radians(trunk_turn_deg or 0.0)
    half = 0.5 * width_cm * np.cos(turn)
    lean = np.radians(lean_deg)
    rot_lean = np.array([[np.cos(lean), -np.sin(lean)], [np.sin(lean), np.cos(lean)]])
    # patient's left = image right (+x); image y grows downward
    left = mid + PX_PER_CM * (rot_lean @ [half, 0.0] + [0.0, -lift_cm[0]])
    right = mid + PX_PER_CM * (rot_lean @ [-half, 0.0] + [0.0, -lift_cm[1]])
    travel = 9.0 * np.sin(np.radians(rotation)) + 10.0 * np.sin(np.radians(tilt))
    eyes = mid + PX_PER_CM * np.array([shift_cm + travel, -25.0])
    eye_half = 0.5 * 6.3 * np.cos(np.radians(rotation)) * PX_PER_CM
    roll = np.radians(tilt)  # + tilt: the left eye lower
    left_eye = eyes + eye_half * np.array([np.cos(roll), np.sin(roll)])
    right_eye = eyes - eye_half * np.array([np.cos(roll), np.sin(roll)])

    def track(p):
        return np.tile(p, (n, 1)) + rng.normal(0, noise_px, (n, 2))

    pts = [track(p) for p in (left, right, left_eye, right_eye)]
    if mirrored:
        for p in pts:
            p[:, 0] = IMAGE[0] - p[:, 0]
    ran = np.arange(n) % stride == 0
    for p in pts[:2]:
        p[~ran] = np.nan
    visibility = np.where(ran, 0.95, np.nan)
    depth = None
    if trunk_turn_deg is not None:
        d = 0.5 * width_cm * np.sin(turn) * PX_PER_CM  # left shoulder farther when turned to the left
        depth = (np.where(ran, 1000.0 + d, np.nan), np.where(ran, 1000.0 - d, np.nan))
    body = BodyLandmarks(
        left_shoulder_px=pts[0],
        right_shoulder_px=pts[1],
        left_shoulder_visibility=visibility,
        right_shoulder_visibility=visibility.copy(),
        left_eye_px=pts[2],
        right_eye_px=pts[3],
        image_size_px=IMAGE,
        left_shoulder_depth_px=None if depth is None else depth[0],
        right_shoulder_depth_px=None if depth is None else depth[1],
    )
    return t, angles, body


@pytest.mark.parametrize("mirrored", [False, True], ids=["camera", "mirrored"])
@pytest.mark.parametrize(
    ("lift_cm", "higher", "elevation"),
    [
        ((2.5, 0.0), "left", 2.5),
        ((0.0, 3.0), "right", 3.0),
        ((4.0, 1.0), "left", 3.0),
        ((0.6, 0.0), "level", 0.6),
    ],
)
def test_which_shoulder_is_higher_and_by_how_much(lift_cm, higher, elevation, mirrored):
    shoulders, _ = analyze_body(*scene(lift_cm=lift_cm, mirrored=mirrored))
    assert shoulders.available and shoulders.reason is None
    assert shoulders.higher == higher
    assert shoulders.elevation_cm == pytest.approx(elevation, abs=0.25)
    assert shoulders.description.startswith("level" if higher == "level" else f"{higher} shoulder higher by")
    # a raised left shoulder makes the shoulder line slope with the right shoulder lower (negative)
    assert np.sign(shoulders.shoulder_line_deg) == np.sign(lift_cm[1] - lift_cm[0])


@pytest.mark.parametrize("rotation", [0.0, 30.0, -40.0])
def test_the_ipd_scale_is_corrected_for_head_rotation(rotation):
    shoulders, _ = analyze_body(*scene(rotation=rotation, lift_cm=(2.0, 0.0)))
    assert shoulders.cm_per_px == pytest.approx(1 / PX_PER_CM, rel=0.03)
    assert shoulders.shoulder_width_cm == pytest.approx(36.0, rel=0.03)
    assert shoulders.elevation_cm == pytest.approx(2.0, abs=0.25)
    assert "6.3 cm" in shoulders.scale_reference


@pytest.mark.parametrize("mirrored", [False, True], ids=["camera", "mirrored"])
@pytest.mark.parametrize(
    ("shift_cm", "direction", "present"),
    [(4.0, "left", True), (-3.5, "right", True), (0.0, "none", False), (2.0, "none", False)],
)
def test_lateral_shift_toward_the_patients_side(shift_cm, direction, present, mirrored):
    _, shift = analyze_body(*scene(shift_cm=shift_cm, mirrored=mirrored))
    assert shift.available
    assert shift.lateral_cm == pytest.approx(shift_cm, abs=0.3)
    assert (shift.direction, shift.present) == (direction, present)
    assert shift.sagittal_cm is None and "side" in shift.sagittal_reason


@pytest.mark.parametrize(("rotation", "tilt"), [(30.0, 0.0), (-45.0, 0.0), (0.0, 15.0), (0.0, -20.0)])
def test_turning_or_tilting_the_head_is_not_a_shift(rotation, tilt):
    _, shift = analyze_body(*scene(rotation=rotation, tilt=tilt))
    assert shift.lateral_cm == pytest.approx(0.0, abs=0.4)
    assert not shift.present
    _, shifted = analyze_body(*scene(rotation=rotation, tilt=tilt, shift_cm=3.0))
    assert shifted.lateral_cm == pytest.approx(3.0, abs=0.4)


def test_a_leaning_trunk_is_warned_and_the_head_is_measured_against_it():
    shoulders, _ = analyze_body(*scene(lean_deg=8.0, tilt=8.0))
    assert shoulders.shoulder_line_deg == pytest.approx(8.0, abs=0.5)
    assert shoulders.head_tilt_relative_deg == pytest.approx(0.0, abs=0.5)
    assert any("slopes 8°" in w and "left shoulder lower" in w for w in shoulders.warnings)
    level, _ = analyze_body(*scene(lean_deg=2.0))
    assert level.warnings == ()


def test_landmark_depth_is_not_used_for_trunk_rotation():
    # the pose model's z from a frontal camera read tens of degrees on square trunks: never reported
    shoulders, _ = analyze_body(*scene(trunk_turn_deg=20.0, rotation=30.0))
    assert shoulders.trunk_rotation_deg is None and shoulders.head_rotation_relative_deg is None
    assert "not measured" in shoulders.trunk_rotation_reason
    assert not any("trunk is turned" in w for w in shoulders.warnings)
    json.dumps(shoulders.to_dict(), allow_nan=False)


@pytest.mark.parametrize(("width", "warned"), [(20.0, True), (30.0, False)])
def test_narrow_shoulders_warn_of_a_turned_trunk(width, warned):
    shoulders, _ = analyze_body(*scene(width_cm=width))
    assert any("narrow" in w for w in shoulders.warnings) == warned


@pytest.mark.parametrize(
    ("rotation", "lift", "uncertain"), [(0.0, 2.0, False), (25.0, 2.0, True), (25.0, 0.5, False)]
)
def test_a_small_elevation_with_the_head_turned_is_flagged_uncertain(rotation, lift, uncertain):
    shoulders, _ = analyze_body(*scene(rotation=rotation, lift_cm=(lift, 0.0)))
    assert any("uncertain" in w for w in shoulders.warnings) == uncertain


def hide_shoulders(t, angles, body, share_hidden=0.8):
    vis = body.left_shoulder_visibility.copy()
    vis[t < t[-1] * share_hidden] = 0.1
    return t, angles, BodyLandmarks(**{**body.__dict__, "left_shoulder_visibility": vis})


def off_image(t, angles, body):
    left = body.left_shoulder_px + [400.0, 0.0]  # outside the 640 px wide image
    return t, angles, BodyLandmarks(**{**body.__dict__, "left_shoulder_px": left})


def all_nan(t, angles, body):
    nan2 = np.full_like(body.left_shoulder_px, np.nan)
    return t, angles, BodyLandmarks(**{**body.__dict__, "left_shoulder_px": nan2, "right_shoulder_px": nan2})


@pytest.mark.parametrize(
    "hide", [hide_shoulders, off_image, all_nan], ids=["low-visibility", "off-image", "not-detected"]
)
def test_shoulders_out_of_view_say_so_instead_of_guessing(hide):
    shoulders, shift = analyze_body(*hide(*scene(lift_cm=(3.0, 0.0))))
    assert not shoulders.available and not shift.available
    assert "shoulders were in view in only" in shoulders.reason
    assert shoulders.elevation_cm is None and shift.lateral_cm is None
    json.dumps(shoulders.to_dict(), allow_nan=False)


def test_no_body_landmarks_at_all():
    t, angles, _ = scene()
    shoulders, shift = analyze_body(t, angles, None)
    assert not shoulders.available and "no body landmarks" in shoulders.reason
    assert not shift.available


def test_without_eyes_there_are_no_centimetres():
    t, angles, body = scene(lift_cm=(3.0, 0.0))
    nan2 = np.full_like(body.left_eye_px, np.nan)
    shoulders, shift = analyze_body(t, angles, BodyLandmarks(**{**body.__dict__, "left_eye_px": nan2}))
    assert shoulders.available and "no centimetre scale" in shoulders.reason
    assert shoulders.elevation_cm is None
    assert shoulders.shoulder_line_deg < -3.0  # the angle is still measured
    assert not shift.available


def test_shoulder_coverage_counts_time_not_frames():
    t = np.arange(300) / 30.0
    assert shoulder_coverage(t, np.arange(300) % 6 == 0, 1.0) == 1.0
    assert shoulder_coverage(t, t < 4.0, 1.0) == pytest.approx(0.4)


def test_to_dict_is_json_ready():
    shoulders, shift = analyze_body(*scene(lift_cm=(0.0, 2.0), shift_cm=-3.0))
    for section in (shoulders.to_dict(), shift.to_dict()):
        json.dumps(section, allow_nan=False, ensure_ascii=False)
    assert shoulders.to_dict()["higher"] == "right"
    assert shift.to_dict()["sagittal_cm"] is None


def test_malformed_landmarks_are_refused():
    t, angles, body = scene()
    with pytest.raises(InvalidInput):
        analyze_body(t, angles, BodyLandmarks(**{**body.__dict__, "left_eye_px": body.left_eye_px[:, :1]}))
    with pytest.raises(InvalidInput):
        analyze_body(t, angles, BodyLandmarks(**{**body.__dict__, "image_size_px": (0, 480)}))


def with_contour(body: BodyLandmarks, left_top_y, right_top_y, span_px=240.0) -> BodyLandmarks:
    """``body`` with the outline's tops (y px, down), ``span_px`` apart about x = 320 (the patient's
    left on the image's right), in the frames where the pose model ran."""
    from dataclasses import replace

    ran = np.isfinite(body.left_shoulder_px[:, 0])
    n = ran.size
    tops = []
    for x, y in ((320.0 + span_px / 2, left_top_y), (320.0 - span_px / 2, right_top_y)):
        ys = np.where(ran, np.broadcast_to(y, (n,)), np.nan)
        tops.append(np.column_stack([np.where(np.isfinite(ys), x, np.nan), ys]))
    return replace(body, left_top_px=tops[0], right_top_px=tops[1])


def test_the_silhouette_contour_gives_the_elevation_when_present():
    # pose points level (their own error), the silhouette 2.4 cm higher over the patient's right
    t, angles, body = scene()
    tops = with_contour(body, 340.0, 340.0 - 2.4 * PX_PER_CM)
    shoulders, _ = analyze_body(t, angles, tops)
    assert shoulders.elevation_method == "silhouette contour"
    assert shoulders.higher == "right" and shoulders.elevation_cm == pytest.approx(2.4, abs=0.15)
    assert shoulders.contour_coverage_pct == pytest.approx(100.0)
    # the shoulder line joins the outline's tops: the right one 19.2 px higher over 240 px, left lower
    assert shoulders.shoulder_line_deg == pytest.approx(np.degrees(np.arctan2(19.2, 240.0)), abs=0.2)
    pose_only, _ = analyze_body(t, angles, body)
    assert pose_only.elevation_method == "pose landmarks" and pose_only.higher == "level"


def test_no_contour_means_no_elevation_with_a_reason_not_the_pose_points():
    t, angles, body = scene(lift_cm=(3.0, 0.0))
    n = t.size
    right = np.where(np.arange(n) < n // 4, 300.0, np.nan)  # found over one shoulder, a quarter of the time
    shoulders, shift = analyze_body(t, angles, with_contour(body, np.nan, right))
    assert shoulders.available and shoulders.elevation_cm is None and shoulders.higher is None
    assert "outline" in shoulders.reason and shoulders.contour_coverage_pct == pytest.approx(0.0)
    assert shoulders.shoulder_line_deg is None and shoulders.head_tilt_relative_deg is None
    assert shoulders.shoulder_width_cm == pytest.approx(36.0, rel=0.05)
    assert shift.available  # the shift needs the eyes and the pose points only
