"""The therapist's dashboard: upload a session clip, see the signs, decide on referral.

Start it with ``bash scripts/dashboard.sh`` (or ``.venv/bin/streamlit run app.py``); it listens on
http://127.0.0.1:8501 only and sends nothing anywhere (``.streamlit/config.toml``).

Streamlit only: widgets and layout. Every number comes from the library (:mod:`posture.analysis`,
:mod:`posture.metrics`, :mod:`posture.screening`); :mod:`posture.ui` formats them and builds the
figures; :mod:`posture.overlay` draws the annotated clip.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import math
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import streamlit as st

from posture import DISCLAIMER, __version__
from posture.errors import PostureError
from posture.screening import PATTERN_QUESTIONS, RED_FLAG_QUESTIONS, screening_summary
from posture.ui.cards import NOT_AVAILABLE, Card, jerk_events, jerk_label, metric_cards
from posture.ui.compat import media_serving_problem
from posture.ui.format import (
    VIDEO_EXTENSIONS,
    clip_line,
    progress_text,
    safe_file_name,
    sample_clips,
    summary_text,
)
from posture.ui.plots import angles_figure, rom_figure, spectrum_figure, unavailable_reason
from posture.ui.records import KEEP_VIDEO_LABELS

ROOT = Path(__file__).resolve().parent
SAMPLES = ROOT / "sample_videos"
# Analyses kept in memory (shared by all browser tabs of this dashboard).
MAX_CACHED = 8
# Progress messages are sent to the browser at most this often (s).
PROGRESS_EVERY_S = 0.25
# A jump to a moment starts the clip this much earlier (s), so the moment can be seen coming.
LEAD_IN_S = 1.0
ANSWER_WORDS = {"Yes": True, "No": False}
# The live webcam page (pages/) hands a finished recording over in this session-state key:
# {"name", "path", "marks_path", "data"}.
RECORDED_CLIP_KEY = "posture_recorded_clip"
RECORDING_MODE = "Webcam recording"
# Query parameter holding the first 16 hex digits of the shown clip's SHA-256.
CLIP_PARAM = "clip"
RECORDS_PAGE = "pages/2_Client_records.py"
# The records page opens this client (session-state key shared with it).
RECORDS_CLIENT_KEY = "records_client"
NEW_CLIENT = -1

log = logging.getLogger("posture.app")

st.set_page_config(
    page_title="posture – head and neck screening aid",
    page_icon="🩺",
    layout="wide",
    initial_sidebar_state="expanded",
    menu_items={"Get help": None, "Report a Bug": None, "About": f"posture {__version__}. {DISCLAIMER}"},
)


# ------------------------------------------------------------------------------------------------
# Analysis, cached by the clip's content
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """One analysed clip with everything the page shows, computed once."""

    name: str
    result: dict | None = None  # Analysis.to_dict(), with the clip's own name as video.path
    json_text: str = ""
    csv_text: str = ""
    overlay: bytes | None = None
    overlay_error: str | None = None
    error: str | None = None  # a PostureError message: the clip cannot be analysed
    face: Any = None  # (n, 10) face geometry per frame (Analysis.face), for the face-blurred copy

    def named(self, name: str) -> Prepared:
        """The same analysis shown under another file name (the cache is keyed by content only)."""
        if name == self.name:
            return self
        if self.error is not None:
            return replace(self, name=name, error=self.error.replace(self.name, name))
        result = copy.deepcopy(self.result)
        result["video"]["path"] = name
        return replace(
            self, name=name, result=result, json_text=json.dumps(result, indent=1, allow_nan=False)
        )


class _Store:
    """The last few analyses, by the SHA-256 of the clip's bytes (thread-safe, least recently used out).

    Shared by all sessions: an analysis is immutable once made. Each analysis builds its own
    MediaPipe trackers (:func:`posture.analysis.analyze`), so nothing stateful is shared.
    """

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[str, Prepared] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, digest: str) -> Prepared | None:
        with self._lock:
            item = self._items.get(digest)
            if item is not None:
                self._items.move_to_end(digest)
            return item

    def find(self, prefix: str) -> tuple[str, Prepared] | None:
        """The analysed clip whose digest starts with ``prefix`` (at least 16 hex digits)."""
        if len(prefix) < 16:
            return None
        with self._lock:
            for digest, item in self._items.items():
                if digest.startswith(prefix) and item.error is None:
                    return digest, item
        return None

    def put(self, digest: str, item: Prepared) -> None:
        with self._lock:
            self._items[digest] = item
            self._items.move_to_end(digest)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def _store() -> _Store:
    return _Store(MAX_CACHED)


def _progress_callback(bar, verb: str):
    last = [0.0]

    def update(done: int, expected: int, elapsed_s: float) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_S and done != expected:
            return
        last[0] = now
        fraction, text = progress_text(verb, done, expected, elapsed_s)
        bar.progress(fraction if fraction is not None else 0.0, text=text)

    return update


def _prepare(name: str, data: bytes) -> Prepared:
    """Analyse a clip and draw its annotated copy, with progress bars. Raises PostureError."""
    from posture.analysis import analyze
    from posture.overlay import render_overlay, shoulder_track
    from posture.pipeline.body import BODY_COLUMNS

    with tempfile.TemporaryDirectory(prefix="posture-") as folder:
        # The clip is written under its own name, so messages about it name the therapist's file.
        path = Path(folder) / safe_file_name(name)
        path.write_bytes(data)
        bar = st.progress(0.0, text=f"Analysing {name}: reading the clip…")
        try:
            analysis = analyze(
                path,
                progress=_progress_callback(bar, f"Analysing {name}"),
                refine_progress=_progress_callback(
                    bar, "Tremor found: reading its stretch again, more slowly, for its amplitude"
                ),
            )
            result = analysis.to_dict()
            result["video"]["path"] = name
            overlay, overlay_error = None, None
            bar.progress(0.0, text="Drawing the head's axes on the clip…")
            try:
                intervals = [
                    (e["t_s"] - 0.5 * (e.get("duration_s") or 0), e["t_s"] + 0.5 * (e.get("duration_s") or 0))
                    for e in jerk_events(result)
                ]
                shoulders = shoulder_track(analysis.t_s, getattr(analysis, "body", None), BODY_COLUMNS)
                out = render_overlay(
                    path,
                    analysis.t_s,
                    analysis.angles,
                    analysis.face,
                    (analysis.video.width, analysis.video.height),
                    Path(folder) / "annotated.mp4",
                    jerk_intervals=intervals,
                    progress=_progress_callback(bar, "Drawing the annotated clip"),
                    shoulders=shoulders,
                )
                overlay = out.read_bytes()
            except Exception as exc:  # the measurements stand without the playback
                log.exception("annotated clip failed for %s", name)
                overlay_error = f"The annotated clip could not be made ({type(exc).__name__})."
        finally:
            bar.empty()
    return Prepared(
        name=name,
        result=result,
        json_text=json.dumps(result, indent=1, allow_nan=False),
        csv_text=analysis.to_csv(),
        overlay=overlay,
        overlay_error=overlay_error,
        face=analysis.face,
    )


def analysed(name: str, data: bytes) -> tuple[str, Prepared | None]:
    """(digest, prepared clip) from the cache or a new analysis; errors are shown in the page."""
    digest = hashlib.sha256(data).hexdigest()
    store = _store()
    prepared = store.get(digest)
    if prepared is None:
        try:
            prepared = _prepare(name, data)
        except PostureError as exc:
            prepared = Prepared(name=name, error=str(exc))
        except Exception:
            log.exception("analysis failed for %s", name)
            st.error(
                f"**{name} could not be analysed: something unexpected went wrong.** "
                "Try the clip again or another clip; the details were written to the dashboard's "
                "terminal for whoever maintains it."
            )
            return digest, None
        store.put(digest, prepared)
    prepared = prepared.named(name)
    if prepared.error:
        # FFmpeg's error numbers mean nothing to a therapist; the words after them stay.
        message = re.sub(r"\[Errno -?\d+\]\s*", "", prepared.error).rstrip(".")
        if not message.startswith(name):
            message = message[0].upper() + message[1:]
        st.error(f"**This clip could not be analysed.** {message}.")
        st.caption(
            "Check that the file is a video (mp4, mov, webm or avi), at least a few seconds long, "
            "with the face lit and in view. You can upload another clip at any time."
        )
        return digest, None
    return digest, prepared


# ------------------------------------------------------------------------------------------------
# Page parts
# ------------------------------------------------------------------------------------------------

PROTOCOL = """
**A recording a therapist can follow (60–90 s)**

