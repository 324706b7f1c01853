"""Stage 1: decode a video into upright RGB frames with their real presentation times.

Frames are streamed (a generator), never held all at once. Times come from the container's
presentation timestamps (pts x time_base), so variable-frame-rate phone clips and clips with a
start offset get a true time axis; ``t_s`` is measured from the first decoded frame.

Rotation metadata (a phone's display matrix) is applied here, so every later stage sees the face
upright, as a player would show it. Decoding is done by PyAV (FFmpeg).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from queue import Full, Queue

import av
import numpy as np

from posture.errors import TruncatedVideo, UnreadableVideo, VideoNotFound

# Frames wider or taller than this are scaled down while decoding: the face mesh works on a
# 192 px crop of the face, so more pixels only cost time.
MAX_LONG_SIDE_PX = 1280
# A decoded stream that stops this much (and this share) short of the container's announced
# duration is treated as truncated rather than analysed in part.
TRUNCATION_TOLERANCE_S = 0.5
TRUNCATION_TOLERANCE_SHARE = 0.05


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video, before decoding it.

    ``width``/``height`` are the displayed (upright) size of the frames the pipeline sees, after
    rotation metadata and any downscaling; ``coded_width``/``coded_height`` are as stored.
    ``rotation_deg`` is the display rotation tag, counter-clockwise degrees (0 when untagged).
    ``fps`` is the container's average rate (may be wrong or an average of a variable rate);
    ``frames`` is the container's frame count, 0 when unknown.
    """

    path: str
    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation_deg: int
    fps: float
    frames: int
    duration_s: float
    codec: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Frame:
    """One decoded frame: ``index`` from 0, ``t_s`` seconds since the first frame, upright RGB."""

    index: int
    t_s: float
    image: np.ndarray  # (h, w, 3) uint8 RGB


def _open(path: str | os.PathLike) -> av.container.InputContainer:
    p = Path(path)
    if not p.exists():
        raise VideoNotFound(f"no such file: {p}")
    if not p.is_file():
        raise VideoNotFound(f"not a file: {p}")
    try:
        container = av.open(str(p), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise UnreadableVideo(
            f"{p.name} cannot be read as a video: it is damaged, incomplete or not a video file ({_short(exc)})"
        ) from None
    if not container.streams.video:
        container.close()
        raise UnreadableVideo(f"{p.name} has no video stream")
    return container


def _short(exc: Exception) -> str:
    """FFmpeg's message without the errno and file name PyAV adds: "[Errno 1094995529] Invalid data
    found when processing input: 'x.mp4'" -> "Invalid data found when processing input"."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text)
    return text.split(": '")[0]


def _scaled_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, MAX_LONG_SIDE_PX / max(width, height))
    # Even sizes keep the YUV -> RGB conversion exact.
    return int(round(width * scale / 2)) * 2, int(round(height * scale / 2)) * 2


def probe(path: str | os.PathLike) -> VideoInfo:
    """Read a video's header. Raises :class:`VideoNotFound` or :class:`UnreadableVideo`."""
    with _open(path) as container:
        stream = container.streams.video[0]
        return _info(path, container, stream, _first_frame_rotation(container, stream))


def _first_frame_rotation(container: av.container.InputContainer, stream) -> int:
    """Display rotation from the first decoded frame's display matrix (PyAV exposes it there)."""
    try:
        for frame in container.decode(stream):
            return int(round(frame.rotation / 90.0)) * 90 % 360
    except av.error.FFmpegError:
        return 0
    return 0


def _info(path, container, stream, rotation: int) -> VideoInfo:
    cc = stream.codec_context
    coded_w, coded_h = int(cc.width), int(cc.height)
    if coded_w <= 0 or coded_h <= 0:
        raise UnreadableVideo(f"{Path(path).name} has a video stream with no picture size")
    w, h = _scaled_size(coded_w, coded_h)
    if rotation in (90, 270):
        w, h = h, w
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / 1_000_000
    else:
        duration = float("nan")
    fps = float(stream.average_rate) if stream.average_rate else float("nan")
    return VideoInfo(
        path=str(path),
        width=w,
        height=h,
        coded_width=coded_w,
        coded_height=coded_h,
        rotation_deg=rotation,
        fps=fps,
        frames=int(stream.frames or 0),
        duration_s=duration,
        codec=cc.name,
    )


def _upright(image: np.ndarray, rotation_ccw_deg: int) -> np.ndarray:
    """Apply a display rotation: the image a player shows. ``np.rot90`` turns counter-clockwise."""
    k = (rotation_ccw_deg // 90) % 4
    return np.ascontiguousarray(np.rot90(image, k=k)) if k else image


def prefetch(frames: Iterator[Frame], depth: int = 4) -> Iterator[Frame]:
    """Decode ahead in a background thread (PyAV releases the GIL while decoding), holding at most
    ``depth`` frames, so decoding overlaps with landmarking. Exceptions are re-raised in order."""
    queue: Queue = Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def work() -> None:
        try:
            for frame in frames:
                while not stop.is_set():
                    try:
                        queue.put(frame, timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(done)
        except BaseException as exc:  # handed to the consumer
            queue.put(exc)

    worker = threading.Thread(target=work, name="posture-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = queue.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


def read_frames(path: str | os.PathLike) -> tuple[VideoInfo, Iterator[Frame]]:
    """Open a video and stream its upright RGB frames.

    Returns the :class:`VideoInfo` and a generator of :class:`Frame`. The generator raises
    :class:`TruncatedVideo` if decoding fails midway or the stream stops well short of the
    duration the container announces. Frames whose timestamp does not increase are dropped
    (duplicates from broken muxers).
    """
    info = probe(path)
    return info, _frames(path, info)


def _frames(path, info: VideoInfo) -> Iterator[Frame]:
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rotated = info.rotation_deg in (90, 270)
        out_w, out_h = (info.height, info.width) if rotated else (info.width, info.height)
        t0: float | None = None
        last_t = -np.inf
        index = 0
        try:
            for frame in container.decode(stream):
                if frame.pts is None or frame.time_base is None:
                    continue
                t = float(frame.pts * frame.time_base)
                if t0 is None:
                    t0 = t
                t -= t0
                if t <= last_t:
                    continue
                last_t = t
                image = frame.to_ndarray(width=out_w, height=out_h, format="rgb24")
                yield Frame(index=index, t_s=t, image=_upright(image, info.rotation_deg))
                index += 1
        except av.error.FFmpegError as exc:
            raise TruncatedVideo(
                f"{Path(path).name} is damaged or truncated: decoding failed after {index} frames "
                f"({_short(exc)})"
            ) from None
        if index == 0:
            raise UnreadableVideo(f"{Path(path).name} contains no decodable video frames")
        _check_complete(path, info, last_t, index)
    finally:
        container.close()


def _check_complete(path, info: VideoInfo, last_t: float, count: int) -> None:
    if not np.isfinite(info.duration_s) or info.duration_s <= 0:
        return
    frame_s = last_t / max(count - 1, 1)
    missing = info.duration_s - (last_t + frame_s)
    if missing > TRUNCATION_TOLERANCE_S and missing > TRUNCATION_TOLERANCE_SHARE * info.duration_s:
        raise TruncatedVideo(
            f"{Path(path).name} is truncated: frames stop at {last_t + frame_s:.1f} s of the "
            f"{info.duration_s:.1f} s the file announces; re-export or re-copy the clip"
        )
