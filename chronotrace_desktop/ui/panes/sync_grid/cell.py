"""One camera of the grid: its redacted picture at the master clock's time, or a card saying it has none.

A cell is told the master time and rate (:meth:`SyncCell.follow`) and keeps its player on it: it loads the
segment covering the time in a worker (footage and redacted clip), seeks to the offset and plays at the rate.
Playing, it is held on the clock by its rate (``domain.playback.catch_up_rate``: a little faster when behind,
slower when ahead, beyond 40 ms) and seeks only when more than 0.5 s off, so it stays within
``SYNC_TOLERANCE_S`` (120 ms) without the stalls of constant seeking; paused or stepping, it seeks exactly.
Near a segment's end the next one is fetched ahead, so the switch only waits for the player to open it. A
reveal shows this cell's ORIGINAL only, until the cell moves to another segment or is asked back to
redacted; the reveal then ends (``MediaAccessService.end_reveal``).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.domain.playback import FootageAt, NoFootage, catch_up_rate
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.dialogs.reveal_dialog import RevealDialog
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.panes.player_reveal import reveal_original
from chronotrace_desktop.ui.panes.sync_grid.footage import Loaded, fetch_moment, no_footage_text
from chronotrace_desktop.ui.panes.sync_grid.header import CellHeader
from chronotrace_desktop.ui.panes.video_view import VideoView
from chronotrace_desktop.ui.qt import (
    QFrame,
    QLabel,
    QPalette,
    QStackedWidget,
    Qt,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.qt_media import QMediaPlayer
from chronotrace_desktop.ui.tasks import LatestTask

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.playback import CameraMoment
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.base import WorkerPool

logger = logging.getLogger(__name__)

PREFETCH_S = 4.0  # fetch the next segment this long before the current one ends
RETRY_S = (
    5.0  # a cell whose segment could not be loaded tries again after this long (or when the clock jumps)
)
SETTLE_S = 0.5  # after a resynchronising seek, the player gets this long before its drift is judged again
_READY = (
    QMediaPlayer.MediaStatus.LoadedMedia,
    QMediaPlayer.MediaStatus.BufferingMedia,
    QMediaPlayer.MediaStatus.BufferedMedia,
    QMediaPlayer.MediaStatus.EndOfMedia,
)


class SyncCell(QFrame):
    revealed = Signal(object)  # uuid.UUID: the segment whose original this cell now shows

    def __init__(
        self,
        services: AppServices,
        actor: Actor,
        pool: WorkerPool,
        camera_id: str,
        case_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._services = services
        self._actor = actor
        self.camera_id = camera_id
        self._case_id = case_id
        self._load = LatestTask(pool)
        self._prefetch = LatestTask(pool)
        self._reveal_task = LatestTask(pool)
        self.moment: CameraMoment | None = None
        self._redacted: Path | None = None  # the redacted clip of the current segment
        self._next: Loaded | None = None  # fetched ahead
        self._next_for: datetime | None = None
        self._original: Path | None = None  # a revealed original the player holds, until it leaves
        self.showing_original = False
        self._wall: datetime | None = None
        self._rate = 0.0
        self._settled_at = 0.0
        self._opening = QUrl()  # the source the player is opening or holds
        self.resyncs = 0  # seeks made to catch the clock up while playing (for diagnostics and tests)
        self.can_reveal = is_allowed(actor.role, Action.REVEAL_PII)

        self.header = CellHeader(camera_id, self)
        self.title_label = self.header.title_label
        self.time_label = self.header.time_label
        self.badge_label = self.header.badge_label
        self.reveal_action = self.header.reveal_action
        self.reveal_action.triggered.connect(self.ask_reveal)
        self.redacted_action = self.header.redacted_action
        self.redacted_action.triggered.connect(self.back_to_redacted)

        self.view = VideoView()
        self.view.setMinimumSize(200, 112)
        self.card = QLabel("Loading…")
        self.card.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card.setWordWrap(True)
        self.card.setAutoFillBackground(True)
        self.card.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.card.setMargin(16)
        card_font = self.card.font()
        card_font.setPointSizeF(card_font.pointSizeF() * 1.2)
        self.card.setFont(card_font)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.card)
        self.stack.setCurrentWidget(self.card)

        self.player = QMediaPlayer(self)
        self.player.setVideoOutput(self.view.video_item)
        self.player.mediaStatusChanged.connect(self._on_media_status)
        self.player.errorOccurred.connect(self._on_media_error)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        self.header.keep_height()
        layout.addWidget(self.header)
        layout.addWidget(self.stack, 1)
        self._update_actions()

    # ------------------------------------------------------------------ following the master clock
    def set_title(self, text: str) -> None:
        self.title_label.setText(text)

    def follow(self, wall: datetime, rate: float, *, seek: bool = False) -> None:
        """Show ``wall`` at ``rate`` (0: paused; negative: backwards, frame by frame). ``seek``: the clock
        jumped (slider, step, a new time), so a segment being fetched for another time is not waited for."""
        self._wall, self._rate = wall, rate
        moment = self.moment
        if moment is None or not moment.covers(wall):
            ahead = self._next
            if ahead is not None and ahead[0].covers(wall):
                self._next = None
                self._take(*ahead)
            elif seek or not (self._load.busy or time.monotonic() - self._failed_at < RETRY_S):
                self._request(wall)
                self._show_time(wall, loading=True)
                return
            else:
                self._show_time(wall, loading=True)
                return
        moment = self.moment
        if isinstance(moment, FootageAt):
            self._drive(moment, wall, rate)
            self._fetch_ahead(moment.end, wall, rate)
        elif isinstance(moment, NoFootage):
            self.card.setText(no_footage_text(moment, wall, in_case=self._case_id is not None))
            self._fetch_ahead(moment.next_start, wall, rate)
        self._show_time(wall)

    @property
    def ready(self) -> bool:
        """Whether the cell shows the time it was last given: its picture there, or its no-footage card."""
        moment, wall = self.moment, self._wall
        if moment is None or wall is None or not moment.covers(wall):
            return False
        return isinstance(moment, NoFootage) or self.wall_time() is not None

    def wall_time(self) -> datetime | None:
        """The wall time of the picture the player is at (None without footage loaded)."""
        moment = self.moment
        if not isinstance(moment, FootageAt) or self.player.mediaStatus() not in _READY:
            return None
        if self._wall is not None and not moment.covers(self._wall):
            return None  # the master clock has left this segment: the next one is on its way
        seconds = self.player.position() / 1000 - (moment.preroll_s if self.showing_original else 0.0)
        return moment.start + timedelta(seconds=seconds)

    def _request(self, wall: datetime) -> None:
        self._load.start(
            fetch_moment,
            self._services,
            self._actor,
            self.camera_id,
            wall,
            self._case_id,
            on_returned=self._on_loaded,
            on_errored=self._on_load_failed,
            name=f"grid {self.camera_id}",
        )

    def _on_loaded(self, loaded: Loaded) -> None:
        self._take(*loaded)
        if self._wall is not None:
            self.follow(self._wall, self._rate)

    def _on_load_failed(self, exc: Exception) -> None:
        """Said on the card (four cells would make four error boxes); tried again after ``RETRY_S`` of play
        or at the next jump of the clock."""
        if not isinstance(exc, UserFacingError):
            logger.error("Grid cell %s could not load", self.camera_id, exc_info=exc)
        self._failed_at = time.monotonic()
        self._take(NoFootage(self.camera_id, self._wall or datetime.min, None, None), None)
        self.moment = None
        self.card.setText(f"Cannot show this camera: {exc}")

    def _take(self, moment: CameraMoment, path: Path | None) -> None:
        """Make ``moment`` the current one; a new segment opens its redacted clip (a reveal ends here)."""
        previous = self.moment
        self.moment = moment
        if isinstance(moment, FootageAt) and path is not None:
            same = isinstance(previous, FootageAt) and previous.segment_id == moment.segment_id
            if not same:
                self._open(path)
            self.stack.setCurrentWidget(self.view)
        else:
            self.player.stop()
            self.player.setSource(QUrl())
            self._redacted = None
            self._leave_original()
            self.stack.setCurrentWidget(self.card)
        self._update_actions()

    def _open(self, path: Path, *, original: bool = False) -> None:
        self._opening = QUrl.fromLocalFile(str(path))
        self.player.stop()  # says LoadedMedia of the old source at once: not followed (see _on_media_status)
        self.player.setSource(self._opening)
        if not original:
            self._redacted = path
            self._leave_original()

    def _drive(self, moment: FootageAt, wall: datetime, rate: float) -> None:
        if self.player.mediaStatus() not in _READY:
            return  # opening: _on_media_status follows again once it can seek
        preroll = moment.preroll_s if self.showing_original else 0.0
        expected = round(((wall - moment.start).total_seconds() + preroll) * 1000)
        drift = (self.player.position() - expected) / 1000
        playing = self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        if rate > 0:
            now = time.monotonic()
            settled = now - self._settled_at > SETTLE_S
            speed = catch_up_rate(rate, drift) if playing else rate
            if speed is None and settled:  # too far off for a nudge: move the picture to the clock
                self.resyncs += 1
                self.player.setPosition(expected)
                self._settled_at = now
            elif not playing:
                self.player.setPosition(expected)
                self._settled_at = now
            if speed is not None and abs(self.player.playbackRate() - speed) > 1e-6:
                self.player.setPlaybackRate(speed)
            if not playing:
                self.player.play()
            return
        if self.player.playbackState() != QMediaPlayer.PlaybackState.PausedState:
            self.player.pause()  # paused, not stopped: a stopped player shows no picture
        if abs(drift) > 0.001:
            self.player.setPosition(expected)

    def _fetch_ahead(self, boundary: datetime | None, wall: datetime, rate: float) -> None:
        """Playing forwards towards ``boundary`` (where the segment or the gap ends): fetch what follows."""
        if boundary is None or rate <= 0 or self._next_for == boundary:
            return
        if (boundary - wall).total_seconds() > PREFETCH_S:
            return
        self._next_for = boundary
        self._prefetch.start(
            fetch_moment,
            self._services,
            self._actor,
            self.camera_id,
            boundary,
            self._case_id,
            on_returned=self._on_fetched_ahead,
            on_errored=lambda exc: logger.info("Grid cell %s: no segment ahead (%s)", self.camera_id, exc),
            name=f"grid {self.camera_id} ahead",
        )

    def _on_fetched_ahead(self, loaded: Loaded) -> None:
        self._next = loaded

    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if self.player.source() != self._opening:
            return
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._wall is not None:
            self._settled_at = 0.0
            self.follow(self._wall, self._rate)

    def _on_media_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if error != QMediaPlayer.Error.NoError:
            logger.warning("Grid cell %s: media error %s: %s", self.camera_id, error, message)
            self.card.setText(f"Cannot play this clip: {message}")
            self.stack.setCurrentWidget(self.card)

    def _show_time(self, wall: datetime, *, loading: bool = False) -> None:
        moment = self.moment
        shown = self.wall_time() or wall
        if abs(shown - wall) < timedelta(milliseconds=1):  # a player's position is in whole milliseconds
            shown = wall
        text = fmt.wall_clock(shown).split(" ", 1)[1]
        if isinstance(moment, FootageAt):
            text += fmt.recorder_note(shown, moment.recorder_at(shown))
        self.time_label.setText(text + (" · loading…" if loading else ""))

    # ------------------------------------------------------------------ reveal
    def ask_reveal(self) -> RevealDialog | None:
        moment = self.moment
        if not isinstance(moment, FootageAt) or not self.can_reveal:
            return None
        title = f"{self.camera_id} — {moment.filename}, segment {moment.segment_index + 1}"
        dialog = RevealDialog(title, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.reveal(dialog.justification, dialog.password))
        dialog.open()
        return dialog

    def reveal(self, justification: str, password: str) -> None:
        """The original of this cell's segment, through the services (password, role, justification, audit)."""
        moment = self.moment
        if not isinstance(moment, FootageAt):
            return
        self._reveal_task.start(
            reveal_original,
            self._services,
            self._actor,
            moment.segment_id,
            justification,
            password,
            on_returned=lambda path: self._on_revealed(moment.segment_id, path),
            on_errored=lambda exc: show_error(self, exc, title="Reveal faces"),
            name="grid reveal",
        )

    def _on_revealed(self, segment_id: uuid.UUID, path: Path) -> None:
        moment = self.moment
        if not isinstance(moment, FootageAt) or moment.segment_id != segment_id:
            self._services.media.end_reveal(path)  # the cell moved on meanwhile: never shown
            return
        self._open(path, original=True)
        self._leave_original()  # a previous reveal's (this one holds the same file too)
        self._original = path
        self.showing_original = True
        self._update_actions()
        self.revealed.emit(segment_id)

    def back_to_redacted(self) -> None:
        if not self.showing_original or self._redacted is None:
            return
        self._open(self._redacted)

    def _leave_original(self) -> None:
        """The original has left the player (its source changed): its reveal ends."""
        original, self._original = self._original, None
        self.showing_original = False
        if original is not None:
            self._services.media.end_reveal(original)
        self._update_actions()

    def _update_actions(self) -> None:
        self.header.show_state(
            footage=isinstance(self.moment, FootageAt),
            original=self.showing_original,
            can_reveal=self.can_reveal,
        )

    def source(self) -> Path | None:
        """The file the player holds (a redacted rendition unless this cell's reveal is on)."""
        url = self.player.source()
        return None if url.isEmpty() else Path(url.toLocalFile())

    def stop(self) -> None:
        """Stop loading and playing; a reveal ends."""
        for task in (self._load, self._prefetch, self._reveal_task):
            task.cancel()
        self.player.stop()
        self.player.setSource(QUrl())
        self._leave_original()
        self.moment, self._next, self._next_for, self._redacted = None, None, None, None
