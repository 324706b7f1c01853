"""Plain, frozen values the store hands out: no database objects leave :mod:`posture.store`.

Times are aware UTC datetimes (``recorded_at.astimezone()`` for local time); dates are plain
dates. A :class:`SessionRecord` carries its analysis as the stored JSON dict (the
``posture.analysis/1`` contract), never the video bytes (ask :meth:`Store.get_video` for those).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from posture.store.measurements import BY_KEY, MEASUREMENTS, extract


def utc(naive: datetime | None) -> datetime | None:
    """A naive UTC datetime from the database as an aware one."""
    if naive is None:
        return None
    return naive.replace(tzinfo=timezone.utc) if naive.tzinfo is None else naive.astimezone(timezone.utc)


@dataclass(frozen=True)
class ClientRecord:
    """A client: ``pseudonym`` (a pseudonym or record number, never a name), ``birth_year``
    (or None), ``notes``; ``session_count`` and ``last_session_at`` when listed."""

    id: int
    pseudonym: str
    birth_year: int | None
    notes: str
    created_at: datetime
    session_count: int = 0
    last_session_at: datetime | None = None


@dataclass(frozen=True)
class VideoRecord:
    """A video kept with a session: ``kind`` is ``"raw"`` or ``"deidentified"`` (face blurred)."""

    id: int
    session_id: int
    kind: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class SessionRecord:
    """One stored session.

    ``result``: the analysis as its JSON dict (``result["video"]["path"]`` holds the file name
    only). ``video_sha256``: SHA-256 of the source video file (hex), ``""`` if unknown.
    ``answers``: the screening checklist answers saved with it (a dict), or None.
    """

    id: int
    client_id: int
    recorded_at: datetime
    saved_at: datetime
    protocol: str
    software_version: str
    result_schema: str
    video_name: str
    video_sha256: str
    notes: str
    answers: dict | None
    result: dict
    videos: tuple[VideoRecord, ...] = ()

    @property
    def measurements(self) -> dict[str, float | None]:
        """The followed measurements (:data:`posture.store.measurements.MEASUREMENTS`)."""
        return extract(self.result)


@dataclass(frozen=True)
class EventRecord:
    """A dated event on a client's timeline; ``kind`` is one of :data:`EVENT_KINDS`."""

    id: int
    client_id: int
    occurred_on: date
    kind: str
    text: str


# Injections are drawn apart on trend charts: botulinum toxin peaks 4-6 weeks after an
# injection and wears off over 8-16 weeks (CLINICAL.md).
EVENT_KINDS = ("injection", "treatment", "medication", "other")


@dataclass(frozen=True)
class TrendPoint:
    """One session on a trend: its time and the followed measurements (None = not measured)."""

    session_id: int
    recorded_at: datetime
    values: dict[str, float | None]


@dataclass(frozen=True)
class Trend:
    """A client's sessions in time order with their measurements, and the timeline events."""

    client: ClientRecord
    points: tuple[TrendPoint, ...]
    events: tuple[EventRecord, ...] = ()

    def series(self, key: str) -> tuple[list[datetime], list[float | None]]:
        """Times and values of one measurement (``key`` of :data:`MEASUREMENTS`)."""
        if key not in BY_KEY:
            raise KeyError(f"unknown measurement {key!r}; one of {', '.join(BY_KEY)}")
        return [p.recorded_at for p in self.points], [p.values.get(key) for p in self.points]

    def measured_keys(self) -> list[str]:
        """The measurement keys that have a value in at least one session, in catalogue order."""
        return [m.key for m in MEASUREMENTS if any(p.values.get(m.key) is not None for p in self.points)]

    def rows(self) -> list[dict]:
        """One dict per session: ``session_id``, ``recorded_at`` (ISO, UTC) and every measurement."""
        return [
            {"session_id": p.session_id, "recorded_at": p.recorded_at.isoformat(), **p.values}
            for p in self.points
        ]


@dataclass(frozen=True)
class Change:
    """One measurement compared between two sessions: ``change = after - before`` (in ``unit``);
    ``noise`` the smallest change that counts (see :mod:`posture.store.measurements`);
    ``exceeds_noise`` None when either session lacks the measurement."""

    key: str
    label: str
    unit: str
    before: float | None
    after: float | None
    change: float | None
    noise: float | None
    exceeds_noise: bool | None

    @property
    def short_label(self) -> str:
        """A short name for charts and narrow tables (``"ROM rotation left"``)."""
        m = BY_KEY.get(self.key)
        return (m.short if m and m.short else None) or self.label

    @property
    def verdict(self) -> str:
        if self.exceeds_noise is None:
            return "not measured in both"
        return "exceeds noise" if self.exceeds_noise else "within noise"


@dataclass(frozen=True)
class Comparison:
    """Two sessions side by side; ``changes`` in catalogue order."""

    before: SessionRecord
    after: SessionRecord
    changes: tuple[Change, ...] = field(default_factory=tuple)

    def rows(self) -> list[dict]:
        """A table-ready list: one dict per measurement."""
        return [
            {
                "key": c.key,
                "measurement": c.label,
                "unit": c.unit,
                "before": c.before,
                "after": c.after,
                "change": c.change,
                "noise": c.noise,
                "verdict": c.verdict,
            }
            for c in self.changes
        ]


def compare_values(before: dict[str, float | None], after: dict[str, float | None]) -> tuple[Change, ...]:
    """Per followed measurement (catalogue order), ``after - before`` and whether it exceeds the
    measurement's noise. ``before``/``after``: ``{key: value or None}`` as :func:`extract` gives."""
    changes = []
    for m in MEASUREMENTS:
        x, y = before.get(m.key), after.get(m.key)
        if x is None or y is None:
            changes.append(Change(m.key, m.label, m.unit, x, y, None, None, None))
            continue
        noise = m.threshold(x, y)
        delta = y - x
        changes.append(Change(m.key, m.label, m.unit, x, y, delta, noise, abs(delta) > noise))
    return tuple(changes)


def compare_results(before: SessionRecord, after: SessionRecord) -> Comparison:
    """Two stored sessions side by side: :func:`compare_values` of their measurements."""
    return Comparison(
        before=before, after=after, changes=compare_values(before.measurements, after.measurements)
    )
