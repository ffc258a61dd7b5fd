-- 0017: what the audit trail viewer reads (issue 18 item 2). Indexes only.
--
-- The viewer pages audit_log newest first by (created_at, id), both descending, with keyset cursors
-- (services/access/audit_trail.py), narrowed by user, action, success and a date range. Each index below lets
-- one such page be read in index order and stop after a page, at any depth, instead of sorting every match:
--
-- idx_audit_time_id          no filter, or a date range alone (the document's idx_audit_created_at has no id
--                            to break ties by, so a keyset on it sorts)
-- idx_audit_user_time_id     one user's trail (an analyst's own, always); the document's
--                            idx_audit_user_action_time serves one user and one action
-- idx_audit_action_time_id   one action, e.g. pii_reveal (the PII access trail)
-- idx_audit_failures         refusals and failures only (success is false on few rows)
--
-- Which rows a login may read is row-level security (storage.db_roles, run after every migration): an
-- administrator's group reads every row, any other group only rows in its own user's name.

CREATE INDEX IF NOT EXISTS idx_audit_time_id ON audit_log(created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_audit_user_time_id ON audit_log(user_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_audit_action_time_id ON audit_log(action, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_audit_failures ON audit_log(created_at DESC, id DESC) WHERE success IS FALSE;
