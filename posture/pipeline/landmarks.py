"""Stage 2: MediaPipe face mesh -> one face's 468 landmarks per frame, in pixels.

The models are the ones shipped inside the ``mediapipe==0.10.21`` wheel (``mediapipe.solutions``);
nothing is downloaded. One :class:`FaceTracker` follows one face through one video: MediaPipe's
video-mode graph keeps state between frames, so never share a tracker between videos or users.

When several faces are in view, the face to follow is chosen once, as the largest and most central
one, and then kept by proximity to where it was in the previous frame (see :func:`choose_face`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

N_LANDMARKS = 468
# Faces the mesh follows once several faces have been seen in view.
MAX_FACES = 3


def _libc_fflush() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).fflush(None)


_quiet_lock = threading.Lock()
_quiet_depth = 0
_saved_fd: int | None = None


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the duration (MediaPipe's C++ start-up logging).

    Re-entrant and thread-safe: fd 2 is redirected by the first caller and restored by the last,
    so two analyses running at once (two dashboard users) cannot leave it pointing at /dev/null.
    """
    global _quiet_depth, _saved_fd
    with _quiet_lock:
        if _quiet_depth == 0:
            sys.stderr.flush()
            _saved_fd = os.dup(2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        _quiet_depth += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0 and _saved_fd is not None:
                # The C++ side may have buffered lines in C stdio: flush them into /dev/null first.
                _libc_fflush()
                os.dup2(_saved_fd, 2)
                os.close(_saved_fd)
                _saved_fd = None


@dataclass(frozen=True)
class FaceObservation:
    """The followed face in one frame.

    ``points``: (468, 3) float, pixels: x right, y down, z depth in the same pixel scale as x
    (MediaPipe's relative depth; smaller = closer to the camera). ``n_faces``: faces seen.
    """

    points: np.ndarray
    n_faces: int


# One NormalizedLandmark as serialised by protobuf when x, y, z are set and nothing else: a field-1
# tag (0x0a), the length 15, then three fixed32 fields (tags 0x0d, 0x15, 0x1d) holding float32s:
# 17 bytes a landmark, x at byte 3, y at 8, z at 13.
_LANDMARK_BYTES = 17
_TAG_AT = np.array([0, 1, 2, 7, 12])
_TAGS = np.array([0x0A, 15, 0x0D, 0x15, 0x1D], dtype=np.uint8)


def landmark_array(face, width: int, height: int) -> np.ndarray:
    """(468, 3) float pixels (x right, y down, z on the x scale) from a MediaPipe landmark list.

    ``face``: a ``NormalizedLandmarkList`` or its serialised bytes. Reads the serialised bytes as a
    strided float32 view (about 20 times faster than reading 1,400 attributes); any other layout is
    read field by field.
    """
    data = face if isinstance(face, bytes) else face.SerializeToString()
    raw = np.frombuffer(data, dtype=np.uint8)
    scale = np.array([width, height, width], dtype=float)
    n = raw.size // _LANDMARK_BYTES
    if raw.size == n * _LANDMARK_BYTES and n >= N_LANDMARKS:
        rows = raw.reshape(n, _LANDMARK_BYTES)
        if (rows[:, _TAG_AT] == _TAGS).all():
            xyz = np.ndarray((N_LANDMARKS, 3), "<f4", raw, offset=3, strides=(_LANDMARK_BYTES, 5))
            return xyz * scale
    if isinstance(face, bytes):
        from mediapipe.framework.formats import landmark_pb2

        face = landmark_pb2.NormalizedLandmarkList.FromString(face)
    return np.array([(p.x, p.y, p.z) for p in face.landmark[:N_LANDMARKS]], dtype=float) * scale


def mesh_faces(mesh, image: np.ndarray) -> list:
    """The faces a ``mediapipe.solutions.face_mesh.FaceMesh`` finds in ``image`` ((h, w, 3) uint8 RGB),
    as serialised ``NormalizedLandmarkList`` bytes (read them with :func:`landmark_array`).

    Same graph, same input and output as ``mesh.process(image).multi_face_landmarks``, without the
    solution wrapper's per-call overhead (a named-tuple class made per call, each face parsed into
    Python objects, the frame copied): 0.2-0.3 ms of 3 ms a frame. It uses the wrapper's internals
    as of the pinned mediapipe 0.10.21 and falls back to ``process`` when they are not there.
    """
    frame = _read_only(image)
    graph = getattr(mesh, "_graph", None)
    outputs = getattr(mesh, "_graph_outputs", None)
    stamp = getattr(mesh, "_simulated_timestamp", None)
    fast = _fast_path()
    if graph is None or not isinstance(outputs, dict) or not isinstance(stamp, int) or fast is None:
        return [face.SerializeToString() for face in mesh.process(frame).multi_face_landmarks or []]
    create_image_frame, srgb, serialized_list = fast
    outputs.clear()
    mesh._simulated_timestamp = stamp + 33333  # the wrapper's own 30 fps clock
    graph.add_packet_to_input_stream(
        stream="image", packet=create_image_frame(frame, image_format=srgb).at(mesh._simulated_timestamp)
    )
    graph.wait_until_idle()
    packet = outputs.get("multi_face_landmarks")
    if packet is None or packet.is_empty():
        return []
    return list(serialized_list(packet))


@lru_cache(maxsize=1)
def _fast_path():
    """MediaPipe's packet functions for :func:`mesh_faces`, or None (imported on first use)."""
    try:
        from mediapipe.python import packet_creator
        from mediapipe.python._framework_bindings import _packet_getter, image_frame

        return (
            packet_creator.create_image_frame,
            image_frame.ImageFormat.SRGB,
            _packet_getter._get_serialized_proto_list,
        )
    except (ImportError, AttributeError):
        return None


def new_face_mesh(max_faces: int = 1, refine: bool = True):
    """MediaPipe's video-mode face mesh as posture runs it (the wheel's models; refined eyes and lips
    when ``refine``). Create it inside :func:`quiet_stderr`; one per stream of frames."""
    import mediapipe as mp

    return mp.solutions.face_mesh.FaceMesh(
        static_image_mode=False,
        max_num_faces=max_faces,
        refine_landmarks=refine,
        min_detection_confidence=0.5,
        min_tracking_confidence=0.5,
    )


def _read_only(image: np.ndarray) -> np.ndarray:
    """A read-only view of a C-contiguous ``image``: MediaPipe then reads its pixels in place
    instead of copying them into its own frame (2.7 MB at 1280x720)."""
    if not image.flags.c_contiguous:
        return image
    view = image.view()
    view.flags.writeable = False
    return view


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
    MediaPipe logs to fd 2 from its own threads while its models start (sometimes after a call
    returns): wrap the tracker's whole life in :func:`quiet_stderr` to keep the terminal clean.

    Speed: the face mesh follows one face (its detector then only runs when the track is lost); a
    separate full-range face detector looks for other faces every ``detect_every`` frames. Once
    several faces have been seen, a mesh that tracks up to :data:`MAX_FACES` takes over, so the
    right face can be chosen (see :func:`choose_face`). With ``detect_every=0`` the tracker runs
    no detector of its own: the caller counts faces (e.g. with :class:`FaceCounter` on another
    thread) and passes the counts to :meth:`report_faces`.
    """

    def __init__(self, refine: bool = True, detect_every: int = 15) -> None:
        self._refine = refine
        self._detect_every = max(0, detect_every)
        self._calls = 0
        self._mesh = self._new_mesh(1)
        self._multi = False
        self._want_multi = False
        self._detector = FaceCounter() if self._detect_every else None
        self._previous: np.ndarray | None = None  # the followed face's last landmarks
        self.max_faces_seen = 0

    def _new_mesh(self, max_faces: int):
        return new_face_mesh(max_faces, self._refine)

    def __enter__(self) -> FaceTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for graph in (self._mesh, self._detector):
            if graph is not None:
                graph.close()
        self._mesh = self._detector = None

    def report_faces(self, count: int) -> None:
        """Faces another detector counted in a recent frame; more than one switches to the
        multi-face mesh before the next frame (safe to call from another thread)."""
        self.max_faces_seen = max(self.max_faces_seen, count)
        if count > 1:
            self._want_multi = True

    def process(self, image: np.ndarray) -> FaceObservation | None:
        """Landmarks of the followed face in ``image`` ((h, w, 3) uint8 RGB), or None if no face."""
        h, w = image.shape[:2]
        detected = 0
        if self._detector is not None and self._calls % self._detect_every == 0:
            detected = self._detector.count(image)
            self.report_faces(detected)  # also counts it in max_faces_seen
        if self._want_multi and not self._multi:
            self._mesh.close()
            self._mesh = self._new_mesh(MAX_FACES)
            self._multi = True
        self._calls += 1
        faces = mesh_faces(self._mesh, image)
        self.max_faces_seen = max(self.max_faces_seen, len(faces))
        if not faces:
            self._previous = None
            return None
        candidates = [landmark_array(face, w, h) for face in faces]
        if len(candidates) == 1:
            chosen = candidates[0]
        else:
            centre = None if self._previous is None else self._previous[:, :2].mean(axis=0)
            chosen = candidates[choose_face(candidates, w, h, centre)]
        self._previous = chosen
        return FaceObservation(points=chosen, n_faces=max(len(faces), detected))


class FaceCounter:
    """Counts the faces in a frame with MediaPipe's full-range face detector (faces up to about 5 m).

    Used to notice a second person in view, which the single-face mesh would not report. Use inside
    :func:`quiet_stderr`; one counter per thread.
    """

    def __init__(self, min_confidence: float = 0.6) -> None:
        import mediapipe as mp

        self._detector = mp.solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=min_confidence
        )

    def count(self, image: np.ndarray) -> int:
        """Number of faces in ``image`` ((h, w, 3) uint8 RGB)."""
        return len(self._detector.process(image).detections or [])

    def close(self) -> None:
        if self._detector is not None:
            self._detector.close()
            self._detector = None
