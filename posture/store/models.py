"""Database tables of the client records (SQLAlchemy 2.x declarative models).

The schema is changed only through a new Alembic revision in ``posture/store/migrations/versions``;
these models describe the latest revision and must match it (a test checks they do).

Times are stored as naive UTC (``DateTime`` without time zone, the same on SQLite and
PostgreSQL); :mod:`posture.store.records` hands them out as aware UTC datetimes.
Deleting a client deletes its sessions, events and stored videos in the database itself
(``ON DELETE CASCADE``; SQLite enforces it because every connection turns ``foreign_keys`` on).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints, so that migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON text on SQLite, binary JSON on PostgreSQL.
JsonDoc = JSON().with_variant(JSONB(), "postgresql")

VIDEO_KINDS = ("raw", "deidentified")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ClientRow(Base):
    """A client, known by a pseudonym or record number, never by name."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(120), unique=True)
    birth_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SessionRow(Base):
    """One recorded session: the analysis result as its JSON contract, and how it was made."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    saved_at: Mapped[datetime] = mapped_column(DateTime)
    protocol: Mapped[str] = mapped_column(String(200), default="")
    software_version: Mapped[str] = mapped_column(String(40))
    result_schema: Mapped[str] = mapped_column(String(60))
    # File name only (folders can name the client); the hash identifies the exact file.
    video_name: Mapped[str] = mapped_column(String(255), default="")
    video_sha256: Mapped[str] = mapped_column(String(64), default="")
    result: Mapped[dict] = mapped_column(JsonDoc)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Added in revision 0002: the screening checklist answers given with this session.
    answers: Mapped[dict | None] = mapped_column(JsonDoc, nullable=True)


class EventRow(Base):
    """Something on a client's timeline: a botulinum toxin injection, a change of treatment, ..."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(40), default="other")
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class VideoRow(Base):
    """A video kept with a session, only when the therapist asked: the raw clip or a
    de-identified (face-blurred) copy. Stored in the database itself, so it is saved in the same
    transaction as its session and deleted with it."""

    __tablename__ = "videos"
    __table_args__ = (UniqueConstraint("session_id", "kind", name="uq_videos_session_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(60), default="video/mp4")
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
