"""The worker side of "find this person elsewhere" in the search pane: the clicked box → its track → hits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.search import DEFAULT_LIMIT

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.media import Box
    from chronotrace_desktop.domain.search import SearchResult
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.task_state import TaskState


def find_elsewhere(
    state: TaskState,
    services: AppServices,
    actor: Actor,
    segment_id: uuid.UUID,
    seconds: float,
    box: Box,
    case_id: str | None,
    limit: int = DEFAULT_LIMIT,
) -> SearchResult:
    """Runs in a worker: the track under the picked box, then its look-alikes."""
    picked = services.appearance.track_at(actor, segment_id, seconds, box)
    state.check_cancelled()
    return services.appearance.like_track(actor, picked.track.ref, case_id=case_id, limit=limit)
