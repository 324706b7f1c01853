"""Metric cards as text: what the dashboard shows for each measurement, read from the result dict.

Each card has a headline value, a few lines (direction in words, the TWSTRS-style band, the normal
range) and, when the figure is missing, ``available=False`` with the reason the section gives. The
cards only format what :mod:`posture.metrics` computed; a missing section or key is "not
available", never zero.

Left and right are always the patient's (CLINICAL.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from posture.result import as_number, get_in
from posture.screening import DEVIATION_DEG, SHOULDER_FINDING_CM

NOT_AVAILABLE = "not available"

# What a healthy, still head looks like (CLINICAL.md, "Normal ranges"), shown on the posture cards.
NORMAL_POSTURE = "healthy: within a few degrees of 0° when held straight"

AXIS_WORDS = {
    # axis: (card title, clinical word(s), + words, - words)
    "rotation": (
        "Rotation",
        "torticollis",
        "chin turned to the patient's left",
        "chin turned to the patient's right",
    ),
    "tilt": (
        "Tilt",
        "laterocollis",
        "left ear toward the left shoulder",
        "right ear toward the right shoulder",
    ),
    "flexion": (
        "Flexion / extension",
        "anterocollis / retrocollis",
        "chin down (flexion, anterocollis)",
        "chin up (extension, retrocollis)",
    ),
}
AXIS_NICKNAMES = {"rotation": "rotation, 'no-no'", "tilt": "tilt", "flexion": "flexion, 'yes-yes'"}

ROM_DIRECTIONS = (
    ("rotation_left", "Turn left"),
    ("rotation_right", "Turn right"),
    ("tilt_left", "Tilt left"),
    ("tilt_right", "Tilt right"),
    ("flexion", "Chin down"),
    ("extension", "Chin up"),
)


@dataclass(frozen=True)
class Card:
    """One metric card.

    ``key``: stable identifier (for tests and page anchors). ``value``: the headline, or
    :data:`NOT_AVAILABLE`. ``lines``: short explanatory lines. ``reason``: why the figure is
    unavailable (``available`` False) or a caveat. ``help``: a tooltip on how to read it.
    """

    key: str
    title: str
    value: str
    lines: tuple[str, ...] = ()
    available: bool = True
    reason: str | None = None
    help: str | None = None
    notes: tuple[str, ...] = field(default=())
    # A short badge when the figure is one of the screening's findings (see posture.screening),
    # e.g. "beyond 10°"; None otherwise. ``flag_is_finding`` False = worth a look, not a finding.
    flag: str | None = None
    flag_is_finding: bool = True


def _unavailable(key: str, title: str, reason: str | None, help: str | None = None) -> Card:
    return Card(
        key=key,
        title=title,
        value=NOT_AVAILABLE,
        available=False,
        reason=reason or "this measurement is not in the result",
        help=help,
    )


def signed_words(axis: str, value: float) -> str:
    """The direction of a signed angle in the patient's words ("" when under 0.05°)."""
    _, _, positive, negative = AXIS_WORDS[axis]
    if abs(value) < 0.05:
        return "no deviation"
    return positive if value > 0 else negative


def short_direction(axis: str, value: float) -> str:
    """One word for the headline: left / right (rotation, tilt), down / up (flexion)."""
    if abs(value) < 0.05:
        return ""
    if axis == "flexion":
        return "chin down" if value > 0 else "chin up"
    return "left" if value > 0 else "right"


def posture_card(result: Mapping[str, Any], axis: str) -> Card:
    """The card of one posture axis: median angle, direction, TWSTRS-style band, share deviated."""
    title, clinical, _, _ = AXIS_WORDS[axis]
    help_text = (
        f"Median over the frames with a face, relative to the camera ({clinical}). "
        "Bands are estimates from the measured degrees, not TWSTRS scores."
    )
    section = get_in(result, "posture") or {}
    detail = section.get(axis) if isinstance(section.get(axis), Mapping) else {}
    median = as_number(detail.get("median_deg"))
    if median is None:
        median = as_number(section.get(f"{axis}_deg"))
    if median is None:
        reason = section.get("reason") or "no face was tracked, so the head angle could not be measured"
        return _unavailable(f"posture_{axis}", title, reason, help_text)
    lines = [f"{clinical}: {signed_words(axis, median)}"]
    if detail.get("direction") == "neutral":
        lines = [f"{clinical}: {detail.get('description') or 'about neutral'}"]
    band_label = detail.get("band_label")
    if band_label:
        lines.append(str(band_label))
    share = as_number(detail.get("share_deviated_pct"))
    deviation = as_number(section.get("deviation_deg")) or 10.0
    if share is not None:
        lines.append(f"beyond {deviation:g}° for {share:.0f} % of the tracked time")
    lines.append(NORMAL_POSTURE)
    direction = short_direction(axis, median)
    caution = section.get("large_turn_note") if axis != "rotation" else None
    return Card(
        key=f"posture_{axis}",
        title=title,
        value=f"{abs(median):.1f}°" + (f" {direction}" if direction else ""),
        lines=tuple(lines),
        help=help_text,
        flag=f"beyond {DEVIATION_DEG:g}°" if abs(median) > DEVIATION_DEG else None,
        notes=(str(caution),) if caution else (),
    )


