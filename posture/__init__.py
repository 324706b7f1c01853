"""posture: objective measurements of the visible signs of cervical dystonia from video.

A screening and tracking aid for therapists, never a diagnosis.

    >>> from posture import analyze
    >>> result = analyze("clip.mp4")
    >>> result.to_dict()["posture"]
"""

from __future__ import annotations

__version__ = "0.1.0"
# Shown on every page, report and printout: posture measures, it never diagnoses.
DISCLAIMER = "Screening and tracking aid, not a diagnosis."

__all__ = ["DISCLAIMER", "__version__", "analyze"]


def analyze(path, config=None, progress=None):
    """Analyse one video file; see :func:`posture.analysis.analyze`."""
    from posture.analysis import analyze as _analyze

    return _analyze(path, config=config, progress=progress)
