//! Region areas and the map: GeoJSON import and export, point → grid, who is responsible
//! for a grid, and the map view of a session's grids.
//!
//! The lookup index is built in memory from the stored grid polygons on first use and
//! dropped whenever regions change. An import that moves grid boundaries reassigns the
//! cameras whose location now falls in another grid, in the same transaction, and audits
//! each move.

use crate::audit::Who;
use crate::{App, AppError, RequestCtx, Result, Session};
use palmgrid_domain::audit::RESULT_OK;
use palmgrid_domain::authz::{Action, Resource};
use palmgrid_domain::gcj02;
use palmgrid_domain::geometry::{self, Area, GridIndex, IndexedGrid};
use palmgrid_domain::region_import::{self, Change, ExistingRegion, Gap, Layer};
use palmgrid_domain::{RegionCode, RegionId, RegionLevel};
use palmgrid_store::{CameraRow, RegionImport, RegionRow, UnitGridRow};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The datum of coordinates a client sends or wants back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Datum {
    /// What palmgrid stores (GPS, GeoJSON, Tianditu, OSM).
    #[default]
    Wgs84,
    /// The offset datum of AMap and Tencent tiles.
    Gcj02,
}

impl Datum {
    pub fn parse(s: Option<&str>) -> Result<Datum> {
        match s.unwrap_or("wgs84") {
            "wgs84" => Ok(Datum::Wgs84),
            "gcj02" => Ok(Datum::Gcj02),
            other => Err(AppError::Validation(format!("crs must be wgs84 or gcj02, got {other:?}"))),
        }
    }

    /// A point given in this datum, in WGS-84.
    pub fn to_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Datum::Wgs84 => (lon, lat),
            Datum::Gcj02 => gcj02::to_wgs84(lon, lat),
        }
    }

    /// A WGS-84 point in this datum.
    pub fn from_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Datum::Wgs84 => (lon, lat),
            Datum::Gcj02 => gcj02::from_wgs84(lon, lat),
        }
    }

    fn area(self, a: &Area) -> Value {
        match self {
            Datum::Wgs84 => geometry::to_geojson(a),
            Datum::Gcj02 => geometry::to_geojson(&geometry::map_coords(a, gcj02::from_wgs84)),
        }
    }
}

/// Map tiles for the web app. Tiles are configuration: nothing in palmgrid or its tests
/// needs them (the map draws grids on a plain background without).
#[derive(Debug, Clone, Default, Serialize)]
pub struct MapConfig {
    /// URL template with `{z}`, `{x}`, `{y}` (Tianditu, AMap, OSM or an offline tile server).
    pub tile_url: Option<String>,
    /// The datum the tiles are drawn in: `gcj02` for AMap and Tencent, else `wgs84`.
    pub tile_datum: Datum,
    pub attribution: Option<String>,
}

/// The grid lookup index, built lazily and dropped when regions change.
#[derive(Debug, Default)]
pub struct GridCache(tokio::sync::RwLock<Option<Arc<GridIndex>>>);

/// A camera that changed grid because the grids changed.
#[derive(Debug, Clone, Serialize)]
pub struct CameraMove {
    pub camera_id: String,
    pub name: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Land inside a parent that its children leave uncovered (reported, not refused).
    pub gaps: Vec<Gap>,
    pub cameras_moved: Vec<CameraMove>,
}

/// A grid, as a lookup answers it.
#[derive(Debug, Clone, Serialize)]
pub struct GridRef {
    pub id: String,
    pub code: String,
    pub name: String,
    pub community_code: String,
    pub community_name: Option<String>,
}

/// Someone responsible for a region.
#[derive(Debug, Clone, Serialize)]
pub struct Responsible {
    pub user_id: String,
    pub display_name: String,
    pub role: String,
}

/// A grid on the map, with what needs attention in it.
#[derive(Debug, Clone, Serialize)]
pub struct MapGrid {
    pub grid: GridRef,
    pub geometry: Value,
    pub area_m2: Option<f64>,
    pub officers: Vec<Responsible>,
    pub cameras: usize,
    pub cameras_offline: usize,
    /// Open cases (the case module arrives with issue 5; until then always 0).
    pub open_cases: usize,
    /// Whether the session is a grid officer of this grid.
    pub mine: bool,
}

/// A stored geometry (validated when it was imported).
fn area_of(row_geometry: Option<&str>) -> Option<Area> {
    let v: Value = serde_json::from_str(row_geometry?).ok()?;
    geometry::read_stored_area(&v)
}

