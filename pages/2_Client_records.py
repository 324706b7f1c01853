"""Client records: a client's sessions over time, timeline events, comparisons, reports, deletion.

Streamlit only: widgets and layout. The records come from :mod:`posture.store` (SQLite on this
computer by default, or ``$POSTURE_DB_URL``); :mod:`posture.ui.records` builds the charts and
tables; :mod:`posture.report` writes the PDF. Nothing leaves this computer.
"""

from __future__ import annotations

import logging
import os
from datetime import date

import pandas as pd
import streamlit as st

from posture import DISCLAIMER, __version__
from posture.errors import PostureError
from posture.ui.records import (
    EVENT_KIND_LABELS,
    comparison_table,
    deletion_text,
    session_label,
    sessions_table,
    trend_csv,
    trend_figure,
    when_text,
)

# Set by the main page after saving: the client to open here.
CLIENT_KEY = "records_client"
DELETED_KEY = "records_deleted_message"

log = logging.getLogger("posture.records_page")

st.set_page_config(
    page_title="Client records – posture",
    page_icon="🩺",
    layout="wide",
    initial_sidebar_state="expanded",
    menu_items={"Get help": None, "Report a Bug": None, "About": f"posture {__version__}. {DISCLAIMER}"},
)


@st.cache_resource(show_spinner=False)
def records(url: str | None):
    """One records database handle per process and URL (the Store is thread-safe)."""
    from posture.store import open_store

    return open_store(url)


@st.cache_data(show_spinner=False, max_entries=32)
def session_pdf(url: str | None, session_id: int, signature: tuple) -> bytes:
    """The PDF referral report of a session with the client's trend (``signature`` names the
    sessions and events of the trend, so a new session or event makes a new report)."""
    from posture.report import build_pdf

    store = records(url)
    session = store.get_session(session_id)
    return build_pdf(session, store.get_client(session.client_id), store.trend(session.client_id))


def navigation() -> None:
    with st.sidebar:
        st.page_link("app.py", label="Analyse a clip", icon=":material/movie:")
        st.page_link("pages/1_Live_webcam.py", label="Live webcam", icon=":material/videocam:")
        st.page_link("pages/2_Client_records.py", label="Client records", icon=":material/folder_shared:")
        st.divider()


def pick_client(store):
    clients = store.list_clients()
    if not clients:
        st.info(
            "**No clients yet.** Analyse a clip on the *Analyse a clip* page, then use "
            "*Save to client records* under the results to create a client and save the session."
        )
        st.page_link("app.py", label="Analyse a clip", icon=":material/movie:")
        return None
    by_id = {c.id: c for c in clients}
    wanted = st.session_state.get(CLIENT_KEY)
    if st.session_state.get("client_pick") not in by_id:
        # The client asked for (just saved on the main page), else the one seen most recently.
        recent = max(
            clients, key=lambda c: (c.last_session_at is not None, c.last_session_at or c.created_at)
        )
        st.session_state["client_pick"] = wanted if wanted in by_id else recent.id
    with st.sidebar:
        st.header("Client")
        chosen = st.selectbox(
            "Client",
            list(by_id),
            key="client_pick",
            format_func=lambda i: (
                f"{by_id[i].pseudonym} · {by_id[i].session_count} session"
                + ("" if by_id[i].session_count == 1 else "s")
            ),
            help="Clients are kept under a pseudonym or record number, never a name.",
        )
        st.caption(f"posture {__version__} · records stay on this computer. {DISCLAIMER}")
    st.session_state[CLIENT_KEY] = chosen
    return by_id[chosen]


def trends_tab(trend) -> None:
    figure = trend_figure(trend)
    if figure is None:
        st.info("No measurements to chart yet: save a session for this client first.")
        return
    st.caption(
        "Each point is a session. The shaded band is the measurement noise around the first session: "
        "a later point outside it is a change that counts. Dashed lines are timeline events "
        "(vermillion: botulinum toxin injections, which peak 4–6 weeks after and wear off over "
        "8–16 weeks)."
    )
    st.plotly_chart(figure, key="trend_chart", config={"displaylogo": False})


