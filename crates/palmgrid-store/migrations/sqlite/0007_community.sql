-- 掌上社区 (issue 6), first part: 民主议事 and 服务执行. A community space is the community
-- region; its members are the users with a membership in its subtree.

-- Topics (议题) move through phases: collect → discuss → decide → decided (or closed).
-- Evidence from a camera is only ever the masked PNG, copied here when the topic is made.
CREATE TABLE topics (
    id TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES regions(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    phase TEXT NOT NULL,
    case_id TEXT REFERENCES cases(id),
    evidence_png BLOB,
    evidence_sha256 TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    decision TEXT,
    decided_ms INTEGER,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX topics_community ON topics(community_id, created_ms);

CREATE TABLE topic_comments (
    id TEXT PRIMARY KEY,
    topic_id TEXT NOT NULL REFERENCES topics(id),
    parent_id TEXT REFERENCES topic_comments(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX topic_comments_topic ON topic_comments(topic_id, created_ms);

-- One poll per topic at most; options are a JSON array of strings.
CREATE TABLE polls (
    topic_id TEXT PRIMARY KEY REFERENCES topics(id),
    question TEXT NOT NULL,
    multiple BOOLEAN NOT NULL,
    anonymous BOOLEAN NOT NULL,
    options TEXT NOT NULL,
    deadline_ms INTEGER NOT NULL,
    quorum_pct INTEGER NOT NULL,
    eligible INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);

-- A vote names its voter so nobody votes twice; for an anonymous poll no route shows who.
CREATE TABLE poll_votes (
    topic_id TEXT NOT NULL REFERENCES polls(topic_id),
    user_id TEXT NOT NULL REFERENCES users(id),
    choices TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (topic_id, user_id)
);

-- Action items (执行事项): from a decision or directly, with an owner and progress.
CREATE TABLE action_items (
    id TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES regions(id),
    topic_id TEXT REFERENCES topics(id),
    title TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    deadline_ms INTEGER,
    progress INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX action_items_community ON action_items(community_id, created_ms);

CREATE TABLE action_updates (
    id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL REFERENCES action_items(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    progress INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX action_updates_item ON action_updates(item_id, created_ms);
