//! Sub-tasks of an action item (服务执行, issue 6): the owner or the staff split an item into
//! weighted sub-tasks; from then on its progress is the done weight over the whole weight
//! (rounded down, so 100 % means every sub-task is done), and every change leaves a progress
//! update saying what was done by whom.

use crate::community::text;
use crate::{App, AppError, Result, Session};
use palmgrid_domain::community::action_status;
use palmgrid_store::{ActionItemRow, ActionUpdateRow, SubtaskChange, SubtaskRow};

/// The most sub-tasks one item may have.
pub const MAX_SUBTASKS: usize = 50;

impl App {
    /// The sub-tasks of an action item (members of its community).
    pub async fn subtasks(&self, s: &Session, item_id: &str) -> Result<Vec<SubtaskRow>> {
        self.readable_item(s, item_id).await?;
        Ok(self.store.subtasks(item_id).await?)
    }

    /// Adds a sub-task of weight 1–100. Returns it and the item's new progress.
    pub async fn add_subtask(&self, s: &Session, item_id: &str, title: &str, weight: i64) -> Result<(SubtaskRow, i64)> {
        let item = self.workable_item(s, item_id).await?;
        if !(1..=100).contains(&weight) {
            return Err(AppError::Validation("weight must be 1–100".into()));
        }
        let title = text("title", title, 100)?;
        if self.store.subtasks(item_id).await?.len() >= MAX_SUBTASKS {
            return Err(AppError::Validation(format!("an action item has at most {MAX_SUBTASKS} sub-tasks")));
        }
        let now = self.now_ms();
        let row = SubtaskRow {
            id: uuid::Uuid::new_v4().to_string(),
            item_id: item_id.into(),
            title: title.clone(),
            weight,
            done_by: None,
            done_ms: None,
            created_ms: now,
        };
        let note = format!("新增子任务「{title}」（权重 {weight}）");
        let progress = self.change_subtask(s, &item, SubtaskChange::Add(&row), note).await?;
        Ok((row, progress))
    }

    /// Marks a sub-task done or open again. Returns the item's new progress.
    pub async fn set_subtask_done(&self, s: &Session, subtask_id: &str, done: bool) -> Result<(SubtaskRow, i64)> {
        let sub = self.store.subtask(subtask_id).await?.ok_or(AppError::NotFound)?;
        let item = self.workable_item(s, &sub.item_id).await?;
        let verb = if done { "完成" } else { "重新打开" };
        let note = format!("{verb}子任务「{}」", sub.title);
        let progress = self.change_subtask(s, &item, SubtaskChange::Done { id: subtask_id, done }, note).await?;
        let sub = self.store.subtask(subtask_id).await?.ok_or(AppError::NotFound)?;
        Ok((sub, progress))
    }

    async fn change_subtask(
        &self,
        s: &Session,
        item: &ActionItemRow,
        change: SubtaskChange<'_>,
        note: String,
    ) -> Result<i64> {
        let now = self.now_ms();
        let update = ActionUpdateRow {
            id: uuid::Uuid::new_v4().to_string(),
            item_id: item.id.clone(),
            author_id: s.user_id.clone(),
            body: note,
            progress: 0,
            created_ms: now,
        };
        let deadline = item.deadline_ms;
        Ok(self.store.change_subtask(change, &update, |p| action_status(p, deadline, now)).await?)
    }
}
