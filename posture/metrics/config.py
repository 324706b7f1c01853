"""Every threshold of the clinical measurements, in one dataclass with defaults and the reason for each.

Pass a :class:`MetricsConfig` down to the metric functions; nothing reads a global. Change a value with
``dataclasses.replace(MetricsConfig(), jerk_min_size_deg=8.0)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from posture.metrics.serialize import json_ready

__all__ = ["MetricsConfig"]


@dataclass(frozen=True)
class MetricsConfig:
    """Thresholds of posture, tremor, jerks, range of motion, shoulders and shift.

    Degrees follow CLINICAL.md; times are seconds of real (presentation) time; frequencies are Hz.
    """

    # --- posture ---------------------------------------------------------------------------------
    neutral_deg: float = 3.0
    """|median angle| below this is worded "within 3° of neutral" and gets band 0: a still healthy head
    sits within a few degrees of zero (CLINICAL.md) and face-mesh head pose is itself only good to a few
    degrees, so smaller values are not a finding."""
    deviation_deg: float = 10.0
    """An axis counts as deviated in a frame when |angle| exceeds this: the 10° of the TWSTRS item "time
    head held within 10° of neutral", used for the duration factor too."""
    large_turn_deg: float = 45.0
    """Beyond this |median rotation| the posture section carries ``large_turn_note``: the face's far
    side is out of view, and tilt and flexion read less reliably (on the rendered test clips the tilt
    read 4-6° off at 45-60° of turn and 7-11° off at 60-75°; rotation itself is followed past it)."""
    duration_none_below_pct: float = 2.0
    """Duration band 0 ("none") when less than this share of the tracked time is deviated: a few
    mistracked frames must not turn "none" into "< 25 %"."""
    rotation_band_edges_deg: tuple[float, ...] = (3.0, 22.5, 45.5, 67.5)
    """TWSTRS torticollis anchors 1–22°, 23–45°, 46–67°, 68–90° on a continuous scale (half-degree edges);
    the first edge is :attr:`neutral_deg` (the scale's "none")."""
    tilt_band_edges_deg: tuple[float, ...] = (3.0, 15.5, 35.5)
    """TWSTRS laterocollis anchors 1–15°, 16–35°, > 35° (half-degree edges), "none" below neutral_deg."""
    flexion_band_edges_deg: tuple[float, ...] = (3.0, 15.0, 35.0)
    """The tool's own bands for anterocollis (TWSTRS gives none in degrees): mild 3–15°, moderate 15–35°
    (around half of a 45–60° normal flexion range), severe > 35° (toward chin on chest)."""
    extension_band_edges_deg: tuple[float, ...] = (3.0, 20.0, 45.0)
    """The tool's own bands for retrocollis: mild 3–20°, moderate 20–45° (around half of a 45–80°
    normal extension range), severe > 45° (toward full extension)."""
    hold_within_deg: float = 10.0
    """The TWSTRS item "time head held within 10° of neutral": every axis within this (the JSON key
    ``time_within_10deg_s`` names it)."""
    hold_reference_s: float = 60.0
    """The TWSTRS item observes the head for 60 s; shorter clips get a note that the band is a bound."""
    max_frame_interval_s: float = 0.5
    """Two frames further apart than this are a hole in the stream: the time in between counts as
    unobserved (it breaks a held-within-10° stretch and is not counted as deviated or not)."""

    # --- tremor ----------------------------------------------------------------------------------
    tremor_band_hz: tuple[float, float] = (2.0, 12.0)
    """Analysis band: dystonic head tremor peaks around 2–3 Hz (some near 5 Hz), essential tremor 4–8 Hz
    (CLINICAL.md)."""
    slow_oscillation_low_hz: float = 1.5
    """Peaks from here up to the band's low edge are reported as a "slow oscillation" (CLINICAL.md: an
    oscillation between 1.5 and 2 Hz is reported with its frequency, not dropped)."""
    tremor_window_s: float = 4.0
    """Welch window (Hann): 4 s gives 0.25 Hz resolution and lets a 10–20 s rest period average several
    windows, which is what keeps noise from forming peaks; the peak frequency is interpolated between
    bins, so its precision is better than the resolution."""
    tremor_min_analysed_s: float = 4.0
    """Fewest seconds of still, tracked head accepted for a tremor figure: one window. About 10 s are
    needed for 0.1 Hz precision (CLINICAL.md); shorter analyses carry a note."""
    tremor_nyquist_fraction: float = 0.8
    """The covered band ends at this fraction of the Nyquist frequency (fs / 2): near Nyquist a tremor
    is sampled two or three times per cycle and cannot be told from an alias (24 fps covers 2–9.6 Hz,
    30 fps 2–12 Hz). Peaks between there and Nyquist are refused with a reason."""
    tremor_min_frame_rate_hz: float = 15.0
    """Below this frame rate the covered band (up to 6 Hz) misses most tremors: refuse instead."""
    tremor_max_gap_s: float = 0.1
    """Longest run of face-less frames bridged by interpolation for the spectrum (about half a cycle at
    5 Hz); longer gaps split the series, and windows never span them."""
    tremor_snr_min: float = 8.0
    """A spectral peak counts when its power density is at least this many times the local background
    (median of the spectrum 0.75–2.5 Hz either side, the peak excluded, and never less than the median
    of the whole searched band, which a short analysis can otherwise underestimate by chance). 8× (9 dB)
    keeps chance peaks of averaged noise out and still passes a 0.5° tremor over 0.2° noise by two
    orders of magnitude."""
    tremor_false_alarm: float = 0.001
    """With few averaged windows (a short rest period) the ratio above rises until noise alone would pass
    with at most this probability per axis under Gamma statistics of averaged periodograms. The model
    ignores that the background is itself estimated, so real rates are a few times higher: in simulated
    white noise, single-window spectra exceed the resulting 16× in about 0.4 % of axes (8× alone: 20 %)."""
    tremor_min_amplitude_deg: float = 0.3
    """... and its zero-to-peak amplitude is at least this: below 0.3° a head tremor is neither visible
    nor separable from face-mesh jitter; tremors from 0.5° up must be found."""
    tremor_peak_halfwidth_hz: float = 0.5
    """Band power of a peak is integrated over its main lobe, up to ±0.5 Hz (the Hann main lobe of a 4 s
    window holds > 99 % of a pure sine's power, so A = sqrt(2·power) is calibrated); it widens up to
    :attr:`tremor_peak_max_halfwidth_hz` while the spectrum stays above twice the background. The area
    stops where the spectrum climbs again (a neighbouring peak, or the skirt of drift below 1 Hz)."""
    tremor_peak_max_halfwidth_hz: float = 1.0
    """Widest integration for an irregular tremor whose frequency wanders."""
    tremor_background_flank_hz: tuple[float, float] = (0.75, 2.5)
    """Offsets from the peak (Hz, each side) over which the local background is the median; flanks
    start above 1 Hz so postural drift does not count as background."""
    tremor_cross_talk_ratio: float = 0.5
    """A peak on a second axis within :attr:`tremor_cross_talk_hz` of the headline tremor's frequency and
    below this fraction of its amplitude is cross-talk, not a second tremor. The face-mesh pose fit
    couples the axes: on rendered single-axis tremors with known motion it showed 20–45 % of the
    tremor's amplitude on another axis at the same frequency (rotation 4 Hz -> flexion 42 %, tilt
    10 Hz -> rotation 45 %, rotation 2.5 Hz -> flexion 22 %). A real second tremor that is as large as
    half the first, or at another frequency, is still listed."""
    tremor_cross_talk_hz: float = 0.25
    """"Same frequency" for cross-talk: within one resolution bin (1 / ``tremor_window_s``)."""
    tremor_slow_cutoff_hz: float = 1.0
    """Voluntary movement is detected on the angles low-passed at 1 Hz, where tremor (>= 1.5 Hz) has
    almost no power but turns and sways keep all of theirs."""
    tremor_voluntary_speed_deg_s: float = 15.0
    """... and is any stretch faster than 15°/s there: a range-of-motion turn runs at 30–70°/s, a
    resting sway (0.2 Hz, ±3°) at < 4°/s."""
    tremor_exclusion_margin_s: float = 0.25
    """Windows must keep this far from voluntary movement and from jerks (their ramps and the filter's
    spread)."""

    # --- jerks -----------------------------------------------------------------------------------
    jerk_baseline_window_s: float = 1.5
    """Local baseline = running median over 1.5 s: it follows turns, holds and drift but ignores an
    excursion shorter than 0.75 s."""
    jerk_min_size_deg: float = 4.0
    """Peak excursion from the baseline (as measured) to count as a jerk. The definition is >= 6°; the
    threshold sits at two thirds of that because the instrument reads brief excursions low: on rendered
    clips with known motion the face mesh read a 6°, 0.2 s chin-down jerk as 4.9° (-19 %) and 12–15°
    rotation jerks 4–6 % low, and frame sampling can shave a further few percent off a 3–4 frame peak.
    False jerks are kept out by the other criteria (return, duration, speed, isolation), not by size:
    no clip without jerks (still, drift, tremor, range of motion) gives a candidate even at 3.5°."""
    jerk_max_duration_s: float = 0.6
    """Longest jerk. Duration is twice the excursion's width at half its peak (equal to the full length
    of a smooth raised-cosine pulse, and robust to noise at the tails). Jerks last < 0.5 s; 0.6 s leaves
    room for noise; slower excursions are voluntary movement or posture."""
    jerk_min_speed_deg_s: float = 20.0
    """A jerk must also be fast: its peak angular speed (from real timestamps) at least 20°/s. A 6°
    raised-cosine pulse lasting 0.5 s peaks at 38°/s."""
    jerk_flank_s: float = 0.5
    """Pass 2 of the baseline: medians of 0.5 s (a full cycle of a 2 Hz tremor) just before and after the
    excursion, joined by a straight line, so a jerk riding on a slow sway is measured from the sway, not
    from the running median."""
    jerk_isolation_ratio: float = 0.5
    """A jerk stands out of its surroundings: in those flanks the head stays within half the jerk's size
    of the baseline (90th percentile of |deviation|). A tremor's cycles are each as large as their
    neighbours and fail this; a 6° jerk on a 2° tremor passes. Jerks less than about 0.9 s apart can
    fail it too (each sits in the other's flank)."""
    jerk_grid_hz: float = 120.0
    """Jerks are searched on a cubic spline through the frames sampled at 120 Hz (or the frame rate if
    higher): a 0.12–0.15 s jerk filmed at 24 fps spans 3–4 frames, and its peak falls between them."""
    jerk_max_gap_s: float = 0.25
    """Longest face-less gap bridged before the series is split; a jerk must lie within one piece."""

    # --- range of motion -------------------------------------------------------------------------
    rom_hold_s: float = 0.5
    """An extreme counts as held when the head stays at or beyond it for most of a 0.5 s window
    (CLINICAL.md: each excursion held about a second); one-frame spikes and jerks never are."""
    rom_hold_fraction: float = 0.8
    """"Most of the window": the level exceeded by 80 % of the window's frames (0.4 s of 0.5 s), which
    also keeps face-mesh noise from inflating the extreme."""
    rom_max_gap_s: float = 0.25
    """Longest face-less gap bridged; a hold must lie within one piece."""
    rom_min_excursion_deg: float = 10.0
    """A direction counts as attempted when the head was held at least this far from its resting
    position (the clip's median angles) toward that side; with none attempted the clip holds no
    range-of-motion movement and the section says so instead of reporting six "below normal"
    directions. 10° is the TWSTRS "within 10° of neutral", well above face-mesh noise (1–2°) and a
    resting sway (a few degrees), and below the smallest turn a stiff neck still makes on request."""
    rom_rotation_limit_deg: float = 40.0
    """The face-mesh head pose saturates in rotation beyond about 45°. Past it the turn tracker
    (posture.pipeline.turntrack) reads steady turns of 65–70° within 2° on rendered clips, but a fast
    turn reads up to about 5° low and a head that never came within 20° of the camera keeps the
    mesh's saturated reading. A rotation held at 40° or more is therefore still treated as a lower
    bound of the true turn: it is reported as measured, marked ``at_limit``, and not judged "below
    normal" (a healthy 70° turn read low would be)."""
    normal_rotation_deg: tuple[float, float] = (70.0, 80.0)
    """Healthy adult active rotation to each side (CLINICAL.md, goniometry)."""
    normal_tilt_deg: tuple[float, float] = (40.0, 50.0)
    """Healthy adult lateral flexion to each side."""
    normal_flexion_deg: tuple[float, float] = (45.0, 60.0)
    """Healthy adult flexion (chin down)."""
    normal_extension_deg: tuple[float, float] = (45.0, 80.0)
    """Healthy adult extension (chin up)."""

    # --- shoulders and shift ---------------------------------------------------------------------
    interpupillary_cm: float = 6.3
    """Body reference for pixel -> cm: adult mean interpupillary distance (individuals vary about ±0.4 cm,
    so distances carry about ±7 % scale error)."""
    eye_offset_from_pivot_cm: tuple[float, float] = (10.0, 9.0)
    """(up, forward) position of the eyes' midpoint relative to the top of the cervical spine, about
    which the head turns and tilts. Turning or tilting the head moves the eyes sideways by about
    9 cm·sin(rotation) + 10 cm·sin(tilt); that part is removed from the lateral shift."""
    min_shoulder_visibility: float = 0.5
    """A shoulder landmark counts in a frame when MediaPipe's visibility is at least this."""
    min_visible_share: float = 0.5
    """Shoulders and shift are reported only when both shoulders are seen in at least half of the clip
    (share of ``shoulder_coverage_bin_s`` bins with a sighting); otherwise the framing is wrong and the
    numbers would be guesses."""
    shoulder_coverage_bin_s: float = 1.0
    """Coverage is counted in 1 s bins, not frames: the pipeline runs the pose model about 5 times a
    second and leaves the frames in between NaN."""
    max_rotation_for_scale_deg: float = 45.0
    """Frames with the head turned further are not used for the IPD scale: the cos(rotation)
    correction then doubles any error."""
    level_cm: float = 1.5
    """Shoulders whose heights differ by less than this are "level". From the outline over the
    shoulders, rendered clips with level shoulders read 0.0–0.7 cm (the scan itself is 0.4 cm higher on
    its right) and healthy people's shoulders commonly differ by up to about 1 cm; a 3 cm raise reads
    1.9 cm and a 2.5 cm raise 2.4 cm, so 1.5 cm separates them with a margin on both sides."""
    shoulder_uncertain_head_deg: float = 10.0
    """Only with the pose-landmark heights (no outline given): with the head turned or tilted this far
    (median) the pose model's shoulders follow the head a little: level shoulders read up to 2.2 cm
    apart on rendered clips with the head turned or tilted 15–25°. A non-level result then carries a
    warning. The outline is not affected (level clips with the head turned 30–70° or tilted 15–40° read
    at most 0.7 cm)."""
    shoulder_uncertain_cm: float = 2.5
    """... saying that differences under this are uncertain (the error seen above, rounded up)."""
    trunk_warning_deg: float = 5.0
    """Warn when the shoulder line slopes by more than this: the head angles are relative to the camera
    and equal the neck's only over a square, level trunk (CLINICAL.md)."""
    narrow_shoulders_cm: float = 22.0
    """A shoulder width under 22 cm (adults: about 30–40 cm between the pose model's shoulder points)
    suggests the trunk is turned away from the camera (cos 45° of 31 cm): warn. On rendered clips with
    a square trunk the width read 23–32 cm (the pose model and the IPD scale's ±7 %), so a higher
    threshold warned falsely."""
    shift_max_rotation_deg: float = 15.0
    """Above this median head rotation the lateral shift is not assessed: the face's sideways travel
    when the head turns (about 9 cm x sin(rotation), with a pivot that differs between people) is then
    larger than the few centimetres of a shift."""
    shift_present_cm: float = 3.0
    """A lateral shift is "present" from 3 cm. The measurement's own error sets it: on rendered clips
    without a shift the lateral offset read -2.7 to +1.2 cm (a pose-model bias of about -1 cm, plus the
    error of removing the eyes' travel when the head is turned or tilted 15–25°); smaller shifts are
    reported in ``lateral_cm`` with their sign but not called present."""

    def to_dict(self) -> dict:
        """All thresholds as JSON-ready plain types."""
        return json_ready(asdict(self))
