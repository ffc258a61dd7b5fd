"""Measuring redaction on labelled frames: the share of labelled heads a viewer's rendition blurs.

``labels`` reads the label file, ``evaluate`` scores the renditions (how: its docstring), matching rendered
frames to the originals with ``frames``; ``report`` holds what it finds.
"""

from chronotrace_desktop.services.evaluation.redaction.evaluate import evaluate_redaction
from chronotrace_desktop.services.evaluation.redaction.labels import load_redaction_labels
from chronotrace_desktop.services.evaluation.redaction.report import COVERED_SHARE

__all__ = ["COVERED_SHARE", "evaluate_redaction", "load_redaction_labels"]
