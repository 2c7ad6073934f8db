-- Recordings are synced to disk less often than they are indexed (issue 3): every flush is
-- written and indexed, so a crashed process loses at most one flush, but the file is synced
-- only every few seconds and when it closes. A row remembers how many bytes were synced and
-- under which kernel boot it was written, so that after a power loss (a new boot) recovery
-- keeps only what was synced, and after a process crash (same boot, the page cache intact)
-- everything written.
ALTER TABLE recordings ADD COLUMN synced_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE recordings ADD COLUMN boot_id TEXT NOT NULL DEFAULT '';
-- Until now every indexed byte was synced first.
UPDATE recordings SET synced_bytes = bytes;
