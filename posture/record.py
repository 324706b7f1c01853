"""``posture record``: record a session from a camera with the guided protocol, on a desktop.

    posture record --camera 0 --protocol standard --out clip.mp4
    posture analyze clip.mp4          # the phase marks in clip.protocol.json are used

An OpenCV window shows the live picture with the head's axes, the three angles, the prompt and its
countdown (``q`` or Esc stops early; the clip and marks are kept and say so). ``--no-preview`` runs
without a window. ``--camera`` takes a camera index or a video file (a file plays through at its own
timestamps, as fast as it can be measured: for tests and for replaying a recording).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

from posture.errors import InvalidInput, PostureError
from posture.protocol import PROTOCOLS, get_protocol, marks_path

WINDOW = "posture record (q or Esc to stop)"


class CameraUnavailable(PostureError):
    """The camera (or video file) given to ``posture record`` cannot be opened or read."""


def add_record_parser(sub) -> argparse.ArgumentParser:
    """Add the ``record`` command to the ``posture`` subparsers."""
    p = sub.add_parser(
        "record",
        help="record a session from a camera with the guided protocol (OpenCV preview window)",
        description=(
            "Record a session from a camera with on-screen prompts: rest, hold straight, range of "
            "motion, optional sensory trick. Writes the clip (H.264 MP4) and its phase marks "
            "(NAME.protocol.json beside it); analyse it afterwards with `posture analyze`."
        ),
    )
    p.add_argument(
        "--camera",
        default="0",
        metavar="INDEX|FILE",
        help="camera index (0 = the first camera) or a video file to play as the camera (default 0)",
    )
    p.add_argument(
        "--protocol",
        default="standard",
        choices=[*PROTOCOLS, "none"],
        help="guided protocol (default standard); none records until stopped or --seconds",
    )
    p.add_argument("--out", type=Path, required=True, metavar="CLIP.mp4", help="where to write the clip")
    p.add_argument("--no-trick", action="store_true", help="leave out the optional sensory-trick phase")
    p.add_argument("--no-preview", action="store_true", help="no preview window (headless)")
    p.add_argument(
        "--mirror",
        action="store_true",
        help="mirror the preview like a mirror (the clip and every number stay unmirrored)",
    )
    p.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds (default: protocol end)")
    p.add_argument("--width", type=int, default=1280, help="requested camera width (default 1280)")
    p.add_argument("--height", type=int, default=720, help="requested camera height (default 720)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=cmd_record)
    return p


@contextlib.contextmanager
def _quiet_opencv():
    """OpenCV's own log lines about a camera that cannot be opened (the error message says it).

    They are written by C++ straight to fd 2, so fd 2 is pointed at /dev/null while the camera opens."""
    from posture.pipeline.landmarks import quiet_stderr

    with quiet_stderr():
        yield


def open_source(camera: str, width: int, height: int):
    """(cv2.VideoCapture, is_file) for a camera index or a video file. Raises CameraUnavailable."""
    import cv2

    is_file = not camera.isdigit()
    if is_file and not Path(camera).exists():
        raise CameraUnavailable(f"cannot open camera {camera!r}: no such camera index or video file")
    with _quiet_opencv():
        cap = cv2.VideoCapture(camera if is_file else int(camera))
        if not is_file and cap.isOpened():
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        ok = cap.isOpened()
        first = cap.read() if ok else (False, None)
    if not ok or not first[0]:
        cap.release()
        what = f"video file {camera}" if is_file else f"camera {camera}"
        hint = "" if is_file else ": is a camera connected, free (not used by another program) and allowed?"
        raise CameraUnavailable(f"cannot open {what}{hint}")
    return cap, is_file, first[1]


def cmd_record(args: argparse.Namespace) -> int:
    import cv2

    from posture.live import LiveSession

    protocol = None if args.protocol == "none" else get_protocol(args.protocol).with_trick(not args.no_trick)
    if protocol is None and not args.seconds and args.no_preview:
        raise InvalidInput("--protocol none with --no-preview needs --seconds (nothing could stop it)")
    out = args.out
    if out.suffix.lower() != ".mp4":
        raise InvalidInput(f"--out must name an .mp4 file, not {out.name}")
    if not out.parent.exists():
        raise InvalidInput(f"the folder of --out does not exist: {out.parent}")
    preview = not args.no_preview
    if (
        preview
        and sys.platform.startswith("linux")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        raise InvalidInput("no display for the preview window: run with --no-preview")
    cap, is_file, frame = open_source(args.camera, args.width, args.height)
    session = LiveSession(mirror_preview=args.mirror)
    limit = args.seconds
    if not args.quiet:
        length = f"{protocol.duration_s:.0f} s protocol '{protocol.name}'" if protocol else "free recording"
        print(f"recording {length} to {out}" + ("" if preview else " (no preview)"), flush=True)
    started = time.monotonic()
    t_file0 = None
    recording = None
    try:
        session.start_recording(
            out,
            protocol,
            {"source": "posture record", "camera": args.camera if is_file else int(args.camera)},
        )
        while True:
            if is_file:
                t_ms = cap.get(cv2.CAP_PROP_POS_MSEC)
                t_file0 = t_ms if t_file0 is None else t_file0
                t = (t_ms - t_file0) / 1000.0
            else:
                t = time.monotonic() - started
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            shown = session.process(rgb, t)
            status = session.status()
            if status["error"]:
                raise PostureError(status["error"])
            if status["finished"] is not None:
                recording = status["finished"]
                break
            if limit is not None and t >= limit:
                session.stop_recording()
            if preview:
                cv2.imshow(WINDOW, cv2.cvtColor(shown, cv2.COLOR_RGB2BGR))
                key = cv2.waitKey(1) & 0xFF
                if key in (ord("q"), 27):
                    session.finish_now()
                    recording = session.status()["finished"]
                    break
            ok, frame = cap.read()
            if not ok:
                session.finish_now()
                recording = session.status()["finished"]
                if not is_file and recording is not None and not recording.marks.completed:
                    print("posture: warning: the camera stopped delivering frames", file=sys.stderr)
                break
    except KeyboardInterrupt:
        session.finish_now()
        recording = session.status()["finished"]
    finally:
        latency = session.latency_ms()
        session.close()
        cap.release()
        if preview:
            with contextlib.suppress(cv2.error):
                cv2.destroyAllWindows()
    if recording is None:
        raise PostureError("nothing was recorded")
    if not args.quiet:
        print(
            f"wrote {recording.clip} ({recording.duration_s:.1f} s, {recording.frames} frames"
            + (f", {recording.dropped} dropped" if recording.dropped else "")
            + f") and {marks_path(recording.clip).name}"
        )
        print(f"live measurement: {latency['median']:.0f} ms per frame (95 % under {latency['p95']:.0f} ms)")
        if protocol is not None and not recording.marks.completed:
            print("the protocol was stopped before its end: the phases not reached are not marked")
        print(f"analyse it with: posture analyze {recording.clip}")
    return 0
