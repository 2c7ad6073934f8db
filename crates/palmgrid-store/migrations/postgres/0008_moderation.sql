-- Moderation (issue 6): members report comments; a comment is hidden pending review after
-- enough reports, and every hiding, removal or restoration names its rule in the audit log.
ALTER TABLE topic_comments ADD COLUMN hidden_ms BIGINT;
ALTER TABLE topic_comments ADD COLUMN hidden_reason TEXT;

CREATE TABLE comment_reports (
    comment_id TEXT NOT NULL REFERENCES topic_comments(id),
    reporter_id TEXT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (comment_id, reporter_id)
);

CREATE TABLE comment_appeals (
    comment_id TEXT PRIMARY KEY REFERENCES topic_comments(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
