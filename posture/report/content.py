"""What the referral report says, as plain rows of text: no layout, no drawing.

Everything is read from the stored result (the ``posture.analysis/1`` JSON dict) defensively: a
section that is missing prints "not measured", a key that is missing is skipped, and metric keys
this module has never heard of are still printed, with a unit read off their suffix, so a new
measurement reaches the report without a change here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from posture.store.measurements import BY_KEY, MEASUREMENTS, as_number

NOT_MEASURED = "not measured"

# Sections of the result, in report order, with their headings.
SECTIONS = (
    ("posture", "Head posture"),
    ("tremor", "Head tremor"),
    ("jerks", "Jerks"),
    ("range_of_motion", "Range of motion"),
    ("shoulders", "Shoulders"),
    ("shift", "Head shift over the trunk"),
)

# Unit from a key's suffix: (suffix, unit, scale).
_SUFFIX_UNITS = (
    ("_deg", "°", 1.0),
    ("_hz", "Hz", 1.0),
    ("_cm", "cm", 1.0),
    ("_mm", "mm", 1.0),
    ("_px", "px", 1.0),
    ("_per_minute", "/min", 1.0),
    ("_per_min", "/min", 1.0),
    ("_ratio", "%", 100.0),
    ("_share", "%", 100.0),
    ("_fraction", "%", 100.0),
    ("_pct", "%", 1.0),
    ("_percent", "%", 1.0),
    ("_s", "s", 1.0),
)
_BAND_SUFFIXES = ("_band", "_grade", "_twstrs")
_WORDS = {"deg": "", "hz": "", "cm": "", "s": "", "per": "per", "min": "minute", "rom": "ROM"}

# TWSTRS motor severity anchors with degree thresholds (Consky & Lang 1994; CLINICAL.md). Used
# only when the result carries no band of its own; printed as an estimate beside the number.
_ROTATION_BANDS = ((1, 0), (23, 1), (46, 2), (68, 3), (math.inf, 4))
_TILT_BANDS = ((1, 0), (16, 1), (36, 2), (math.inf, 3))
_ESTIMATED_BANDS = {"rotation_deg": _ROTATION_BANDS, "tilt_deg": _TILT_BANDS}
# What a band number means, for bands the result gives without their anchor (CLINICAL.md).
DURATION_ANCHORS = ("none", "< 25 %", "25–50 %", "50–75 %", "> 75 %")
HOLD_ANCHORS = ("> 60 s", "46–60 s", "31–45 s", "16–30 s", "< 15 s")
_ANCHORS = {"duration_band": DURATION_ANCHORS, "time_within_10deg_band": HOLD_ANCHORS}


def _anchored(band: Any, anchors: tuple[str, ...]) -> str:
    """``4 (> 75 %)`` for a band number with a known anchor."""
    if isinstance(band, int) and not isinstance(band, bool) and 0 <= band < len(anchors):
        return f"{band} ({anchors[band]})"
    return _band_text(band)


@dataclass(frozen=True)
class Row:
    """One line of a measurement table: ``band`` and ``normal`` are ``""`` when not applicable."""

    label: str
    value: str
    band: str = ""
    normal: str = ""


def fmt_number(value: float, unit: str = "", digits: int | None = None, signed: bool = False) -> str:
    """``12.3°``, ``2.60 Hz``, ``45 %``, ``4`` (a whole count): precision by unit; a true minus
    sign; ``signed`` adds ``+`` to positive values."""
    if digits is None:
        if not unit and float(value).is_integer():
            digits = 0
        else:
            digits = 2 if unit == "Hz" else 0 if unit in ("%", "px") else 1
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    text = text.replace("-", "−")
    if not unit:
        return text
    return f"{text}{unit}" if unit == "°" else f"{text} {unit}"


# Direction words of the clinical angles (CLINICAL.md conventions), for (positive, negative).
DIRECTIONS = {
    "rotation_deg": ("chin to the left", "chin to the right"),
    "tilt_deg": ("left ear down", "right ear down"),
    "flexion_deg": ("chin down", "chin up"),
}
# Below this a posture angle is printed without a direction (within the fit's own error).
DIRECTION_MIN_DEG = 1.0


def humanize(key: str) -> str:
    """``rotation_left_deg`` -> ``Rotation left``."""
    for suffix, _, _ in _SUFFIX_UNITS + tuple((s, "", 1) for s in _BAND_SUFFIXES):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
            break
    words = [_WORDS.get(w, w) for w in key.split("_")]
    text = " ".join(w for w in words if w)
    return text[:1].upper() + text[1:] if text else key


def unit_of(key: str) -> tuple[str, float]:
    for suffix, unit, scale in _SUFFIX_UNITS:
        if key.endswith(suffix):
            return unit, scale
    return "", 1.0


def _band_text(band: Any, band_range: Any = None) -> str:
    """``2 (23–45°)`` from a band number and its anchor; dicts and strings are printed as given."""
    if isinstance(band, dict):
        return _band_text(band.get("band", band.get("score")), band.get("band_range") or band.get("range"))
    if isinstance(band, bool) or band is None or band == "":
        return ""
    text = str(band)
    return f"{text} ({band_range})" if isinstance(band_range, str) and band_range else text


def _estimated_band(key: str, value: float) -> str:
    """A TWSTRS-style band from CLINICAL.md's degree anchors, for results that carry none."""
    for upper, band in _ESTIMATED_BANDS.get(key, ()):
        if abs(value) < upper:
            return f"{band} (estimate)"
    return ""


