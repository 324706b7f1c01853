"""Speed and memory of the analysis, as ratios against baselines measured in the same run.

    .venv/bin/python benchmarks/bench_pipeline.py [--seconds 30] [--repeats 3] [--source sample_videos/still_neutral.mp4]

Builds a 1280x720 30 fps clip of the requested length from a bundled sample clip (scaled up and
looped), then reports:

- decode-only time (PyAV decode + RGB conversion of every frame: the floor any analysis pays);
- mesh-only time (decoding ahead on a thread + MediaPipe's face mesh on every frame, nothing else):
  the floor set by the landmark model; the analysis' overhead beyond it is the ratio of the two;
- full analysis time, as a multiple of real time (clip duration / analysis time; target >= 3) and as
  a multiple of the decode-only time (target <= 4);
- peak memory (max RSS of a fresh process) analysing a clip of a third of the length and of the
  full length: the ratio shows whether memory grows with clip length (target ~1).

The three timings are taken ``--repeats`` times, interleaved (decode, mesh, analysis, decode, ...),
and each figure is the median of its runs: on a shared 2-core machine a single decode-only run
varies by up to 1.8x from one run to the next, and the ratios with it. The spread is printed too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_clip(source: Path, out: Path, seconds: float, size=(1280, 720), fps: int = 30) -> None:
    """Scale ``source`` to ``size`` and loop it (ping-pong, so motion stays smooth) for ``seconds``."""
    from posture.pipeline.frames import read_frames

    _, frames = read_frames(source)
    images = [f.image for f in frames]
    images = images + images[::-1]
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast"}
        for i in range(int(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(images[i % len(images)], format="rgb24")
            frame = frame.reformat(width=size[0], height=size[1])
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def decode_only(path: Path) -> tuple[float, int]:
    from posture.pipeline.frames import read_frames

    start = time.perf_counter()
    _, frames = read_frames(path)
    n = sum(1 for _ in frames)
    return time.perf_counter() - start, n


def mesh_only(path: Path) -> float:
    from posture.pipeline.frames import prefetch, read_frames
    from posture.pipeline.landmarks import FaceTracker, quiet_stderr

    start = time.perf_counter()
    _, frames = read_frames(path)
    with quiet_stderr(), FaceTracker(detect_every=0) as tracker:
        for frame in prefetch(frames):
            tracker.process(frame.image)
    return time.perf_counter() - start


def analyse(path: Path) -> float:
    from posture.analysis import analyze

    start = time.perf_counter()
    analyze(path)
    return time.perf_counter() - start


# The child's own high-water mark: /proc/self/status VmHWM belongs to the new program, whereas Linux
# carries ru_maxrss over fork and exec, so a child of this (by then large) process would report the
# parent's size at the fork (the figures then read 700-880 MB for short and long clips alike).
_PEAK_CODE = """
import resource, sys
from posture.analysis import analyze
analyze(sys.argv[1])
try:
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print(int(line.split()[1]) / 1024)
except (OSError, StopIteration):
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def peak_rss_mb(path: Path) -> float:
    """Max resident memory (MB) of a fresh Python process that analyses ``path``."""
    out = subprocess.run(
        [sys.executable, "-c", _PEAK_CODE, str(path)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--source", type=Path, default=ROOT / "sample_videos" / "still_neutral.mp4")
    parser.add_argument("--repeats", type=int, default=3, help="timing runs of each kind (median)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        long_clip = Path(tmp) / "long.mp4"
        short_clip = Path(tmp) / "short.mp4"
        make_clip(args.source, long_clip, args.seconds)
        make_clip(args.source, short_clip, args.seconds / 3)

        runs: dict[str, list[float]] = {"decode": [], "mesh": [], "analysis": []}
        for _ in range(max(1, args.repeats)):
            decode_s, n_frames = decode_only(long_clip)
            runs["decode"].append(decode_s)
            runs["mesh"].append(mesh_only(long_clip))
            runs["analysis"].append(analyse(long_clip))
        decode_s, mesh_s, analysis_s = (statistics.median(runs[k]) for k in ("decode", "mesh", "analysis"))
        rss_short = peak_rss_mb(short_clip)
        rss_long = peak_rss_mb(long_clip)

    figures = {
        "clip": {"seconds": args.seconds, "frames": n_frames, "size": "1280x720", "fps": 30},
        "repeats": len(runs["decode"]),
        "runs_s": {k: [round(v, 2) for v in vs] for k, vs in runs.items()},
        "decode_only_s": round(decode_s, 2),
        "mesh_only_s": round(mesh_s, 2),
        "analysis_s": round(analysis_s, 2),
        "analysis_ms_per_frame": round(1000 * analysis_s / n_frames, 2),
        "realtime_factor": round(args.seconds / analysis_s, 2),
        "analysis_over_decode": round(analysis_s / decode_s, 2),
        "analysis_over_mesh_only": round(analysis_s / mesh_s, 2),
        "peak_rss_mb": {"third_length": round(rss_short, 1), "full_length": round(rss_long, 1)},
        "peak_rss_growth": round(rss_long / rss_short, 3),
    }
    print(json.dumps(figures, indent=1))
    print(
        f"analysis runs {figures['realtime_factor']}x faster than real time (target >= 3), "
        f"{figures['analysis_over_decode']}x decode-only time (target <= 4), "
        f"{figures['analysis_over_mesh_only']}x mesh-only time; peak memory "
        f"{rss_long:.0f} MB for {args.seconds:.0f} s vs {rss_short:.0f} MB for {args.seconds / 3:.0f} s "
        f"(x{figures['peak_rss_growth']})"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
