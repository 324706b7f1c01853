"""The key measurements followed over time, read from a stored result, with the noise each carries.

A stored session holds the analysis as its JSON contract (``posture.analysis/1``). This module
pulls the handful of numbers a therapist follows from it, defensively: a section or key that is
missing (an older result, a metric not computed for this clip) gives ``None``, never an error.
Each measurement lists the JSON paths it may be found at, first match wins, so results written
before and after a metrics key was settled both read.

Noise: a change between two sessions is called a change only when it exceeds the measurement's
repeatability, the difference two recordings of the same unchanged person typically show.
The figures below, and why:

==========================  ==========  =====================================================
measurement                 noise       source
==========================  ==========  =====================================================
head rotation / tilt         5°         head-pose fit (~1-2°) plus camera and seating set-up
                                        between visits (a few degrees; CLINICAL.md: a still
                                        head sits "within a few degrees of zero")
head flexion                 6°         as above; most sensitive to camera height
tremor amplitude            0.5° or 50% amplitude fluctuates with stress and fatigue within a
                                        day; whichever is larger
tremor frequency            0.3 Hz      ±0.15 Hz per recording: the spectral resolution of a
                                        ~10 s tracked clip (CLINICAL.md) on each side
jerks per minute            3/min or    counts of rare events (Poisson) over a one-minute clip;
                            50%         whichever is larger
range of motion (each)      20°         CLINICAL.md: repeated goniometry varies 12-20° day to
                                        day; the upper figure, so noise is never called change
time within 10°             10 s        two thirds of a TWSTRS hold band (15 s)
share of time off neutral   15 %        well over half a TWSTRS duration band (25 %)
shoulder height difference  1 cm        pose shoulders at 5 Hz; the cm scale (inter-pupil
                                        distance) itself carries about ±7 %
shoulder line, head tilt    3° / 5°     shoulder-line fit from the pose model; head as above
over the shoulders
lateral / sagittal shift    1.5 cm      head-over-trunk offset from two landmark sets
==========================  ==========  =====================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from posture.result import as_number


@dataclass(frozen=True)
class Measurement:
    """One followed measurement.

    ``key``: the stable name (CSV column, trend key). ``unit``: printed after the value (``°``,
    ``Hz``, ``/min``, ``s``, ``%``, ``cm``). ``paths``: dotted JSON paths tried in order.
    ``scale``: multiplies the stored value (e.g. 100 for a 0..1 share shown in %).
    ``noise`` / ``noise_rel``: the smallest change that counts, absolute in ``unit`` and relative
    to the larger of the two values; the larger of the two applies. ``normal``: the normal range
    or reference, in words, for reports. ``short``: a label for charts and CSV headers.
    """

    key: str
    label: str
    unit: str
    paths: tuple[str, ...]
    noise: float
    noise_rel: float = 0.0
    normal: str = ""
    group: str = ""
    scale: float = 1.0
    short: str = ""
    zero_if: str = ""

    def value(self, result: dict | None) -> float | None:
        """This measurement in ``result`` (a stored analysis dict), or None if absent. With
        ``zero_if`` (a path to a flag): 0 where the value is absent but the flag is true (a
        tremor that was looked for and not found has amplitude 0, which belongs on a trend)."""
        for path in self.paths:
            found = lookup(result, path)
            number = as_number(found)
            if number is not None:
                return number * self.scale
        if self.zero_if and lookup(result, self.zero_if) is True:
            return 0.0
        return None

    def threshold(self, before: float, after: float) -> float:
        """The smallest change between ``before`` and ``after`` that exceeds noise."""
        return max(self.noise, self.noise_rel * max(abs(before), abs(after)))


def lookup(doc: Any, path: str) -> Any:
    """``doc["a"]["b"]`` for ``path="a.b"``; None where any step is missing."""
    node = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


_ANGLE_NORMAL = "within a few degrees of 0"
_ROM = "range_of_motion"

MEASUREMENTS: tuple[Measurement, ...] = (
    Measurement("rotation_deg", "Head rotation (+ = chin to the left)", "°",
                ("posture.rotation.median_deg", "posture.rotation_deg"), 5.0,
                normal=_ANGLE_NORMAL, group="posture", short="Rotation"),
    Measurement("tilt_deg", "Head tilt (+ = left ear down)", "°",
                ("posture.tilt.median_deg", "posture.tilt_deg"), 5.0,
                normal=_ANGLE_NORMAL, group="posture", short="Tilt"),
    Measurement("flexion_deg", "Head flexion (+ = chin down)", "°",
                ("posture.flexion.median_deg", "posture.flexion_deg"), 6.0,
                normal=_ANGLE_NORMAL, group="posture", short="Flexion"),
    Measurement("tremor_amplitude_deg", "Tremor amplitude (zero-to-peak)", "°",
                ("tremor.amplitude_deg",), 0.5, noise_rel=0.5, zero_if="tremor.measured",
                normal="none (a still head sways well under 1-2°, < 1 Hz)", group="tremor",
                short="Tremor amplitude"),
    Measurement("tremor_frequency_hz", "Tremor frequency", "Hz",
                ("tremor.frequency_hz",), 0.3,
                normal="dystonic ~2-3 Hz (some ~5 Hz); essential 4-8 Hz", group="tremor",
                short="Tremor frequency"),
    Measurement("jerks_per_min", "Jerks per minute", "/min",
                ("jerks.rate_per_min", "jerks.per_minute"), 3.0, noise_rel=0.5, normal="none",
                group="jerks", short="Jerks"),
    Measurement("rom_rotation_left_deg", "Rotation to the left", "°",
                (f"{_ROM}.rotation_left_deg",), 20.0, normal="70-80°", group=_ROM, short="ROM rotation left"),
    Measurement("rom_rotation_right_deg", "Rotation to the right", "°",
                (f"{_ROM}.rotation_right_deg",), 20.0, normal="70-80°", group=_ROM, short="ROM rotation right"),
    Measurement("rom_tilt_left_deg", "Lateral flexion to the left", "°",
                (f"{_ROM}.tilt_left_deg",), 20.0, normal="40-50°", group=_ROM, short="ROM tilt left"),
    Measurement("rom_tilt_right_deg", "Lateral flexion to the right", "°",
                (f"{_ROM}.tilt_right_deg",), 20.0, normal="40-50°", group=_ROM, short="ROM tilt right"),
    Measurement("rom_flexion_deg", "Flexion (chin down)", "°",
                (f"{_ROM}.flexion_deg",), 20.0, normal="45-60°", group=_ROM, short="ROM flexion"),
    Measurement("rom_extension_deg", "Extension (chin up)", "°",
                (f"{_ROM}.extension_deg",), 20.0, normal="45-80°", group=_ROM, short="ROM extension"),
    Measurement("time_within_10deg_s", "Longest hold within 10° of neutral", "s",
                ("posture.time_within_10deg_s",), 10.0, normal="> 60 s of a 60 s hold", group="posture",
                short="Time within 10°"),
    Measurement("deviated_pct", "Share of time > 10° off neutral (any axis)", "%",
                ("posture.deviated_any_axis_pct",), 15.0, normal="none", group="posture",
                short="Time off neutral"),
    Measurement("shoulder_elevation_cm", "Shoulder height difference", "cm",
                ("shoulders.elevation_cm",), 1.0, normal="level", group="shoulders", short="Shoulder elevation"),
    Measurement("shoulder_line_deg", "Shoulder line slope (+ = left shoulder lower)", "°",
                ("shoulders.shoulder_line_deg",), 3.0, normal="level (0°)", group="shoulders",
                short="Shoulder line"),
    Measurement("head_tilt_relative_deg", "Head tilt over the shoulder line", "°",
                ("shoulders.head_tilt_relative_deg",), 5.0, normal=_ANGLE_NORMAL, group="shoulders",
                short="Tilt over shoulders"),
    Measurement("lateral_shift_cm", "Lateral shift of the head (+ = to the left)", "cm",
                ("shift.lateral_cm",), 1.5, normal="0 cm", group="shift", short="Lateral shift"),
    Measurement("sagittal_shift_cm", "Sagittal shift of the head", "cm",
                ("shift.sagittal_cm",), 1.5, normal="0 cm", group="shift", short="Sagittal shift"),
)  # fmt: skip

BY_KEY = {m.key: m for m in MEASUREMENTS}


def extract(result: dict | None) -> dict[str, float | None]:
    """Every followed measurement of a stored result: ``{key: value or None}`` in catalogue order."""
    return {m.key: m.value(result) for m in MEASUREMENTS}
