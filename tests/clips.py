"""The bundled sample clips and their truth, analysed once per test session."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import numpy as np

SAMPLES = Path(os.environ.get("POSTURE_SAMPLES", Path(__file__).resolve().parents[1] / "sample_videos"))
AXES = ("rotation_deg", "tilt_deg", "flexion_deg")


def clip_path(name: str) -> Path:
    return SAMPLES / f"{name}.mp4"


@cache
def truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text())


def truth_angles(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(t_s (n,), angles (n, 3)) of the truth file."""
    frames = truth(name)["frames"]
    return np.asarray(frames["t_s"]), np.column_stack([frames[a] for a in AXES]).astype(float)


@cache
def analysed(name: str):
    """The :class:`~posture.result.Analysis` of a sample clip (cached for the session)."""
    from posture.analysis import analyze

    return analyze(clip_path(name))


def all_clips() -> list[str]:
    return sorted(p.name[: -len(".truth.json")] for p in SAMPLES.glob("*.truth.json"))
