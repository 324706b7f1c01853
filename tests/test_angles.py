"""The clinical angle conventions of CLINICAL.md, checked with known rotations."""

import numpy as np
import pytest

from posture.angles import angles_to_matrix, matrix_to_angles

FACE_NORMAL = np.array([0.0, 0.0, 1.0])  # out of the face, toward the camera
LEFT_EAR = np.array([1.0, 0.0, 0.0])  # patient's left = image right = +x


def test_positive_rotation_turns_chin_to_patients_left():
    nose = angles_to_matrix(30, 0, 0) @ FACE_NORMAL
    assert nose[0] > 0.4  # toward +x, the image's right, the patient's left


def test_positive_tilt_lowers_left_ear():
    ear = angles_to_matrix(0, 20, 0) @ LEFT_EAR
    assert ear[1] < -0.3


def test_positive_flexion_is_chin_down():
    nose = angles_to_matrix(0, 0, 25) @ FACE_NORMAL
    assert nose[1] < -0.4


@pytest.mark.parametrize(
    "angles",
    [(0, 0, 0), (30, 0, 0), (-70, 10, 5), (25, -12, 15), (-35, 18, -20), (10, 35, 45), (5, -30, -40)],
)
def test_round_trip(angles):
    np.testing.assert_allclose(matrix_to_angles(angles_to_matrix(*angles)), angles, atol=1e-9)


def test_nan_matrices_give_nan_angles():
    m = np.stack([angles_to_matrix(10, 0, 0), np.full((3, 3), np.nan)])
    out = matrix_to_angles(m)
    np.testing.assert_allclose(out[0], [10, 0, 0], atol=1e-9)
    assert np.isnan(out[1]).all()
