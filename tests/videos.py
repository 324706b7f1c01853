"""Tiny synthetic videos for tests of decoding and bad input (no face in them)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def write_video(
    path: Path,
    n_frames: int = 30,
    fps: int = 30,
    size: tuple[int, int] = (160, 120),
    times_s: Sequence[float] | None = None,
    faststart: bool = False,
    images: Sequence[np.ndarray] | None = None,
) -> Path:
    """Write an H.264 MP4 of moving gradients; ``times_s`` gives explicit presentation times (VFR)."""
    w, h = size
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        if times_s is not None:
            stream.codec_context.time_base = Fraction(1, 90000)
        yy, xx = np.mgrid[0:h, 0:w]
        count = len(images) if images is not None else len(times_s) if times_s is not None else n_frames
        for i in range(count):
            if images is None:
                img = np.stack([(xx + 3 * i) % 256, (yy + 2 * i) % 256, np.full_like(xx, 90)], -1)
                img = img.astype(np.uint8)
            else:
                img = images[i]
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            if times_s is not None:
                frame.pts = int(round(times_s[i] * 90000))
                frame.time_base = Fraction(1, 90000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