fn level_of(row: &RegionRow) -> Option<RegionLevel> {
    RegionLevel::parse(&row.level)
}

impl App {
    /// The point → grid index over every grid with a polygon.
    pub async fn grid_index(&self) -> Result<Arc<GridIndex>> {
        if let Some(i) = self.grids.0.read().await.as_ref() {
            return Ok(i.clone());
        }
        let mut slot = self.grids.0.write().await;
        if let Some(i) = slot.as_ref() {
            return Ok(i.clone());
        }
        let rows = self.store.list_regions().await?;
        let index = Arc::new(index_of(&rows));
        *slot = Some(index.clone());
        Ok(index)
    }

    /// Forgets the grid index (after regions change).
    pub async fn invalidate_grid_index(&self) {
        *self.grids.0.write().await = None;
    }

    /// The grid a WGS-84 point lies in, as (region id, code), if any.
    pub async fn grid_at(&self, lon: f64, lat: f64) -> Result<Option<(String, String)>> {
        Ok(self.grid_index().await?.locate(lon, lat).map(|g| (g.id.clone(), g.code.clone())))
    }

    /// `GET /grids/lookup`: the grid holding a point.
    pub async fn locate_grid(&self, s: &Session, lon: f64, lat: f64, datum: Datum) -> Result<GridRef> {
        if !lon.is_finite() || !lat.is_finite() || !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(AppError::Validation("lon must be within ±180 and lat within ±90".into()));
        }
        let (lon, lat) = datum.to_wgs84(lon, lat);
        let index = self.grid_index().await?;
        let hit = index.locate(lon, lat).ok_or(AppError::OutsideAllGrids)?;
        let code = RegionCode::parse(&hit.code).map_err(|e| AppError::Internal(e.to_string()))?;
        self.authorize(s, Action::LocateGrid, &Resource::Region(Some(code.clone())))?;
        let community = code.parent().expect("a grid has a community");
        let community_name = self.store.region_by_code(community.as_str()).await?.map(|r| r.name);
        let row = self.store.region(&hit.id).await?.ok_or(AppError::OutsideAllGrids)?;
        Ok(GridRef {
            id: row.id,
            code: row.code,
            name: row.name,
            community_code: community.to_string(),
            community_name,
        })
    }

    /// `POST /regions/import`: checks the whole FeatureCollection, then writes all of it or
    /// nothing. Cameras whose location falls in another grid afterwards move with it.
    pub async fn import_regions(&self, s: &Session, ctx: &RequestCtx, fc: Value) -> Result<ImportReport> {
        let regions = self.store.list_regions().await?;
        let by_code: HashMap<&str, &RegionRow> = regions.iter().map(|r| (r.code.as_str(), r)).collect();
        // Authorise first, on every code the file names: an import is as strong as its
        // weakest permission. A file naming no valid code needs a deployment-wide admin.
        let mut checked = 0;
        if let Some(features) = fc.get("features").and_then(Value::as_array) {
            for f in features {
                let Some(code) = f.pointer("/properties/code").and_then(Value::as_str) else { continue };
                let Ok(rc) = RegionCode::parse(code.trim()) else { continue };
                let resource = if rc.parent().is_none() && !by_code.contains_key(rc.as_str()) {
                    Resource::Region(None)
                } else {
                    Resource::Region(Some(rc))
                };
                self.authorize(s, Action::ManageRegion, &resource)?;
                checked += 1;
            }
        }
        if checked == 0 {
            self.authorize(s, Action::ManageRegion, &Resource::Region(None))?;
        }

        drop(by_code);
        self.apply_region_file(&s.into(), ctx, fc).await
    }

    /// Plans and writes an import whose author is already authorised (an admin's request,
    /// or the demo seeding its district).
    pub async fn import_regions_as(&self, who: &Who, ctx: &RequestCtx, fc: Value) -> Result<ImportReport> {
        self.apply_region_file(who, ctx, fc).await
    }

    async fn apply_region_file(&self, who: &Who, ctx: &RequestCtx, fc: Value) -> Result<ImportReport> {
        // One import at a time: each plans against what is stored, so two at once could
        // each pass their checks and together break them.
        let _one_at_a_time = self.import_lock.lock().await;
        let regions = self.store.list_regions().await?;
        let units = self.store.list_unit_grids().await?;
        let existing: Vec<ExistingRegion> = regions
            .iter()
            .filter_map(|r| {
                Some(ExistingRegion {
                    code: r.code.clone(),
                    layer: Layer::Region(level_of(r)?),
                    name: r.name.clone(),
                    geometry: r.geometry.clone(),
                    area: area_of(r.geometry.as_deref()),
                })
            })
            .chain(units.iter().map(|u| ExistingRegion {
                code: u.code.clone(),
                layer: Layer::UnitGrid,
                name: u.name.clone(),
                geometry: Some(u.geometry.clone()),
                area: area_of(Some(&u.geometry)),
            }))
            .collect();
        // Checking polygons is CPU work (bounded per feature): off the async workers.
        let plan = tokio::task::spawn_blocking(move || region_import::plan(&fc, &existing))
            .await
            .map_err(|e| AppError::Internal(format!("region import check failed: {e}")))?
            .map_err(AppError::ImportRejected)?;

        // Rows to write. New regions get ids first so children can point at them.
        let now = self.now_ms();
        let mut ids: HashMap<String, String> = regions.iter().map(|r| (r.code.clone(), r.id.clone())).collect();
        for p in plan.regions.iter().filter(|p| p.change == Change::Create && !matches!(p.layer, Layer::UnitGrid)) {
            ids.insert(p.code.clone(), RegionId::new().to_string());
        }
        let unit_ids: HashMap<&str, &str> = units.iter().map(|u| (u.code.as_str(), u.id.as_str())).collect();
        let (mut insert_regions, mut update_regions, mut insert_units, mut update_units) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for p in plan.regions.iter().filter(|p| p.change != Change::Unchanged) {
            let parent_id = p.parent_code.as_ref().map(|c| ids[c].clone());
            match p.layer {
                Layer::Region(level) => {
                    let row = RegionRow {
                        id: ids[&p.code].clone(),
                        code: p.code.clone(),
                        name: p.name.clone(),
                        level: level.as_str().into(),
                        parent_id,
                        geometry: p.geometry.clone(),
                        area_m2: p.area_m2,
                        created_ms: now,
                        updated_ms: now,
                    };
                    if p.change == Change::Create { insert_regions.push(row) } else { update_regions.push(row) }
                }
                Layer::UnitGrid => {
                    let row = UnitGridRow {
                        id: unit_ids
                            .get(p.code.as_str())
                            .map(|s| s.to_string())
                            .unwrap_or_else(|| RegionId::new().to_string()),
                        code: p.code.clone(),
                        name: p.name.clone(),
                        community_id: parent_id.expect("a unit grid has a community"),
                        geometry: p.geometry.clone().expect("a unit grid has a polygon"),
                        area_m2: p.area_m2.unwrap_or_default(),
                        created_ms: now,
                        updated_ms: now,
                    };
                    if p.change == Change::Create { insert_units.push(row) } else { update_units.push(row) }
                }
            }
        }

        // The grids after the import, and the cameras they move.
        // Grids whose area is new or redrawn: only cameras in them, before or after, can move.
        let changed: std::collections::HashSet<&str> = insert_regions
            .iter()
            .chain(update_regions.iter())
            .filter(|r| r.level == RegionLevel::Grid.as_str())
            .map(|r| r.id.as_str())
            .collect();
        let mut moves = Vec::new();
        let mut camera_grids = Vec::new();
        if !changed.is_empty() {
            let mut after: Vec<RegionRow> = regions.clone();
            for r in update_regions.iter() {
                if let Some(old) = after.iter_mut().find(|o| o.id == r.id) {
                    old.geometry = r.geometry.clone();
                }
            }
            after.extend(insert_regions.iter().cloned());
            let index = index_of(&after);
            let code_of_id: HashMap<&str, &str> = after.iter().map(|r| (r.id.as_str(), r.code.as_str())).collect();
            let drawn: std::collections::HashSet<&str> =
                after.iter().filter(|r| r.geometry.is_some()).map(|r| r.id.as_str()).collect();
            for c in self.store.list_cameras().await? {
                let (Some(lon), Some(lat)) = (c.lon, c.lat) else { continue };
                let now_in = index.locate(lon, lat).map(|g| g.id.clone());
                let was_in_changed = c.grid_id.as_deref().is_some_and(|g| changed.contains(g));
                let now_in_changed = now_in.as_deref().is_some_and(|g| changed.contains(g));
                if !was_in_changed && !now_in_changed {
                    continue;
                }
                // A camera outside every polygon keeps a grid that has none (as when placed).
                let keeps_undrawn = now_in.is_none() && c.grid_id.as_deref().is_some_and(|g| !drawn.contains(g));
                if now_in != c.grid_id && !keeps_undrawn {
                    moves.push(CameraMove {
                        camera_id: c.id.clone(),
                        name: c.name.clone(),
                        from: c.grid_code.clone(),
                        to: now_in.as_deref().and_then(|id| code_of_id.get(id)).map(|c| c.to_string()),
                    });
                    camera_grids.push((c.id.clone(), now_in));
                }
            }
        }

        let report = ImportReport {
            created: plan.count(Change::Create),
            updated: plan.count(Change::Update),
            unchanged: plan.count(Change::Unchanged),
            gaps: plan.gaps.clone(),
            cameras_moved: moves,
        };
        // An import that changes nothing writes nothing, not even an audit entry.
        if report.created + report.updated == 0 && camera_grids.is_empty() {
            return Ok(report);
        }
        let changed: Vec<&str> =
            plan.regions.iter().filter(|p| p.change != Change::Unchanged).map(|p| p.code.as_str()).take(200).collect();
        self.record(
            who,
            ctx,
            "region.import",
            "regions",
            RESULT_OK,
            json!({"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                   "changed_codes": changed, "cameras_moved": report.cameras_moved.len()}),
        )
        .await?;
        for m in &report.cameras_moved {
            self.record(
                who,
                ctx,
                "camera.regrid",
                &format!("camera:{}", m.camera_id),
                RESULT_OK,
                json!({"from": m.from, "to": m.to, "reason": "region.import"}),
            )
            .await?;
        }
        self.store
            .apply_region_import(&RegionImport {
                insert_regions: &insert_regions,
                update_regions: &update_regions,
                insert_units: &insert_units,
                update_units: &update_units,
                camera_grids: &camera_grids,
            })
            .await?;
        self.invalidate_grid_index().await;
        Ok(report)
    }

    /// `GET /regions/export`: the subtree under `code` (everything readable when `None`)
    /// as a FeatureCollection the import accepts unchanged.
    pub async fn export_regions(&self, s: &Session, code: Option<&str>, datum: Datum) -> Result<Value> {
        let root = match code {
            Some(c) => Some(RegionCode::parse(c).map_err(|e| AppError::Validation(e.to_string()))?),
            None => None,
        };
        if let Some(r) = &root {
            self.authorize(s, Action::ReadRegion, &Resource::Region(Some(r.clone())))
                .map_err(|e| if matches!(e, AppError::Forbidden) { AppError::NotFound } else { e })?;
            if self.store.region_by_code(r.as_str()).await?.is_none() {
                return Err(AppError::NotFound);
            }
        }
        let under = |c: &str| root.as_ref().is_none_or(|r| c.starts_with(r.as_str()));
        let readable = |c: &str| {
            RegionCode::parse(c)
                .is_ok_and(|rc| self.authorize(s, Action::ReadRegion, &Resource::Region(Some(rc))).is_ok())
        };
        let mut features = Vec::new();
        for r in self.store.list_regions().await? {
            if !under(&r.code) || !readable(&r.code) {
                continue;
            }
            let parent = RegionCode::parse(&r.code).ok().and_then(|c| c.parent()).map(|c| c.to_string());
            features.push(feature(&r.id, &r.code, &r.name, &r.level, parent, r.geometry.as_deref(), r.area_m2, datum));
        }
        // Unit grids lie under communities: a grid's subtree holds none, even one sharing its code.
        let units_under_root = root.as_ref().is_none_or(|r| r.as_str().len() <= 12);
        for u in self.store.list_unit_grids().await? {
            let community = &u.code[..12];
            if !units_under_root || !under(&u.code) || !readable(community) {
                continue;
            }
            features.push(feature(
                &u.id,
                &u.code,
                &u.name,
                "unit_grid",
                Some(community.to_owned()),
                Some(&u.geometry),
                Some(u.area_m2),
                datum,
            ));
        }
        Ok(json!({"type": "FeatureCollection", "features": features}))
    }

    /// Officers and community secretaries over each region id.
    pub async fn responsible_by_region(&self) -> Result<HashMap<String, Vec<Responsible>>> {
        let mut map: HashMap<String, Vec<Responsible>> = HashMap::new();
        for (region, role, user_id, display_name) in
            self.store.role_holders_by_region(&["grid_officer", "community_secretary"]).await?
        {
            map.entry(region).or_default().push(Responsible { user_id, display_name, role });
        }
        Ok(map)
    }

    /// The grids a session may read, with their officers and what needs attention, and the
    /// cameras it may list, for the map. Coordinates in `datum`.
    pub async fn map_grids(&self, s: &Session, datum: Datum) -> Result<(Vec<MapGrid>, Vec<CameraRow>)> {
        self.grids_for_map(s, datum, None).await
    }

    /// The map's grids, or only the grid `only` (a grid sheet need not build the whole map).
    async fn grids_for_map(
        &self,
        s: &Session,
        datum: Datum,
        only: Option<&str>,
    ) -> Result<(Vec<MapGrid>, Vec<CameraRow>)> {
        let regions = self.store.list_regions().await?;
        let names: HashMap<&str, &str> = regions.iter().map(|r| (r.code.as_str(), r.name.as_str())).collect();
        let staff = self.responsible_by_region().await?;
        let cameras = match self.list_cameras(s).await {
            Ok(c) => c,
            Err(AppError::Forbidden) => Vec::new(),
            Err(e) => return Err(e),
        };
        let me = s.actor.user_id.to_string();
        let mut grids = Vec::new();
        let wanted = |r: &&RegionRow| level_of(r) == Some(RegionLevel::Grid) && only.is_none_or(|id| r.id == id);
        for r in regions.iter().filter(wanted) {
            let Ok(code) = RegionCode::parse(&r.code) else { continue };
            if self.authorize(s, Action::ReadRegion, &Resource::Region(Some(code.clone()))).is_err() {
                continue;
            }
            let Some(area) = area_of(r.geometry.as_deref()) else { continue };
            let officers: Vec<Responsible> = staff
                .get(&r.id)
                .map(|v| v.iter().filter(|p| p.role == "grid_officer").cloned().collect())
                .unwrap_or_default();
            let in_grid: Vec<&CameraRow> = cameras.iter().filter(|c| c.grid_id.as_deref() == Some(&r.id)).collect();
            let offline = in_grid
                .iter()
                .filter(|c| self.camera_status(c) == palmgrid_domain::camera::CameraStatus::Offline)
                .count();
            let community = code.parent().expect("grid has a community").to_string();
            grids.push(MapGrid {
                mine: officers.iter().any(|o| o.user_id == me),
                grid: GridRef {
                    id: r.id.clone(),
                    code: r.code.clone(),
                    name: r.name.clone(),
                    community_name: names.get(community.as_str()).map(|n| n.to_string()),
                    community_code: community,
                },
                geometry: datum.area(&area),
                area_m2: r.area_m2,
                officers,
                cameras: in_grid.len(),
                cameras_offline: offline,
                open_cases: 0,
            });
        }
        Ok((grids, cameras))
    }

    /// One grid with its officers, for the grid sheet of the map.
    pub async fn grid_detail(&self, s: &Session, id: &str, datum: Datum) -> Result<(MapGrid, Vec<CameraRow>)> {
        let row = self.get_region(s, id).await?;
        if level_of(&row) != Some(RegionLevel::Grid) {
            return Err(AppError::NotFound);
        }
        let (grids, cameras) = self.grids_for_map(s, datum, Some(&row.id)).await?;
        let grid = grids.into_iter().next().ok_or(AppError::NotFound)?;
        let cameras = cameras.into_iter().filter(|c| c.grid_id.as_deref() == Some(&row.id)).collect();
        Ok((grid, cameras))
    }
}

#[allow(clippy::too_many_arguments)]
fn feature(
    id: &str,
    code: &str,
    name: &str,
    level: &str,
    parent: Option<String>,
    geometry: Option<&str>,
    area_m2: Option<f64>,
    datum: Datum,
) -> Value {
    json!({
        "type": "Feature",
        "id": id,
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent, "area_m2": area_m2},
        "geometry": area_of(geometry).map(|a| datum.area(&a)),
    })
}

fn index_of(rows: &[RegionRow]) -> GridIndex {
    GridIndex::new(
        rows.iter()
            .filter(|r| level_of(r) == Some(RegionLevel::Grid))
            .filter_map(|r| {
                Some(IndexedGrid { id: r.id.clone(), code: r.code.clone(), area: area_of(r.geometry.as_deref())? })
            })
            .collect(),
    )
}
