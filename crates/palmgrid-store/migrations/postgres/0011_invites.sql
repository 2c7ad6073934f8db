-- Joining a community space (issue 6): an officer issues an invite for an address (a code or
-- its QR); the resident registers with it and waits until staff verify them. Only a hash of
-- the code is kept, like session tokens.
CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    community_id TEXT NOT NULL REFERENCES regions(id),
    target_id TEXT NOT NULL REFERENCES regions(id),
    address TEXT NOT NULL,
    issued_by TEXT NOT NULL REFERENCES users(id),
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    used_ms BIGINT
);

CREATE TABLE join_requests (
    id TEXT PRIMARY KEY,
    invite_id TEXT NOT NULL REFERENCES invites(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    state TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    decided_by TEXT REFERENCES users(id),
    decided_ms BIGINT
);
CREATE INDEX join_requests_invite ON join_requests(invite_id);
