"""Dashboard page: live webcam with the head's axes and angles, and a guided protocol recording.

The camera stream goes from the browser to this machine's dashboard over WebRTC (streamlit-webrtc);
no STUN or TURN server is ever contacted (empty ICE server lists on both sides), so it works on
localhost without internet. Every number is measured on the frames as the camera delivers them;
a mirrored preview flips only the displayed picture, and its labels name the patient's side.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path

import av
import streamlit as st

from posture import DISCLAIMER, __version__
from posture.errors import PostureError
from posture.live import LiveSession
from posture.overlay import direction_words
from posture.protocol import PROTOCOLS, get_protocol, load_marks, protocol_section

# No STUN / TURN: the browser and this machine talk directly (host candidates only).
NO_ICE = {"iceServers": []}
# The main page (app.py) picks a recorded clip up from here: {"name", "path", "marks_path", "data"}.
RECORDED_CLIP_KEY = "posture_recorded_clip"
RECORDINGS_ENV = "POSTURE_RECORDINGS_DIR"
STATUS_EVERY_S = 0.5
# The recording outcome (clip path or error) the last full run took in, and the one the status
# fragment last asked a full run for: a full run marks the outcome handled *before* the fragment
# runs inside it, so the fragment's request for a full run can never repeat itself.
HANDLED_KEY = "handled_recording"
AUTO_RERUN_KEY = "rerun_requested_for"

st.set_page_config(
    page_title="posture – live webcam",
    page_icon="🩺",
    layout="wide",
    menu_items={"Get help": None, "Report a Bug": None, "About": f"posture {__version__}. {DISCLAIMER}"},
)
st.sidebar.page_link("app.py", label="Analyse a clip", icon=":material/movie:")
st.sidebar.page_link("pages/1_Live_webcam.py", label="Live webcam", icon=":material/videocam:")
st.sidebar.page_link("pages/2_Client_records.py", label="Client records", icon=":material/folder_shared:")


def recordings_dir() -> Path:
    """Where recordings are kept: ``$POSTURE_RECORDINGS_DIR`` or ``recordings/`` in the per-user data
    folder (private to the user)."""
    folder = os.environ.get(RECORDINGS_ENV)
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        return path
    from posture.store import default_data_dir

    path = default_data_dir() / "recordings"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def live_session() -> LiveSession:
    """This browser session's own live session (its own MediaPipe tracker)."""
    if "posture_live" not in st.session_state:
        st.session_state["posture_live"] = LiveSession()
    return st.session_state["posture_live"]


def outcome_key(status: dict) -> str | None:
    """What ended the latest recording, as a session-state key: its clip, its error, or None."""
    if status["finished"] is not None:
        return str(status["finished"].clip)
    if status["error"] and not status["recording"]:
        return f"error: {status['error']}"
    return None


def take_in_outcome(live: LiveSession) -> dict:
    """Mark the latest recording's outcome as handled by this full run (and forget the previous
    recording's analysis and saved session when it is a new one); return the status it read."""
    status = live.status()
    key = outcome_key(status)
    if key is not None and st.session_state.get(HANDLED_KEY) != key:
        st.session_state[HANDLED_KEY] = key
        st.session_state.pop("saved_session_id", None)
        st.session_state.pop("recording_result", None)
    return status


def signed(axis: str, value: float) -> tuple[str, str]:
    """("+12.3°", "chin to patient's left") for a metric."""
    return f"{value:+.1f}°", direction_words(axis, value)


def settings(live: LiveSession, recording: bool) -> tuple[str, bool]:
    with st.sidebar:
        st.header("Protocol")
        names = list(PROTOCOLS)
        wanted = st.query_params.get("protocol")
        name = st.selectbox(
            "Protocol",
            names,
            index=names.index(wanted) if wanted in names else 0,
            format_func=lambda n: f"{n} ({PROTOCOLS[n].with_trick(True).duration_s:.0f} s)",
            key="protocol_name",
            disabled=recording,
            help="The same steps every session make sessions comparable.",
        )
        st.caption(PROTOCOLS[name].description)
        trick = st.checkbox(
            "Include the sensory trick",
            value=True,
            key="protocol_trick",
            disabled=recording,
            help="Only if the client has a touch that eases the pull (geste antagoniste).",
        )
        mirror = st.checkbox(
            "Mirror the preview",
            value=True,
            key="mirror_preview",
            help=(
                "Shows the patient as in a mirror, which is easier to follow. Only the picture is "
                "flipped: the recording and every number are not, and the labels name the patient's side."
            ),
        )
        live.mirror_preview = mirror
        with st.expander("Steps"):
            for step in get_protocol(name).with_trick(trick).steps:
                st.markdown(f"- **{step.duration_s:.0f} s** {step.prompt}")
        st.divider()
        st.caption(
            f"posture {__version__} · the camera stream goes to this computer only; nothing is sent "
            f"anywhere. {DISCLAIMER}"
        )
    return name, trick


