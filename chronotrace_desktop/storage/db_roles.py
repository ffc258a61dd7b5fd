"""The database's own roles: a group role per app role, their GRANTs and row policies, and the logins.

Run by the migration owner after every migration (:func:`provision_database_roles`), so that the groups'
privileges stay in step with the tables and with ``domain/roles.py``:

* ``<prefix>_viewer``, ``<prefix>_analyst``, ``<prefix>_admin``, ``<prefix>_api_user``: NOLOGIN group roles
  holding exactly the grants of ``storage.db_grants``; every other privilege on this database's tables is
  revoked from them (and CONNECT from PUBLIC), so what a login may do is what its group allows;
* row-level security on ``users`` (a non-administrator reads and updates only its own row), on
  ``audit_log`` (rows are appended only in one's own name, or in nobody's: a refused sign-in; read whole by
  those who may read the audit log, and otherwise only in one's own name) and on
  ``api_keys`` / ``api_key_usage`` (a non-administrator's login reaches its own keys only);
* ``chronotrace_custody_trail(segments, limit)``: a SECURITY DEFINER function, executable by the groups that
  export, that reads a package's chain of custody (every reveal and export of its segments, by anyone), which
  row-level security hides from an analyst's login otherwise;
* ``chronotrace_provide_login(user, verifier)`` and ``chronotrace_sync_login(user)``: SECURITY DEFINER
  functions, executable by administrators' groups only, that create a user's login (``<prefix>_u_<id>``) and
  keep its group and LOGIN right in step with ``users.role`` and ``users.is_active``. They touch only this
  installation's logins and groups, and take a password only as a SCRAM verifier (never in clear);
* for the administrators' groups (0015): EXECUTE on ``chronotrace_archive_audit`` (the one way rows leave
  ``audit_log``) and, on PostgreSQL 17+, MAINTAIN on the tables maintenance vacuums and reindexes;
* the workstation profile's ``<prefix>_runtime`` login (a member of the administrators' group): the app
  connects with it, never as the cluster's superuser that owns the tables.

``<prefix>`` is the database name (or a digest of a long or unusual one): role names are cluster-wide, so
two installations on one server never share a group.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from typing import TYPE_CHECKING

import psycopg
import sqlalchemy as sa

from chronotrace_desktop.domain.roles import PERMISSIONS, Action, Role
from chronotrace_desktop.storage.db_grants import (
    MAINTAINED_TABLES,
    MAINTENANCE_FUNCTIONS,
    QUEUE_SEQUENCES,
    ROW_SECURED_TABLES,
    Privilege,
    manages_database,
    role_grants,
    sees_every_user,
    works_queue,
)
from chronotrace_desktop.storage.migrations import apply_migrations

if TYPE_CHECKING:
    import uuid

    from sqlalchemy import Connection, Engine

logger = logging.getLogger(__name__)

CUSTODY_FUNCTION = "chronotrace_custody_trail(uuid[], integer)"

_PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")
# Key of the advisory lock that serialises provisioning runs (ASCII "CTROLES!").
_PROVISION_LOCK = 0x4354524F4C455321
# server_version_num of PostgreSQL 17, whose MAINTAIN privilege lets a non-owner VACUUM and REINDEX a table.
MAINTAIN_SINCE = 170000


def role_prefix(database: str) -> str:
    """The prefix of this database's role names: the name itself when short and plain, else a digest."""
    if _PLAIN_NAME.match(database):
        return database
    return "ct_" + hashlib.sha256(database.encode("utf-8")).hexdigest()[:16]


def group_role(database: str, role: Role) -> str:
    return f"{role_prefix(database)}_{role.value}"


def runtime_login(database: str) -> str:
    """The workstation profile's login for the app (a member of the administrators' group)."""
    return f"{role_prefix(database)}_runtime"


