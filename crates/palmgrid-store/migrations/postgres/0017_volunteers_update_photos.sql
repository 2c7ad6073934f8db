-- 服务执行 (issue 6): volunteers who sign up to help with an action item, and a photo on a
-- progress update (a checked JPEG without metadata, with its SHA-256).
CREATE TABLE action_volunteers (
    item_id TEXT NOT NULL REFERENCES action_items(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (item_id, user_id)
);
CREATE TABLE action_update_photos (
    update_id TEXT PRIMARY KEY REFERENCES action_updates(id),
    jpeg BYTEA NOT NULL,
    sha256 TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
