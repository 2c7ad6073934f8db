-- Moderation (issue 6): whether a hidden comment was removed by a moderator (rather than
-- hidden by reports and waiting for review).
ALTER TABLE topic_comments ADD COLUMN removed BOOLEAN NOT NULL DEFAULT FALSE;