def user_login(database: str, user_id: uuid.UUID) -> str:
    """The team profile's login of one app user."""
    return f"{role_prefix(database)}_u_{user_id.hex[:12]}"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def migrate_database(engine: Engine, *, with_runtime_login: bool) -> list[str]:
    """Apply pending migrations, then bring the roles in step (as the migration owner); the names applied."""
    applied = apply_migrations(engine)
    with engine.begin() as conn:
        provision_database_roles(conn, with_runtime_login=with_runtime_login)
    return applied


def role_exists(conn: Connection, name: str) -> bool:
    return bool(conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).scalar())


def provision_database_roles(conn: Connection, *, with_runtime_login: bool) -> None:
    """Create or bring in step the groups, grants, policies and login functions of ``conn``'s database.

    Runs in the caller's transaction as the migration owner (who needs CREATEROLE, or is the superuser).
    """
    database = str(conn.execute(sa.text("SELECT current_database()")).scalar_one())
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PROVISION_LOCK})
    db = quote_ident(database)
    conn.execute(sa.text(f"REVOKE CONNECT, TEMPORARY ON DATABASE {db} FROM PUBLIC"))
    tables = _existing_tables(conn)
    columns = {table: _columns(conn, table) for table in sorted(tables)}
    for role in Role:
        group = group_role(database, role)
        if not role_exists(conn, group):
            conn.execute(sa.text(f"CREATE ROLE {quote_ident(group)} NOLOGIN"))
        _grant(conn, database, role, group, columns)
    _secure_rows(conn, database, tables)
    _login_functions(conn, database)
    _custody_rights(conn, database)
    _maintenance_rights(conn, database, tables)
    _queue_rights(conn, database)
    if with_runtime_login:
        _runtime_login(conn, database)
    logger.info("Database roles of %s are in step with the app roles", database)


def _existing_tables(conn: Connection) -> set[str]:
    rows = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    return {str(name) for name in rows.scalars()}


def _grant(conn: Connection, database: str, role: Role, group: str, columns: dict[str, str]) -> None:
    """``columns``: each existing table's column list, as REVOKE takes it."""
    who = quote_ident(group)
    conn.execute(sa.text(f"GRANT CONNECT ON DATABASE {quote_ident(database)} TO {who}"))
    conn.execute(sa.text(f"GRANT USAGE ON SCHEMA public TO {who}"))
    conn.execute(sa.text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {who}"))
    for table, names in columns.items():  # column grants are not covered by the table-wide REVOKE
        conn.execute(sa.text(f"REVOKE UPDATE ({names}) ON {quote_ident(table)} FROM {who}"))
    for grant in role_grants(role):
        if grant.table not in columns:
            continue
        privileges = ", ".join(sorted(p.value for p in grant.privileges))
        if grant.columns:
            assert grant.privileges == {Privilege.UPDATE}, grant
            granted = ", ".join(quote_ident(c) for c in grant.columns)
            privileges = f"UPDATE ({granted})"
        conn.execute(sa.text(f"GRANT {privileges} ON {quote_ident(grant.table)} TO {who}"))


def _columns(conn: Connection, table: str) -> str:
    rows = conn.execute(
        sa.text(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:t) AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum"
        ),
        {"t": f"public.{quote_ident(table)}"},
    )
    return ", ".join(quote_ident(str(name)) for name in rows.scalars())


