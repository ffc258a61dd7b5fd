"""API keys: every user's keys for the integration API (never a key, only its prefix); Create key…, Rotate…
and Revoke… ask the key service the CLI's ``apikeys`` commands ask. A key made or rotated is shown once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui.admin.admin_table import AdminTablePanel
from chronotrace_desktop.ui.admin.api_key_dialogs import CreateKeyDialog, ShownOnceDialog
from chronotrace_desktop.ui.admin.api_keys_model import SCOPES, USER, ApiKeyModel
from chronotrace_desktop.ui.qt import QHeaderView, QPushButton, Qt, QWidget
from chronotrace_desktop.ui.tasks import start_task

if TYPE_CHECKING:
    from chronotrace_desktop.domain.users import Actor, UserInfo
    from chronotrace_desktop.services.api_keys import ApiKeyInfo, CreatedKey
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.base import WorkerPool

EXPLANATION = (
    "Keys for the integration API (chronotrace serve). A key acts as its user, narrowed by its scopes; "
    "a disabled or demoted user's keys stop or shrink at once. Every request with a key is audited."
)

USER_WIDTH, SCOPES_WIDTH = 180, 160  # pixels


class ApiKeysPanel(AdminTablePanel["ApiKeyInfo"]):
    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(services, actor, pool, ApiKeyModel(), EXPLANATION, parent)
        header = self.table.horizontalHeader()
        for column, width in ((USER, USER_WIDTH), (SCOPES, SCOPES_WIDTH)):  # elided; the tooltip has all
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.create_dialog: CreateKeyDialog | None = None
        self.shown_once: ShownOnceDialog | None = None
        self.create_button = QPushButton("Create key\u2026")
        self.rotate_button = QPushButton("Rotate\u2026")
        self.revoke_button = QPushButton("Revoke\u2026")
        self.rotate_button.setToolTip("A new key with the same settings; the old one is revoked")
        self.create_button.clicked.connect(self.create_key)
        self.rotate_button.clicked.connect(self.rotate)
        self.revoke_button.clicked.connect(self.revoke)
        self.add_buttons(self.create_button, self.rotate_button, self.revoke_button)
        self.update_buttons()
        self.refresh()

    def load(self) -> list[ApiKeyInfo]:
        return self._services.api_keys.list_keys(self._actor, all_users=True)

    def update_buttons(self) -> None:
        key = self.selected()
        for button in (self.rotate_button, self.revoke_button):
            button.setEnabled(key is not None and key.is_active)

    # ------------------------------------------------------------------ the commands
    def create_key(self) -> None:
        """The accounts first (a key is made for one of them), then the dialog."""
        users, actor = self._services.users, self._actor
        self.create_button.setEnabled(False)
        start_task(
            self._pool,
            lambda _task: users.list_users(actor),
            on_returned=self._open_create,
            on_errored=self._create_failed,
            name="list accounts for a key",
        )

    def _create_failed(self, exc: Exception) -> None:
        self.create_button.setEnabled(True)
        self.show_failure(exc)

    def _open_create(self, accounts: list[UserInfo]) -> None:
        self.create_button.setEnabled(True)
        dialog = CreateKeyDialog(self._services.api_keys, self._actor, accounts, self._pool, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.succeeded.connect(lambda made: self._made(made, "The new key"))
        dialog.finished.connect(lambda _code: setattr(self, "create_dialog", None))
        self.create_dialog = dialog
        dialog.open()

    def _made(self, made: CreatedKey, heading: str) -> None:
        self.select(made.info.key_id)
        self.after_change()
        dialog = ShownOnceDialog(made, heading, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _code: setattr(self, "shown_once", None))
        self.shown_once = dialog
        dialog.open()

    def rotate(self) -> None:
        key = self.selected()
        if key is None:
            return
        text = (
            f"Rotate the key {key.prefix}\u2026 of {key.user_email}? A new key with the same scopes and "
            "limits is made and shown once; the old one stops working at once."
        )
        if not self.confirm(self, "Rotate API key", text):
            return
        keys, actor, key_id = self._services.api_keys, self._actor, key.key_id
        start_task(
            self._pool,
            lambda _task: keys.rotate(actor, key_id),
            on_returned=self._rotated,
            on_errored=self.show_failure,
            name="rotate API key",
        )

    def _rotated(self, made: CreatedKey) -> None:
        self._made(made, "The rotated key")

    def revoke(self) -> None:
        key = self.selected()
        if key is None:
            return
        text = (
            f"Revoke the key {key.prefix}\u2026 ({key.name or 'no name'}) of {key.user_email}? Requests "
            "with it are refused from now on; this cannot be undone."
        )
        if self.confirm(self, "Revoke API key", text):
            keys, actor, key_id = self._services.api_keys, self._actor, key.key_id
            self.run_change("revoke API key", lambda _task: keys.revoke(actor, key_id))
