-- 0001: the complete relational schema of schema-reference.md (the product's schema document).
--
-- Every table, column (type, default, nullability), constraint and index the document names, with its names.
-- Differences from the document's text, none of which changes the resulting catalog:
--   * the trailing comma before the closing ");" of anomalies, audit_log and exports is removed;
--   * the document's "ALTER TABLE ... ADD CONSTRAINT name CHECK (...)" statements are written as named
--     table constraints inside CREATE TABLE, so the file can use IF NOT EXISTS throughout;
--   * the indexes of the "Indexes & Performance" section are created here too, beside the per-table ones.
-- gen_random_uuid() is built into PostgreSQL 13+, so pgcrypto is not needed.
-- The migrations runner applies this file in one transaction and records it in schema_migrations.

-- ---------------------------------------------------------------------------------------------- users
CREATE TABLE IF NOT EXISTS users (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email               VARCHAR(255) UNIQUE NOT NULL,
    password_hash       VARCHAR(255) NOT NULL,  -- bcrypt hash
    full_name           VARCHAR(255),
    organization        VARCHAR(255),
    role                VARCHAR(50) NOT NULL DEFAULT 'viewer',
    is_active           BOOLEAN DEFAULT true,
    is_verified         BOOLEAN DEFAULT false,
    email_verified_at   TIMESTAMP,
    created_at          TIMESTAMP DEFAULT NOW(),
    updated_at          TIMESTAMP DEFAULT NOW(),
    last_login_at       TIMESTAMP,
    metadata            JSONB DEFAULT '{}'::jsonb,
    CONSTRAINT check_email_format
        CHECK (email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'),
    CONSTRAINT check_role_valid
        CHECK (role IN ('viewer', 'analyst', 'admin', 'api_user'))
);

CREATE INDEX IF NOT EXISTS idx_users_email ON users(email);
CREATE INDEX IF NOT EXISTS idx_users_role ON users(role);
CREATE INDEX IF NOT EXISTS idx_users_is_active ON users(is_active);

-- --------------------------------------------------------------------------------------------- videos
CREATE TABLE IF NOT EXISTS videos (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    filename            VARCHAR(255) NOT NULL,
    original_path       TEXT NOT NULL,
    s3_key              TEXT,
    s3_bucket           VARCHAR(255) DEFAULT 'chronotrace-videos',
    duration_seconds    INTEGER,
    resolution          VARCHAR(20),
    fps                 INTEGER,
    codec               VARCHAR(50),
    file_size_bytes     BIGINT,
    processing_status   VARCHAR(50) DEFAULT 'pending',
    error_message       TEXT,
    camera_id           VARCHAR(100),
    location            VARCHAR(255),
    recorded_at         TIMESTAMP,
    uploaded_by         UUID REFERENCES users(id) ON DELETE SET NULL,
    uploaded_at         TIMESTAMP DEFAULT NOW(),
    processing_started_at TIMESTAMP,
    processing_completed_at TIMESTAMP,
    metadata            JSONB DEFAULT '{}'::jsonb,
    deleted_at          TIMESTAMP,
    CONSTRAINT check_status_valid
        CHECK (processing_status IN ('pending', 'uploading', 'processing',
                                     'completed', 'failed', 'archived'))
);

CREATE INDEX IF NOT EXISTS idx_videos_uploaded_by ON videos(uploaded_by);
CREATE INDEX IF NOT EXISTS idx_videos_status ON videos(processing_status);
CREATE INDEX IF NOT EXISTS idx_videos_camera_id ON videos(camera_id);
CREATE INDEX IF NOT EXISTS idx_videos_location ON videos(location);
CREATE INDEX IF NOT EXISTS idx_videos_recorded_at ON videos(recorded_at);
CREATE INDEX IF NOT EXISTS idx_videos_uploaded_at ON videos(uploaded_at);
CREATE INDEX IF NOT EXISTS idx_videos_deleted_at ON videos(deleted_at) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS idx_videos_metadata ON videos USING GIN(metadata);

-- ------------------------------------------------------------------------------------- video_segments
CREATE TABLE IF NOT EXISTS video_segments (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    video_id            UUID NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    segment_index       INTEGER NOT NULL,
    start_time          DECIMAL(10,3) NOT NULL,
    end_time            DECIMAL(10,3) NOT NULL,
    duration            DECIMAL(10,3) GENERATED ALWAYS AS (end_time - start_time) STORED,
    segment_path        TEXT,
    s3_key              TEXT,
    thumbnail_path      TEXT,
    thumbnail_s3_key    TEXT,
    audio_path          TEXT,
    embedding_id        VARCHAR(255),
    embedding_generated_at TIMESTAMP,
    has_faces           BOOLEAN DEFAULT false,
    face_count          INTEGER DEFAULT 0,
    has_vehicles        BOOLEAN DEFAULT false,
    vehicle_count       INTEGER DEFAULT 0,
    has_audio           BOOLEAN DEFAULT false,
    privacy_applied     BOOLEAN DEFAULT false,
    camera_id           VARCHAR(100),
    location            VARCHAR(255),
    camera_angle        VARCHAR(50),
    scene_type          VARCHAR(50),
    lighting_condition  VARCHAR(50),
    weather_condition   VARCHAR(50),
    motion_detected     BOOLEAN DEFAULT false,
    activity_level      VARCHAR(20),
    created_at          TIMESTAMP DEFAULT NOW(),
    metadata            JSONB DEFAULT '{}'::jsonb,
    CONSTRAINT unique_video_segment UNIQUE (video_id, segment_index),
    CONSTRAINT check_time_order CHECK (start_time < end_time),
    CONSTRAINT check_segment_index_positive CHECK (segment_index >= 0)
);

CREATE INDEX IF NOT EXISTS idx_segments_video_id ON video_segments(video_id);
CREATE INDEX IF NOT EXISTS idx_segments_camera_id ON video_segments(camera_id);
CREATE INDEX IF NOT EXISTS idx_segments_location ON video_segments(location);
CREATE INDEX IF NOT EXISTS idx_segments_embedding_id ON video_segments(embedding_id);
CREATE INDEX IF NOT EXISTS idx_segments_has_faces ON video_segments(has_faces);
CREATE INDEX IF NOT EXISTS idx_segments_start_time ON video_segments(start_time);
CREATE INDEX IF NOT EXISTS idx_segments_motion_detected ON video_segments(motion_detected);
CREATE INDEX IF NOT EXISTS idx_segments_video_time ON video_segments(video_id, start_time);
CREATE INDEX IF NOT EXISTS idx_segments_metadata ON video_segments USING GIN(metadata);

-- ------------------------------------------------------------------------------------------- searches
CREATE TABLE IF NOT EXISTS searches (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id             UUID REFERENCES users(id) ON DELETE SET NULL,
    query_text          TEXT NOT NULL,
    query_type          VARCHAR(50) DEFAULT 'text',
    filters             JSONB DEFAULT '{}'::jsonb,
    result_count        INTEGER,
    top_score           DECIMAL(5,4),
    execution_time_ms   INTEGER,
    nova_time_ms        INTEGER,
    qdrant_time_ms      INTEGER,
    db_time_ms          INTEGER,
    cache_hit           BOOLEAN DEFAULT false,
    session_id          VARCHAR(255),
    ip_address          INET,
    user_agent          TEXT,
    created_at          TIMESTAMP DEFAULT NOW(),
    metadata            JSONB DEFAULT '{}'::jsonb
);

CREATE INDEX IF NOT EXISTS idx_searches_user_id ON searches(user_id);
CREATE INDEX IF NOT EXISTS idx_searches_created_at ON searches(created_at);
CREATE INDEX IF NOT EXISTS idx_searches_query_text ON searches USING GIN(to_tsvector('english', query_text));
CREATE INDEX IF NOT EXISTS idx_searches_cache_hit ON searches(cache_hit);
CREATE INDEX IF NOT EXISTS idx_searches_filters ON searches USING GIN(filters);
CREATE INDEX IF NOT EXISTS idx_searches_performance ON searches(execution_time_ms, created_at);

-- ------------------------------------------------------------------------------------------ anomalies
CREATE TABLE IF NOT EXISTS anomalies (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    segment_id          UUID NOT NULL REFERENCES video_segments(id) ON DELETE CASCADE,
    video_id            UUID NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    anomaly_type        VARCHAR(50) NOT NULL,
    confidence          DECIMAL(5,4) NOT NULL,
    severity            VARCHAR(20) DEFAULT 'medium',
    title               VARCHAR(255),
    description         TEXT,
    camera_id           VARCHAR(100),
    location            VARCHAR(255),
    detected_at         TIMESTAMP NOT NULL,
    status              VARCHAR(50) DEFAULT 'new',
    resolved_at         TIMESTAMP,
    resolved_by         UUID REFERENCES users(id) ON DELETE SET NULL,
    resolution_notes    TEXT,
    alert_sent          BOOLEAN DEFAULT false,
    alert_sent_at       TIMESTAMP,
    alert_recipients    TEXT[],
    created_at          TIMESTAMP DEFAULT NOW(),
    updated_at          TIMESTAMP DEFAULT NOW(),
    metadata            JSONB DEFAULT '{}'::jsonb,
    CONSTRAINT check_anomaly_type_valid
        CHECK (anomaly_type IN ('loitering', 'crowd_formation', 'object_abandonment',
                                'unusual_movement', 'after_hours_access', 'fall_detection',
                                'vehicle_stopped', 'perimeter_breach')),
    CONSTRAINT check_severity_valid
        CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    CONSTRAINT check_confidence_range
        CHECK (confidence >= 0.0 AND confidence <= 1.0)
);

CREATE INDEX IF NOT EXISTS idx_anomalies_segment_id ON anomalies(segment_id);
CREATE INDEX IF NOT EXISTS idx_anomalies_video_id ON anomalies(video_id);
CREATE INDEX IF NOT EXISTS idx_anomalies_type ON anomalies(anomaly_type);
CREATE INDEX IF NOT EXISTS idx_anomalies_status ON anomalies(status);
CREATE INDEX IF NOT EXISTS idx_anomalies_severity ON anomalies(severity);
CREATE INDEX IF NOT EXISTS idx_anomalies_detected_at ON anomalies(detected_at);
CREATE INDEX IF NOT EXISTS idx_anomalies_camera_id ON anomalies(camera_id);
CREATE INDEX IF NOT EXISTS idx_anomalies_alert_sent ON anomalies(alert_sent) WHERE alert_sent = false;
CREATE INDEX IF NOT EXISTS idx_anomalies_status_detected ON anomalies(status, detected_at DESC);
CREATE INDEX IF NOT EXISTS idx_anomalies_metadata ON anomalies USING GIN(metadata);

-- ------------------------------------------------------------------------------------------ audit_log
CREATE TABLE IF NOT EXISTS audit_log (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id             UUID REFERENCES users(id) ON DELETE SET NULL,
    username            VARCHAR(255),  -- cached for deleted users
    action              VARCHAR(100) NOT NULL,
    resource_type       VARCHAR(50),
    resource_id         UUID,
    justification       TEXT,
    ip_address          INET,
    user_agent          TEXT,
    request_id          VARCHAR(255),
    success             BOOLEAN DEFAULT true,
    error_message       TEXT,
    created_at          TIMESTAMP DEFAULT NOW(),
    metadata            JSONB DEFAULT '{}'::jsonb
);

CREATE INDEX IF NOT EXISTS idx_audit_user_id ON audit_log(user_id);
CREATE INDEX IF NOT EXISTS idx_audit_action ON audit_log(action);
CREATE INDEX IF NOT EXISTS idx_audit_resource ON audit_log(resource_type, resource_id);
CREATE INDEX IF NOT EXISTS idx_audit_created_at ON audit_log(created_at DESC);
CREATE INDEX IF NOT EXISTS idx_audit_ip_address ON audit_log(ip_address);
CREATE INDEX IF NOT EXISTS idx_audit_user_action_time ON audit_log(user_id, action, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_audit_metadata ON audit_log USING GIN(metadata);

-- ------------------------------------------------------------------------------------------- api_keys
CREATE TABLE IF NOT EXISTS api_keys (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id             UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key_hash            VARCHAR(255) NOT NULL UNIQUE,  -- SHA-256 of the key
    key_prefix          VARCHAR(10) NOT NULL,
    name                VARCHAR(100),
    description         TEXT,
    scopes              TEXT[] DEFAULT ARRAY['read:videos'],
    rate_limit_per_hour INTEGER DEFAULT 1000,
    rate_limit_per_day  INTEGER DEFAULT 10000,
    last_used_at        TIMESTAMP,
    request_count       INTEGER DEFAULT 0,
    is_active           BOOLEAN DEFAULT true,
    created_at          TIMESTAMP DEFAULT NOW(),
    expires_at          TIMESTAMP,
    revoked_at          TIMESTAMP,
    metadata            JSONB DEFAULT '{}'::jsonb,
    CONSTRAINT check_rate_limits_positive
        CHECK (rate_limit_per_hour > 0 AND rate_limit_per_day > 0)
);

CREATE INDEX IF NOT EXISTS idx_api_keys_user_id ON api_keys(user_id);
CREATE INDEX IF NOT EXISTS idx_api_keys_key_hash ON api_keys(key_hash);
CREATE INDEX IF NOT EXISTS idx_api_keys_is_active ON api_keys(is_active);
CREATE INDEX IF NOT EXISTS idx_api_keys_expires_at ON api_keys(expires_at) WHERE expires_at IS NOT NULL;

-- -------------------------------------------------------------------------------------------- exports
CREATE TABLE IF NOT EXISTS exports (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id             UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    export_type         VARCHAR(50) NOT NULL,
    segment_ids         UUID[],
    query_id            UUID,
    file_path           TEXT,
    s3_key              TEXT,
    file_size_bytes     BIGINT,
    format              VARCHAR(20),
    status              VARCHAR(50) DEFAULT 'pending',
    created_at          TIMESTAMP DEFAULT NOW(),
    completed_at        TIMESTAMP,
    expires_at          TIMESTAMP,
    downloaded_at       TIMESTAMP,
    metadata            JSONB DEFAULT '{}'::jsonb
);

CREATE INDEX IF NOT EXISTS idx_exports_user_id ON exports(user_id);
CREATE INDEX IF NOT EXISTS idx_exports_status ON exports(status);
CREATE INDEX IF NOT EXISTS idx_exports_created_at ON exports(created_at DESC);
CREATE INDEX IF NOT EXISTS idx_exports_expires_at ON exports(expires_at) WHERE status = 'completed';

-- ---------------------------------------------------- "Indexes & Performance": PostgreSQL Index Strategy
-- B-tree indexes for exact matches and ranges
CREATE INDEX IF NOT EXISTS idx_videos_uploaded_at_btree ON videos(uploaded_at);
CREATE INDEX IF NOT EXISTS idx_segments_start_time_btree ON video_segments(start_time);

-- Composite indexes for common query patterns
CREATE INDEX IF NOT EXISTS idx_segments_video_camera ON video_segments(video_id, camera_id);
CREATE INDEX IF NOT EXISTS idx_anomalies_status_severity ON anomalies(status, severity, detected_at DESC);

-- Partial indexes for filtered queries
CREATE INDEX IF NOT EXISTS idx_videos_active ON videos(id)
    WHERE deleted_at IS NULL AND processing_status = 'completed';
CREATE INDEX IF NOT EXISTS idx_anomalies_unresolved ON anomalies(id, detected_at DESC)
    WHERE status IN ('new', 'acknowledged');

-- GIN indexes on JSONB
CREATE INDEX IF NOT EXISTS idx_videos_metadata_gin ON videos USING GIN(metadata);
CREATE INDEX IF NOT EXISTS idx_segments_metadata_gin ON video_segments USING GIN(metadata);

-- GIN index for array operations
CREATE INDEX IF NOT EXISTS idx_exports_segments ON exports USING GIN(segment_ids);