1. **Rest** (20–30 s): sitting, facing the camera, eyes open; let the head go where it wants.
2. **Hold** (up to 60 s): try to keep the head straight without touching it.
3. **Range of motion**: turn fully left, fully right, tilt left, tilt right, chin down, chin up;
   hold each about a second.
4. **Sensory trick**, if the client has one: a light touch on the chin or face while resting (10–20 s).

**Camera**: level, at head height, 1–2 m away, head and both shoulders in view, even light.
Do not use a mirrored (selfie-preview) recording.
"""


def sidebar_source() -> tuple[str, bytes] | None:
    """The clip chosen in the sidebar as (name, bytes), or None."""
    with st.sidebar:
        st.header("Clip")
        samples = sample_clips(SAMPLES)
        modes = ["Upload a clip", "Use a sample clip"] if samples else ["Upload a clip"]
        recorded = st.session_state.get(RECORDED_CLIP_KEY)
        if isinstance(recorded, dict) and recorded.get("data"):
            modes.append(RECORDING_MODE)
            # A recording just handed over by the live webcam page is shown at once.
            if st.session_state.get("recording_shown") != recorded.get("path"):
                st.session_state["recording_shown"] = recorded.get("path")
                st.session_state["source_mode"] = RECORDING_MODE
        if st.session_state.get("source_mode") not in modes:
            st.session_state.pop("source_mode", None)
        mode = st.radio("Source", modes, key="source_mode", label_visibility="collapsed")
        source = None
        if mode == RECORDING_MODE:
            st.caption(f"Recorded with the live webcam page: {recorded['name']}")
            source = (str(recorded["name"]), bytes(recorded["data"]))
        elif mode == "Upload a clip":
            uploaded = st.file_uploader(
                "Video of the head and shoulders",
                type=list(VIDEO_EXTENSIONS),
                key="upload",
                help="A phone or webcam clip (mp4, mov, webm or avi). It stays on this computer.",
            )
            if uploaded is not None:
                source = (uploaded.name, uploaded.getvalue())
        else:
            labels = {str(path): label for path, label in samples}
            choice = st.selectbox(
                "Sample clip (rendered, with known truth)",
                [None, *labels],
                format_func=lambda p: "Choose a sample clip…" if p is None else labels[p],
                key="sample",
            )
            if choice:
                source = (Path(choice).name, Path(choice).read_bytes())
        with st.expander("How to record"):
            st.markdown(PROTOCOL)
        st.divider()
        st.caption(
            f"posture {__version__} · runs on this computer; no video or result is sent anywhere. "
            f"{DISCLAIMER}"
        )
    return source


def welcome() -> None:
    st.markdown(
        "Upload a short video of your client's head and shoulders in the sidebar (or pick a sample "
        "clip). posture measures the visible signs of **cervical dystonia**: head rotation, tilt and "
        "flexion/extension, tremor, jerks, range of motion and shoulder elevation. Beside the "
        "measurements, a checklist asks about the signs a camera cannot see, and a short summary "
        "helps you decide whether to refer to a neurologist or a movement-disorder specialist."
    )
    st.markdown(PROTOCOL)


def render_card(card: Card) -> None:
    with st.container(border=True):
        st.metric(card.title, card.value, help=card.help)
        if card.flag:
            if card.flag_is_finding:
                st.badge(
                    card.flag, icon=":material/flag:", color="orange", help="Counts in the screening summary."
                )
            else:
                st.badge(
                    card.flag, color="gray", help="Shown for information; not part of the screening summary."
                )
        if card.available:
            st.caption("  \n".join(card.lines))
        else:
            st.caption(f"**Why:** {card.reason}")
        for note in card.notes:
            st.caption(f":material/info: {note}")


def checklist(digest: str) -> dict[str, bool | None]:
    """The screening questions a camera cannot answer; returns key -> True / False / None."""
    answers: dict[str, bool | None] = {}
    st.markdown("**What the client reports**: *yes* points toward a neurological cause.")
    for q in PATTERN_QUESTIONS:
        choice = st.segmented_control(q.text, ["Yes", "No"], key=f"q_{q.key}_{digest[:12]}", help=q.help)
        answers[q.key] = ANSWER_WORDS.get(choice)
    st.markdown("**Red flags**: any *yes* means refer promptly, whatever the measurements show.")
    for q in RED_FLAG_QUESTIONS:
        choice = st.segmented_control(q.text, ["Yes", "No"], key=f"q_{q.key}_{digest[:12]}", help=q.help)
        answers[q.key] = ANSWER_WORDS.get(choice)
    return answers


def show_summary(summary) -> None:
    if summary.refer_promptly:
        box = st.error
    elif summary.consistent_with_neurological_cause is True:
        box = st.warning
    elif summary.consistent_with_neurological_cause is False:
        box = st.success
    else:
        box = st.info
    box(f"**{summary.headline}**")
    if summary.drivers:
        st.markdown("Findings that drove this:\n" + "\n".join(f"- {d}" for d in summary.drivers))
    if summary.caveats:
        st.markdown("Limits:\n" + "\n".join(f"- {c}" for c in summary.caveats))
    st.caption(summary.disclaimer)


def _set_start(key: str, seconds: float) -> None:
    # st.video starts at whole seconds: round down, so the chosen moment is still ahead.
    st.session_state[key] = max(0, math.floor(seconds))


def angles_section(digest: str, result: dict) -> float | None:
    """The angles-over-time plot; returns the time (s) of a point the user clicked, if any."""
    st.markdown("#### Head angles over time")
    figure = angles_figure(result)
    if figure is None:
        st.info(unavailable_reason(result, "angles"))
        return None
    st.caption(
        "Green band: within ±10° of neutral. Jerks are marked ×. Click a point to play the annotated "
        "clip from that moment."
    )
    event = st.plotly_chart(
        figure,
        key=f"angles_{digest[:12]}",
        on_select="rerun",
        selection_mode="points",
        config={"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]},
    )
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else []
    if points and isinstance(points[0].get("x"), (int, float)):
        return float(points[0]["x"])
    return None


# ------------------------------------------------------------------------------------------------
# Client records and the face-blurred copy
# ------------------------------------------------------------------------------------------------


def navigation() -> None:
    """Readable page links at the top of the sidebar (the automatic list would call this page "app")."""
    with st.sidebar:
        st.page_link("app.py", label="Analyse a clip", icon=":material/movie:")
        st.page_link("pages/1_Live_webcam.py", label="Live webcam", icon=":material/videocam:")
        st.page_link(RECORDS_PAGE, label="Client records", icon=":material/folder_shared:")
        st.divider()


@st.cache_resource(show_spinner=False)
def _records(url: str | None):
    """One records database handle per process and URL (the Store is thread-safe)."""
    from posture.store import open_store

    return open_store(url)


def records_store():
    return _records(os.environ.get("POSTURE_DB_URL") or None)


@st.cache_resource(show_spinner=False)
def _blurred_copies() -> _Store:
    """Face-blurred copies made on demand, by the clip's digest (a few, shared by all tabs)."""
    return _Store(3)


