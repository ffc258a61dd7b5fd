"""The player: a segment's REDACTED clip by default; the original only after a justified, audited reveal
confirmed with the user's password (``player_reveal``). The reveal ends when the original leaves the player (back
to redacted, another segment, the window closes): a shared store's copy then leaves this machine's cache.

Keys (while the player has focus): Space play/pause, ←/→ one frame back/forward, J/K/L shuttle (J reverse,
K stop, L forward; pressing J or L again doubles the speed; ``player_transport``), Page Up/Down previous/next
segment, D boxes, M bookmark this moment (``player_bookmarks``: in the case ``set_case`` names, or all footage).
Segment data and the redacted clip (rendered on first use, about a second) load in a worker.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.cases import Bookmark
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.services.library import SegmentDetail, SegmentInfo
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.panes import PANE_MIN_HEIGHT, PANE_MIN_WIDTH
from chronotrace_desktop.ui.panes.player_bookmarks import VIEWER_TIP, PlayerBookmarks
from chronotrace_desktop.ui.panes.player_controls import PlayerControls
from chronotrace_desktop.ui.panes.player_overlay import boxes_at, evidence_at
from chronotrace_desktop.ui.panes.player_reveal import PlayerReveal, paint_badge, reveal_original
from chronotrace_desktop.ui.panes.player_transport import PlayerTransport
from chronotrace_desktop.ui.panes.video_view import VideoView
from chronotrace_desktop.ui.qt import (
    QHBoxLayout,
    QLabel,
    QPalette,
    Qt,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.qt_media import QMediaPlayer
from chronotrace_desktop.ui.tasks import LatestTask

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.domain.media import Box
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.dialogs.reveal_dialog import RevealDialog
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

_reveal = reveal_original  # the sync grid's cells reveal through it under this name


def _load(
    state: TaskState, services: AppServices, actor: Actor, segment_id: uuid.UUID
) -> tuple[SegmentDetail, Path]:
    detail = services.library.segment_detail(actor, segment_id)
    state.check_cancelled()
    return detail, services.media.redacted_clip(actor, segment_id, task=state)


class PlayerPane(QWidget):
    segment_loaded = Signal(SegmentDetail)
    revealed = Signal(uuid.UUID)  # segment id
    export_requested = Signal(list)  # list of segment ids
    bookmark_created = Signal(Bookmark)
    # "Find this person elsewhere" on a picked box: segment id, seconds after the segment's start, the Box
    find_elsewhere_requested = Signal(object, float, object)

    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setMinimumSize(PANE_MIN_WIDTH, PANE_MIN_HEIGHT)
        self._services = services
        self._actor = actor
        self._load_task = LatestTask(pool)
        self._evidence_video: uuid.UUID | None = None
        self._evidence: tuple[tuple[float, Box], ...] = ()
        self.detail: SegmentDetail | None = None
        self.showing_original = False
        self.autoplay = True
        self.can_reveal = is_allowed(actor.role, Action.REVEAL_PII)
        self._start_ms = 0
        self._seek_s: float | None = None  # show_at: where to start the segment being loaded (video seconds)
        self._seek_into_s: float | None = None  # show_segment(into_s=...): seconds into the segment

        self.title_label = QLabel("No segment")
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.badge_label = QLabel()
        self.badge_label.setAutoFillBackground(True)
        self.badge_label.setContentsMargins(8, 2, 8, 2)
        self.view = VideoView()
        self.hint_label = QLabel(
            "Pick a search hit, a library video or an anomaly to play it here, faces blurred."
        )
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label.setWordWrap(True)
        self.hint_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.player = QMediaPlayer(self)
        self.player.setVideoOutput(self.view.video_item)
        self.view.find_elsewhere_requested.connect(self._find_elsewhere)
        self.bookmarks = PlayerBookmarks(self, services, actor, pool)
        self.controls = PlayerControls(
            self,
            can_reveal=self.can_reveal,
            can_bookmark=self.bookmarks.can_bookmark,
            bookmark_tip=VIEWER_TIP,
        )
        self.reveals = PlayerReveal(self, services, actor, pool)
        self.transport = PlayerTransport(self.player, self.controls, self)
        self.shuttle = self.transport.shuttle
        self._reverse_timer = self.transport.reverse_timer

        c = self.controls
        c.play_action.triggered.connect(self.toggle_play)
        c.back_action.triggered.connect(lambda: self.step(-1))
        c.forward_action.triggered.connect(lambda: self.step(1))
        c.j_action.triggered.connect(self.shuttle_reverse)
        c.k_action.triggered.connect(self.shuttle_stop)
        c.l_action.triggered.connect(self.shuttle_forward)
        c.previous_action.triggered.connect(self.previous_segment)
        c.next_action.triggered.connect(self.next_segment)
        c.boxes_action.toggled.connect(lambda _on: self._update_time(self.player.position()))
        c.reveal_action.triggered.connect(self.ask_reveal)
        c.redacted_action.triggered.connect(self.back_to_redacted)
        c.export_action.triggered.connect(self._export)
        c.bookmark_action.triggered.connect(self.bookmarks.start)
        self.bookmarks.created.connect(self.bookmark_created)
        c.speed_combo.currentIndexChanged.connect(lambda _i: self.transport.apply_speed())
        c.slider.sliderMoved.connect(self.player.setPosition)
        self.player.positionChanged.connect(self._update_time)
        self.player.durationChanged.connect(lambda ms: c.slider.setRange(0, max(0, ms)))
        self.player.playbackStateChanged.connect(lambda _s: c.set_playing(self.transport.playing()))
        self.player.mediaStatusChanged.connect(self._on_media_status)
        self.player.errorOccurred.connect(self._on_media_error)
        for action in c.actions_list():
            self.addAction(action)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        header = QWidget()
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(0, 0, 0, 0)
        header_layout.addWidget(self.title_label, 1)
        header_layout.addWidget(self.badge_label)
        layout.addWidget(header)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint_label)
        layout.addWidget(c)
        self._set_badge()
        self._update_enabled()

    # ------------------------------------------------------------------ loading
    @property
    def loading(self) -> bool:
        return self._load_task.busy

    def show_segment(self, segment_id: uuid.UUID, *, into_s: float | None = None) -> None:
        """Load and play the redacted clip of ``segment_id`` (from ``into_s`` seconds into the segment)."""
        self._seek_s = None
        self._seek_into_s = into_s
        self._reverse_timer.stop()
        self.controls.status_label.setText("Preparing the redacted clip…")
        self._load_task.start(
            _load,
            self._services,
            self._actor,
            segment_id,
            on_returned=self._on_loaded,
            on_errored=self._on_load_failed,
            name="load segment",
        )

    def set_case(self, case_id: str | None) -> None:
        """The case new bookmarks go in (None: all footage)."""
        self.bookmarks.case_id = case_id

    def show_at(self, video_id: uuid.UUID, offset_s: float) -> None:
        """Open the segment of ``video_id`` holding ``offset_s`` (seconds from its start) and seek there."""
        self._load_task.start(
            lambda state, services, actor, vid: services.library.segments_of(actor, vid),
            self._services,
            self._actor,
            video_id,
            on_returned=lambda segments: self._show_moment(segments, offset_s),
            on_errored=self._on_load_failed,
            name="video segments",
        )

    def _show_moment(self, segments: tuple[SegmentInfo, ...], offset_s: float) -> None:
        holding = [s for s in segments if s.start_time <= offset_s + 1e-3] or segments[:1]
        if not holding:
            self._no_segments()
            return
        self.show_segment(holding[-1].id)
        self._seek_s = offset_s

    def show_video(self, video_id: uuid.UUID) -> None:
        """Play the first segment of a video (from the library)."""
        task = self._load_task
        task.start(
            lambda state, services, actor, vid: services.library.segments_of(actor, vid),
            self._services,
            self._actor,
            video_id,
            on_returned=lambda segments: (
                self.show_segment(segments[0].id) if segments else self._no_segments()
            ),
            on_errored=self._on_load_failed,
            name="video segments",
        )

    def _no_segments(self) -> None:
        self.controls.status_label.setText("This video has no segments (yet).")

    def _on_loaded(self, result: tuple[SegmentDetail, Path]) -> None:
        detail, path = result
        self.detail = detail
        self.showing_original = False
        self._open(path)
        seek, self._seek_s = self._seek_s, None
        into, self._seek_into_s = self._seek_into_s, None
        if seek is not None:  # the redacted rendition starts at the segment's start
            self._start_ms = max(1, round((seek - detail.segment.start_time) * 1000))
        elif into is not None:
            self._start_ms = max(1, round(into * 1000))
        self.reveals.end()
        self.segment_loaded.emit(detail)

    def _open(self, path: Path) -> None:
        detail = self.detail
        assert detail is not None
        self.shuttle.reset()
        self._reverse_timer.stop()
        # A redacted rendition covers exactly the window; the original is the stream-copied segment, which
        # starts at the keyframe before it (its pre-roll is skipped when it is shown).
        self._start_ms = 0
        self.player.stop()
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        self.hint_label.hide()
        seg = detail.segment
        count = len(detail.siblings)
        where = " · ".join(x for x in (detail.camera_id, detail.location) if x)
        self.title_label.setText(
            f"{detail.video_filename} · segment {seg.index + 1} of {count}" + (f" · {where}" if where else "")
        )
        self.title_label.setToolTip(seg.caption or "")
        self.controls.status_label.setText(seg.caption or "")
        self._set_badge()
        self._update_enabled()

    def _on_load_failed(self, exc: Exception) -> None:
        self.controls.status_label.setText("Could not load the segment.")
        show_error(self, exc, title="Player")

    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._start_ms:
            self.player.setPosition(self._start_ms)
            self._start_ms = 0
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self.autoplay and not self.transport.playing():
            self.transport.apply_speed()
            self.player.play()

    def _on_media_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if error != QMediaPlayer.Error.NoError:
            logger.warning("Media error %s: %s", error, message)
            self.controls.status_label.setText(f"Cannot play this clip: {message}")

    # ------------------------------------------------------------------ transport
    def toggle_play(self) -> None:
        self.transport.toggle_play()

    def step(self, frames: int) -> None:
        """Pause and move ``frames`` frames (negative: back)."""
        self.transport.step(frames, self.detail.fps if self.detail is not None else None)

    def shuttle_forward(self) -> None:
        self.transport.shuttle_forward()

    def shuttle_reverse(self) -> None:
        self.transport.shuttle_reverse()

    def shuttle_stop(self) -> None:
        self.transport.shuttle_stop()

    def previous_segment(self) -> None:
        if self.detail is not None and self.detail.previous is not None:
            self.show_segment(self.detail.previous.id)

    def next_segment(self) -> None:
        if self.detail is not None and self.detail.next is not None:
            self.show_segment(self.detail.next.id)

    def _update_time(self, position_ms: int) -> None:
        c = self.controls
        if not c.slider.isSliderDown():
            c.slider.setValue(position_ms)
        detail = self.detail
        if detail is None:
            return
        origin = detail.segment.clip_start if self.showing_original else detail.segment.start_time
        t = origin + position_ms / 1000
        c.set_time(t, detail.recorded_at, detail.recorder_recorded_at)
        if not c.boxes_action.isChecked():
            self.view.set_boxes(())
            return
        evidence = self._evidence if self._evidence_video == detail.segment.video_id else ()
        self.view.set_boxes(boxes_at(detail, t) + evidence_at(evidence, t))

    def _find_elsewhere(self, box: Box) -> None:
        detail = self.detail
        if detail is None:
            return
        origin = detail.segment.clip_start if self.showing_original else detail.segment.start_time
        seconds = origin + self.player.position() / 1000 - detail.segment.start_time
        self.find_elsewhere_requested.emit(detail.segment.id, max(0.0, seconds), box)

    def set_evidence(self, video_id: uuid.UUID | None, points: tuple[tuple[float, Box], ...]) -> None:
        """Boxes an anomaly found in ``video_id`` (video seconds), drawn with the detections; ``()`` clears."""
        self._evidence_video = video_id
        self._evidence = tuple(sorted(points, key=lambda p: p[0]))

    # ------------------------------------------------------------------ reveal
    def ask_reveal(self) -> RevealDialog | None:
        return self.reveals.ask()

    def reveal(self, justification: str, password: str) -> None:
        """Ask the services for the original (they check the password, the role and the justification, and
        audit each)."""
        self.reveals.start(
            justification, password, on_revealed=self._on_revealed, on_errored=self._on_reveal_failed
        )

    def _on_revealed(self, segment_id: uuid.UUID, path: Path) -> None:
        if self.detail is None or self.detail.segment.id != segment_id:
            self._services.media.end_reveal(path)  # the user moved on meanwhile: it is never shown
            return
        position = self.player.position()
        self._open(path)
        self.reveals.hold(path)  # a previous reveal's ends (the same file stays: this reveal holds it too)
        seg = self.detail.segment
        self._start_ms = position + round(max(0.0, seg.start_time - seg.clip_start) * 1000)
        self.showing_original = True
        self._set_badge()
        self._update_enabled()
        self.controls.status_label.setText("Original shown. The reveal was recorded in the audit log.")
        self.revealed.emit(segment_id)

    def _on_reveal_failed(self, exc: Exception) -> None:
        self.controls.status_label.setText("The original was not shown.")
        show_error(self, exc, title="Reveal faces")

    def back_to_redacted(self) -> None:
        if self.detail is not None and self.showing_original:
            self.show_segment(self.detail.segment.id)

    # ------------------------------------------------------------------ looks
    def _set_badge(self) -> None:
        if self.detail is None:
            self.badge_label.hide()
            return
        paint_badge(self.badge_label, original=self.showing_original)
        self.badge_label.show()

    def _update_enabled(self) -> None:
        detail = self.detail
        self.controls.set_state(
            loaded=detail is not None,
            has_previous=detail is not None and detail.previous is not None,
            has_next=detail is not None and detail.next is not None,
            original=self.showing_original,
        )

    def _export(self) -> None:
        if self.detail is not None:
            self.export_requested.emit([self.detail.segment.id])

    def clear(self) -> None:
        """Show nothing (the video was deleted)."""
        self.stop()
        self.player.setSource(QUrl())
        self.detail = None
        self.showing_original = False
        self.title_label.setText("No segment")
        self.view.set_boxes(())
        self.hint_label.show()
        self._set_badge()
        self._update_enabled()

    def stop(self) -> None:
        self._reverse_timer.stop()
        self._load_task.cancel()
        self.reveals.cancel()
        self.player.stop()
        if self.reveals.original is not None:  # the window closes: nothing original stays open or cached
            self.player.setSource(QUrl())
            self.showing_original = False
            self.reveals.end()
