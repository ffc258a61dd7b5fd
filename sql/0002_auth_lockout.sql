-- 0002: login lockout. Additions beside the schema document (never removals).
--   failed_login_count  consecutive failed logins since the last success
--   locked_until        naive UTC time until which logins are refused (NULL: not locked)

ALTER TABLE users
    ADD COLUMN IF NOT EXISTS failed_login_count INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS locked_until TIMESTAMP;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conname = 'check_failed_login_count_nonnegative' AND conrelid = 'users'::regclass
    ) THEN
        ALTER TABLE users ADD CONSTRAINT check_failed_login_count_nonnegative
            CHECK (failed_login_count >= 0);
    END IF;
END
$$;
