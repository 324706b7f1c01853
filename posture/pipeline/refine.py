"""Tremor amplitude refinement: a slower, more faithful face-mesh reading, run only when a tremor is found.

Why
---
The face mesh damps small fast oscillations. In video mode it crops each frame where the face was one
frame earlier, so a fast movement is read from a lagging crop (an 8 Hz, 1° flexion tremor reads about
0.5°); and its response to a small pose change is not symmetric, so a small flexion tremor reads with a
gain that wanders from clip to clip (a 3 Hz, 0.6° one reads about 0.4°). The spectral code is faithful
to the angles it is given (within 5 %); the loss is in the landmarks.

Method
------
After the normal analysis has found a tremor (frequency and axis), the stretch of the clip where it
is strongest (:func:`tremor_window`, at most :data:`WINDOW_S` seconds; the whole clip when shorter) is
decoded again and read by :class:`DualViewMesh`:

1. *Three passes per frame.* Each frame goes through a video-mode face mesh :data:`MESH_PASSES` times;
   each later pass crops the face where the previous one found it on the same frame, not one frame
   earlier.
2. *Mirror view.* A second face mesh reads the horizontally mirrored frame (as many times). Its landmarks
   are mapped back (x -> width - x, left and right landmarks swapped with :func:`mirror_index_map`,
   derived from MediaPipe's symmetric canonical face) and averaged with the direct view's, so the
   mesh's left-right asymmetric response cancels.

The angles come from the same pose fit as the normal analysis (:func:`~posture.pipeline.headpose.
head_rotation`, with :class:`~posture.pipeline.turntrack.TurnTracker` for large turns), and the
amplitude from the same spectral code (:func:`posture.metrics.tremor.tremor_spectrum` and
:func:`~posture.metrics.tremor.spectral_peaks`), at the already found frequency and axis
(:func:`peak_at`). Only the headline amplitude changes; frequency, axis, regularity, SNR, band powers,
the spectrum and every other measurement stay those of the normal analysis. The guided protocol's
rest-phase tremor is refined the same way (:func:`refine_rest_tremor`), cut from the same re-read
when the rest phase lies inside it (:class:`ReRead`).

Measured on the eight rendered tremor clips (truth 0.5–2°, 2.5–12 Hz): first pass −47 % to −2 %,
refined −21 % to +10 %. The mesh then runs six times per frame over the window (the two views at
once): 5–10 s more for an 8–12 s clip on two cores (2.3–4.4 times the normal analysis). Each step alone is not enough: more passes
alone leave the 3 Hz, 0.6° flexion tremor at −30 %, the mirror view alone leaves the 8 Hz one at −50 %.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import signal
from scipy.spatial import cKDTree

from posture.metrics.config import MetricsConfig
from posture.metrics.inputs import AXES
from posture.metrics.jerks import detect_jerks
from posture.metrics.tremor import TremorResult, analyze_tremor, spectral_peaks, tremor_spectrum
from posture.pipeline.frames import prefetch, read_frames
from posture.pipeline.headpose import PoseConfig, canonical_face
from posture.pipeline.landmarks import landmark_array, mesh_faces, new_face_mesh, quiet_stderr
from posture.pipeline.signals import frame_rate_hz, resample_uniform
from posture.pipeline.turntrack import TurnTracker

Progress = Callable[[int, int, float], None]

WINDOW_S = 12.0
"""Longest stretch re-read (s): enough for about 0.1 Hz resolution; a clip up to this long is re-read whole."""
MESH_PASSES = 3
"""Face-mesh passes per frame and view; the last one's landmarks are used (each pass crops the face where
the previous one found it on the same frame; two read the rendered 8 Hz tremor at −24 %, three at −21 %)."""
METHOD = "face mesh three times per frame, averaged with the mirrored frame's"
"""``tremor.refinement.method`` in the JSON."""
BAND_HALFWIDTH_HZ = 1.0
"""Half-width of the band around the tremor's frequency whose power picks the window (Hz)."""
_TIME_EPS_S = 1e-6  # frame times are compared with this tolerance (they come from the same decoder)


