"""Plain-text summary of an analysis for the terminal (no computation: it only formats)."""

from __future__ import annotations

DISCLAIMER = "Screening and tracking aid, not a diagnosis."


def _deg(value: float | None, fmt: str = "{:+.1f}°") -> str:
    return "n/a" if value is None else fmt.format(value)


def summary_lines(result) -> list[str]:
    """Readable summary of an :class:`~posture.result.Analysis`, one finding per line."""
    d = result.to_dict()
    v, q, p = d["video"], d["quality"], d["posture"]
    lines = [
        f"posture {d['software']['version']} - {DISCLAIMER}",
        f"{v['path']}: {v['width']}x{v['height']}, {q['fps_measured']:.1f} fps"
        f"{' (variable)' if q['variable_frame_rate'] else ''}, {d['video']['frames']} frames, "
        f"face in {q['face_found_ratio']:.0%} of frames",
    ]
    words = {axis: p.get(f"{axis}_words") for axis in ("rotation", "tilt", "flexion")}
    lines.append(
        "head posture (median): "
        + " | ".join(
            f"{axis} {_deg(p.get(f'{axis}_deg'))}" + (f" ({words[axis]})" if words[axis] else "")
            for axis in ("rotation", "tilt", "flexion")
        )
    )
    return lines
