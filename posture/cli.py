"""The ``posture`` command: parses arguments, calls the library, prints. No measurement happens here.

Exit codes: 0 done; 1 the input cannot be analysed (one line on stderr says why); 2 wrong usage;
3 the result was written but the face was lost in part of the clip (the warning says how much).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from posture import DISCLAIMER, __version__
from posture.cli_records import KEEP_VIDEO_CHOICES, add_parsers
from posture.errors import InvalidInput, PostureError
from posture.record import add_record_parser

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


def _progress_bar(enabled: bool, desc: str = "analysing"):
    """A tqdm progress callback (frames done / expected, time left) on stderr, or None, and a close
    function. The bar appears at the first update."""
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    # The analysis points fd 2 at /dev/null while MediaPipe runs: draw on a copy of the terminal's
    # fd, taken now.
    stream = os.fdopen(os.dup(sys.stderr.fileno()), "w")
    bars: list = []

    def update(done: int, expected: int, _elapsed: float) -> None:
        if not bars:
            bars.append(tqdm(total=0, unit="frame", desc=desc, leave=False, file=stream, dynamic_ncols=True))
        bar = bars[0]
        if expected and bar.total != max(expected, done):
            bar.total = max(expected, done)
        bar.update(done - bar.n)

    def close() -> None:
        for bar in bars:
            bar.close()
        stream.close()

    return update, close


def cmd_analyze(args: argparse.Namespace) -> int:
    from posture.analysis import analyze

    if args.save and args.client is None:
        raise InvalidInput("--save needs --client ID (see `posture clients`)")
    if args.save:
        from posture.store import open_store

        with open_store(args.db) as store:
            store.get_client(args.client)  # fail before the slow part if the client does not exist
    show = not args.quiet and sys.stderr.isatty()
    update, close = _progress_bar(show)
    refine_update, refine_close = _progress_bar(show, "tremor found: re-reading for its amplitude")
    try:
        result = analyze(args.video, progress=update, refine_progress=refine_update)
    finally:
        close()
        refine_close()
    if args.json:
        result.write_json(args.json)
    if args.csv:
        result.write_csv(args.csv)
    if args.save:
        from posture.cli_records import save_analysis

        record = save_analysis(
            result,
            args.client,
            args.video,
            keep_video=args.keep_video,
            protocol=args.protocol,
            db_url=args.db,
        )
        if not args.quiet:
            print(f"saved as session {record.id} of client {args.client}")
    if not args.quiet:
        from posture.summary import summary_lines

        print("\n".join(summary_lines(result)))
        for path in (args.json, args.csv):
            if path:
                print(f"wrote {path}")
    for warning in result.warnings:
        print(f"posture: warning: {warning}", file=sys.stderr)
    lost = 1.0 - result.quality.face_found_ratio
    from posture.analysis import WARN_FACE_LOST_RATIO

    return EXIT_PARTIAL if lost > WARN_FACE_LOST_RATIO else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posture",
        description=f"Measure the visible signs of cervical dystonia in a video. {DISCLAIMER}",
    )
    parser.add_argument("--version", action="version", version=f"posture {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("analyze", help="analyse a video and print / write the measurements")
    p.add_argument("video", type=Path, help="video file (mp4, mov, webm, avi, ...)")
    p.add_argument("--json", type=Path, metavar="OUT.json", help="write the full result as JSON")
    p.add_argument("--csv", type=Path, metavar="OUT.csv", help="write the per-frame angles as CSV")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors and warnings")
    p.add_argument("--client", metavar="ID", help="the client (id or pseudonym) the session belongs to")
    p.add_argument("--save", action="store_true", help="save the result as a new session of --client")
    p.add_argument(
        "--keep-video",
        choices=KEEP_VIDEO_CHOICES,
        default="none",
        help="with --save: keep no video (default), the raw clip, or a copy with the face blurred",
    )
    p.add_argument("--protocol", default="", help="with --save: the recording protocol, e.g. standard")
    p.add_argument("--db", metavar="URL", help="database URL or SQLite path (default: the per-user database)")
    p.set_defaults(func=cmd_analyze)
    add_parsers(sub)
    add_record_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except PostureError as exc:
        print(f"posture: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("posture: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"posture: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
