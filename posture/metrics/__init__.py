"""Clinical measurements of cervical dystonia signs, as plain functions over angle arrays.

Input contract (from the pipeline):

- ``t_s``: (n,) float seconds, the frames' presentation times, strictly increasing, any spacing
  (variable-frame-rate clips are fine).
- ``angles``: (n, 3) float degrees ``[rotation_deg, tilt_deg, flexion_deg]``, NaN where no face;
  rotation + = chin toward the patient's left, tilt + = left ear toward the left shoulder, flexion + =
  chin down (CLINICAL.md).
- ``body``: optional :class:`BodyLandmarks` (pose shoulders, the outline's top over each shoulder and
  face eye centres in pixels).

:func:`compute_metrics` returns a :class:`Metrics` whose ``to_dict()`` is the JSON contract::

    {"posture": {...}, "tremor": {...}, "jerks": {...}, "range_of_motion": {...},
     "shoulders": {...}, "shift": {...}}

Each section's keys, units and signs are documented in its module: :mod:`posture.metrics.posture`,
:mod:`~posture.metrics.tremor`, :mod:`~posture.metrics.jerks`, :mod:`~posture.metrics.rom`,
:mod:`~posture.metrics.body` (shoulders and shift). Every threshold is a field of
:class:`MetricsConfig`, with its reason. NaN becomes ``null``; left and right are always the patient's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.metrics.body import BodyLandmarks, ShiftResult, ShouldersResult, analyze_body
from posture.metrics.config import MetricsConfig
from posture.metrics.inputs import check_angles
from posture.metrics.jerks import Jerk, JerksResult, detect_jerks
from posture.metrics.posture import AxisPosture, PostureResult, analyze_posture
from posture.metrics.rom import RangeOfMotionResult, analyze_range_of_motion
from posture.metrics.tremor import AxisSpectrum, SpectralPeak, TremorResult, analyze_tremor

__all__ = [
    "compute_metrics",
    "Metrics",
    "MetricsConfig",
    "BodyLandmarks",
    "analyze_posture",
    "analyze_tremor",
    "detect_jerks",
    "analyze_range_of_motion",
    "analyze_body",
    "PostureResult",
    "AxisPosture",
    "TremorResult",
    "SpectralPeak",
    "AxisSpectrum",
    "JerksResult",
    "Jerk",
    "RangeOfMotionResult",
    "ShouldersResult",
    "ShiftResult",
]


@dataclass(frozen=True)
class Metrics:
    """All measurements of one clip; ``to_dict()`` gives the six JSON sections."""

    posture: PostureResult
    tremor: TremorResult
    jerks: JerksResult
    range_of_motion: RangeOfMotionResult
    shoulders: ShouldersResult
    shift: ShiftResult

    def to_dict(self) -> dict:
        """``{"posture", "tremor", "jerks", "range_of_motion", "shoulders", "shift"}`` of JSON-ready
        plain types (NaN -> None)."""
        return {
            "posture": self.posture.to_dict(),
            "tremor": self.tremor.to_dict(),
            "jerks": self.jerks.to_dict(),
            "range_of_motion": self.range_of_motion.to_dict(),
            "shoulders": self.shoulders.to_dict(),
            "shift": self.shift.to_dict(),
        }


def compute_metrics(
    t_s: np.ndarray,
    angles: np.ndarray,
    body: BodyLandmarks | None = None,
    config: MetricsConfig = MetricsConfig(),
) -> Metrics:
    """Every measurement of one clip.

    Args:
        t_s: (n,) float seconds, the frames' presentation times, strictly increasing (any spacing).
        angles: (n, 3) float degrees ``[rotation, tilt, flexion]``, NaN where no face.
        body: pose shoulders and eye centres per frame, or None (shoulders/shift then say why not).
        config: all thresholds.

    Returns:
        :class:`Metrics`. A section that cannot be measured says so (``available``/``measured`` False
        or ``count`` None, with a ``reason``) instead of raising.

    Raises:
        InvalidInput: for malformed times, angles or landmarks.
    """
    t, a = check_angles(t_s, angles)
    jerks = detect_jerks(t, a, config)
    shoulders, shift = analyze_body(t, a, body, config)
    return Metrics(
        posture=analyze_posture(t, a, config),
        tremor=analyze_tremor(t, a, config, jerks=jerks),
        jerks=jerks,
        range_of_motion=analyze_range_of_motion(t, a, config),
        shoulders=shoulders,
        shift=shift,
    )