def tremor_card(result: Mapping[str, Any]) -> Card:
    """Head tremor: dominant frequency, zero-to-peak amplitude, axis, regularity."""
    title = "Head tremor"
    help_text = (
        "Dominant oscillation of the head angles in the 2–12 Hz band (dystonic head tremor is often "
        "2–3 Hz and irregular; essential tremor 4–8 Hz and regular). Amplitude is zero-to-peak."
    )
    section = get_in(result, "tremor")
    if not isinstance(section, Mapping):
        return _unavailable("tremor", title, "tremor is not in this result", help_text)
    notes = tuple(str(n) for n in section.get("notes") or ())
    if section.get("measured") is False:
        return Card(
            key="tremor",
            title=title,
            value=NOT_AVAILABLE,
            available=False,
            reason=section.get("reason") or "the clip could not be analysed for tremor",
            help=help_text,
            notes=notes,
        )
    if not section.get("present"):
        band = section.get("band_hz")
        band_text = f" ({band[0]:g}–{band[1]:.1f} Hz)" if isinstance(band, list) and len(band) == 2 else ""
        lines = [f"no tremor found in the analysed band{band_text}"]
        analysed = as_number(section.get("analysed_s"))
        if analysed is not None:
            lines.append(f"{analysed:.0f} s of still head analysed")
        slow = section.get("slow_oscillation")
        if isinstance(slow, Mapping) and as_number(slow.get("frequency_hz")):
            lines.append(
                f"slow oscillation {slow['frequency_hz']:.2f} Hz, "
                f"{as_number(slow.get('amplitude_deg')) or 0:.1f}° ({slow.get('axis')})"
            )
        lines.append("healthy: slow sway under 1 Hz, well under 1–2°")
        return Card(
            key="tremor", title=title, value="none found", lines=tuple(lines), help=help_text, notes=notes
        )
    freq = as_number(section.get("frequency_hz"))
    amp = as_number(section.get("amplitude_deg"))
    axis = section.get("axis")
    regularity = as_number(section.get("regularity"))
    lines = []
    if amp is not None:
        lines.append(f"amplitude {amp:.1f}° (zero-to-peak)")
    if isinstance(axis, str):
        lines.append(f"axis: {AXIS_NICKNAMES.get(axis, axis)}")
    if regularity is not None:
        word = "regular" if regularity >= 0.6 else "irregular" if regularity < 0.35 else "moderately regular"
        lines.append(f"regularity {regularity:.2f} ({word})")
    others = [p for p in section.get("axes_with_tremor") or [] if isinstance(p, Mapping)][1:]
    for other in others:
        lines.append(
            f"also {other.get('axis')}: {as_number(other.get('frequency_hz')) or 0:.1f} Hz, "
            f"{as_number(other.get('amplitude_deg')) or 0:.1f}°"
        )
    lines.append("healthy: slow sway under 1 Hz, well under 1–2°")
    refinement = section.get("refinement")
    if isinstance(refinement, Mapping) and refinement.get("applied"):
        first = as_number(refinement.get("first_pass_amplitude_deg"))
        start, end = as_number(refinement.get("start_s")), as_number(refinement.get("end_s"))
        span = f" over {start:.1f}–{end:.1f} s" if start is not None and end is not None else ""
        was = f" (the normal pass read {first:.1f}°, damped by the face mesh)" if first is not None else ""
        notes = (*notes, f"amplitude from a slower, more faithful second reading{span}{was}")
    return Card(
        key="tremor",
        title=title,
        value=f"{freq:.1f} Hz" if freq is not None else "present",
        lines=tuple(lines),
        help=help_text,
        notes=notes,
        flag="tremor found",
    )


