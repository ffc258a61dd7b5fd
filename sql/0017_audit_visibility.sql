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

-- chronotrace_custody_trail(segments, limit): what an evidence package lists as its chain of custody (the
-- reveals of its segments and earlier exports of any of them, newest first), whoever revealed or exported
-- them. Row-level security keeps an analyst's own login to its own audit rows, but a package must name
-- everyone who handled its evidence: this function reads those rows as the table's owner. Only the groups that
-- may export are granted EXECUTE (storage.db_roles), and it answers for the segments it is given, nothing more.
CREATE OR REPLACE FUNCTION chronotrace_custody_trail(p_segments uuid[], p_limit integer)
RETURNS SETOF audit_log
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT a.* FROM audit_log a
    WHERE (a.action = 'pii_reveal' AND a.resource_type = 'segment' AND a.resource_id = ANY (p_segments))
       OR (a.action = 'export_data'
           AND a.resource_id IN (SELECT e.id FROM exports e WHERE e.segment_ids && p_segments))
    ORDER BY a.created_at DESC, a.id
    LIMIT p_limit
$$;

REVOKE ALL ON FUNCTION chronotrace_custody_trail(uuid[], integer) FROM PUBLIC;
