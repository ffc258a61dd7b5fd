-- 0013: what the timeline reads (issue 16 item 2). Indexes only.
--
-- idx_videos_wall_span   the wall-clock span of each live, dated video (recorded_at is the corrected start; the
--                        span runs one second past duration_seconds, which is rounded), so "videos overlapping
--                        this window" is a GiST range lookup whatever the window's width, not a scan of every
--                        video. services/timeline/store.py repeats this expression word for word.
-- Segments are then found by video (idx_segments_video_time), anomalies by video (idx_anomalies_video_id),
-- bookmarks by video (idx_bookmarks_video): no new index needed there.

CREATE INDEX IF NOT EXISTS idx_videos_wall_span ON videos USING gist (
    tsrange(recorded_at, recorded_at + make_interval(secs => coalesce(duration_seconds, 0) + 1), '[]')
) WHERE deleted_at IS NULL AND recorded_at IS NOT NULL;
