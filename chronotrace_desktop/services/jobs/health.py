"""What ``doctor`` says of the team's ingest queue: the live workers and the files waiting (no sign-in: no case
data is read, only the workers' heartbeat rows and a count)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.services.jobs import store
from chronotrace_desktop.storage.database import translate_db_errors

if TYPE_CHECKING:
    from chronotrace_desktop.domain.jobs import WorkerInfo
    from chronotrace_desktop.storage.database import Database


def queue_health(database: Database) -> tuple[list[WorkerInfo], int]:
    """The workers whose heartbeat is recent, and how many files wait on the queue."""
    with translate_db_errors(database.display_url), database.transaction() as session:
        live = [worker for worker in store.workers(session) if worker.live]
        return live, store.queued_count(session)
