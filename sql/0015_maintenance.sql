-- 0015: database maintenance (issue 18 item 4): the audit log's archive and the record of maintenance runs.
--
-- audit_log_archive  audit rows past the archive age, moved out of audit_log with every column as it was
--                    (the same columns in the same order, hash chain included), so `chronotrace audit verify`
--                    walks archive + live rows as one chain. Append-only like audit_log (0003/0009), written
--                    only by chronotrace_archive_audit().
-- maintenance_runs   one row per task run (purge_searches, archive_audit, expire_exports, vacuum_analyze,
--                    reindex): when, by whom, manual or scheduled, its outcome and rows affected.
--
-- The one way out of audit_log. audit_log_append_only() (0003, 0009) still refuses every UPDATE, DELETE and
-- TRUNCATE, except (besides the foreign key clearing user_id) a DELETE made while the transaction-local setting
-- chronotrace.archiving_audit is 'on' of a row whose identical copy is already in audit_log_archive. Only
-- chronotrace_archive_audit() sets it: a SECURITY DEFINER function of the owner, executable by the
-- administrators' groups only (granted by storage.db_roles). In one transaction it copies the oldest rows
-- (a prefix of the chain: created_at never decreases along it, 0009) into the archive, deletes them from
-- audit_log and appends an 'audit_archived' row (chained like any other) saying what moved. The app's logins
-- hold no DELETE on audit_log at all, so they still cannot remove a row themselves.

CREATE TABLE IF NOT EXISTS audit_log_archive (
    id                  UUID PRIMARY KEY,
    user_id             UUID REFERENCES users(id) ON DELETE SET NULL,
    username            VARCHAR(255),
    action              VARCHAR(100) NOT NULL,
    resource_type       VARCHAR(50),
    resource_id         UUID,
    justification       TEXT,
    ip_address          INET,
    user_agent          TEXT,
    request_id          VARCHAR(255),
    success             BOOLEAN,
    error_message       TEXT,
    created_at          TIMESTAMP,
    metadata            JSONB,
    chain_seq           BIGINT,
    prev_hash           BYTEA,
    row_hash            BYTEA
);

CREATE UNIQUE INDEX IF NOT EXISTS idx_audit_archive_chain_seq ON audit_log_archive(chain_seq);
CREATE INDEX IF NOT EXISTS idx_audit_archive_created_at ON audit_log_archive(created_at DESC);
CREATE INDEX IF NOT EXISTS idx_audit_archive_user_id ON audit_log_archive(user_id);

COMMENT ON TABLE audit_log_archive IS
    'Audit rows moved out of audit_log by chronotrace_archive_audit(); same columns, same hash chain.';

CREATE OR REPLACE FUNCTION audit_log_row_hash(r audit_log_archive) RETURNS bytea
LANGUAGE sql STABLE AS $$
    SELECT sha256(convert_to(jsonb_build_array(
        r.chain_seq, r.id, r.username, r.action, r.resource_type, r.resource_id, r.justification,
        r.ip_address, r.user_agent, r.request_id, r.success, r.error_message, r.created_at, r.metadata,
        encode(r.prev_hash, 'hex'))::text, 'UTF8'))
$$;

COMMENT ON FUNCTION audit_log_row_hash(audit_log_archive) IS
    'The same hash as audit_log_row_hash(audit_log), for an archived row.';

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.user_id IS NOT NULL
       AND NEW.user_id IS NULL
       AND (to_jsonb(NEW) - 'user_id') = (to_jsonb(OLD) - 'user_id')
       AND pg_trigger_depth() > 1
       AND NOT EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE'
       AND TG_TABLE_NAME = 'audit_log'
       AND current_setting('chronotrace.archiving_audit', true) = 'on'
       AND EXISTS (SELECT 1 FROM audit_log_archive x WHERE x.id = OLD.id AND to_jsonb(x) = to_jsonb(OLD)) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = 'Audit records can be added but never changed or removed.',
              HINT = 'The only permitted changes are the foreign key clearing user_id when the user is '
                     'deleted, and chronotrace_archive_audit() moving old rows into audit_log_archive.';
END
$$;

