-- 0009: a hash chain over audit_log, and the user_id carve-out of 0003 only as the foreign key uses it.
--
-- Chain. Every row gets a position (chain_seq: 1, 2, 3 ... without gaps), the hash of the row before it
-- (prev_hash; NULL for the first) and its own hash (row_hash = SHA-256 of the canonical text of its content
-- and prev_hash, see audit_log_row_hash). A BEFORE INSERT trigger computes all three, whoever writes the row,
-- and dates the row itself (created_at, never earlier than the row before it), so no writer can backdate one.
-- The chain's head (last position, hash and date) is one row of audit_chain_head, locked FOR UPDATE by each
-- insert until its transaction ends: concurrent writers append one after the other, and a rolled-back insert
-- leaves no gap. `chronotrace audit verify` (services.access.audit_chain) recomputes every hash in position
-- order and names the first row removed, changed, backdated or not chained, as well as a removed newest row.
--
-- The hashed content leaves out user_id, the one column the foreign key may clear (username keeps the name);
-- it lists its columns explicitly, so a column added later does not change the hash of existing rows. Someone
-- with the owner's rights can still rewrite the whole chain from a row onwards: compare the head hash that
-- verify prints with one noted earlier elsewhere to catch that.
--
-- Carve-out. 0003 let any UPDATE through whose only change is clearing user_id; now it must also come from
-- the foreign key's ON DELETE SET NULL: inside another trigger (pg_trigger_depth() > 1) while no users row
-- with that id exists any more.

ALTER TABLE audit_log
    ADD COLUMN IF NOT EXISTS chain_seq BIGINT,
    ADD COLUMN IF NOT EXISTS prev_hash BYTEA,
    ADD COLUMN IF NOT EXISTS row_hash BYTEA;

CREATE UNIQUE INDEX IF NOT EXISTS idx_audit_chain_seq ON audit_log(chain_seq);

CREATE TABLE IF NOT EXISTS audit_chain_head (
    singleton        BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    last_seq         BIGINT NOT NULL DEFAULT 0,
    last_hash        BYTEA,
    last_created_at  TIMESTAMP
);

COMMENT ON TABLE audit_chain_head IS 'The newest link of the audit_log hash chain (one row; see 0009).';

CREATE OR REPLACE FUNCTION audit_log_row_hash(r audit_log) RETURNS bytea
LANGUAGE sql STABLE AS $$
    SELECT sha256(convert_to(jsonb_build_array(
        r.chain_seq, r.id, r.username, r.action, r.resource_type, r.resource_id, r.justification,
        r.ip_address, r.user_agent, r.request_id, r.success, r.error_message, r.created_at, r.metadata,
        encode(r.prev_hash, 'hex'))::text, 'UTF8'))
$$;

COMMENT ON FUNCTION audit_log_row_hash(audit_log) IS
    'SHA-256 of an audit row''s content (all but user_id and row_hash) and prev_hash, as a JSON array text.';

CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    head audit_chain_head%ROWTYPE;
BEGIN
    SELECT * INTO head FROM audit_chain_head WHERE singleton FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit_log chain head is missing'
            USING ERRCODE = 'data_corrupted', HINT = 'Run chronotrace audit verify.';
    END IF;
    NEW.chain_seq := head.last_seq + 1;
    NEW.prev_hash := head.last_hash;
    NEW.created_at := GREATEST(clock_timestamp()::timestamp, head.last_created_at);
    NEW.row_hash := audit_log_row_hash(NEW);
    UPDATE audit_chain_head
       SET last_seq = NEW.chain_seq, last_hash = NEW.row_hash, last_created_at = NEW.created_at
     WHERE singleton;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER audit_log_chain
    BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

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
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = 'Audit records can be added but never changed or removed.',
              HINT = 'The only permitted change is the foreign key clearing user_id when the user is deleted.';
END
$$;

COMMENT ON FUNCTION audit_log_append_only() IS
    'Rejects UPDATE/DELETE/TRUNCATE on audit_log, except the FK''s ON DELETE SET NULL clearing user_id.';

-- Chain the rows already there, oldest first.
INSERT INTO audit_chain_head (singleton) VALUES (true) ON CONFLICT DO NOTHING;

ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete;

DO $$
DECLARE
    r          RECORD;
    n          BIGINT := 0;
    prev       BYTEA;
    last_at    TIMESTAMP;
BEGIN
    FOR r IN SELECT id, created_at FROM audit_log WHERE chain_seq IS NULL ORDER BY created_at NULLS FIRST, id LOOP
        n := n + 1;
        UPDATE audit_log SET chain_seq = n, prev_hash = prev WHERE id = r.id;
        UPDATE audit_log a SET row_hash = audit_log_row_hash(a) WHERE id = r.id RETURNING row_hash INTO prev;
        last_at := COALESCE(r.created_at, last_at);
    END LOOP;
    UPDATE audit_chain_head SET last_seq = n, last_hash = prev, last_created_at = last_at WHERE singleton;
END
$$;

ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete;
