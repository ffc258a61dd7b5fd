-- 0012: the investigation workspace (issue 16): cases, their videos, bookmarks, and the case a search or an
-- export was made in. Additions only.
--
-- cases               one investigation: id CASE-YYYY-NNNN, title, status, notes, evidence hold.
-- case_numbers        the last number given per year (CASE-2026-0007 -> year 2026, last 7), taken atomically.
-- case_videos         which videos a case holds; its segments, anomalies and tracks follow the video.
-- bookmarks           a marked moment of a video (seconds from its start, optionally a normalised box) with a
--                     note; in a case, or in "all footage" (case_id NULL). ``author`` keeps the creator's
--                     email for readers who may not read other users' rows (row-level security on users).
-- searches.case_id    the case the search was made in (NULL: all footage).
-- exports.case_id     the case an export belongs to.
--
-- The evidence hold is enforced by the store as well as by the services: a trigger refuses to delete a video
-- (soft or hard) that a held case holds, and to expire or remove an export of a held case.

CREATE TABLE IF NOT EXISTS cases (
    id              VARCHAR(20) PRIMARY KEY,
    title           VARCHAR(255) NOT NULL,
    status          VARCHAR(20) NOT NULL DEFAULT 'open',
    notes           TEXT NOT NULL DEFAULT '',
    evidence_hold   BOOLEAN NOT NULL DEFAULT false,
    hold_reason     TEXT,
    hold_set_by     UUID REFERENCES users(id) ON DELETE SET NULL,
    hold_set_at     TIMESTAMP,
    created_by      UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    metadata        JSONB NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT check_case_id_format CHECK (id ~ '^CASE-[0-9]{4}-[0-9]{4,6}$'),
    CONSTRAINT check_case_title_not_blank CHECK (length(btrim(title)) > 0),
    CONSTRAINT check_case_status CHECK (status IN ('open', 'closed', 'archived'))
);
CREATE INDEX IF NOT EXISTS idx_cases_status ON cases(status, updated_at DESC);

CREATE TABLE IF NOT EXISTS case_numbers (
    year    INTEGER PRIMARY KEY,
    last    INTEGER NOT NULL,
    CONSTRAINT check_case_number_positive CHECK (last > 0)
);

CREATE TABLE IF NOT EXISTS case_videos (
    case_id     VARCHAR(20) NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    video_id    UUID NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    added_by    UUID REFERENCES users(id) ON DELETE SET NULL,
    added_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (case_id, video_id)
);
CREATE INDEX IF NOT EXISTS idx_case_videos_video ON case_videos(video_id);

CREATE TABLE IF NOT EXISTS bookmarks (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id     VARCHAR(20) REFERENCES cases(id) ON DELETE CASCADE,
    video_id    UUID NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    segment_id  UUID REFERENCES video_segments(id) ON DELETE SET NULL,
    offset_s    NUMERIC(10, 3) NOT NULL,
    box         JSONB,
    note        TEXT NOT NULL DEFAULT '',
    created_by  UUID REFERENCES users(id) ON DELETE SET NULL,
    author      VARCHAR(255),
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_by  UUID REFERENCES users(id) ON DELETE SET NULL,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT check_bookmark_offset CHECK (offset_s >= 0)
);
CREATE INDEX IF NOT EXISTS idx_bookmarks_case ON bookmarks(case_id, created_at);
CREATE INDEX IF NOT EXISTS idx_bookmarks_video ON bookmarks(video_id, offset_s);

ALTER TABLE searches ADD COLUMN IF NOT EXISTS case_id VARCHAR(20) REFERENCES cases(id) ON DELETE SET NULL;
ALTER TABLE exports ADD COLUMN IF NOT EXISTS case_id VARCHAR(20) REFERENCES cases(id) ON DELETE SET NULL;
CREATE INDEX IF NOT EXISTS idx_searches_case ON searches(case_id, created_at DESC) WHERE case_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_exports_case ON exports(case_id) WHERE case_id IS NOT NULL;

-- The hold, in the store: whoever asks, and through whatever path.
CREATE OR REPLACE FUNCTION chronotrace_video_on_hold(p_video UUID) RETURNS TEXT
    LANGUAGE sql STABLE
AS $$
    SELECT c.id FROM case_videos cv JOIN cases c ON c.id = cv.case_id
    WHERE cv.video_id = p_video AND c.evidence_hold ORDER BY c.id LIMIT 1
$$;

CREATE OR REPLACE FUNCTION chronotrace_refuse_held_video_change() RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    held TEXT := chronotrace_video_on_hold(OLD.id);
BEGIN
    IF held IS NOT NULL AND (TG_OP = 'DELETE' OR (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)) THEN
        RAISE EXCEPTION 'video % is under the evidence hold of case %', OLD.id, held
            USING ERRCODE = 'check_violation', HINT = 'chronotrace:evidence_hold';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

DROP TRIGGER IF EXISTS trg_videos_evidence_hold ON videos;
CREATE TRIGGER trg_videos_evidence_hold
    BEFORE UPDATE OF deleted_at OR DELETE ON videos
    FOR EACH ROW EXECUTE FUNCTION chronotrace_refuse_held_video_change();

CREATE OR REPLACE FUNCTION chronotrace_refuse_held_export_change() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF OLD.case_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM cases WHERE id = OLD.case_id AND evidence_hold)
       AND (TG_OP = 'DELETE' OR (NEW.status IS DISTINCT FROM OLD.status AND NEW.status IN ('expired', 'deleted'))) THEN
        RAISE EXCEPTION 'export % is under the evidence hold of case %', OLD.id, OLD.case_id
            USING ERRCODE = 'check_violation', HINT = 'chronotrace:evidence_hold';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

DROP TRIGGER IF EXISTS trg_exports_evidence_hold ON exports;
CREATE TRIGGER trg_exports_evidence_hold
    BEFORE UPDATE OF status OR DELETE ON exports
    FOR EACH ROW EXECUTE FUNCTION chronotrace_refuse_held_export_change();

COMMENT ON TABLE cases IS 'Investigations: CASE-YYYY-NNNN, title, status, notes and an evidence hold.';
COMMENT ON COLUMN cases.evidence_hold IS
    'While true, the case''s videos cannot be deleted and its exports cannot expire (enforced by triggers).';
COMMENT ON TABLE bookmarks IS
    'Marked moments: seconds from the video''s start, an optional normalised box and a note.';
