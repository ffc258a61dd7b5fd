"""The multi-camera pane: choose two to four cameras (of the case) and play them in sync (``SyncGrid``).

The chooser lists the cameras with dated footage (``PlaybackService.cameras``), each with its video count and
the span it covers; "Play together" opens the checked ones in the grid. The main window also opens cameras
here directly (from the timeline) with :meth:`MultiCameraPane.open_cameras`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.panes import PANE_MIN_HEIGHT, PANE_MIN_WIDTH
from chronotrace_desktop.ui.panes.sync_grid import SyncGrid
from chronotrace_desktop.ui.qt import (
    QAction,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from chronotrace_desktop.ui.tasks import LatestTask

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from chronotrace_desktop.domain.playback import CameraFootage
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

MAX_CAMERAS = 4


def _cameras(
    state: TaskState, services: AppServices, actor: Actor, case_id: str | None
) -> list[CameraFootage]:
    return services.playback.cameras(actor, case_id)


def camera_text(camera: CameraFootage) -> str:
    name = f"{camera.camera_id} — {camera.name}" if camera.name else camera.camera_id
    if not camera.spans:
        return name
    first, last = camera.spans[0].start, camera.spans[-1].end
    return f"{name}  ({camera.video_count} videos, {fmt.timestamp(first)} → {fmt.timestamp(last)})"


class MultiCameraPane(QWidget):
    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setMinimumSize(PANE_MIN_WIDTH, PANE_MIN_HEIGHT)
        self._services = services
        self._actor = actor
        self._load = LatestTask(pool)
        self._case_id: str | None = None
        self.cameras: list[CameraFootage] = []
        self.grid = SyncGrid(services, actor, pool, self)
        self.grid.setMinimumHeight(
            PANE_MIN_HEIGHT - 40
        )  # the chooser bar above it makes up the pane's minimum

        self.choose_button = QToolButton()
        self.choose_button.setText("Cameras")
        self.choose_button.setToolTip(f"Tick two to {MAX_CAMERAS} cameras to play side by side")
        self.choose_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.choose_button)
        self.choose_button.setMenu(self.menu)
        self.play_button = QPushButton("Play together")
        self.play_button.setToolTip("Open the ticked cameras in the grid, locked to one wall-clock time")
        self.play_button.clicked.connect(self.play_checked)
        self.chosen_label = QLabel()
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 6, 6, 0)
        bar.addWidget(self.choose_button)
        bar.addWidget(self.play_button)
        bar.addWidget(self.chosen_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.grid, 1)
        self._update_chosen()
        self.refresh()

    def set_case(self, case_id: str | None) -> None:
        if case_id == self._case_id:
            return
        self._case_id = case_id
        self.grid.stop()
        self.refresh()

    def refresh(self) -> None:
        self._load.start(
            _cameras, self._services, self._actor, self._case_id, on_returned=self._fill, name="cameras"
        )

    def _fill(self, cameras: list[CameraFootage]) -> None:
        checked = set(self.checked())
        self.cameras = cameras
        self.menu.clear()
        for camera in cameras:
            action = QAction(camera_text(camera), self.menu)
            action.setCheckable(True)
            action.setData(camera.camera_id)
            action.setChecked(camera.camera_id in checked)
            action.toggled.connect(self._update_chosen)
            self.menu.addAction(action)
        if not cameras:
            none = self.menu.addAction("No camera has dated footage here yet")
            none.setEnabled(False)
        self._update_chosen()

    def checked(self) -> list[str]:
        return [a.data() for a in self.menu.actions() if a.isCheckable() and a.isChecked()]

    def _update_chosen(self) -> None:
        chosen = self.checked()
        count = len(chosen)
        self.play_button.setEnabled(1 <= count <= MAX_CAMERAS)
        if count > MAX_CAMERAS:
            self.chosen_label.setText(f"{count} ticked: the grid shows at most {MAX_CAMERAS}")
        else:
            self.chosen_label.setText(", ".join(chosen) if chosen else "No camera ticked")

    def play_checked(self) -> None:
        chosen = self.checked()
        if 1 <= len(chosen) <= MAX_CAMERAS:
            self.grid.open_cameras(chosen, case_id=self._case_id)

    def open_cameras(self, camera_ids: Sequence[str], at: datetime | None = None) -> None:
        """Play these cameras (the first four) from ``at``, ticking them in the chooser."""
        wanted = list(dict.fromkeys(camera_ids))[:MAX_CAMERAS]
        for action in self.menu.actions():
            if action.isCheckable():
                action.blockSignals(True)
                action.setChecked(action.data() in wanted)
                action.blockSignals(False)
        self._update_chosen()
        if wanted:
            self.grid.open_cameras(wanted, at=at, case_id=self._case_id)

    def stop(self) -> None:
        self.grid.stop()
