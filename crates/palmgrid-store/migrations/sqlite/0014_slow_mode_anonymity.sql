-- Moderation (issue 6): slow mode for heated topics — a member may comment once per this
-- many seconds (0: off).
ALTER TABLE topics ADD COLUMN slow_mode_s INTEGER NOT NULL DEFAULT 0;

-- A member's choices about the community spaces: anonymous to neighbours (the committee and
-- officers always see the name).
CREATE TABLE member_prefs (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    anonymous BOOLEAN NOT NULL DEFAULT 0,
    updated_ms INTEGER NOT NULL
);
