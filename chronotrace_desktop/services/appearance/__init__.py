"""Appearance: one vector per tracked person or vehicle, and "find this person elsewhere" over them.

Callers import from here. Inside: ``index`` builds a video's track vectors (crops from the stored segment
cuts, ``analysis.appearance`` for crop choice and pooling) into the ``<collection>__appearance`` collection,
``store`` holds the SQL (tracks, segments, the search log row), ``service`` the :class:`AppearanceService`
facade (indexing at ingest and as a backfill, ``like_track``, ``track_at``), ``evaluation`` the
metrics behind ``chronotrace eval-appearance``.
"""

from chronotrace_desktop.services.appearance.evaluation import (
    APPEARANCE_METRICS,
    evaluate_appearance,
    load_person_labels,
)
from chronotrace_desktop.services.appearance.index import appearance_spec
from chronotrace_desktop.services.appearance.service import AppearanceService

__all__ = [
    "APPEARANCE_METRICS",
    "AppearanceService",
    "appearance_spec",
    "evaluate_appearance",
    "load_person_labels",
]
