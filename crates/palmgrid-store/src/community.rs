//! Community spaces (issue 6): topics, comments, polls and votes, action items and their
//! progress updates.

use crate::{Result, Store, StoreError, conflict_or, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TopicRow {
    pub id: String,
    pub community_id: String,
    pub title: String,
    pub body: String,
    pub phase: String,
    pub case_id: Option<String>,
    /// SHA-256 of the masked picture, when the topic has one.
    pub evidence_sha256: Option<String>,
    pub created_by: String,
    pub decision: Option<String>,
    pub decided_ms: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// Slow mode: a member may comment once per this many seconds (0: off).
    pub slow_mode_s: i64,
}

const TOPIC_COLS: &str = "id, community_id, title, body, phase, case_id, evidence_sha256, created_by, decision, \
    decided_ms, created_ms, updated_ms, slow_mode_s";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CommentRow {
    pub id: String,
    pub topic_id: String,
    pub parent_id: Option<String>,
    pub author_id: String,
    pub body: String,
    pub created_ms: i64,
    /// Hidden (by reports pending review, or removed by a moderator) since, and why.
    pub hidden_ms: Option<i64>,
    pub hidden_reason: Option<String>,
    /// Hidden by a moderator naming a rule (not by reports waiting for review).
    pub removed: bool,
}

/// What moderation knows of one comment: (reports, whether the reader reported it, the
/// author's appeal and when).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommentModeration {
    pub reports: i64,
    pub i_reported: bool,
    pub appeal: Option<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PollRow {
    pub topic_id: String,
    pub question: String,
    pub multiple: bool,
    pub anonymous: bool,
    /// JSON array of strings.
    pub options: String,
    pub deadline_ms: i64,
    pub quorum_pct: i64,
    /// Members who could vote when the poll opened (the quorum's base).
    pub eligible: i64,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ActionItemRow {
    pub id: String,
    pub community_id: String,
    pub topic_id: Option<String>,
    pub title: String,
    pub owner_id: String,
    pub deadline_ms: Option<i64>,
    pub progress: i64,
    pub status: String,
    pub created_by: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const ITEM_COLS: &str =
    "id, community_id, topic_id, title, owner_id, deadline_ms, progress, status, created_by, created_ms, updated_ms";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ActionUpdateRow {
    pub id: String,
    pub item_id: String,
    pub author_id: String,
    pub body: String,
    pub progress: i64,
    pub created_ms: i64,
}

impl Store {
    pub async fn insert_topic(&self, t: &TopicRow, evidence_png: Option<&[u8]>) -> Result<()> {
        let sql = format!(
            "INSERT INTO topics ({TOPIC_COLS}, evidence_png) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        );
        on_pool!(self, |p| sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&t.id)
            .bind(&t.community_id)
            .bind(&t.title)
            .bind(&t.body)
            .bind(&t.phase)
            .bind(&t.case_id)
            .bind(&t.evidence_sha256)
            .bind(&t.created_by)
            .bind(&t.decision)
            .bind(t.decided_ms)
            .bind(t.created_ms)
            .bind(t.updated_ms)
            .bind(t.slow_mode_s)
            .bind(evidence_png)
            .execute(p)
            .await
            .map(|r| r.rows_affected())?);
        Ok(())
    }

    pub async fn topic(&self, id: &str) -> Result<Option<TopicRow>> {
        let sql = format!("SELECT {TOPIC_COLS} FROM topics WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    /// Topics of a community, newest first.
    pub async fn list_topics(&self, community_id: &str) -> Result<Vec<TopicRow>> {
        let sql = format!("SELECT {TOPIC_COLS} FROM topics WHERE community_id = $1 ORDER BY created_ms DESC, id");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(community_id).fetch_all(p).await?))
    }

    pub async fn topic_evidence(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let v: Option<Option<Vec<u8>>> =
            on_pool!(self, |p| sqlx::query_scalar("SELECT evidence_png FROM topics WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?);
        Ok(v.flatten())
    }

    /// Moves a topic from `from` to `to` (with the decision, when one is recorded). A topic
    /// that is no longer in `from` is a conflict.
    pub async fn move_topic(&self, id: &str, from: &str, to: &str, decision: Option<&str>, now_ms: i64) -> Result<()> {
        let decided = decision.map(|_| now_ms);
        let n = on_pool!(self, |p| {
            sqlx::query(
            "UPDATE topics SET phase = $1, decision = COALESCE($2, decision), decided_ms = COALESCE($3, decided_ms), \
             updated_ms = $4 WHERE id = $5 AND phase = $6"
        )
        .bind(to)
        .bind(decision)
        .bind(decided)
        .bind(now_ms)
        .bind(id)
        .bind(from)
        .execute(p)
        .await?
        .rows_affected()
        });
        if n == 0 { Err(StoreError::Conflict("the topic has moved on; reload it".into())) } else { Ok(()) }
    }

    /// Sets a topic's slow mode (seconds between one member's comments; 0 turns it off).
    pub async fn set_slow_mode(&self, id: &str, seconds: i64, now_ms: i64) -> Result<()> {
        on_pool!(self, |p| sqlx::query("UPDATE topics SET slow_mode_s = $1, updated_ms = $2 WHERE id = $3")
            .bind(seconds)
            .bind(now_ms)
            .bind(id)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// When `author_id` last commented on a topic.
    pub async fn last_comment_ms(&self, topic_id: &str, author_id: &str) -> Result<Option<i64>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT MAX(created_ms) FROM topic_comments WHERE topic_id = $1 AND author_id = $2"
        )
        .bind(topic_id)
        .bind(author_id)
        .fetch_one(p)
        .await?))
    }

    /// Claims a member's next comment on a slow-mode topic: succeeds (`Ok(None)`) when their
    /// last claim is at least `interval_ms` old, else answers it (`Ok(Some(last))`). One
    /// conditional upsert, so of two comments sent at once only one passes.
    pub async fn claim_slow_mode(
        &self,
        topic_id: &str,
        user_id: &str,
        now_ms: i64,
        interval_ms: i64,
    ) -> Result<Option<i64>> {
        let n = on_pool!(self, |p| sqlx::query(
            "INSERT INTO slow_mode_marks (topic_id, user_id, last_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (topic_id, user_id) DO UPDATE SET last_ms = excluded.last_ms \
             WHERE slow_mode_marks.last_ms <= $4"
        )
        .bind(topic_id)
        .bind(user_id)
        .bind(now_ms)
        .bind(now_ms - interval_ms)
        .execute(p)
        .await?
        .rows_affected());
        if n > 0 {
            return Ok(None);
        }
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT last_ms FROM slow_mode_marks WHERE topic_id = $1 AND user_id = $2"
        )
        .bind(topic_id)
        .bind(user_id)
        .fetch_optional(p)
        .await?))
    }

    /// Of these users, those who chose to be anonymous to neighbours.
    pub async fn anonymous_members(&self, user_ids: &[String]) -> Result<std::collections::HashSet<String>> {
        if user_ids.is_empty() {
            return Ok(Default::default());
        }
        let marks: Vec<String> = (1..=user_ids.len()).map(|i| format!("${i}")).collect();
        let sql =
            format!("SELECT user_id FROM member_prefs WHERE anonymous = TRUE AND user_id IN ({})", marks.join(", "));
        let rows: Vec<String> = on_pool!(self, |p| {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()));
            for id in user_ids {
                q = q.bind(id);
            }
            q.fetch_all(p).await?
        });
        Ok(rows.into_iter().collect())
    }

    /// A member's preferences (defaults when never set).
    pub async fn member_prefs(&self, user_id: &str) -> Result<MemberPrefsRow> {
        let row: Option<MemberPrefsRow> = on_pool!(self, |p| sqlx::query_as(
            "SELECT user_id, anonymous, quiet_from_min, quiet_to_min, digest, last_digest_ms FROM member_prefs \
             WHERE user_id = $1"
        )
        .bind(user_id)
        .fetch_optional(p)
        .await?);
        Ok(row.unwrap_or(MemberPrefsRow {
            user_id: user_id.into(),
            anonymous: false,
            quiet_from_min: None,
            quiet_to_min: None,
            digest: "off".into(),
            last_digest_ms: None,
        }))
    }

    /// Saves a member's preferences; a `last_digest_ms` of `None` keeps the stored one.
    pub async fn set_member_prefs(&self, p: &MemberPrefsRow, now_ms: i64) -> Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "INSERT INTO member_prefs (user_id, anonymous, quiet_from_min, quiet_to_min, digest, last_digest_ms, \
             updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id) DO UPDATE SET \
             anonymous = excluded.anonymous, quiet_from_min = excluded.quiet_from_min, \
             quiet_to_min = excluded.quiet_to_min, digest = excluded.digest, \
             last_digest_ms = COALESCE(excluded.last_digest_ms, member_prefs.last_digest_ms), \
             updated_ms = excluded.updated_ms"
        )
        .bind(&p.user_id)
        .bind(p.anonymous)
        .bind(p.quiet_from_min)
        .bind(p.quiet_to_min)
        .bind(&p.digest)
        .bind(p.last_digest_ms)
        .bind(now_ms)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Members who asked for digests.
    pub async fn digest_subscribers(&self) -> Result<Vec<MemberPrefsRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT user_id, anonymous, quiet_from_min, quiet_to_min, digest, last_digest_ms FROM member_prefs \
             WHERE digest <> 'off' ORDER BY user_id"
        )
        .fetch_all(p)
        .await?))
    }

    /// Notes that a digest went out, unless another did meanwhile. Returns whether this one counts.
    pub async fn mark_digest_sent(&self, user_id: &str, last: Option<i64>, now_ms: i64) -> Result<bool> {
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE member_prefs SET last_digest_ms = $1 WHERE user_id = $2 \
             AND (last_digest_ms = $3 OR (last_digest_ms IS NULL AND $3 IS NULL))"
        )
        .bind(now_ms)
        .bind(user_id)
        .bind(last)
        .execute(p)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// Notices, topics and action items of a community that are new (or, for items, updated)
    /// since `since_ms`: (notice target and building ids, topics, items).
    #[allow(clippy::type_complexity)]
    pub async fn community_news(
        &self,
        community_id: &str,
        since_ms: i64,
    ) -> Result<(Vec<(String, Option<String>)>, i64, i64)> {
        let notices: Vec<(String, Option<String>)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT target_id, building_id FROM notices WHERE community_id = $1 AND created_ms > $2"
        )
        .bind(community_id)
        .bind(since_ms)
        .fetch_all(p)
        .await?);
        let topics: i64 = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM topics WHERE community_id = $1 AND created_ms > $2"
        )
        .bind(community_id)
        .bind(since_ms)
        .fetch_one(p)
        .await?);
        let items: i64 = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM action_items WHERE community_id = $1 AND updated_ms > $2"
        )
        .bind(community_id)
        .bind(since_ms)
        .fetch_one(p)
        .await?);
        Ok((notices, topics, items))
    }

    /// Signs a member up to help with an action item (again is a no-op).
    pub async fn add_volunteer(&self, item_id: &str, user_id: &str, now_ms: i64) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO action_volunteers (item_id, user_id, created_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (item_id, user_id) DO NOTHING"
        )
        .bind(item_id)
        .bind(user_id)
        .bind(now_ms)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    pub async fn remove_volunteer(&self, item_id: &str, user_id: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query("DELETE FROM action_volunteers WHERE item_id = $1 AND user_id = $2")
            .bind(item_id)
            .bind(user_id)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Volunteers of an action item, in the order they signed up.
    pub async fn volunteers(&self, item_id: &str) -> Result<Vec<String>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT user_id FROM action_volunteers WHERE item_id = $1 ORDER BY created_ms, user_id"
        )
        .bind(item_id)
        .fetch_all(p)
        .await?))
    }

    /// Attaches a photo to a progress update; an update has at most one.
    pub async fn insert_update_photo(&self, update_id: &str, jpeg: &[u8], sha256: &str, now_ms: i64) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO action_update_photos (update_id, jpeg, sha256, created_ms) VALUES ($1, $2, $3, $4)"
        )
        .bind(update_id)
        .bind(jpeg)
        .bind(sha256)
        .bind(now_ms)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    pub async fn update_photo(&self, update_id: &str) -> Result<Option<Vec<u8>>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar("SELECT jpeg FROM action_update_photos WHERE update_id = $1")
            .bind(update_id)
            .fetch_optional(p)
            .await?))
    }

    /// SHA-256 of the photos on an item's updates, by update id.
    pub async fn update_photo_hashes(&self, item_id: &str) -> Result<std::collections::HashMap<String, String>> {
        let rows: Vec<(String, String)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT f.update_id, f.sha256 FROM action_update_photos f JOIN action_updates u ON u.id = f.update_id \
             WHERE u.item_id = $1"
        )
        .bind(item_id)
        .fetch_all(p)
        .await?);
        Ok(rows.into_iter().collect())
    }

    /// One progress update.
    pub async fn action_update(&self, id: &str) -> Result<Option<ActionUpdateRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, item_id, author_id, body, progress, created_ms FROM action_updates WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await?))
    }

    pub async fn insert_comment(&self, c: &CommentRow) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO topic_comments (id, topic_id, parent_id, author_id, body, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(&c.id)
        .bind(&c.topic_id)
        .bind(&c.parent_id)
        .bind(&c.author_id)
        .bind(&c.body)
        .bind(c.created_ms)
        .execute(p)
        .await
        .map(|r| r.rows_affected())?);
        Ok(())
    }

    pub async fn comments(&self, topic_id: &str) -> Result<Vec<CommentRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, topic_id, parent_id, author_id, body, created_ms, hidden_ms, hidden_reason, removed \
             FROM topic_comments WHERE topic_id = $1 ORDER BY created_ms, id"
        )
        .bind(topic_id)
        .fetch_all(p)
        .await?))
    }

    pub async fn comment(&self, id: &str) -> Result<Option<CommentRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, topic_id, parent_id, author_id, body, created_ms, hidden_ms, hidden_reason, removed \
             FROM topic_comments WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await?))
    }

    /// Records a member's report of a comment and returns how many members have reported it.
    /// A second report by the same member is a conflict.
    pub async fn report_comment(&self, comment_id: &str, reporter_id: &str, reason: &str, now_ms: i64) -> Result<i64> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO comment_reports (comment_id, reporter_id, reason, created_ms) VALUES ($1, $2, $3, $4)"
        )
        .bind(comment_id)
        .bind(reporter_id)
        .bind(reason)
        .bind(now_ms)
        .execute(p)
        .await
        .map_err(|e| conflict_or(e, "you have reported this already"))
        .map(|r| r.rows_affected())?);
        Ok(on_pool!(self, |p| sqlx::query_scalar("SELECT COUNT(*) FROM comment_reports WHERE comment_id = $1")
            .bind(comment_id)
            .fetch_one(p)
            .await?))
    }

    /// Hides a comment (`Some`; `removed` when a moderator removes it) or shows it again
    /// (`None`). Returns whether anything changed.
    pub async fn set_comment_hidden(&self, id: &str, hidden: Option<(i64, &str)>, removed: bool) -> Result<bool> {
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE topic_comments SET hidden_ms = $1, hidden_reason = $2, removed = $4 WHERE id = $3 \
             AND (($1 IS NULL) <> (hidden_ms IS NULL) OR COALESCE(hidden_reason, '') <> COALESCE($2, '') \
             OR removed <> $4)"
        )
        .bind(hidden.map(|h| h.0))
        .bind(hidden.map(|h| h.1))
        .bind(id)
        .bind(removed)
        .execute(p)
        .await?
        .rows_affected());
        Ok(n > 0)
    }

    /// Forgets the reports of a comment (after a moderator restored it).
    pub async fn clear_comment_reports(&self, comment_id: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query("DELETE FROM comment_reports WHERE comment_id = $1")
            .bind(comment_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected())?);
        Ok(())
    }

    /// The author's appeal against hiding (one per comment).
    pub async fn insert_appeal(&self, comment_id: &str, author_id: &str, body: &str, now_ms: i64) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO comment_appeals (comment_id, author_id, body, created_ms) VALUES ($1, $2, $3, $4)"
        )
        .bind(comment_id)
        .bind(author_id)
        .bind(body)
        .bind(now_ms)
        .execute(p)
        .await
        .map_err(|e| conflict_or(e, "this comment has been appealed already"))
        .map(|r| r.rows_affected())?);
        Ok(())
    }

    /// Moderation of a topic's comments that have reports or an appeal, by comment id, with
    /// whether `reader_id` reported each.
    pub async fn comment_moderation(
        &self,
        topic_id: &str,
        reader_id: &str,
    ) -> Result<std::collections::HashMap<String, CommentModeration>> {
        let reports: Vec<(String, i64, i64)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT r.comment_id, CAST(COUNT(*) AS BIGINT), \
             CAST(SUM(CASE WHEN r.reporter_id = $2 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM comment_reports r JOIN topic_comments c ON c.id = r.comment_id \
             WHERE c.topic_id = $1 GROUP BY r.comment_id"
        )
        .bind(topic_id)
        .bind(reader_id)
        .fetch_all(p)
        .await?);
        let appeals: Vec<(String, String, i64)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT a.comment_id, a.body, a.created_ms FROM comment_appeals a \
             JOIN topic_comments c ON c.id = a.comment_id WHERE c.topic_id = $1"
        )
        .bind(topic_id)
        .fetch_all(p)
        .await?);
        let mut out: std::collections::HashMap<String, CommentModeration> = Default::default();
        for (id, n, mine) in reports {
            let m = out.entry(id).or_default();
            m.reports = n;
            m.i_reported = mine > 0;
        }
        for (id, body, at) in appeals {
            out.entry(id).or_default().appeal = Some((body, at));
        }
        Ok(out)
    }

    pub async fn appeal(&self, comment_id: &str) -> Result<Option<(String, i64)>> {
        Ok(on_pool!(self, |p| sqlx::query_as("SELECT body, created_ms FROM comment_appeals WHERE comment_id = $1")
            .bind(comment_id)
            .fetch_optional(p)
            .await?))
    }

    /// Opens a poll and moves its topic to `decide`, in one transaction; a topic has at
    /// most one poll.
    pub async fn open_poll(&self, poll: &PollRow, from_phase: &str) -> Result<()> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query("UPDATE topics SET phase = 'decide', updated_ms = $1 WHERE id = $2 AND phase = $3")
                .bind(poll.created_ms)
                .bind(&poll.topic_id)
                .bind(from_phase)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("the topic has moved on; reload it".into()));
            }
            sqlx::query(
                "INSERT INTO polls (topic_id, question, multiple, anonymous, options, deadline_ms, quorum_pct, \
                 eligible, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&poll.topic_id)
            .bind(&poll.question)
            .bind(poll.multiple)
            .bind(poll.anonymous)
            .bind(&poll.options)
            .bind(poll.deadline_ms)
            .bind(poll.quorum_pct)
            .bind(poll.eligible)
            .bind(poll.created_ms)
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_or(e, "the topic has a poll already"))?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn poll(&self, topic_id: &str) -> Result<Option<PollRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT topic_id, question, multiple, anonymous, options, deadline_ms, quorum_pct, eligible, created_ms \
             FROM polls WHERE topic_id = $1"
        )
        .bind(topic_id)
        .fetch_optional(p)
        .await?))
    }

    /// Records a vote; a second vote by the same member is a conflict.
    pub async fn insert_vote(&self, topic_id: &str, user_id: &str, choices: &str, now_ms: i64) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO poll_votes (topic_id, user_id, choices, created_ms) VALUES ($1, $2, $3, $4)"
        )
        .bind(topic_id)
        .bind(user_id)
        .bind(choices)
        .bind(now_ms)
        .execute(p)
        .await
        .map_err(|e| conflict_or(e, "you have voted already"))
        .map(|r| r.rows_affected())?);
        Ok(())
    }

    /// (voter, choices JSON) of a poll.
    pub async fn votes(&self, topic_id: &str) -> Result<Vec<(String, String)>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT user_id, choices FROM poll_votes WHERE topic_id = $1 ORDER BY created_ms, user_id"
        )
        .bind(topic_id)
        .fetch_all(p)
        .await?))
    }

    /// Members who take part in a community (residents, property managers, local units,
    /// social organisations with a membership in its subtree), enabled accounts only.
    pub async fn count_participants(&self, community_code: &str) -> Result<i64> {
        let prefix = format!("{community_code}%");
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(DISTINCT m.user_id) FROM memberships m JOIN regions r ON r.id = m.region_id \
             JOIN users u ON u.id = m.user_id WHERE r.code LIKE $1 AND u.disabled = FALSE \
             AND m.role IN ('resident', 'property_manager', 'local_unit', 'social_org')"
        )
        .bind(&prefix)
        .fetch_one(p)
        .await?))
    }

    pub async fn insert_action_item(&self, a: &ActionItemRow) -> Result<()> {
        let sql =
            format!("INSERT INTO action_items ({ITEM_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
        on_pool!(self, |p| sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&a.id)
            .bind(&a.community_id)
            .bind(&a.topic_id)
            .bind(&a.title)
            .bind(&a.owner_id)
            .bind(a.deadline_ms)
            .bind(a.progress)
            .bind(&a.status)
            .bind(&a.created_by)
            .bind(a.created_ms)
            .bind(a.updated_ms)
            .execute(p)
            .await
            .map(|r| r.rows_affected())?);
        Ok(())
    }

    pub async fn action_item(&self, id: &str) -> Result<Option<ActionItemRow>> {
        let sql = format!("SELECT {ITEM_COLS} FROM action_items WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    /// The action item carrying out a topic's decision, if any.
    pub async fn action_item_of_topic(&self, topic_id: &str) -> Result<Option<ActionItemRow>> {
        let sql = format!("SELECT {ITEM_COLS} FROM action_items WHERE topic_id = $1 ORDER BY created_ms, id LIMIT 1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(topic_id).fetch_optional(p).await?))
    }

    pub async fn list_action_items(&self, community_id: &str) -> Result<Vec<ActionItemRow>> {
        let sql = format!("SELECT {ITEM_COLS} FROM action_items WHERE community_id = $1 ORDER BY created_ms DESC, id");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(community_id).fetch_all(p).await?))
    }

    /// Records a progress update and the item's new progress and status together.
    pub async fn add_action_update(&self, u: &ActionUpdateRow, status: &str) -> Result<()> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query("UPDATE action_items SET progress = $1, status = $2, updated_ms = $3 WHERE id = $4")
                .bind(u.progress)
                .bind(status)
                .bind(u.created_ms)
                .bind(&u.item_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO action_updates (id, item_id, author_id, body, progress, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&u.id)
            .bind(&u.item_id)
            .bind(&u.author_id)
            .bind(&u.body)
            .bind(u.progress)
            .bind(u.created_ms)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn action_updates(&self, item_id: &str) -> Result<Vec<ActionUpdateRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, item_id, author_id, body, progress, created_ms FROM action_updates \
             WHERE item_id = $1 ORDER BY created_ms, id"
        )
        .bind(item_id)
        .fetch_all(p)
        .await?))
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: String,
    pub community_id: String,
    /// The community itself or one of its grids.
    pub target_id: String,
    /// A building of the community: the notice is for the members living there.
    pub building_id: Option<String>,
    pub title: String,
    pub body: String,
    pub created_by: String,
    pub created_ms: i64,
}

