"""Error types with a sentence a therapist can act on.

The CLI and the dashboard catch :class:`PostureError` and show its message on one line; any other
exception is a bug.
"""

from __future__ import annotations


class PostureError(Exception):
    """Base class: something about the input or the request prevents a trustworthy result."""


class VideoNotFound(PostureError):
    """The path does not exist or is not a file."""


class UnreadableVideo(PostureError):
    """The file is not a video we can decode."""


class TruncatedVideo(PostureError):
    """The video ends before the duration its container announces, or decoding fails midway."""


class ClipTooShort(PostureError):
    """The clip (or its tracked part) is too short to measure anything."""


class NoFaceFound(PostureError):
    """No face was found in any frame (or in too few frames to measure)."""


class InvalidInput(PostureError):
    """A parameter passed to the library is out of range or of the wrong shape."""
