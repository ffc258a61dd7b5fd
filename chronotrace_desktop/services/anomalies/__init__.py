"""Anomalies: the rules run over a video's tracks and scene, the review queue, alerts; and their evaluation.

Callers import from here. Inside: ``scan`` runs the rules of ``analysis.anomalies`` on stored evidence,
``records`` holds the SQL of anomaly rows, ``alerts`` delivers notifications for new findings, ``evaluation``
scores the rules on labelled events, ``service`` is the :class:`AnomalyService` facade.
"""

from chronotrace_desktop.services.anomalies.alerts import AlertService
from chronotrace_desktop.services.anomalies.records import AnomalyRecord
from chronotrace_desktop.services.anomalies.scan import ScanResult
from chronotrace_desktop.services.anomalies.service import (
    MAX_LIST,
    AnomalyFilter,
    AnomalyService,
    parse_severity,
    parse_status,
)

__all__ = [
    "MAX_LIST",
    "AlertService",
    "AnomalyFilter",
    "AnomalyRecord",
    "AnomalyService",
    "ScanResult",
    "parse_severity",
    "parse_status",
]
