"""The anomaly queue's calls into the anomaly service (run in workers) and the moves it offers.

The workflow's rules live in the domain and are enforced (and audited) by the service; :func:`next_statuses`
only decides which buttons to enable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.anomalies import CLOSED, TRANSITIONS, AnomalyStatus
from chronotrace_desktop.services.anomalies import MAX_LIST, AnomalyFilter

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.anomalies_records import AnomalyRecord
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.task_state import TaskState


def next_statuses(status: str) -> tuple[str, ...]:
    try:
        current = AnomalyStatus(status)
    except ValueError:
        return ()
    return tuple(s.value for s in TRANSITIONS[current])


def is_closed(status: str) -> bool:
    return status in {s.value for s in CLOSED}


def list_anomalies(state: TaskState, services: AppServices, actor: Actor) -> list[AnomalyRecord]:
    return services.anomalies.list_anomalies(actor, AnomalyFilter(limit=MAX_LIST))


def transition(
    state: TaskState,
    services: AppServices,
    actor: Actor,
    anomaly_id: uuid.UUID,
    status: str,
    note: str | None,
) -> AnomalyRecord:
    return services.anomalies.set_status(actor, anomaly_id, status, note)
