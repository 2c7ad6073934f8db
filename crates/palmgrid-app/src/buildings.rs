//! Buildings of a community space (掌上社区, issue 6): the staff list the community's
//! buildings, an invite is issued for an address in one, verifying the newcomer records their
//! home there, and a notice can go to one building.

use crate::community::text;
use crate::{App, AppError, RequestCtx, Result, Session};
use palmgrid_domain::RegionCode;
use palmgrid_domain::audit::RESULT_OK;
use palmgrid_domain::authz::{Action, Resource};
use palmgrid_store::{BuildingRow, RegionRow};
use serde_json::json;

/// A building with the code of the grid it lies in.
#[derive(Debug, Clone, PartialEq)]
pub struct Building {
    pub row: BuildingRow,
    pub grid: Option<String>,
}

impl App {
    /// The buildings of a community (its members).
    pub async fn buildings(&self, s: &Session, code: &str) -> Result<Vec<Building>> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ReadCommunity, &c)?;
        let mut out = Vec::new();
        for row in self.store.buildings(&community.id).await? {
            let grid = match &row.grid_id {
                Some(g) => Some(self.code_of_region(g).await?.as_str().to_owned()),
                None => None,
            };
            out.push(Building { row, grid });
        }
        Ok(out)
    }

    /// Adds a building to the community, in one of its grids or none (the staff running the
    /// space). Audited as `community.building`.
    pub async fn add_building(
        &self,
        s: &Session,
        ctx: &RequestCtx,
        code: &str,
        name: &str,
        grid: Option<&str>,
    ) -> Result<Building> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ManageTopics, &c)?;
        let grid_id = match grid {
            Some(g) if g != code => Some(self.community_target(&community, code, Some(g)).await?),
            _ => None,
        };
        let row = BuildingRow {
            id: uuid::Uuid::new_v4().to_string(),
            community_id: community.id.clone(),
            grid_id,
            name: text("name", name, 40)?,
            created_ms: self.now_ms(),
        };
        self.store.insert_building(&row).await?;
        self.record(
            &s.into(),
            ctx,
            "community.building",
            &format!("building:{}", row.id),
            RESULT_OK,
            json!({"community": code, "name": row.name, "grid": grid}),
        )
        .await?;
        let grid = row.grid_id.is_some().then(|| grid.unwrap_or_default().to_owned());
        Ok(Building { row, grid })
    }

    /// A building of this community, or a validation error naming it.
    pub(crate) async fn community_building(&self, community: &RegionRow, id: &str) -> Result<BuildingRow> {
        self.store
            .building(id)
            .await?
            .filter(|b| b.community_id == community.id)
            .ok_or_else(|| AppError::Validation(format!("{id} is not a building of this community")))
    }

    /// The region and building a notice or invite is for. A building decides the region (its
    /// grid, or the community); a target given beside it must be that region.
    pub(crate) async fn target_and_building(
        &self,
        community: &RegionRow,
        code: &str,
        target: Option<&str>,
        building: Option<&str>,
    ) -> Result<(String, Option<BuildingRow>)> {
        let target_id = self.community_target(community, code, target).await?;
        let Some(b) = building else { return Ok((target_id, None)) };
        let b = self.community_building(community, b).await?;
        let region = b.grid_id.clone().unwrap_or_else(|| community.id.clone());
        if target.is_some() && target_id != region {
            return Err(AppError::Validation(format!("building {} does not lie in {}", b.name, target.unwrap_or(""))));
        }
        Ok((region, Some(b)))
    }

    /// Whether the session is one of the staff running the community space.
    pub(crate) fn is_space_staff(&self, s: &Session, c: &RegionCode) -> bool {
        self.authorize(s, Action::ManageTopics, &Resource::Community(c.clone())).is_ok()
    }
}
