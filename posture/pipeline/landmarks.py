"""Stage 2: MediaPipe face mesh -> one face's 468 landmarks per frame, in pixels.

The models are the ones shipped inside the ``mediapipe==0.10.21`` wheel (``mediapipe.solutions``);
nothing is downloaded. One :class:`FaceTracker` follows one face through one video: MediaPipe's
video-mode graph keeps state between frames, so never share a tracker between videos or users.

When several faces are in view, the face to follow is chosen once, as the largest and most central
one, and then kept by proximity to where it was in the previous frame (see :func:`choose_face`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

N_LANDMARKS = 468
# Faces looked for per frame: more than one so a second person in view is noticed and the right
# face can be chosen; MediaPipe then runs its (cheap) face detector on every frame.
MAX_FACES = 2


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the duration (MediaPipe's C++ start-up logging)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@dataclass(frozen=True)
class FaceObservation:
    """The followed face in one frame.

    ``points``: (468, 3) float, pixels: x right, y down, z depth in the same pixel scale as x
    (MediaPipe's relative depth; smaller = closer to the camera). ``n_faces``: faces seen.
    """

    points: np.ndarray
    n_faces: int


def choose_face(
    candidates: list[np.ndarray], width: int, height: int, previous_centre: np.ndarray | None
) -> int:
    """Index of the face to follow among ``candidates`` ((468, 3) pixel arrays).

    With no previous face: the largest face, discounted by its distance from the image centre
    (score = area x (1 - distance / half-diagonal)). Otherwise the face whose centre is nearest the
    previous centre, so a second person walking by never steals the track.
    """
    centres = np.array([c[:, :2].mean(axis=0) for c in candidates])
    if previous_centre is not None:
        return int(np.argmin(np.linalg.norm(centres - previous_centre, axis=1)))
    half_diag = 0.5 * float(np.hypot(width, height))
    scores = []
    for c, centre in zip(candidates, centres, strict=True):
        span = c[:, :2].max(axis=0) - c[:, :2].min(axis=0)
        offset = float(np.linalg.norm(centre - [width / 2, height / 2])) / half_diag
        scores.append(float(span[0] * span[1]) * max(1.0 - offset, 0.05))
    return int(np.argmax(scores))


class FaceTracker:
    """Follows one face through the frames of one video (or one live stream).

    Use as a context manager; call :meth:`process` with each upright RGB frame in time order.
    """

    def __init__(self, max_faces: int = MAX_FACES) -> None:
        import mediapipe as mp

        with quiet_stderr():
            self._mesh = mp.solutions.face_mesh.FaceMesh(
                static_image_mode=False,
                max_num_faces=max_faces,
                refine_landmarks=False,
                min_detection_confidence=0.5,
                min_tracking_confidence=0.5,
            )
        self._first = True
        self._previous_centre: np.ndarray | None = None

    def __enter__(self) -> FaceTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._mesh is not None:
            self._mesh.close()
            self._mesh = None

    def process(self, image: np.ndarray) -> FaceObservation | None:
        """Landmarks of the followed face in ``image`` ((h, w, 3) uint8 RGB), or None if no face."""
        h, w = image.shape[:2]
        if self._first:
            with quiet_stderr():
                result = self._mesh.process(image)
            self._first = False
        else:
            result = self._mesh.process(image)
        faces = result.multi_face_landmarks or []
        if not faces:
            self._previous_centre = None
            return None
        scale = np.array([w, h, w], dtype=float)
        candidates = [
            np.array([(p.x, p.y, p.z) for p in face.landmark[:N_LANDMARKS]], dtype=float) * scale
            for face in faces
        ]
        chosen = candidates[choose_face(candidates, w, h, self._previous_centre)]
        self._previous_centre = chosen[:, :2].mean(axis=0)
        return FaceObservation(points=chosen, n_faces=len(faces))
