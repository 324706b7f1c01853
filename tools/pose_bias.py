"""Where the per-clip head-angle offsets come from: three measurements behind issue 2's open target.

The posture median of a held clip should be within 1.5 deg of the truth; on the bundled clips the
worst is about 3 deg per axis, while the error pooled over all clips is about 1 deg. This tool
measures why, two ways::

    .venv/bin/python -m tools.pose_accuracy sample_videos --save /tmp/acc.npz
    .venv/bin/python -m tools.pose_bias bound /tmp/acc.npz
    .venv/bin/python -m tools.pose_bias factors            # renders 18 one-second clips, ~2 min
    .venv/bin/python -m tools.pose_bias mirror             # held clips read as they are and mirrored

``bound``: the best any *global* correction of the angles could do. It fits, on the clips themselves
(in-sample, which flatters it), a linear map from the true angles to the error (a gain and a
cross-talk per axis pair, plus an offset), over every frame whose true angles are all within
+-30 deg, subtracts it, and prints each held clip's median error before and after. Whatever is
left differs from clip to clip, so no correction that is the same for every clip removes it.

``factors``: the same face, pose and light rendered again with one thing changed at a time (the
camera moved sideways, the key light on the other side or in front, the face's proportions), each
at rotation -15, 0 and +15 deg, read by the face mesh and the pose fit only. The change of the
median error between variants is the part of the offset that the rendering conditions cause.

``mirror``: every held clip read twice, as it is and mirrored left-right (landmarks mapped back with
:func:`posture.pipeline.refine.unmirror`), and the two readings averaged. A pose reader that did not
depend on the picture's handedness would give the same median both ways.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.pose_accuracy import HELD  # noqa: E402

BOUND_LIMIT_DEG = 30.0  # frames whose true angles all lie within this enter the fit
FACTOR_ROTATIONS = (-15.0, 0.0, 15.0)
FACTOR_SEED = 126  # the look of shoulder_right_raised / tremor_rotation_6hz_small (both -2 deg off)


def linear_error_model(truth: np.ndarray, error: np.ndarray) -> np.ndarray:
    """Least-squares (4, 3) map ``[truth, 1] @ G ~= error`` (rows: true rotation, tilt, flexion, 1)."""
    design = np.column_stack([truth, np.ones(len(truth))])
    return np.linalg.lstsq(design, error, rcond=None)[0]


def bound(npz: Path) -> None:
    data = np.load(npz)
    names = sorted({k.split("/")[0] for k in data.files})
    frames = {}
    for n in names:
        meas, truth = data[f"{n}/measured"], data[f"{n}/truth"]
        ok = np.isfinite(meas).all(axis=1) & data[f"{n}/visible"]
        ok &= (np.abs(truth) <= BOUND_LIMIT_DEG).all(axis=1)
        if ok.sum() >= 10:
            frames[n] = (truth[ok], meas[ok] - truth[ok])
    gain = linear_error_model(
        np.vstack([t for t, _ in frames.values()]), np.vstack([e for _, e in frames.values()])
    )
    print("error = [true rotation, tilt, flexion, 1] @ G, fitted on all clips (in-sample):")
    for label, row in zip(("rotation", "tilt", "flexion", "offset"), gain, strict=True):
        print(f"  {label:>8}: {' '.join(f'{v:+7.3f}' for v in row)}   (-> rot tilt flex error)")
    print(f"\n{'held clip':<24} {'median error before':>24} {'after the best global fit':>28}")
    worst = np.zeros((2, 3))
    for n in [h for h in HELD if h in frames]:
        truth, err = frames[n]
        before = np.median(err, axis=0)
        after = np.median(err - np.column_stack([truth, np.ones(len(truth))]) @ gain, axis=0)
        worst = np.maximum(worst, np.abs([before, after]))
        print(f"{n:<24} {_row(before):>24} {_row(after):>28}")
    print(f"{'worst |median|':<24} {_row(worst[0]):>24} {_row(worst[1]):>28}")


def _row(values: np.ndarray) -> str:
    return " ".join(f"{v:+6.1f}" for v in values)


def factors(out_dir: Path) -> None:
    from tools.render import ClipSpec, render_clip
    from tools.render_samples import hold, look

    base = look(FACTOR_SEED, "light", "gradient")
    x_cm, y_cm = base.framing.offset_cm
    variants = {
        "as rendered": base,
        "camera x 0 cm": replace(base, framing=replace(base.framing, offset_cm=(0.0, y_cm))),
        "camera x mirrored": replace(base, framing=replace(base.framing, offset_cm=(-x_cm, y_cm))),
        "light in front": replace(base, light=replace(base.light, azimuth_deg=0.0)),
        "light mirrored": replace(base, light=replace(base.light, azimuth_deg=-base.light.azimuth_deg)),
        "face scale 1": replace(base, face_scale=(1.0, 1.0, 1.0)),
    }
    print(
        f"look {FACTOR_SEED}: camera x {x_cm:+.1f} cm, key light azimuth {base.light.azimuth_deg:+.1f} deg, "
        f"face scale {base.face_scale}\nmedian error (rot tilt flex, deg) at true rotation "
        + ", ".join(f"{r:+.0f}" for r in FACTOR_ROTATIONS)
    )
    for label, variant in variants.items():
        cells = []
        for rotation in FACTOR_ROTATIONS:
            name = f"{label.replace(' ', '_')}_{rotation:+.0f}"
            render_clip(
                ClipSpec(name, label, 1.0, hold(rotation=rotation), variant, seed=FACTOR_SEED), out_dir
            )
            cells.append(_row(_median_error(out_dir / f"{name}.mp4")))
        print(f"  {label:<18} " + " | ".join(cells), flush=True)


def _clip_landmarks(video: Path, flip: bool = False) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Frame times (n,) s, face-mesh landmarks (n, 468, 3) px (NaN without a face), width and height
    of ``video``; with ``flip``, read on the mirrored frames and mapped back to the original ones."""
    from posture.pipeline.frames import read_frames
    from posture.pipeline.landmarks import FaceTracker, quiet_stderr
    from posture.pipeline.refine import face_mirror_map, unmirror

    _, frames = read_frames(video)
    times, points = [], []
    width = height = 0
    with quiet_stderr(), FaceTracker() as tracker:
        for frame in frames:
            height, width = frame.image.shape[:2]
            face = tracker.process(np.ascontiguousarray(frame.image[:, ::-1]) if flip else frame.image)
            if face is None:
                points.append(np.full((468, 3), np.nan))
            else:
                points.append(unmirror(face.points, width, face_mirror_map()) if flip else face.points)
            times.append(frame.t_s)
    return np.asarray(times), np.asarray(points), width, height


