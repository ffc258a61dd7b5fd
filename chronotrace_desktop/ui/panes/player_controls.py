"""The player's transport: actions with forensic-review shortcuts, the scrub bar, time and speed."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.qt import (
    QAction,
    QComboBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QPalette,
    QSlider,
    QStyle,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from datetime import datetime

SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0, 4.0)
SHUTTLE_MAX = 8.0


class Shuttle:
    """J/K/L: each J or L press doubles the speed in its direction (up to 8x); K stops."""

    def __init__(self) -> None:
        self.rate = 0.0  # negative: reverse

    def forward(self) -> float:
        self.rate = 1.0 if self.rate <= 0 else min(SHUTTLE_MAX, self.rate * 2)
        return self.rate

    def reverse(self) -> float:
        self.rate = -1.0 if self.rate >= 0 else max(-SHUTTLE_MAX, self.rate * 2)
        return self.rate

    def reset(self) -> None:
        self.rate = 0.0


def _action(
    parent: QWidget,
    text: str,
    keys: str | tuple[str, ...],
    tip: str,
    icon: QStyle.StandardPixmap | None = None,
) -> QAction:
    action = QAction(text, parent)
    sequences = [QKeySequence(k) for k in ((keys,) if isinstance(keys, str) else keys)]
    action.setShortcuts(sequences)
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shown = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences)
    action.setToolTip(f"{tip} ({shown})" if shown else tip)
    if icon is not None:
        action.setIcon(parent.style().standardIcon(icon))
    return action


def _button(action: QAction, *, text: bool = False) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(
        Qt.ToolButtonStyle.ToolButtonTextBesideIcon if text else Qt.ToolButtonStyle.ToolButtonIconOnly
    )
    button.setAutoRaise(True)
    return button


class PlayerControls(QWidget):
    def __init__(
        self, owner: QWidget, *, can_reveal: bool, can_bookmark: bool = True, bookmark_tip: str = ""
    ) -> None:
        super().__init__(owner)
        self.can_bookmark = can_bookmark
        sp = QStyle.StandardPixmap
        self.play_action = _action(owner, "Play / pause", "Space", "Play or pause", sp.SP_MediaPlay)
        self.back_action = _action(owner, "Frame back", "Left", "One frame back", sp.SP_MediaSeekBackward)
        self.forward_action = _action(
            owner, "Frame forward", "Right", "One frame forward", sp.SP_MediaSeekForward
        )
        self.j_action = _action(owner, "Shuttle reverse", "J", "Play backwards; again: faster")
        self.k_action = _action(owner, "Shuttle stop", "K", "Stop")
        self.l_action = _action(owner, "Shuttle forward", "L", "Play forwards; again: faster")
        self.previous_action = _action(
            owner, "Previous segment", "PgUp", "The previous 15 s of this video", sp.SP_MediaSkipBackward
        )
        self.next_action = _action(
            owner, "Next segment", "PgDown", "The next 15 s of this video", sp.SP_MediaSkipForward
        )
        self.boxes_action = _action(
            owner, "Detections", "D", "Draw the detected people, vehicles, objects and faces"
        )
        self.boxes_action.setCheckable(True)
        self.reveal_action = _action(
            owner,
            "Reveal faces…",
            (),
            "Show the original with faces (justified and audited)",
            sp.SP_MessageBoxWarning,
        )
        self.redacted_action = _action(owner, "Back to redacted", (), "Show the faces-blurred clip again")
        self.export_action = _action(
            owner, "Export…", (), "Export this segment as evidence", sp.SP_DialogSaveButton
        )
        self.bookmark_action = _action(
            owner,
            "Bookmark (M)",
            "M",
            "Mark this moment with a note and, if you like, a box on the frame",
            sp.SP_FileDialogDetailedView,
        )
        if not can_bookmark:
            self.bookmark_action.setToolTip(bookmark_tip)
        self.reveal_action.setVisible(can_reveal)
        self.redacted_action.setVisible(False)

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.time_label = QLabel("0:00.000")
        self.time_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.wall_label = QLabel()
        self.wall_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.speed_combo = QComboBox()
        for speed in SPEEDS:
            self.speed_combo.addItem(f"{speed:g}\u00d7", speed)
        self.speed_combo.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_combo.setToolTip("Playback speed")
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.status_label = QLabel()
        self.status_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.status_label.setWordWrap(True)

        transport = QHBoxLayout()
        for action in (
            self.previous_action,
            self.back_action,
            self.play_action,
            self.forward_action,
            self.next_action,
        ):
            transport.addWidget(_button(action))
        transport.addWidget(self.slider, 1)
        transport.addWidget(self.time_label)
        options = QHBoxLayout()
        options.addWidget(self.speed_combo)
        boxes = _button(self.boxes_action, text=True)
        options.addWidget(boxes)
        for action in (self.bookmark_action, self.reveal_action, self.redacted_action, self.export_action):
            options.addWidget(_button(action, text=True))
        options.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(transport)
        layout.addLayout(options)
        layout.addWidget(self.wall_label)
        layout.addWidget(self.status_label)

    def actions_list(self) -> list[QAction]:
        return [
            self.play_action,
            self.back_action,
            self.forward_action,
            self.j_action,
            self.k_action,
            self.l_action,
            self.previous_action,
            self.next_action,
            self.boxes_action,
            self.bookmark_action,
            self.reveal_action,
            self.redacted_action,
            self.export_action,
        ]

    def speed(self) -> float:
        return float(self.speed_combo.currentData() or 1.0)

    def set_playing(self, playing: bool) -> None:
        pixmap = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_action.setIcon(self.style().standardIcon(pixmap))

    def set_time(
        self, seconds: float, recorded_at: datetime | None, recorder_at: datetime | None = None
    ) -> None:
        """``recorded_at``: the corrected start; ``recorder_at``: the recorder's own, shown beside it when an
        offset corrects the recorder's clock."""
        self.time_label.setText(fmt.clock(seconds))
        if recorded_at is not None:
            moment = recorded_at + timedelta(seconds=seconds)
            recorder = recorder_at + timedelta(seconds=seconds) if recorder_at is not None else None
            self.wall_label.setText(
                "Recorded " + fmt.wall_clock(moment) + fmt.recorder_note(moment, recorder)
            )
            self.wall_label.setToolTip(
                "Wall-clock time of this frame (recording start + offset)"
                + (
                    "; corrected for the recorder's clock, whose own time is in brackets"
                    if recorder is not None and recorder != moment
                    else ""
                )
            )
        else:
            self.wall_label.setText("Recording time unknown — offset from the start of the video")
            self.wall_label.setToolTip("Set a recording time at ingest to see wall-clock time here")

    def set_state(self, *, loaded: bool, has_previous: bool, has_next: bool, original: bool) -> None:
        for action in (
            self.play_action,
            self.back_action,
            self.forward_action,
            self.j_action,
            self.k_action,
            self.l_action,
            self.boxes_action,
            self.export_action,
        ):
            action.setEnabled(loaded)
        self.slider.setEnabled(loaded)
        self.bookmark_action.setEnabled(loaded and self.can_bookmark)
        self.previous_action.setEnabled(has_previous)
        self.next_action.setEnabled(has_next)
        self.reveal_action.setEnabled(loaded and not original)
        self.redacted_action.setVisible(original)
