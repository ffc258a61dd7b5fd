"""Installation status: what ``chronotrace doctor`` checks (database, vectors, media store, models, engines,
codecs, disk, keyring), each with an ok, warning or problem icon and its message, over the versions and
places this installation runs with. Re-check runs the checks again on a worker thread."""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING

from chronotrace_desktop import __version__
from chronotrace_desktop.services.doctor import CheckStatus, check_running_app
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.qt import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPalette,
    QProgressBar,
    QPushButton,
    QStyle,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    qVersion,
)
from chronotrace_desktop.ui.tasks import LatestTask

if TYPE_CHECKING:
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.services.doctor import DoctorReport
    from chronotrace_desktop.workers.base import WorkerPool

ICONS = {
    CheckStatus.OK: QStyle.StandardPixmap.SP_DialogApplyButton,
    CheckStatus.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    CheckStatus.PROBLEM: QStyle.StandardPixmap.SP_MessageBoxCritical,
}
WORDS = {CheckStatus.OK: "ok", CheckStatus.WARNING: "warning", CheckStatus.PROBLEM: "problem"}


def _selectable(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class StatusPanel(QWidget):
    """``checked(report)`` after each run of the checks."""

    checked = Signal(object)

    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._actor = actor
        self._task = LatestTask(pool)
        self.report: DoctorReport | None = None
        self.busy = False
        info = services.installation.describe()
        facts = QFormLayout()
        for name, value in (
            ("ChronoTrace", __version__),
            ("Python / Qt", f"{platform.python_version()} / {qVersion()}"),
            ("Profile", info.profile),
            ("Data folder", str(info.data_dir)),
            ("Database", info.database),
            ("Vector store", info.vector_store),
        ):
            facts.addRow(f"{name}:", _selectable(value))
        facts_box = QGroupBox("This installation")
        facts_box.setLayout(facts)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.check_list = QListWidget()
        self.check_list.setWordWrap(True)
        self.check_list.setSpacing(3)
        self.check_list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.check_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # the checks report no steps: a busy indicator
        self.busy_bar.setMaximumHeight(12)
        self.busy_bar.setTextVisible(False)
        self.recheck_button = QPushButton("Re-check")
        self.recheck_button.clicked.connect(self.recheck)
        note = QLabel("The same checks as 'chronotrace doctor' in a terminal.")
        note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        buttons = QHBoxLayout()
        buttons.addWidget(note, 1)
        buttons.addWidget(self.busy_bar)
        buttons.addWidget(self.recheck_button)
        layout = QVBoxLayout(self)
        layout.addWidget(facts_box)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.check_list, 1)
        layout.addLayout(buttons)
        self.recheck()

    def recheck(self) -> None:
        services, actor = self._services, self._actor
        self.busy = True
        self.recheck_button.setEnabled(False)
        self.busy_bar.show()
        self.summary_label.setText("Checking\u2026")
        self._task.start(
            lambda _task: check_running_app(services, actor),
            on_returned=self._show,
            on_errored=self._failed,
            name="installation checks",
        )

    def _idle(self) -> None:
        self.busy = False
        self.recheck_button.setEnabled(True)
        self.busy_bar.hide()

    def _failed(self, exc: Exception) -> None:
        self._idle()
        self.summary_label.setText("The checks could not run.")
        show_error(self, exc, title="Installation status")

    def _show(self, report: DoctorReport) -> None:
        self._idle()
        self.report = report
        self.check_list.clear()
        style = self.style()
        for check in report.checks:
            item = QListWidgetItem(
                style.standardIcon(ICONS[check.status]),
                f"{check.name.capitalize()} \u2014 {WORDS[check.status]}\n{check.detail}",
            )
            item.setToolTip(check.detail)
            item.setData(Qt.ItemDataRole.UserRole, check.status)
            self.check_list.addItem(item)
        problems = sum(c.status is CheckStatus.PROBLEM for c in report.checks)
        warnings = sum(c.status is CheckStatus.WARNING for c in report.checks)
        if problems:
            text = f"{problems} problem(s) and {warnings} warning(s): this installation needs attention."
        elif warnings:
            text = f"Healthy, with {warnings} warning(s)."
        else:
            text = f"Healthy: all {len(report.checks)} checks passed."
        self.summary_label.setText(text)
        self.checked.emit(report)