COMMENT ON FUNCTION audit_log_append_only() IS
    'Rejects UPDATE/DELETE/TRUNCATE on audit_log and audit_log_archive, except the FK''s ON DELETE SET NULL '
    'and chronotrace_archive_audit() moving rows already copied into the archive.';

CREATE OR REPLACE TRIGGER audit_log_archive_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_log_archive
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE OR REPLACE TRIGGER audit_log_archive_no_truncate
    BEFORE TRUNCATE ON audit_log_archive
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Moves the rows dated before p_before (and every row ahead of them in the chain) into the archive and
-- appends the 'audit_archived' row in p_user's name; the number of rows moved. A login that belongs to an app
-- user (team profile) may only archive in its own user's name.
CREATE OR REPLACE FUNCTION chronotrace_archive_audit(p_before TIMESTAMP, p_user UUID, p_username TEXT)
RETURNS BIGINT
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    own       UUID := chronotrace_session_user_id();
    upto      BIGINT;
    first_seq BIGINT;
    moved     BIGINT := 0;
    last_hash BYTEA;
BEGIN
    IF own IS NOT NULL AND own IS DISTINCT FROM p_user THEN
        RAISE EXCEPTION 'a login archives the audit log in its own user''s name only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_advisory_xact_lock(4851003015);  -- one archiving run at a time
    SELECT max(chain_seq) INTO upto FROM audit_log WHERE created_at < p_before AND chain_seq IS NOT NULL;
    IF upto IS NOT NULL THEN
        SELECT min(chain_seq) INTO first_seq FROM audit_log WHERE chain_seq IS NOT NULL;
        INSERT INTO audit_log_archive SELECT * FROM audit_log WHERE chain_seq <= upto;
        GET DIAGNOSTICS moved = ROW_COUNT;
        PERFORM set_config('chronotrace.archiving_audit', 'on', true);
        DELETE FROM audit_log WHERE chain_seq <= upto;
        PERFORM set_config('chronotrace.archiving_audit', 'off', true);
        SELECT row_hash INTO last_hash FROM audit_log_archive WHERE chain_seq = upto;
    END IF;
    INSERT INTO audit_log (user_id, username, action, resource_type, success, metadata)
    VALUES (p_user, p_username, 'audit_archived', 'audit_log', true, jsonb_build_object(
        'rows', moved, 'first_seq', first_seq, 'last_seq', upto, 'last_hash', encode(last_hash, 'hex'),
        'before', p_before, 'login', session_user));
    RETURN moved;
END
$$;

REVOKE ALL ON FUNCTION chronotrace_archive_audit(TIMESTAMP, UUID, TEXT) FROM PUBLIC;

COMMENT ON FUNCTION chronotrace_archive_audit(TIMESTAMP, UUID, TEXT) IS
    'The one way rows leave audit_log: moved whole into audit_log_archive, in one transaction, audited.';

CREATE TABLE IF NOT EXISTS maintenance_runs (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    task                VARCHAR(32) NOT NULL,
    trigger             VARCHAR(16) NOT NULL,
    status              VARCHAR(16) NOT NULL DEFAULT 'running',
    started_at          TIMESTAMP NOT NULL DEFAULT now(),
    finished_at         TIMESTAMP,
    rows_affected       BIGINT,
    message             TEXT,
    triggered_by        UUID REFERENCES users(id) ON DELETE SET NULL,
    triggered_by_email  VARCHAR(255),
    metadata            JSONB NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT check_maintenance_task CHECK (
        task IN ('purge_searches', 'archive_audit', 'expire_exports', 'vacuum_analyze', 'reindex')),
    CONSTRAINT check_maintenance_trigger CHECK (trigger IN ('manual', 'scheduled')),
    CONSTRAINT check_maintenance_status CHECK (
        status IN ('running', 'succeeded', 'failed', 'skipped', 'cancelled')),
    CONSTRAINT check_maintenance_finished CHECK ((status = 'running') = (finished_at IS NULL))
);

CREATE INDEX IF NOT EXISTS idx_maintenance_runs_task ON maintenance_runs(task, status, started_at DESC);
CREATE INDEX IF NOT EXISTS idx_maintenance_runs_started ON maintenance_runs(started_at DESC);

COMMENT ON TABLE maintenance_runs IS
    'One row per maintenance task run (manual or scheduled): outcome, rows affected, message, who.';
