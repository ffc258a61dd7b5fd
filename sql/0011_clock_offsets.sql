-- 0011: the recorder's clock, corrected per video and per camera (issue 15 item 3). Additions only.
--
-- videos.recorder_recorded_at  what the recorder said the recording started at (the --recorded-at flag, the
--                              container's creation time or the on-screen clock as read), naive UTC.
-- videos.clock_offset_s        seconds added to the recorder's clock to get the true time; NULL: none (at ingest
--                              a video without one of its own takes a copy of its camera's, source 'camera').
-- videos.clock_source          where the start time came from: container | flag | ocr | manual | camera.
-- videos.recorded_at           from now on the CORRECTED start: recorder_recorded_at + the effective offset
--                              (the video's, copied from its camera's at ingest, else 0). Everything that computes times from
--                              recorded_at (search filters, the after-hours rule, reports, mail) follows it.
-- cameras.clock_offset_s       the camera's default offset, copied onto its new videos at ingest.
--
-- Existing rows: the recorder's time is the time they have (no offset was ever applied before this).

ALTER TABLE videos ADD COLUMN IF NOT EXISTS recorder_recorded_at TIMESTAMP;
ALTER TABLE videos ADD COLUMN IF NOT EXISTS clock_offset_s DOUBLE PRECISION;
ALTER TABLE videos ADD COLUMN IF NOT EXISTS clock_source VARCHAR(20);
ALTER TABLE cameras ADD COLUMN IF NOT EXISTS clock_offset_s DOUBLE PRECISION;

ALTER TABLE videos DROP CONSTRAINT IF EXISTS check_clock_source;
ALTER TABLE videos ADD CONSTRAINT check_clock_source
    CHECK (clock_source IS NULL OR clock_source IN ('container', 'flag', 'ocr', 'manual', 'camera'));

UPDATE videos SET recorder_recorded_at = recorded_at
    WHERE recorder_recorded_at IS NULL AND recorded_at IS NOT NULL;

COMMENT ON COLUMN videos.recorder_recorded_at IS
    'The recording start as the recorder''s clock gave it (naive UTC); recorded_at is this plus the offset.';
COMMENT ON COLUMN videos.clock_offset_s IS
    'Seconds added to the recorder''s clock for the true time; NULL: none set on the video.';
COMMENT ON COLUMN videos.clock_source IS
    'Where the start time came from: container, flag, ocr, manual or camera.';
COMMENT ON COLUMN cameras.clock_offset_s IS
    'Seconds added to this camera''s recorder clock for its videos without an offset of their own.';
