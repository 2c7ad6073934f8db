-- Cases (issue 5): the GB/T 30428 loop. A case row holds where the case stands; its event
-- log holds everything that happened to it, and the metrics are computed from that log.

-- Handlers of a department (the departments themselves are in the category set).
CREATE TABLE department_members (
    department TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (department, user_id)
);
CREATE INDEX department_members_user ON department_members(user_id);

-- The routing matrix: category × region → lead and assisting departments. The rule of the
-- nearest region above a case's grid wins; without one, the category's default department.
CREATE TABLE case_routes (
    category TEXT NOT NULL,
    region_id TEXT NOT NULL REFERENCES regions(id),
    lead TEXT NOT NULL,
    assisting TEXT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (category, region_id)
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    version BIGINT NOT NULL,
    source TEXT NOT NULL,
    category TEXT NOT NULL,
    state TEXT NOT NULL,
    description TEXT NOT NULL,
    address TEXT,
    lon DOUBLE PRECISION,
    lat DOUBLE PRECISION,
    grid_id TEXT REFERENCES regions(id),
    grid_code TEXT,
    camera_id TEXT,
    reporter_id TEXT REFERENCES users(id),
    reporter_name TEXT NOT NULL,
    contact TEXT,
    api_key_id TEXT,
    lead_department TEXT,
    assisting_departments TEXT NOT NULL,
    extension_pending BOOLEAN NOT NULL,
    extension_until_ms BIGINT,
    rating BIGINT,
    merged_into TEXT,
    stage_started_ms BIGINT,
    stage_deadline_ms BIGINT,
    timer TEXT NOT NULL,
    handle_deadline_ms BIGINT,
    close_deadline_ms BIGINT,
    registered_ms BIGINT,
    closed_ms BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX cases_grid ON cases(grid_id);
CREATE INDEX cases_state ON cases(state);
CREATE INDEX cases_created ON cases(created_ms);

CREATE TABLE case_events (
    id BIGSERIAL PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    reason TEXT,
    details TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, id);

-- Photos are kept in the database (at most a few MiB each, EXIF removed); video items refer
-- to a camera and a time range, and put the recordings under a hold.
CREATE TABLE case_evidence (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    media_type TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    content BYTEA,
    camera_id TEXT,
    start_ms BIGINT,
    end_ms BIGINT,
    note TEXT,
    added_by TEXT,
    added_ms BIGINT NOT NULL
);
CREATE INDEX case_evidence_case ON case_evidence(case_id);

-- Recordings overlapping a hold are not deleted by retention while the hold lasts
-- (until_ms NULL: until released).
CREATE TABLE recording_holds (
    id TEXT PRIMARY KEY,
    camera_id TEXT NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    owner TEXT NOT NULL,
    until_ms BIGINT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX recording_holds_camera ON recording_holds(camera_id);
CREATE INDEX recording_holds_owner ON recording_holds(owner);

CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    case_id TEXT,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    read_ms BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);

-- Keys for other systems (Open311 clients, a 12345 hotline system). Only a hash is kept.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_by TEXT,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT
);
