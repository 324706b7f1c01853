"""Fixtures shared by the dashboard tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def media(monkeypatch) -> dict:
    """Every file a Streamlit page hands to the browser (downloads, video), by URL:
    ``{url: (bytes, file name or None)}``."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    captured: dict[str, tuple[bytes, str | None]] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        data = path_or_data.encode() if isinstance(path_or_data, str) else bytes(path_or_data)
        captured[self.get_url(file_id)] = (data, filename)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return captured
