"""The rendered "patient" the webcam browser test plays through Chromium's fake camera.

Timeline (seconds of the clip): 0–5.4 a distinctive pose for the live-reading check (rotation +25°
= chin to the patient's left, tilt -10° = right ear down, flexion +10° = chin down); a turn to the rest
posture by 6.0; from :data:`T0` on, the ``short`` protocol performed on cue (the test starts the
recording when the live rotation reading crosses zero, about half a second before T0):
rest posture (rotation -20°, tilt +8°), hold near neutral (-4°, +2°), six range-of-motion excursions
each held 1 s in the middle of its 3 s step, then a sensory trick that eases the rotation to -6°.

The clip is committed as ``sample_videos/webcam_protocol.mp4`` (with its truth file; re-render it with
``python tests/e2e/webcam_clip.py --sample``), so a test run only decodes it for the fake camera;
without it, rendering takes about four minutes on two cores and is cached (``CACHE``) by its
specification.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

SYNC_POSE = (25.0, -10.0, 10.0)
SYNC_END_S = 5.4
T0 = 6.4
REST = (-20.0, 8.0, 0.0)
HOLD = (-4.0, 2.0, 0.0)
TRICK = (-6.0, 3.0, 0.0)
ROM = {  # step -> (axis, peak deg)
    "turn_left": ("rotation", 60.0),
    "turn_right": ("rotation", -55.0),
    "tilt_left": ("tilt", 35.0),
    "tilt_right": ("tilt", -30.0),
    "chin_down": ("flexion", 35.0),
    "chin_up": ("flexion", -30.0),
}
FPS = 24.0
SIZE = (480, 360)
CACHE = Path(os.environ.get("POSTURE_E2E_CACHE", "/tmp/posture-e2e"))
ROOT = Path(__file__).resolve().parents[2]
# Pre-rendered from spec() (with SAMPLE_CRF) so a test run only decodes it to Y4M (a few seconds).
SAMPLE = ROOT / "sample_videos" / "webcam_protocol.mp4"
SAMPLE_CRF = 24


def spec():
    from posture.protocol import get_protocol
    from tools.render import ClipSpec, Sweep
    from tools.render_samples import look

    sched = {p.key: p for p in get_protocol("short").schedule()}
    knots: dict[str, list[tuple[float, float]]] = {"rotation": [], "tilt": [], "flexion": []}
    for j, axis in enumerate(("rotation", "tilt", "flexion")):
        k = knots[axis]
        k += [(0.0, SYNC_POSE[j]), (SYNC_END_S, SYNC_POSE[j]), (6.0, REST[j])]
        k += [(T0 + sched["rest"].end_s - 0.3, REST[j]), (T0 + sched["rest"].end_s + 0.3, HOLD[j])]
        k += [(T0 + sched["hold"].end_s - 0.1, HOLD[j]), (T0 + sched["hold"].end_s + 0.3, 0.0)]
        for key, (ax, peak) in ROM.items():
            s = T0 + sched[key].start_s
            if ax == axis:
                k += [(s + 0.3, 0.0), (s + 1.0, peak), (s + 2.0, peak), (s + 2.7, 0.0)]
        trick = T0 + sched["trick"].start_s
        k += [(trick, 0.0), (trick + 0.6, TRICK[j]), (trick + 12.0, TRICK[j])]
    duration = T0 + sched["trick"].end_s + 3.0
    return ClipSpec(
        "webcam_protocol",
        "Short guided protocol performed on cue after a distinctive sync pose (webcam browser test).",
        duration,
        tuple(Sweep(axis, tuple(sorted(v))) for axis, v in knots.items()),
        look(131, "medium", "plain"),
        seed=131,
        fps=FPS,
        size=SIZE,
        crf=16,
    )


def rendered() -> tuple[Path, Path]:
    """(clip.mp4, clip.y4m): the committed :data:`SAMPLE` (rendered from :func:`spec` by
    ``python tests/e2e/webcam_clip.py --sample``) when present, else rendered here once (minutes);
    either way the camera's Y4M is made once and cached by the clip's hash."""
    if SAMPLE.exists():
        digest = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()[:12]
        y4m = CACHE / f"sample-{digest}" / f"{SAMPLE.stem}.y4m"
        if not y4m.exists():
            y4m.parent.mkdir(parents=True, exist_ok=True)
            to_y4m(SAMPLE, y4m)
        return SAMPLE, y4m
    from tools.render import render_clip

    s = spec()
    digest = hashlib.sha256(repr(s).encode()).hexdigest()[:12]
    folder = CACHE / digest
    mp4, y4m = folder / f"{s.name}.mp4", folder / f"{s.name}.y4m"
    if not y4m.exists():
        render_clip(s, folder)
        to_y4m(mp4, y4m)
    return mp4, y4m


def to_y4m(mp4: Path, y4m: Path) -> None:
    import subprocess

    import imageio_ffmpeg

    tmp = y4m.with_suffix(".part.y4m")
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-i",
            str(mp4),
            "-pix_fmt",
            "yuv420p",
            str(tmp),
        ],
        check=True,
    )
    tmp.rename(y4m)


if __name__ == "__main__":
    import sys
    import time

    sys.path.insert(0, str(ROOT))
    start = time.perf_counter()
    if "--sample" in sys.argv:  # (re)render the committed sample clip and its truth file
        from dataclasses import replace

        from tools.render import render_clip

        render_clip(replace(spec(), crf=SAMPLE_CRF), SAMPLE.parent)
        print(SAMPLE, f"{time.perf_counter() - start:.0f} s")
    else:
        print(rendered(), f"{time.perf_counter() - start:.0f} s")