def _secure_rows(conn: Connection, database: str, tables: set[str]) -> None:
    staff = ", ".join(quote_ident(group_role(database, r)) for r in Role if sees_every_user(r))
    others = ", ".join(quote_ident(group_role(database, r)) for r in Role if not sees_every_user(r))
    auditors = ", ".join(quote_ident(group_role(database, r)) for r in Role if reads_whole_audit_log(r))
    non_auditors = ", ".join(
        quote_ident(group_role(database, r)) for r in Role if not reads_whole_audit_log(r)
    )
    policies = {
        "users": (
            f"CREATE POLICY ct_users_staff ON users TO {staff} USING (true) WITH CHECK (true)",
            f"CREATE POLICY ct_users_own_read ON users FOR SELECT TO {others} USING (db_login = session_user)",
            f"CREATE POLICY ct_users_own_update ON users FOR UPDATE TO {others} "
            "USING (db_login = session_user) WITH CHECK (db_login = session_user)",
        ),
        "audit_log": (
            # 0017 / issue 18: the whole trail for those who read the audit log, one's own rows for the rest.
            f"CREATE POLICY ct_audit_read_all ON audit_log FOR SELECT TO {auditors} USING (true)",
            f"CREATE POLICY ct_audit_read_own ON audit_log FOR SELECT TO {non_auditors} "
            "USING (user_id = chronotrace_session_user_id())",
            f"CREATE POLICY ct_audit_append_staff ON audit_log FOR INSERT TO {staff} WITH CHECK (true)",
            f"CREATE POLICY ct_audit_append_own ON audit_log FOR INSERT TO {others} "
            "WITH CHECK (user_id IS NULL OR user_id = chronotrace_session_user_id())",
        ),
        # Administrators manage every key; anyone else's login sees, makes and changes its own keys only, and
        # counts requests of the keys it sees (so it cannot mint or reset a key of another account in SQL).
        "api_keys": (
            f"CREATE POLICY ct_api_keys_staff ON api_keys TO {staff} USING (true) WITH CHECK (true)",
            f"CREATE POLICY ct_api_keys_own ON api_keys TO {others} "
            "USING (user_id = chronotrace_session_user_id()) WITH CHECK (user_id = chronotrace_session_user_id())",
        ),
        "api_key_usage": (
            "CREATE POLICY ct_api_key_usage_seen ON api_key_usage "
            "USING (EXISTS (SELECT 1 FROM api_keys k WHERE k.id = api_key_usage.key_id)) "
            "WITH CHECK (EXISTS (SELECT 1 FROM api_keys k WHERE k.id = api_key_usage.key_id))",
        ),
    }
    # Searches say what someone looked for, from where: those who read the search analytics see every row (and
    # the administrators' retention removes old ones); any other login reads and writes its own rows only.
    everyone_s = ", ".join(quote_ident(group_role(database, r)) for r in Role if reads_every_search(r))
    own_s = ", ".join(quote_ident(group_role(database, r)) for r in Role if not reads_every_search(r))
    policies["searches"] = (
        f"CREATE POLICY ct_searches_all ON searches TO {everyone_s} USING (true) WITH CHECK (true)",
        f"CREATE POLICY ct_searches_own ON searches TO {own_s} "
        "USING (user_id = chronotrace_session_user_id()) WITH CHECK (user_id = chronotrace_session_user_id())",
    )
    assert set(policies) == set(ROW_SECURED_TABLES)
    for table, statements in policies.items():
        if table not in tables:
            continue
        existing = conn.execute(
            sa.text("SELECT policyname FROM pg_policies WHERE schemaname = 'public' AND tablename = :t"),
            {"t": table},
        ).scalars()
        for name in list(existing):
            conn.execute(sa.text(f"DROP POLICY {quote_ident(str(name))} ON {quote_ident(table)}"))
        conn.execute(sa.text(f"ALTER TABLE {quote_ident(table)} ENABLE ROW LEVEL SECURITY"))
        for statement in statements:
            conn.execute(sa.text(statement))


def reads_every_search(role: Role) -> bool:
    """Whether the group reads everyone's ``searches`` rows (search analytics); any other group its own only."""
    return Action.VIEW_SEARCH_ANALYTICS in PERMISSIONS[role]


def reads_whole_audit_log(role: Role) -> bool:
    """Whether the group reads every audit row (the auditors); any other group reads its own rows only."""
    return Action.VIEW_AUDIT_LOG in PERMISSIONS[role]


