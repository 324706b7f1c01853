"""Regenerate every sample clip in ``sample_videos/`` (MP4 + truth JSON), deterministically.

The clip specifications are the table :data:`CLIPS` below; ``sample_videos/README.md`` describes them
and the truth format. Rendering all of them takes a few minutes on two CPU cores (software OpenGL).

Usage (from the repository root)::

    python -m tools.render_samples                  # all clips, 2 processes
    python -m tools.render_samples still_neutral jerks --jobs 1
    python -m tools.render_samples --check          # also run MediaPipe face mesh over each clip
    python -m tools.render_samples --list

Head model credit: "Infinite, 3D Head Scan" by Lee Perry-Smith, CC BY 3.0, based on a work at
www.triplegangers.com (see :mod:`tools.render`).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `posture` and `tools` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.render import (  # noqa: E402
    LIGHTS,
    Background,
    ClipSpec,
    Framing,
    Jerk,
    Look,
    Offset,
    SecondHead,
    ShoulderRaise,
    Sine,
    Sway,
    Sweep,
    Tremor,
    random_look,
    render_clip,
)

OUT_DIR = Path(__file__).resolve().parents[1] / "sample_videos"


def hold(rotation: float = 0.0, tilt: float = 0.0, flexion: float = 0.0) -> tuple[Offset, ...]:
    """A held head posture (deg, CLINICAL.md signs)."""
    return Offset("rotation", rotation), Offset("tilt", tilt), Offset("flexion", flexion)


def look(seed: int, skin: str, background: str = "plain", **overrides: object) -> Look:
    """The seeded random look of a clip with its skin tone and background kind fixed."""
    base = random_look(seed, skin=skin)
    return replace(base, background=replace(base.background, kind=background), **overrides)  # type: ignore[arg-type]


# Range-of-motion protocol: each excursion held 1 s, slow transitions (knots: time s, angle deg).
ROM_ROTATION = ((0.0, 0.0), (0.6, 0.0), (2.2, 70.0), (3.2, 70.0), (5.8, -65.0), (6.8, -65.0), (8.2, 0.0))
ROM_TILT = ((8.2, 0.0), (9.6, 40.0), (10.6, 40.0), (12.8, -35.0), (13.8, -35.0), (15.0, 0.0))
ROM_FLEXION = ((15.0, 0.0), (16.4, 45.0), (17.4, 45.0), (19.4, -40.0), (20.4, -40.0), (21.6, 0.0))

# fmt: off
CLIPS: tuple[ClipSpec, ...] = (
    # --- pose accuracy ---------------------------------------------------------------------------
    ClipSpec("still_neutral", "Head still, facing the camera squarely (0, 0, 0): jitter test.",
             4.0, hold(), look(101, "medium"), seed=101),
    ClipSpec("hold_rotation_left30", "Head held turned to the patient's left, rotation +30.",
             3.0, hold(rotation=30), look(102, "light", "gradient"), seed=102),
    ClipSpec("hold_rotation_right20", "Head held turned to the patient's right, rotation -20.",
             3.0, hold(rotation=-20), look(103, "brown"), seed=103),
    ClipSpec("hold_tilt_left15", "Left ear toward the left shoulder, tilt +15.",
             3.0, hold(tilt=15), look(104, "dark", "clutter"), seed=104),
    ClipSpec("hold_tilt_right25", "Right ear toward the right shoulder, tilt -25.",
             3.0, hold(tilt=-25), look(105, "olive"), seed=105),
    ClipSpec("hold_flexion20", "Chin down, flexion +20.",
             3.0, hold(flexion=20), look(106, "medium", "gradient"), seed=106),
    ClipSpec("hold_extension25", "Chin up, extension (flexion -25).",
             3.0, hold(flexion=-25), look(107, "light", "clutter"), seed=107),
    ClipSpec("combined_a", "Combined posture: rotation +25, tilt -12, flexion +15.",
             3.0, hold(25, -12, 15), look(108, "brown", "gradient"), seed=108),
    ClipSpec("combined_b", "Combined posture: rotation -35, tilt +18, flexion -20.",
             3.0, hold(-35, 18, -20), look(109, "olive", "clutter"), seed=109),
    ClipSpec("sweep_rotation", "Slow turn 0 -> +70 (held 1 s) -> -70 (held 1 s) -> 0.",
             12.0, (Sweep("rotation", ((0, 0), (0.5, 0), (3, 70), (4, 70), (8, -70), (9, -70), (11.5, 0))),),
             look(110, "medium", light=LIGHTS["high_front"]), seed=110, range_of_motion=True),
    ClipSpec("sweep_tilt", "Slow tilt 0 -> +35 (held 1 s) -> -35 (held 1 s) -> 0.",
             8.0, (Sweep("tilt", ((0, 0), (0.4, 0), (2, 35), (3, 35), (5.6, -35), (6.6, -35), (7.8, 0))),),
             look(111, "dark", "gradient", light=LIGHTS["high_front"]), seed=111, range_of_motion=True),
    ClipSpec("sweep_flexion", "Slow flexion 0 -> +45 chin down (held 1 s) -> -40 chin up (held 1 s) -> 0.",
             8.0, (Sweep("flexion", ((0, 0), (0.4, 0), (2, 45), (3, 45), (5.6, -40), (6.6, -40), (7.8, 0))),),
             look(112, "light", light=LIGHTS["high_front"], framing=Framing(distance_cm=72.0, offset_cm=(3.0, -2.0))),
             seed=112, range_of_motion=True),
    # --- containers and cameras --------------------------------------------------------------------
    ClipSpec("portrait_phone", "Phone held upright: 360x640 displayed, stored 640x360 with a display-matrix "
             "rotation. Posture rotation +20, tilt -10, slow sway.",
             4.0, (*hold(20, -10), Sway("rotation", 0.25, 2.0), Sway("flexion", 0.2, 1.5)),
             look(113, "olive", "gradient", framing=Framing(distance_cm=52.0)),
             seed=113, size=(360, 640), portrait_tag=True),
    ClipSpec("webcam_24fps_lowlight", "Webcam: 24 fps, dim warm light, sensor noise, heavy compression. "
             "Rotation -15, tilt +10 held still.",
             5.0, hold(-15, 10), replace(look(114, "brown", light=LIGHTS["dim_warm"]),
                                      background=Background("clutter", (120, 105, 90), seed=114, gain=0.4)),
             seed=114, fps=24.0, crf=33, noise_sigma=5.0),
    ClipSpec("vfr_phone", "Variable frame rate (intervals 20-50 ms, ~30 fps): rotation follows a 0.5 Hz, "
             "30 deg sine, so a wrong time axis shows.",
             6.0, (Sine("rotation", 0.5, 30.0),), look(115, "dark", "gradient"), seed=115,
             vfr_interval_ms=(20.0, 50.0)),
    ClipSpec("two_faces", "Main subject centred at rotation -15; a second person further back, off to "
             "the side (smaller, rotation +30): the main face must be the one measured.",
             3.0, hold(rotation=-15), look(116, "medium", "gradient", framing=Framing(distance_cm=72.0)),
             seed=116, second_head=SecondHead(rotation_deg=30.0, offset_cm=(66.0, 6.0, -100.0))),
    ClipSpec("face_lost", "Subject slides out of frame sideways (1.6-2.0 s), stays out ~1 s, comes back "
             "(3.0-3.4 s); face_visible is false while any of the face is out of frame. Rotation +10.",
             5.0, hold(rotation=10), look(117, "light", "plain"), seed=117,
             slide_cm=((0, 0), (1.6, 0), (2.0, 70), (3.0, 70), (3.4, 0))),
    # --- clinical signs ----------------------------------------------------------------------------
    ClipSpec("tremor_rotation_4hz", "Rotation tremor 4 Hz, 1.5 deg zero-to-peak, over rotation +20.",
             12.0, (*hold(rotation=20), Tremor("rotation", 4.0, 1.5)), look(118, "brown", "plain"), seed=118, crf=20),
    ClipSpec("tremor_flexion_3hz_small", "Small flexion ('yes-yes') tremor 3 Hz, 0.6 deg, over flexion +8.",
             12.0, (*hold(flexion=8), Tremor("flexion", 3.0, 0.6)), look(119, "light", "gradient"), seed=119, crf=20),
    ClipSpec("tremor_tilt_10hz_60fps", "Tilt tremor 10 Hz, 0.8 deg, at 60 fps, head otherwise neutral.",
             10.0, (*hold(), Tremor("tilt", 10.0, 0.8)), look(120, "olive", "plain"), seed=120, fps=60.0, crf=20),
    ClipSpec("tremor_dystonic_2p5hz", "Dystonic tremor: rotation 2.5 Hz, 2 deg, slightly irregular "
             "(frequency +-8 %, amplitude +-16 %), over rotation -25.",
             12.0, (*hold(rotation=-25), Tremor("rotation", 2.5, 2.0, irregularity=0.08, seed=121)),
             look(121, "dark", "clutter"), seed=121, crf=20),
    ClipSpec("tremor_rotation_6hz_small", "Small rotation ('no-no') tremor 6 Hz, 0.5 deg, over rotation -10.",
             10.0, (*hold(rotation=-10), Tremor("rotation", 6.0, 0.5)), look(126, "medium", "clutter"), seed=126, crf=20),
    ClipSpec("tremor_flexion_8hz", "Flexion ('yes-yes') tremor 8 Hz, 1 deg, over extension (flexion -6).",
             10.0, (*hold(flexion=-6), Tremor("flexion", 8.0, 1.0)), look(127, "dark", "gradient"), seed=127, crf=20),
    ClipSpec("tremor_tilt_3hz_small", "Small tilt tremor 3 Hz, 0.5 deg, over tilt +5 and rotation +8.",
             10.0, (*hold(rotation=8, tilt=5), Tremor("tilt", 3.0, 0.5)), look(128, "olive", "plain"), seed=128, crf=20),
    ClipSpec("tremor_rotation_12hz_60fps", "Rotation ('no-no') tremor 12 Hz, 0.6 deg, at 60 fps (the top of "
             "the tremor band), over rotation +12.",
             8.0, (*hold(rotation=12), Tremor("rotation", 12.0, 0.6)), look(129, "medium", "plain"), seed=129,
             fps=60.0, crf=20),
    ClipSpec("jerks", "Still head (rotation +5) with 4 jerks on three axes, 2-3 s apart.",
             12.0, (*hold(rotation=5), Jerk("rotation", 2.0, 12.0, 0.3), Jerk("flexion", 4.5, 6.0, 0.2),
                    Jerk("tilt", 7.0, -10.0, 0.35), Jerk("rotation", 9.8, -15.0, 0.4)),
             look(122, "medium", "gradient"), seed=122),
    ClipSpec("drift", "Slow sway only: rotation 0.2 Hz 3 deg, flexion 0.1 Hz 2 deg; no tremor, no jerks.",
             12.0, (Sway("rotation", 0.2, 3.0), Sway("flexion", 0.1, 2.0, phase_rad=1.0)),
             look(123, "olive", "gradient"), seed=123),
    ClipSpec("shoulder_left_raised", "Left shoulder raised 3 cm, tilt +10, head shifted 2 cm to the "
             "patient's left.",
             4.0, hold(tilt=10), look(124, "brown", "plain"), seed=124,
             shoulders=ShoulderRaise("left", 3.0), shift_cm=2.0),
    ClipSpec("shoulder_right_raised", "Right shoulder raised 2.5 cm, head turned -15 and tilted -8 "
             "(toward the raised side), no shift.",
             3.0, hold(rotation=-15, tilt=-8), look(126, "light", "gradient"), seed=126,
             shoulders=ShoulderRaise("right", 2.5)),
    ClipSpec("rom_protocol", "Range of motion: turn left +70, right -65, tilt left +40, right -35, "
             "chin down +45, up -40; each held 1 s, slow transitions.",
             22.0, (Sweep("rotation", ROM_ROTATION), Sweep("tilt", ROM_TILT), Sweep("flexion", ROM_FLEXION)),
             look(125, "light", "gradient", light=LIGHTS["high_front"]), seed=125,
             range_of_motion=True),
)
# fmt: on


def _render_one(spec: ClipSpec, out_dir: Path) -> tuple[str, float]:
    start = time.perf_counter()
    render_clip(spec, out_dir)
    return spec.name, time.perf_counter() - start


def render_all(specs: Sequence[ClipSpec], out_dir: Path, jobs: int) -> None:
    """Render ``specs`` into ``out_dir`` with ``jobs`` processes (each has its own GL context)."""
    start = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        longest_first = sorted(specs, key=lambda s: -s.duration_s * s.fps)
        futures = [pool.submit(_render_one, spec, out_dir) for spec in longest_first]
        for future in futures:
            name, seconds = future.result()
            size_kb = (out_dir / f"{name}.mp4").stat().st_size / 1024
            print(f"{name:28s} {seconds:6.1f} s  {size_kb:7.1f} KB", flush=True)
    print(f"rendered {len(specs)} clips in {time.perf_counter() - start:.0f} s")


def check_faces(specs: Sequence[ClipSpec], out_dir: Path) -> None:
    """Print, per clip, the share of frames where MediaPipe face mesh finds a face (video mode),
    among the frames whose truth says the face is visible, and among those where it is not."""
    import json

    import av
    import mediapipe as mp
    import numpy as np

    for spec in specs:
        truth = json.loads((out_dir / f"{spec.name}.truth.json").read_text())
        visible = np.asarray(truth["frames"]["face_visible"])
        found = []
        with (
            mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1) as mesh,
            av.open(str(out_dir / f"{spec.name}.mp4")) as container,
        ):
            for frame in container.decode(video=0):
                image = frame.to_ndarray(format="rgb24")
                if frame.rotation:
                    image = np.ascontiguousarray(np.rot90(image, k=frame.rotation // 90))
                found.append(mesh.process(image).multi_face_landmarks is not None)
        found = np.asarray(found)
        hidden = ""
        if (~visible).any():
            hidden = f"  hidden frames with a face: {found[~visible].mean():.0%} of {(~visible).sum()}"
        print(
            f"{spec.name:28s} face found in {found[visible].mean():6.1%} of {visible.sum()} visible frames{hidden}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.render_samples", description=__doc__.split("\n")[0]
    )
    parser.add_argument("names", nargs="*", help="clips to render (default: all)")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--check", action="store_true", help="run MediaPipe face mesh over the clips afterwards"
    )
    parser.add_argument("--check-only", action="store_true", help="only run the face check on existing clips")
    parser.add_argument("--list", action="store_true", help="list the clips and exit")
    args = parser.parse_args(argv)

    by_name = {spec.name: spec for spec in CLIPS}
    unknown = [n for n in args.names if n not in by_name]
    if unknown:
        parser.error(f"unknown clip(s) {unknown}; choose from {sorted(by_name)}")
    specs = [by_name[n] for n in args.names] if args.names else list(CLIPS)
    if args.list:
        for spec in specs:
            print(f"{spec.name:28s} {spec.duration_s:5.1f} s  {spec.description}")
        return 0
    if not args.check_only:
        render_all(specs, args.out, args.jobs)
    if args.check or args.check_only:
        check_faces(specs, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
