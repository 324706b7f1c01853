"""The PDF referral report: one stored session (and optionally the client's trend) to PDF bytes.

>>> from posture.report import build_pdf
>>> pdf_bytes = build_pdf(store.get_session(12), store.get_client("CD-0042"), trend=store.trend("CD-0042"))
"""

from posture.report.pdf import DISCLAIMER, build_pdf

__all__ = ["DISCLAIMER", "build_pdf"]
