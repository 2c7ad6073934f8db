-- 矛盾调处 (issue 6): mediation cases, visible only to their parties and their mediator.
-- State: registered (登记受理) → mediating (调解) → agreed (协议) → followed_up (回访); or
-- escalated (to the street or a court mediation platform) or closed without agreement.
CREATE TABLE mediations (
    id TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES regions(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    state TEXT NOT NULL,
    mediator_id TEXT NOT NULL REFERENCES users(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    agreement TEXT,
    escalated_to TEXT,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);

CREATE TABLE mediation_parties (
    mediation_id TEXT NOT NULL REFERENCES mediations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (mediation_id, user_id)
);
CREATE INDEX mediation_parties_user ON mediation_parties(user_id);

-- Every step: sessions held, the agreement, the follow-up visit, an escalation.
CREATE TABLE mediation_entries (
    id TEXT PRIMARY KEY,
    mediation_id TEXT NOT NULL REFERENCES mediations(id),
    kind TEXT NOT NULL,
    notes TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users(id),
    created_ms INTEGER NOT NULL
);
CREATE INDEX mediation_entries_mediation ON mediation_entries(mediation_id, created_ms);
