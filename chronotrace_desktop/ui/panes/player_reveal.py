"""The player's reveal of a segment's original: asked for with a justification and the user's password
(:class:`RevealDialog`), recorded by the services in a worker (they check the password, the role and the
justification, and audit each), and held while the player shows it. When the original leaves the player (back to
redacted, another segment, the window closes) :meth:`PlayerReveal.end` ends its reveal: a shared store's copy then
leaves this machine's cache. :func:`paint_badge` says which of the two a player shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.ingest import VideoStatus
from chronotrace_desktop.domain.users import ReauthPurpose
from chronotrace_desktop.ui.dialogs.reveal_dialog import RevealDialog
from chronotrace_desktop.ui.qt import QObject, QPalette, Qt
from chronotrace_desktop.ui.tasks import LatestTask
from chronotrace_desktop.ui.theme import DANGER, STATUS_HUES, readable_on

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable
    from pathlib import Path

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.panes.player_pane import PlayerPane
    from chronotrace_desktop.ui.qt import QLabel
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState


def reveal_original(
    state: TaskState, services: AppServices, actor: Actor, segment_id: uuid.UUID, why: str, password: str
) -> Path:
    proof = services.reauth.confirm(actor, password, ReauthPurpose.REVEAL)
    original = services.media.reveal(actor, segment_id, why, proof=proof)
    if state.cancelled:  # the player stopped meanwhile: nobody shows it, so the reveal ends here
        services.media.end_reveal(original)
        state.check_cancelled()
    return original


def paint_badge(label: QLabel, *, original: bool) -> None:
    """The player's badge: REDACTED, or ORIGINAL in the danger colour."""
    colour = DANGER if original else STATUS_HUES[VideoStatus.COMPLETED]
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.Window, colour)
    palette.setColor(QPalette.ColorRole.WindowText, readable_on(colour))
    label.setPalette(palette)
    label.setText("ORIGINAL — faces visible" if original else "REDACTED")


class PlayerReveal(QObject):
    """The pane's reveal task and the original it holds (``original``, until :meth:`end`)."""

    def __init__(self, pane: PlayerPane, services: AppServices, actor: Actor, pool: WorkerPool) -> None:
        super().__init__(pane)
        self._pane = pane
        self._services = services
        self._actor = actor
        self._task = LatestTask(pool)
        self.original: Path | None = None  # the revealed original the player holds, until it leaves

    def ask(self) -> RevealDialog | None:
        pane = self._pane
        if pane.detail is None or not pane.can_reveal:
            return None
        dialog = RevealDialog(pane.title_label.text(), pane)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: pane.reveal(dialog.justification, dialog.password))
        dialog.open()
        return dialog

    def start(
        self,
        justification: str,
        password: str,
        *,
        on_revealed: Callable[[uuid.UUID, Path], object],
        on_errored: Callable[[Exception], object],
    ) -> None:
        """Reveal the original of the segment the pane shows; ``on_revealed(segment id, path)``."""
        detail = self._pane.detail
        if detail is None:
            return
        self._pane.controls.status_label.setText("Recording the reveal…")
        self._task.start(
            reveal_original,
            self._services,
            self._actor,
            detail.segment.id,
            justification,
            password,
            on_returned=lambda path: on_revealed(detail.segment.id, path),
            on_errored=on_errored,
            name="reveal",
        )

    def hold(self, path: Path) -> None:
        """The player shows ``path`` now: a previous reveal's ends (the same file stays: this reveal holds it
        too)."""
        self.end()
        self.original = path

    def end(self) -> None:
        """The revealed original has left the player (call after its source changed): its reveal ends."""
        original, self.original = self.original, None
        if original is not None:
            self._services.media.end_reveal(original)

    def cancel(self) -> None:
        self._task.cancel()
