"""The grid's one transport: play/pause, J/K/L shuttle, frame steps, a slider over the span, the wall time."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.qt import (
    QAction,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QPalette,
    QSlider,
    QStyle,
    Qt,
    QToolButton,
    QWidget,
)

if TYPE_CHECKING:
    from datetime import datetime

    from chronotrace_desktop.domain.playback import WallSpan

SLIDER_STEP_S = 0.1  # one slider unit: a tenth of a second (a day's span stays far inside an int)


def _action(owner: QWidget, text: str, keys: tuple[str, ...], tip: str) -> QAction:
    action = QAction(text, owner)
    action.setShortcuts([QKeySequence(k) for k in keys])
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.setToolTip(f"{tip} ({', '.join(keys)})")
    owner.addAction(action)
    return action


def rate_text(rate: float) -> str:
    if rate == 0:
        return "Paused"
    return f"{'Reverse' if rate < 0 else 'Playing'} {abs(rate):g}\u00d7"


class SyncTransport(QWidget):
    def __init__(self, owner: QWidget) -> None:
        super().__init__(owner)
        sp = QStyle.StandardPixmap
        self.play_action = _action(owner, "Play / pause", ("Space",), "Play or pause every camera")
        self.j_action = _action(owner, "Shuttle reverse", ("J",), "Play backwards; again: faster")
        self.k_action = _action(owner, "Shuttle stop", ("K",), "Pause every camera")
        self.l_action = _action(owner, "Shuttle forward", ("L",), "Play forwards; again: faster")
        self.back_action = _action(owner, "Frame back", (",",), "One frame back on every camera")
        self.forward_action = _action(owner, "Frame forward", (".",), "One frame forward on every camera")
        icons = {
            self.play_action: sp.SP_MediaPlay,
            self.back_action: sp.SP_MediaSeekBackward,
            self.forward_action: sp.SP_MediaSeekForward,
        }
        for action, pixmap in icons.items():
            action.setIcon(self.style().standardIcon(pixmap))

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setToolTip("Move every camera to this time")
        self.wall_label = QLabel("—")
        self.wall_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.wall_label.setToolTip("The wall-clock time every camera shows (corrected for recorder clocks)")
        font = self.wall_label.font()
        font.setBold(True)
        self.wall_label.setFont(font)
        self.rate_label = QLabel(rate_text(0))
        self.rate_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.span_label = QLabel()
        self.span_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._span: WallSpan | None = None

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for action in (self.back_action, self.play_action, self.forward_action):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            layout.addWidget(button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.wall_label)
        layout.addWidget(self.rate_label)
        layout.addWidget(self.span_label)

    def set_span(self, span: WallSpan | None) -> None:
        self._span = span
        self.slider.setEnabled(span is not None)
        self.slider.setRange(0, round(span.seconds / SLIDER_STEP_S) if span is not None else 0)
        self.span_label.setText("" if span is None else f"{span.start:%H:%M:%S} to {span.end:%H:%M:%S}")

    def time_at(self, value: int) -> datetime | None:
        """The wall time at a slider position."""
        if self._span is None:
            return None
        return self._span.start + timedelta(seconds=value * SLIDER_STEP_S)

    def show_time(self, wall: datetime, rate: float) -> None:
        self.wall_label.setText(fmt.wall_clock(wall))
        self.rate_label.setText(rate_text(rate))
        pixmap = QStyle.StandardPixmap.SP_MediaPause if rate > 0 else QStyle.StandardPixmap.SP_MediaPlay
        self.play_action.setIcon(self.style().standardIcon(pixmap))
        if self._span is not None and not self.slider.isSliderDown():
            self.slider.setValue(round((wall - self._span.start).total_seconds() / SLIDER_STEP_S))
