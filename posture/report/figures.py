"""Figures of the referral report, drawn with Matplotlib from stored data into PNG bytes.

Each function returns PNG bytes, or None when the stored result lacks what the figure needs.
Figures are made with :class:`matplotlib.figure.Figure` directly (no pyplot), so they can be drawn
from any thread (the dashboard's) without touching a global figure state.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from posture.store.measurements import BY_KEY, as_number

DPI = 160
# Colours that stay apart for the common colour-vision deficiencies (Okabe-Ito).
COLOURS = {
    "rotation": "#0072B2",
    "tilt": "#D55E00",
    "flexion": "#009E73",
    "injection": "#7B3294",
    "other": "#999999",
}
NEUTRAL_BAND_DEG = 10.0
# Normal active ranges of motion in healthy adults (CLINICAL.md), degrees.
NORMAL_ROM = {
    "rom_rotation_left_deg": (70, 80),
    "rom_rotation_right_deg": (70, 80),
    "rom_tilt_left_deg": (40, 50),
    "rom_tilt_right_deg": (40, 50),
    "rom_flexion_deg": (45, 60),
    "rom_extension_deg": (45, 80),
}
ROM_LABELS = {
    "rom_rotation_left_deg": "rotation left",
    "rom_rotation_right_deg": "rotation right",
    "rom_tilt_left_deg": "tilt left",
    "rom_tilt_right_deg": "tilt right",
    "rom_flexion_deg": "flexion (chin down)",
    "rom_extension_deg": "extension (chin up)",
}


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _floats(values: Sequence | None) -> np.ndarray:
    if not isinstance(values, (list, tuple)):
        return np.array([])
    return np.array([np.nan if as_number(v) is None else float(v) for v in values])


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.tick_params(labelsize=8)


def angles_figure(result: dict) -> bytes | None:
    """Head rotation, tilt and flexion over the clip, one panel each, with the ±10° neutral band."""
    series = result.get("series") or {}
    t = _floats(series.get("t_s"))
    if t.size < 2:
        return None
    fig = Figure(figsize=(7.2, 3.9))
    axes = fig.subplots(3, 1, sharex=True)
    titles = {
        "rotation": "rotation (+ = chin to patient's left)",
        "tilt": "tilt (+ = left ear to left shoulder)",
        "flexion": "flexion (+ = chin down)",
    }
    for ax, axis in zip(axes, ("rotation", "tilt", "flexion"), strict=True):
        y = _floats(series.get(f"{axis}_deg"))
        if y.size != t.size:
            y = np.full(t.size, np.nan)
        ax.axhspan(-NEUTRAL_BAND_DEG, NEUTRAL_BAND_DEG, color="#eeeeee", zorder=0)
        ax.axhline(0, color="#888888", linewidth=0.6)
        ax.plot(t, y, color=COLOURS[axis], linewidth=0.9)
        ax.set_ylabel("°", rotation=0, fontsize=8, labelpad=8)
        ax.set_title(titles[axis], fontsize=9, loc="left")
        finite = y[np.isfinite(y)]
        lo, hi = (min(finite.min(), -15), max(finite.max(), 15)) if finite.size else (-15, 15)
        pad = 0.1 * (hi - lo)
        ax.set_ylim(lo - pad, hi + pad)
        _style(ax)
        missing = ~np.isfinite(y)
        if missing.any() and not missing.all():
            ax.fill_between(
                t, 0, 1, where=missing, transform=ax.get_xaxis_transform(), color="#f4cccc", zorder=0
            )
    axes[-1].set_xlabel("time (s)", fontsize=8)
    fig.suptitle(
        "Head angles over the clip (grey: within 10° of neutral; pink: face not tracked)",
        fontsize=9,
        x=0.01,
        ha="left",
    )
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.1, hspace=0.55)
    return _png(fig)


def _spectrum(tremor: dict) -> tuple[np.ndarray, np.ndarray] | None:
    """(frequency_hz, power) of the tremor's axis (or of the strongest axis) from ``tremor.spectrum``
    = ``{"frequency_hz": [...], "power": {axis: [...]}}`` (deg^2/Hz)."""
    spectrum = tremor.get("spectrum")
    if not isinstance(spectrum, dict):
        return None
    power = spectrum.get("power")
    if isinstance(power, dict):
        axis = tremor.get("axis")
        if axis not in power:
            axis = max(power, key=lambda a: float(np.nansum(_floats(power[a]))), default=None)
        power = power.get(axis) if axis is not None else None
    f, p = _floats(spectrum.get("frequency_hz")), _floats(power)
    if f.size < 2 or f.size != p.size:
        return None
    return f, p


def tremor_figure(result: dict) -> bytes | None:
    """The tremor spectrum with its peak and the 2-12 Hz analysis band, when the result has one."""
    tremor = result.get("tremor")
    if not isinstance(tremor, dict):
        return None
    spectrum = _spectrum(tremor)
    if spectrum is None:
        return None
    f, p = spectrum
    fig = Figure(figsize=(7.2, 2.1))
    ax = fig.subplots()
    ax.axvspan(2, 12, color="#eeeeee", zorder=0, label="tremor band 2-12 Hz")
    ax.axvspan(1.5, 2, color="#f6f0e0", zorder=0, label="slow oscillation 1.5-2 Hz")
    ax.plot(f, p, color=COLOURS["rotation"], linewidth=1.0)
    peak = as_number(BY_KEY["tremor_frequency_hz"].value(result))
    if peak is not None:
        ax.axvline(peak, color=COLOURS["tilt"], linestyle="--", linewidth=0.9, label=f"peak {peak:.2f} Hz")
    axis = tremor.get("axis")
    ax.set_title(
        f"Head tremor spectrum{f' ({axis} axis)' if isinstance(axis, str) else ''}", fontsize=9, loc="left"
    )
    ax.set_xlabel("frequency (Hz)", fontsize=8)
    ax.set_ylabel("power", fontsize=8)
    ax.set_xlim(0, min(15, float(np.nanmax(f))))
    ax.legend(fontsize=7, frameon=False, loc="upper right")
    _style(ax)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.2)
    return _png(fig)


def _normal_range(result: dict, key: str) -> tuple[float, float]:
    """The normal range the result itself gives (``NAME_normal_deg``), else CLINICAL.md's."""
    name = key.removeprefix("rom_").removesuffix("_deg")
    given = (result.get("range_of_motion") or {}).get(f"{name}_normal_deg")
    if isinstance(given, (list, tuple)) and len(given) == 2 and all(as_number(v) is not None for v in given):
        return float(given[0]), float(given[1])
    return NORMAL_ROM[key]