def within(t_s: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    """(n,) bool: the frame times ``t_s`` from ``start_s`` to ``end_s``, both included."""
    t = np.asarray(t_s, dtype=float)
    return (t >= start_s - _TIME_EPS_S) & (t <= end_s + _TIME_EPS_S)


# --- pure functions ---------------------------------------------------------------------------------


def mirror_index_map(model: np.ndarray) -> np.ndarray:
    """(n,) int: for each vertex of a left-right symmetric face model, the index of its mirror image.

    ``model``: (n, 3) vertex positions (any unit), x across the face (left-right), y up, z out; the
    mirror of vertex i is the vertex nearest (−x, y, z) (itself for a vertex on the midline). For
    MediaPipe's canonical face this is an involution that swaps the two eyes, brows and cheeks.
    """
    pts = np.asarray(model, dtype=float)
    flipped = pts * np.array([-1.0, 1.0, 1.0])
    _, idx = cKDTree(pts).query(flipped)
    return np.asarray(idx, dtype=int)


@lru_cache(maxsize=1)
def face_mirror_map() -> np.ndarray:
    """:func:`mirror_index_map` of MediaPipe's canonical face (the face mesh's 468 landmarks)."""
    model, _ = canonical_face()
    return mirror_index_map(model)


def unmirror(points_px: np.ndarray, width: int, index_map: np.ndarray) -> np.ndarray:
    """Landmarks read on a horizontally mirrored frame, in the original frame.

    ``points_px``: (n, 3) pixels (x right, y down, z on the x scale) on ``image[:, ::-1]``; ``width``:
    the frame's width (px); ``index_map``: :func:`mirror_index_map`. Landmark i of the result is the
    mirrored face's landmark ``index_map[i]`` (the mirror swaps the face's sides) with x -> width − x.
    """
    out = np.array(points_px, dtype=float)[index_map]
    out[:, 0] = width - out[:, 0]
    return out


def tremor_window(
    t_s: np.ndarray, values: np.ndarray, frequency_hz: float, window_s: float = WINDOW_S
) -> tuple[float, float]:
    """The stretch of the clip (start, end in s, frame times) where a tremor is strongest.

    Args:
        t_s: (n,) frame times (s), increasing.
        values: (n,) the tremor's axis (deg), NaN where no face.
        frequency_hz: the tremor's frequency (Hz).
        window_s: longest stretch (s).

    Returns:
        ``(t_s[0], t_s[-1])`` when the clip lasts ``window_s`` or less; else the ``window_s`` stretch
        whose mean power in ``frequency_hz`` ± :data:`BAND_HALFWIDTH_HZ` (band-passed angle, frames
        without a face counting as zero) is largest (the earliest of equals).
    """
    t = np.asarray(t_s, dtype=float)
    x = np.asarray(values, dtype=float)
    if t.size < 2 or t[-1] - t[0] <= window_s:
        return float(t[0]), float(t[-1])
    fs = frame_rate_hz(t)
    ok = np.isfinite(x)
    filled = np.interp(t, t[ok], x[ok]) if ok.any() else np.zeros_like(t)
    lo = max(0.5, frequency_hz - BAND_HALFWIDTH_HZ)
    hi = min(0.95 * fs / 2, frequency_hz + BAND_HALFWIDTH_HZ)
    sos = signal.butter(4, [lo, hi], btype="bandpass", fs=fs, output="sos")
    power = np.where(ok, signal.sosfiltfilt(sos, filled - filled.mean()) ** 2, 0.0)
    cum = np.concatenate([[0.0], np.cumsum(power)])
    stops = np.searchsorted(t, t + window_s, side="right")  # first frame past each start's window
    fits = t + window_s <= t[-1] + 0.5 / fs
    starts = np.flatnonzero(fits)
    mean = (cum[stops[starts]] - cum[starts]) / np.maximum(stops[starts] - starts, 1)
    best = int(starts[int(np.argmax(mean))])
    return float(t[best]), float(t[stops[best] - 1])


def peak_at(
    t_s: np.ndarray,
    angles: np.ndarray,
    axis: str,
    frequency_hz: float,
    config: MetricsConfig = MetricsConfig(),
    tolerance_hz: float | None = None,
) -> float | None:
    """Zero-to-peak amplitude (deg) of the spectral peak on ``axis`` nearest ``frequency_hz``.

    The same steps as :func:`posture.metrics.tremor.analyze_tremor` (cubic uniform grid, voluntary
    movement and jerks left out, Welch spectrum, background-subtracted peak area), without detection
    thresholds: the tremor was already found. None when no spectrum fits or no peak standing above its
    background lies within ``tolerance_hz`` (default one resolution bin, 1 / ``tremor_window_s``) of
    ``frequency_hz``.

    Args:
        t_s: (n,) frame times (s), strictly increasing.
        angles: (n, 3) degrees ``[rotation, tilt, flexion]``, NaN where no face.
    """
    t = np.asarray(t_s, dtype=float)
    a = np.asarray(angles, dtype=float)
    if t.size < 4 or not np.isfinite(a).all(axis=1).any():
        return None
    fs = frame_rate_hz(t)
    jerks = detect_jerks(t, a, config)
    segments = resample_uniform(t, a, fs, config.tremor_max_gap_s, kind="cubic")
    if not segments:
        return None
    f, psd, _, _ = tremor_spectrum(segments, fs, config, jerks.intervals_s())
    if psd.shape[0] == 0:
        return None
    peaks = spectral_peaks(f, psd[:, AXES.index(axis)], axis, fs, config)
    tol = 1.0 / config.tremor_window_s if tolerance_hz is None else tolerance_hz
    near = [pk for pk in peaks if abs(pk.frequency_hz - frequency_hz) <= tol and pk.amplitude_deg > 0]
    if not near:
        return None
    return float(min(near, key=lambda pk: abs(pk.frequency_hz - frequency_hz)).amplitude_deg)


def refined_tremor(
    tremor: TremorResult, amplitude_deg: float | None, start_s: float, end_s: float, frames: int
) -> TremorResult:
    """``tremor`` with the headline amplitude replaced by the refined one (when there is one) and the
    ``refinement`` record (see :mod:`posture.metrics.tremor`)."""
    first = tremor.amplitude_deg
    record = {
        "method": METHOD,
        "start_s": start_s,
        "end_s": end_s,
        "frames": frames,
        "first_pass_amplitude_deg": first,
        "amplitude_deg": amplitude_deg,
        "applied": amplitude_deg is not None,
    }
    if amplitude_deg is None:
        return replace(tremor, refinement=record)
    head = tremor.axes_with_tremor[0]
    new_head = replace(head, amplitude_deg=amplitude_deg)
    per_axis = dict(tremor.per_axis)
    if per_axis.get(head.axis) is not None and per_axis[head.axis].peak == head:
        per_axis[head.axis] = replace(per_axis[head.axis], peak=new_head)
    return replace(
        tremor,
        amplitude_deg=amplitude_deg,
        axes_with_tremor=(new_head, *tremor.axes_with_tremor[1:]),
        per_axis=per_axis,
        refinement=record,
    )


# --- the slower landmark path -----------------------------------------------------------------------


class DualViewMesh:
    """Face-mesh landmarks read twice per frame, on the frame and on its mirror image, averaged.

    Use as a context manager inside :func:`quiet_stderr`, one per stretch of video, frames in time
    order. Follows a single face (the refinement measures the tremor the first pass already found).
    The two views run at once, the mirror view on a thread of its own (MediaPipe releases the GIL
    while its graph runs): on two cores the 10 s, 640x480 `tremor_flexion_8hz` re-read takes 4.8-5.3 s
    instead of 7.1-7.4 s one view after the other, with the same landmarks (each view keeps its own
    mesh and its own order of frames).
    """

    def __init__(self, passes: int = MESH_PASSES) -> None:
        self._passes = max(1, passes)
        self._direct = new_face_mesh()
        self._mirror = new_face_mesh()
        self._map = face_mirror_map()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="posture-mirror")

    def __enter__(self) -> DualViewMesh:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for graph in (self._direct, self._mirror):
            if graph is not None:
                graph.close()
        self._direct = self._mirror = None

    def _read(self, mesh, image: np.ndarray) -> np.ndarray | None:
        h, w = image.shape[:2]
        faces = None
        for _ in range(self._passes):
            faces = mesh_faces(mesh, image)
            if not faces:
                return None
        return landmark_array(faces[0], w, h)

    def process(self, image: np.ndarray) -> np.ndarray | None:
        """(468, 3) pixel landmarks of ``image`` ((h, w, 3) uint8 RGB), or None when either view
        finds no face (one view alone has its own asymmetric gain: no mixing of readings)."""
        mirror_view = self._pool.submit(self._read, self._mirror, np.ascontiguousarray(image[:, ::-1]))
        direct = self._read(self._direct, image)
        mirrored = mirror_view.result()
        if direct is None or mirrored is None:
            return None
        return 0.5 * (direct + unmirror(mirrored, image.shape[1], self._map))


