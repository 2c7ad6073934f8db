-- 信息互通 (issue 6): quiet hours (local minutes after midnight; no live push inside them)
-- and a daily or weekly digest instead of a message per item.
ALTER TABLE member_prefs ADD COLUMN quiet_from_min INTEGER;
ALTER TABLE member_prefs ADD COLUMN quiet_to_min INTEGER;
ALTER TABLE member_prefs ADD COLUMN digest TEXT NOT NULL DEFAULT 'off';
ALTER TABLE member_prefs ADD COLUMN last_digest_ms INTEGER;
