"""Client records over time: clients, their sessions, timeline events, trends and comparisons.

Everything stays on the clinic's machine: SQLite by default (a file in the per-user data folder,
created on first use), PostgreSQL when given a URL. See :mod:`posture.store.engine` for how the
database is chosen and kept consistent through crashes and concurrent saves, and
:mod:`posture.store.measurements` for the measurements followed and their noise figures.
"""

from posture.store.engine import ENV_URL, default_data_dir, resolve_url
from posture.store.errors import ClientNotFound, DatabaseTooNew, DuplicateClient, SessionNotFound, StoreError
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

__all__ = [
    "ENV_URL",
    "EVENT_KINDS",
    "MEASUREMENTS",
    "Change",
    "ClientNotFound",
    "ClientRecord",
    "Comparison",
    "DatabaseTooNew",
    "DeletionSummary",
    "DuplicateClient",
    "EventRecord",
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
