"""Large-turn tracker: its pose fit, self-occlusion normals and hand-over, on synthetic projections."""

import numpy as np
import pytest

from posture.angles import angles_to_matrix, matrix_to_angles
from posture.pipeline.headpose import PoseConfig, canonical_face
from posture.pipeline.turntrack import (
    _FLIP,
    BLEND_DEG,
    as_grey,
    blend_weight,
    camera_matrix,
    canonical_normals,
    fit_anchor,
    fit_fixed_depth,
    flow_window,
    project,
)

W, H = 640, 480
K = camera_matrix(W, H, PoseConfig())


def posed(angles_deg, trans_cm=(2.0, -1.0, 70.0)):
    """OpenCV-frame rotation and translation of the canonical face at clinical ``angles_deg``."""
    return _FLIP @ angles_to_matrix(*angles_deg), np.asarray(trans_cm, dtype=float)


@pytest.mark.parametrize("angles", [(65, 0, 0), (-70, 5, -5), (50, -10, 10)])
def test_fixed_depth_fit_recovers_a_large_turn_from_the_near_half_with_outliers(angles):
    model, _ = canonical_face()
    rot, trans = posed(angles)
    near = model[:, 0] * np.sign(angles[0]) <= 1.0  # the half still in view
    image = project(model[near], rot, trans, K)
    rng = np.random.default_rng(0)
    image += rng.normal(0, 0.3, image.shape)
    bad = rng.choice(len(image), len(image) // 10, replace=False)
    image[bad] += rng.uniform(-15, 15, (bad.size, 2))  # points stuck on the silhouette
    start, _ = posed((angles[0] * 0.6, 0, 0))
    got_rot, got_trans, res = fit_fixed_depth(model[near], image, K, start, trans + [1.0, 1.0, 0.0])
    np.testing.assert_allclose(matrix_to_angles(_FLIP @ got_rot), angles, atol=1.0)
    assert got_trans[2] == trans[2]
    assert np.median(res) < 1.0


def test_anchor_fit_of_the_whole_face():
    model, _ = canonical_face()
    rot, trans = posed((15, 5, -5))
    got_rot, got_trans = fit_anchor(model, project(model, rot, trans, K), K)
    np.testing.assert_allclose(matrix_to_angles(_FLIP @ got_rot), (15, 5, -5), atol=0.1)
    np.testing.assert_allclose(got_trans, trans, atol=0.1)


def test_normals_face_out_of_the_face():
    model, _ = canonical_face()
    normals = canonical_normals()
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1.0, atol=1e-9)
    assert normals[1, 2] > 0.8  # nose tip looks at the camera (a little down)
    left, right = np.argmax(model[:, 0]), np.argmin(model[:, 0])  # contour at the face's sides
    assert normals[left, 0] > 0.5 and normals[right, 0] < -0.5


def test_blend_hands_over_continuously():
    lo, hi = BLEND_DEG
    assert blend_weight(0.0) == 0.0 and blend_weight(lo) == 0.0
    assert blend_weight(hi) == 1.0 and blend_weight(-80.0) == 1.0
    assert blend_weight(-(lo + hi) / 2) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("mesh_deg", "tracked_deg", "want_deg"),
    [
        (-48.0, -63.0, -63.0),  # the mesh saturated: the tracker's larger turn
        (52.0, 44.0, 52.0),  # the tracker lost part of a fast turn: the mesh's larger reading
        (25.0, 45.0, 45.0),  # the mesh low early in a turn: the larger reading beyond the blend band
        (25.0, 27.0, 25.0),  # both below the blend band: the mesh's reading
        (45.0, -50.0, 45.0),  # the tracker disagrees on the side: the mesh's reading
    ],
)
def test_large_turns_take_the_larger_of_the_two_readings(monkeypatch, mesh_deg, tracked_deg, want_deg):
    from posture.pipeline import turntrack

    tracker = turntrack.TurnTracker()
    grey = np.zeros((H, W), np.uint8)
    points = np.zeros((468, 3))
    tracker.update(grey, points, angles_to_matrix(0.0, 0.0, 0.0))  # an anchor
    monkeypatch.setattr(tracker, "_follow", lambda *a: np.array([tracked_deg, 3.0, -4.0]))
    got = tracker.update(grey, points, angles_to_matrix(mesh_deg, 2.0, 5.0))
    assert got[0] == pytest.approx(want_deg)
    np.testing.assert_allclose(got[1:], [2.0, 5.0], atol=1e-9)  # tilt and flexion stay the mesh's


def test_a_deep_bend_takes_the_larger_flexion_and_keeps_the_mesh_tilt(monkeypatch):
    from posture.pipeline import turntrack

    tracker = turntrack.TurnTracker()
    grey = np.zeros((H, W), np.uint8)
    points = np.zeros((468, 3))
    tracker.update(grey, points, angles_to_matrix(0.0, 0.0, 0.0))
    monkeypatch.setattr(tracker, "_follow", lambda *a: np.array([3.0, 9.0, 44.0]))
    got = tracker.update(grey, points, angles_to_matrix(2.0, 1.0, 38.0))
    np.testing.assert_allclose(got, [2.0, 1.0, 44.0], atol=1e-9)  # rotation below the band: the mesh's


def test_no_anchor_while_the_head_is_bent():
    from posture.pipeline import turntrack

    tracker = turntrack.TurnTracker()
    grey = np.zeros((H, W), np.uint8)
    tracker.update(grey, np.zeros((468, 3)), angles_to_matrix(0.0, 0.0, 35.0))
    assert tracker._track is None


def test_the_flow_window_grows_with_the_face():
    sides = [flow_window(w) for w in (40, 93, 130, 260, 900)]
    assert all(side % 2 == 1 for side in sides)
    assert sides == sorted(sides) and sides[0] == 9 and sides[-1] == 31
    assert sides[1] < 21 < sides[3]  # a small face gets a smaller window than the old fixed 21 px


def test_frames_are_turned_grey_only_when_needed():
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[..., 0] = 200  # pure red
    grey = as_grey(rgb)
    assert grey.shape == (4, 6) and grey.dtype == np.uint8
    assert grey[0, 0] == round(0.299 * 200)  # ITU-R BT.601 luma
    assert as_grey(grey) is grey


def test_an_rgb_anchor_is_kept_as_it_is():
    from posture.pipeline import turntrack

    tracker = turntrack.TurnTracker()
    rgb = np.zeros((H, W, 3), np.uint8)
    tracker.update(rgb, np.zeros((468, 3)), angles_to_matrix(5.0, 0.0, 0.0))
    assert tracker._track.frame is rgb  # no grey copy while the mesh reads the face well
