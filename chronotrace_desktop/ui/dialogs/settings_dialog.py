"""Tools ▸ Settings…: profile, server addresses, passwords (to the keyring), detection options, and the
embedding engines beside the offline default (one tab each, so the dialog fits a laptop screen).

Values go to the installation's ``settings.json`` and passwords to the system keyring through the settings
service (administrators only; others see the values read-only, without the engines page). Changes apply at
the next start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.services.admin import SECRET_TARGETS
from chronotrace_desktop.ui.dialogs.engine_settings import ENGINES_SETTING, FIELD_HINTS, EngineSettingsPage
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)

if TYPE_CHECKING:
    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.admin import SettingsView
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.base import WorkerPool

_SECRETS = (
    (SecretName.DATABASE_PASSWORD, "Database password"),
    (SecretName.QDRANT_API_KEY, "Qdrant API key"),
    (SecretName.S3_SECRET_ACCESS_KEY, "S3 secret key"),
    (SecretName.SMTP_PASSWORD, "SMTP password"),
)


class SettingsDialog(QDialog):
    saved = Signal(list)  # names of what changed

    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings — ChronoTrace")
        self.setMinimumWidth(640)
        self._services = services
        self._actor = actor
        self._pool = pool
        self.view: SettingsView = services.settings_admin.view(actor)
        self.editable = is_allowed(actor.role, Action.MANAGE_DATABASE)
        self.fields: dict[str, QWidget] = {}
        self.secrets: dict[SecretName, QLineEdit] = {}
        self.engines_page: EngineSettingsPage | None = None
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        # White on the danger red in both schemes (a dark palette's bright-text can be red itself: unreadable).
        self.error_label.setStyleSheet("color: #ffffff; background: #b3261e; padding: 6px;")
        self.error_label.hide()
        self._build()

    def _build(self) -> None:
        values = self.view.values
        place = QFormLayout()
        for name, text in (
            ("Data folder", str(self.view.data_dir)),
            ("Settings file", str(self.view.settings_file)),
        ):
            label = QLabel(text)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            place.addRow(f"{name}:", label)
        profiles = (("Workstation (embedded database and vectors)", "workstation"),
                    ("Team (PostgreSQL, Qdrant and S3 servers)", "team"))  # fmt: skip
        place.addRow("Profile:", self._choice("profile", profiles, values["profile"]))

        servers = QFormLayout()
        for name, title in (("database_url", "Database URL"), ("qdrant_url", "Qdrant URL")):  # fmt: skip
            servers.addRow(f"{title}:", self._line(name, values[name]))
            for secret, secret_label in _SECRETS:
                if SECRET_TARGETS[secret] == name:
                    servers.addRow(f"{secret_label}:", self._secret(secret))
        stores = (("Local folder (data folder/media)", "local"), ("S3 bucket (shared by the team)", "s3"))
        servers.addRow("Media store:", self._choice("media_store", stores, values["media_store"]))
        for name, title in (("s3_bucket", "S3 bucket"), ("s3_prefix", "S3 key prefix"),
                            ("s3_endpoint_url", "S3 endpoint"), ("s3_region", "S3 region"),
                            ("s3_access_key_id", "S3 access key ID")):  # fmt: skip
            servers.addRow(f"{title}:", self._line(name, values[name]))
        servers.addRow("S3 secret key:", self._secret(SecretName.S3_SECRET_ACCESS_KEY))

        alerts = QFormLayout()
        alerts.addRow("SMTP host:", self._line("smtp_host", values["smtp_host"]))
        port = QSpinBox()
        port.setRange(1, 65535)
        port.setValue(int(values["smtp_port"]))
        self.fields["smtp_port"] = port
        alerts.addRow("SMTP port:", port)
        alerts.addRow("Sender address:", self._line("smtp_from", values["smtp_from"]))
        alerts.addRow("SMTP password:", self._secret(SecretName.SMTP_PASSWORD))

        analysis = QFormLayout()
        interval = QDoubleSpinBox()
        interval.setRange(0.25, 5.0)
        interval.setSingleStep(0.25)
        interval.setSuffix(" s")
        interval.setValue(float(values["ingest_detect_interval"]))
        interval.setToolTip("1 s keeps a passer-by from going unseen (and unblurred); 2 s ingests faster.")
        self.fields["ingest_detect_interval"] = interval
        analysis.addRow("Detectors run every:", interval)
        workers = QSpinBox()
        workers.setRange(1, 16)
        workers.setValue(int(values["ingest_workers"]))
        self.fields["ingest_workers"] = workers
        analysis.addRow("Files ingested at once:", workers)
        if "redaction_mode" in values:  # listed in settings_admin.EDITABLE
            modes = (("Heads and faces", "heads"),
                     ("Heads, faces and whole upper bodies", "upper_body"))  # fmt: skip
            redaction = self._choice("redaction_mode", modes, values["redaction_mode"])
            redaction.setToolTip(
                "Upper bodies: every detected person's chest and arms are blurred too, in the player, "
                "thumbnails and exports (clothing, badges, tattoos). Clips are rendered again in that mode."
            )
            analysis.addRow("Redaction blurs:", redaction)

        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        pages = (("General", (("Installation", place), ("Analysis", analysis))),
                 ("Team servers", (("Team servers", servers),)),
                 ("E-mail alerts", (("E-mail alerts", alerts),)))  # fmt: skip
        for tab_title, groups in pages:
            page = QWidget()
            page_layout = QVBoxLayout(page)
            for title, form in groups:
                box = QGroupBox(title)
                box.setLayout(form)
                page_layout.addWidget(box)
            page_layout.addStretch(1)
            self.tabs.addTab(page, tab_title)
        if self.editable and ENGINES_SETTING in values:  # engines: administrators only
            self.engines_page = EngineSettingsPage(values, self.fields, self.secrets)
            scroll = QScrollArea()  # the tallest page: it scrolls rather than squash on a short screen
            scroll.setWidget(self.engines_page)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.tabs.addTab(scroll, "Embedding engines")
        layout.addWidget(self.tabs)
        keyring = self.view.keyring_backend if self.view.keyring_available else "none available"
        note = QLabel(
            f"Passwords go to the system keyring ({keyring}), never to the settings file. "
            "Changes apply when ChronoTrace starts again."
            + ("" if self.editable else " Only administrators can change settings.")
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
            if self.editable
            else QDialogButtonBox.StandardButton.Close
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout.addWidget(buttons)
        for widget in [*self.fields.values(), *self.secrets.values()]:
            widget.setEnabled(self.editable)
        if self.engines_page is not None:
            self.engines_page.sync_enabled()
            # Open tall enough for the whole engines page where the screen allows; shorter screens scroll it.
            whole = (
                self.sizeHint().height() - scroll.sizeHint().height() + self.engines_page.sizeHint().height()
            )
            screen = self.screen().availableGeometry().height()
            self.resize(max(640, self.sizeHint().width()), min(whole, int(screen * 0.9)))

    def _choice(self, name: str, items: tuple[tuple[str, str], ...], value: Any) -> QComboBox:
        box = QComboBox()
        for text, data in items:
            box.addItem(text, data)
        box.setCurrentIndex(max(0, box.findData(str(value))))
        self.fields[name] = box
        return box

    def _line(self, name: str, value: Any) -> QLineEdit:
        edit = QLineEdit("" if value is None else str(value))
        edit.setMinimumWidth(380)
        self.fields[name] = edit
        return edit

    def _secret(self, name: SecretName) -> QLineEdit:
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setPlaceholderText("unchanged (kept in the keyring)")
        self.secrets[name] = edit
        return edit

    def changes(self) -> dict[str, Any]:
        """The settings whose widgets differ from the stored values (empty text: remove the setting)."""
        current = self.view.values
        found: dict[str, Any] = {}
        if self.engines_page is not None and self.engines_page.engines_changed():
            found[ENGINES_SETTING] = self.engines_page.engines()
        for name, widget in self.fields.items():
            if isinstance(widget, QLineEdit):
                value: Any = widget.text().strip() or None
            elif isinstance(widget, QComboBox):
                value = widget.currentData()
            elif isinstance(widget, QSpinBox | QDoubleSpinBox):
                value = widget.value()
            else:  # pragma: no cover - every field is one of the above
                continue
            before = current[name]
            if str(value if value is not None else "") != str(before if before is not None else ""):
                found[name] = value
        return found

    def save(self) -> None:
        changes = self.changes()
        secrets = {name: edit.text() for name, edit in self.secrets.items() if edit.text()}
        if not changes and not secrets:
            self.accept()
            return
        problem = self.engines_page.problem(changes, secrets) if self.engines_page is not None else None
        if problem is not None:
            text, widget = problem
            self._show_problem(text, widget)
            return
        self.buttons.setEnabled(False)
        self.error_label.hide()

        def work(_task: TaskControl) -> list[str]:
            return self._services.settings_admin.save(self._actor, changes, secrets)

        self._pool.submit(work, name="save settings").connect(
            returned=self._on_saved, errored=self._on_failed
        )

    def _on_saved(self, changed: list[str]) -> None:
        self.buttons.setEnabled(True)
        self.saved.emit(list(changed))
        self.accept()

    def _on_failed(self, exc: Exception) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, UserFacingError):
            text = str(exc)
            field = text.split(":", 1)[0].strip()
            if field in FIELD_HINTS:  # pydantic's pattern means little to an administrator
                text = f"{field}: expected {FIELD_HINTS[field]}" if "pattern" in text else text
            self._show_problem(text, self.fields.get(field))
        else:
            show_error(self, exc)

    def _show_problem(self, text: str, widget: QWidget | None) -> None:
        """The message under the tabs; the tab holding the setting to fix is brought forward."""
        self.error_label.setText(text)
        self.error_label.show()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))  # room for the message
        if widget is None:
            return
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page is not None and page.isAncestorOf(widget):
                self.tabs.setCurrentIndex(index)
                if isinstance(page, QScrollArea):
                    page.ensureWidgetVisible(widget)
                widget.setFocus()
                break