@st.fragment(run_every=STATUS_EVERY_S)
def live_panel(live: LiveSession, playing: bool) -> None:
    status = live.status()
    reading = status["reading"]
    cols = st.columns(3)
    for col, (i, axis, label) in zip(
        cols, ((0, "rotation", "Rotation"), (1, "tilt", "Tilt"), (2, "flexion", "Flexion")), strict=True
    ):
        if playing and reading is not None and reading.face_found:
            value, words = signed(axis, float(reading.angles[i]))
            col.metric(f"Live {label}", value, words, delta_color="off", delta_arrow="off")
        else:
            col.metric(
                f"Live {label}",
                "–",
                "no face" if playing and reading else "camera off",
                delta_color="off",
                delta_arrow="off",
            )
    if status["recording"]:
        step, left = status["step"], status["seconds_left"]
        if step is not None:
            st.markdown(f"### {step.prompt} · {int(left + 0.999)} s")
        st.caption(f"Recording: {status.get('recording_s', 0.0):.1f} s")
    if playing and reading is not None:
        lat = live.latency_ms()
        st.caption(
            f"{reading.fps:.0f} frames/s · measuring and drawing take {lat['median']:.0f} ms per frame "
            f"(95 % under {lat['p95']:.0f} ms)"
        )
    key = outcome_key(status)
    if key is not None and st.session_state.get(HANDLED_KEY) != key:
        # A recording just ended (or failed) since the page last ran in full: only a full run shows
        # its analysis. Ask for that run once by itself; the button is there should it not come.
        st.success("Recording finished." if status["finished"] is not None else "The recording failed.")
        clicked = st.button("Analyse the recording", type="primary", key="analyse_recording")
        if clicked or st.session_state.get(AUTO_RERUN_KEY) != key:
            st.session_state[AUTO_RERUN_KEY] = key
            st.rerun(scope="app")


def analyse_recording(clip: Path) -> dict:
    """The recording's full analysis (the same as an upload's) with its per-phase measurements."""
    from posture.analysis import analyze

    bar = st.progress(0.0, text="Analysing the recording…")

    def progress(done: int, expected: int, _elapsed: float) -> None:
        if expected:
            bar.progress(
                min(done / expected, 1.0), text=f"Analysing the recording: frame {done} of {expected}"
            )

    try:
        analysis = analyze(clip, progress=progress)
    finally:
        bar.empty()
    result = analysis.to_dict()
    marks = load_marks(clip)
    result["protocol"] = protocol_section(analysis, marks)
    return result