def _catalogued(section_name: str) -> dict[str, Any]:
    """``{key within the section: Measurement}`` for the catalogue's entries of this section."""
    out = {}
    for m in MEASUREMENTS:
        for path in m.paths:
            head, _, tail = path.partition(".")
            if head == section_name and tail and "." not in tail:
                out.setdefault(tail, m)
    return out


# Keys that describe how a section was computed rather than what was measured: they go to the
# section's notes (reason, note, notes, warnings, *_note, *_reason) or are left out (thresholds,
# sample counts and intermediate data, which the JSON keeps).
_METHOD_KEYS = {
    "available", "measured", "present", "reason", "note", "notes", "warnings", "duration_s", "tracked_s",
    "face_frames_pct", "neutral_deg", "deviation_deg", "band_hz", "frame_rate_hz", "resolution_hz",
    "analysed_s", "excluded_s", "min_size_deg", "max_duration_s", "hold_s", "cm_per_px",
    "scale_reference", "frames_used_pct", "per_axis", "spectrum", "events", "axes_with_tremor",
    "slow_oscillation", "refinement", "description", "direction", "higher", "count",
}  # fmt: skip


@dataclass(frozen=True)
class SectionTable:
    """One section of the report's measurements: its rows and the notes printed under them."""

    heading: str
    rows: list[Row]
    notes: list[str]


def _notes_of(section: dict) -> list[str]:
    notes: list[str] = []
    for key, value in section.items():
        if key in ("note", "reason") or key.endswith(("_note", "_reason")):
            if isinstance(value, str) and value:
                notes.append(_sentence(value))
        elif key in ("notes", "warnings") and isinstance(value, (list, tuple)):
            notes.extend(_sentence(v) for v in value if isinstance(v, str) and v)
    return notes


def _number_row(section_name: str, section: dict, key: str, catalogue: dict) -> Row | None:
    raw = section.get(key)
    m = catalogue.get(key)
    unit, scale = (m.unit, m.scale) if m else unit_of(key)
    label = m.label if m else humanize(key)
    number = as_number(raw)
    if number is None:
        return Row(label, NOT_MEASURED, "", m.normal if m else "") if raw is None else None
    value = number * scale
    directional = section_name == "posture" and key in DIRECTIONS
    text = fmt_number(value, unit, signed=directional)
    if directional and abs(value) >= DIRECTION_MIN_DEG:
        text += f" ({DIRECTIONS[key][0 if value > 0 else 1]})"
    stem = key.rsplit("_", 1)[0]
    band = ""
    for candidate in (f"{key}_band", f"{stem}_band", f"{key}_grade", f"{stem}_grade"):
        if candidate in section:
            band = _anchored(section[candidate], _ANCHORS.get(candidate, ()))
            break
    if not band and key == "deviated_any_axis_pct" and "duration_band" in section:
        band = _anchored(section["duration_band"], DURATION_ANCHORS)
    if not band and section_name == "posture":
        band = _estimated_band(key, number)
    normal = m.normal if m else ""
    given = section.get(f"{stem}_normal_deg")
    if isinstance(given, (list, tuple)) and len(given) == 2 and all(as_number(v) is not None for v in given):
        normal = f"{given[0]:g}–{given[1]:g}°"
    if section.get(f"{stem}_below_normal") is True:
        text += " (below normal)"
    return Row(label, text, band, normal)


