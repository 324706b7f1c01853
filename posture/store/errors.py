"""Errors of the client records, each with a sentence the therapist can act on."""

from __future__ import annotations

from posture.errors import PostureError


class StoreError(PostureError):
    """The records database cannot be opened or used as asked."""


class ClientNotFound(StoreError):
    """No client has that id or pseudonym."""


class SessionNotFound(StoreError):
    """No session has that id."""


class DuplicateClient(StoreError):
    """A client with that pseudonym already exists."""


class DatabaseTooNew(StoreError):
    """The database was written by a newer version of posture than the one running."""