def show_phase_results(result: dict) -> None:
    section = result.get("protocol") or {}
    if not section.get("measured"):
        st.warning(section.get("reason") or "The protocol's phases could not be found.")
        return
    st.markdown("#### Measurements per protocol phase")
    st.caption(
        "Each measurement is taken on its own phase: posture and tremor at rest, time within 10° while "
        "holding straight, range of motion on the movements, and the sensory trick against rest. "
        "Left and right are the patient's."
    )
    rest = section.get("rest") or {}
    c = st.columns(4)
    if rest.get("measured"):
        posture = rest["posture"]
        for col, axis, label in zip(
            c, ("rotation", "tilt", "flexion"), ("rotation", "tilt", "flexion"), strict=False
        ):
            data = posture.get(axis) or {}
            value = data.get("median_deg")
            if value is None:
                col.metric(f"Rest: {label}", "–")
            else:
                v, words = signed(axis, value)
                col.metric(f"Rest: {label}", v, words, delta_color="off", delta_arrow="off")
        tremor = rest.get("tremor") or {}
        if tremor.get("present"):
            c[3].metric(
                "Rest: tremor",
                f"{tremor['frequency_hz']:.1f} Hz",
                f"{tremor['amplitude_deg']:.1f}° on {tremor['axis']}",
                delta_color="off",
                delta_arrow="off",
            )
        else:
            c[3].metric("Rest: tremor", "none found" if tremor.get("measured") else "not measured")
    else:
        c[0].metric("Rest", "not measured")
        st.caption(rest.get("reason", ""))
    hold = section.get("hold") or {}
    c = st.columns(4)
    if hold.get("measured"):
        c[0].metric(
            "Hold: time within 10°",
            f"{hold['time_within_10deg_s']:.1f} s",
            f"of {hold['duration_s']:.1f} s held",
            delta_color="off",
            delta_arrow="off",
        )
    else:
        c[0].metric("Hold: time within 10°", "not measured")
    trick = section.get("sensory_trick") or {}
    if trick.get("measured"):
        c[1].metric(
            "Trick: change in deviation",
            f"{trick['improvement_deg']:+.1f}°",
            f"{trick['main_axis']}: {trick['rest_deviation_deg']:.1f}° at rest → {trick['trick_deviation_deg']:.1f}°",
            delta_color="off",
            delta_arrow="off",
        )
        c[2].metric("Trick: eases the posture", "yes" if trick["improved"] else "no")
    else:
        c[1].metric("Trick: change in deviation", "not measured")
    rom = section.get("range_of_motion") or {}
    names = (
        ("rotation_left", "turn left"),
        ("rotation_right", "turn right"),
        ("tilt_left", "tilt left"),
        ("tilt_right", "tilt right"),
        ("flexion", "chin down"),
        ("extension", "chin up"),
    )
    c = st.columns(6)
    for col, (key, label) in zip(c, names, strict=True):
        value = rom.get(f"{key}_deg")
        normal = rom.get(f"{key}_normal_deg") or []
        # At the face mesh's rotation limit the value is a lower bound of the true turn.
        at_limit = bool(rom.get(f"{key}_at_limit"))
        normal_text = f"normal {normal[0]:.0f}–{normal[1]:.0f}°" if len(normal) == 2 else None
        col.metric(
            f"ROM: {label}",
            "–" if value is None else f"{'≥ ' if at_limit else ''}{value:.0f}°",
            f"at the instrument's limit; {normal_text}" if at_limit and normal_text else normal_text,
            delta_color="off",
            delta_arrow="off",
        )
    with st.expander("Phases"):
        st.dataframe(
            [
                {
                    "phase": p["kind"],
                    "from (s)": p["start_s"],
                    "to (s)": p["end_s"],
                    "measured from (s)": p["analysed_start_s"],
                    "measured to (s)": p["analysed_end_s"],
                    "found from": p["source"],
                }
                for p in section.get("phases") or []
            ],
            hide_index=True,
        )


def save_to_records(result: dict, clip: Path, protocol: str) -> None:
    from posture.store import open_store

    with st.form("save_session", border=True):
        st.markdown("**Save to the client's records**")
        try:
            with open_store() as store:
                clients = store.list_clients()
        except Exception as exc:
            st.error(f"The client records cannot be opened ({type(exc).__name__}).")
            st.form_submit_button("Save", disabled=True)
            return
        options = {c.pseudonym: c.id for c in clients}
        choice = st.selectbox("Client", list(options), index=None, placeholder="Choose a client…")
        new = st.text_input("…or a new client (pseudonym, no real names)")
        notes = st.text_input("Notes")
        if st.form_submit_button("Save session"):
            try:
                with open_store() as store:
                    if new.strip():
                        client_id = store.create_client(new.strip()).id
                    elif choice:
                        client_id = options[choice]
                    else:
                        st.warning("Choose a client or enter a new pseudonym.")
                        return
                    record = store.save_session(
                        client_id,
                        result,
                        protocol=protocol,
                        video_path=clip,
                        recorded_at=datetime.fromtimestamp(clip.stat().st_mtime),
                        notes=notes,
                    )
                st.session_state["saved_session_id"] = record.id
            except PostureError as exc:
                st.error(str(exc))
            except Exception as exc:  # e.g. the store's own errors
                st.error(f"The session could not be saved: {exc}")
    if st.session_state.get("saved_session_id"):
        st.success(f"Saved as session {st.session_state['saved_session_id']}.")


