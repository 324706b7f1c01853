"""Stage 2b: MediaPipe pose and selfie segmentation -> the shoulders in pixels, once a second.

Uses the pose model shipped in the ``mediapipe==0.10.21`` wheel (``model_complexity=1``, the only
one it carries; 0 and 2 would be downloaded) for the shoulder points, and the wheel's selfie
segmentation (``model_selection=1``, the landscape model: 3–4 ms a 640x480 frame on two shared cores,
the general model 5–7 ms; the pose model's own mask is coarser: its 0.1–0.9 edge spans a median 10 px,
the landscape model's 5 px) for the person's outline, whose top over each shoulder gives the shoulder
heights (:mod:`posture.pipeline.silhouette`). Both run offline from the wheel. Shoulders move
slowly compared with the head, so both run on every ``stride``-th frame only (about
:data:`BODY_RATE_HZ`), which keeps the analysis fast; the other frames get NaN.

MediaPipe names pose landmarks from the person's own side: LEFT_SHOULDER (11) is the patient's
left shoulder, which appears on the image's right in an unmirrored camera image.
"""

from __future__ import annotations

import numpy as np

from posture.pipeline.silhouette import shoulder_tops

BODY_RATE_HZ = 1.0
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
# Columns of the per-frame body array: the patient's left then right shoulder: x, y in pixels (y down),
# depth in the same pixel scale (MediaPipe's z x width; larger = farther), visibility 0..1; then the
# top of the person's outline over the patient's left and right shoulder (x, y px, y down; see
# posture.pipeline.silhouette), NaN where not found.
BODY_COLUMNS = (
    "left_x", "left_y", "left_depth", "left_visibility",
    "right_x", "right_y", "right_depth", "right_visibility",
    "left_top_x", "left_top_y", "right_top_x", "right_top_y",
)  # fmt: skip


def body_stride(fps: float) -> int:
    """Run the pose model on every n-th frame so that it runs about BODY_RATE_HZ times a second."""
    if not np.isfinite(fps) or fps <= 0:
        return 6
    return max(1, int(round(fps / BODY_RATE_HZ)))


class BodyTracker:
    """Follows one person's shoulders through one video. Use as a context manager, inside
    :func:`posture.pipeline.landmarks.quiet_stderr` (MediaPipe logs while its models start)."""

    def __init__(self) -> None:
        import mediapipe as mp

        self._pose = mp.solutions.pose.Pose(
            static_image_mode=False,
            model_complexity=1,
            smooth_landmarks=True,
            enable_segmentation=False,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        )
        self._segmenter = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=1)

    def __enter__(self) -> BodyTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None
        if self._segmenter is not None:
            self._segmenter.close()
            self._segmenter = None

    def process(self, image: np.ndarray) -> np.ndarray:
        """Shoulders of the person in ``image`` ((h, w, 3) RGB), one value per BODY_COLUMNS; NaN if none.

        The segmentation runs only when the pose model found someone."""
        h, w = image.shape[:2]
        result = self._pose.process(image)
        if result.pose_landmarks is None:
            return np.full(len(BODY_COLUMNS), np.nan)
        lm = result.pose_landmarks.landmark
        out = []
        for idx in (LEFT_SHOULDER, RIGHT_SHOULDER):
            out += [lm[idx].x * w, lm[idx].y * h, lm[idx].z * w, lm[idx].visibility]
        mask = self._segmenter.process(image).segmentation_mask
        tops = shoulder_tops(mask, np.array(out[0:2]), np.array(out[4:6]))
        out += [tops.left_x, tops.left_y, tops.right_x, tops.right_y]
        return np.asarray(out, dtype=float)
