-- Cameras (issue 3). Credentials live in their own table so that no query that reads
-- cameras for display can carry them by accident.

CREATE TABLE cameras (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    grid_id TEXT REFERENCES regions(id),
    zone TEXT NOT NULL,
    lon DOUBLE PRECISION,
    lat DOUBLE PRECISION,
    main_url TEXT NOT NULL,
    sub_url TEXT,
    transport TEXT NOT NULL,
    record BOOLEAN NOT NULL DEFAULT FALSE,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX cameras_grid ON cameras(grid_id);

CREATE TABLE camera_credentials (
    camera_id TEXT PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    password TEXT NOT NULL
);
