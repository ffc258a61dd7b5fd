"""The player's transport on its media player: play/pause, frame steps and the J/K/L shuttle (J reverse, K stop,
L forward; pressing J or L again doubles the speed) at the speed the controls choose. The media player cannot
play backwards, so reverse moves the position back on a timer (``REVERSE_TICK_MS``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui.panes.player_controls import Shuttle
from chronotrace_desktop.ui.qt import QObject, QTimer
from chronotrace_desktop.ui.qt_media import QMediaPlayer

if TYPE_CHECKING:
    from chronotrace_desktop.ui.panes.player_controls import PlayerControls

DEFAULT_FPS = 25.0
REVERSE_TICK_MS = 40


class PlayerTransport(QObject):
    def __init__(self, player: QMediaPlayer, controls: PlayerControls, parent: QObject) -> None:
        super().__init__(parent)
        self._player = player
        self._controls = controls
        self.shuttle = Shuttle()
        self.reverse_timer = QTimer(self)
        self.reverse_timer.setInterval(REVERSE_TICK_MS)
        self.reverse_timer.timeout.connect(self._reverse_tick)

    def playing(self) -> bool:
        return self._player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def toggle_play(self) -> None:
        self.reverse_timer.stop()
        self.shuttle.reset()
        if self.playing():
            self._player.pause()
        else:
            self.apply_speed()
            self._player.play()

    def step(self, frames: int, fps: float | None) -> None:
        """Pause and move ``frames`` frames (negative: back) at ``fps`` (unknown: ``DEFAULT_FPS``)."""
        self.reverse_timer.stop()
        self.shuttle.reset()
        self._player.pause()
        fps = fps or DEFAULT_FPS
        target = self._player.position() + round(frames * 1000 / fps)
        self._player.setPosition(max(0, min(target, self._player.duration())))

    def shuttle_forward(self) -> None:
        self.reverse_timer.stop()
        self._player.setPlaybackRate(self.shuttle.forward())
        self._player.play()

    def shuttle_reverse(self) -> None:
        self.shuttle.reverse()
        self._player.pause()
        self.reverse_timer.start()

    def shuttle_stop(self) -> None:
        self.shuttle.reset()
        self.reverse_timer.stop()
        self._player.pause()
        self.apply_speed()

    def _reverse_tick(self) -> None:
        target = self._player.position() - round(REVERSE_TICK_MS * abs(self.shuttle.rate))
        if target <= 0:
            self.reverse_timer.stop()
            self.shuttle.reset()
        self._player.setPosition(max(0, target))

    def apply_speed(self) -> None:
        self._player.setPlaybackRate(self._controls.speed())
