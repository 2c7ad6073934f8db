-- Recordings (issue 3): one row per segment file of about a minute, with the sample index
-- (Moonfire NVR's layout). A row only ever describes bytes that are already synced to its
-- file, so after a crash the index never points past what the disk holds.

ALTER TABLE cameras ADD COLUMN retain_days BIGINT NOT NULL DEFAULT 30;
ALTER TABLE cameras ADD COLUMN quota_mb BIGINT;

CREATE TABLE recordings (
    id BIGSERIAL PRIMARY KEY,
    camera_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    duration_90k BIGINT NOT NULL,
    frames BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    codec TEXT NOT NULL,
    rfc6381 TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    sps BYTEA NOT NULL,
    pps BYTEA NOT NULL,
    hvcc BYTEA,
    sample_index BYTEA NOT NULL,
    open BOOLEAN NOT NULL
);
CREATE INDEX recordings_camera_start ON recordings(camera_id, start_ms);

CREATE TABLE recording_garbage (
    id BIGINT PRIMARY KEY,
    camera_id TEXT NOT NULL
);