def jerk_card(result: Mapping[str, Any]) -> Card:
    """Jerks: count, rate and the largest one."""
    title = "Jerks"
    help_text = (
        "Sudden, fast excursions of the head that return to where they started (at least about 5–6°, "
        "under 0.6 s). Slow turns, drift and tremor are not jerks."
    )
    section = get_in(result, "jerks")
    if not isinstance(section, Mapping):
        return _unavailable("jerks", title, "jerks are not in this result", help_text)
    count = as_number(section.get("count"))
    if count is None:
        return _unavailable("jerks", title, section.get("reason"), help_text)
    lines = []
    rate = as_number(section.get("rate_per_min"))
    analysed = as_number(section.get("analysed_s"))
    if rate is not None:
        lines.append(f"{rate:.1f} per minute" + (f" over {analysed:.0f} s tracked" if analysed else ""))
    events = [e for e in section.get("events") or [] if isinstance(e, Mapping)]
    if events:
        big = max(events, key=lambda e: abs(as_number(e.get("size_deg")) or 0))
        lines.append(
            f"largest {abs(as_number(big.get('size_deg')) or 0):.0f}° ({big.get('axis')}, {big.get('direction')}) "
            f"at {(as_number(big.get('t_s')) or 0):.1f} s"
        )
    lines.append("healthy: none")
    return Card(
        key="jerks",
        title=title,
        value=f"{int(count)}",
        lines=tuple(lines),
        help=help_text,
        flag="jerks found" if count > 0 else None,
    )


def hold_card(result: Mapping[str, Any]) -> Card:
    """Longest time the head was held within 10° of neutral on every axis."""
    title = "Time within 10° of neutral"
    help_text = (
        "Longest stretch with every head angle within 10° of neutral (TWSTRS item observed over 60 s). "
        "The band is an estimate, not a TWSTRS score."
    )
    section = get_in(result, "posture") or {}
    held = as_number(section.get("time_within_10deg_s"))
    if held is None:
        return _unavailable("time_within_10deg", title, section.get("reason"), help_text)
    lines = []
    band = section.get("time_within_10deg_band")
    anchors = ("> 60 s", "46–60 s", "31–45 s", "16–30 s", "< 15 s")
    if isinstance(band, int) and 0 <= band < len(anchors):
        lines.append(f"TWSTRS-style band {band} ({anchors[band]}), estimated")
    duration = as_number(section.get("duration_s"))
    if duration is not None:
        lines.append(f"of a {duration:.0f} s clip")
    any_pct = as_number(section.get("deviated_any_axis_pct"))
    if any_pct is not None:
        lines.append(f"some axis beyond 10° for {any_pct:.0f} % of the tracked time")
    lines.append("healthy: the whole 60 s")
    note = section.get("time_within_10deg_note")
    return Card(
        key="time_within_10deg",
        title=title,
        value=f"{held:.1f} s",
        lines=tuple(lines),
        help=help_text,
        notes=(str(note),) if note else (),
    )


def rom_card(result: Mapping[str, Any]) -> Card:
    """Range of motion: furthest held position each way against the healthy range."""
    title = "Range of motion"
    help_text = (
        "Furthest position held about half a second toward each side. It measures range of motion only "
        "if the clip includes turning, tilting and bending fully each way. Day-to-day variation is "
        "about 12–20°."
    )
    section = get_in(result, "range_of_motion")
    if not isinstance(section, Mapping):
        return _unavailable("range_of_motion", title, "range of motion is not in this result", help_text)
    values = {name: as_number(section.get(f"{name}_deg")) for name, _ in ROM_DIRECTIONS}
    if section.get("measured") is False or all(v is None for v in values.values()):
        return _unavailable("range_of_motion", title, section.get("reason"), help_text)
    lines = []
    below = attempted = 0
    for name, label in ROM_DIRECTIONS:
        value = values[name]
        normal = section.get(f"{name}_normal_deg")
        normal_text = (
            f" (healthy {normal[0]:g}–{normal[1]:g}°)"
            if isinstance(normal, list) and len(normal) == 2
            else ""
        )
        if value is None:
            lines.append(f"{label}: not attempted")
            continue
        attempted += 1
        flag = section.get(f"{name}_below_normal") is True
        below += flag
        if section.get(f"{name}_at_limit") is True:
            lines.append(f"{label}: {value:.0f}° or more (limit of the measurement){normal_text}")
        else:
            lines.append(
                f"{label}: {value:.0f}°{normal_text}" + (" – under the healthy range" if flag else "")
            )
    return Card(
        key="range_of_motion",
        title=title,
        value=f"{below} of {attempted} low",
        lines=tuple(lines),
        help=help_text,
        # Not a screening finding: a stiff neck from muscle tension limits it too.
        flag="under the healthy range" if below else None,
        flag_is_finding=False,
    )