def _errors(video: Path, points: np.ndarray, t_s: np.ndarray, width: int, height: int) -> np.ndarray:
    """(n, 3) pose-fit angles (no turn tracking) minus the truth at the frames ``t_s``."""
    from posture.pipeline.headpose import head_angles
    from tools.pose_accuracy import align, load_truth

    t_true, true_angles, _ = load_truth(video.with_name(f"{video.stem}.truth.json"))
    measured = np.array([head_angles(p, width, height) for p in points]).reshape(-1, 3)
    return measured - true_angles[align(t_s, t_true)]


def _median_error(video: Path) -> np.ndarray:
    """Median (measured - truth) of the face mesh + pose fit over a short clip (no turn tracking)."""
    t_s, points, width, height = _clip_landmarks(video)
    found = np.isfinite(points).all(axis=(1, 2))
    return np.median(_errors(video, points[found], t_s[found], width, height), axis=0)


def mirror(folder: Path) -> None:
    print(f"{'held clip':<24} {'median error: direct':>22} {'mirrored':>22} {'mean of both':>22}")
    worst = np.zeros((4, 3))
    for name in HELD:
        video = folder / f"{name}.mp4"
        if not video.exists():
            continue
        t_s, direct, width, height = _clip_landmarks(video)
        _, back, _, _ = _clip_landmarks(video, flip=True)
        both = np.isfinite(direct).all(axis=(1, 2)) & np.isfinite(back).all(axis=(1, 2))
        views = (direct[both], back[both], (direct[both] + back[both]) / 2)
        medians = [np.median(_errors(video, v, t_s[both], width, height), axis=0) for v in views]
        worst = np.maximum(worst, np.abs([*medians, medians[0] - medians[1]]))
        print(f"{name:<24} " + " ".join(f"{_row(m):>22}" for m in medians), flush=True)
    print(f"{'worst |median|':<24} " + " ".join(f"{_row(w):>22}" for w in worst[:3]))
    print(f"{'worst |direct - mirrored|':<24} {_row(worst[3]):>22}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="job", required=True)
    b = sub.add_parser("bound", help="held-clip medians after the best global linear correction")
    b.add_argument("npz", type=Path, help="per-frame angles saved by tools.pose_accuracy --save")
    f = sub.add_parser("factors", help="render one look with one condition changed at a time")
    f.add_argument("--out", type=Path, help="folder for the rendered clips (default: a temporary one)")
    m = sub.add_parser("mirror", help="held clips read as they are and mirrored")
    m.add_argument("folder", type=Path, nargs="?", default=Path("sample_videos"))
    args = parser.parse_args(argv)
    if args.job == "bound":
        bound(args.npz)
    elif args.job == "mirror":
        mirror(args.folder)
    elif args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        factors(args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            factors(Path(tmp))


if __name__ == "__main__":
    main()
