"""Perception measured on hand-labelled material (``eval/``): detectors, people attributes, scene, redaction.

Each scorer backs one command (``chronotrace eval-detections``, ``eval-people``, ``eval-scene``,
``eval-redaction``); search and anomaly scoring live with their capabilities.
"""

from chronotrace_desktop.services.evaluation.detection import (
    DETECTORS,
    GROUPS,
    Tally,
    evaluate_detectors,
    load_detection_labels,
)
from chronotrace_desktop.services.evaluation.people import measure_people
from chronotrace_desktop.services.evaluation.redaction import (
    COVERED_SHARE,
    evaluate_redaction,
    load_redaction_labels,
)
from chronotrace_desktop.services.evaluation.scene import evaluate_scene

__all__ = [
    "COVERED_SHARE",
    "DETECTORS",
    "GROUPS",
    "Tally",
    "evaluate_detectors",
    "evaluate_redaction",
    "evaluate_scene",
    "load_detection_labels",
    "load_redaction_labels",
    "measure_people",
]
