"""The `posture` command on bad input: one clear line on stderr, a non-zero exit, no traceback."""

import subprocess
import sys

import pytest

from tests.videos import write_video


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "posture.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def assert_one_line_error(proc, pattern):
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("posture: error: ")
    assert "Traceback" not in proc.stderr
    assert pattern in lines[0]


def test_missing_file(tmp_path):
    assert_one_line_error(run_cli("analyze", tmp_path / "absent.mp4"), "no such file")


def test_not_a_video(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x01 not a video " * 100)
    assert_one_line_error(run_cli("analyze", path), "cannot be read as a video")


def test_truncated(tmp_path):
    path = write_video(tmp_path / "t.mp4", n_frames=150, faststart=True)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert_one_line_error(run_cli("analyze", path), "truncated")


@pytest.mark.parametrize(("seconds", "message"), [(1.0, "at least 2 s"), (3.0, "no face was found")])
def test_no_face_or_too_short(tmp_path, seconds, message):
    path = write_video(tmp_path / "empty.mp4", n_frames=int(30 * seconds))
    assert_one_line_error(run_cli("analyze", path, "--json", tmp_path / "out.json"), message)
    assert not (tmp_path / "out.json").exists()


def test_usage_error_exit_code():
    proc = run_cli("analyze")
    assert proc.returncode == 2
