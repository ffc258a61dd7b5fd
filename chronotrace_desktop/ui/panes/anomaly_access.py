"""The anomaly queue's calls into the anomaly service (run in workers) and the moves it offers.

The workflow's rules live in the domain and are enforced (and audited) by the service; :func:`next_statuses`
only decides which buttons to enable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.anomalies import CLOSED, TRANSITIONS, AnomalyStatus
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.services.anomalies import MAX_LIST, AnomalyFilter
from chronotrace_desktop.ui.panes.video_view import EVIDENCE_PREFIX

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.anomalies import AnomalyRecord
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.task_state import TaskState


def anomaly_evidence(metadata: dict[str, Any]) -> tuple[tuple[float, Box], ...]:
    """The boxes an anomaly's rule recorded (``metadata["boxes"]``: ``[t, x, y, w, h]``), for the player."""
    what = str(metadata.get("object_type") or "evidence").replace("_", " ")
    label = f"{EVIDENCE_PREFIX}{what}"
    points = []
    for item in metadata.get("boxes") or ():
        try:
            t, x, y, w, h = (float(v) for v in item)
        except (TypeError, ValueError):
            continue  # a record written by another version: show what can be read
        points.append((t, Box(x, y, w, h, label)))
    return tuple(points)


def next_statuses(status: str) -> tuple[str, ...]:
    try:
        current = AnomalyStatus(status)
    except ValueError:
        return ()
    return tuple(s.value for s in TRANSITIONS[current])


def is_closed(status: str) -> bool:
    return status in {s.value for s in CLOSED}


def list_anomalies(
    state: TaskState, services: AppServices, actor: Actor, case_id: str | None = None
) -> list[AnomalyRecord]:
    return services.anomalies.list_anomalies(actor, AnomalyFilter(case_id=case_id, limit=MAX_LIST))


def transition(
    state: TaskState,
    services: AppServices,
    actor: Actor,
    anomaly_id: uuid.UUID,
    status: str,
    note: str | None,
) -> AnomalyRecord:
    return services.anomalies.set_status(actor, anomaly_id, status, note)
