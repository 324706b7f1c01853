"""Client records over time: clients, their sessions, timeline events, trends and comparisons.

Everything stays on the clinic's machine: SQLite by default (a file in the per-user data folder,
created on first use), PostgreSQL when given a URL. See :mod:`posture.store.engine` for how the
database is chosen and kept consistent through crashes and concurrent saves, and
:mod:`posture.store.measurements` for the measurements followed and their noise figures.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Names are imported on first use, so that `posture --help` and the parsers do not pay for
# SQLAlchemy and Alembic (about half a second) unless a command touches the database.
_EXPORTS = {
    "ENV_URL": "engine",
    "default_data_dir": "engine",
    "resolve_url": "engine",
    "ClientNotFound": "errors",
    "DatabaseTooNew": "errors",
    "DuplicateClient": "errors",
    "SessionNotFound": "errors",
    "StoreError": "errors",
    "MEASUREMENTS": "measurements",
    "Measurement": "measurements",
    "extract": "measurements",
    "EVENT_KINDS": "records",
    "Change": "records",
    "ClientRecord": "records",
    "Comparison": "records",
    "EventRecord": "records",
    "SessionRecord": "records",
    "Trend": "records",
    "TrendPoint": "records",
    "VideoRecord": "records",
    "DeletionSummary": "store",
    "Store": "store",
    "open_store": "store",
    "sha256_file": "store",
}
__all__ = [
    "Change",
    "ClientNotFound",
    "ClientRecord",
    "Comparison",
    "DatabaseTooNew",
    "DeletionSummary",
    "DuplicateClient",
    "ENV_URL",
    "EVENT_KINDS",
    "EventRecord",
    "MEASUREMENTS",
    "Measurement",
    "SessionNotFound",
    "SessionRecord",
    "Store",
    "StoreError",
    "Trend",
    "TrendPoint",
    "VideoRecord",
    "default_data_dir",
    "extract",
    "open_store",
    "resolve_url",
    "sha256_file",
]

if TYPE_CHECKING:
    from posture.store.engine import ENV_URL, default_data_dir, resolve_url
    from posture.store.errors import (
        ClientNotFound,
        DatabaseTooNew,
        DuplicateClient,
        SessionNotFound,
        StoreError,
    )
    from posture.store.measurements import MEASUREMENTS, Measurement, extract
    from posture.store.records import (
        EVENT_KINDS,
        Change,
        ClientRecord,
        Comparison,
        EventRecord,
        SessionRecord,
        Trend,
        TrendPoint,
        VideoRecord,
    )
    from posture.store.store import DeletionSummary, Store, open_store, sha256_file


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'posture.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"posture.store.{module}"), name)
    globals()[name] = value
    return value
