-- 0008: sign-in throttling (issue 13 item 8). Additions only.
--
-- login_throttle  one decaying counter of failed sign-ins per key: scope 'source' (account ''), 'account'
--                 (source '') or 'pair' (both set). The account is the normalised e-mail as typed, known or
--                 not; the source is where the attempt came from (the desktop's host name; an API's client
--                 address). score is the failures weighted by age as of updated_at (naive UTC): it halves every
--                 lock-out period. blocked_until (naive UTC) is set when a failure brings score to the limit.
--                 Rows are small and short-lived: the sign-in service deletes the ones that have faded.
-- users.failed_login_count and users.locked_until (0002) stay: failures since the last sign-in, and the
-- account-wide block mirrored for administrators ('chronotrace users list', 'users unlock').

CREATE TABLE IF NOT EXISTS login_throttle (
    scope           VARCHAR(16) NOT NULL,
    account         VARCHAR(255) NOT NULL,
    source          VARCHAR(255) NOT NULL,
    score           DOUBLE PRECISION NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    blocked_until   TIMESTAMP,
    PRIMARY KEY (scope, account, source),
    CONSTRAINT check_login_throttle_scope CHECK (
        (scope = 'source' AND account = '' AND source <> '')
        OR (scope = 'account' AND account <> '' AND source = '')
        OR (scope = 'pair' AND account <> '' AND source <> '')
    ),
    CONSTRAINT check_login_throttle_score_nonnegative CHECK (score >= 0)
);

CREATE INDEX IF NOT EXISTS idx_login_throttle_updated_at ON login_throttle(updated_at);
