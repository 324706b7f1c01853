"""Known-bad combinations of the dashboard's web packages, detected so the page can say so.

Streamlit 1.60 wraps Starlette's GZip middleware in a way that Starlette 1.8 changed: from then on,
every audio or video response of Streamlit's media endpoint fails (HTTP 500, "Expected ASGI message
'http.response.start'"), so ``st.video`` shows a black, unplayable box. Later Streamlit releases
rewrote the middleware; for 1.60 the fix is ``starlette<1.8``.
"""

from __future__ import annotations

from importlib import metadata


def _version(package: str) -> tuple[int, ...] | None:
    try:
        text = metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def media_serving_problem(
    streamlit_version: tuple[int, ...] | None = None, starlette_version: tuple[int, ...] | None = None
) -> str | None:
    """A sentence for the page when the installed packages cannot serve video, else None."""
    streamlit_version = streamlit_version or _version("streamlit")
    starlette_version = starlette_version or _version("starlette")
    if not streamlit_version or not starlette_version:
        return None
    if streamlit_version[:2] == (1, 60) and starlette_version[:2] >= (1, 8):
        return (
            "The annotated clip cannot play with the installed web packages (Streamlit 1.60 with "
            "Starlette 1.8 or later). Reinstall with scripts/setup-venv.sh, which installs a "
            "compatible Starlette."
        )
    return None
