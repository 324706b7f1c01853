"""The referral report as a PDF: a pure function from stored data to bytes (fpdf2).

Layout only: the words come from :mod:`posture.report.content`, the pictures from
:mod:`posture.report.figures`. The fonts are the DejaVu faces Matplotlib ships, so any pseudonym
or answer prints (core PDF fonts are Latin-1 only) and nothing has to be installed. The same
stored session gives the same bytes (the PDF's creation date is the session's save time).
"""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from posture.report import content, figures
from posture.report.content import fmt_when
from posture.store.measurements import BY_KEY
from posture.store.records import compare_values

FONT = "DejaVu"
DISCLAIMER = (
    "posture is a screening and tracking aid, not a diagnosis. Measurements are made from video "
    "relative to the camera; bands are TWSTRS-style estimates from measured degrees, not TWSTRS "
    "scores. Clinical judgement and examination by a neurologist decide."
)
INK = (30, 30, 30)
MUTED = (110, 110, 110)
RULE = (200, 200, 200)
FLAG = (170, 20, 20)


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class _ReportPDF(FPDF):
    def __init__(self, header_right: str, version: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.header_right = header_right
        self.version = version
        fonts = _font_dir()
        self.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(fonts / "DejaVuSans-Oblique.ttf"))
        self.set_margins(16, 18, 16)
        self.set_auto_page_break(True, margin=24)
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_y(8)
        self.set_font(FONT, "B", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 4, "posture · video measurements for referral", new_x=XPos.LMARGIN, new_y=YPos.TOP)
        self.set_font(FONT, "", 8)
        self.cell(0, 4, self.header_right, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, 13, self.w - self.r_margin, 13)
        self.set_y(18)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-20)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1)
        self.set_font(FONT, "B", 7)
        self.set_text_color(*INK)
        self.multi_cell(0, 3.3, DISCLAIMER, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 7)
        self.set_text_color(*MUTED)
        self.cell(0, 3.5, f"posture {self.version}", new_x=XPos.LMARGIN, new_y=YPos.TOP)
        self.cell(0, 3.5, f"page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)

    # -- building blocks ------------------------------------------------------------------------

    def heading(self, text: str, size: float = 11.5) -> None:
        if self.get_y() > self.h - 45:
            self.add_page()
        self.ln(2)
        self.set_font(FONT, "B", size)
        self.cell(0, 6.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 9)

    def paragraph(self, text: str, size: float = 9, style: str = "", colour=INK) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*colour)
        self.multi_cell(0, 4.4, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def key_values(self, rows: list[tuple[str, str]], key_width: float = 38) -> None:
        self.set_font(FONT, "", 9)
        for key, value in rows:
            y = self.get_y()
            self.set_font(FONT, "B", 8.5)
            self.set_text_color(*MUTED)
            self.multi_cell(key_width, 4.6, key, align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
            self.set_font(FONT, "", 9)
            self.set_text_color(*INK)
            self.multi_cell(0, 4.6, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_y(max(self.get_y(), y + 4.6))

    def table(self, header: tuple[str, ...], rows: list[tuple[str, ...]], widths: tuple[float, ...],
              flagged: set[int] | None = None) -> None:  # fmt: skip
        self.set_font(FONT, "", 8.5)
        self.set_draw_color(*RULE)
        with super().table(
            col_widths=widths,
            width=sum(widths),
            align="LEFT",
            line_height=4.6,
            borders_layout="HORIZONTAL_LINES",
            headings_style=_HEADINGS,
            padding=(0.8, 1.2),
            first_row_as_headings=True,
            text_align="LEFT",
        ) as table:
            table.row(header)
            for i, row in enumerate(rows):
                if flagged and i in flagged:
                    self.set_text_color(*FLAG)
                    self.set_font(FONT, "B", 8.5)
                table.row(row)
                self.set_text_color(*INK)
                self.set_font(FONT, "", 8.5)

    def figure(self, png: bytes | None, caption: str = "") -> None:
        if png is None:
            return
        from PIL import Image

        with Image.open(io.BytesIO(png)) as im:
            w_px, h_px = im.size
        width = self.w - self.l_margin - self.r_margin
        height = width * h_px / w_px
        bottom = self.h - 26
        full = bottom - self.t_margin
        if self.get_y() + height > bottom:
            remaining = bottom - self.get_y()
            if remaining < 0.75 * min(height, full):  # would shrink too much: next page
                self.add_page()
                remaining = full
            if height > remaining:  # taller than the room left: shrink to fit
                width, height = width * remaining / height, remaining
        x = self.l_margin + (self.w - self.l_margin - self.r_margin - width) / 2
        self.image(io.BytesIO(png), x=x, w=width, h=height)
        if caption:
            self.paragraph(caption, size=7.5, style="I", colour=MUTED)
        self.ln(2)


def _headings_style():
    from fpdf.fonts import FontFace

    return FontFace(family=FONT, emphasis="BOLD", size_pt=8.5, fill_color=(238, 238, 238))


_HEADINGS = _headings_style()


def _change_since_previous(pdf: _ReportPDF, trend: Any, session_id: Any) -> None:
    """A table of the changes from the session before this one, each against its noise."""
    points = list(trend.points)
    index = next((i for i, p in enumerate(points) if p.session_id == session_id), None)
    if not index:  # this session is the first, or not on the trend
        return
    before, after = points[index - 1], points[index]
    rows = []
    for change in compare_values(before.values, after.values):
        if change.change is None:
            continue
        unit = change.unit
        rows.append(
            (
                BY_KEY[change.key].short or change.label,
                content.fmt_number(change.before, unit),
                content.fmt_number(change.after, unit),
                content.fmt_number(change.change, unit, signed=True),
                content.fmt_number(change.noise, unit),
                change.verdict,
            )
        )
    if not rows:
        return
    pdf.set_font(FONT, "B", 9.5)
    pdf.cell(
        0, 6, f"Change since the previous session ({fmt_when(before.recorded_at)})", new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )  # fmt: skip
    flagged = {i for i, row in enumerate(rows) if row[-1] == "exceeds noise"}
    pdf.table(("measurement", "before", "now", "change", "noise", "verdict"), rows, (44, 24, 24, 24, 22, 40),
              flagged=flagged)  # fmt: skip
    pdf.ln(1.5)


def build_pdf(session_record: Any, client: Any, trend: Any = None, answers: Any = None) -> bytes:
    """The referral report of one session, as PDF bytes.

    ``session_record``: a :class:`~posture.store.SessionRecord` (its ``result`` is the stored
    analysis JSON). ``client``: its :class:`~posture.store.ClientRecord`. ``trend``: optionally the
    client's :class:`~posture.store.Trend`, drawn as charts with the timeline events.
    ``answers``: screening checklist answers (default: those saved with the session).
    Reads stored data only: no file, database or network is touched.
    """
    result = dict(getattr(session_record, "result", None) or {})
    if answers is None:
        answers = getattr(session_record, "answers", None)
    version = str(
        (result.get("software") or {}).get("version") or getattr(session_record, "software_version", "")
    )
    when = getattr(session_record, "recorded_at", None)
    pseudonym = str(getattr(client, "pseudonym", "") or "unknown client")
    session_id = getattr(session_record, "id", None)
    header_right = f"client {pseudonym} · session {session_id} · {fmt_when(when)}"

    pdf = _ReportPDF(header_right, version or "unknown")
    saved = getattr(session_record, "saved_at", None) or when
    if isinstance(saved, datetime):
        pdf.set_creation_date(saved.astimezone(timezone.utc))
    pdf.set_title(f"posture report - {pseudonym} - session {session_id}")
    pdf.set_author("posture")
    pdf.set_creator(f"posture {version}")
    pdf.add_page()

    # Title and identification.
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, "Head and neck posture measured from video", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.paragraph(
        "Summary for a neurologist or movement-disorder specialist: objective measurements of the "
        "visible signs of cervical dystonia from a short video.",
        size=9.5,
        colour=MUTED,
    )
    pdf.ln(1)
    ident = [("Client", pseudonym)]
    birth_year = getattr(client, "birth_year", None)
    if birth_year:
        age = (
            f" (about {when.astimezone().year - birth_year} at the session)"
            if isinstance(when, datetime)
            else ""
        )
        ident.append(("Year of birth", f"{birth_year}{age}"))
    ident.append(("Session", f"{session_id} · recorded {fmt_when(when)}"))
    notes = getattr(session_record, "notes", "")
    if notes:
        ident.append(("Session notes", notes))
    pdf.key_values(ident)

    pdf.heading("What was recorded and how")
    pdf.key_values(content.recording_rows(result, session_record))
    pdf.paragraph(
        "Head angles come from fitting a generic 3D face model to the face mesh found in each frame, "
        "relative to the camera (level, at head height, facing the client). Left and right are the "
        "client's own. Rotation + = chin toward the left; tilt + = left ear toward the left "
        "shoulder; flexion + = chin down.",
        size=7.5,
        style="I",
        colour=MUTED,
    )

    pdf.heading("Measurements")
    for table in content.measurement_rows(result):
        pdf.set_font(FONT, "B", 9.5)
        if pdf.get_y() > pdf.h - 45:
            pdf.add_page()
        pdf.cell(0, 6, table.heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.table(
            ("measurement", "value", "TWSTRS-style band", "normal / reference"),
            [(r.label, r.value, r.band or "", r.normal or "") for r in table.rows],
            (66, 38, 30, 44),
        )
        for note in table.notes:
            pdf.paragraph(note, size=7.5, style="I", colour=MUTED)
        pdf.ln(1.5)

    pdf.heading("Screening checklist")
    answer_rows = content.answer_rows(answers)
    if answer_rows:
        flagged = {i for i, row in enumerate(answer_rows) if row[2]}
        if flagged:
            pdf.paragraph(
                "A red flag was answered yes: refer promptly, whatever the measurements show.",
                style="B",
                colour=FLAG,
            )
        screening = content.screening_lines(result, answers)
        if screening is not None:
            headline, lines = screening
            pdf.paragraph(f"Screening aid: {headline}", style="B")
            for line in lines:
                pdf.paragraph(f"• {line}", size=8.5)
            pdf.ln(1)
        pdf.table(("question", "answer"), [(q, a) for q, a, _ in answer_rows], (148, 30), flagged=flagged)
    else:
        pdf.paragraph("The screening checklist was not filled in for this session.", colour=MUTED)

    pdf.heading("Data quality")
    for note in content.quality_notes(result):
        pdf.paragraph(f"• {note}")

    pdf.add_page()
    pdf.heading("Figures")
    pdf.figure(figures.angles_figure(result))
    pdf.figure(
        figures.tremor_figure(result),
        "Dystonic head tremor is often irregular, with a spectral peak around 2-3 Hz; essential "
        "head tremor is usually 4-8 Hz and regular.",
    )
    pdf.figure(
        figures.rom_figure(result),
        "Day-to-day repeatability of range of motion is about 12-20°: smaller differences are not changes.",
    )

    if trend is not None and getattr(trend, "points", ()):
        pdf.add_page()
        pdf.heading("Over time")
        _change_since_previous(pdf, trend, session_id)
        events = getattr(trend, "events", ())
        if events:
            pdf.set_font(FONT, "B", 9.5)
            pdf.cell(0, 6, "Timeline events", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.table(
                ("date", "event", "note"),
                [(f"{e.occurred_on:%Y-%m-%d}", e.kind, e.text) for e in events],
                (26, 26, 126),
            )
        pdf.paragraph(
            "Botulinum toxin peaks about 4-6 weeks after an injection and wears off over 8-16 weeks. "
            "A change is called a change only when it exceeds the measurement's noise (its "
            "day-to-day repeatability, given in the charts' legends).",
            size=7.5,
            style="I",
            colour=MUTED,
        )
        pdf.figure(figures.trend_figure(trend, highlight_session_id=session_id))

    return bytes(pdf.output())
