-- 0004: what ingestion records beside the schema document's columns (additions only).
--
-- video_segments
--   caption                  the sentence built from the segment's attributes; it is what the default engine embeds
--   clip_start_time/_end_time the true time range of the lossless cut (a stream-copy cut starts at the keyframe at
--                            or before start_time, so the clip may begin earlier than the window)
--   redacted_thumbnail_path  the thumbnail with faces and heads blurred: the only thumbnail a viewer receives
--   redacted_path            the redacted H.264 clip, rendered on first use and cached (NULL until then)
--   people_count             most people seen at once in the sampled frames (NULL: nothing decodable)
--   objects_detected         COCO classes seen in the window, for SQL-side filters (also in the vector payload)
--
-- videos: the file's SHA-256 lives in metadata->>'sha256' (schema document); the partial unique index below makes
-- "same bytes twice" impossible for live (not soft-deleted) videos even under concurrent ingests.
--
-- video_tracks: per-video tracks of people, vehicles and carried objects for the anomaly rules. ``points`` is a
-- JSON array of [t, x, y, w, h, label, score] (t in seconds from the start of the video; boxes normalised 0..1;
-- label is the point's own COCO class, which can differ from the track's majority label, e.g. car/truck).

ALTER TABLE video_segments
    ADD COLUMN IF NOT EXISTS caption TEXT,
    ADD COLUMN IF NOT EXISTS clip_start_time DECIMAL(10,3),
    ADD COLUMN IF NOT EXISTS clip_end_time DECIMAL(10,3),
    ADD COLUMN IF NOT EXISTS redacted_thumbnail_path TEXT,
    ADD COLUMN IF NOT EXISTS redacted_path TEXT,
    ADD COLUMN IF NOT EXISTS people_count INTEGER,
    ADD COLUMN IF NOT EXISTS objects_detected TEXT[];

CREATE INDEX IF NOT EXISTS idx_segments_objects_detected ON video_segments USING GIN (objects_detected);
CREATE INDEX IF NOT EXISTS idx_segments_caption_fts
    ON video_segments USING GIN (to_tsvector('english', coalesce(caption, '')));

CREATE UNIQUE INDEX IF NOT EXISTS uq_videos_sha256_live
    ON videos ((metadata ->> 'sha256'))
    WHERE deleted_at IS NULL AND metadata ? 'sha256';

CREATE TABLE IF NOT EXISTS video_tracks (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    video_id    UUID NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    track_key   INTEGER NOT NULL,
    label       VARCHAR(50) NOT NULL,
    first_seen  DECIMAL(10,3) NOT NULL,
    last_seen   DECIMAL(10,3) NOT NULL,
    points      JSONB NOT NULL DEFAULT '[]'::jsonb,
    created_at  TIMESTAMP DEFAULT NOW(),
    CONSTRAINT unique_video_track UNIQUE (video_id, track_key),
    CONSTRAINT check_track_time_order CHECK (first_seen <= last_seen)
);

CREATE INDEX IF NOT EXISTS idx_tracks_video_label ON video_tracks (video_id, label);