def shoulders_card(result: Mapping[str, Any]) -> Card:
    """Shoulder elevation and the head's sideways shift over the shoulders (``shoulders``, ``shift``)."""
    title = "Shoulders and head shift"
    help_text = (
        "Height difference between the tops of the shoulders (the person's outline over each shoulder; "
        "centimetres from the eye distance, about ±7 %). Needs both shoulders in view, uncovered by hair "
        "or hands. A raised shoulder and a leaning trunk look alike here."
    )
    section = get_in(result, "shoulders")
    if not isinstance(section, Mapping):
        return _unavailable("shoulders", title, "shoulders are not measured in this result", help_text)
    elevation = as_number(section.get("elevation_cm"))
    if section.get("available") is False or elevation is None:
        return _unavailable("shoulders", title, section.get("reason"), help_text)
    higher = section.get("higher")
    flags = []
    if higher in ("left", "right") and elevation >= SHOULDER_FINDING_CM:
        flags.append("shoulder raised")
    if higher in ("left", "right"):
        value = f"{higher} +{elevation:.1f} cm"
        lines = [f"the patient's {higher} shoulder is higher by {elevation:.1f} cm"]
    else:
        value = "level"
        lines = [f"shoulders level (difference {elevation:.1f} cm)"]
    slope = as_number(section.get("shoulder_line_deg"))
    if slope is not None:
        lines.append(f"shoulder line slopes {abs(slope):.1f}°")
    relative = as_number(section.get("head_tilt_relative_deg"))
    if relative is not None:
        lines.append(f"head tilt over the shoulder line {relative:+.1f}°")
    shift = get_in(result, "shift")
    if isinstance(shift, Mapping) and shift.get("available"):
        lateral = as_number(shift.get("lateral_cm"))
        if lateral is not None and shift.get("present"):
            flags.append("head shifted")
            side = "left" if lateral > 0 else "right"
            lines.append(f"head shifted {abs(lateral):.1f} cm to the patient's {side} (lateral shift)")
        elif lateral is not None:
            lines.append(f"no lateral shift ({abs(lateral):.1f} cm)")
    elif isinstance(shift, Mapping) and shift.get("reason"):
        lines.append(f"lateral shift not measured: {shift['reason']}")
    lines.append("healthy: level within about 1 cm, head centred over the shoulders")
    notes = tuple(str(w) for w in section.get("warnings") or ())
    return Card(
        key="shoulders",
        title=title,
        value=value,
        lines=tuple(lines),
        help=help_text,
        notes=notes,
        flag=", ".join(flags) or None,
    )


def metric_cards(result: Mapping[str, Any]) -> list[Card]:
    """All cards, in the order the dashboard shows them."""
    return [
        posture_card(result, "rotation"),
        posture_card(result, "tilt"),
        posture_card(result, "flexion"),
        tremor_card(result),
        jerk_card(result),
        hold_card(result),
        rom_card(result),
        shoulders_card(result),
    ]


def jerk_events(result: Mapping[str, Any]) -> list[dict]:
    """The jerks of the result as ``[{t_s, axis, size_deg, direction, duration_s}]`` in time order."""
    events = get_in(result, "jerks", "events") or []
    out = [dict(e) for e in events if isinstance(e, Mapping) and as_number(e.get("t_s")) is not None]
    return sorted(out, key=lambda e: e["t_s"])


def jerk_label(event: Mapping[str, Any], number: int) -> str:
    """ "Jerk 2 at 12.3 s: rotation, 8° to the left" for a jump list."""
    side = event.get("direction") or ""
    side_text = {"left": "to the left", "right": "to the right", "down": "chin down", "up": "chin up"}.get(
        side, side
    )
    size = as_number(event.get("size_deg"))
    return f"Jerk {number} at {event['t_s']:.1f} s: {event.get('axis', '')}" + (
        f", {size:.0f}° {side_text}" if size is not None else ""
    )
