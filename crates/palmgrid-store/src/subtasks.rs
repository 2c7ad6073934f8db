//! Sub-tasks of an action item (服务执行, issue 6). Once an item has sub-tasks its progress is
//! their done weight over their whole weight, kept on the item together with an update that
//! says what changed, in one transaction.

use crate::{ActionUpdateRow, Result, Store, StoreError, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SubtaskRow {
    pub id: String,
    pub item_id: String,
    pub title: String,
    /// 1–100: how much of the item this sub-task is.
    pub weight: i64,
    pub done_by: Option<String>,
    pub done_ms: Option<i64>,
    pub created_ms: i64,
}

const SUBTASK_COLS: &str = "id, item_id, title, weight, done_by, done_ms, created_ms";

/// What a sub-task change does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SubtaskChange<'a> {
    Add(&'a SubtaskRow),
    /// Marks done (`true`) or open again; a sub-task already in that state is a conflict.
    Done {
        id: &'a str,
        done: bool,
    },
}

/// Progress from weights: the done share of the whole, in whole percent rounded down, so an
/// item is at 100 % only when every sub-task is done.
pub fn weighted_progress(done: i64, total: i64) -> i64 {
    if total <= 0 { 0 } else { (done * 100 / total).clamp(0, 100) }
}

impl Store {
    pub async fn subtasks(&self, item_id: &str) -> Result<Vec<SubtaskRow>> {
        let sql = format!("SELECT {SUBTASK_COLS} FROM action_subtasks WHERE item_id = $1 ORDER BY created_ms, id");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(item_id).fetch_all(p).await?))
    }

    pub async fn subtask(&self, id: &str) -> Result<Option<SubtaskRow>> {
        let sql = format!("SELECT {SUBTASK_COLS} FROM action_subtasks WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    /// Applies a sub-task change, recomputes the item's weighted progress and records the
    /// update (`update.progress` is overwritten with it) and the status `status_of(progress)`,
    /// all in one transaction. The item's row is locked first, so two changes at once are
    /// counted one after the other. Returns the new progress.
    pub async fn change_subtask(
        &self,
        change: SubtaskChange<'_>,
        update: &ActionUpdateRow,
        status_of: impl Fn(i64) -> &'static str,
    ) -> Result<i64> {
        let now = update.created_ms;
        let progress = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query("UPDATE action_items SET updated_ms = $1 WHERE id = $2")
                .bind(now)
                .bind(&update.item_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            match change {
                SubtaskChange::Add(s) => {
                    let sql =
                        format!("INSERT INTO action_subtasks ({SUBTASK_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(&s.id)
                        .bind(&s.item_id)
                        .bind(&s.title)
                        .bind(s.weight)
                        .bind(&s.done_by)
                        .bind(s.done_ms)
                        .bind(s.created_ms)
                        .execute(&mut *tx)
                        .await?;
                }
                SubtaskChange::Done { id, done } => {
                    let q = if done {
                        sqlx::query(
                            "UPDATE action_subtasks SET done_by = $1, done_ms = $2 \
                             WHERE id = $3 AND item_id = $4 AND done_ms IS NULL",
                        )
                        .bind(&update.author_id)
                        .bind(now)
                    } else {
                        sqlx::query(
                            "UPDATE action_subtasks SET done_by = NULL, done_ms = NULL \
                             WHERE id = $1 AND item_id = $2 AND done_ms IS NOT NULL",
                        )
                    };
                    let n = q.bind(id).bind(&update.item_id).execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        let what = if done { "done already" } else { "not done" };
                        return Err(StoreError::Conflict(format!("the sub-task is {what}")));
                    }
                }
            }
            let (done, total): (i64, i64) = sqlx::query_as(
                "SELECT CAST(COALESCE(SUM(CASE WHEN done_ms IS NULL THEN 0 ELSE weight END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(weight), 0) AS BIGINT) FROM action_subtasks WHERE item_id = $1",
            )
            .bind(&update.item_id)
            .fetch_one(&mut *tx)
            .await?;
            let progress = weighted_progress(done, total);
            sqlx::query("UPDATE action_items SET progress = $1, status = $2 WHERE id = $3")
                .bind(progress)
                .bind(status_of(progress))
                .bind(&update.item_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO action_updates (id, item_id, author_id, body, progress, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&update.id)
            .bind(&update.item_id)
            .bind(&update.author_id)
            .bind(&update.body)
            .bind(progress)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            progress
        });
        Ok(progress)
    }
}

#[cfg(test)]
mod tests {
    use super::weighted_progress;

    #[test]
    fn progress_is_the_done_share_rounded_down() {
        assert_eq!(weighted_progress(0, 0), 0);
        assert_eq!(weighted_progress(1, 3), 33);
        assert_eq!(weighted_progress(2, 3), 66);
        assert_eq!(weighted_progress(99, 100), 99);
        assert_eq!(weighted_progress(5, 5), 100);
    }
}
