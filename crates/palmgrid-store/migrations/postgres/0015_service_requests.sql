-- 服务执行 (issue 6): service requests from residents, routed to the property manager or the
-- committee, handled, and rated by whoever filed them.
CREATE TABLE service_requests (
    id TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES regions(id),
    requester_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    -- property | committee
    desk TEXT NOT NULL,
    description TEXT NOT NULL,
    address TEXT NOT NULL,
    -- open | accepted | done | cancelled
    state TEXT NOT NULL,
    handler_id TEXT REFERENCES users(id),
    reply TEXT,
    rating BIGINT,
    rating_comment TEXT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    done_ms BIGINT
);
CREATE INDEX service_requests_community ON service_requests(community_id, created_ms);
