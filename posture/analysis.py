"""One video from bytes to an :class:`~posture.result.Analysis`: the stages in order.

frames (decode, real timestamps, upright) -> landmarks (MediaPipe face mesh, one face)
-> head pose (angles per frame) -> signals (filtering) -> metrics -> result.
Frames are streamed: memory does not grow with the clip's length beyond a few numbers per frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from posture.errors import ClipTooShort, NoFaceFound
from posture.metrics import BodyLandmarks, MetricsConfig, compute_metrics
from posture.pipeline.body import BODY_COLUMNS, body_stride
from posture.pipeline.frames import prefetch, read_frames
from posture.pipeline.headpose import PoseConfig
from posture.pipeline.landmarks import FaceTracker, quiet_stderr
from posture.pipeline.refine import ReRead, refine_rest_tremor, refine_tremor
from posture.pipeline.worker import FrameWorker
from posture.protocol import load_marks, protocol_section
from posture.result import Analysis, Quality

# A progress callback receives (frames done, frames expected or 0 if unknown, seconds elapsed).
Progress = Callable[[int, int, float], None]

MIN_DURATION_S = 2.0
# Below this share of frames with a face the numbers are not trusted at all.
MIN_FACE_RATIO = 0.3
# Above this share of frames without a face, the result carries a warning.
WARN_FACE_LOST_RATIO = 0.05
# Frames between two looks for a second face in view (the face detector; the mesh follows one).
DETECT_EVERY = 15
# Frame intervals varying by more than this (coefficient of variation) mark a variable frame rate.
VFR_CV = 0.05


@dataclass(frozen=True)
class AnalysisConfig:
    """Settings of one analysis; defaults suit a webcam or phone clip."""

    pose: PoseConfig = field(default_factory=PoseConfig)
    min_duration_s: float = MIN_DURATION_S
    min_face_ratio: float = MIN_FACE_RATIO
    # Shoulders from the pose model (a few times a second); off saves about a quarter of the time.
    body: bool = True
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    # When a tremor is found, re-read where it is strongest (up to 12 s) with the slower, more faithful
    # face-mesh path for its amplitude (posture.pipeline.refine); costs 2-5x the normal analysis there.
    refine_tremor: bool = True


def analyze(
    path: str | Path,
    config: AnalysisConfig | None = None,
    progress: Progress | None = None,
    refine_progress: Progress | None = None,
) -> Analysis:
    """Analyse a video file. Raises a :class:`~posture.errors.PostureError` subclass on bad input.

    ``progress(done, expected, elapsed_s)`` is called after each frame of the main pass;
    ``refine_progress`` likewise while a found tremor's stretch is re-read for its amplitude
    (:mod:`posture.pipeline.refine`; only when a tremor is found)."""
    config = config or AnalysisConfig()
    info, frames = read_frames(path)
    frames = prefetch(frames)
    expected = info.frames or (
        int(round(info.duration_s * info.fps)) if np.isfinite(info.duration_s * info.fps) else 0
    )
    t_list: list[float] = []
    start = time.perf_counter()
    # The face mesh runs on this thread; the pose fit, the shoulders and the face count overlap with
    # it on a second one (posture.pipeline.worker).
    with (
        quiet_stderr(),
        FaceTracker(detect_every=0) as tracker,
        FrameWorker(config.pose, body_stride=body_stride(info.fps) if config.body else 0) as worker,
    ):
        for frame in frames:
            index = len(t_list)
            if index % DETECT_EVERY == 0:
                # Look for a second face every DETECT_EVERY frames. The count of the first frame
                # is awaited at once; later counts one period late, so the detector overlaps with
                # the mesh and the switch to several faces lands on the same frame on every run.
                worker.submit_count(index, frame.image)
                tracker.report_faces(worker.face_count(max(0, index - DETECT_EVERY)))
            worker.submit(index, frame.image, tracker.process(frame.image))
            t_list.append(frame.t_s)
            if progress is not None:
                progress(len(t_list), expected, time.perf_counter() - start)
        rows = worker.finish()
    t_s = np.asarray(t_list)
    angles = rows.angles
    analysis = _assemble(info, t_s, angles, rows.face, rows.n_faces, config)
    body_array = rows.body
    metrics = compute_metrics(t_s, angles, body_landmarks(analysis.face, body_array, info), config.metrics)
    reader = ReRead(path, config.pose, refine_progress)  # reads only if a tremor is found
    if config.refine_tremor and metrics.tremor.present:
        tremor = refine_tremor(reader, t_s, angles, metrics.tremor, config.metrics)
        metrics = replace(metrics, tremor=tremor)
    analysis = replace(analysis, body=body_array, metrics=metrics)
    # Per-phase measurements when the clip follows the guided protocol (phase marks beside the clip,
    # else phases found from the movements; the section says why when none are found).
    protocol = protocol_section(analysis, load_marks(path), config=config.metrics)
    if config.refine_tremor:
        protocol = refine_rest_tremor(protocol, t_s, angles, reader, config.metrics)
    return replace(analysis, protocol=protocol)


def body_landmarks(face: np.ndarray, body: np.ndarray, info) -> BodyLandmarks:
    """The metrics' view of the per-frame face geometry, pose shoulders and the outline's tops over
    the shoulders (pixels, upright image)."""
    col = {name: i for i, name in enumerate(BODY_COLUMNS)}
    return BodyLandmarks(
        left_shoulder_px=body[:, [col["left_x"], col["left_y"]]],
        right_shoulder_px=body[:, [col["right_x"], col["right_y"]]],
        left_shoulder_visibility=body[:, col["left_visibility"]],
        right_shoulder_visibility=body[:, col["right_visibility"]],
        left_eye_px=face[:, 0:2],
        right_eye_px=face[:, 2:4],
        image_size_px=(info.width, info.height),
        left_shoulder_depth_px=body[:, col["left_depth"]],
        right_shoulder_depth_px=body[:, col["right_depth"]],
        left_top_px=body[:, [col["left_top_x"], col["left_top_y"]]],
        right_top_px=body[:, [col["right_top_x"], col["right_top_y"]]],
    )


def _assemble(
    info,
    t_s: np.ndarray,
    angles: np.ndarray,
    geometry: np.ndarray,
    n_faces: np.ndarray,
    config: AnalysisConfig,
) -> Analysis:
    name = Path(info.path).name
    dt = np.diff(t_s)
    frame_s = float(np.median(dt)) if dt.size else float("nan")
    duration = float(t_s[-1] + frame_s) if dt.size else 0.0
    if duration < config.min_duration_s:
        raise ClipTooShort(
            f"{name} lasts {duration:.1f} s; at least {config.min_duration_s:.0f} s are needed to measure the head"
        )
    found = np.isfinite(angles).all(axis=1)
    ratio = float(found.mean())
    if not found.any():
        raise NoFaceFound(
            f"no face was found in any frame of {name}: check that the face is lit, in view and facing the camera"
        )
    if ratio < config.min_face_ratio:
        raise NoFaceFound(
            f"a face was found in only {ratio:.0%} of the frames of {name}: too few to measure; "
            "keep the face in view for the whole clip"
        )
    longest_gap = _longest_gap_s(t_s, found, frame_s)
    quality = Quality(
        face_found_ratio=ratio,
        frames_with_face=int(found.sum()),
        fps_measured=1.0 / frame_s,
        variable_frame_rate=bool(dt.size > 2 and np.std(dt) / np.mean(dt) > VFR_CV),
        longest_gap_s=longest_gap,
        max_faces_seen=int(n_faces.max()),
        multiple_faces=bool(n_faces.max() > 1),
        tracked_duration_s=float(found.sum() * frame_s),
    )
    warnings = []
    if 1 - ratio > WARN_FACE_LOST_RATIO:
        warnings.append(
            f"the face was lost in {1 - ratio:.0%} of the frames (longest gap {longest_gap:.1f} s); "
            "those frames have no angles"
        )
    if quality.multiple_faces:
        warnings.append(
            f"{quality.max_faces_seen} faces were in view; the largest, most central one was measured"
        )
    return Analysis(
        video=info, t_s=t_s, angles=angles, face=geometry, quality=quality, warnings=tuple(warnings)
    )


def _longest_gap_s(t_s: np.ndarray, found: np.ndarray, frame_s: float) -> float:
    """Longest run of frames without a face, in seconds (a run of k frames lasts k frame intervals)."""
    longest = 0.0
    run_start = None
    for i, ok in enumerate(found):
        if not ok and run_start is None:
            run_start = i
        if ok and run_start is not None:
            longest = max(longest, float(t_s[i] - t_s[run_start]))
            run_start = None
    if run_start is not None:
        longest = max(longest, float(t_s[-1] - t_s[run_start] + frame_s))
    return longest