def recorded_section(status: dict) -> None:
    """The finished recording of ``status`` (the one this run took in): its analysis, per-phase
    measurements, downloads and saving."""
    if status["error"]:
        st.error(f"**The recording failed:** {status['error']}.")
    finished = status["finished"]
    if finished is None:
        return
    clip = finished.clip
    st.subheader(f"Recording: {clip.name}")
    done = "completed" if finished.marks.completed else "stopped before its end"
    st.caption(
        f"{finished.duration_s:.1f} s, {finished.frames} frames; protocol '{finished.marks.protocol or 'none'}' "
        f"{done}. Kept in {clip.parent} with its phase marks ({clip.stem}.protocol.json)."
        + (f" {finished.dropped} frames could not be recorded in time." if finished.dropped else "")
    )
    result = st.session_state.get("recording_result")
    if result is not None and result.get("video", {}).get("path") != clip.name:
        result = None  # another recording's
    if result is None:
        try:
            result = analyse_recording(clip)
        except PostureError as exc:
            st.error(f"**The recording could not be analysed.** {exc}.")
            return
        result["video"]["path"] = clip.name
        st.session_state["recording_result"] = result
        (clip.with_name(clip.stem + ".posture.json")).write_text(json.dumps(result, indent=1))
    show_phase_results(result)
    left, right = st.columns(2)
    with left:
        if st.button("Open the full results on the main page", type="primary"):
            st.session_state[RECORDED_CLIP_KEY] = {
                "name": clip.name,
                "path": str(clip),
                "marks_path": str(finished.marks_file),
                "data": clip.read_bytes(),
            }
            st.switch_page("app.py")
        st.download_button(
            "Download the recording (MP4)",
            clip.read_bytes(),
            file_name=clip.name,
            mime="video/mp4",
            on_click="ignore",
        )
        st.download_button(
            "Download the measurements (JSON)",
            json.dumps(result, indent=1),
            file_name=f"{clip.stem}.posture.json",
            mime="application/json",
            on_click="ignore",
        )
    with right:
        save_to_records(result, clip, finished.marks.protocol)


def main() -> None:
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    st.title("Live webcam")
    st.info(
        f"**{DISCLAIMER}** Sit the client facing the camera, level, at head height, 1–2 m away, head and "
        "both shoulders in view, with even light. Start the camera, check the picture, then record the "
        "protocol: the prompts and countdown appear on the picture."
    )
    live = live_session()
    name, trick = settings(live, live.recording)

    def callback(frame: av.VideoFrame) -> av.VideoFrame:
        image = frame.to_ndarray(format="rgb24")
        shown = live.process(image, float(frame.time) if frame.time is not None else None)
        out = av.VideoFrame.from_ndarray(shown, format="rgb24")
        out.pts, out.time_base = frame.pts, frame.time_base
        return out

    video_col, panel_col = st.columns([3, 2], gap="large")
    with video_col:
        ctx = webrtc_streamer(
            key="posture-webcam",
            mode=WebRtcMode.SENDRECV,
            rtc_configuration=NO_ICE,
            frontend_rtc_configuration=NO_ICE,
            server_rtc_configuration=NO_ICE,
            media_stream_constraints={
                "video": {"width": {"ideal": 1280}, "height": {"ideal": 720}, "frameRate": {"ideal": 30}},
                "audio": False,
            },
            video_frame_callback=callback,
            async_processing=True,
            translations={"start": "Start the camera", "stop": "Stop the camera", "select_device": "Camera"},
        )
    playing = bool(ctx.state.playing)
    if not playing and live.recording:
        live.finish_now()
    status = take_in_outcome(live)
    with panel_col:
        live_panel(live, playing)
        if live.recording:
            if st.button("Stop recording", type="secondary"):
                live.stop_recording()
                time.sleep(0.3)
                st.rerun()
        else:
            start = st.button(
                f"Record the {name} protocol",
                type="primary",
                disabled=not playing,
                help="Start the camera first."
                if not playing
                else "Recording starts at once with a short countdown.",
            )
            if start:
                stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
                path = recordings_dir() / f"webcam-{stamp}.mp4"
                live.start_recording(
                    path, get_protocol(name).with_trick(trick), {"source": "dashboard webcam"}
                )
                st.session_state.pop(HANDLED_KEY, None)
                st.rerun()
    recorded_section(status)


main()
