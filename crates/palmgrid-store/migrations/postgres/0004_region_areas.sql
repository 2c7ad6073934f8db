-- Region areas and unit grids (issue 4). Geometry is GeoJSON text in WGS-84, written only
-- by an import that validated it; the R-tree for point lookups is built in memory from it.

ALTER TABLE regions ADD COLUMN geometry TEXT;
ALTER TABLE regions ADD COLUMN area_m2 DOUBLE PRECISION;

-- Unit grids (单元网格, GB/T 30428.1): a layer beneath the governance grids, under a
-- community. Their 15-digit codes may equal a governance grid's, so they have their own table.
CREATE TABLE unit_grids (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    community_id TEXT NOT NULL REFERENCES regions(id),
    geometry TEXT NOT NULL,
    area_m2 DOUBLE PRECISION NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX unit_grids_community ON unit_grids(community_id);
