"""Plotly figures of an analysis result (the dictionary of ``Analysis.to_dict()``); no measurement here.

- :func:`angles_figure`: rotation, tilt and flexion over time, one panel each, with the ±10° band
  around neutral and the jerks marked;
- :func:`spectrum_figure`: the tremor spectrum with the 2–12 Hz band and the peak marked;
- :func:`rom_figure`: range of motion toward each side against the healthy range.

Each returns ``None`` when the result holds nothing to draw; :func:`unavailable_reason` says why.
Colours are the Okabe–Ito palette (readable with colour-vision deficiency). The figures use
Plotly's bundled JavaScript only: nothing is fetched from the internet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from posture.result import get_in
from posture.ui.cards import AXIS_WORDS, ROM_DIRECTIONS, jerk_events

AXIS_COLOURS = {"rotation": "#0072B2", "tilt": "#E69F00", "flexion": "#009E73"}
JERK_COLOUR = "#D55E00"
BAND_COLOUR = "rgba(0, 158, 115, 0.12)"
NEUTRAL_BAND_DEG = 10.0
TREMOR_BAND_HZ = (2.0, 12.0)
FONT = dict(size=13)


def _finite(values) -> list[float]:
    return [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]


def angles_figure(result: Mapping[str, Any], height: int = 560) -> go.Figure | None:
    """Three stacked panels (rotation, tilt, flexion; degrees) over time (s) sharing the time axis.

    Each panel shades the band within ±10° of neutral (the TWSTRS "time within 10°" band); gaps where
    no face was found stay gaps. Jerks (``jerks.events``) are marked with a dotted vertical line
    across the panels and a marker on the axis they were found on. Clicking a point selects that
    moment (the dashboard uses the selection to move the annotated clip there).
    """
    series = get_in(result, "series") or {}
    t = series.get("t_s") or []
    if not t:
        return None
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.07,
        subplot_titles=[
            f"{AXIS_WORDS[a][0]}: + = {AXIS_WORDS[a][2]}, − = {AXIS_WORDS[a][3]}"
            for a in ("rotation", "tilt", "flexion")
        ],
    )
    events = jerk_events(result)
    for row, axis in enumerate(("rotation", "tilt", "flexion"), start=1):
        values = series.get(f"{axis}_deg") or []
        fig.add_trace(
            go.Scatter(
                x=t,
                y=values,
                # Markers make the points clickable (Plotly selects markers, not lines); small
                # enough to read as the line itself.
                mode="lines+markers",
                marker=dict(size=3, color=AXIS_COLOURS[axis]),
                selected=dict(marker=dict(size=11, color=JERK_COLOUR, opacity=1)),
                unselected=dict(marker=dict(opacity=1)),
                name=AXIS_WORDS[axis][0],
                line=dict(color=AXIS_COLOURS[axis], width=2),
                connectgaps=False,
                hovertemplate="%{x:.2f} s: %{y:+.1f}°<extra>" + axis + "</extra>",
                legendgroup=axis,
                showlegend=False,
            ),
            row=row,
            col=1,
        )
        # After the trace: Plotly leaves shapes off subplots that are still empty.
        fig.add_hrect(
            y0=-NEUTRAL_BAND_DEG,
            y1=NEUTRAL_BAND_DEG,
            fillcolor=BAND_COLOUR,
            line_width=0,
            layer="below",
            row=row,
            col=1,
        )
        fig.add_hline(y=0, line=dict(color="rgba(0,0,0,0.35)", width=1), row=row, col=1)
        finite = [abs(v) for v in _finite(values)]
        top = max([NEUTRAL_BAND_DEG * 1.5, *(v * 1.1 for v in finite)])
        fig.update_yaxes(range=[-top, top], title_text="degrees", row=row, col=1, zeroline=False)
        axis_events = [e for e in events if e.get("axis") == axis]
        if axis_events:
            fig.add_trace(
                go.Scatter(
                    x=[e["t_s"] for e in axis_events],
                    y=[_value_at(t, values, e["t_s"]) for e in axis_events],
                    mode="markers",
                    name="jerk",
                    marker=dict(symbol="x", size=12, color=JERK_COLOUR, line=dict(width=2)),
                    hovertemplate="jerk at %{x:.2f} s<extra></extra>",
                    showlegend=False,
                ),
                row=row,
                col=1,
            )
    for e in events:
        fig.add_vline(x=e["t_s"], line=dict(color=JERK_COLOUR, width=1, dash="dot"))
    # A legend entry for the band and the jerks, which have no trace of their own in every panel.
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker=dict(size=12, color=BAND_COLOUR.replace("0.12", "0.35"), symbol="square"),
            name=f"within ±{NEUTRAL_BAND_DEG:g}° of neutral",
        )
    )
    if events:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(symbol="x", size=10, color=JERK_COLOUR),
                name=f"jerk ({len(events)})",
            )
        )
    fig.update_xaxes(title_text="time (s)", row=3, col=1)
    fig.update_layout(
        height=height,
        margin=dict(l=60, r=20, t=60, b=40),
        font=FONT,
        hovermode="closest",
        legend=dict(orientation="h", yanchor="bottom", y=1.06, xanchor="left", x=0),
        clickmode="event+select",
        dragmode="zoom",
    )
    fig.update_annotations(font=dict(size=13))
    return fig


def _value_at(t: list, values: list, when: float) -> float | None:
    """The sample of ``values`` nearest in time to ``when`` (None where no face)."""
    if not t:
        return None
    i = min(range(len(t)), key=lambda k: abs(t[k] - when))
    return values[i] if i < len(values) else None


def spectrum_figure(result: Mapping[str, Any], height: int = 360) -> go.Figure | None:
    """Tremor spectrum: power (deg²/Hz) against frequency (Hz) per axis, the 2–12 Hz band shaded,
    the dominant peak marked. Needs ``tremor.spectrum = {"frequency_hz": [...], "power": {axis: [...]}}``."""
    tremor = get_in(result, "tremor")
    spectrum = get_in(tremor, "spectrum")
    freqs = get_in(spectrum, "frequency_hz")
    power = get_in(spectrum, "power")
    if not freqs or not isinstance(power, Mapping) or not power:
        return None
    band = tremor.get("band_hz") if isinstance(tremor.get("band_hz"), list) else TREMOR_BAND_HZ
    fmax = min(max(freqs), max(15.0, float(band[1]) + 2.0))
    keep = [i for i, f in enumerate(freqs) if f <= fmax]
    fig = go.Figure()
    fig.add_vrect(
        x0=band[0],
        x1=band[1],
        fillcolor="rgba(86, 180, 233, 0.12)",
        line_width=0,
        layer="below",
        annotation_text=f"tremor band {band[0]:g}–{band[1]:.3g} Hz",
        annotation_position="top right",
    )
    for axis, values in power.items():
        if not isinstance(values, list):
            continue
        fig.add_trace(
            go.Scatter(
                x=[freqs[i] for i in keep],
                y=[values[i] for i in keep if i < len(values)],
                mode="lines",
                name=AXIS_WORDS.get(axis, (axis,))[0],
                line=dict(color=AXIS_COLOURS.get(axis, "#555"), width=2),
                hovertemplate="%{x:.2f} Hz: %{y:.3g} deg²/Hz<extra>" + axis + "</extra>",
            )
        )
    peak_f = tremor.get("frequency_hz")
    peak_axis = tremor.get("axis")
    if tremor.get("present") and isinstance(peak_f, (int, float)) and peak_axis in power:
        values = power[peak_axis]
        i = min(range(len(freqs)), key=lambda k: abs(freqs[k] - peak_f))
        amp = tremor.get("amplitude_deg")
        label = f"peak {peak_f:.2f} Hz" + (f", {amp:.1f}°" if isinstance(amp, (int, float)) else "")
        fig.add_trace(
            go.Scatter(
                x=[peak_f],
                y=[values[i]],
                mode="markers+text",
                marker=dict(symbol="triangle-down", size=14, color=JERK_COLOUR),
                text=[label],
                textposition="middle right",
                name="tremor peak",
                hovertemplate=label + "<extra></extra>",
            )
        )
    fig.update_layout(
        height=height,
        margin=dict(l=60, r=20, t=30, b=40),
        font=FONT,
        xaxis_title="frequency (Hz)",
        yaxis_title="power (deg²/Hz)",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
    )
    fig.update_xaxes(range=[0, fmax])
    return fig


def rom_figure(result: Mapping[str, Any], height: int = 340) -> go.Figure | None:
    """Range of motion: a bar per direction (furthest held position, degrees) over the healthy adult
    range (grey); bars under the range are vermillion and labelled "low"."""
    rom = get_in(result, "range_of_motion")
    if not isinstance(rom, Mapping):
        return None
    if rom.get("measured") is False:
        return None
    labels, values, lows, highs, colours, texts = [], [], [], [], [], []
    for name, label in ROM_DIRECTIONS:
        value = rom.get(f"{name}_deg")
        normal = rom.get(f"{name}_normal_deg")
        low, high = normal if isinstance(normal, list) and len(normal) == 2 else (None, None)
        labels.append(label)
        lows.append(low)
        highs.append(high)
        if not isinstance(value, (int, float)):
            values.append(0.0)
            colours.append("#999999")
            texts.append("not attempted")
            continue
        values.append(value)
        below = rom.get(f"{name}_below_normal") is True
        at_limit = rom.get(f"{name}_at_limit") is True
        colours.append(JERK_COLOUR if below else "#0072B2")
        texts.append(f"≥ {value:.0f}° (limit)" if at_limit else f"{value:.0f}°" + (" – low" if below else ""))
    if all(t == "not attempted" for t in texts):
        return None
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=labels,
            x=[(h - lo) if lo is not None else 0 for lo, h in zip(lows, highs, strict=True)],
            base=[lo or 0 for lo in lows],
            orientation="h",
            marker=dict(color="rgba(0,0,0,0.13)"),
            name="healthy adult range",
            hovertemplate="healthy %{base:.0f}–%{x:.0f}°<extra></extra>",
            width=0.8,
        )
    )
    fig.add_trace(
        go.Bar(
            y=labels,
            x=values,
            orientation="h",
            marker=dict(color=colours),
            text=texts,
            textposition="outside",
            name="measured (held)",
            hovertemplate="%{y}: %{x:.0f}°<extra></extra>",
            width=0.4,
        )
    )
    fig.data[0].hovertemplate = "healthy range<extra></extra>"
    top = max([90.0, *(v + 35.0 for v in values), *(h or 0 for h in highs)])  # room for the labels
    fig.update_layout(
        barmode="overlay",
        height=height,
        margin=dict(l=90, r=20, t=30, b=40),
        font=FONT,
        xaxis=dict(title="degrees from neutral", range=[0, top]),
        yaxis=dict(autorange="reversed"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
    )
    return fig


def unavailable_reason(result: Mapping[str, Any], figure: str) -> str:
    """Why a figure cannot be drawn, in words for the page."""
    if figure == "spectrum":
        tremor = get_in(result, "tremor")
        if not isinstance(tremor, Mapping):
            return "The tremor analysis is not in this result."
        if tremor.get("measured") is False and tremor.get("reason"):
            return f"No tremor spectrum: {tremor['reason']}."
        return "The tremor spectrum is not available in this version of the analysis."
    if figure == "rom":
        rom = get_in(result, "range_of_motion")
        if isinstance(rom, Mapping) and rom.get("reason"):
            return f"No range of motion: {rom['reason']}."
        return "Range of motion is not in this result."
    if figure == "angles":
        return "No head angles were measured."
    return "Not available."
