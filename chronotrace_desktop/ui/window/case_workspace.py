"""Which case the window works in: the case picker, "New case…", "Case details…" and "Add to case".

The picker lists "All footage" and every case (open ones first; closed and archived ones marked); the choice
persists between runs, and the window opens on it. Changing it emits :attr:`CaseWorkspace.case_changed`, which
the window passes to search, timeline, anomaly queue, bookmarks, player and export. Every change goes through
``CaseService`` in the background (roles and the audit trail are there).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.cases import CaseStatus
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.services.cases import CaseChanges
from chronotrace_desktop.ui.dialogs.case_dialog import CaseDialog
from chronotrace_desktop.ui.qt import QAction, QComboBox, QKeySequence, QObject, QSizePolicy, Signal
from chronotrace_desktop.ui.tasks import LatestTask, start_task

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Sequence

    from chronotrace_desktop.domain.cases import CaseInfo
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.qt import QMainWindow, QSettings
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

CASE_KEY = "workspace/case"
ALL_FOOTAGE = "All footage"
NO_CASE_CHOSEN = "Choose a case in the toolbar first (or open one with Case ▸ New case…)."


def _list(state: TaskState, services: AppServices, actor: Actor) -> list[CaseInfo]:
    return services.cases.list_cases(actor)


def _get(state: TaskState, services: AppServices, actor: Actor, case_id: str) -> CaseInfo:
    return services.cases.get(actor, case_id)


def _create(state: TaskState, services: AppServices, actor: Actor, dialog: CaseDialog) -> CaseInfo:
    return services.cases.create(actor, dialog.title, notes=dialog.notes, case_id=dialog.agency_id)


def _update(
    state: TaskState, services: AppServices, actor: Actor, case_id: str, dialog: CaseDialog
) -> CaseInfo:
    case = services.cases.update(
        actor, case_id, CaseChanges(title=dialog.title, notes=dialog.notes, status=dialog.status)
    )
    if dialog.hold_change == "set":
        case = services.cases.set_hold(actor, case_id, dialog.hold_reason)
    elif dialog.hold_change == "release":
        case = services.cases.release_hold(actor, case_id, dialog.hold_reason)
    return case


def _add(
    state: TaskState, services: AppServices, actor: Actor, case_id: str, video_ids: Sequence[uuid.UUID]
) -> CaseInfo:
    return services.cases.add_videos(actor, case_id, video_ids)


def case_label(case: CaseInfo) -> str:
    label = case.label
    if case.status is not CaseStatus.OPEN:
        label += f" ({case.status.value})"
    if case.evidence_hold:
        label += " \N{LOCK}"
    return label


class CaseWorkspace(QObject):
    case_changed = Signal(object)  # str | None
    message = Signal(str)  # a line for the status bar

    def __init__(
        self,
        services: AppServices,
        actor: Actor,
        pool: WorkerPool,
        settings: QSettings,
        window: QMainWindow,
        *,
        selected_videos: Callable[[], list[uuid.UUID]],
    ) -> None:
        super().__init__(window)
        self._services = services
        self._actor = actor
        self._pool = pool
        self._settings = settings
        self._window = window
        self._selected_videos = selected_videos
        self._load = LatestTask(pool)
        self._cases: dict[str, CaseInfo] = {}
        self._current: str | None = None
        wanted = settings.value(CASE_KEY)
        self._wanted: str | None = wanted if isinstance(wanted, str) and wanted else None

        self.combo = QComboBox()
        self.combo.setObjectName("casePicker")
        self.combo.setMinimumContentsLength(28)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.combo.setToolTip("The case you work in: search, timeline, anomaly queue and bookmarks follow it")
        self.combo.addItem(ALL_FOOTAGE, None)
        self.combo.currentIndexChanged.connect(self._picked)

        can_manage = is_allowed(actor.role, Action.MANAGE_CASES)
        self.new_action = QAction("&New case…", window)
        self.new_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.new_action.setEnabled(can_manage)
        self.new_action.setToolTip(
            "Open a case for an investigation" if can_manage else "An analyst or administrator opens cases."
        )
        self.new_action.triggered.connect(self.new_case)
        self.details_action = QAction("Case &details…", window)
        self.details_action.setToolTip("The current case's title, status, notes and evidence hold")
        self.details_action.setEnabled(False)
        self.details_action.triggered.connect(self.show_details)
        self.add_videos_action = QAction("&Add selected videos to case", window)
        self.add_videos_action.setEnabled(False)
        self.add_videos_action.setToolTip(NO_CASE_CHOSEN)
        self.add_videos_action.triggered.connect(self.add_selected_videos)
        self._can_manage = can_manage
        self.refresh()

    @property
    def current(self) -> str | None:
        return self._current

    @property
    def cases(self) -> list[CaseInfo]:
        return list(self._cases.values())

    @property
    def current_case(self) -> CaseInfo | None:
        return self._cases.get(self._current) if self._current else None

    def refresh(self) -> None:
        self._load.start(_list, self._services, self._actor, on_returned=self._fill, name="cases")

    def _fill(self, cases: list[CaseInfo]) -> None:
        self._cases = {c.case_id: c for c in cases}
        keep = self._wanted or self._current
        self.combo.blockSignals(True)
        try:
            self.combo.clear()
            self.combo.addItem(ALL_FOOTAGE, None)
            for case in cases:
                self.combo.addItem(case_label(case), case.case_id)
                self.combo.setItemData(self.combo.count() - 1, case.notes or case.title, 3)  # ToolTipRole
            index = self.combo.findData(keep) if keep else 0
            self.combo.setCurrentIndex(max(index, 0))
        finally:
            self.combo.blockSignals(False)
        self._wanted = None
        self._picked(self.combo.currentIndex())

    def select(self, case_id: str | None) -> None:
        index = self.combo.findData(case_id) if case_id else 0
        if index < 0:
            self._wanted = case_id
            self.refresh()
            return
        self.combo.setCurrentIndex(index)

    def _picked(self, index: int) -> None:
        case_id = self.combo.itemData(index) if index >= 0 else None
        self.details_action.setEnabled(case_id is not None)
        self.add_videos_action.setEnabled(case_id is not None and self._can_manage)
        self.add_videos_action.setToolTip(
            f"Put the videos selected in the library into {case_id}" if case_id else NO_CASE_CHOSEN
        )
        if case_id == self._current:
            return
        self._current = case_id
        self._settings.setValue(CASE_KEY, case_id or "")
        title = "ChronoTrace"
        if case_id:
            case = self._cases.get(case_id)
            title = f"{case.label if case else case_id} — ChronoTrace"
        self._window.setWindowTitle(title)
        self.case_changed.emit(case_id)

    # ------------------------------------------------------------------ commands
    def new_case(self) -> CaseDialog:
        dialog = CaseDialog(self._actor, None, self._window)
        dialog.accepted.connect(
            lambda: start_task(
                self._pool,
                _create,
                self._services,
                self._actor,
                dialog,
                on_returned=self._opened,
                error_parent=self._window,
                name="new case",
            )
        )
        dialog.open()
        return dialog

    def _opened(self, case: CaseInfo) -> None:
        self.message.emit(f"Opened {case.case_id}: {case.title}")
        self._wanted = case.case_id
        self.refresh()

    def show_details(self) -> None:
        if self._current is None:
            return
        start_task(
            self._pool, _get, self._services, self._actor, self._current,
            on_returned=self.edit, error_parent=self._window, name="case details",
        )  # fmt: skip

    def edit(self, case: CaseInfo) -> CaseDialog:
        dialog = CaseDialog(self._actor, case, self._window)
        dialog.accepted.connect(
            lambda: start_task(
                self._pool,
                _update,
                self._services,
                self._actor,
                case.case_id,
                dialog,
                on_returned=self._changed,
                error_parent=self._window,
                name="change case",
            )
        )
        dialog.open()
        return dialog

    def _changed(self, case: CaseInfo) -> None:
        self.message.emit(f"{case.case_id} saved")
        self.refresh()

    def add_selected_videos(self) -> None:
        ids = self._selected_videos()
        if self._current is None or not ids:
            self.message.emit(
                NO_CASE_CHOSEN if self._current is None else "Select videos in the library first."
            )
            return
        start_task(
            self._pool, _add, self._services, self._actor, self._current, ids,
            on_returned=lambda case: self._added(case, len(ids)), error_parent=self._window, name="add to case",
        )  # fmt: skip

    def _added(self, case: CaseInfo, count: int) -> None:
        self.message.emit(f"{count} video(s) added to {case.case_id} (it holds {case.video_count})")
        self.refresh()
        self.case_changed.emit(self._current)  # what follows the case reloads with its new videos
