-- And action items are found by the topic they carry out.
-- Slow mode (issue 6): when each member last commented on a topic, claimed with one
-- conditional upsert so two comments sent at once cannot both pass.
CREATE TABLE slow_mode_marks (
    topic_id TEXT NOT NULL REFERENCES topics(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    last_ms INTEGER NOT NULL,
    PRIMARY KEY (topic_id, user_id)
);
CREATE INDEX action_items_topic ON action_items(topic_id);
