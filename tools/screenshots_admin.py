"""Render the Administration window offscreen: ``.venv/bin/python tools/screenshots_admin.py [--out DIR]``.

A throwaway installation (embedded PostgreSQL in a temp folder, removed afterwards) with a few accounts (one
disabled, one locked out by failed sign-ins) and API keys (one revoked): the window on each of its sections,
the add-user dialog refusing a password, the create-key dialog for a viewer (scopes beyond the role greyed)
and a new key shown once. The sections being built beside these (audit, analytics, maintenance, backup) are
shown too once their modules are in the tree (looked up by name). Light and dark.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["CT_TESTS_ALLOW_WEAK_BCRYPT"] = "1"
os.environ["CHRONOTRACE_BCRYPT_ROUNDS"] = "4"
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import AuthenticationError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.services.api_keys import Scope
from chronotrace_desktop.ui.admin.window import SECTIONS, AdministrationWindow, AdminSection
from chronotrace_desktop.ui.qt import QApplication, QStyle
from chronotrace_desktop.workers.base import WorkerPool
from tools.screenshots import _dark_palette, _save, _settle, on_a_throwaway_installation

if TYPE_CHECKING:
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices

logger = logging.getLogger("screenshots")

ADMIN = ("ada.lovelace@police.example", "correct horse battery staple")
ACCOUNTS = (  # e-mail, role, full name
    ("alan.turing@police.example", Role.ANALYST, "Alan Turing"),
    ("grace.hopper@police.example", Role.VIEWER, "Grace Hopper"),
    ("vms.integration@police.example", Role.API_USER, "VMS integration"),
    ("ken.thompson@police.example", Role.ANALYST, "Ken Thompson"),
)
# The sections other engineers build beside these: (module, class, title, icon).
OTHER_SECTIONS = (
    ("chronotrace_desktop.ui.admin.audit_panel", "AuditPanel", "Audit log", "SP_FileDialogDetailedView"),
    ("chronotrace_desktop.ui.admin.analytics_panel", "AnalyticsPanel", "Analytics", "SP_FileDialogInfoView"),
    ("chronotrace_desktop.ui.admin.maintenance_panel", "MaintenancePanel", "Maintenance", "SP_BrowserReload"),
    ("chronotrace_desktop.ui.admin.backup_panel", "BackupPanel", "Backup", "SP_DialogSaveButton"),
)


def all_sections() -> tuple[AdminSection, ...]:
    """The window's sections, and those of the other panels whose modules exist but are not listed yet."""
    listed = {getattr(s.factory, "__name__", "") for s in SECTIONS}
    found = list(SECTIONS)
    for module_name, class_name, title, icon in OTHER_SECTIONS:
        if class_name in listed:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                logger.warning("%s does not import: %s", module_name, exc)
            continue
        except Exception:  # a panel being written may not import yet: the others are still shown
            logger.exception("%s does not import", module_name)
            continue
        factory = getattr(module, class_name, None)
        if factory is None:
            logger.warning("%s has no %s", module_name, class_name)
            continue
        found.append(AdminSection(title, getattr(QStyle.StandardPixmap, icon), factory))
    return tuple(found)


def _prepare(services: AppServices) -> None:
    services.installation.create_first_admin(*ADMIN, "Ada Lovelace")
    admin = services.auth.login(*ADMIN)
    for email, role, name in ACCOUNTS:
        services.users.add_user(admin, email, role, ADMIN[1], full_name=name)
    services.auth.login(ACCOUNTS[0][0], ADMIN[1])
    services.users.set_active(admin, ACCOUNTS[3][0], False)
    for _attempt in range(services.settings.login_max_failures):
        with contextlib.suppress(AuthenticationError):
            services.auth.login(ACCOUNTS[1][0], "not the password")
    keys = services.api_keys
    keys.create(
        admin,
        name="VMS integration",
        scopes={Scope.READ_VIDEOS, Scope.READ_SEARCHES, Scope.WRITE_VIDEOS},
        expires_at=utcnow() + timedelta(days=365),
        for_user=ACCOUNTS[2][0],
    )
    old = keys.create(
        admin, name="Reporting dashboard", scopes={Scope.READ_SEARCHES}, for_user=ACCOUNTS[0][0]
    )
    keys.revoke(admin, old.info.key_id)
    keys.create(admin, name="Maintenance scripts", scopes={Scope.ADMIN}, rate_per_hour=100, rate_per_day=500)


