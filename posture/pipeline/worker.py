"""Everything a frame needs after the face mesh, on a second thread.

The face mesh is the analysis' critical path: MediaPipe runs it on its own threads and releases
Python's GIL while it waits. So the analysis feeds frames to the mesh on one thread and hands the
rest to a :class:`FrameWorker` on another, which overlaps with the next frame's mesh:

- the head-pose fit and face geometry of every frame (:mod:`posture.pipeline.headpose`), with large
  turns read past the face mesh's range by :mod:`posture.pipeline.turntrack` (which is handed every
  frame with a face, by reference, and turns it grey only while it follows a turn);
- the pose model for the shoulders on every ``body_stride``-th frame (:mod:`posture.pipeline.body`);
- face counts with the full-range detector (:meth:`FrameWorker.submit_count`), which the caller
  reads back with :meth:`FrameWorker.face_count` at frames of its choosing, so that the mesh's
  switch to several faces happens at the same frame on every run, whatever the threads' timing.

Results come back in frame order from :meth:`FrameWorker.finish`. The queue between the threads is
bounded, so memory does not grow with the clip's length: it holds at most ``depth`` frames (the
default 32 is 88 MB of 1280x720 frames; the worker is normally a few frames behind, up to about 8
while the pose model runs). An exception on the worker thread is raised
again in the caller, from :meth:`submit` or :meth:`finish`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from queue import Queue

import numpy as np

from posture.pipeline.body import BODY_COLUMNS, BodyTracker
from posture.pipeline.headpose import FACE_GEOMETRY_COLUMNS, PoseConfig, face_geometry
from posture.pipeline.landmarks import FaceCounter, FaceObservation
from posture.pipeline.turntrack import TurnTracker

_DONE = object()


@dataclass(frozen=True)
class FrameRows:
    """Per-frame results in frame order: ``angles`` (n, 3) degrees (NaN without a face, conventions
    of :mod:`posture.angles`), ``face`` (n, 10) pixels (FACE_GEOMETRY_COLUMNS), ``body`` (n, k)
    (the k BODY_COLUMNS; NaN where the pose model did not run), ``n_faces`` (n,) faces seen."""

    angles: np.ndarray
    face: np.ndarray
    body: np.ndarray
    n_faces: np.ndarray


class FrameWorker:
    """Measures frames on a background thread. Use as a context manager inside
    :func:`~posture.pipeline.landmarks.quiet_stderr`; call :meth:`submit` for every frame in order,
    then :meth:`finish`.

    ``body_stride``: run the pose model on frames whose index is a multiple of it (0: never).
    ``count_faces``: load the face detector for :meth:`submit_count`.
    """

    def __init__(
        self,
        pose: PoseConfig = PoseConfig(),
        body_stride: int = 0,
        count_faces: bool = True,
        depth: int = 32,
    ) -> None:
        self._body_stride = max(0, body_stride)
        self._queue: Queue = Queue(maxsize=depth)
        self._counts: dict[int, int] = {}
        self._counted = threading.Condition()
        self._angles: list[np.ndarray] = []
        self._face: list[np.ndarray] = []
        self._body: list[np.ndarray] = []
        self._n_faces: list[int] = []
        self._error: BaseException | None = None
        # The models are created here, on the caller's thread, inside its quiet_stderr().
        self._body_model = BodyTracker() if self._body_stride else None
        self._counter = FaceCounter() if count_faces else None
        self._turns = TurnTracker(pose)  # large turns, beyond the face mesh's range
        self._thread = threading.Thread(target=self._run, name="posture-measure", daemon=True)
        self._thread.start()

    def __enter__(self) -> FrameWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the thread (dropping unfinished work) and release the models."""
        if self._thread.is_alive():
            self._queue.put(_DONE)
            self._thread.join(timeout=30)
        for model in (self._body_model, self._counter):
            if model is not None:
                model.close()
        self._body_model = self._counter = None

    def submit_count(self, index: int, image: np.ndarray) -> None:
        """Queue a face count of frame ``index`` (submit it before the frame itself)."""
        self._raise_if_failed()
        if self._counter is None:
            raise RuntimeError("this FrameWorker was made without a face detector (count_faces=False)")
        self._queue.put(("count", index, image))

    def face_count(self, index: int, timeout_s: float = 60.0) -> int:
        """The number of faces in frame ``index`` (queued with :meth:`submit_count`), waiting for it
        up to ``timeout_s``; 0 (no other face noticed) if the count is still not done by then."""
        with self._counted:
            self._counted.wait_for(lambda: index in self._counts or self._error is not None, timeout_s)
        self._raise_if_failed()
        return self._counts.get(index, 0)

    def submit(self, index: int, image: np.ndarray, obs: FaceObservation | None) -> None:
        """Queue frame ``index`` (0-based, in order) with the mesh's observation (None: no face)."""
        self._raise_if_failed()
        needs_image = bool(self._body_stride) and index % self._body_stride == 0
        # The turn tracker may follow the face's texture from this frame: it gets the frame itself
        # (a reference, no copy; the decoder makes a new array for every frame).
        keep = needs_image or obs is not None
        self._queue.put(("frame", index, image if keep else None, obs))

    def finish(self) -> FrameRows:
        """Wait for every queued frame and return the results in frame order."""
        self._queue.put(_DONE)
        self._thread.join()
        self._raise_if_failed()
        n = len(self._angles)
        return FrameRows(
            angles=np.array(self._angles).reshape(n, 3),
            face=np.array(self._face).reshape(n, len(FACE_GEOMETRY_COLUMNS)),
            body=np.array(self._body).reshape(n, len(BODY_COLUMNS)),
            n_faces=np.asarray(self._n_faces, dtype=int),
        )

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        nan_angles = np.full(3, np.nan)
        nan_face = np.full(len(FACE_GEOMETRY_COLUMNS), np.nan)
        nan_body = np.full(len(BODY_COLUMNS), np.nan)
        try:
            while (item := self._queue.get()) is not _DONE:
                if item[0] == "count":
                    _, index, image = item
                    count = self._counter.count(image)
                    with self._counted:
                        self._counts[index] = count
                        self._counted.notify_all()
                    continue
                _, index, image, obs = item
                detected = self._counts.get(index, 0)
                if self._body_model is not None and index % self._body_stride == 0:
                    self._body.append(self._body_model.process(image))
                else:
                    self._body.append(nan_body)
                if obs is None:
                    self._turns.reset()
                    self._angles.append(nan_angles)
                    self._face.append(nan_face)
                    self._n_faces.append(detected)
                else:
                    self._angles.append(self._turns.head_angles(image, obs.points))
                    self._face.append(face_geometry(obs.points))
                    self._n_faces.append(max(obs.n_faces, detected))
        except BaseException as exc:  # handed to the caller
            with self._counted:
                self._error = exc
                self._counted.notify_all()
            while self._queue.get() is not _DONE:  # unblock a caller waiting to put
                pass
