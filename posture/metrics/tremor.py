"""Head tremor: the dominant oscillation of the head angles in the 2–12 Hz band.

JSON section ``tremor`` (:meth:`TremorResult.to_dict`)::

    measured (bool: False when the clip could not be analysed; ``reason`` says why),
    present (bool: a tremor figure is given),
    frequency_hz, amplitude_deg, axis, regularity: the headline tremor (the strongest one), else None.
        amplitude_deg is zero-to-peak (A in A·sin(2πft)), averaged over the analysed time;
        axis is "rotation" ("no-no"), "tilt" or "flexion" ("yes-yes");
        regularity (0..1) is the share of the 1.5 Hz..Nyquist power within ±0.5 Hz of the peak
        (1 = a pure sine; an irregular, jerky tremor or noise spreads the spectrum and lowers it).
    axes_with_tremor: [{axis, frequency_hz, amplitude_deg, regularity, snr}], strongest first (every
        axis with a tremor of its own; the first is the headline).
    cross_talk: [{axis, frequency_hz, amplitude_deg, regularity, snr}]: peaks on other axes at the
        headline's frequency and much smaller (``tremor_cross_talk_ratio``): the same oscillation seen
        through the pose fit's coupling of the axes, not a separate tremor (also named in ``notes``).
    slow_oscillation: {axis, frequency_hz, amplitude_deg, regularity, snr} | None: an oscillation
        between 1.5 and 2 Hz (below the tremor band, above drift), reported and not dropped.
    per_axis: {rotation|tilt|flexion: {band_power_deg2 (power in the covered band, deg²),
        peak_frequency_hz, peak_amplitude_deg, peak_snr (the strongest local peak in the covered
        band, whether or not it counts), tremor (bool: a tremor of its own on this axis),
        cross_talk (bool: a peak that is cross-talk of the headline tremor)}}
    spectrum: {frequency_hz: [...], power: {rotation|tilt|flexion: [...]}} | None: the averaged Welch
        spectrum the figures come from (deg²/Hz), from ``tremor_slow_cutoff_hz`` (1 Hz; below it is
        postural drift, which the analysis ignores) up to the tremor band's top or the Nyquist
        frequency, whichever is lower, thinned to at most ``SPECTRUM_MAX_POINTS`` points; None when no
        spectrum could be computed. The band is ``band_hz``; the peak is ``frequency_hz`` on ``axis``.
    band_hz ([low, high]: the band actually covered at this frame rate), frame_rate_hz (measured),
    resolution_hz (1 / window length), analysed_s (s of still head in the spectrum), tracked_s
    (s with a face), excluded_s (s of tracked head left out as voluntary movement or jerks),
    reason (str | None: why no tremor figure is given), notes ([str]: caveats).
    refinement: {method, start_s, end_s, frames, first_pass_amplitude_deg, amplitude_deg, applied} | None:
        set when a tremor is present and the analysis re-read the clip to measure its amplitude
        (:mod:`posture.pipeline.refine`: the face mesh three times per frame, averaged with the mirrored
        frame's, which damps small fast movements less). ``start_s``..``end_s`` (s, frame times) is the
        stretch re-read (where the tremor is strongest, at most 12 s), ``frames`` its frame count,
        ``first_pass_amplitude_deg`` the amplitude the normal pass read, ``amplitude_deg`` the refined one
        (None when the refined reading found no peak at the tremor's frequency; ``applied`` False then and
        the first pass's amplitude stands). When applied, the headline ``amplitude_deg`` and the headline
        peak's amplitude in ``axes_with_tremor`` and ``per_axis`` are the refined one; frequency, axis,
        regularity, snr, band powers and ``spectrum`` stay the first pass's. None when no tremor is
        present or the refinement was not run.

Method (SciPy): the angles are put on a uniform grid at the measured frame rate (cubic spline through
the frames; gaps up to ``tremor_max_gap_s`` bridged, longer gaps split the series). Stretches of
voluntary movement (speed of the 1 Hz low-passed angles above ``tremor_voluntary_speed_deg_s``) and
jerks (:func:`posture.metrics.jerks.detect_jerks`) are left out with a margin. The rest is cut into
``tremor_window_s`` Hann windows (half overlap), each linearly detrended, whose periodograms are averaged
(Welch), so slow drift below 1 Hz stays out of the band. A spectral peak is a tremor when its density
is at least ``tremor_snr_min`` times the local background (more when less than about 8 s were
analysed, see :func:`snr_threshold`) and its amplitude ``A = sqrt(2·power)`` is at least
``tremor_min_amplitude_deg``; power is the peak's area above the background, over its main lobe
(±0.5 Hz) and, for a tremor whose frequency wanders, further while the spectrum stays high (up to
±1 Hz). A pure sine A·sin(2πft) thus reads A; a tremor wandering by more than about ±15 % in
frequency reads low. One peak per axis is reported (the strongest); the headline is the strongest
axis. A face-mesh pose fit couples the axes: a pure rotation tremor also shows, at the same
frequency, on flexion or tilt with up to about half its amplitude. Such a peak (within
``tremor_cross_talk_hz`` of the headline and below ``tremor_cross_talk_ratio`` of its amplitude) is
listed as ``cross_talk``, not as a second tremor. The band covered ends at ``tremor_nyquist_fraction`` of the Nyquist frequency; a peak beyond it
is refused with a reason rather than reported at an aliased frequency (a tremor above Nyquist whose
alias falls inside the covered band cannot be recognised: at 30 fps, 18–28 Hz; no head tremor is that
fast).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import fft, signal, stats

from posture.metrics.config import MetricsConfig
from posture.metrics.inputs import AXES, check_angles
from posture.metrics.jerks import JerksResult, detect_jerks
from posture.metrics.serialize import json_ready
from posture.pipeline.signals import (
    dilate,
    frame_rate_hz,
    intervals_to_mask,
    lowpass,
    parabolic_peak,
    resample_uniform,
    true_runs,
    valid_rows,
)

SPECTRUM_MAX_POINTS = 300
"""Most points of the ``spectrum`` in the JSON (enough for a plot; the analysis uses the full one)."""

__all__ = [
    "SPECTRUM_MAX_POINTS",
    "SpectralPeak",
    "AxisSpectrum",
    "TremorResult",
    "analyze_tremor",
    "tremor_spectrum",
    "spectral_peaks",
]


@dataclass(frozen=True)
class SpectralPeak:
    """One peak of an angle spectrum: frequency (Hz), zero-to-peak amplitude (deg), regularity (0..1),
    snr (peak density / local background density) and whether it passes the detection criteria."""

    axis: str
    frequency_hz: float
    amplitude_deg: float
    regularity: float
    snr: float
    detected: bool

    def to_dict(self) -> dict:
        """JSON-ready dict without ``detected`` (lists of peaks only hold detected ones)."""
        return json_ready({k: v for k, v in self.__dict__.items() if k != "detected"})


@dataclass(frozen=True)
class AxisSpectrum:
    """Per-axis summary: power in the covered band (deg²) and the strongest local peak there."""

    axis: str
    band_power_deg2: float
    peak: SpectralPeak | None
    tremor: bool
    cross_talk: bool = False

    def to_dict(self) -> dict:
        """JSON-ready ``{band_power_deg2, peak_frequency_hz, peak_amplitude_deg, peak_snr, tremor,
        cross_talk}``."""
        p = self.peak
        return json_ready(
            {
                "band_power_deg2": self.band_power_deg2,
                "peak_frequency_hz": None if p is None else p.frequency_hz,
                "peak_amplitude_deg": None if p is None else p.amplitude_deg,
                "peak_snr": None if p is None else p.snr,
                "tremor": self.tremor,
                "cross_talk": self.cross_talk,
            }
        )


@dataclass(frozen=True)
class TremorResult:
    """The ``tremor`` section; see the module docstring for keys, units and signs."""

    measured: bool
    present: bool
    frequency_hz: float | None
    amplitude_deg: float | None
    axis: str | None
    regularity: float | None
    axes_with_tremor: tuple[SpectralPeak, ...]
    slow_oscillation: SpectralPeak | None
    per_axis: dict[str, AxisSpectrum]
    band_hz: tuple[float, float]
    frame_rate_hz: float
    resolution_hz: float
    analysed_s: float
    tracked_s: float
    excluded_s: float
    reason: str | None
    notes: tuple[str, ...] = field(default=())
    cross_talk: tuple[SpectralPeak, ...] = field(default=())
    spectrum: dict | None = None
    refinement: dict | None = None

    def to_dict(self) -> dict:
        """JSON-ready dict (keys as the fields; NaN -> None)."""
        return json_ready(self.__dict__)


def spectrum_for_plot(f_hz: np.ndarray, psd: np.ndarray, top_hz: float, config: MetricsConfig) -> dict:
    """The ``spectrum`` of the JSON: ``{"frequency_hz": [...], "power": {axis: [...]}}`` (deg²/Hz) from
    ``tremor_slow_cutoff_hz`` up to ``top_hz``, every k-th frequency so that at most
    :data:`SPECTRUM_MAX_POINTS` remain (the zero-padded spectrum is smooth at that spacing)."""
    keep = np.flatnonzero((f_hz >= config.tremor_slow_cutoff_hz) & (f_hz <= top_hz + 1e-9))
    keep = keep[:: max(1, math.ceil(keep.size / SPECTRUM_MAX_POINTS))]
    return {
        "frequency_hz": [round(float(v), 4) for v in f_hz[keep]],
        "power": {axis: [float(f"{v:.4g}") for v in psd[keep, j]] for j, axis in enumerate(AXES)},
    }


def tremor_spectrum(
    segments: list, fs_hz: float, config: MetricsConfig, exclude_intervals_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Welch spectrum of the still parts of uniform-grid segments.

    Args:
        segments: :class:`posture.pipeline.signals.Segment` list, values (m, k) degrees.
        fs_hz: their sampling rate (Hz).
        config: ``tremor_window_s``, ``tremor_slow_cutoff_hz``, ``tremor_voluntary_speed_deg_s``,
            ``tremor_exclusion_margin_s``.
        exclude_intervals_s: (r, 2) seconds to leave out (jerks), besides voluntary movement.

    Returns:
        ``(f_hz (nf,), psd (nf, k) deg²/Hz, analysed_s, excluded_s)``; ``psd`` is empty (0, k) when
        no window fits. Windows never span a gap or an excluded stretch; within a still stretch they are
        spread evenly with about half overlap, so its whole length is used.
    """
    cfg = config
    nper = int(round(cfg.tremor_window_s * fs_hz))
    margin = int(round(cfg.tremor_exclusion_margin_s * fs_hz))
    windows: list[np.ndarray] = []
    analysed = 0
    excluded = 0
    for seg in segments:
        x = np.asarray(seg.values, dtype=float).reshape(len(seg.t_s), -1)
        if x.shape[0] < nper:
            continue
        slow = lowpass(x, fs_hz, cfg.tremor_slow_cutoff_hz)
        speed = np.abs(np.gradient(slow, 1.0 / fs_hz, axis=0)).max(axis=1)
        moving = (speed > cfg.tremor_voluntary_speed_deg_s) | intervals_to_mask(seg.t_s, exclude_intervals_s)
        moving = dilate(moving, margin)
        excluded += int(moving.sum())
        covered = np.zeros(x.shape[0], dtype=bool)
        for start, stop in true_runs(~moving):
            if stop - start < nper:
                continue
            n_win = 1 + math.ceil((stop - start - nper) / max(1, nper // 2))
            for s in np.round(np.linspace(start, stop - nper, n_win)).astype(int):
                windows.append(x[s : s + nper])
                covered[s : s + nper] = True
        analysed += int(covered.sum())
    k = segments[0].values.reshape(len(segments[0].t_s), -1).shape[1] if segments else 3
    if not windows:
        return np.zeros(0), np.zeros((0, k)), 0.0, excluded / fs_hz
    nfft = fft.next_fast_len(8 * nper)  # zero-padding: finer frequency sampling of the peak
    f, p = signal.periodogram(
        np.stack(windows), fs=fs_hz, window="hann", nfft=nfft, detrend="linear", scaling="density", axis=1
    )
    return f, p.mean(axis=0), analysed / fs_hz, excluded / fs_hz


def snr_threshold(independent_windows: int, n_bins: int, config: MetricsConfig) -> float:
    """Peak-to-background ratio a peak needs, given how much spectrum averaging there was.

    With little averaging the spectrum of noise is rough (a bin averaged over k independent windows is
    Gamma-distributed with shape k), so the fixed ``tremor_snr_min`` would let chance peaks through on
    a short clip. The threshold rises to the level (relative to the background's median) that noise
    alone exceeds in any of ``n_bins`` independent bins with probability ``tremor_false_alarm``, and
    never falls below ``tremor_snr_min``.

    Args:
        independent_windows: analysed time in whole window lengths (overlapping windows are not
            independent), at least 1.
        n_bins: number of resolution bins searched.
        config: ``tremor_snr_min``, ``tremor_false_alarm``.
    """
    k = max(1, int(independent_windows))
    noise = stats.gamma(a=k, scale=1.0 / k)
    level = noise.isf(config.tremor_false_alarm / max(1, n_bins)) / noise.median()
    return float(max(config.tremor_snr_min, level))


def _peak_extent(
    p: np.ndarray,
    i: int,
    distance: np.ndarray,
    usable: np.ndarray,
    halfwidth_hz: float,
    max_halfwidth_hz: float,
    background: float,
) -> tuple[int, int]:
    """First and last index of the peak at ``i``: outward from it while the spectrum stays below the
    peak and never climbs to twice the lowest level already passed (so it crosses the small wiggles of
    an irregular tremor but never climbs a neighbouring peak or its skirt, e.g. drift below 1 Hz);
    within ``halfwidth_hz`` of the peak, and beyond that up to ``max_halfwidth_hz`` only while it stays
    above twice the background."""

    def walk(step: int) -> int:
        k, lowest = i, p[i]
        while True:
            n = k + step
            if not (0 <= n < p.size and usable[n] and distance[n] <= max_halfwidth_hz):
                return k
            if p[n] > p[i] or p[n] > 2 * lowest:
                return k
            if distance[n] > halfwidth_hz and p[n] <= 2 * background:
                return k
            k, lowest = n, min(lowest, p[n])

    return walk(-1), walk(+1)


def spectral_peaks(
    f_hz: np.ndarray,
    psd: np.ndarray,
    axis: str,
    fs_hz: float,
    config: MetricsConfig,
    snr_min: float | None = None,
) -> list[SpectralPeak]:
    """All local peaks of one axis' spectrum from ``slow_oscillation_low_hz`` up to 0.98 × Nyquist.

    Args:
        f_hz: (nf,) uniform frequencies (Hz).
        psd: (nf,) power spectral density (deg²/Hz) of one axis.
        axis: axis name for the result.
        fs_hz: sampling rate (Hz).
        config: ``tremor_*`` thresholds.
        snr_min: peak-to-background ratio needed (default ``tremor_snr_min``; see :func:`snr_threshold`).

    Returns:
        Peaks in frequency order, each with interpolated frequency, background-subtracted amplitude,
        snr, regularity and ``detected`` (snr >= ``snr_min`` and amplitude >=
        ``tremor_min_amplitude_deg``).
    """
    cfg = config
    snr_min = cfg.tremor_snr_min if snr_min is None else snr_min
    p = np.asarray(psd, dtype=float)
    df = float(f_hz[1] - f_hz[0])
    top = 0.98 * fs_hz / 2
    usable = (f_hz >= cfg.tremor_slow_cutoff_hz) & (f_hz <= top)
    total = float(p[(f_hz >= cfg.slow_oscillation_low_hz) & (f_hz <= top)].sum() * df)
    log_p = np.log(np.maximum(p, 1e-300))
    idx, _ = signal.find_peaks(p)
    idx = idx[(f_hz[idx] >= cfg.slow_oscillation_low_hz) & (f_hz[idx] <= top)]
    lo_flank, hi_flank = cfg.tremor_background_flank_hz
    # the local background never counts as lower than the band's overall median: with few windows a
    # flank can sit low by chance and make a noise bump look like a peak
    floor = float(np.median(p[usable & (f_hz >= cfg.slow_oscillation_low_hz)]))
    peaks = []
    for i in idx:
        offset, _ = parabolic_peak(log_p, int(i))
        f0 = float(f_hz[i] + offset * df)
        distance = np.abs(f_hz - f0)
        flank = usable & (distance >= lo_flank) & (distance <= hi_flank)
        background = max(float(np.median(p[flank])) if flank.sum() >= 4 else 0.0, floor)
        snr = float(p[i] / background) if background > 0 else float("inf")
        # the main lobe, widened while the spectrum stays well above the background (irregular tremor)
        lo, hi = _peak_extent(
            p,
            int(i),
            distance,
            usable,
            cfg.tremor_peak_halfwidth_hz,
            cfg.tremor_peak_max_halfwidth_hz,
            background,
        )
        power = max(0.0, float((p[lo : hi + 1] - background).sum() * df))
        amplitude = math.sqrt(2.0 * power)
        core = distance[lo : hi + 1] <= cfg.tremor_peak_halfwidth_hz
        regularity = float(p[lo : hi + 1][core].sum() * df / total) if total > 0 else 0.0
        detected = snr >= snr_min and amplitude >= cfg.tremor_min_amplitude_deg
        peaks.append(SpectralPeak(axis, f0, amplitude, min(1.0, regularity), snr, detected))
    return peaks


def _not_measured(reason: str, **fields) -> TremorResult:
    return TremorResult(
        measured=False,
        present=False,
        frequency_hz=None,
        amplitude_deg=None,
        axis=None,
        regularity=None,
        axes_with_tremor=(),
        slow_oscillation=None,
        per_axis={},
        reason=reason,
        **fields,
    )


def analyze_tremor(
    t_s: np.ndarray,
    angles: np.ndarray,
    config: MetricsConfig = MetricsConfig(),
    jerks: JerksResult | None = None,
) -> TremorResult:
    """Dominant head tremor of a clip (see the module docstring for method and output).

    Args:
        t_s: (n,) float seconds, the frames' presentation times, strictly increasing (any spacing).
        angles: (n, 3) float degrees ``[rotation, tilt, flexion]``, NaN where no face.
        config: ``tremor_*`` and ``slow_oscillation_low_hz`` thresholds.
        jerks: jerks already found in the same series (left out of the spectrum); found here if None.

    Returns:
        :class:`TremorResult`. When it cannot be measured (clip or tracked part too short, frame rate
        too low, face missing, head never at rest) ``measured`` is False and ``reason`` says why.

    Raises:
        InvalidInput: for malformed times or angles.
    """
    t, a = check_angles(t_s, angles)
    cfg = config
    band_lo, band_hi = cfg.tremor_band_hz
    fs = frame_rate_hz(t) if t.size > 1 else float("nan")
    upper = min(band_hi, cfg.tremor_nyquist_fraction * fs / 2) if np.isfinite(fs) else float("nan")
    if upper > band_hi - 0.5 / cfg.tremor_window_s:
        upper = band_hi  # a nominal 30 fps clip measured at 29.9 fps still covers the band
    info = dict(
        band_hz=(band_lo, upper),
        frame_rate_hz=fs,
        resolution_hz=1.0 / cfg.tremor_window_s,
        notes=(),
    )
    valid = valid_rows(a)
    clip_s = float(t[-1] - t[0] + 1.0 / fs) if t.size > 1 else 0.0
    if t.size < 2 or clip_s < cfg.tremor_min_analysed_s:
        return _not_measured(
            f"the clip is {clip_s:.1f} s long: a tremor figure needs at least "
            f"{cfg.tremor_min_analysed_s:g} s of tracked head at rest (about 10 s for 0.1 Hz precision)",
            analysed_s=0.0,
            tracked_s=0.0,
            excluded_s=0.0,
            **info,
        )
    if fs < cfg.tremor_min_frame_rate_hz:
        return _not_measured(
            f"the frame rate is {fs:.0f} fps: it covers tremor only up to {upper:.1f} Hz of the "
            f"{band_lo:g}–{band_hi:g} Hz band; record at 30 fps or more (60 fps for tremor above 10 Hz)",
            analysed_s=0.0,
            tracked_s=0.0,
            excluded_s=0.0,
            **info,
        )
    if jerks is None:
        jerks = detect_jerks(t, a, cfg)
    segments = resample_uniform(t, a, fs, cfg.tremor_max_gap_s, kind="cubic")
    tracked_s = float(sum(s.duration_s + 1.0 / fs for s in segments))
    f, psd, analysed_s, excluded_s = tremor_spectrum(segments, fs, cfg, jerks.intervals_s())
    counts = dict(analysed_s=analysed_s, tracked_s=tracked_s, excluded_s=excluded_s)
    if analysed_s < cfg.tremor_min_analysed_s - 1e-9:
        need = f"{cfg.tremor_min_analysed_s:g} s"
        longest = max((s.duration_s for s in segments), default=0.0)
        missing_pct = 100.0 * (1.0 - valid.mean())
        if longest < cfg.tremor_window_s:
            reason = (
                f"no tracked stretch of {need} without a gap: the face was missing in {missing_pct:.0f} % of "
                f"frames (longest tracked stretch {longest:.1f} s); a tremor figure needs {need} of tracked "
                f"head at rest"
            )
        else:
            reason = (
                f"the head was moving on purpose or jerking too often: {excluded_s:.0f} s of the tracked "
                f"{tracked_s:.0f} s were left out, and no {need} stretch at rest remained between them for a "
                f"tremor figure"
            )
        return _not_measured(reason, **counts, **info)

    spectrum = spectrum_for_plot(f, psd, min(band_hi, fs / 2), cfg)
    per_axis: dict[str, AxisSpectrum] = {}
    tremors: list[SpectralPeak] = []
    slows: list[SpectralPeak] = []
    refused: list[SpectralPeak] = []  # near Nyquist: could be an alias
    above: list[SpectralPeak] = []  # above the band but well below Nyquist (at 60 fps: 12–24 Hz)
    df = float(f[1] - f[0])
    in_band = (f >= band_lo) & (f <= upper)
    # a peak interpolated a hair past the band's top edge still belongs to it
    top = upper + 0.5 / cfg.tremor_window_s
    guard = max(top, cfg.tremor_nyquist_fraction * fs / 2)
    # resolution bins searched, counted twice: the peak search runs on the zero-padded (interpolated)
    # spectrum, whose maxima between bins give noise about twice as many chances
    n_bins = 2 * int(np.ceil((0.98 * fs / 2 - cfg.slow_oscillation_low_hz) * cfg.tremor_window_s))
    # overlapping windows are not independent: count the analysed time in whole window lengths
    snr_min = snr_threshold(int(analysed_s / cfg.tremor_window_s), n_bins, cfg)
    for j, axis in enumerate(AXES):
        peaks = spectral_peaks(f, psd[:, j], axis, fs, cfg, snr_min)
        band_peaks = [pk for pk in peaks if band_lo <= pk.frequency_hz <= top]
        detected = [pk for pk in band_peaks if pk.detected]
        if detected:
            best = max(detected, key=lambda pk: pk.amplitude_deg)
            tremors.append(best)
        else:  # shown for transparency: the most prominent peak that did not count
            best = max(band_peaks, key=lambda pk: pk.snr, default=None)
        slows += [pk for pk in peaks if pk.detected and pk.frequency_hz < band_lo]
        refused += [pk for pk in peaks if pk.detected and pk.frequency_hz > guard]
        above += [pk for pk in peaks if pk.detected and top < pk.frequency_hz <= guard]
        per_axis[axis] = AxisSpectrum(axis, float(psd[in_band, j].sum() * df), best, bool(detected))

    tremors.sort(key=lambda pk: -pk.amplitude_deg)
    cross_talk = tuple(pk for pk in tremors[1:] if _is_cross_talk(pk, tremors[0], cfg))
    tremors = [pk for pk in tremors if pk not in cross_talk]
    for pk in cross_talk:
        per_axis[pk.axis] = replace(per_axis[pk.axis], tremor=False, cross_talk=True)
    slow = max(slows, key=lambda pk: pk.amplitude_deg, default=None)
    notes = []
    if cross_talk:
        seen = ", ".join(f"{pk.axis} {pk.amplitude_deg:.1f}°" for pk in cross_talk)
        notes.append(
            f"the {tremors[0].axis} tremor at {tremors[0].frequency_hz:.1f} Hz also shows on other axes "
            f"({seen}) at the same frequency and much smaller: read as cross-talk of the head-pose fit, "
            f"not as a separate tremor"
        )
    if upper < band_hi:
        notes.append(
            f"at {fs:.0f} fps only {band_lo:g}–{upper:.1f} Hz of the {band_lo:g}–{band_hi:g} Hz tremor "
            f"band is covered; record at 30 fps or more to cover it all"
        )
    if analysed_s < 10.0:
        notes.append(
            f"only {analysed_s:.1f} s of head at rest were analysed: frequency resolution "
            f"{1.0 / cfg.tremor_window_s:g} Hz; about 10 s are needed for 0.1 Hz precision"
        )
    if excluded_s > 0:
        notes.append(f"{excluded_s:.1f} s of voluntary movement or jerks were left out of the spectrum")
    near_nyquist = max(refused, key=lambda pk: pk.amplitude_deg, default=None)
    if near_nyquist is not None:
        refusal = (
            f"an oscillation near {near_nyquist.frequency_hz:.1f} Hz ({near_nyquist.axis}) lies too close to "
            f"the Nyquist limit of {fs:.0f} fps ({fs / 2:.1f} Hz) to be measured without aliasing: only "
            f"{band_lo:g}–{upper:.1f} Hz is covered at this frame rate; record at a higher frame rate "
            f"(60 fps covers up to {band_hi:g} Hz)"
        )
        if tremors:
            notes.append(refusal)
    for pk in sorted(above, key=lambda pk: -pk.amplitude_deg)[:1]:
        notes.append(
            f"an oscillation at {pk.frequency_hz:.1f} Hz ({pk.axis}, {pk.amplitude_deg:.1f}°) lies above the "
            f"{band_lo:g}–{band_hi:g} Hz head-tremor band and is not reported as tremor"
        )
    if slow is not None and tremors:
        notes.append(
            f"also a slow oscillation at {slow.frequency_hz:.2f} Hz ({slow.axis}, {slow.amplitude_deg:.1f}°)"
        )

    reason = None
    if not tremors:
        if near_nyquist is not None:
            reason = refusal
        elif slow is not None:
            reason = (
                f"no tremor in {band_lo:g}–{upper:.1f} Hz; a slow oscillation at {slow.frequency_hz:.2f} Hz "
                f"({slow.axis}, {slow.amplitude_deg:.1f}°) was found below the tremor band"
            )
        else:
            reason = (
                f"no oscillation in {band_lo:g}–{upper:.1f} Hz stood out of the background (needs "
                f"{cfg.tremor_snr_min:g}× the background and {cfg.tremor_min_amplitude_deg:g}° or more)"
            )
    head = tremors[0] if tremors else None
    return TremorResult(
        measured=True,
        present=head is not None,
        frequency_hz=None if head is None else head.frequency_hz,
        amplitude_deg=None if head is None else head.amplitude_deg,
        axis=None if head is None else head.axis,
        regularity=None if head is None else head.regularity,
        axes_with_tremor=tuple(tremors),
        slow_oscillation=slow,
        per_axis=per_axis,
        reason=reason,
        cross_talk=cross_talk,
        spectrum=spectrum,
        **counts,
        **{**info, "notes": tuple(notes)},
    )


def _is_cross_talk(peak: SpectralPeak, head: SpectralPeak, config: MetricsConfig) -> bool:
    """A peak on another axis at the headline tremor's frequency, much smaller than it: the same
    oscillation leaking through the pose fit (see ``tremor_cross_talk_ratio``)."""
    return (
        peak.axis != head.axis
        and abs(peak.frequency_hz - head.frequency_hz) <= config.tremor_cross_talk_hz
        and peak.amplitude_deg < config.tremor_cross_talk_ratio * head.amplitude_deg
    )
