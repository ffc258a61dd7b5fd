"""Evaluating the people attributes (gender, age group, posture, garment tags) on hand-labelled crops.

The measuring itself lives with the models it measures (``analysis.people.measure_person_attributes``); this is
the use case the ``chronotrace eval-people`` command calls. It reads video files only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.people import PeopleReport, measure_person_attributes

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["PeopleReport", "measure_people"]


def measure_people(labels: Path, videos: Path | None = None) -> PeopleReport:
    return measure_person_attributes(labels, videos_dir=videos)