def _posture_rows(section: dict, catalogue: dict) -> tuple[list[Row], set[str]]:
    """Rows of the per-axis posture entries ``{median_deg, band, band_range, share_deviated_pct,
    duration_band, ...}``; returns the rows and the keys they used."""
    rows, used = [], set()
    for axis in ("rotation", "tilt", "flexion"):
        entry = section.get(axis)
        key = f"{axis}_deg"
        if not isinstance(entry, dict):
            continue
        used.update({axis, key, f"{axis}_words"})
        m = BY_KEY[key]
        median = as_number(entry.get("median_deg"))
        if median is None:
            rows.append(Row(m.label, NOT_MEASURED, "", m.normal))
            continue
        text = fmt_number(median, "°", signed=True)
        if abs(median) >= DIRECTION_MIN_DEG:
            text += f" ({DIRECTIONS[key][0 if median > 0 else 1]})"
        item = entry.get("item")
        band = _band_text(entry.get("band"), entry.get("band_range"))
        rows.append(
            Row(m.label + (f" [{item}]" if isinstance(item, str) and item else ""), text, band, m.normal)
        )
        share = as_number(entry.get("share_deviated_pct"))
        if share is not None:
            rows.append(
                Row(
                    f"    time > 10° off neutral ({axis})",
                    fmt_number(share, "%"),
                    _anchored(entry.get("duration_band"), DURATION_ANCHORS),
                    "none",
                )
            )
    return rows, used


def measurement_rows(result: dict) -> list[SectionTable]:
    """The measurement tables, one per section of :data:`SECTIONS`.

    A missing section, or one that says it could not be measured (``available``/``measured``
    false), gives one row "not measured" and its reason. Numbers get units and, where known, a
    TWSTRS-style band and the normal range; the posture angles get their direction in words;
    keys this module does not know are still printed, with a unit read off their suffix.
    """
    tables = []
    for name, heading in SECTIONS:
        section = result.get(name)
        if not isinstance(section, dict) or not section:
            tables.append(SectionTable(heading, [Row(NOT_MEASURED, "")], []))
            continue
        notes = _notes_of(section)
        if section.get("available") is False or section.get("measured") is False:
            tables.append(SectionTable(heading, [Row(NOT_MEASURED, "")], notes))
            continue
        catalogue = _catalogued(name)
        rows: list[Row] = []
        used: set[str] = set()
        if name == "posture":
            rows, used = _posture_rows(section, catalogue)
        if name == "tremor":
            rows, used = _tremor_rows(section)
        if name == "jerks" and as_number(section.get("count")) is not None:
            rows.append(Row("Jerks seen", fmt_number(float(section["count"]))))
        if name == "shift" and isinstance(section.get("present"), bool):
            lateral = _number_row(name, section, "lateral_cm", catalogue)
            if lateral is not None:
                rows.append(Row(lateral.label, lateral.value, "present" if section["present"] else "absent",
                                lateral.normal))  # fmt: skip
                used.add("lateral_cm")
        if name == "shoulders" and isinstance(section.get("higher"), str):
            elevation = _number_row(name, section, "elevation_cm", catalogue)
            if elevation is not None:
                side = section["higher"]
                text = elevation.value + ("" if side == "level" else f" ({side} higher)")
                rows.append(Row(elevation.label, text, "", elevation.normal))
                used.add("elevation_cm")
        for key, raw in section.items():
            if key in used or key in _METHOD_KEYS or key.endswith(_BAND_SUFFIXES):
                continue
            if key.endswith(("_note", "_reason", "_normal_deg", "_below_normal", "_words")):
                continue
            if isinstance(raw, (dict, list, tuple)):
                continue
            if isinstance(raw, (str, bool)):
                rows.append(Row(humanize(key), _text_value(raw)))
                continue
            row = _number_row(name, section, key, catalogue)
            if row is not None:
                rows.append(row)
        tables.append(SectionTable(heading, rows or [Row(NOT_MEASURED, "")], notes))
    return tables


