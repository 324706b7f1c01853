"""Live head angles from a camera, frame by frame, with the guided protocol and recording.

Used by the dashboard's webcam page (through streamlit-webrtc's frame callback) and by
``posture record`` (OpenCV). No Streamlit here.

One :class:`LiveSession` serves one viewer: it owns its own :class:`~posture.pipeline.landmarks.FaceTracker`
(MediaPipe keeps per-stream state; never share it between sessions), the recording in progress and the
protocol clock. Its :meth:`LiveSession.process` takes one *unmirrored* RGB camera frame and returns the
image to display:

1. the angles are measured on the frame as the camera delivered it (never mirrored);
2. the head's axes are drawn on it, the frame (without drawings) goes to the recorder;
3. if a mirrored preview is wanted (the patient sees themselves as in a mirror), only the displayed
   image is flipped, after measuring and drawing the axes;
4. text is drawn last, so it reads normally; the side labels name the *patient's* side wherever it
   appears on the displayed image.

The protocol clock runs on the frames' own timestamps, so the phase marks are in the recorded clip's
time (seconds from its first frame).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from posture.angles import angles_to_matrix
from posture.overlay import AXIS_COLOURS, direction_words
from posture.protocol import Marks, Phase, Protocol

TIME_BASE = Fraction(1, 1000)
# MediaPipe logs from its own threads while its models start; fd 2 stays quiet for this many frames.
QUIET_FRAMES = 30
TEXT = (255, 255, 255)
PANEL = (20, 20, 20)
WARN = (255, 200, 40)
PROMPT_BG = (31, 111, 139)
REC = (230, 40, 40)


@dataclass(frozen=True)
class Reading:
    """The latest live measurement: ``t_s`` (seconds from the first frame seen), ``angles``
    ``[rotation, tilt, flexion]`` degrees (NaN without a face), ``face_found``, ``process_ms`` (time
    spent on this frame: measuring, drawing, queueing for the recorder), ``fps`` (frames per second
    over the last 2 s)."""

    t_s: float
    angles: np.ndarray
    face_found: bool
    process_ms: float
    fps: float


def measure(tracker, turns, image_rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Angles (3,) and face geometry (10,) of one unmirrored RGB frame (NaN angles, None without a face).

    ``turns``: this stream's :class:`~posture.pipeline.turntrack.TurnTracker`, which reads turns and
    bends past the face mesh's range as the recorded clip's analysis does (it keeps a reference to
    the frame: do not change ``image_rgb`` afterwards)."""
    from posture.pipeline.headpose import face_geometry

    obs = tracker.process(image_rgb)
    if obs is None:
        turns.reset()
        return np.full(3, np.nan), None
    return turns.head_angles(image_rgb, obs.points), face_geometry(obs.points)


def draw_axes(image: np.ndarray, angles: np.ndarray, face: np.ndarray) -> None:
    """Draw the head's axes at the nose tip on ``image`` (in place; unmirrored image and pixels).

    red = toward the patient's left ear, green = up, blue = where the nose points."""
    rot = angles_to_matrix(*angles)
    dirs = np.column_stack([rot[0, :], -rot[1, :]])  # image x right, y down
    nose = np.array([face[4], face[5]])
    length = 0.55 * (face[8] - face[6])
    h, w = image.shape[:2]
    thick = max(2, int(round(3 * max(h, w) / 720)))
    for i in np.argsort(rot[2, :]):
        end = nose + length * dirs[i]
        cv2.arrowedLine(
            image,
            tuple(int(v) for v in nose),
            tuple(int(v) for v in end),
            AXIS_COLOURS[i],
            thick,
            cv2.LINE_AA,
            tipLength=0.18,
        )
    cv2.circle(image, tuple(int(v) for v in nose), thick + 1, TEXT, -1, cv2.LINE_AA)


def _text_box(image, text, org, scale, colour=TEXT, bg=PANEL, thick=1) -> tuple[int, int]:
    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), base = cv2.getTextSize(text, font, scale, thick)
    x, y = org
    cv2.rectangle(image, (x - 6, y - th - 6), (x + tw + 6, y + base + 4), bg, -1)
    cv2.putText(image, text, (x, y), font, scale, colour, thick, cv2.LINE_AA)
    return tw, th