def sessions_tab(store, url, client, sessions, trend) -> None:
    st.dataframe(pd.DataFrame(sessions_table(sessions)), hide_index=True, key="sessions_table")
    by_id = {s.id: s for s in sessions}
    left, right = st.columns([2, 3], gap="large")
    with left:
        chosen = st.selectbox(
            "Session",
            list(reversed(list(by_id))),
            format_func=lambda i: session_label(by_id[i]),
            key="report_session",
        )
        session = by_id[chosen]
        signature = (tuple(p.session_id for p in trend.points), tuple(e.id for e in trend.events))
        try:
            with st.spinner("Writing the report…"):
                pdf = session_pdf(url, session.id, signature)
        except Exception:
            log.exception("report of session %s failed", session.id)
            st.error("The PDF report could not be written because of an unexpected problem.")
        else:
            st.download_button(
                "Download the PDF report",
                pdf,
                file_name=f"posture-{client.pseudonym}-session{session.id}.pdf".replace(" ", "_"),
                mime="application/pdf",
                on_click="ignore",
                icon=":material/picture_as_pdf:",
                help="The session's measurements, checklist answers and summary, with the client's trend.",
            )
        for video in session.videos:
            words = "face-blurred clip" if video.kind == "deidentified" else "raw clip (identifiable)"
            st.download_button(
                f"Download the kept {words}",
                lambda v=video: store.get_video(v.session_id, v.kind),
                file_name=video.filename,
                mime=video.content_type,
                on_click="ignore",
                key=f"video_{video.id}",
            )
    with right:
        if session.notes:
            st.markdown(f"**Notes:** {session.notes}")
        st.caption(
            f"Recorded {when_text(session.recorded_at)} · saved {when_text(session.saved_at)} · "
            f"posture {session.software_version or '?'} · "
            + ("checklist answered" if session.answers else "no checklist answers saved")
        )


def _verdict_style(verdict: str) -> str:
    if verdict == "exceeds measurement noise":
        return "background-color: #fde2cf; color: #8a3300; font-weight: bold"
    return "color: #555555"


def compare_tab(store, sessions) -> None:
    if len(sessions) < 2:
        st.info("Comparing needs two sessions: save another session for this client.")
        return
    by_id = {s.id: s for s in sessions}
    ids = list(by_id)
    left, right = st.columns(2)
    before = left.selectbox(
        "Before", ids, index=len(ids) - 2, format_func=lambda i: session_label(by_id[i]), key="compare_before"
    )
    after = right.selectbox(
        "After", ids, index=len(ids) - 1, format_func=lambda i: session_label(by_id[i]), key="compare_after"
    )
    if before == after:
        st.info("Choose two different sessions.")
        return
    comparison = store.compare(before, after)
    rows = comparison_table(comparison)
    changed = [r["Measurement"] for r in rows if r["Verdict"] == "exceeds measurement noise"]
    if changed:
        st.warning(
            f"**{len(changed)} measurement{'s' if len(changed) != 1 else ''} changed by more than "
            f"measurement noise:** " + "; ".join(changed) + "."
        )
    else:
        st.success("**Every change is within measurement noise.**")
    st.dataframe(
        pd.DataFrame(rows).style.map(_verdict_style, subset=["Verdict"]),
        hide_index=True,
        key="comparison_table",
        column_config={"Measurement": st.column_config.TextColumn(width="large")},
    )
    st.caption(
        "Change = after − before. Noise is the difference two recordings of the same unchanged "
        "person typically show (camera set-up, seating, day-to-day variation); a change within it "
        "is not evidence of a real change."
    )


