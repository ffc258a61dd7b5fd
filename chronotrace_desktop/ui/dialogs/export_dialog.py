"""Export an evidence package from selected search hits, an anomaly or the player.

The dialog asks for the case the export belongs to (preselected: the case the user works in; its bookmarks go in
the report) or, in all footage, a free case reference; what to include; whether the unredacted originals go in too
(only shown to roles that may reveal faces, with the justification the audit log records and the user's password
again, so a workstation left signed in exports nothing unredacted); an optional watermark, a zip or a folder, and
where. The export runs in a worker (``workers.base``; the work is in ``export_package``): progress shows in the
dialog, Cancel stops it (the service removes the half-written package) and, once it is written, "Open folder"
shows it in the file manager and records the opening on the export's row (``downloaded_at``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.domain.export import ExportRequest, ExportResult, ExportType
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.services.media_access import MIN_JUSTIFICATION_CHARS
from chronotrace_desktop.ui.dialogs.export_package import TYPE_LABELS, describe, mark_opened, run_export
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.qt import (
    QCheckBox,
    QComboBox,
    QDesktopServices,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPalette,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    Qt,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.tasks import start_task
from chronotrace_desktop.ui.theme import DANGER, accent_text

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from chronotrace_desktop.domain.cases import CaseInfo
    from chronotrace_desktop.domain.export import ExportSelection, ReportRenderer
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import ReauthService
    from chronotrace_desktop.services.export import ExportService
    from chronotrace_desktop.workers.base import Worker, WorkerPool

logger = logging.getLogger(__name__)


class ExportDialog(QDialog):
    """``export_finished(ExportResult)`` once the package is written."""

    export_finished = Signal(ExportResult)

    def __init__(
        self,
        exports: ExportService,
        actor: Actor,
        selection: ExportSelection,
        pool: WorkerPool,
        *,
        reauth: ReauthService,
        renderer: ReportRenderer | None = None,
        destination: Path | None = None,
        case_id: str = "",
        cases: Sequence[CaseInfo] = (),
        current_case: str | None = None,
        open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._exports = exports
        self._reauth = reauth
        self._actor = actor
        self._selection = selection
        self._pool = pool
        self._renderer = renderer if renderer is not None else exports.renderer
        self._open_url = open_url
        self._worker: Worker[ExportResult] | None = None
        self.result_: ExportResult | None = None
        self.may_reveal = is_allowed(actor.role, Action.EXPORT_UNREDACTED) and is_allowed(
            actor.role, Action.REVEAL_PII
        )
        self.setWindowTitle("Export evidence \u2014 ChronoTrace")
        self.setMinimumWidth(560)
        self._cases = {c.case_id: c for c in cases}
        self._build(case_id, destination or Path.home() / "ChronoTrace exports")
        self._fill_cases(current_case)
        self._set_running(False)

    # ------------------------------------------------------------------ layout

    def _build(self, case_id: str, destination: Path) -> None:
        heading = QLabel(f"Export {describe(self._selection)} as an evidence package.")
        heading.setWordWrap(True)
        self.case_edit = QLineEdit(case_id)
        self.case_edit.setPlaceholderText("e.g. CASE-2024-0001")
        self._free_reference = case_id
        self.case_combo = QComboBox()
        self.case_combo.setToolTip("The investigation this export belongs to: its bookmarks go in the report")
        self.case_combo.currentIndexChanged.connect(lambda _i: self._case_chosen())
        types = QWidget()
        grid = QGridLayout(types)
        grid.setContentsMargins(0, 0, 0, 0)
        self.type_checks: dict[ExportType, QCheckBox] = {}
        for i, kind in enumerate(ExportType):
            check = QCheckBox(TYPE_LABELS[kind])
            check.setChecked(True)
            self.type_checks[kind] = check
            grid.addWidget(check, i // 2, i % 2)
        self.redaction_label = QLabel("Clips are exported redacted: faces and heads blurred, no audio.")
        self.redaction_label.setWordWrap(True)
        self.reveal_check = QCheckBox("Also include the unredacted originals (recorded in the audit log)")
        self.justification_edit = QPlainTextEdit()
        self.justification_edit.setPlaceholderText(
            f"Why the faces are needed, at least {MIN_JUSTIFICATION_CHARS} characters "
            "(e.g. CASE-2024-0001: identify the driver of the white van)"
        )
        self.justification_edit.setMaximumHeight(70)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("the password you signed in with, to confirm it is you")
        self.reveal_check.toggled.connect(self._update_reveal)
        self.watermark_edit = QLineEdit()
        self.watermark_edit.setPlaceholderText("e.g. EVIDENCE - CASE-2024-0001 (burned into the clips)")
        self.zip_check = QCheckBox("Write a single .zip file instead of a folder")
        self.destination_edit = QLineEdit(str(destination))
        self.browse_button = QPushButton("Browse\u2026")
        self.browse_button.clicked.connect(self._browse)
        dest_row = QWidget()
        row = QHBoxLayout(dest_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.destination_edit, 1)
        row.addWidget(self.browse_button)

        self._form = QFormLayout()
        self._form.addRow("Case:", self.case_combo)
        self._form.addRow("Case id:", self.case_edit)
        self._form.addRow("Include:", types)
        self._form.addRow("Redaction:", self.redaction_label)
        self._form.addRow("", self.reveal_check)
        self._form.addRow("Justification:", self.justification_edit)
        self._form.addRow("Your password:", self.password_edit)
        self._form.addRow("Watermark:", self.watermark_edit)
        self._form.addRow("", self.zip_check)
        self._form.addRow("Save in:", dest_row)
        self._form.setRowVisible(self.reveal_check, self.may_reveal)
        self._update_reveal(False)

        self.progress_bar = QProgressBar()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        palette = self.error_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, accent_text(DANGER, self.palette()))
        self.error_label.setPalette(palette)
        self.error_label.hide()

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.open_button = self.buttons.addButton("Open folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton("Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        self.export_button.clicked.connect(self.submit)
        self.open_button.clicked.connect(self.open_folder)
        self.close_button.clicked.connect(self._close_or_cancel)
        self.open_button.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(self._form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def _fill_cases(self, current: str | None) -> None:
        self.case_combo.addItem("All footage (no case)", None)
        for case in self._cases.values():
            hold = " · evidence hold" if case.evidence_hold else ""
            self.case_combo.addItem(case.label + hold, case.case_id)
        if current is not None and current not in self._cases:
            self.case_combo.addItem(current, current)  # the window's case, not in the list it passed
        index = self.case_combo.findData(current) if current is not None else 0
        self.case_combo.setCurrentIndex(max(0, index))
        self._form.setRowVisible(self.case_combo, self.case_combo.count() > 1)
        self._case_chosen()

    @property
    def case(self) -> str | None:
        """The case chosen (``CASE-…``), None for all footage."""
        data = self.case_combo.currentData()
        return str(data) if data else None

    def _case_chosen(self) -> None:
        """In a case the reference is the case's id; in all footage the user types one."""
        case = self.case
        if case is not None:
            if self.case_edit.isEnabled():
                self._free_reference = self.case_edit.text()
            self.case_edit.setText(case)
        else:
            self.case_edit.setText(self._free_reference)
        self.case_edit.setEnabled(case is None and self._worker is None and self.result_ is None)
        self._form.setRowVisible(self.case_edit, case is None)  # in a case, the case's id is the reference

    def _update_reveal(self, checked: bool) -> None:
        self._form.setRowVisible(self.justification_edit, self.may_reveal and checked)
        self._form.setRowVisible(self.password_edit, self.may_reveal and checked)
        self.adjustSize()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the package in", self.destination_edit.text())
        if folder:
            self.destination_edit.setText(folder)

    # ------------------------------------------------------------------ behaviour

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def request(self) -> ExportRequest:
        """The request the form describes (``InvalidInputError`` when it is incomplete)."""
        types = frozenset(kind for kind, check in self.type_checks.items() if check.isChecked())
        revealing = self.may_reveal and self.reveal_check.isChecked()
        justification = self.justification_edit.toPlainText() if revealing else None
        return ExportRequest(
            case_id=self.case_edit.text(),
            case=self.case,
            selection=self._selection,
            destination=Path(self.destination_edit.text().strip() or "."),
            types=types,
            watermark=self.watermark_edit.text() or None,
            reveal_justification=justification,
            zip=self.zip_check.isChecked(),
        )

    def submit(self) -> None:
        if self.busy:
            return
        try:
            request = self.request()
        except UserFacingError as exc:
            self.show_error(str(exc))
            return
        if self.may_reveal and self.reveal_check.isChecked() and not request.reveal_justification:
            self.show_error("Say why the unredacted originals are needed, or untick that option.")
            return
        if request.unredacted and not self.password_edit.text():
            self.show_error("Enter your password to include the unredacted originals, or untick that option.")
            return
        password = self.password_edit.text() if request.unredacted else None
        self.password_edit.clear()  # kept by no widget: asked again for another try
        self.show_error(None)
        self.result_ = None
        self._worker = start_task(
            self._pool,
            run_export,
            self._exports,
            self._reauth,
            self._actor,
            request,
            self._renderer,
            password,
            on_returned=self._on_exported,
            on_errored=self._on_failed,
            progress=self._on_progress,
            name="export evidence package",
        )
        self.status_label.setText("Exporting\u2026")
        self._set_running(True)

    def cancel_export(self) -> None:
        if self._worker is not None:
            self._worker.cancel()  # nothing more arrives from it; the service discards the partial package
            self._worker = None
            self._set_running(False)
            self.status_label.setText("Export cancelled; nothing was kept.")

    def show_error(self, message: str | None) -> None:
        text = message or ""
        self.error_label.setText(text[:1].upper() + text[1:])
        self.error_label.setVisible(bool(message))
        self.adjustSize()

    def _close_or_cancel(self) -> None:
        if self.busy:
            self.cancel_export()
        else:
            self.reject()

    def _set_running(self, running: bool) -> None:
        editable = not running and self.result_ is None  # a written package's form stays as it was
        self.case_edit.setEnabled(editable and self.case is None)
        self.case_combo.setEnabled(editable)
        for widget in (
            self.watermark_edit,
            self.destination_edit,
            self.justification_edit,
            self.password_edit,
        ):
            widget.setEnabled(editable)
        for check in (*self.type_checks.values(), self.reveal_check, self.zip_check):
            check.setEnabled(editable)
        self.export_button.setEnabled(editable)
        self.browse_button.setEnabled(editable)
        self.progress_bar.setVisible(running)
        self.close_button.setText("Cancel export" if running else ("Close" if self.result_ else "Cancel"))
        if running:
            self.progress_bar.setRange(0, 0)
            self.open_button.hide()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
        self.status_label.setText(f"Exporting\u2026 {message}" if message else "Exporting\u2026")

    def _on_exported(self, result: ExportResult) -> None:
        self._worker = None
        self.result_ = result
        self._set_running(False)
        media = "with the unredacted originals" if result.unredacted else "redacted"
        self.status_label.setText(
            f"Written: {result.path}\n{result.segment_count} segment(s), {result.file_count} files ({media}), "
            f"{result.total_bytes / 1e6:.1f} MB in {result.elapsed_s:.1f} s.\n"
            f"manifest.json SHA-256: {result.manifest_sha256}"
        )
        self.status_label.setTextInteractionFlags(
            self.status_label.textInteractionFlags() | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.open_button.show()
        self.export_button.hide()
        self.adjustSize()  # a top-level dialog does not grow by itself when its labels do
        logger.info("Exported %s to %s", result.export_id, result.path)
        self.export_finished.emit(result)

    def _on_failed(self, exc: Exception) -> None:
        self._worker = None
        self._set_running(False)
        self.status_label.clear()
        if isinstance(exc, UserFacingError):
            self.show_error(str(exc))
        else:
            self.show_error("The export failed because of an internal error; the details are in the log.")
            show_error(self, exc)

    def open_folder(self) -> None:
        """Show the package in the file manager and record the opening on the export's row."""
        if self.result_ is None:
            return
        start_task(
            self._pool,
            mark_opened,
            self._exports,
            self._actor,
            self.result_,
            on_returned=self._show_path,
            on_errored=lambda exc: self.show_error(str(exc)),
            name="open exported package",
        )

    def _show_path(self, path: Path) -> None:
        folder = path if path.is_dir() else path.parent
        if not self._open_url(QUrl.fromLocalFile(str(folder))):
            self.show_error(f"No file manager could be opened; the package is in {folder}.")

    def done(self, result: int) -> None:
        self.cancel_export()  # closing the dialog stops a running export
        super().done(result)
