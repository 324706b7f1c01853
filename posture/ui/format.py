"""Small text helpers for the dashboard: progress messages, clip descriptions, the summary as text."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from posture import DISCLAIMER

VIDEO_EXTENSIONS = ("mp4", "mov", "webm", "avi")


def duration_words(seconds: float) -> str:
    """ "about 12 s" / "about 1 min 20 s" for a time estimate."""
    seconds = max(0.0, float(seconds))
    if seconds < 1:
        return "under a second"
    if seconds < 60:
        return f"about {seconds:.0f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"about {minutes} min {rest} s" if rest else f"about {minutes} min"


def progress_text(verb: str, done: int, expected: int, elapsed_s: float) -> tuple[float | None, str]:
    """(fraction done or None when the total is unknown, "Analysing: frame 120 of 360, about 8 s left")."""
    if expected and expected > 0:
        fraction = min(done / expected, 1.0)
        left = elapsed_s / done * max(expected - done, 0) if done else float("nan")
        left_text = duration_words(left) + " left" if done >= 5 and left == left else "estimating time left"
        return fraction, f"{verb}: frame {done} of {expected}, {left_text}"
    return None, f"{verb}: frame {done} ({elapsed_s:.0f} s so far)"


def safe_file_name(name: str, default: str = "clip.mp4") -> str:
    """A file name safe to write in a temporary folder (no folders, no odd characters)."""
    base = Path(name or "").name
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" .")
    return base[:120] or default


def sample_clips(folder: Path) -> list[tuple[Path, str]]:
    """Bundled sample clips as (path, label); the label adds the truth file's description."""
    out = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.iterdir()):
        if path.suffix.lower().lstrip(".") not in VIDEO_EXTENSIONS:
            continue
        label = path.stem.replace("_", " ")
        truth = path.with_name(path.stem + ".truth.json")
        if truth.is_file():
            try:
                description = json.loads(truth.read_text()).get("description")
            except (OSError, ValueError):
                description = None
            if description:
                label = f"{label} – {description}"
        out.append((path, label))
    return out


def clip_line(result: Mapping[str, Any], name: str) -> str:
    """ "clip.mp4: 12.0 s, 1280×720, 30 fps, face found in 99 % of the frames"."""
    video = result.get("video") or {}
    quality = result.get("quality") or {}
    parts = []
    duration = video.get("duration_s")
    if isinstance(duration, (int, float)):
        parts.append(f"{duration:.1f} s")
    if video.get("width") and video.get("height"):
        parts.append(f"{video['width']}×{video['height']}")
    fps = quality.get("fps_measured") or video.get("fps")
    if isinstance(fps, (int, float)):
        parts.append(f"{fps:.0f} fps" + (" (variable)" if quality.get("variable_frame_rate") else ""))
    ratio = quality.get("face_found_ratio")
    if isinstance(ratio, (int, float)):
        parts.append(f"face found in {ratio:.0%} of the frames")
    return f"{name}: " + ", ".join(parts) if parts else name


def summary_text(
    name: str,
    result: Mapping[str, Any],
    card_lines: Sequence[tuple[str, str, Sequence[str]]],
    summary: Any,
    answers: Mapping[str, bool | None],
    questions: Sequence[Any],
) -> str:
    """A plain-text record of one screening: the clip, the measurements, the answers, the summary."""
    lines = [
        "posture screening record",
        DISCLAIMER,
        "",
        clip_line(result, name),
        "",
        "Measurements",
    ]
    for title, value, details in card_lines:
        lines.append(f"- {title}: {value}")
        lines.extend(f"    {d}" for d in details)
    lines += ["", "Checklist (signs a camera cannot see)"]
    for q in questions:
        answer = answers.get(q.key)
        lines.append(f"- {q.text} {'yes' if answer is True else 'no' if answer is False else 'not asked'}")
    lines += ["", "Screening summary", summary.headline]
    if summary.drivers:
        lines.append("Driven by:")
        lines.extend(f"- {d}" for d in summary.drivers)
    if summary.caveats:
        lines.append("Limits:")
        lines.extend(f"- {c}" for c in summary.caveats)
    lines += ["", summary.disclaimer, ""]
    return "\n".join(lines)
