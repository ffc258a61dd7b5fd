"""Every user's integration API keys as a table: never the key, only its prefix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.admin.record_model import RecordTableModel

if TYPE_CHECKING:
    from datetime import datetime

    from chronotrace_desktop.services.api_keys import ApiKeyInfo

NAME, PREFIX, USER, SCOPES, LIMITS, REQUESTS, LAST_USED, EXPIRES, REVOKED = range(9)


def scopes_text(key: ApiKeyInfo) -> str:
    return ", ".join(sorted(scope.value for scope in key.scopes))


def day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else ""


class ApiKeyModel(RecordTableModel["ApiKeyInfo"]):
    headers = (
        "Name",
        "Prefix",
        "User",
        "Scopes",
        "Per hour / day",
        "Requests",
        "Last used (UTC)",
        "Expires (UTC)",
        "Revoked (UTC)",
    )

    def cells(self, item: ApiKeyInfo) -> tuple[str, ...]:
        return (
            item.name or "",
            f"{item.prefix}\u2026",
            item.user_email,
            scopes_text(item),
            f"{item.rate_limit_per_hour:,} / {item.rate_limit_per_day:,}",
            f"{item.request_count:,}",
            fmt.timestamp(item.last_used_at) or "never",
            day(item.expires_at) or "never",
            day(item.revoked_at),
        )

    def key(self, item: ApiKeyInfo) -> object:
        return item.key_id

    def in_force(self, item: ApiKeyInfo) -> bool:
        return item.is_active

    def tooltip(self, item: ApiKeyInfo) -> str | None:
        state = "in force" if item.is_active else ("revoked" if item.revoked_at else "expired")
        lines = [
            f"Key {item.key_id} ({state}) of {item.user_email}",
            f"Scopes: {scopes_text(item)}",
            f"Made {fmt.timestamp(item.created_at)} UTC",
        ]
        if item.expires_at is not None:
            lines.append(f"Expires {fmt.timestamp(item.expires_at)} UTC")
        if item.revoked_at is not None:
            lines.append(f"Revoked {fmt.timestamp(item.revoked_at)} UTC")
        return "\n".join(lines)