def events_tab(store, client, events) -> None:
    if events:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Date": e.occurred_on.isoformat(),
                        "Kind": EVENT_KIND_LABELS.get(e.kind, e.kind),
                        "What": e.text,
                    }
                    for e in reversed(events)
                ]
            ),
            hide_index=True,
            key="events_table",
        )
    else:
        st.caption("No events yet. Mark injections and treatment changes to see them on the trends.")
    with st.form("add_event", clear_on_submit=True, border=True):
        st.markdown("**Add an event**")
        c1, c2 = st.columns(2)
        day = c1.date_input("Date", value=date.today(), key="event_date", format="YYYY-MM-DD")
        kind = c2.selectbox(
            "Kind", list(EVENT_KIND_LABELS), format_func=EVENT_KIND_LABELS.get, key="event_kind"
        )
        text = st.text_input(
            "What", key="event_text", placeholder="e.g. botulinum toxin, 200 U, left SCM and right splenius"
        )
        if st.form_submit_button("Add event", key="event_add"):
            try:
                store.add_event(client.id, day, text.strip(), kind)
            except PostureError as exc:
                st.error(str(exc))
            else:
                st.rerun()


def delete_tab(store, client, sessions, events) -> None:
    kept = sum(len(s.videos) for s in sessions)
    st.markdown(
        f"Deleting **{client.pseudonym}** removes them and all their data from this computer for good: "
        f"{len(sessions)} session(s) with their measurements and checklist answers, {len(events)} "
        f"timeline event(s) and {kept} kept video(s). It cannot be undone. Download any PDF report "
        "or CSV you need first."
    )
    typed = st.text_input(f"Type {client.pseudonym} to confirm", key="delete_confirm")
    confirmed = typed.strip() == client.pseudonym
    if st.button(
        f"Delete {client.pseudonym} for good",
        type="primary",
        disabled=not confirmed,
        key="delete_client",
        icon=":material/delete_forever:",
    ):
        summary = store.delete_client(client.id)
        st.session_state[DELETED_KEY] = deletion_text(summary)
        st.session_state.pop(CLIENT_KEY, None)
        st.session_state.pop("client_pick", None)
        st.session_state.pop("delete_confirm", None)
        st.rerun()


def main() -> None:
    navigation()
    st.title("Client records")
    deleted = st.session_state.pop(DELETED_KEY, None)
    if deleted:
        st.success(deleted)
    url = os.environ.get("POSTURE_DB_URL") or None
    try:
        store = records(url)
    except PostureError as exc:
        st.error(f"**The records database could not be opened.** {exc}")
        return
    try:
        client_page(store, url)
    except PostureError as exc:  # e.g. the client was just deleted in another window
        st.error(str(exc))


def client_page(store, url) -> None:
    client = pick_client(store)
    if client is None:
        return
    sessions = store.list_sessions(client.id)
    events = store.list_events(client.id)
    trend = store.trend(client.id)
    born = f"born {client.birth_year}" if client.birth_year else "year of birth not given"
    st.subheader(client.pseudonym)
    st.caption(
        f"{born} · {len(sessions)} session{'s' if len(sessions) != 1 else ''} · "
        f"{len(events)} event{'s' if len(events) != 1 else ''} · client since {when_text(client.created_at)[:10]}"
        + (f" · {client.notes}" if client.notes else "")
    )
    if not sessions:
        st.info(
            f"**No sessions yet for {client.pseudonym}.** Analyse a clip on the *Analyse a clip* page "
            "and save it to this client."
        )
    trends, listing, comparing, timeline, deleting = st.tabs(
        ["Trends", "Sessions and reports", "Compare two sessions", "Timeline events", "Delete client"]
    )
    with trends:
        trends_tab(trend)
        if sessions:
            st.download_button(
                "Export the sessions (CSV)",
                trend_csv(trend),
                file_name=f"posture-{client.pseudonym}-sessions.csv".replace(" ", "_"),
                mime="text/csv",
                on_click="ignore",
                icon=":material/table_view:",
                help="Every session's measurements and the timeline events; opens in a spreadsheet.",
            )
    with listing:
        if sessions:
            sessions_tab(store, url, client, sessions, trend)
        else:
            st.caption("Sessions appear here once saved.")
    with comparing:
        compare_tab(store, sessions)
    with timeline:
        events_tab(store, client, events)
    with deleting:
        delete_tab(store, client, sessions, events)


main()
