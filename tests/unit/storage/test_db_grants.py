"""The database groups' grants follow the permission table (domain/roles.py), never more."""

from __future__ import annotations

from chronotrace_desktop.domain.roles import PERMISSIONS, Action, Role
from chronotrace_desktop.storage.db_grants import ACTION_GRANTS, Privilege, role_grants, sees_every_user
from chronotrace_desktop.storage.db_roles import group_role, role_prefix, runtime_login, user_login


def _privileges(role: Role, table: str) -> set[Privilege]:
    return {
        p
        for grant in role_grants(role)
        if grant.table == table and not grant.columns
        for p in grant.privileges
    }


def test_every_action_has_its_grants_named() -> None:
    assert set(ACTION_GRANTS) == set(Action)


def test_nobody_may_update_or_delete_the_audit_log() -> None:
    for role in Role:
        for grant in role_grants(role):
            if grant.table in ("audit_log", "audit_chain_head"):
                assert grant.privileges <= {Privilege.SELECT, Privilege.INSERT}, (role, grant)


def test_only_those_who_manage_users_change_roles_or_see_every_user() -> None:
    for role in Role:
        writes_users = Privilege.UPDATE in _privileges(role, "users") or Privilege.INSERT in _privileges(
            role, "users"
        )
        assert writes_users == (Action.MANAGE_USERS in PERMISSIONS[role]) == sees_every_user(role)
    viewer_columns = {c for g in role_grants(Role.VIEWER) if g.table == "users" for c in g.columns}
    assert "role" not in viewer_columns
    assert "is_active" not in viewer_columns


def test_a_viewer_writes_no_footage_and_exports_nothing() -> None:
    for table in ("videos", "video_segments", "video_tracks", "anomalies", "exports", "cameras"):
        assert _privileges(Role.VIEWER, table) <= {Privilege.SELECT}, table
    assert not [g for g in role_grants(Role.VIEWER) if g.table == "video_segments" and g.columns]


def test_role_names_carry_the_database_and_stay_short() -> None:
    import uuid

    assert group_role("chronotrace", Role.VIEWER) == "chronotrace_viewer"
    assert runtime_login("chronotrace") == "chronotrace_runtime"
    long_name = "x" * 60
    assert len(role_prefix(long_name)) <= 40
    assert role_prefix("Odd-Name") != "Odd-Name"
    assert len(user_login(long_name, uuid.uuid4())) <= 63
