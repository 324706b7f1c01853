"""The silhouette's top contour over each shoulder, on synthetic soft masks with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from posture.pipeline.silhouette import shoulder_tops, silhouette_midline_x, upper_edge_y

H, W = 480, 640


def soft(inside: np.ndarray, y: np.ndarray, edge: np.ndarray) -> np.ndarray:
    """A soft mask: 1 well inside, a linear 2-px ramp across the edge (0.5 exactly at ``edge``)."""
    return np.clip(0.5 + (y - edge) / 2.0, 0.0, 1.0) * inside


def bust(
    centre_x: float = 320.0,
    shoulder_top: tuple[float, float] = (300.0, 300.0),
    half_width: float = 150.0,
    head: bool = True,
    head_dx: float = 0.0,
    droop: float = 0.0,
) -> np.ndarray:
    """(H, W) mask of a head and shoulders facing the camera, unmirrored (patient's left = image right).

    shoulder_top: heights (px, y down) of the flat outer shoulder tops, (patient's left, right); the
    trapezius slopes from the neck (y 250) down to them. The body extends ``half_width + 40`` px to each
    side of ``centre_x`` and down to the bottom. head_dx moves the head and neck sideways. droop: the
    shoulder tops slope down outward by this many px per px beyond |u| = 90 (given heights at |u| = 90).
    """
    y, x = np.mgrid[0:H, 0:W].astype(float)
    u = x - centre_x
    top_left, top_right = shoulder_top
    # trapezius: from the neck's base (|u| = 40, y = 250) down to the shoulder top at |u| >= 0.6 half-width
    ramp = np.clip((np.abs(u) - 40.0) / (0.6 * half_width - 40.0), 0.0, 1.0)
    top = np.where(u > 0, 250 + ramp * (top_left - 250), 250 + ramp * (top_right - 250))
    top = top + droop * np.clip(np.abs(u) - 90.0, 0.0, None)
    body = soft(np.abs(u) <= half_width + 40, y, top)
    neck = (np.abs(u - head_dx) <= 40) & (y >= 180)
    mask = np.maximum(body, neck.astype(float))
    if head:
        head_mask = ((u - head_dx) / 60.0) ** 2 + ((y - 140) / 80.0) ** 2 <= 1.0
        mask = np.maximum(mask, head_mask.astype(float))
    return mask


def pose(centre_x: float = 320.0, half_width: float = 150.0, y: tuple[float, float] = (340.0, 340.0)):
    """Pose shoulder points (patient's left on the image's right), below the shoulder tops."""
    return np.array([centre_x + half_width, y[0]]), np.array([centre_x - half_width, y[1]])


def test_upper_edge_is_sub_pixel_and_searched_upward():
    y = np.arange(H, dtype=float)[:, None] * np.ones((1, W))
    mask = soft(np.ones((H, W)), y, np.full((H, W), 200.3))
    mask[:100, :] = 1.0  # something above the gap: not reached from below
    ys = upper_edge_y(mask, np.array([10.0, 300.0]), y_start=400.0, y_min=150.0)
    assert ys == pytest.approx([200.3, 200.3], abs=1e-6)
    # an edge above y_min is refused; a start outside the person gives none; columns off the image too
    assert np.isnan(upper_edge_y(mask, np.array([10.0]), y_start=400.0, y_min=210.0)).all()
    assert np.isnan(upper_edge_y(mask, np.array([10.0]), y_start=150.0, y_min=0.0)).all()
    assert np.isnan(upper_edge_y(mask, np.array([-5.0, W + 3.0]), y_start=400.0, y_min=0.0)).all()


@pytest.mark.parametrize(
    ("tops", "expected"),
    [((300.0, 300.0), 0.0), ((276.0, 300.0), 24.0), ((300.0, 282.5), -17.5)],
)
def test_the_higher_shoulder_and_by_how_much(tops, expected):
    result = shoulder_tops(bust(shoulder_top=tops), *pose())
    assert result.left_y == pytest.approx(tops[0], abs=0.01)
    assert result.right_y == pytest.approx(tops[1], abs=0.01)
    assert result.right_y - result.left_y == pytest.approx(expected, abs=0.02)  # + = left higher
    assert result.midline_from_silhouette and result.midline_x == pytest.approx(320.0, abs=0.5)
    # placed at the middle of each band (0.85 of the way to the pose points), the patient's left on the right
    assert result.left_x == pytest.approx(320.0 + 127.5, abs=0.5)
    assert result.right_x == pytest.approx(320.0 - 127.5, abs=0.5)


def test_sides_follow_the_pose_labels_in_a_mirrored_image():
    mask = bust(shoulder_top=(276.0, 300.0))[:, ::-1]  # mirrored: the patient's left is on the image's left
    left, right = pose()
    mirror = np.array([W - 1, 0.0])
    result = shoulder_tops(mask, np.abs(mirror - left), np.abs(mirror - right))
    assert result.left_y == pytest.approx(276.0, abs=0.01)
    assert result.right_y == pytest.approx(300.0, abs=0.01)


def test_the_midline_comes_from_the_silhouette_not_the_pose_points():
    # pose points 12 px off toward the patient's left: on the sloping shoulders (left 24 px higher at
    # the tip) sampling about them would read a different difference; the silhouette's chest row
    # puts the midline back at the body's centre
    mask = bust(shoulder_top=(276.0, 300.0), droop=0.4)
    result = shoulder_tops(mask, *pose(centre_x=332.0))
    assert result.midline_x == pytest.approx(320.0, abs=0.5)
    # heights at the band's middle (|u| = 0.85 x 150), 0.4 px/px below the given ones beyond |u| = 90
    assert result.left_y == pytest.approx(276.0 + 0.4 * (127.5 - 90), abs=0.3)
    assert result.right_y - result.left_y == pytest.approx(24.0, abs=0.05)
    # the same columns sampled about the pose points' midpoint read 2 x 12 px x 0.4 = 9.6 px less
    offsets = np.linspace(0.7, 1.0, 16) * 150.0
    left = np.median(upper_edge_y(mask, 332.0 + offsets, 355.0, 0.0))
    right = np.median(upper_edge_y(mask, 332.0 - offsets, 355.0, 0.0))
    assert right - left == pytest.approx(24.0 - 9.6, abs=0.3)


def test_a_body_cut_by_the_frame_falls_back_to_the_pose_midpoint():
    mask = bust()
    mask[350:, :200] = 1.0  # an arm held out to the image's border at chest level
    result = shoulder_tops(mask, *pose(centre_x=324.0))
    assert not result.midline_from_silhouette and result.midline_x == pytest.approx(324.0)
    assert result.right_y - result.left_y == pytest.approx(0.0, abs=0.05)


def test_a_shifted_head_and_neck_stay_out_of_the_sampled_columns():
    # the head and neck 50 px toward the patient's left: the outer shoulder band is untouched
    result = shoulder_tops(bust(head_dx=50.0), *pose())
    assert result.right_y - result.left_y == pytest.approx(0.0, abs=0.05)


def test_a_head_resting_on_a_shoulder_is_not_taken_for_it():
    # the head leans far over the patient's left shoulder, merging with it: the edge found over that
    # shoulder lies too high above its pose point to be a shoulder, so that side is not measured
    y, x = np.mgrid[0:H, 0:W].astype(float)
    mask = bust()
    blob = ((x - 420.0) / 70.0) ** 2 + ((y - 220.0) / 90.0) ** 2 <= 1.0
    mask = np.maximum(mask, blob.astype(float))
    mask[:, 380:480] = np.maximum(mask[:, 380:480], (y[:, 380:480] > 150).astype(float))
    result = shoulder_tops(mask, *pose(y=(410.0, 410.0)))
    assert np.isnan(result.left_y)
    assert result.right_y == pytest.approx(300.0, abs=0.01)


def test_no_person_or_no_shoulder_points_gives_nan():
    empty = np.zeros((H, W))
    result = shoulder_tops(empty, *pose())
    assert np.isnan(result.left_y) and np.isnan(result.right_y)
    result = shoulder_tops(bust(), np.array([np.nan, np.nan]), pose()[1])
    assert np.isnan(result.left_y) and np.isnan(result.right_y) and np.isnan(result.midline_x)


def test_silhouette_midline_run_holding_the_seed():
    mask = np.zeros((10, 100))
    mask[5, 10:31] = 1.0  # another person
    mask[5, 40:81] = 1.0
    assert silhouette_midline_x(mask, 5, 50) == pytest.approx(60.0)
    assert np.isnan(silhouette_midline_x(mask, 5, 35))  # seed outside the person
    mask[5, 80:] = 1.0  # reaches the border: the body's centre is unknown
    assert np.isnan(silhouette_midline_x(mask, 5, 50))
