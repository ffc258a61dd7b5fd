-- 0003: audit_log is append-only.
--
-- Rows may be inserted, never changed or removed: UPDATE and DELETE are rejected row by row, TRUNCATE per
-- statement. One exception keeps the document's "user_id ... REFERENCES users(id) ON DELETE SET NULL" working:
-- an UPDATE whose only change is clearing a set user_id (every other column unchanged) is allowed, so deleting
-- a user leaves that user's audit rows in place with user_id NULL (username keeps the cached name).
-- The comparison covers every column, including columns added by later migrations.

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.user_id IS NOT NULL
       AND NEW.user_id IS NULL
       AND (to_jsonb(NEW) - 'user_id') = (to_jsonb(OLD) - 'user_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = 'Audit records can be added but never changed or removed.',
              HINT = 'The only permitted change is clearing user_id when the user is deleted.';
END
$$;

COMMENT ON FUNCTION audit_log_append_only() IS
    'Rejects UPDATE/DELETE/TRUNCATE on audit_log, except clearing user_id (FK ON DELETE SET NULL).';

CREATE OR REPLACE TRIGGER audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE OR REPLACE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
