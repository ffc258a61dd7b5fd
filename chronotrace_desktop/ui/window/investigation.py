"""How the investigation panes work together (issue 16): the case, the timeline, bookmarks, multi-camera.

- The case picker's choice goes to search, anomaly queue, timeline, bookmarks, multi-camera, the player (where
  its bookmarks go) and export (which case an export is filed in).
- A search's hits are highlighted on the timeline; a click on the timeline plays that moment; a range dragged
  on it opens the export dialog with its segments; a bookmark marker or a bookmark in the list opens its
  moment in the player; a bookmark made in the player appears in the list and on the timeline.
- "Find this person elsewhere" on a box in the player runs the appearance search in the search pane.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.ui.tasks import start_task

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.cases import Bookmark
    from chronotrace_desktop.domain.media import Box
    from chronotrace_desktop.domain.search import SearchResult
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.panes.player_pane import PlayerPane
    from chronotrace_desktop.ui.window.main_window import MainWindow
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)


def _bookmark(state: TaskState, services: AppServices, actor: Actor, bookmark_id: uuid.UUID) -> Bookmark:
    return services.bookmarks.get(actor, bookmark_id)


class Investigation:
    """Connects the panes of ``window``; holds no state of its own beyond the window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        w = window
        w.workspace.case_changed.connect(self.set_case)
        w.workspace.message.connect(lambda text: w.statusBar().showMessage(text, 8000))
        w.search_pane.search_finished.connect(self._highlight)
        w.timeline_pane.play_requested.connect(self.play_moment)
        w.timeline_pane.export_requested.connect(w.export_command.export_segments)
        w.timeline_pane.bookmark_activated.connect(self.open_bookmark)
        w.bookmarks_pane.jump_requested.connect(self.show_at)
        w.player_pane.bookmark_created.connect(self._bookmarked)
        w.player_pane.find_elsewhere_requested.connect(self.find_elsewhere)

    def set_case(self, case_id: str | None) -> None:
        w = self.window
        w.search_pane.set_case(case_id)
        w.anomaly_pane.set_case(case_id)
        w.player_pane.set_case(case_id)
        w.timeline_pane.set_case(case_id)
        w.bookmarks_pane.set_case(case_id)
        w.multicam_pane.set_case(case_id)
        w.export_command.set_case(case_id, w.workspace.cases)
        logger.info("Working in %s", case_id or "all footage")

    def _highlight(self, result: SearchResult) -> None:
        self.window.timeline_pane.set_highlight(result.hits)

    def _player(self) -> PlayerPane:
        """The player, in front, without an anomaly's boxes (a moment chosen here is not the anomaly's)."""
        w = self.window
        w.player_pane.set_evidence(None, ())
        w.docks["player"].show()
        w.docks["player"].raise_()
        return w.player_pane

    def play_moment(self, segment_id: object, into_s: float) -> None:
        self._player().show_segment(segment_id, into_s=into_s)  # type: ignore[arg-type]

    def show_at(self, video_id: object, offset_s: float) -> None:
        self._player().show_at(video_id, offset_s)  # type: ignore[arg-type]

    def open_bookmark(self, bookmark_id: object) -> None:
        w = self.window
        start_task(
            w.pool,
            _bookmark,
            w.services,
            w.actor,
            bookmark_id,
            on_returned=lambda mark: self.show_at(mark.video_id, mark.offset_s),
            error_parent=w,
            name="open bookmark",
        )

    def _bookmarked(self, bookmark: Bookmark) -> None:
        w = self.window
        w.bookmarks_pane.refresh()
        w.timeline_pane.refresh()
        w.statusBar().showMessage(f"Bookmarked {bookmark.offset_s:.1f} s into {bookmark.filename}", 8000)

    def find_elsewhere(self, segment_id: object, seconds: float, box: Box) -> None:
        w = self.window
        w.docks["search"].show()
        w.docks["search"].raise_()
        w.search_pane.find_elsewhere(segment_id, seconds, box)  # type: ignore[arg-type]
