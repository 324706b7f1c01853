"""Client records for the dashboard, without Streamlit: trend charts, comparison tables, CSV, labels.

Everything reads the plain values :mod:`posture.store` hands out (:class:`~posture.store.Trend`,
:class:`~posture.store.Comparison`, :class:`~posture.store.SessionRecord`,
:class:`~posture.store.DeletionSummary`); nothing here measures or touches the database.

- :func:`trend_figure`: one small chart per followed measurement over the client's sessions, the
  band of measurement noise around the first session, and the timeline events (injections in
  vermillion, others in grey) as vertical lines;
- :func:`comparison_table`: two sessions side by side, the change and a verdict in words;
- :func:`sessions_table`, :func:`session_label`, :func:`trend_csv`, :func:`deletion_text`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from posture.store.measurements import BY_KEY

LINE_COLOUR = "#0072B2"
INJECTION_COLOUR = "#D55E00"
EVENT_COLOUR = "#7f7f7f"
NOISE_BAND = "rgba(0, 114, 178, 0.10)"
FONT = dict(size=13)
VERDICT_WORDS = {
    "exceeds noise": "exceeds measurement noise",
    "within noise": "within noise",
    "not measured in both": "not measured in both",
}
KEEP_VIDEO_LABELS = {
    "none": "No video: measurements only (recommended)",
    "blurred": "A copy with the face blurred",
    "raw": "The clip as it is (identifiable)",
}
EVENT_KIND_LABELS = {
    "injection": "Botulinum toxin injection",
    "treatment": "Treatment (physiotherapy, other)",
    "medication": "Medication change",
    "other": "Other",
}


def local(when: datetime | None) -> datetime | None:
    """An aware time as naive local time (what the therapist's clock shows), for charts and tables."""
    if when is None:
        return None
    return when.astimezone().replace(tzinfo=None) if when.tzinfo else when


def when_text(when: datetime | None) -> str:
    when = local(when)
    return "–" if when is None else f"{when:%Y-%m-%d %H:%M}"


def fmt_value(value: float | None, unit: str, signed: bool = False) -> str:
    """``12.3°``, ``+4.0 /min``; an en dash for a missing value."""
    if value is None or not math.isfinite(value):
        return "–"
    digits = 0 if abs(value) >= 100 else 1
    sign = "+" if signed and value > 0 else ""
    space = "" if unit in ("°", "%") else " "
    return f"{sign}{value:.{digits}f}{space}{unit}".rstrip()


def session_label(session: Any) -> str:
    """``#12 · 2026-03-01 14:05 · clip.mp4`` for pickers."""
    parts = [f"#{session.id}", when_text(session.recorded_at)]
    if getattr(session, "video_name", ""):
        parts.append(session.video_name)
    if getattr(session, "protocol", ""):
        parts.append(session.protocol)
    return " · ".join(parts)


def sessions_table(sessions: Sequence[Any]) -> list[dict]:
    """One row per session, newest first, with the headline measurements."""
    rows = []
    for s in reversed(list(sessions)):
        values = s.measurements
        kept = ", ".join("face blurred" if v.kind == "deidentified" else "raw clip" for v in s.videos)
        rows.append(
            {
                "Session": s.id,
                "Recorded": when_text(s.recorded_at),
                "Clip": s.video_name or "–",
                "Rotation (+ left)": fmt_value(values.get("rotation_deg"), "°", signed=True),
                "Tilt (+ left ear down)": fmt_value(values.get("tilt_deg"), "°", signed=True),
                "Flexion (+ chin down)": fmt_value(values.get("flexion_deg"), "°", signed=True),
                "Tremor": fmt_value(values.get("tremor_amplitude_deg"), "°"),
                "Jerks": fmt_value(values.get("jerks_per_min"), "/min"),
                "Protocol": s.protocol or "–",
                "Video kept": kept or "none",
                "Notes": s.notes or "",
            }
        )
    return rows


def comparison_table(comparison: Any, measured_only: bool = True) -> list[dict]:
    """Two sessions side by side: one row per measurement with before, after, change, noise and a
    verdict in words ("exceeds measurement noise" / "within noise" / "not measured in both").
    ``measured_only``: leave out measurements neither session has."""
    rows = []
    for c in comparison.changes:
        if measured_only and c.before is None and c.after is None:
            continue
        rows.append(
            {
                "Measurement": c.label,
                "Before": fmt_value(c.before, c.unit),
                "After": fmt_value(c.after, c.unit),
                "Change": fmt_value(c.change, c.unit, signed=True),
                "Noise": "–" if c.noise is None else f"± {fmt_value(c.noise, c.unit)}",
                "Verdict": VERDICT_WORDS.get(c.verdict, c.verdict),
            }
        )
    return rows


def count_beyond_noise(comparison: Any) -> int:
    return sum(1 for c in comparison.changes if c.exceeds_noise)


def trend_csv(trend: Any) -> str:
    """The client's sessions as CSV: session, recorded (local time), then every measurement with its
    unit in the header; events follow as rows of their own kind, so one file holds the timeline."""
    buffer = io.StringIO()
    keys = list(BY_KEY)
    writer = csv.writer(buffer)
    writer.writerow(
        ["row", "session_id", "recorded_local", "event_kind", "event_text"]
        + [f"{k} ({BY_KEY[k].unit})" for k in keys]
    )
    for p in trend.points:
        writer.writerow(
            ["session", p.session_id, when_text(p.recorded_at), "", ""]
            + ["" if p.values.get(k) is None else f"{p.values[k]:.4g}" for k in keys]
        )
    for e in trend.events:
        writer.writerow(["event", "", e.occurred_on.isoformat(), e.kind, e.text] + [""] * len(keys))
    return buffer.getvalue()


def deletion_text(summary: Any) -> str:
    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    text = (
        f"Client {summary.pseudonym} was deleted for good, with {n(summary.sessions, 'session')} "
        f"(measurements and checklist answers), {n(summary.events, 'timeline event')} and "
        f"{n(summary.videos, 'kept video')}."
    )
    if not getattr(summary, "compacted", True):
        text += (
            " The database file could not be compacted at once because another window was using it; "
            "the deleted data is unreadable and its space is cleared at the next deletion."
        )
    return text


def _event_x(day: date) -> datetime:
    return datetime.combine(day, time(12, 0))


def _events_legend(fig: go.Figure, events: Iterable[Any]) -> None:
    kinds = {e.kind == "injection" for e in events}
    for is_injection in sorted(kinds, reverse=True):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line=dict(color=INJECTION_COLOUR if is_injection else EVENT_COLOUR, dash="dash"),
                name="injection" if is_injection else "other event",
            ),
            row=1,
            col=1,
        )


