-- 掌上社区 (issue 6): buildings of a community (in one of its grids or none), a resident's home
-- in one of them (set when staff verify an invite issued for it), notices to one building,
-- sub-tasks that weight an action item's progress, and pictures in the group chat.
CREATE TABLE buildings (
    id TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES regions(id),
    grid_id TEXT REFERENCES regions(id),
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    UNIQUE (community_id, name)
);
CREATE TABLE member_homes (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    community_id TEXT NOT NULL REFERENCES regions(id),
    building_id TEXT NOT NULL REFERENCES buildings(id),
    address TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, community_id)
);
CREATE INDEX member_homes_building ON member_homes(building_id);
ALTER TABLE invites ADD COLUMN building_id TEXT REFERENCES buildings(id);
ALTER TABLE notices ADD COLUMN building_id TEXT REFERENCES buildings(id);

CREATE TABLE action_subtasks (
    id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL REFERENCES action_items(id),
    title TEXT NOT NULL,
    weight INTEGER NOT NULL,
    done_by TEXT REFERENCES users(id),
    done_ms INTEGER,
    created_ms INTEGER NOT NULL
);
CREATE INDEX action_subtasks_item ON action_subtasks(item_id, created_ms);

CREATE TABLE chat_images (
    id TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES regions(id),
    jpeg BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_ms INTEGER NOT NULL
);
ALTER TABLE chat_messages ADD COLUMN image_id TEXT REFERENCES chat_images(id);
