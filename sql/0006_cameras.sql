-- 0006: anomaly rules per camera, and what each video's anomaly scan looked at (additions only).
--
-- cameras          one row per configured camera (videos.camera_id names it; a camera without a row runs the
--                  default rules). zones: [{"name", "kind": "restricted"|"watch", "labels": [...], "polygon":
--                  [[x, y], ...]}] in normalised 0..1 frame coordinates; business_hours: [{"weekdays": [0..6]
--                  (0 = Monday), "start": "HH:MM", "end": "HH:MM"}] local to ``timezone`` (IANA name);
--                  thresholds: only what differs from the defaults, {"loitering": {"min_seconds": 20}, ...};
--                  alert_recipients: e-mail addresses for high and critical anomalies.
-- anomaly_scans    the last rule run over each video: when, with which rules version, how it ended, and the
--                  evidence that came from decoding the file again (display aspect, dense people counts of busy
--                  frames), so a rescan with new thresholds need not decode it again.
-- anomalies        machine-made rows carry metadata->>'source' = 'rules' and a 'fingerprint' that identifies the
--                  same finding across rescans; the e-mail alert's state is metadata->'alert'.

CREATE TABLE IF NOT EXISTS cameras (
    camera_id        VARCHAR(100) PRIMARY KEY,
    name             VARCHAR(255),
    location         VARCHAR(255),
    timezone         VARCHAR(64) NOT NULL DEFAULT 'UTC',
    business_hours   JSONB NOT NULL DEFAULT '[]'::jsonb,
    zones            JSONB NOT NULL DEFAULT '[]'::jsonb,
    thresholds       JSONB NOT NULL DEFAULT '{}'::jsonb,
    alert_recipients TEXT[] NOT NULL DEFAULT '{}',
    created_at       TIMESTAMP DEFAULT NOW(),
    updated_at       TIMESTAMP DEFAULT NOW(),
    updated_by       UUID REFERENCES users(id) ON DELETE SET NULL,
    metadata         JSONB DEFAULT '{}'::jsonb,
    CONSTRAINT check_camera_id_not_blank CHECK (length(btrim(camera_id)) > 0)
);

CREATE TABLE IF NOT EXISTS anomaly_scans (
    video_id       UUID PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
    status         VARCHAR(20) NOT NULL,
    rules_version  VARCHAR(20) NOT NULL,
    scanned_at     TIMESTAMP NOT NULL DEFAULT NOW(),
    anomaly_count  INTEGER NOT NULL DEFAULT 0,
    error_message  TEXT,
    evidence       JSONB NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT check_scan_status CHECK (status IN ('completed', 'failed'))
);

CREATE INDEX IF NOT EXISTS idx_anomalies_fingerprint ON anomalies (video_id, (metadata ->> 'fingerprint'));
CREATE INDEX IF NOT EXISTS idx_anomalies_alertable
    ON anomalies (created_at DESC) WHERE severity IN ('high', 'critical');
