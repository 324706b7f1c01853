"""Rotation matrices <-> clinical head angles, in the conventions of CLINICAL.md.

Frame: x toward the image's right (the patient's left when they face the camera), y up,
z toward the camera. The head's rotation relative to the camera is decomposed intrinsically,
rotation first::

    R = Ry(rotation) @ Rx(flexion) @ Rz(-tilt)

- ``rotation_deg``: + = chin toward the patient's left, - = toward the right (torticollis axis).
- ``tilt_deg``: + = left ear toward the left shoulder, - = right ear toward the right shoulder.
- ``flexion_deg``: + = chin down (flexion), - = chin up (extension).

All angles are in degrees. The conversion is done here once, with SciPy; nothing else in the
project builds Euler angles by hand.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

# Intrinsic Y, then X, then Z (upper case = intrinsic in SciPy).
_EULER_SEQ = "YXZ"


def angles_to_matrix(rotation_deg: float, tilt_deg: float, flexion_deg: float) -> np.ndarray:
    """Head rotation matrix (3, 3) from clinical angles in degrees."""
    return Rotation.from_euler(_EULER_SEQ, [rotation_deg, flexion_deg, -tilt_deg], degrees=True).as_matrix()


def matrix_to_angles(matrices: np.ndarray) -> np.ndarray:
    """Clinical angles from rotation matrices.

    Args:
        matrices: (3, 3) or (n, 3, 3) proper rotation matrices (head -> camera frame above).
            NaN matrices give NaN angles.

    Returns:
        (3,) or (n, 3) float array of ``[rotation_deg, tilt_deg, flexion_deg]``.
    """
    m = np.asarray(matrices, dtype=float)
    single = m.ndim == 2
    m = m.reshape(-1, 3, 3)
    out = np.full((m.shape[0], 3), np.nan)
    ok = np.isfinite(m).all(axis=(1, 2))
    if ok.any():
        yxz = Rotation.from_matrix(m[ok]).as_euler(_EULER_SEQ, degrees=True)
        out[ok, 0] = yxz[:, 0]
        out[ok, 1] = -yxz[:, 2]
        out[ok, 2] = yxz[:, 1]
    return out[0] if single else out