impl Store {
    pub async fn insert_notice(&self, n: &NoticeRow) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO notices (id, community_id, target_id, building_id, title, body, created_by, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(&n.id)
        .bind(&n.community_id)
        .bind(&n.target_id)
        .bind(&n.building_id)
        .bind(&n.title)
        .bind(&n.body)
        .bind(&n.created_by)
        .bind(n.created_ms)
        .execute(p)
        .await
        .map(|r| r.rows_affected())?);
        Ok(())
    }

    pub async fn notice(&self, id: &str) -> Result<Option<NoticeRow>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, community_id, target_id, building_id, title, body, created_by, created_ms FROM notices WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await?
        }))
    }

    /// A community's notices, newest first, with whether `user_id` has read each.
    pub async fn list_notices(&self, community_id: &str, user_id: &str) -> Result<Vec<(NoticeRow, bool)>> {
        let notices: Vec<NoticeRow> = on_pool!(self, |p| sqlx::query_as(
            "SELECT id, community_id, target_id, building_id, title, body, created_by, created_ms FROM notices \
             WHERE community_id = $1 ORDER BY created_ms DESC, id"
        )
        .bind(community_id)
        .fetch_all(p)
        .await?);
        let read: Vec<String> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT r.notice_id FROM notice_reads r JOIN notices n ON n.id = r.notice_id \
             WHERE n.community_id = $1 AND r.user_id = $2"
        )
        .bind(community_id)
        .bind(user_id)
        .fetch_all(p)
        .await?);
        Ok(notices
            .into_iter()
            .map(|n| {
                let seen = read.contains(&n.id);
                (n, seen)
            })
            .collect())
    }

    /// Marks a notice read by a user (the first read counts).
    pub async fn mark_notice_read(&self, notice_id: &str, user_id: &str, now_ms: i64) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO notice_reads (notice_id, user_id, read_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (notice_id, user_id) DO NOTHING"
        )
        .bind(notice_id)
        .bind(user_id)
        .bind(now_ms)
        .execute(p)
        .await
        .map(|r| r.rows_affected())?);
        Ok(())
    }

    /// Who has read a notice: (user id, read time).
    pub async fn notice_reads(&self, notice_id: &str) -> Result<Vec<(String, i64)>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT user_id, read_ms FROM notice_reads WHERE notice_id = $1 ORDER BY read_ms, user_id"
        )
        .bind(notice_id)
        .fetch_all(p)
        .await?))
    }

    /// Enabled users holding a membership over a region whose code starts with `prefix`
    /// (a community and its grids), with the role and region and their home in the community
    /// `community_id`, ordered by region and name.
    pub async fn members_in(&self, prefix: &str, community_id: &str) -> Result<Vec<MemberRow>> {
        let like = format!("{prefix}%");
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT u.id AS user_id, u.username, u.display_name, m.role, r.code AS region_code, \
             r.name AS region_name, b.name AS building, h.address AS address \
             FROM memberships m JOIN regions r ON r.id = m.region_id \
             JOIN users u ON u.id = m.user_id \
             LEFT JOIN member_homes h ON h.user_id = u.id AND h.community_id = $2 \
             LEFT JOIN buildings b ON b.id = h.building_id \
             WHERE r.code LIKE $1 AND u.disabled = FALSE \
             ORDER BY r.code, u.display_name, u.id, m.role"
        )
        .bind(&like)
        .bind(community_id)
        .fetch_all(p)
        .await?))
    }

    /// Enabled users holding one of `roles` over a region whose code starts with `prefix`:
    /// the audience of a notice to that region.
    pub async fn members_under(&self, prefix: &str, roles: &[&str]) -> Result<Vec<(String, String)>> {
        let like = format!("{prefix}%");
        let rows: Vec<(String, String, String)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT DISTINCT u.id, u.display_name, m.role FROM memberships m JOIN regions r ON r.id = m.region_id \
             JOIN users u ON u.id = m.user_id WHERE r.code LIKE $1 AND u.disabled = FALSE ORDER BY u.id"
        )
        .bind(&like)
        .fetch_all(p)
        .await?);
        let mut out: Vec<(String, String)> = Vec::new();
        for (id, name, role) in rows {
            if roles.contains(&role.as_str()) && !out.iter().any(|(u, _)| *u == id) {
                out.push((id, name));
            }
        }
        Ok(out)
    }
}

