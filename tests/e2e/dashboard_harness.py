"""Start the dashboard as a real server and drive it in headless Chromium (Playwright).

Used by the browser tests; also handy by hand::

    .venv/bin/python tests/e2e/dashboard_harness.py sample_videos/jerks.mp4   # screenshot in test-artifacts/

Chromium is Debian's package (``/usr/bin/chromium``), never a Playwright download.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("POSTURE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--mute-audio",
]


def missing_requirements() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return f"Chromium is not installed ({CHROMIUM}); install Debian's 'chromium' package"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the 'playwright' Python package is not installed in the venv"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def dashboard_server(script: Path = ROOT / "app.py", timeout_s: float = 60.0) -> Iterator[str]:
    """Run ``streamlit run script`` on a free localhost port; yield its URL; stop it afterwards."""
    port = free_port()
    log_path = ARTIFACTS / "streamlit-server.log"
    ARTIFACTS.mkdir(exist_ok=True)
    log = log_path.open("w")
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    # Never the user's own records: a throwaway database unless the test chose one.
    env = dict(os.environ)
    env.setdefault("POSTURE_DB_URL", str(ARTIFACTS / f"e2e-records-{port}.db"))
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the dashboard exited early; see {log_path}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not start within {timeout_s:.0f} s; see {log_path}")
            time.sleep(0.3)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@contextlib.contextmanager
def browser_page(width: int = 1440, height: int = 1000):
    """A fresh headless Chromium page; yields (page, list of every URL it requested)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            yield page, requests
        finally:
            browser.close()


def upload(page, clip: Path) -> None:
    """Choose "Upload a clip" and hand the file to the sidebar's uploader."""
    page.locator('input[type="file"]').first.set_input_files(str(clip))


def wait_for_results(page, timeout_s: float = 300.0) -> None:
    """Until the results (or an error) are on the page and Streamlit has stopped running."""
    page.wait_for_selector(
        'h3:has-text("Results:"), [data-testid="stAlertContentError"]', timeout=timeout_s * 1000
    )
    wait_idle(page, timeout_s)


def wait_idle(page, timeout_s: float = 60.0) -> None:
    """Until Streamlit's "running" indicator has gone for a moment (the page is complete)."""
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.0:
            return
        page.wait_for_timeout(200)
    raise TimeoutError("the page kept running")


def metric_values(page) -> dict[str, str]:
    """{metric label: shown value} of every st.metric on the page."""
    out = {}
    for metric in page.locator('[data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        value = metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
        out[label] = value
    return out


def degrees(text: str) -> float:
    """Signed degrees from a card value: "25.3° left" -> +25.3, "12.0° right" -> -12.0,
    "15.0° chin down" -> +15.0, "20.0° chin up" -> -20.0 (the clinical signs)."""
    match = re.match(r"\s*([0-9.]+)°\s*(.*)", text)
    if not match:
        raise ValueError(f"not a degree value: {text!r}")
    value = float(match.group(1))
    words = match.group(2)
    return -value if ("right" in words or "up" in words) else value


def full_page_screenshot(page, path: Path) -> Path:
    """Screenshot of the whole page: Streamlit scrolls inside its main block, so the viewport is
    stretched to the content's height first."""
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return Math.max(m ? m.scrollHeight : 0, document.body.scrollHeight); }"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 12000)})
    page.wait_for_timeout(800)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


if __name__ == "__main__":  # a screenshot of the page for one clip
    clip = Path(sys.argv[1]).resolve()
    script = Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else ROOT / "app.py"
    with dashboard_server(script) as url, browser_page() as (page, _requests):
        page.goto(url)
        page.wait_for_selector('input[type="file"]', state="attached", timeout=60_000)
        upload(page, clip)
        wait_for_results(page)
        print(metric_values(page))
        print(full_page_screenshot(page, ARTIFACTS / f"manual-{clip.stem}.png"))