def trend_figure(trend: Any, keys: Sequence[str] | None = None, columns: int = 2) -> go.Figure | None:
    """One panel per measurement (``keys``, default every measured one) over the client's sessions.

    Points are sessions (hover: session number and value); the shaded band is the measurement noise
    around the first session (a later point outside it is a change that counts); dashed vertical
    lines are timeline events, injections in vermillion. None when no session has a measurement.
    """
    keys = [k for k in (keys if keys is not None else trend.measured_keys()) if k in BY_KEY]
    if not keys or not trend.points:
        return None
    columns = max(1, min(columns, len(keys)))
    rows = math.ceil(len(keys) / columns)
    titles = [f"{BY_KEY[k].short or BY_KEY[k].label} ({BY_KEY[k].unit})" for k in keys]
    fig = make_subplots(
        rows=rows, cols=columns, subplot_titles=titles, vertical_spacing=min(0.12, 0.5 / rows)
    )
    ids = [p.session_id for p in trend.points]
    times = [local(p.recorded_at) for p in trend.points]
    event_xs = [(_event_x(e.occurred_on), e) for e in trend.events]
    all_x = [*times, *(x for x, _ in event_xs)]
    pad = max((max(all_x) - min(all_x)) * 0.05, timedelta(days=2))
    x_range = [min(all_x) - pad, max(all_x) + pad]
    for i, key in enumerate(keys):
        row, col = i // columns + 1, i % columns + 1
        m = BY_KEY[key]
        values = [p.values.get(key) for p in trend.points]
        first = next((v for v in values if v is not None), None)
        if first is not None:
            noise = max(m.noise, m.noise_rel * abs(first))
            fig.add_trace(
                go.Scatter(
                    x=[x_range[0], x_range[1], x_range[1], x_range[0]],
                    y=[first - noise, first - noise, first + noise, first + noise],
                    fill="toself",
                    mode="lines",
                    fillcolor=NOISE_BAND,
                    line=dict(width=0),
                    hoverinfo="skip",
                    showlegend=i == 0,
                    name="noise around the first session",
                ),
                row=row,
                col=col,
            )
        fig.add_trace(
            go.Scatter(
                x=times,
                y=values,
                mode="lines+markers",
                connectgaps=True,
                line=dict(color=LINE_COLOUR),
                marker=dict(size=8),
                customdata=ids,
                hovertemplate=f"session #%{{customdata}}<br>%{{x|%Y-%m-%d}}: %{{y:.1f}} {m.unit}<extra></extra>",
                showlegend=i == 0,
                name="session",
            ),
            row=row,
            col=col,
        )
        for x, event in event_xs:
            colour = INJECTION_COLOUR if event.kind == "injection" else EVENT_COLOUR
            fig.add_vline(x=x, line=dict(color=colour, dash="dash", width=1.5), row=row, col=col)
        fig.update_xaxes(range=x_range, row=row, col=col)
    # Event names along their lines, in the top row of panels.
    for col in range(1, columns + 1):
        axis = "" if col == 1 else str(col)
        for x, event in event_xs:
            text = (event.text or EVENT_KIND_LABELS.get(event.kind, event.kind))[:32]
            fig.add_annotation(
                x=x,
                y=0.98,
                xref=f"x{axis}",
                yref=f"y{axis} domain",
                text=text,
                textangle=-90,
                showarrow=False,
                xanchor="left",
                yanchor="top",
                font=dict(size=11, color=INJECTION_COLOUR if event.kind == "injection" else EVENT_COLOUR),
            )
    if event_xs:
        _events_legend(fig, (e for _, e in event_xs))
    fig.update_layout(
        height=80 + 250 * rows,
        margin=dict(l=50, r=20, t=70, b=40),
        font=FONT,
        legend=dict(orientation="h", yanchor="bottom", y=1.0 + 40 / (80 + 250 * rows), x=0),
        hovermode="closest",
    )
    return fig
