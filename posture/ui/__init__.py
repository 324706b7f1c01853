"""Helpers for the dashboard that do not import Streamlit: metric cards as text, Plotly figures.

Everything here reads the result dictionary (``Analysis.to_dict()``, schema ``posture.analysis/1``)
and formats it; nothing here measures. A missing section or key is shown as "not available" with
the reason the section gives, never as zero.
"""