def _make_blurred(name: str, data: bytes, face) -> bytes:
    """The clip with the face blurred in every frame, from the face found by the analysis."""
    from posture.privacy import export_blurred

    with tempfile.TemporaryDirectory(prefix="posture-") as folder:
        path = Path(folder) / safe_file_name(name)
        path.write_bytes(data)
        out = export_blurred(path, SimpleNamespace(face=face), Path(folder) / "blurred.mp4")
        return out.read_bytes()


def blurred_copy(digest: str, prepared: Prepared, data: bytes | None) -> bytes | None:
    """The face-blurred copy from the cache, or made now (with a spinner); None if it cannot be."""
    cache = _blurred_copies()
    item = cache.get(digest)
    if item is None:
        if data is None or prepared.face is None:
            return None
        with st.spinner("Blurring the face in every frame…"):
            item = Prepared(name=prepared.name, overlay=_make_blurred(prepared.name, data, prepared.face))
        cache.put(digest, item)
    return item.overlay


def blurred_download(digest: str, prepared: Prepared, data: bytes | None) -> None:
    stem = Path(prepared.name).stem or "clip"
    key = f"blur_{digest[:12]}"
    ready = _blurred_copies().get(digest) is not None
    if not ready and not st.session_state.get(key):
        if data is None or prepared.face is None:
            st.caption("A face-blurred copy needs the clip: choose it again in the sidebar.")
            return
        st.button(
            "Make a face-blurred copy of the clip",
            key=key,
            icon=":material/blur_on:",
            help="The original clip with the face blurred in every frame, for sharing or teaching. "
            "Made on this computer from the face already found.",
        )
        if not st.session_state.get(key):
            return
    try:
        video = blurred_copy(digest, prepared, data)
    except PostureError as exc:
        st.error(f"The face-blurred copy could not be made: {exc}")
        return
    except Exception:
        log.exception("face-blurred copy failed for %s", prepared.name)
        st.error("The face-blurred copy could not be made because of an unexpected problem.")
        return
    if video is None:
        st.caption("A face-blurred copy needs the clip: choose it again in the sidebar.")
        return
    st.download_button(
        "Download a face-blurred copy of the clip",
        video,
        file_name=f"{stem}-face-blurred.mp4",
        mime="video/mp4",
        on_click="ignore",
        icon=":material/download:",
        key=f"blur_download_{digest[:12]}",
    )


