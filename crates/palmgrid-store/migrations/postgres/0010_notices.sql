-- 信息互通 (issue 6): notices to a community or to one of its grids, with read receipts.
CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES regions(id),
    target_id TEXT NOT NULL REFERENCES regions(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_ms BIGINT NOT NULL
);
CREATE INDEX notices_community ON notices(community_id, created_ms);

CREATE TABLE notice_reads (
    notice_id TEXT NOT NULL REFERENCES notices(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    read_ms BIGINT NOT NULL,
    PRIMARY KEY (notice_id, user_id)
);
