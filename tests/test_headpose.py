"""Head pose from landmarks, on synthetic MediaPipe-like projections of the canonical face."""

import numpy as np
import pytest

from posture.angles import angles_to_matrix
from posture.pipeline.headpose import PoseConfig, canonical_face, focal_length_px, head_angles

W, H = 1280, 720


def synthetic_landmarks(angles, offset_cm=(0.0, 0.0), distance_cm=80.0, hfov_deg=60.0):
    """Project the canonical face, turned by ``angles``, through a pinhole camera the way MediaPipe
    reports landmarks: x, y in pixels (y down), z the depth along the line of sight to the face
    (the view the face mesh has of its crop), on the x scale, negative = closer."""
    model, _ = canonical_face()
    f = focal_length_px(W, H, hfov_deg)
    centre = np.array([offset_cm[0], offset_cm[1], -distance_cm])
    pts = model @ angles_to_matrix(*angles).T + centre
    depth = -pts[:, 2]
    u = W / 2 + f * pts[:, 0] / depth
    v = H / 2 - f * pts[:, 1] / depth
    toward_camera = -centre / np.linalg.norm(centre)
    z = -((pts - centre) @ toward_camera) * f / np.linalg.norm(centre)
    return np.column_stack([u, v, z])


@pytest.mark.parametrize(
    "angles",
    [(0, 0, 0), (30, 0, 0), (-20, 0, 0), (0, 15, 0), (0, -25, 0), (0, 0, 20), (0, 0, -25), (25, -12, 15)],
)
def test_centred_face_angles_recovered(angles):
    got = head_angles(synthetic_landmarks(angles), W, H)
    np.testing.assert_allclose(got, angles, atol=1.0)


def test_large_rotation_recovered():
    got = head_angles(synthetic_landmarks((-70, 10, -10)), W, H)
    np.testing.assert_allclose(got, (-70, 10, -10), atol=2.0)


@pytest.mark.parametrize("offset", [(25.0, 0.0), (-25.0, 10.0), (0.0, -15.0)])
def test_off_centre_face_is_corrected_for_the_viewing_ray(offset):
    angles = (20, -5, 10)
    got = head_angles(synthetic_landmarks(angles, offset_cm=offset), W, H, PoseConfig(hfov_deg=60.0))
    # A face near the frame edge (25 cm off-axis at 80 cm) is also stretched by perspective.
    np.testing.assert_allclose(got, angles, atol=3.0)