def _recorded_at(day: date) -> datetime | None:
    """Now for today's sessions; midday of an earlier day (local time) for one entered late."""
    return None if day == date.today() else datetime.combine(day, datetime.min.time()).replace(hour=12)


def records_panel(digest: str, prepared: Prepared, data: bytes | None) -> None:
    """Save this analysis (with the checklist answers) as a session of a client."""
    st.markdown("#### Save to client records")
    saved_key = f"saved_{digest[:12]}"
    saved = st.session_state.get(saved_key)
    try:
        store = records_store()
        clients = store.list_clients()
    except PostureError as exc:
        st.error(f"**The client records could not be opened.** {exc}")
        return
    by_id = {c.id: c for c in clients}
    with st.container(border=True):
        left, right = st.columns(2, gap="large")
        with left:
            options = [*by_id, NEW_CLIENT]
            if st.session_state.get("save_client") not in options:
                wanted = st.session_state.get(RECORDS_CLIENT_KEY)
                st.session_state["save_client"] = wanted if wanted in by_id else options[0]
            choice = st.selectbox(
                "Client",
                options,
                key="save_client",
                format_func=lambda i: "➕ New client…" if i == NEW_CLIENT else by_id[i].pseudonym,
            )
            _pseudonym, _birth_year = "", None
            if choice == NEW_CLIENT:
                st.text_input(
                    "Pseudonym or record number (never a name)",
                    key="new_pseudonym",
                    max_chars=120,
                    placeholder="e.g. CD-0142",
                )
                st.number_input(
                    "Year of birth (optional)",
                    min_value=1900,
                    max_value=date.today().year,
                    value=None,
                    step=1,
                    key="new_birth_year",
                )
            st.date_input("Session date", value=date.today(), key="save_date", format="YYYY-MM-DD")
        with right:
            keep_options = list(KEEP_VIDEO_LABELS) if data is not None else ["none"]
            st.radio(
                "Video to keep with the session",
                keep_options,
                format_func=KEEP_VIDEO_LABELS.get,
                key="save_keep",
                help="By default only the measurements are saved. A kept video stays in the records "
                "database on this computer and is deleted with the client.",
            )
            if data is None:
                st.caption("To keep a video, choose the clip again in the sidebar.")
            st.text_input("Protocol", key="save_protocol", placeholder="e.g. rest, hold, range of motion")
            st.text_area("Notes", key="save_notes", height=68)
        st.caption("The screening checklist answers above are saved with the session.")
        st.button(
            "Save session",
            type="primary",
            key="save_session",
            icon=":material/save:",
            on_click=_on_save,
            args=(digest, prepared, data),
        )
        problem = st.session_state.pop(f"save_error_{digest[:12]}", None)
        if problem:
            st.error(problem)
        if saved:
            st.success(f"Saved as session #{saved['session_id']} of **{saved['pseudonym']}**.")
            st.session_state[RECORDS_CLIENT_KEY] = saved["client_id"]
            c1, c2 = st.columns(2)
            with c1:
                st.page_link(RECORDS_PAGE, label="Open the client's records", icon=":material/folder_shared:")
            if saved.get("pdf"):
                c2.download_button(
                    "Download the PDF report",
                    saved["pdf"],
                    file_name=saved["pdf_name"],
                    mime="application/pdf",
                    on_click="ignore",
                    icon=":material/picture_as_pdf:",
                    key=f"saved_pdf_{digest[:12]}",
                )
            else:
                c2.caption("The PDF report can be downloaded from the client's records.")


