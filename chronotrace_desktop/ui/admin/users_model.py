"""The installation's accounts as a table: e-mail, name, role, status, sign-in lock, last sign-in, created."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.admin.record_model import RecordTableModel

if TYPE_CHECKING:
    from chronotrace_desktop.domain.users import UserInfo

ROLE_NAMES = {
    Role.ADMIN: "Administrator",
    Role.ANALYST: "Analyst",
    Role.VIEWER: "Viewer",
    Role.API_USER: "API user",
}
EMAIL, NAME, ROLE, STATUS, LOCKED, LAST_LOGIN, CREATED = range(7)


def is_locked(user: UserInfo) -> bool:
    """Whether failed sign-ins hold the account for now."""
    return user.locked_until is not None and user.locked_until > utcnow()


class UserModel(RecordTableModel["UserInfo"]):
    headers = ("E-mail", "Name", "Role", "Status", "Sign-in lock", "Last sign-in (UTC)", "Created (UTC)")

    def cells(self, item: UserInfo) -> tuple[str, ...]:
        locked = f"locked until {fmt.timestamp(item.locked_until)}" if is_locked(item) else ""
        return (
            item.email,
            item.full_name or "",
            ROLE_NAMES[item.role],
            "active" if item.is_active else "disabled",
            locked,
            fmt.timestamp(item.last_login_at) or "never",
            fmt.timestamp(item.created_at),
        )

    def key(self, item: UserInfo) -> object:
        return item.email

    def in_force(self, item: UserInfo) -> bool:
        return item.is_active

    def tooltip(self, item: UserInfo) -> str | None:
        login = f"\nDatabase login: {item.db_login}" if item.db_login else ""
        return f"{item.full_name or item.email} ({ROLE_NAMES[item.role]}){login}"