def _tremor_rows(section: dict) -> tuple[list[Row], set[str]]:
    used = {"frequency_hz", "amplitude_deg", "axis", "regularity"}
    if section.get("present") is False:
        return [Row("Head tremor", "none detected", "", "none")], used
    rows = []
    for key in ("frequency_hz", "amplitude_deg"):
        m = BY_KEY[f"tremor_{key}"]
        number = as_number(section.get(key))
        rows.append(
            Row(m.label, NOT_MEASURED if number is None else fmt_number(number, m.unit), "", m.normal)
        )
    axis = section.get("axis")
    if isinstance(axis, str):
        nod = {"rotation": ' ("no-no")', "flexion": ' ("yes-yes")'}.get(axis, "")
        rows.append(Row("Tremor axis", axis + nod))
    regularity = as_number(section.get("regularity"))
    if regularity is not None:
        rows.append(Row("Regularity (1 = a pure sine)", fmt_number(regularity, "", digits=2), "",
                        "dystonic: often irregular"))  # fmt: skip
    others = [p for p in (section.get("axes_with_tremor") or [])[1:] if isinstance(p, dict)]
    if others:
        rows.append(Row("Tremor also on", "; ".join(_peak_text(p) for p in others)))
    slow = section.get("slow_oscillation")
    if isinstance(slow, dict):
        rows.append(Row("Slow oscillation (1.5–2 Hz)", _peak_text(slow)))
    return rows, used


def _peak_text(peak: dict) -> str:
    parts = [str(peak.get("axis") or "")]
    f, a = as_number(peak.get("frequency_hz")), as_number(peak.get("amplitude_deg"))
    if f is not None:
        parts.append(fmt_number(f, "Hz"))
    if a is not None:
        parts.append(fmt_number(a, "°"))
    return " ".join(p for p in parts if p)


def _text_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def recording_rows(result: dict, session: Any) -> list[tuple[str, str]]:
    """What was recorded and how: file, picture, frame rate, duration, tracking, software."""
    v = result.get("video") or {}
    q = result.get("quality") or {}
    sw = result.get("software") or {}
    rows: list[tuple[str, str]] = []

    def add(label: str, text: str | None) -> None:
        if text:
            rows.append((label, text))

    add("Protocol", getattr(session, "protocol", "") or "not recorded")
    add("Video file", getattr(session, "video_name", "") or v.get("path") or "")
    w, h = v.get("width"), v.get("height")
    if w and h:
        picture = f"{w} × {h} px as analysed (upright)"
        cw, ch = v.get("coded_width"), v.get("coded_height")
        if cw and ch and (cw, ch) != (w, h):
            picture += f"; stored {cw} × {ch}"
        if v.get("rotation"):
            picture += f", rotation tag {v['rotation']}°"
        add("Picture", picture)
    fps = as_number(v.get("fps"))
    fps_measured = as_number(q.get("fps_measured"))
    if fps or fps_measured:
        parts = []
        if fps_measured:
            parts.append(f"{fps_measured:.1f} frames/s measured")
        if fps:
            parts.append(f"{fps:.1f} declared")
        if q.get("variable_frame_rate"):
            parts.append("variable frame rate")
        add("Frame rate", ", ".join(parts))
    duration = as_number(v.get("duration_s"))
    frames = v.get("frames")
    if duration or frames:
        add(
            "Duration",
            ", ".join(
                x
                for x in (f"{duration:.1f} s" if duration else "", f"{frames} frames" if frames else "")
                if x
            ),
        )
    ratio = as_number(q.get("face_found_ratio"))
    if ratio is not None:
        tracked = as_number(q.get("tracked_duration_s"))
        add("Face tracked", f"{ratio:.0%} of frames" + (f" ({tracked:.1f} s)" if tracked is not None else ""))
    add("Codec", v.get("codec"))
    digest = getattr(session, "video_sha256", "")
    add("Video SHA-256", digest)
    videos = getattr(session, "videos", ()) or ()
    kept = ", ".join("de-identified (face blurred)" if x.kind == "deidentified" else "raw" for x in videos)
    add("Video kept", kept or "no (measurements only)")
    add(
        "Software",
        f"{sw.get('name', 'posture')} {sw.get('version') or getattr(session, 'software_version', '')}",
    )
    add("Result format", result.get("schema"))
    return rows


