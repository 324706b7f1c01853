"""Plain-text summary of an analysis for the terminal (no computation: it only formats the result)."""

from __future__ import annotations

from posture import DISCLAIMER


def _posture_line(p: dict) -> str:
    parts = []
    for axis in ("rotation", "tilt", "flexion"):
        section = p.get(axis) or {}
        value = p.get(f"{axis}_deg")
        if value is None:
            parts.append(f"{axis} n/a")
            continue
        words = section.get("description")
        band = section.get("band")
        text = f"{axis} {value:+.1f}°"
        if words:
            text += f" ({words}"
            text += f"; TWSTRS-style band {band})" if band is not None else ")"
        parts.append(text)
    return "head posture (median): " + " | ".join(parts)


def _tremor_line(t: dict) -> str:
    if not t:
        return "tremor: not measured"
    if not t.get("measured"):
        return f"tremor: not measured: {t.get('reason') or 'no reason given'}"
    if not t.get("present"):
        slow = t.get("slow_oscillation")
        extra = f"; slow oscillation at {slow['frequency_hz']:.1f} Hz" if isinstance(slow, dict) else ""
        return f"tremor: none found in {t['band_hz'][0]:.0f}-{t['band_hz'][1]:.0f} Hz{extra}"
    listed = [a.get("axis") if isinstance(a, dict) else a for a in t.get("axes_with_tremor", [])]
    others = [a for a in listed if a and a != t.get("axis")]
    also = f" (also on {', '.join(others)})" if others else ""
    return (
        f"tremor: {t['frequency_hz']:.2f} Hz, {t['amplitude_deg']:.2f}° on {t['axis']}{also}, "
        f"regularity {t['regularity']:.2f}"
    )


def _jerks_line(j: dict) -> str:
    if not j or j.get("count") is None:
        return f"jerks: not measured: {(j or {}).get('reason') or 'no reason given'}"
    if not j["count"]:
        return "jerks: none"
    times = ", ".join(f"{e['t_s']:.1f} s ({e['axis']} {e['size_deg']:+.0f}°)" for e in j["events"][:6])
    more = " ..." if j["count"] > 6 else ""
    return f"jerks: {j['count']} ({j['rate_per_min']:.1f}/min) at {times}{more}"


def _rom_line(r: dict) -> str:
    if not r or r.get("reason"):
        return f"range of motion: not measured: {(r or {}).get('reason') or 'no reason given'}"
    pairs = [
        ("rotation L/R", "rotation_left_deg", "rotation_right_deg"),
        ("tilt L/R", "tilt_left_deg", "tilt_right_deg"),
        ("flexion/extension", "flexion_deg", "extension_deg"),
    ]
    parts = []
    for label, a, b in pairs:
        va, vb = r.get(a), r.get(b)
        if va is None or vb is None:
            parts.append(f"{label} n/a")
        else:
            parts.append(f"{label} {va:.0f}°/{vb:.0f}°")
    return "range of motion (furthest held): " + " | ".join(parts)


def _body_line(name: str, section: dict) -> str:
    if not section:
        return f"{name}: not measured"
    if section.get("available") is False:
        return f"{name}: not measured: {section.get('reason') or 'no reason given'}"
    return f"{name}: {section.get('description') or 'measured'}"


def summary_lines(result) -> list[str]:
    """Readable summary of an :class:`~posture.result.Analysis`, one finding per line."""
    d = result.to_dict()
    v, q, p = d["video"], d["quality"], d["posture"]
    lines = [
        f"posture {d['software']['version']} - {DISCLAIMER}",
        f"{v['path']}: {v['width']}x{v['height']}, {q['fps_measured']:.1f} fps"
        f"{' (variable)' if q['variable_frame_rate'] else ''}, {v['frames']} frames, "
        f"face in {q['face_found_ratio']:.0%} of frames",
        _posture_line(p),
    ]
    if p.get("large_turn_note"):
        lines.append(f"  caution: {p['large_turn_note']}")
    if "time_within_10deg_s" in p:
        lines.append(f"longest time within 10° of neutral: {p['time_within_10deg_s']:.1f} s")
    if "tremor" in d:
        lines.append(_tremor_line(d["tremor"]))
    if "jerks" in d:
        lines.append(_jerks_line(d["jerks"]))
    if "range_of_motion" in d:
        lines.append(_rom_line(d["range_of_motion"]))
    for name in ("shoulders", "shift"):
        if name in d:
            lines.append(_body_line(name, d[name]))
    return lines