def rom_figure(result: dict) -> bytes | None:
    """Each range-of-motion excursion as a bar against its normal range (grey band)."""
    values = {key: BY_KEY[key].value(result) for key in NORMAL_ROM}
    if all(v is None for v in values.values()):
        return None
    keys = list(NORMAL_ROM)
    fig = Figure(figsize=(7.2, 2.5))
    ax = fig.subplots()
    for i, key in enumerate(keys):
        lo, hi = _normal_range(result, key)
        ax.barh(i, hi - lo, left=lo, height=0.8, color="#dddddd", zorder=1)
        value = values[key]
        if value is None:
            ax.text(1, i, "not measured", va="center", fontsize=7, color="#666666")
            continue
        colour = COLOURS["tilt"] if value < lo else COLOURS["rotation"]
        ax.barh(i, value, height=0.45, color=colour, zorder=2)
        ax.text(value + 1.5, i, f"{value:.0f}°", va="center", fontsize=7, zorder=3)
    ax.set_yticks(range(len(keys)), [ROM_LABELS[k] for k in keys], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("degrees from neutral (grey: normal adult range; orange: below it)", fontsize=8)
    ax.set_title("Range of motion against normal ranges", fontsize=9, loc="left")
    _style(ax)
    fig.subplots_adjust(left=0.2, right=0.98, top=0.88, bottom=0.18)
    return _png(fig)


# Panels of the trend chart: (title, unit, measurement keys drawn together).
TREND_PANELS = (
    ("Head posture (median)", "°", ("rotation_deg", "tilt_deg", "flexion_deg")),
    ("Range of motion: rotation", "°", ("rom_rotation_left_deg", "rom_rotation_right_deg")),
    ("Range of motion: lateral flexion", "°", ("rom_tilt_left_deg", "rom_tilt_right_deg")),
    ("Range of motion: flexion / extension", "°", ("rom_flexion_deg", "rom_extension_deg")),
    ("Tremor amplitude", "°", ("tremor_amplitude_deg",)),
    ("Tremor frequency", "Hz", ("tremor_frequency_hz",)),
    ("Jerks", "/min", ("jerks_per_min",)),
    ("Longest hold within 10° of neutral", "s", ("time_within_10deg_s",)),
    ("Time off neutral (any axis)", "%", ("deviated_pct",)),
    ("Shoulder height difference", "cm", ("shoulder_elevation_cm",)),
    ("Shoulder line and head tilt over it", "°", ("shoulder_line_deg", "head_tilt_relative_deg")),
    ("Head shift over the trunk", "cm", ("lateral_shift_cm", "sagittal_shift_cm")),
)  # fmt: skip
_LINE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#56B4E9", "#000000")
_MARKERS = ("o", "s", "^", "D", "v", "P")


def trend_figure(trend, highlight_session_id: int | None = None) -> bytes | None:
    """The followed measurements over the client's sessions, related ones in one panel (each
    legend entry gives the measurement's noise), timeline events as vertical dashed lines
    (injections in purple) and the session ``highlight_session_id`` ringed."""
    points = getattr(trend, "points", ())
    if not points:
        return None
    measured = set(trend.measured_keys())
    panels = [(title, unit, [k for k in keys if k in measured]) for title, unit, keys in TREND_PANELS]
    panels = [p for p in panels if p[2]]
    if not panels:
        return None
    ncols = 2 if len(panels) > 1 else 1
    nrows = math.ceil(len(panels) / ncols)
    row_in, top_in, bottom_in = 1.75, 0.55, 0.8
    height_in = row_in * nrows + top_in + bottom_in
    fig = Figure(figsize=(7.2, height_in))
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    times = [p.recorded_at for p in points]
    for ax, (title, unit, keys) in zip(axes, panels, strict=False):
        for event in getattr(trend, "events", ()):
            colour = COLOURS["injection"] if event.kind == "injection" else COLOURS["other"]
            ax.axvline(event.occurred_on, color=colour, linestyle="--", linewidth=1.2, zorder=1)
        panel_values: list[float] = []
        panel_noise = 0.0
        for i, key in enumerate(keys):
            m = BY_KEY[key]
            ys = np.array(
                [np.nan if p.values.get(key) is None else p.values[key] for p in points], dtype=float
            )
            ok = np.isfinite(ys)
            panel_values.extend(ys[ok].tolist())
            panel_noise = max(panel_noise, m.noise)
            gap = "" if m.unit == "°" else " "
            label = f"{m.short or m.label} (noise {m.noise:g}{gap}{m.unit})"
            colour = _LINE_COLOURS[i % len(_LINE_COLOURS)]
            ax.plot([t for t, k in zip(times, ok, strict=True) if k], ys[ok], marker=_MARKERS[i % len(_MARKERS)],
                    markersize=3.5, linewidth=1.0, color=colour, label=label, zorder=2)  # fmt: skip
            for p, y in zip(points, ys, strict=True):
                if p.session_id == highlight_session_id and np.isfinite(y):
                    ax.plot([p.recorded_at], [y], marker="o", markersize=9, markerfacecolor="none",
                            markeredgecolor="#CC0000", markeredgewidth=1.2, zorder=3)  # fmt: skip
        if panel_values:
            # At least two noise widths tall, so that a change within noise looks small.
            lo, hi = min(panel_values), max(panel_values)
            half = max((hi - lo) * 0.6, panel_noise)
            mid = (lo + hi) / 2
            ax.set_ylim(mid - half, mid + half)
        ax.set_title(f"{title} ({unit})", fontsize=8, loc="left")
        ax.legend(fontsize=6, frameon=False, loc="best")
        _style(ax)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    fig.autofmt_xdate(rotation=30)
    for ax in axes:
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle(
        "Over sessions (dashed lines: injections in purple, other events in grey; ringed: this session)",
        fontsize=8.5, x=0.01, ha="left",
    )  # fmt: skip
    fig.subplots_adjust(left=0.07, right=0.98, top=1 - top_in / height_in, bottom=bottom_in / height_in,
                        hspace=0.45, wspace=0.2)  # fmt: skip
    return _png(fig)
