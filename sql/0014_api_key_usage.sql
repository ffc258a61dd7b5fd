-- 0014: the integration API's per-key request counters (issue 17 item 3). Additions only.
--
-- api_key_usage  one counter per key, window kind ('hour' or 'day') and window start (naive UTC, the start of
--                the hour or day). A request is counted by one INSERT ... ON CONFLICT DO UPDATE per window in one
--                transaction, so several server processes count each request once and the row lock orders them.
--                Rows of past windows are removed by the service as a key starts a new day.
CREATE TABLE IF NOT EXISTS api_key_usage (
    key_id          UUID NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    window_kind     VARCHAR(4) NOT NULL,
    window_start    TIMESTAMP NOT NULL,
    request_count   INTEGER NOT NULL,
    PRIMARY KEY (key_id, window_kind, window_start),
    CONSTRAINT check_api_key_usage_window CHECK (window_kind IN ('hour', 'day')),
    CONSTRAINT check_api_key_usage_count_positive CHECK (request_count > 0)
);