def _on_save(digest: str, prepared: Prepared, data: bytes | None) -> None:
    """The "Save session" button (runs before the page, so the page then shows the saved session)."""
    state = st.session_state
    # The checklist as it stands now (the same widget keys as checklist()).
    answers = {
        q.key: ANSWER_WORDS.get(state.get(f"q_{q.key}_{digest[:12]}"))
        for q in (*PATTERN_QUESTIONS, *RED_FLAG_QUESTIONS)
    }
    try:
        state[f"saved_{digest[:12]}"] = _save(
            records_store(),
            state.get("save_client"),
            state.get("new_pseudonym") or "",
            state.get("new_birth_year"),
            prepared,
            digest,
            data,
            state.get("save_keep") or "none",
            state.get("save_protocol") or "",
            state.get("save_notes") or "",
            answers,
            _recorded_at(state.get("save_date") or date.today()),
        )
    except PostureError as exc:
        message = str(exc).rstrip(".")
        state[f"save_error_{digest[:12]}"] = f"**Not saved.** {message[:1].upper() + message[1:]}."
    except Exception:
        log.exception("saving %s failed", prepared.name)
        state[f"save_error_{digest[:12]}"] = (
            "The session could not be saved because of an unexpected problem. Nothing was saved."
        )


def _save(store, choice, pseudonym, birth_year, prepared, digest, data, keep, protocol, notes, answers, when):
    """Create the client if asked, save the session, write its PDF; a dict for the page."""
    from posture.report import build_pdf

    if choice == NEW_CLIENT:
        client = store.create_client(pseudonym, birth_year=int(birth_year) if birth_year else None)
    else:
        client = store.get_client(choice)
    videos = {}
    if keep == "raw" and data is not None:
        videos["raw"] = data
    elif keep == "blurred":
        video = blurred_copy(digest, prepared, data)
        if video is None:
            raise PostureError("the face-blurred copy needs the clip: choose it again in the sidebar")
        videos["deidentified"] = video
    session = store.save_session(
        client.id,
        prepared.result,
        recorded_at=when,
        protocol=protocol.strip(),
        video_sha256=digest,
        answers={k: v for k, v in answers.items() if v is not None},
        notes=notes.strip(),
        videos=videos,
    )
    out = {"session_id": session.id, "client_id": client.id, "pseudonym": client.pseudonym, "pdf": None}
    try:
        out["pdf"] = build_pdf(session, store.get_client(client.id), store.trend(client.id))
        out["pdf_name"] = f"posture-{client.pseudonym}-session{session.id}.pdf".replace(" ", "_")
    except Exception:
        log.exception("report of session %s failed", session.id)
    if choice == NEW_CLIENT:
        st.session_state["save_client"] = client.id
        st.session_state["new_pseudonym"] = ""
    return out


