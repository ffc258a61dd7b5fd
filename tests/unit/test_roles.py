from __future__ import annotations

import pytest

from chronotrace_desktop.domain.roles import PERMISSIONS, Action, Role, is_allowed, parse_role


def test_every_role_has_a_permission_set() -> None:
    assert set(PERMISSIONS) == set(Role)


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (Role.VIEWER, Action.SEARCH, True),
        (Role.VIEWER, Action.VIEW_REDACTED_MEDIA, True),
        (Role.VIEWER, Action.REVEAL_PII, False),
        (Role.VIEWER, Action.EXPORT_UNREDACTED, False),
        (Role.VIEWER, Action.MANAGE_USERS, False),
        (Role.ANALYST, Action.REVEAL_PII, True),
        (Role.ANALYST, Action.TRIAGE_ANOMALY, True),
        (Role.ANALYST, Action.MANAGE_USERS, False),
        (Role.ADMIN, Action.MANAGE_USERS, True),
        (Role.ADMIN, Action.MANAGE_DATABASE, True),
        (Role.API_USER, Action.SEARCH, True),
        (Role.API_USER, Action.REVEAL_PII, False),
        (Role.API_USER, Action.CHANGE_OWN_PASSWORD, False),
        (Role.ADMIN, Action.VIEW_SEARCH_ANALYTICS, True),
        (Role.ANALYST, Action.VIEW_SEARCH_ANALYTICS, False),
        (Role.VIEWER, Action.VIEW_SEARCH_ANALYTICS, False),
        (Role.API_USER, Action.VIEW_SEARCH_ANALYTICS, False),
    ],
)
def test_permission_table(role: Role, action: Action, allowed: bool) -> None:
    assert is_allowed(role, action) is allowed


def test_admin_may_do_everything() -> None:
    assert all(is_allowed(Role.ADMIN, action) for action in Action)


def test_parse_role() -> None:
    assert parse_role(" Analyst ") is Role.ANALYST
    with pytest.raises(ValueError, match="viewer, analyst, admin, api_user"):
        parse_role("superuser")
