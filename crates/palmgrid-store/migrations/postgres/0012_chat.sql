-- 信息互通 (issue 6): the community's group chat. Messages are numbered by the database; the
-- server broadcasts them in that order.
CREATE TABLE chat_messages (
    id BIGSERIAL PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES regions(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX chat_messages_community ON chat_messages(community_id, id);