def show_results(digest: str, prepared: Prepared, data: bytes | None = None) -> None:
    result = prepared.result
    assert result is not None
    start_key = f"start_{digest[:12]}"
    st.session_state.setdefault(start_key, 0)

    st.subheader(f"Results: {prepared.name}")
    st.caption(clip_line(result, prepared.name))
    for warning in result.get("warnings") or []:
        st.warning(f"{warning[0].upper() + warning[1:].rstrip('.')}.")

    cards = metric_cards(result)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown("#### Measurements")
        st.caption(
            "Angles are of the head relative to the camera; left and right are the patient's. "
            "Bands are TWSTRS-style estimates from the measured degrees, not TWSTRS scores."
        )
        for row_start in range(0, len(cards), 2):
            columns = st.columns(2)
            for column, card in zip(columns, cards[row_start : row_start + 2], strict=False):
                with column:
                    render_card(card)
        selected_t = angles_section(digest, result)
    with right:
        st.markdown("#### Screening summary")
        summary_box = st.container()
        with st.expander("Screening checklist: signs a camera cannot see", expanded=True):
            answers = checklist(digest)
        with summary_box:
            summary = screening_summary(result, answers)
            show_summary(summary)

    last_key = f"last_click_{digest[:12]}"
    if selected_t is not None and st.session_state.get(last_key) != selected_t:
        st.session_state[last_key] = selected_t
        _set_start(start_key, selected_t - LEAD_IN_S)

    clip_col, charts_col = st.columns([1, 1], gap="large")
    with clip_col:
        st.markdown("#### Annotated clip")
        if prepared.overlay is None:
            st.info(prepared.overlay_error or "The annotated clip is not available.")
        else:
            problem = media_serving_problem()
            if problem:
                st.warning(problem)
            events = jerk_events(result)
            options = [0.0] + [max(0.0, e["t_s"] - LEAD_IN_S) for e in events]
            labels = ["Start of the clip"] + [jerk_label(e, i + 1) for i, e in enumerate(events)]
            jump_key = f"jump_{digest[:12]}"
            st.selectbox(
                "Jump to",
                range(len(options)),
                format_func=lambda i: labels[i],
                key=jump_key,
                on_change=lambda: _set_start(start_key, options[st.session_state[jump_key]]),
                help=f"The clip starts about {LEAD_IN_S:g} s before the chosen moment.",
            )
            times = (result.get("series") or {}).get("t_s") or [0.0]
            duration = float(times[-1] or 0.0)
            time_key = f"time_{digest[:12]}"
            st.number_input(
                "…or go to a moment (s)",
                min_value=0,
                max_value=max(int(duration), 0),
                step=1,
                key=time_key,
                on_change=lambda: _set_start(start_key, st.session_state[time_key]),
            )
            st.video(prepared.overlay, format="video/mp4", start_time=int(st.session_state[start_key]))
            st.caption(
                f"Playing from {st.session_state[start_key]} s. Arrows at the nose: red = toward the "
                "patient's left ear, green = up, blue = where the nose points; yellow = the shoulder line."
            )
    with charts_col:
        st.markdown("#### Tremor spectrum")
        figure = spectrum_figure(result)
        if figure is None:
            st.info(unavailable_reason(result, "spectrum"))
        else:
            st.plotly_chart(figure, key=f"spectrum_{digest[:12]}", config={"displaylogo": False})
        st.markdown("#### Range of motion")
        figure = rom_figure(result)
        if figure is None:
            st.info(unavailable_reason(result, "rom"))
        else:
            st.caption(
                "Furthest position held about half a second each way, against the healthy adult range "
                "(grey). Meaningful only if the clip includes the range-of-motion part of the protocol."
            )
            st.plotly_chart(figure, key=f"rom_{digest[:12]}", config={"displaylogo": False})

    st.markdown("#### Download")
    stem = Path(prepared.name).stem or "clip"
    record = summary_text(
        prepared.name,
        result,
        [(c.title, c.value if c.available else f"{NOT_AVAILABLE} ({c.reason})", c.lines) for c in cards],
        summary,
        answers,
        (*PATTERN_QUESTIONS, *RED_FLAG_QUESTIONS),
    )
    d1, d2, d3, d4 = st.columns([1, 1, 1, 2])
    d1.download_button(
        "Results (JSON)",
        prepared.json_text,
        file_name=f"{stem}.posture.json",
        mime="application/json",
        on_click="ignore",
        help="Every measurement and the per-frame angles (schema posture.analysis/1).",
    )
    d2.download_button(
        "Angles per frame (CSV)",
        prepared.csv_text,
        file_name=f"{stem}.angles.csv",
        mime="text/csv",
        on_click="ignore",
        help="Time, rotation, tilt and flexion for each frame; opens in a spreadsheet.",
    )
    d3.download_button(
        "Screening record (text)",
        record,
        file_name=f"{stem}.screening.txt",
        mime="text/plain",
        on_click="ignore",
        help="The measurements, the checklist answers and the summary, for the client's file.",
    )
    with d4:
        blurred_download(digest, prepared, data)

    records_panel(digest, prepared, data)

    with st.expander("Data quality and notes"):
        quality = result.get("quality") or {}
        st.json(quality, expanded=True)
        notes = []
        for section in ("posture", "tremor", "range_of_motion"):
            data = result.get(section) or {}
            for key in ("note", "time_within_10deg_note", "large_turn_note"):
                if data.get(key):
                    notes.append(f"{section.replace('_', ' ')}: {data[key]}")
            notes += [f"{section}: {n}" for n in data.get("notes") or []]
        if notes:
            st.markdown("\n".join(f"- {n}" for n in notes))