/// A member's choices about community spaces.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MemberPrefsRow {
    pub user_id: String,
    pub anonymous: bool,
    /// Quiet hours, local minutes after midnight (both or neither).
    pub quiet_from_min: Option<i64>,
    pub quiet_to_min: Option<i64>,
    /// `off`, `daily` or `weekly`.
    pub digest: String,
    pub last_digest_ms: Option<i64>,
}

/// A member of a community space: who, in which role, over which region.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
    pub region_name: String,
    /// Their building and address in the community, when recorded.
    pub building: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InviteRow {
    pub id: String,
    pub code_hash: String,
    pub community_id: String,
    /// The community or one of its grids: where the resident's membership will be.
    pub target_id: String,
    /// The building of the address, when the community lists its buildings.
    pub building_id: Option<String>,
    pub address: String,
    pub issued_by: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub used_ms: Option<i64>,
}

const INVITE_COLS: &str =
    "id, code_hash, community_id, target_id, building_id, address, issued_by, created_ms, expires_ms, used_ms";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JoinRequestRow {
    pub id: String,
    pub invite_id: String,
    pub user_id: String,
    /// pending | verified | rejected
    pub state: String,
    pub created_ms: i64,
    pub decided_by: Option<String>,
    pub decided_ms: Option<i64>,
}

