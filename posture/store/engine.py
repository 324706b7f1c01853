"""Where the records live, how a connection is set up, and bringing an old database up to date.

The database is chosen, in order, by the ``url`` passed to :func:`posture.store.open_store`, the
``POSTURE_DB_URL`` environment variable, or a SQLite file in the per-user data folder
(``~/.local/share/posture/posture.db`` on Linux, the platform's equivalent elsewhere), created on
first use with no set-up. A plain file path is taken as a SQLite file; ``postgresql://...`` uses
psycopg 3.

SQLite is set up for a clinic laptop where a crash or two dashboard tabs must not lose a record:

- ``journal_mode=WAL``: readers never block the writer and a crash mid-write leaves the last
  committed state (the write-ahead log is replayed or discarded on the next open);
- ``synchronous=FULL``: a commit is on disk when it returns, power cut included;
- ``busy_timeout``: a writer waits for another writer (another tab, another process) instead of
  failing at once;
- every write transaction starts with ``BEGIN IMMEDIATE``, taking the write lock up front, so two
  writers queue on the busy timeout rather than one of them failing when it upgrades a read lock;
- ``foreign_keys=ON`` (deleting a client cascades in the database) and ``secure_delete=ON``
  (deleted rows are overwritten with zeros, not just unlinked).

Migrations are Alembic revisions in ``posture/store/migrations/versions``, applied when the store
is opened, inside one transaction that holds the write lock (SQLite) or an advisory lock
(PostgreSQL), so an older database is upgraded exactly once even when two processes open it
together, and a crash mid-upgrade leaves it at its old revision.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool

from posture.store.errors import DatabaseTooNew, StoreError

ENV_URL = "POSTURE_DB_URL"
DB_FILENAME = "posture.db"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# How long a writer waits for another writer before giving up (a save holding a large video
# blob can take a few seconds on a slow disk).
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Key of the PostgreSQL advisory lock held while migrating (any constant unique to posture).
PG_MIGRATION_LOCK = 0x706F7374  # "post"
# Execution option that marks a connection as a writer (BEGIN IMMEDIATE on SQLite).
WRITE = {"posture_write": True}


def default_data_dir() -> Path:
    """The per-user folder for posture's records (created, private to the user)."""
    from platformdirs import user_data_dir

    path = Path(user_data_dir("posture", appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def resolve_url(url: str | os.PathLike | None) -> str:
    """The database URL to use: ``url``, else ``$POSTURE_DB_URL``, else the default SQLite file.

    A value without ``://`` is a SQLite file path; ``postgresql://`` gets the psycopg 3 driver.
    """
    if url is None:
        url = os.environ.get(ENV_URL) or None
    if url is None:
        return f"sqlite:///{default_data_dir() / DB_FILENAME}"
    url = os.fspath(url)
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _prepare_sqlite_file(database: str | None) -> None:
    """Create the SQLite file's folder, and the file itself readable by its owner only
    (SQLite gives the -wal and -shm files the same permissions)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def create_engine_for(url: str) -> Engine:
    """A SQLAlchemy engine for ``url`` (already resolved), with the SQLite settings above."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    database = parsed.database
    if not database or database == ":memory:":
        engine = sa.create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        _prepare_sqlite_file(database)
        engine = sa.create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN: pysqlite's own implicit BEGIN is
        # deferred, comes too late for DDL and cannot be made IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        writer = connection.get_execution_options().get("posture_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


def alembic_config() -> Config:
    """Alembic's configuration, built in code: no ini file is needed at run time."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str:
    """The revision the running code expects."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The database's revision (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine, target: str = "head") -> str:
    """Bring the database to ``target`` (default: the latest revision); returns the revision.

    Raises :class:`DatabaseTooNew` for a database written by a newer posture, and
    :class:`StoreError` if the database cannot be read or changed.
    """
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    wanted = script.get_current_head() if target == "head" else target
    try:
        current = current_revision(engine)
        if current == wanted:
            return current
        if current is not None:
            try:
                script.get_revision(current)
            except CommandError:
                raise DatabaseTooNew(
                    f"this records database is at revision {current}, newer than this version of "
                    "posture knows: update posture to open it"
                ) from None
        with engine.execution_options(**WRITE).begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, target)
    except sa.exc.OperationalError as exc:
        raise StoreError(f"the records database cannot be opened ({_first_line(exc)})") from None
    except sa.exc.DatabaseError as exc:
        raise StoreError(
            f"the records database could not be brought up to date ({_first_line(exc)}); nothing was changed"
        ) from None
    return current_revision(engine)


def _first_line(exc: Exception) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__
