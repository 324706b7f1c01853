"""The analysis result and its versioned JSON / CSV contract.

JSON schema ``posture.analysis/1`` (keys are added by later versions, never renamed or removed
within a major version):

``schema``
    ``"posture.analysis/1"``.
``software``
    ``{"name": "posture", "version": str}``.
``video``
    ``path``, ``width``/``height`` (displayed pixels the analysis saw, upright), ``coded_width``/
    ``coded_height`` (as stored), ``rotation`` (display rotation tag, degrees counter-clockwise),
    ``fps`` (container's average rate), ``frames`` (decoded frames), ``duration_s`` (container),
    ``codec``.
``series``
    Per decoded frame, aligned: ``t_s`` (seconds from the first frame, from the container's
    timestamps), ``rotation_deg``, ``tilt_deg``, ``flexion_deg`` (degrees; ``null`` where no face),
    ``face_found`` (bool). Angle conventions: :mod:`posture.angles`.
``posture``
    Median ``rotation_deg``, ``tilt_deg``, ``flexion_deg`` over the frames with a face (degrees,
    ``null`` if none), plus the clinical fields of :mod:`posture.metrics` when computed.
``quality``
    ``face_found_ratio`` (0..1), ``frames_with_face``, ``fps_measured`` (median of 1 / frame
    interval, Hz), ``variable_frame_rate`` (bool), ``longest_gap_s`` (longest stretch without a face),
    ``max_faces_seen``, ``multiple_faces`` (bool: another face was in view; the largest, most central
    one was followed), ``tracked_duration_s``.
``warnings``
    Sentences for the user about anything that limits the result.

Other top-level sections (``tremor``, ``jerks``, ``range_of_motion``, ``shoulders``, ``shift``) are
documented in :mod:`posture.metrics`; ``protocol`` (the phases of the guided recording protocol and
the measurements taken on each) in :mod:`posture.protocol`.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posture import __version__
from posture.pipeline.frames import VideoInfo

SCHEMA = "posture.analysis/1"
AXES = ("rotation_deg", "tilt_deg", "flexion_deg")


def _num(value: float, digits: int = 3) -> float | None:
    """JSON-ready float: NaN/inf -> None, rounded."""
    if value is None:
        return None
    value = float(value)
    return None if not math.isfinite(value) else round(value, digits)


def json_ready(obj: Any) -> Any:
    """Recursively turn NumPy scalars/arrays and NaN into plain JSON types."""
    if isinstance(obj, dict):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_ready(v) for v in obj.tolist()]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer, int)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        return _num(obj, 4)
    return obj


def get_in(d: Any, *keys: str) -> Any:
    """``d[k1][k2]...`` of a result dictionary, or None when a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(d, Mapping):
            return None
        d = d.get(key)
    return d


def as_number(value: Any) -> float | None:
    """A finite float from a result value, or None (for None, NaN, strings, dicts, booleans)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Quality:
    """Data-quality figures of one analysis (see the module docstring for units)."""

    face_found_ratio: float
    frames_with_face: int
    fps_measured: float
    variable_frame_rate: bool
    longest_gap_s: float
    max_faces_seen: int
    multiple_faces: bool
    tracked_duration_s: float

    def to_dict(self) -> dict:
        return json_ready(self.__dict__)


@dataclass(frozen=True)
class Analysis:
    """Everything measured from one video.

    ``t_s``: (n,) seconds from the first frame. ``angles``: (n, 3) degrees
    ``[rotation, tilt, flexion]``, NaN where no face. ``face``: (n, 10) pixels, NaN where no face,
    columns :data:`posture.pipeline.headpose.FACE_GEOMETRY_COLUMNS` (eye centres, nose tip, face
    box; for overlays, blurring and body scale; not part of the JSON). ``body``: (n, 12) the
    shoulders in pixels with visibility and the outline's height over each shoulder (columns
    :data:`posture.pipeline.body.BODY_COLUMNS`), NaN in frames where the pose model did not run or
    found no one, or None. ``metrics``: the clinical
    sections (an object with ``to_dict()``), or None when not computed.
    """

    video: VideoInfo
    t_s: np.ndarray
    angles: np.ndarray
    face: np.ndarray
    quality: Quality
    warnings: tuple[str, ...] = ()
    body: np.ndarray | None = None
    metrics: Any = None
    protocol: dict | None = None
    extras: dict = field(default_factory=dict)

    @property
    def face_found(self) -> np.ndarray:
        """(n,) bool: a face was followed in the frame."""
        return np.isfinite(self.angles).all(axis=1)

    def median_angles(self) -> dict[str, float | None]:
        """Median of each angle over the frames with a face (degrees)."""
        ok = self.face_found
        if not ok.any():
            return {axis: None for axis in AXES}
        med = np.median(self.angles[ok], axis=0)
        return {axis: _num(v, 2) for axis, v in zip(AXES, med, strict=True)}

    def to_dict(self) -> dict:
        v = self.video
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "software": {"name": "posture", "version": __version__},
            "video": {
                "path": v.path,
                "width": v.width,
                "height": v.height,
                "coded_width": v.coded_width,
                "coded_height": v.coded_height,
                "rotation": v.rotation_deg,
                "fps": _num(v.fps, 3),
                "frames": int(self.t_s.size),
                "duration_s": _num(v.duration_s, 3),
                "codec": v.codec,
            },
            "series": {
                "t_s": [_num(t, 4) for t in self.t_s],
                **{axis: [_num(a, 2) for a in self.angles[:, i]] for i, axis in enumerate(AXES)},
                "face_found": self.face_found.tolist(),
            },
            "posture": self.median_angles(),
            "quality": self.quality.to_dict(),
            "warnings": list(self.warnings),
        }
        if self.metrics is not None:
            sections = self.metrics.to_dict()
            out["posture"] = {**out["posture"], **sections.pop("posture", {})}
            out.update(sections)
        if self.protocol is not None:
            out["protocol"] = self.protocol
        return json_ready(out)

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_csv(self) -> str:
        """Per-frame CSV: ``t_s,rotation_deg,tilt_deg,flexion_deg,face_found`` (empty cell = no face)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["t_s", *AXES, "face_found"])
        for t, row, ok in zip(self.t_s, self.angles, self.face_found, strict=True):
            cells = ["" if not math.isfinite(a) else f"{a:.2f}" for a in row]
            writer.writerow([f"{t:.4f}", *cells, int(ok)])
        return buf.getvalue()

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json())

    def write_csv(self, path: str | Path) -> None:
        Path(path).write_text(self.to_csv())