impl Store {
    pub async fn insert_invite(&self, i: &InviteRow) -> Result<()> {
        let sql = format!("INSERT INTO invites ({INVITE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
        on_pool!(self, |p| sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&i.id)
            .bind(&i.code_hash)
            .bind(&i.community_id)
            .bind(&i.target_id)
            .bind(&i.building_id)
            .bind(&i.address)
            .bind(&i.issued_by)
            .bind(i.created_ms)
            .bind(i.expires_ms)
            .bind(i.used_ms)
            .execute(p)
            .await
            .map_err(|e| conflict_or(e, "invite"))
            .map(|r| r.rows_affected())?);
        Ok(())
    }

    pub async fn invite_by_hash(&self, code_hash: &str) -> Result<Option<InviteRow>> {
        let sql = format!("SELECT {INVITE_COLS} FROM invites WHERE code_hash = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code_hash).fetch_optional(p).await?))
    }

    pub async fn invite(&self, id: &str) -> Result<Option<InviteRow>> {
        let sql = format!("SELECT {INVITE_COLS} FROM invites WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    /// Uses an invite: creates the account and its pending join request, and marks the
    /// invite used, in one transaction. An invite used meanwhile is a conflict.
    pub async fn join_with_invite(
        &self,
        invite_id: &str,
        user: &crate::UserRow,
        request: &JoinRequestRow,
    ) -> Result<()> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query("UPDATE invites SET used_ms = $1 WHERE id = $2 AND used_ms IS NULL")
                .bind(request.created_ms)
                .bind(invite_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("the invite has been used".into()));
            }
            let sql = format!(
                "INSERT INTO users ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                crate::users::USER_COLS
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&user.id)
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(user.disabled)
                .bind(&user.totp_secret)
                .bind(user.totp_enabled)
                .bind(user.totp_last_step)
                .bind(user.created_ms)
                .bind(user.updated_ms)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_or(e, "username already exists"))?;
            sqlx::query(
                "INSERT INTO join_requests (id, invite_id, user_id, state, created_ms, decided_by, decided_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&request.id)
            .bind(&request.invite_id)
            .bind(&request.user_id)
            .bind(&request.state)
            .bind(request.created_ms)
            .bind(&request.decided_by)
            .bind(request.decided_ms)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Join requests of a community, pending first then newest, with their invite.
    pub async fn join_requests(&self, community_id: &str) -> Result<Vec<(JoinRequestRow, InviteRow)>> {
        let rows: Vec<JoinRequestRow> = on_pool!(self, |p| sqlx::query_as(
            "SELECT j.id, j.invite_id, j.user_id, j.state, j.created_ms, j.decided_by, j.decided_ms \
             FROM join_requests j JOIN invites i ON i.id = j.invite_id WHERE i.community_id = $1 \
             ORDER BY j.state <> 'pending', j.created_ms DESC"
        )
        .bind(community_id)
        .fetch_all(p)
        .await?);
        let mut out = Vec::new();
        for r in rows {
            if let Some(i) = self.invite(&r.invite_id).await? {
                out.push((r, i));
            }
        }
        Ok(out)
    }

    pub async fn join_request(&self, id: &str) -> Result<Option<JoinRequestRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, invite_id, user_id, state, created_ms, decided_by, decided_ms FROM join_requests WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await?))
    }

    /// Decides a pending request; when verified, grants the membership and records the home
    /// (when the invite named a building) in the same transaction. A request decided
    /// meanwhile is a conflict.
    pub async fn decide_join(
        &self,
        id: &str,
        state: &str,
        decided_by: &str,
        now_ms: i64,
        membership: Option<(&str, &str, &str, &str)>,
        home: Option<&crate::MemberHomeRow>,
    ) -> Result<()> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE join_requests SET state = $1, decided_by = $2, decided_ms = $3 WHERE id = $4 AND state = 'pending'",
            )
            .bind(state)
            .bind(decided_by)
            .bind(now_ms)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("the request has been decided".into()));
            }
            if let Some((mid, user, role, region)) = membership {
                sqlx::query(
                    "INSERT INTO memberships (id, user_id, role, region_id, created_ms) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(mid)
                .bind(user)
                .bind(role)
                .bind(region)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(h) = home {
                sqlx::query(
                    "INSERT INTO member_homes (user_id, community_id, building_id, address, created_ms) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, community_id) \
                     DO UPDATE SET building_id = $3, address = $4, created_ms = $5",
                )
                .bind(&h.user_id)
                .bind(&h.community_id)
                .bind(&h.building_id)
                .bind(&h.address)
                .bind(h.created_ms)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ChatMessageRow {
    /// Assigned by the database, increasing; ignored on insert.
    pub id: i64,
    pub community_id: String,
    pub author_id: String,
    pub body: String,
    /// A picture sent with the message (`chat_images`).
    pub image_id: Option<String>,
    pub created_ms: i64,
}

impl Store {
    /// Stores a chat picture (a checked JPEG without metadata).
    pub async fn insert_chat_image(
        &self,
        id: &str,
        community_id: &str,
        jpeg: &[u8],
        sha256: &str,
        created_by: &str,
        now_ms: i64,
    ) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO chat_images (id, community_id, jpeg, sha256, created_by, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(id)
        .bind(community_id)
        .bind(jpeg)
        .bind(sha256)
        .bind(created_by)
        .bind(now_ms)
        .execute(p)
        .await
        .map(|r| r.rows_affected())?);
        Ok(())
    }

    /// A chat picture: (community id, JPEG).
    pub async fn chat_image(&self, id: &str) -> Result<Option<(String, Vec<u8>)>> {
        Ok(on_pool!(self, |p| sqlx::query_as("SELECT community_id, jpeg FROM chat_images WHERE id = $1")
            .bind(id)
            .fetch_optional(p)
            .await?))
    }

    /// Stores a message and returns its number.
    pub async fn insert_chat_message(&self, m: &ChatMessageRow) -> Result<i64> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "INSERT INTO chat_messages (community_id, author_id, body, image_id, created_ms) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id"
        )
        .bind(&m.community_id)
        .bind(&m.author_id)
        .bind(&m.body)
        .bind(&m.image_id)
        .bind(m.created_ms)
        .fetch_one(p)
        .await?))
    }

    /// The `limit` messages of a community before `before_id` (all when `None`), oldest first.
    pub async fn chat_history(
        &self,
        community_id: &str,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<ChatMessageRow>> {
        let mut rows: Vec<ChatMessageRow> = on_pool!(self, |p| sqlx::query_as(
            "SELECT id, community_id, author_id, body, image_id, created_ms FROM chat_messages \
             WHERE community_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        )
        .bind(community_id)
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(p)
        .await?);
        rows.reverse();
        Ok(rows)
    }
}
