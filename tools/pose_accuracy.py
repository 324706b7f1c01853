"""Head-pose accuracy against rendered clips with known truth (``NAME.mp4`` + ``NAME.truth.json``).

Runs the real analysis (:func:`posture.analysis.analyze`, default settings) on every clip in a
folder and compares its per-frame angles with the truth file's::

    .venv/bin/python -m tools.pose_accuracy sample_videos            # every clip
    .venv/bin/python -m tools.pose_accuracy /tmp/sv --only sweep_rotation rom_protocol
    .venv/bin/python -m tools.pose_accuracy /tmp/sv --save /tmp/after.npz  # keep the angles

Printed per clip: the share of frames with angles (``found``, of the frames where the truth says
the face is visible and in frame), per-axis mean absolute error over the frames where all three
true angles are within +-45 deg (``MAE<=45``), per-axis median of (measured - truth) over the
same frames (``med``: the bias a posture median would carry), the standard deviation of the
measured angles on a still clip (``std``, jitter) and the analysis time per frame. Then, over all
clips, the per-axis MAE by band of true |rotation| (0-30, 30-45, 45-60, 60-75 deg) with the
found-ratio in each band, and the same for ``sweep_rotation`` and ``rom_protocol`` alone.
``--load FILE`` re-prints a saved run without analysing again.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AXES = ("rotation", "tilt", "flexion")
BANDS = ((0, 30), (30, 45), (45, 60), (60, 75))
HELD = (
    "hold_extension25", "hold_flexion20", "hold_rotation_left30", "hold_rotation_right20",
    "hold_tilt_left15", "hold_tilt_right25", "combined_a", "combined_b", "still_neutral",
    "portrait_phone", "webcam_24fps_lowlight", "shoulder_left_raised", "two_faces",
)  # fmt: skip


def load_truth(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Truth times (n,), angles (n, 3) and a mask of frames whose face is visible and in frame."""
    frames = json.loads(path.read_text())["frames"]
    t = np.asarray(frames["t_s"], dtype=float)
    angles = np.column_stack([np.asarray(frames[f"{a}_deg"], dtype=float) for a in AXES])
    visible = np.ones(len(t), dtype=bool)
    for key in ("face_visible", "face_in_frame"):
        if key in frames:
            visible &= np.asarray(frames[key], dtype=bool)
    return t, angles, visible


def align(t_meas: np.ndarray, t_true: np.ndarray) -> np.ndarray:
    """Index into the truth of the frame nearest each measured frame's time."""
    idx = np.clip(np.searchsorted(t_true, t_meas), 1, len(t_true) - 1)
    left = t_true[idx - 1]
    right = t_true[idx]
    return np.where(np.abs(t_meas - left) <= np.abs(right - t_meas), idx - 1, idx)


def run(folder: Path, only: list[str] | None) -> dict[str, dict[str, np.ndarray]]:
    from posture.analysis import analyze

    out = {}
    for video in sorted(folder.glob("*.mp4")):
        name = video.stem
        truth_path = video.with_name(f"{name}.truth.json")
        if not truth_path.exists() or (only and name not in only):
            continue
        start = time.perf_counter()
        analysis = analyze(video)
        elapsed = time.perf_counter() - start
        t_true, true_angles, visible = load_truth(truth_path)
        idx = align(analysis.t_s, t_true)
        out[name] = {
            "measured": analysis.angles,
            "truth": true_angles[idx],
            "visible": visible[idx],
            "seconds": np.array(elapsed),
        }
        print(f"analysed {name}: {elapsed:.1f} s", file=sys.stderr, flush=True)
    return out


def _fmt(values, width=6, digits=1) -> str:
    return " ".join(f"{v:{width}.{digits}f}" if np.isfinite(v) else " " * (width - 1) + "-" for v in values)