def draw_text(
    image: np.ndarray,
    angles: np.ndarray,
    mirrored: bool,
    prompt: str | None = None,
    seconds_left: float | None = None,
    recording_s: float | None = None,
) -> None:
    """Angles panel, the patient's sides, the prompt and countdown, drawn on the *displayed* image."""
    h, w = image.shape[:2]
    unit = max(h, w) / 720.0
    small = 0.55 * unit
    pad = int(10 * unit)
    line = int(26 * unit)
    if np.isfinite(angles).all():
        rows = [
            f"{label:<9}{float(v):+6.1f} deg  {direction_words(name, float(v))}"
            for (name, label), v in zip(
                (("rotation", "Rotation"), ("tilt", "Tilt"), ("flexion", "Flexion")), angles, strict=True
            )
        ]
        colour = TEXT
    else:
        rows, colour = ["no face found: face the camera, light the face"], WARN
    for k, row in enumerate(rows):
        _text_box(image, row, (pad, pad + line * (k + 1)), small, colour)
    # A plain camera shows the patient's left on the image's right; a mirrored preview on its left.
    left_on_right = not mirrored
    for text, on_right in (("patient's left", left_on_right), ("patient's right", not left_on_right)):
        (tw, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, small, 1)
        x = w - tw - pad if on_right else pad
        _text_box(image, text, (x, h - pad), small)
    if mirrored:
        (tw, _), _ = cv2.getTextSize("mirrored preview", cv2.FONT_HERSHEY_SIMPLEX, 0.45 * unit, 1)
        _text_box(image, "mirrored preview", ((w - tw) // 2, h - pad), 0.45 * unit)
    if recording_s is not None:
        text = f"REC {recording_s:5.1f} s"
        (tw, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, small, 2)
        _text_box(image, text, (w - tw - pad, pad + line), small, TEXT, REC, 2)
    if prompt:
        big = 0.75 * unit
        y = h - pad - int(48 * unit)
        text = prompt if seconds_left is None else f"{prompt}  {int(np.ceil(seconds_left))}"
        (tw, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, big, 2)
        if tw > w - 2 * pad:  # long prompts shrink to fit
            big *= (w - 2 * pad) / tw
            (tw, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, big, 2)
        _text_box(image, text, (max(pad, (w - tw) // 2), y), big, TEXT, PROMPT_BG, 2)


class ClipWriter:
    """Writes unmirrored RGB frames with their own timestamps to an H.264 MP4 on a background thread,
    so encoding never delays the live picture. Frames are dropped (and counted) if the encoder falls
    more than ``max_queue`` frames behind."""

    def __init__(
        self, path: str | Path, width: int, height: int, fps_hint: float = 30.0, max_queue: int = 90
    ):
        self.path = Path(path)
        self.width, self.height = width - width % 2, height - height % 2
        self.fps_hint = fps_hint
        self.frames = 0
        self.dropped = 0
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=max_queue)
        self._last_pts = -1
        self._thread = threading.Thread(target=self._run, name="posture-clip-writer", daemon=True)
        self._thread.start()

    def write(self, image_rgb: np.ndarray, t_s: float) -> None:
        try:
            self._queue.put_nowait((image_rgb, t_s))
        except queue.Full:
            self.dropped += 1

    def close(self, timeout_s: float = 30.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout_s)
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            rate = Fraction(self.fps_hint).limit_denominator(1001) if self.fps_hint > 0 else 30
            with av.open(str(self.path), mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
                stream = out.add_stream("libx264", rate=rate)
                stream.width, stream.height = self.width, self.height
                stream.pix_fmt = "yuv420p"
                stream.time_base = TIME_BASE
                stream.codec_context.time_base = TIME_BASE
                # Near-lossless and cheap: the clip is measured again afterwards.
                stream.options = {"crf": "18", "preset": "ultrafast", "tune": "zerolatency"}
                while (item := self._queue.get()) is not None:
                    image, t_s = item
                    if image.shape[1] != self.width or image.shape[0] != self.height:
                        image = image[: self.height, : self.width]
                    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
                    pts = max(int(round(t_s / TIME_BASE)), self._last_pts + 1)
                    frame.pts, frame.time_base = pts, TIME_BASE
                    self._last_pts = pts
                    for packet in stream.encode(frame):
                        out.mux(packet)
                    self.frames += 1
                for packet in stream.encode():
                    out.mux(packet)
        except BaseException as exc:  # reported by close()
            self.error = exc
            with contextlib.suppress(queue.Empty):
                while True:
                    self._queue.get_nowait()


@dataclass(frozen=True)
class Recording:
    """A finished recording: the clip, its phase marks (also written beside it), frames, length."""

    clip: Path
    marks: Marks
    marks_file: Path
    frames: int
    dropped: int
    duration_s: float


class LiveSession:
    """Live measurement, protocol prompts and recording for one viewer (thread-safe).

    ``process`` is called from the camera thread; ``start_recording``/``stop_recording``/``latest``
    from the user interface's thread.
    """

    def __init__(self, mirror_preview: bool = False, tracker_factory=None) -> None:
        self.mirror_preview = mirror_preview
        self._tracker_factory = tracker_factory
        self._tracker = None
        self._turns = None
        self._quiet: contextlib.ExitStack | None = None
        self._lock = threading.RLock()
        self._t0: float | None = None
        self._latest: Reading | None = None
        self._times: deque[float] = deque(maxlen=120)
        self.process_ms: deque[float] = deque(maxlen=600)
        self._frames_seen = 0
        # recording state
        self._writer: ClipWriter | None = None
        self._protocol: Protocol | None = None
        self._rec_t0: float | None = None
        self._rec_last: float = 0.0
        self._rec_path: Path | None = None
        self._rec_extra: dict = {}
        self._pending_start: tuple[Path, Protocol | None, dict] | None = None
        self._finished: Recording | None = None
        self._finish_error: str | None = None
        self._stop_requested = False

    # -- camera thread ----------------------------------------------------------------------------

    def _ensure_tracker(self):
        if self._tracker is None:
            from posture.pipeline.landmarks import FaceTracker, quiet_stderr
            from posture.pipeline.turntrack import TurnTracker

            self._quiet = contextlib.ExitStack()
            self._quiet.enter_context(quiet_stderr())
            self._tracker = (self._tracker_factory or FaceTracker)()
            self._turns = TurnTracker()
        return self._tracker

    def process(self, image_rgb: np.ndarray, t_s: float | None = None) -> np.ndarray:
        """Measure one unmirrored RGB frame (``t_s``: its timestamp in seconds, any origin; default
        the wall clock) and return the annotated image to display."""
        start = time.perf_counter()
        t_abs = time.monotonic() if t_s is None else float(t_s)
        with self._lock:
            tracker = self._ensure_tracker()
            if self._t0 is None:
                self._t0 = t_abs
            angles, face = measure(tracker, self._turns, image_rgb)
            self._frames_seen += 1
            if self._quiet is not None and self._frames_seen >= QUIET_FRAMES:
                self._quiet.close()
                self._quiet = None
            prompt = seconds_left = rec_s = None
            if self._pending_start is not None:
                self._begin(image_rgb, t_abs)
            if self._writer is not None:
                rec_s = t_abs - self._rec_t0
                if rec_s < self._rec_last:  # a clock going backwards: keep the clip's time increasing
                    rec_s = self._rec_last + 1e-3
                self._writer.write(image_rgb, rec_s)
                self._rec_last = rec_s
                if self._protocol is not None:
                    step = self._protocol.step_at(rec_s)
                    if step is None:
                        self._finish(completed=True)
                        prompt, rec_s = "Done: thank you. The recording is saved.", None
                    else:
                        prompt, seconds_left = step[0].prompt, step[1]
                if self._stop_requested and self._writer is not None:
                    self._finish(completed=False)
                    rec_s = None
            shown = image_rgb.copy()
            if face is not None:
                draw_axes(shown, angles, face)
            if self.mirror_preview:
                shown = np.ascontiguousarray(shown[:, ::-1])
            draw_text(shown, angles, self.mirror_preview, prompt, seconds_left, rec_s)
            self._times.append(t_abs)
            elapsed = (time.perf_counter() - start) * 1000.0
            self.process_ms.append(elapsed)
            fps = (
                (len(self._times) - 1) / (self._times[-1] - self._times[0])
                if len(self._times) > 2 and self._times[-1] > self._times[0]
                else float("nan")
            )
            self._latest = Reading(t_abs - self._t0, angles, face is not None, elapsed, fps)
            return shown

    def _begin(self, image: np.ndarray, t_abs: float) -> None:
        path, protocol, extra = self._pending_start
        self._pending_start = None
        h, w = image.shape[:2]
        fps = self._latest.fps if self._latest is not None and np.isfinite(self._latest.fps) else 30.0
        self._writer = ClipWriter(path, w, h, fps_hint=round(fps) or 30.0)
        self._protocol, self._rec_t0, self._rec_last = protocol, t_abs, 0.0
        self._rec_path, self._rec_extra = path, {**extra, "width": w, "height": h}
        self._stop_requested = False

    def _finish(self, completed: bool) -> None:
        writer, self._writer = self._writer, None
        if writer is None:
            return
        try:
            writer.close()
        except Exception as exc:  # the camera keeps running; the page says what happened
            self._finish_error = f"the recording could not be written ({type(exc).__name__}: {exc})"
            return
        duration = self._rec_last
        if self._protocol is not None:
            phases = tuple(
                Phase(p.key, p.kind, p.start_s, min(p.end_s, duration), "marks")
                for p in self._protocol.schedule()
                if p.start_s < duration
            )
            name = self._protocol.name
        else:
            phases, name = (), ""
        marks = Marks(
            protocol=name,
            phases=phases,
            completed=completed,
            mirrored_preview=self.mirror_preview,
            extra={**self._rec_extra, "frames": writer.frames, "dropped_frames": writer.dropped},
        )
        from posture.protocol import marks_path

        marks_file = marks.write(marks_path(self._rec_path))
        self._finished = Recording(self._rec_path, marks, marks_file, writer.frames, writer.dropped, duration)
        self._protocol = None

    # -- interface thread --------------------------------------------------------------------------

    def start_recording(self, path: str | Path, protocol: Protocol | None, extra: dict | None = None) -> None:
        """Start recording to ``path`` (MP4) at the next frame, running ``protocol`` (or none)."""
        with self._lock:
            self._finished, self._finish_error = None, None
            self._pending_start = (Path(path), protocol, dict(extra or {}))

    def stop_recording(self) -> None:
        """Stop the recording at the next frame (the marks say the protocol was not completed)."""
        with self._lock:
            if self._pending_start is not None:
                self._pending_start = None
            elif self._writer is not None:
                self._stop_requested = True

    def finish_now(self) -> None:
        """Stop a recording at once (the camera stopped: no further frame will come)."""
        with self._lock:
            self._pending_start = None
            if self._writer is not None:
                self._finish(completed=False)

    @property
    def recording(self) -> bool:
        return self._writer is not None or self._pending_start is not None

    def status(self) -> dict:
        """What the interface shows: latest reading, recording time, current step and seconds left."""
        with self._lock:
            out: dict = {
                "reading": self._latest,
                "recording": self.recording,
                "step": None,
                "seconds_left": None,
            }
            if self._writer is not None:
                out["recording_s"] = self._rec_last
                if self._protocol is not None and (step := self._protocol.step_at(self._rec_last)):
                    out["step"], out["seconds_left"] = step
            out["finished"] = self._finished
            out["error"] = self._finish_error
            return out

    def latency_ms(self) -> dict[str, float]:
        """Median and 95th percentile of the time spent per frame (ms) so far."""
        values = np.asarray(self.process_ms, dtype=float)
        if values.size == 0:
            return {"median": float("nan"), "p95": float("nan"), "frames": 0}
        return {
            "median": float(np.median(values)),
            "p95": float(np.percentile(values, 95)),
            "frames": int(values.size),
        }

    def close(self) -> None:
        """Finish any recording and release MediaPipe."""
        with self._lock:
            self.finish_now()
            if self._tracker is not None:
                self._tracker.close()
                self._tracker = None
                self._turns = None
            if self._quiet is not None:
                self._quiet.close()
                self._quiet = None
            self._t0 = None
            self._times.clear()