def _login_functions(conn: Connection, database: str) -> None:
    prefix = role_prefix(database)
    groups = ", ".join(_literal(group_role(database, r)) for r in Role)
    _run_script(conn, _SYNC_LOGIN.replace("$GROUPS", groups).replace("$PREFIX", _literal(prefix)))
    _run_script(conn, _PROVIDE_LOGIN.replace("$PREFIX", _literal(prefix)))
    staff = ", ".join(quote_ident(group_role(database, r)) for r in Role if sees_every_user(r))
    for signature in ("chronotrace_sync_login(uuid)", "chronotrace_provide_login(uuid, text)"):
        conn.execute(sa.text(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC"))
        conn.execute(sa.text(f"GRANT EXECUTE ON FUNCTION {signature} TO {staff}"))


def _maintenance_rights(conn: Connection, database: str, tables: set[str]) -> None:
    """0015 / issue 18: the groups that manage the database may run the audit archive function and, on
    PostgreSQL 17 and later, hold MAINTAIN (VACUUM, ANALYZE, REINDEX) on the maintained tables (the table-wide
    REVOKE in ``_grant`` took it away with everything else first)."""
    groups = [quote_ident(group_role(database, r)) for r in Role if manages_database(r)]
    others = [quote_ident(group_role(database, r)) for r in Role if not manages_database(r)]
    for signature in MAINTENANCE_FUNCTIONS:
        if conn.execute(sa.text("SELECT to_regprocedure(:f)"), {"f": signature}).scalar() is None:
            continue
        conn.execute(sa.text(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC, {', '.join(others)}"))
        conn.execute(sa.text(f"GRANT EXECUTE ON FUNCTION {signature} TO {', '.join(groups)}"))
    version = int(conn.execute(sa.text("SHOW server_version_num")).scalar_one())
    if version >= MAINTAIN_SINCE:
        for table in sorted(set(MAINTAINED_TABLES) & tables):
            conn.execute(sa.text(f"GRANT MAINTAIN ON {quote_ident(table)} TO {', '.join(groups)}"))


def _queue_rights(conn: Connection, database: str) -> None:
    """0018 / issue 19: the groups that ingest take ids from the job queue's sequences (enqueue, a worker's
    registration, the queue's event rows)."""
    groups = [quote_ident(group_role(database, r)) for r in Role if works_queue(r)]
    for sequence in QUEUE_SEQUENCES:
        if conn.execute(sa.text("SELECT to_regclass(:s)"), {"s": sequence}).scalar() is not None:
            conn.execute(sa.text(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {', '.join(groups)}"))


def _custody_rights(conn: Connection, database: str) -> None:
    """Issue 18: the groups that may export read an evidence package's chain of custody (every reveal and export
    of its segments, by anyone) through ``chronotrace_custody_trail``; row-level security hides those rows from
    them otherwise."""
    _run_script(conn, _CUSTODY_TRAIL)
    exporters = [quote_ident(group_role(database, r)) for r in Role if exports_evidence(r)]
    conn.execute(sa.text(f"REVOKE ALL ON FUNCTION {CUSTODY_FUNCTION} FROM PUBLIC"))
    conn.execute(sa.text(f"GRANT EXECUTE ON FUNCTION {CUSTODY_FUNCTION} TO {', '.join(exporters)}"))


def exports_evidence(role: Role) -> bool:
    return bool({Action.EXPORT_REDACTED, Action.EXPORT_UNREDACTED} & PERMISSIONS[role])


def _run_script(conn: Connection, sql: str) -> None:
    driver = conn.connection.driver_connection
    if not isinstance(driver, psycopg.Connection):
        raise TypeError(f"provisioning needs the psycopg driver, not {type(driver).__name__}")
    driver.execute(sql.encode("utf-8"))  # no parameters: the text goes to the server as written


def _runtime_login(conn: Connection, database: str) -> None:
    login = quote_ident(runtime_login(database))
    admins = quote_ident(group_role(database, Role.ADMIN))
    if not role_exists(conn, runtime_login(database)):
        conn.execute(sa.text(f"CREATE ROLE {login} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"))
    conn.execute(sa.text(f"GRANT {admins} TO {login}"))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# What an evidence package lists as its chain of custody: the reveals of its segments and earlier exports of
# any of them, newest first, whoever revealed or exported them (row-level security keeps an analyst's own login
# to its own audit rows, but a package names everyone who handled its evidence). It answers for the segments
# it is given, nothing more.
_CUSTODY_TRAIL = """
CREATE OR REPLACE FUNCTION chronotrace_custody_trail(p_segments uuid[], p_limit integer)
RETURNS SETOF audit_log
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
    SELECT a.* FROM audit_log a
    WHERE (a.action = 'pii_reveal' AND a.resource_type = 'segment' AND a.resource_id = ANY (p_segments))
       OR (a.action = 'export_data'
           AND a.resource_id IN (SELECT e.id FROM exports e WHERE e.segment_ids && p_segments))
    ORDER BY a.created_at DESC, a.id
    LIMIT p_limit
$fn$;
"""

# Keeps a user's login in step with the users row: its group is the one of users.role (every other group of
# this installation revoked) and it may log in only while the user is active. A user without a login: no-op.
_SYNC_LOGIN = """
CREATE OR REPLACE FUNCTION chronotrace_sync_login(p_user uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
DECLARE
    u users%ROWTYPE;
    g text;
BEGIN
    SELECT * INTO u FROM users WHERE id = p_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user %', p_user USING ERRCODE = 'no_data_found';
    END IF;
    IF u.db_login IS NULL THEN
        RETURN;
    END IF;
    IF left(u.db_login, length($PREFIX) + 3) <> $PREFIX || '_u_' THEN
        RAISE EXCEPTION 'login % is not one of this installation', u.db_login
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOREACH g IN ARRAY ARRAY[$GROUPS] LOOP
        IF g = $PREFIX || '_' || u.role THEN
            EXECUTE format('GRANT %I TO %I', g, u.db_login);
        ELSIF pg_has_role(u.db_login, g, 'MEMBER') THEN
            EXECUTE format('REVOKE %I FROM %I', g, u.db_login);
        END IF;
    END LOOP;
    EXECUTE format('ALTER ROLE %I %s', u.db_login, CASE WHEN coalesce(u.is_active, false)
                                                        THEN 'LOGIN' ELSE 'NOLOGIN' END);
END
$fn$;
"""

# Gives a user a login (or a new password for the one it has) from a SCRAM verifier made by the client.
_PROVIDE_LOGIN = """
CREATE OR REPLACE FUNCTION chronotrace_provide_login(p_user uuid, p_verifier text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
DECLARE
    login text := $PREFIX || '_u_' || left(replace(p_user::text, '-', ''), 12);
BEGIN
    IF p_verifier IS NULL OR p_verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
        RAISE EXCEPTION 'a login password is accepted only as a SCRAM-SHA-256 verifier'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM 1 FROM users WHERE id = p_user FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user %', p_user USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS INHERIT', login);
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', login, p_verifier);
    UPDATE users SET db_login = login WHERE id = p_user;
    PERFORM chronotrace_sync_login(p_user);
    RETURN login;
END
$fn$;
"""


def provide_login(conn: Connection, user_id: uuid.UUID) -> tuple[str, str]:
    """Give the user a login, or a new password for the one it has: ``(login, password)``, the password
    made here and shown once. Only its SCRAM verifier, computed by libpq on this side, reaches the server."""
    password = secrets.token_urlsafe(24)
    driver = conn.connection.driver_connection
    if not isinstance(driver, psycopg.Connection):
        raise TypeError(f"logins need the psycopg driver, not {type(driver).__name__}")
    verifier = driver.pgconn.encrypt_password(password.encode(), b"chronotrace", b"scram-sha-256").decode()
    login = conn.execute(
        sa.text("SELECT chronotrace_provide_login(:u, :v)"), {"u": user_id, "v": verifier}
    ).scalar_one()
    return str(login), password


def sync_login(conn: Connection, user_id: uuid.UUID) -> None:
    """Put the user's login (if any) in the group of its role, able to log in only while it is active."""
    conn.execute(sa.text("SELECT chronotrace_sync_login(:u)"), {"u": user_id})
