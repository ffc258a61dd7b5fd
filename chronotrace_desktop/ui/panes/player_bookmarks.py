"""Bookmarking from the player: ``M`` (or the Bookmark button) pauses, takes the moment shown (seconds from the
video's start), fetches the REDACTED frame of that moment in a worker, and asks for a note and an optional box
(:class:`BookmarkDialog`); the bookmark is made in the current case (or all footage) through the services,
which check the role and audit it. Viewers cannot bookmark: the action is disabled and says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.cases import Bookmark
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.services.cases import NewBookmark
from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.dialogs.bookmark_dialog import BookmarkDialog
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.qt import QImage, QObject, Qt, Signal
from chronotrace_desktop.ui.tasks import LatestTask

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.media import Box
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.panes.player_pane import PlayerPane
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

VIEWER_TIP = "Viewers cannot bookmark: an analyst or an administrator marks moments"


@dataclass(frozen=True, slots=True)
class Moment:
    video_id: uuid.UUID
    offset_s: float  # seconds from the video's start
    when: str  # in words, for the dialog
    camera: str


def _still(
    state: TaskState, services: AppServices, actor: Actor, video_id: uuid.UUID, offset_s: float
) -> bytes | None:
    return services.exports.redacted_still(actor, video_id, offset_s)


def _create(state: TaskState, services: AppServices, actor: Actor, new: NewBookmark) -> Bookmark:
    return services.bookmarks.create(actor, new)


class PlayerBookmarks(QObject):
    """``created(Bookmark)`` once the services made one."""

    created = Signal(Bookmark)

    def __init__(self, pane: PlayerPane, services: AppServices, actor: Actor, pool: WorkerPool) -> None:
        super().__init__(pane)
        self._pane = pane
        self._services = services
        self._actor = actor
        self._task = LatestTask(pool)
        self.case_id: str | None = None
        self.can_bookmark = is_allowed(actor.role, Action.BOOKMARK)
        self.dialog: BookmarkDialog | None = None

    @property
    def busy(self) -> bool:
        return self._task.busy

    def moment(self) -> Moment | None:
        """The moment the player shows, or None when nothing is loaded."""
        pane = self._pane
        detail = pane.detail
        if detail is None:
            return None
        seg = detail.segment
        origin = seg.clip_start if pane.showing_original else seg.start_time
        offset = max(0.0, origin + pane.player.position() / 1000)
        when = f"{fmt.clock(offset)} into {detail.video_filename}"
        if detail.recorded_at is not None:
            wall = detail.recorded_at + timedelta(seconds=offset)
            recorder = (
                detail.recorder_recorded_at + timedelta(seconds=offset)
                if detail.recorder_recorded_at is not None
                else None
            )
            when = f"{fmt.wall_clock(wall)}{fmt.recorder_note(wall, recorder)} \u00b7 {when}"
        return Moment(seg.video_id, offset, when, detail.camera_id or "")

    def start(self) -> None:
        """Pause, take the moment, fetch its redacted frame, then ask for the note (and a box)."""
        moment = self.moment()
        if moment is None or not self.can_bookmark or self.busy:
            return
        self._pane.shuttle_stop()
        self._pane.controls.status_label.setText("Preparing the redacted frame of this moment\u2026")
        self._task.start(
            _still,
            self._services,
            self._actor,
            moment.video_id,
            moment.offset_s,
            on_returned=lambda data: self.ask(moment, data),
            on_errored=lambda exc: self._no_still(moment, exc),
            name="bookmark still",
        )

    def _no_still(self, moment: Moment, exc: Exception) -> None:
        logger.warning("No redacted frame for the bookmark at %.3f s: %s", moment.offset_s, exc)
        self.ask(moment, None)

    def ask(self, moment: Moment, still: bytes | None) -> BookmarkDialog:
        image = QImage.fromData(still) if still else None
        where = (
            f"case {self.case_id}"
            if self.case_id
            else "all footage (no case: choose one to file it in a case)"
        )
        dialog = BookmarkDialog(
            moment.when,
            moment.camera,
            where,
            image if image is not None and not image.isNull() else None,
            parent=self._pane,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.save(moment, dialog.note, dialog.box))
        dialog.finished.connect(lambda _r: self._closed(dialog))
        self._pane.controls.status_label.clear()
        self.dialog = dialog
        dialog.open()
        return dialog

    def _closed(self, dialog: BookmarkDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def save(self, moment: Moment, note: str, box: Box | None) -> None:
        new = NewBookmark(moment.video_id, moment.offset_s, note, box=box, case_id=self.case_id)
        self._task.start(
            _create,
            self._services,
            self._actor,
            new,
            on_returned=self._saved,
            on_errored=lambda exc: show_error(self._pane, exc, title="Bookmark"),
            name="create bookmark",
        )

    def _saved(self, bookmark: Bookmark) -> None:
        where = f"case {bookmark.case_id}" if bookmark.case_id else "all footage"
        self._pane.controls.status_label.setText(
            f"Bookmarked {fmt.clock(bookmark.offset_s)} in {where} (recorded in the audit log)."
        )
        self.created.emit(bookmark)
