"""Builders shared by the records, report, privacy and CLI tests: an Analysis made from arrays
(no MediaPipe), the metrics sections it may carry, and a tiny video clip made with PyAV."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from posture.pipeline.frames import VideoInfo
from posture.result import Analysis, Quality


def _axis(axis: str, median: float, band: int, band_range: str, item: str, share: float) -> dict:
    side = (
        ("left" if median > 0 else "right")
        if axis != "flexion"
        else ("flexion" if median > 0 else "extension")
    )
    return {
        "axis": axis, "median_deg": median, "direction": side, "description": f"{abs(median):.0f}° {side}",
        "item": item, "band": band, "band_range": band_range,
        "band_label": f"TWSTRS-style band {band} ({band_range}), estimated from {abs(median):.0f}°",
        "share_deviated_pct": share, "duration_band": 4 if share > 75 else 1,
    }  # fmt: skip


def metrics_sections(shift_deg: float = 0.0) -> dict:
    """The six clinical sections as :mod:`posture.metrics` writes them (its module docstrings),
    for a client rotated to the left with a 2.6 Hz tremor; ``shift_deg`` improves the picture."""
    rotation = 30.0 - shift_deg
    return {
        "posture": {
            "available": True,
            "reason": None,
            "rotation": _axis(
                "rotation", rotation, 2 if rotation >= 23 else 1, "23–45°", "torticollis", 96.0
            ),
            "tilt": _axis("tilt", -12.0, 1, "1–15°", "laterocollis", 100.0),
            "flexion": _axis("flexion", 5.0, 1, "mild 3–15°", "anterocollis", 0.0),
            "deviated_any_axis_pct": 100.0,
            "duration_band": 4,
            "time_within_10deg_s": 22.0 + shift_deg / 2,
            "time_within_10deg_band": 3,
            "time_within_10deg_note": "the clip is 20 s long, shorter than the 60 s the TWSTRS item observes",
            "duration_s": 20.0,
            "tracked_s": 19.8,
            "face_frames_pct": 99.0,
            "neutral_deg": 3.0,
            "deviation_deg": 10.0,
            "note": "TWSTRS-style bands are estimates computed from the measured degrees and times.",
        },
        "tremor": {
            "measured": True,
            "present": True,
            "frequency_hz": 2.6,
            "amplitude_deg": 1.8 + shift_deg / 10,
            "axis": "rotation",
            "regularity": 0.62,
            "axes_with_tremor": [
                {
                    "axis": "rotation",
                    "frequency_hz": 2.6,
                    "amplitude_deg": 1.8,
                    "regularity": 0.62,
                    "snr": 40.0,
                }
            ],
            "slow_oscillation": None,
            "per_axis": {},
            "band_hz": [2.0, 12.0],
            "frame_rate_hz": 30.0,
            "resolution_hz": 0.25,
            "analysed_s": 18.0,
            "tracked_s": 19.8,
            "excluded_s": 1.8,
            "reason": None,
            "notes": ["1.8 s of voluntary movement or jerks were left out of the spectrum"],
        },
        "jerks": {
            "count": 2,
            "events": [],
            "rate_per_min": 6.0,
            "analysed_s": 20.0,
            "reason": None,
            "min_size_deg": 5.0,
            "max_duration_s": 0.6,
        },  # fmt: skip
        "range_of_motion": {
            **{
                f"{name}_{suffix}": value
                for name, held, normal in (
                    ("rotation_left", 70.0 + shift_deg, [70.0, 80.0]),
                    ("rotation_right", 35.0 + shift_deg, [70.0, 80.0]),
                    ("tilt_left", 40.0, [40.0, 50.0]),
                    ("tilt_right", 22.0, [40.0, 50.0]),
                    ("flexion", 50.0, [45.0, 60.0]),
                    ("extension", 55.0, [45.0, 80.0]),
                )
                for suffix, value in (
                    ("deg", held),
                    ("normal_deg", normal),
                    ("below_normal", held < normal[0]),
                )
            },
            "hold_s": 0.5,
            "reason": None,
            "note": "furthest positions held for about half a second",
        },
        "shoulders": {
            "available": True,
            "reason": None,
            "higher": "left",
            "elevation_cm": 2.3,
            "description": "left shoulder higher by 2.3 cm",
            "shoulder_line_deg": -4.2,
            "trunk_rotation_deg": None,
            "head_tilt_relative_deg": -7.8,
            "head_rotation_relative_deg": None,
            "shoulder_width_cm": 38.0,
            "cm_per_px": 0.2,
            "scale_reference": "interpupillary distance 6.3 cm",
            "frames_used_pct": 90.0,
            "warnings": [],
        },  # fmt: skip
        "shift": {
            "available": True,
            "reason": None,
            "lateral_cm": 1.1,
            "direction": "left",
            "present": False,
            "description": "head 1.1 cm to the left",
            "sagittal_cm": None,
            "sagittal_reason": "forward or backward head shift cannot be measured from a camera in front",
        },  # fmt: skip
    }


@dataclass(frozen=True)
class FakeMetrics:
    sections: dict

    def to_dict(self) -> dict:
        return {k: dict(v) for k, v in self.sections.items()}


def make_analysis(
    n: int = 90,
    fps: float = 30.0,
    rotation_deg: float = 30.0,
    width: int = 160,
    height: int = 120,
    metrics: dict | None = None,
    lost: slice | None = slice(40, 45),
    path: str = "/home/therapist/clients/Jane Doe/clip.mp4",
) -> Analysis:
    """An Analysis of ``n`` frames: rotation around ``rotation_deg`` with a 2.6 Hz tremor, a face
    box in the middle of a ``width`` x ``height`` frame, no face in the ``lost`` frames."""
    t = np.arange(n) / fps
    angles = np.column_stack(
        [
            rotation_deg + 1.8 * np.sin(2 * np.pi * 2.6 * t),
            -12.0 + 0.3 * np.sin(2 * np.pi * 0.3 * t),
            5.0 + 0.2 * np.cos(2 * np.pi * 0.2 * t),
        ]
    )
    face = np.tile(
        [0.45 * width, 0.4 * height, 0.55 * width, 0.4 * height, 0.5 * width, 0.5 * height,
         0.35 * width, 0.25 * height, 0.65 * width, 0.75 * height],
        (n, 1),
    ).astype(float)  # fmt: skip
    if lost is not None:
        angles[lost] = np.nan
        face[lost] = np.nan
    found = np.isfinite(angles).all(axis=1)
    info = VideoInfo(
        path=path, width=width, height=height, coded_width=width, coded_height=height,
        rotation_deg=0, fps=fps, frames=n, duration_s=n / fps, codec="h264",
    )  # fmt: skip
    quality = Quality(
        face_found_ratio=float(found.mean()),
        frames_with_face=int(found.sum()),
        fps_measured=fps,
        variable_frame_rate=False,
        longest_gap_s=0.0 if lost is None else (lost.stop - lost.start) / fps,
        max_faces_seen=1,
        multiple_faces=False,
        tracked_duration_s=float(found.sum() / fps),
    )
    warnings = () if lost is None else ("the face was lost in 6% of the frames (longest gap 0.2 s)",)
    return Analysis(
        video=info,
        t_s=t,
        angles=angles,
        face=face,
        quality=quality,
        warnings=warnings,
        metrics=None if metrics is None else FakeMetrics(metrics),
    )


def make_clip(path: Path, n: int = 30, width: int = 160, height: int = 120, fps: int = 15) -> Path:
    """A tiny H.264 clip: a sharp checkerboard "face" in the middle of a smooth gradient."""
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([xx * 255 // width, yy * 255 // height, np.full_like(xx, 128)], axis=-1).astype(np.uint8)
    checker = (((xx // 4) + (yy // 4)) % 2 * 255).astype(np.uint8)
    x0, y0, x1, y1 = int(0.35 * width), int(0.25 * height), int(0.65 * width), int(0.75 * height)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "10", "preset": "ultrafast"}
        for i in range(n):
            image = base.copy()
            image[y0:y1, x0:x1] = checker[y0:y1, x0:x1, None]
            image[0:4, i % width] = 255  # a moving tick, so frames differ
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def test_helpers_build_a_consistent_analysis():
    a = make_analysis(metrics=metrics_sections())
    d = a.to_dict()
    assert d["range_of_motion"]["rotation_left_deg"] == 70.0
    assert d["posture"]["rotation"]["median_deg"] == 30.0 and d["posture"]["time_within_10deg_s"] == 22.0
    assert a.face.shape == (90, 10)