def _quiet(app: QApplication, pool: WorkerPool, timeout: float = 60.0) -> None:
    """Until the panels' loading work is done (or ``timeout``: a panel that keeps working is shot as it is)."""
    try:
        _settle(app, lambda: pool.active_count == 0, timeout=timeout)
    except TimeoutError:
        logger.warning("Background work still running after %.0f s; shooting anyway", timeout)
    time.sleep(0.1)
    _settle(app)


def _slug(title: str) -> str:
    return title.lower().replace(" ", "-")


def _render(app: QApplication, services: AppServices, actor: Actor, out: Path, suffix: str) -> None:
    pool = WorkerPool()
    window = AdministrationWindow(services, actor, pool, sections=all_sections())
    window.resize(1320, 740)
    window.show()
    for row, title in enumerate(window.section_titles()):
        window.show_section(row)
        _quiet(app, pool)
        _save(app, window, out, f"admin-{_slug(title)}{suffix}")
    _render_dialogs(app, window, pool, out, suffix)
    window.close()
    pool.wait_for_done(30_000)


def _render_dialogs(
    app: QApplication, window: AdministrationWindow, pool: WorkerPool, out: Path, suffix: str
) -> None:
    from chronotrace_desktop.ui.admin.api_keys_panel import ApiKeysPanel
    from chronotrace_desktop.ui.admin.user_dialogs import AddUserDialog
    from chronotrace_desktop.ui.admin.users_panel import UsersPanel

    users = window.show_section(window.section_titles().index("Users"))
    assert isinstance(users, UsersPanel)
    users.select(ACCOUNTS[0][0])
    _settle(app)
    _save(app, window, out, f"admin-users-selected{suffix}")
    dialog = users.add_user()
    assert isinstance(dialog, AddUserDialog)
    dialog.email_edit.setText("mary.somerville@police.example")
    dialog.name_edit.setText("Mary Somerville")
    dialog.password.edit.setText("short")
    dialog.password.confirm_edit.setText("short")
    dialog.submit()
    _save(app, dialog, out, f"admin-add-user-error{suffix}")
    dialog.reject()

    keys = window.show_section(window.section_titles().index("API keys"))
    assert isinstance(keys, ApiKeysPanel)
    _quiet(app, pool)
    keys.create_key()
    _settle(app, lambda: keys.create_dialog is not None)
    create = keys.create_dialog
    assert create is not None
    create.name_edit.setText("CCTV wall display")
    create.user_box.setCurrentIndex(create.user_box.findData(ACCOUNTS[1][0]))
    create.scope_checks[Scope.READ_VIDEOS].setChecked(True)
    create.expires_check.setChecked(True)
    _save(app, create, out, f"admin-create-key{suffix}")
    create.submit()
    _settle(app, lambda: keys.shown_once is not None)
    shown = keys.shown_once
    assert shown is not None
    _save(app, shown, out, f"admin-key-shown-once{suffix}")
    shown.done(0)
    _quiet(app, pool)


def _shoot(app: QApplication, services: AppServices, out: Path) -> None:
    _prepare(services)
    actor = services.auth.login(*ADMIN)
    _render(app, services, actor, out, "")
    app.setPalette(_dark_palette())
    _render(app, services, actor, out, "-dark")


def main() -> int:
    return on_a_throwaway_installation(__doc__ or "", _shoot)


if __name__ == "__main__":
    raise SystemExit(main())
