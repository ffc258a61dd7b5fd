-- 0010: the store enforces the roles (issue 13 item 1). Additions only.
--
-- users.db_login  the PostgreSQL login that belongs to this app user in the team profile (one login per
--                 user, a member of the group role of the user's app role); NULL where the OS account is the
--                 boundary (the workstation profile) or before an administrator gives the user a login.
--
-- The group roles, their GRANTs, the row-level security policies and the functions that create and change
-- logins carry this database's name, so they are made by the migration runner's next step
-- (storage.db_roles.provision_database_roles), run by the migration owner after every migration.
-- chronotrace_session_user_id() is the app user the connected login belongs to; the policies use it.

ALTER TABLE users ADD COLUMN IF NOT EXISTS db_login VARCHAR(63);

CREATE UNIQUE INDEX IF NOT EXISTS idx_users_db_login ON users(db_login);

COMMENT ON COLUMN users.db_login IS
    'The PostgreSQL login of this user (team profile); its group role matches users.role.';

CREATE OR REPLACE FUNCTION chronotrace_session_user_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT id FROM users WHERE db_login = session_user
$$;

COMMENT ON FUNCTION chronotrace_session_user_id() IS
    'The users.id whose db_login is the connected login (NULL for a shared runtime login or the owner).';