def refined_angles(
    path: str | Path,
    start_s: float,
    end_s: float,
    pose: PoseConfig = PoseConfig(),
    progress: Progress | None = None,
    expected: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Frame times (n,) s and angles (n, 3) deg (NaN without a face) of the frames from ``start_s`` to
    ``end_s`` (inclusive, the first pass's frame times), read with :class:`DualViewMesh`.

    ``progress(done, expected, elapsed_s)`` is called after each frame of the stretch (``expected``:
    its frame count, 0 if unknown)."""
    _, frames = read_frames(path)
    started = time.perf_counter()
    t_list: list[float] = []
    rows: list[np.ndarray] = []
    turns = TurnTracker(pose)
    nan = np.full(3, np.nan)
    with quiet_stderr(), DualViewMesh() as mesh:
        stream = prefetch(frames)
        try:
            for frame in stream:
                if frame.t_s > end_s + _TIME_EPS_S:
                    break
                if not within(frame.t_s, start_s, end_s):
                    continue
                points = mesh.process(frame.image)
                if points is None:
                    turns.reset()
                    rows.append(nan)
                else:
                    rows.append(turns.head_angles(frame.image, points))
                t_list.append(frame.t_s)
                if progress is not None:
                    progress(len(t_list), expected, time.perf_counter() - started)
        finally:
            stream.close()
    return np.asarray(t_list), np.asarray(rows, dtype=float).reshape(len(rows), 3)


class ReRead:
    """The refined angles of one clip, each stretch read once: a stretch inside one already read is
    cut from it (the rest phase's tremor inside the clip's, say) instead of being read again."""

    def __init__(self, path: str | Path, pose: PoseConfig = PoseConfig(), progress: Progress | None = None):
        self.path, self.pose, self.progress = path, pose, progress
        self.reads: list[tuple[np.ndarray, np.ndarray]] = []  # (t_s, angles) of each stretch read

    def angles(self, start_s: float, end_s: float, expected: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Frame times (s) and refined angles (deg) from ``start_s`` to ``end_s`` (inclusive)."""
        for t, a in self.reads:
            if t.size and t[0] <= start_s + _TIME_EPS_S and t[-1] >= end_s - _TIME_EPS_S:
                keep = within(t, start_s, end_s)
                return t[keep], a[keep]
        t, a = refined_angles(self.path, start_s, end_s, self.pose, self.progress, expected)
        self.reads.append((t, a))
        return t, a


def refine_tremor(
    reader: ReRead,
    t_s: np.ndarray,
    angles: np.ndarray,
    tremor: TremorResult,
    config: MetricsConfig = MetricsConfig(),
    window_s: float = WINDOW_S,
) -> TremorResult:
    """The tremor section with its amplitude re-measured on the refined landmarks (see the module
    docstring); ``tremor`` unchanged when no tremor is present.

    Args:
        reader: the :class:`ReRead` of the clip (its pose settings and progress callback are used).
        t_s, angles: the first pass's frame times (s) and angles (deg), used to choose the window.
        tremor: the first pass's tremor section.
    """
    if not tremor.present or tremor.axis is None or tremor.frequency_hz is None:
        return tremor
    axis_values = np.asarray(angles, dtype=float)[:, AXES.index(tremor.axis)]
    lo, hi = tremor_window(t_s, axis_values, tremor.frequency_hz, window_s)
    t_win, a_win = reader.angles(lo, hi, expected=int(within(t_s, lo, hi).sum()))
    amplitude = peak_at(t_win, a_win, tremor.axis, tremor.frequency_hz, config)
    if amplitude is not None and not math.isfinite(amplitude):
        amplitude = None
    return refined_tremor(tremor, amplitude, lo, hi, int(t_win.size))


def refine_rest_tremor(
    protocol: dict,
    t_s: np.ndarray,
    angles: np.ndarray,
    reader: ReRead,
    config: MetricsConfig = MetricsConfig(),
) -> dict:
    """The ``protocol`` JSON section with the rest phase's tremor amplitude refined like the clip's.

    The guided protocol measures tremor on its rest phase (:func:`posture.protocol.phase_metrics`),
    from the first pass's angles; when that tremor is present, its amplitude is re-measured on the
    refined angles of the rest phase's analysed window (at most :data:`WINDOW_S` of it), with the
    same ``refinement`` record. The section is returned unchanged otherwise.
    """
    rest = protocol.get("rest")
    tremor = rest.get("tremor") if isinstance(rest, dict) else None
    if not isinstance(tremor, dict) or not tremor.get("present"):
        return protocol
    phase = next((p for p in protocol.get("phases") or [] if p.get("kind") == "rest"), None)
    if phase is None:
        return protocol
    keep = within(t_s, phase["analysed_start_s"], phase["analysed_end_s"])
    tt, aa = np.asarray(t_s, dtype=float)[keep], np.asarray(angles, dtype=float)[keep]
    # The same first-pass measurement phase_metrics made (it keeps only the dict).
    first = analyze_tremor(tt, aa, config, jerks=detect_jerks(tt, aa, config))
    if not first.present:
        return protocol
    refined = refine_tremor(reader, tt, aa, first, config)
    return {**protocol, "rest": {**rest, "tremor": refined.to_dict()}}
