"""Synthetic head-angle signals shared by the metric tests (degrees, seconds)."""

from __future__ import annotations

import numpy as np


def raised_cosine_moves(t: np.ndarray, knots) -> np.ndarray:
    """Slow voluntary movement through (time s, angle) knots, raised-cosine ramps, holds between."""
    out = np.full(t.shape, float(knots[0][1]))
    for (t0, v0), (t1, v1) in zip(knots[:-1], knots[1:], strict=False):
        u = np.clip((t[t >= t0] - t0) / (t1 - t0), 0, 1)
        out[t >= t0] = v0 + (v1 - v0) * (0.5 - 0.5 * np.cos(np.pi * u))
    return out


def pulse(t: np.ndarray, t0: float, size_deg: float, duration_s: float) -> np.ndarray:
    """A jerk: a raised-cosine pulse of ``size_deg`` peaking at ``t0``, ``duration_s`` long in all."""
    u = (t - t0) / duration_s + 0.5
    return np.where((u > 0) & (u < 1), size_deg * 0.5 * (1 - np.cos(2 * np.pi * np.clip(u, 0, 1))), 0.0)
