//! The region tree: district → street → community → grid (administrators write, everyone
//! reads what their grants cover).

use crate::{App, AppError, RequestCtx, Result, Session};
use palmgrid_domain::audit::RESULT_OK;
use palmgrid_domain::authz::{Action, Resource};
use palmgrid_domain::{RegionCode, RegionId};
use palmgrid_store::RegionRow;
use serde_json::json;

fn check_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AppError::Validation("region name must be 1–64 characters".into()));
    }
    Ok(name)
}

fn code_of(row: &RegionRow) -> Result<RegionCode> {
    RegionCode::parse(&row.code).map_err(|e| AppError::Internal(e.to_string()))
}

impl App {
    /// Creates a region; its level follows from the code and its parent must exist.
    pub async fn create_region(&self, s: &Session, ctx: &RequestCtx, code: &str, name: &str) -> Result<RegionRow> {
        let code = RegionCode::parse(code).map_err(|e| AppError::Validation(e.to_string()))?;
        let name = check_name(name)?;
        // A new district is a new root: only a deployment-wide administrator makes one.
        let resource =
            if code.parent().is_none() { Resource::Region(None) } else { Resource::Region(Some(code.clone())) };
        self.authorize(s, Action::ManageRegion, &resource)?;
        let parent_id = match code.parent() {
            None => None,
            Some(pc) => Some(
                self.store
                    .region_by_code(pc.as_str())
                    .await?
                    .ok_or_else(|| AppError::Validation(format!("parent region {pc} does not exist")))?
                    .id,
            ),
        };
        let now = self.now_ms();
        let row = RegionRow {
            geometry: None,
            area_m2: None,
            id: RegionId::new().to_string(),
            code: code.to_string(),
            name: name.to_owned(),
            level: code.level().as_str().to_owned(),
            parent_id,
            created_ms: now,
            updated_ms: now,
        };
        if self.store.region_by_code(code.as_str()).await?.is_some() {
            return Err(AppError::Conflict(format!("region {code} already exists")));
        }
        self.record(&s.into(), ctx, "region.create", &format!("region:{code}"), RESULT_OK, json!({"name": name}))
            .await?;
        self.store.insert_region(&row).await?;
        self.invalidate_grid_index().await;
        Ok(row)
    }

    /// Regions the session may read, ordered by code.
    pub async fn list_regions(&self, s: &Session) -> Result<Vec<RegionRow>> {
        let all = self.store.list_regions().await?;
        Ok(all
            .into_iter()
            .filter(|r| {
                code_of(r)
                    .map(|c| self.authorize(s, Action::ReadRegion, &Resource::Region(Some(c))).is_ok())
                    .unwrap_or(false)
            })
            .collect())
    }

    /// One region; regions outside the session's reach are 404, not 403, so ids cannot be
    /// probed.
    pub async fn get_region(&self, s: &Session, id: &str) -> Result<RegionRow> {
        let row = self.store.region(id).await?.ok_or(AppError::NotFound)?;
        match self.authorize(s, Action::ReadRegion, &Resource::Region(Some(code_of(&row)?))) {
            Ok(()) => Ok(row),
            Err(AppError::Forbidden) => Err(AppError::NotFound),
            Err(e) => Err(e),
        }
    }

    pub async fn rename_region(&self, s: &Session, ctx: &RequestCtx, id: &str, name: &str) -> Result<RegionRow> {
        let row = self.get_region(s, id).await?;
        self.authorize(s, Action::ManageRegion, &Resource::Region(Some(code_of(&row)?)))?;
        let name = check_name(name)?;
        self.record(
            &s.into(),
            ctx,
            "region.rename",
            &format!("region:{}", row.code),
            RESULT_OK,
            json!({"from": row.name, "to": name}),
        )
        .await?;
        self.store.rename_region(id, name, self.now_ms()).await?;
        self.store.region(id).await?.ok_or(AppError::NotFound)
    }

    pub async fn delete_region(&self, s: &Session, ctx: &RequestCtx, id: &str) -> Result<()> {
        let row = self.get_region(s, id).await?;
        self.authorize(s, Action::ManageRegion, &Resource::Region(Some(code_of(&row)?)))?;
        // Check first so the audit log records only deletions that happen.
        let children = self.store.list_regions().await?.iter().filter(|r| r.parent_id.as_deref() == Some(id)).count();
        if children > 0 {
            return Err(AppError::Conflict(format!("region {} has {children} child regions", row.code)));
        }
        self.record(
            &s.into(),
            ctx,
            "region.delete",
            &format!("region:{}", row.code),
            RESULT_OK,
            json!({"name": row.name}),
        )
        .await?;
        self.store.delete_region(id).await?;
        self.invalidate_grid_index().await;
        Ok(())
    }
}