def quality_notes(result: dict) -> list[str]:
    """Data-quality notes: the analysis's own warnings, then what else limits the result."""
    q = result.get("quality") or {}
    notes = [_sentence(w) for w in result.get("warnings") or []]
    tracked = as_number(q.get("tracked_duration_s"))
    if tracked is not None and tracked < 10:
        notes.append(
            f"Only {tracked:.1f} s of head tracking: a tremor frequency needs about 10 s for a 0.1 Hz "
            "resolution, so tremor figures are rough."
        )
    if q.get("variable_frame_rate"):
        notes.append(
            "The clip has a variable frame rate (phone); times come from the video's own timestamps."
        )
    if not notes:
        notes.append("No data-quality problem was detected.")
    return notes


def _sentence(text: object) -> str:
    text = str(text).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _checklist() -> tuple[list[tuple[str, str]], set[str]]:
    """The screening checklist's questions ``[(key, text)]`` and the red-flag keys, from
    :mod:`posture.screening` (empty if it is not there: answers then print by their keys)."""
    try:
        from posture import screening

        questions = [(q.key, q.text) for q in screening.ALL_QUESTIONS]
        return questions, {q.key for q in screening.RED_FLAG_QUESTIONS}
    except (ImportError, AttributeError):
        return [], set()


def answer_rows(answers: Any) -> list[tuple[str, str, bool]]:
    """Screening checklist answers as ``(question, answer, flagged)``; ``flagged`` marks a red flag
    answered yes.

    ``answers`` as the dashboard saves them, ``{question key: True | False | None}`` (keys of
    :data:`posture.screening.ALL_QUESTIONS`): every checklist question is listed, in order, with
    "not answered" where there is no answer. Other shapes print as given: ``{question: answer}``,
    ``{key: {"question", "answer", "red_flag"}}`` or a list of such dicts.
    """
    if not answers:
        return []
    items: list[tuple[str, Any]] = []
    if isinstance(answers, dict):
        items = list(answers.items())
    elif isinstance(answers, (list, tuple)):
        items = [(str(i + 1), item) for i, item in enumerate(answers)]
    questions, red_flags = _checklist()
    given = dict(items)
    rows = []
    if any(key in given for key, _ in questions):
        for key, text in questions:
            answer = given.pop(key, None)
            flag = key in red_flags
            rows.append(
                (f"{text} (red flag)" if flag else text, _answer_text(answer), flag and _is_yes(answer))
            )
        items = list(given.items())
    for key, value in items:
        question, answer, flag = humanize_question(str(key)), value, False
        if isinstance(value, dict):
            question = str(value.get("question") or value.get("text") or value.get("label") or question)
            answer = value.get("answer", value.get("value"))
            flag = bool(value.get("red_flag") or value.get("flag")) and _is_yes(answer)
        rows.append((question, _answer_text(answer), flag))
    return rows


def screening_lines(result: dict, answers: Any) -> tuple[str, list[str]] | None:
    """The screening aid's conclusion for these measurements and answers: ``(headline, lines)``
    with the findings that drove it and its caveats, or None when there are no answers or no
    screening module."""
    if not isinstance(answers, dict) or not answers:
        return None
    try:
        from posture.screening import screening_summary

        summary = screening_summary(result, answers)
    except (ImportError, AttributeError, TypeError, ValueError):
        return None
    lines = [str(d) for d in getattr(summary, "drivers", [])]
    lines += [f"caveat: {c}" for c in getattr(summary, "caveats", [])]
    return str(summary.headline), lines


def humanize_question(key: str) -> str:
    if " " in key:
        return key
    text = re.sub(r"[_\-]+", " ", key).strip()
    return text[:1].upper() + text[1:]


def _is_yes(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("yes", "y", "true"))


def _answer_text(value: Any) -> str:
    if value is None or value == "":
        return "not answered"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def fmt_when(when: datetime | None) -> str:
    """A stored aware time in the machine's local time: ``2026-11-25 11:30 (UTC+01:00)``."""
    if when is None:
        return "unknown"
    local = when.astimezone()
    offset = local.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "local time"
    return f"{local:%Y-%m-%d %H:%M} ({offset})"
