"""Shared input checks and axis vocabulary of the metrics (CLINICAL.md conventions).

``angles``: (n, 3) float degrees, columns ``[rotation_deg, tilt_deg, flexion_deg]``, NaN where no face:
rotation + = chin toward the patient's left; tilt + = left ear toward the left shoulder; flexion + =
chin down (- = extension). Left and right are always the patient's.
"""

from __future__ import annotations

import numpy as np

from posture.errors import InvalidInput
from posture.pipeline.signals import check_times

__all__ = ["AXES", "check_angles", "direction_word"]

AXES: tuple[str, str, str] = ("rotation", "tilt", "flexion")
"""Column names of ``angles``, in order."""

_WORDS = {"rotation": ("left", "right"), "tilt": ("left", "right"), "flexion": ("down", "up")}


def check_angles(t_s: np.ndarray, angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``(t_s (n,), angles (n, 3))`` and return them as float arrays.

    Raises:
        InvalidInput: for bad times (see :func:`posture.pipeline.signals.check_times`) or an angle
            array that is not (n, 3).
    """
    t = check_times(t_s)
    a = np.asarray(angles, dtype=float)
    if a.shape != (t.size, 3):
        raise InvalidInput(
            f"angles must have shape ({t.size}, 3) (rotation, tilt, flexion in degrees, one row per "
            f"frame time), got {a.shape}"
        )
    return t, a


def direction_word(axis: str, value: float) -> str:
    """Direction of a signed angle on ``axis`` in the patient's words.

    rotation/tilt: ``"left"`` for +, ``"right"`` for -; flexion: ``"down"`` (chin down) for +, ``"up"``
    (chin up) for -. ``""`` for zero or NaN.
    """
    if not np.isfinite(value) or value == 0:
        return ""
    positive, negative = _WORDS[axis]
    return positive if value > 0 else negative
