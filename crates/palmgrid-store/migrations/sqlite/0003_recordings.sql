-- Recordings (issue 3): one row per segment file of about a minute, with the sample index
-- (Moonfire NVR's layout). A row only ever describes bytes that are already synced to its
-- file, so after a crash the index never points past what the disk holds.

ALTER TABLE cameras ADD COLUMN retain_days INTEGER NOT NULL DEFAULT 30;
ALTER TABLE cameras ADD COLUMN quota_mb INTEGER;

CREATE TABLE recordings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    duration_90k INTEGER NOT NULL,
    frames INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    codec TEXT NOT NULL,
    rfc6381 TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    sps BLOB NOT NULL,
    pps BLOB NOT NULL,
    hvcc BLOB,
    sample_index BLOB NOT NULL,
    open BOOLEAN NOT NULL
);
CREATE INDEX recordings_camera_start ON recordings(camera_id, start_ms);

-- Rows deleted by retention whose files may still be on disk: the file is unlinked after
-- the row is gone, and a restart finishes what a crash interrupted.
CREATE TABLE recording_garbage (
    id INTEGER PRIMARY KEY,
    camera_id TEXT NOT NULL
);