def band_table(title: str, runs: list[dict[str, np.ndarray]]) -> None:
    if not runs:
        return
    meas = np.vstack([r["measured"] for r in runs])
    truth = np.vstack([r["truth"] for r in runs])
    visible = np.concatenate([r["visible"] for r in runs])
    print(f"\n{title}: MAE by true |rotation| (frames with a face) | found ratio")
    print(f"  {'band':>9} {'n':>5} {'rot':>6} {'tilt':>6} {'flex':>6} {'found':>6}")
    rot = np.abs(truth[:, 0])
    for lo, hi in BANDS:
        sel = (rot >= lo) & (rot < hi) & visible
        if not sel.any():
            continue
        found = np.isfinite(meas[sel]).all(axis=1)
        err = np.abs(meas[sel][found] - truth[sel][found])
        mae = err.mean(axis=0) if found.any() else np.full(3, np.nan)
        print(f"  {lo:>3}-{hi:<5} {int(sel.sum()):>5} {_fmt(mae)} {found.mean():6.2f}")


def report(results: dict[str, dict[str, np.ndarray]]) -> None:
    print(
        f"{'clip':<26} {'found':>5} | {'MAE<=45: rot':>12} {'tilt':>5} {'flex':>5} | "
        f"{'med err: rot':>12} {'tilt':>5} {'flex':>5} | {'std: rot':>8} {'tilt':>5} {'flex':>5} | ms/fr"
    )
    all_err = []
    for name, r in results.items():
        meas, truth, visible = r["measured"], r["truth"], r["visible"]
        found = np.isfinite(meas).all(axis=1)
        ratio = found[visible].mean() if visible.any() else np.nan
        within = found & (np.abs(truth) <= 45).all(axis=1)
        err = meas[within] - truth[within]
        all_err.append(err)
        mae = np.abs(err).mean(axis=0) if within.any() else np.full(3, np.nan)
        med = np.median(err, axis=0) if within.any() else np.full(3, np.nan)
        still = name in ("still_neutral",) or name.startswith("hold_")
        std = np.nanstd(meas[found], axis=0) if still and found.any() else np.full(3, np.nan)
        ms = 1000 * float(r["seconds"]) / len(meas)
        print(
            f"{name:<26} {ratio:5.2f} | {_fmt(mae[:1], 12)} {_fmt(mae[1:], 5)} | "
            f"{_fmt(med[:1], 12)} {_fmt(med[1:], 5)} | {_fmt(std[:1], 8, 2)} {_fmt(std[1:], 5, 2)} | {ms:5.1f}"
        )
    err = np.vstack(all_err)
    print(f"\nall clips, frames within +-45 deg: MAE {_fmt(np.abs(err).mean(axis=0))} (rot tilt flex)")
    held = [n for n in HELD if n in results]
    if held:
        worst = []
        for n in held:
            r = results[n]
            ok = np.isfinite(r["measured"]).all(axis=1)
            worst.append(np.abs(np.median(r["measured"][ok] - r["truth"][ok], axis=0)))
        print(f"held clips: worst |median error| {_fmt(np.max(worst, axis=0))} (rot tilt flex)")
    band_table("all clips", list(results.values()))
    for name in ("sweep_rotation", "rom_protocol"):
        if name in results:
            band_table(name, [results[name]])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=Path("sample_videos"))
    parser.add_argument("--only", nargs="*", help="clip names (without .mp4) to analyse")
    parser.add_argument("--save", type=Path, help="save the per-frame angles to this .npz")
    parser.add_argument("--load", type=Path, help="report a saved .npz instead of analysing")
    args = parser.parse_args(argv)
    if args.load:
        data = np.load(args.load)
        names = sorted({k.split("/")[0] for k in data.files})
        results = {
            n: {k: data[f"{n}/{k}"] for k in ("measured", "truth", "visible", "seconds")} for n in names
        }
    else:
        results = run(args.folder, args.only)
        if args.save:
            np.savez_compressed(
                args.save, **{f"{n}/{k}": v for n, r in results.items() for k, v in r.items()}
            )
    report(results)


if __name__ == "__main__":
    main()
