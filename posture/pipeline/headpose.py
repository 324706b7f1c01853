"""Stage 3: face landmarks -> the head's rotation relative to the camera -> clinical angles.

Method
------
1. MediaPipe's landmarks (x, y in pixels, z a relative depth on the x scale) are moved into the
   camera frame of CLINICAL.md (x right, y up, z toward the camera), centred on the image centre.
2. A weighted similarity fit (Umeyama / Kabsch with scale) of MediaPipe's *generic* canonical face
   model to those points gives the face's rotation as seen along its own line of sight. The weights
   are MediaPipe's own Procrustes weights, which ignore landmarks that move with expressions (lips,
   eyelids). The fit never uses the person's own geometry, so it needs no neutral pose first:
   zero is the generic face looking straight into the camera.
3. The face mesh sees the face from the direction of the ray camera -> face, not along the optical
   axis. For a face off the image centre that ray is oblique, so the fitted rotation is turned by
   the ray's direction (from the pinhole model with an assumed field of view) to express it
   relative to the camera's optical axis.
4. The rotation matrix is decomposed into rotation / tilt / flexion in :mod:`posture.angles`.

Known limits
------------
- The camera's field of view is not known; :data:`DEFAULT_HFOV_DEG` (a typical webcam / phone) is
  assumed. It only matters for faces far from the image centre (a 10 deg error in field of view
  moves the angles of a face at the frame's edge by about 2 deg).
- Zero is the generic face's frontal pose. A person whose face is built differently (a receding
  forehead, a strong chin) reads a few degrees of flexion at true neutral; the clinical thresholds
  (10 deg and more) are well above that.
- MediaPipe's depth is learnt, not measured, and its landmarks saturate beyond about 45 deg of
  rotation (a 70 deg turn reads about 50 deg); :mod:`posture.pipeline.turntrack` reads larger turns.
- Angles are of the head relative to the *camera*; they equal neck angles only when the trunk faces
  the camera (the shoulders stage reports the trunk).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from posture.angles import matrix_to_angles

DEFAULT_HFOV_DEG = 60.0
# Landmarks used to report where the face is (pixels): eye centres for a body scale, nose tip.
LEFT_EYE = [263, 362, 387, 386, 385, 373, 374, 380]  # patient's left eye (image right)
RIGHT_EYE = [33, 133, 160, 159, 158, 144, 145, 153]  # patient's right eye (image left)
NOSE_TIP = 1


@lru_cache(maxsize=1)
def canonical_face() -> tuple[np.ndarray, np.ndarray]:
    """MediaPipe's canonical face: (468, 3) points in cm (x face's left, y up, z out), (468,) weights."""
    text = resources.files("posture.data").joinpath("canonical_face.csv").read_text()
    table = np.loadtxt(text.splitlines(), delimiter=",", comments="#")
    return table[:, :3].copy(), table[:, 3].copy()


@dataclass(frozen=True)
class PoseConfig:
    """``hfov_deg``: assumed horizontal field of view of the camera, degrees."""

    hfov_deg: float = DEFAULT_HFOV_DEG


def to_camera_frame(points_px: np.ndarray, width: int, height: int) -> np.ndarray:
    """(468, 3) MediaPipe pixels -> camera frame (x right, y up, z toward camera), image-centred."""
    out = np.empty_like(points_px, dtype=float)
    out[:, 0] = points_px[:, 0] - width / 2.0
    out[:, 1] = height / 2.0 - points_px[:, 1]
    out[:, 2] = -points_px[:, 2]
    return out


def similarity_fit(model: np.ndarray, target: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted Umeyama fit: rotation R (3, 3) and scale s with s R model + t ~= target."""
    w = weights / weights.sum()
    mu_m = w @ model
    mu_t = w @ target
    m = model - mu_m
    t = target - mu_t
    cov = (t * w[:, None]).T @ m
    u, sig, vt = np.linalg.svd(cov)
    d = np.sign(np.linalg.det(u @ vt))
    fix = np.diag([1.0, 1.0, d])
    rot = u @ fix @ vt
    var_m = float(w @ (m**2).sum(axis=1))
    scale = float((sig * np.diag(fix)).sum() / var_m)
    return rot, scale


def ray_alignment(centre_xy: np.ndarray, width: int, focal_px: float) -> np.ndarray:
    """Rotation (3, 3) that turns the optical axis' view onto the ray toward an off-centre face.

    ``centre_xy``: face centre in the image-centred camera frame (x right, y up), pixels. A face
    seen "frontally" along that ray faces back along it; this rotation takes +z (facing the camera
    along the optical axis) onto that direction.
    """
    ray = np.array([centre_xy[0], centre_xy[1], -focal_px], dtype=float)
    facing = -ray / np.linalg.norm(ray)
    z = np.array([0.0, 0.0, 1.0])
    axis = np.cross(z, facing)
    s = float(np.linalg.norm(axis))
    c = float(z @ facing)
    if s < 1e-12:
        return np.eye(3)
    k = axis / s
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + s * kx + (1 - c) * (kx @ kx)


def focal_length_px(width: int, height: int, hfov_deg: float) -> float:
    """Pinhole focal length in pixels for a horizontal field of view over the longer image side."""
    return 0.5 * max(width, height) / np.tan(np.radians(hfov_deg) / 2.0)


def head_rotation(
    points_px: np.ndarray, width: int, height: int, config: PoseConfig = PoseConfig()
) -> np.ndarray:
    """The head's rotation matrix (3, 3) relative to the camera, from one face's landmarks."""
    model, weights = canonical_face()
    target = to_camera_frame(points_px, width, height)
    rot, _ = similarity_fit(model, target, weights)
    centre = (weights / weights.sum()) @ target
    align = ray_alignment(centre[:2], width, focal_length_px(width, height, config.hfov_deg))
    return align @ rot


def head_angles(
    points_px: np.ndarray, width: int, height: int, config: PoseConfig = PoseConfig()
) -> np.ndarray:
    """``[rotation_deg, tilt_deg, flexion_deg]`` (3,) of one face (conventions of posture.angles)."""
    return matrix_to_angles(head_rotation(points_px, width, height, config))


# Columns of the per-frame face geometry array (pixels, x right, y down).
FACE_GEOMETRY_COLUMNS = (
    "left_eye_x", "left_eye_y", "right_eye_x", "right_eye_y", "nose_x", "nose_y",
    "box_x0", "box_y0", "box_x1", "box_y1",
)  # fmt: skip


def face_geometry(points_px: np.ndarray) -> np.ndarray:
    """(10,) pixel positions later stages need (see FACE_GEOMETRY_COLUMNS): the eye centres
    (patient's left eye = image right), the nose tip, and the face's bounding box."""
    lo = points_px[:, :2].min(axis=0)
    hi = points_px[:, :2].max(axis=0)
    return np.concatenate(
        [
            points_px[LEFT_EYE, :2].mean(axis=0),
            points_px[RIGHT_EYE, :2].mean(axis=0),
            points_px[NOSE_TIP, :2],
            lo,
            hi,
        ]
    )
