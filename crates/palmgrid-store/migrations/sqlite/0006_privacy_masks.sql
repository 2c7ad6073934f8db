-- Privacy regions of a camera (issue 6): JSON {"regions": [[[x, y], …], …]} in coordinates
-- relative to the picture. Masked snapshots fill them; NULL means none.
ALTER TABLE cameras ADD COLUMN privacy_mask TEXT;
