"""What one camera of the grid shows at a wall time: the worker that fetches it (footage and its redacted clip)
and the card of a camera without footage then."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.playback import FootageAt

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from chronotrace_desktop.domain.playback import CameraMoment, NoFootage
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.task_state import TaskState

Loaded = tuple["CameraMoment", "Path | None"]


def fetch_moment(
    state: TaskState,
    services: AppServices,
    actor: Actor,
    camera_id: str,
    wall: datetime,
    case_id: str | None,
) -> Loaded:
    """What the camera shows at ``wall`` and, with footage, its segment's redacted clip (rendered if new)."""
    (moment,) = services.playback.footage_at(actor, [camera_id], wall, case_id)
    state.check_cancelled()
    if isinstance(moment, FootageAt):
        return moment, services.media.redacted_clip(actor, moment.segment_id, task=state)
    return moment, None


def short_time(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S")


def no_footage_text(gap: NoFootage, wall: datetime, *, in_case: bool) -> str:
    """The card of a camera without footage at ``wall``."""
    text = f"No footage at {short_time(wall)}"
    if gap.next_start is not None:
        return f"{text} — next at {short_time(gap.next_start)}"
    if gap.previous_end is not None:
        return f"{text} — the last ended at {short_time(gap.previous_end)}"
    return f"{text} — this camera has none" + (" in this case" if in_case else "")