def main() -> None:
    navigation()
    st.title("posture")
    st.info(
        f"**{DISCLAIMER}** posture measures the visible signs of cervical dystonia in a video to help "
        "decide on a referral; only a clinician's examination can diagnose it."
    )
    source = sidebar_source()
    # One slot for the page's body: a new run replaces all of it at once, so nothing from the
    # previous clip (an error, old results) lingers while the next clip is analysed.
    with st.empty().container():
        data = None
        if source is None:
            restored = _restored_clip()
            if restored is None:
                welcome()
                return
            digest, prepared = restored
            st.caption(
                f"Showing the last clip analysed in this window, {prepared.name}, from this computer's "
                "memory. Upload or choose a clip in the sidebar to analyse another."
            )
        else:
            name, data = source
            digest, prepared = analysed(name, data)
            if prepared is None:
                st.query_params.pop(CLIP_PARAM, None)
                return
            # Remembered in the address, so reloading the page shows these results again.
            st.query_params[CLIP_PARAM] = digest[:16]
            st.session_state["had_clip"] = True
        try:
            show_results(digest, prepared, data)
        except Exception:
            log.exception("showing the results of %s failed", prepared.name)
            st.error(
                "Part of the results page could not be shown because of an unexpected problem. "
                "Try reloading the page or another clip."
            )


def _restored_clip() -> tuple[str, Prepared] | None:
    """After a reload (a new session), the clip named in the address if it is still in memory.

    A clip the therapist removed in this session is not brought back."""
    if st.session_state.get("had_clip"):
        st.session_state["had_clip"] = False
        st.query_params.pop(CLIP_PARAM, None)
        return None
    prefix = st.query_params.get(CLIP_PARAM)
    found = _store().find(prefix) if isinstance(prefix, str) else None
    if found is None:
        st.query_params.pop(CLIP_PARAM, None)
    return found


main()
