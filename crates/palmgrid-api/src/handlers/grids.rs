//! Region areas and the map: GeoJSON import and export, point → grid, grid sheets.

use crate::ApiState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Authed, Json, Path, Query};
use crate::views::*;
use axum::extract::State;
use palmgrid_app::Session;
use palmgrid_app::grids::Datum;
use palmgrid_store::CameraRow;

/// Import regions from a GeoJSON FeatureCollection (properties `code`, `name`, `level` one of
/// `district|street|community|grid|unit_grid`, `parent_code`). All or nothing: 422
/// `invalid_regions` lists every problem (feature index, code, problem, message) and imports
/// nothing. Features are matched by code, so importing the same file again changes nothing.
#[utoipa::path(operation_id = "import_regions", post, path = "/api/v1/regions/import", tag = "regions",
    request_body(content = Object, description = "GeoJSON FeatureCollection (WGS-84)"),
    responses((status = 200, body = ImportReportView), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<ApiState>,
    a: Authed,
    Json(fc): Json<serde_json::Value>,
) -> ApiResult<Json<ImportReportView>> {
    Ok(Json(state.app.import_regions(&a.session, &a.ctx, fc).await?.into()))
}

/// Export a subtree of regions (with unit grids) as a GeoJSON FeatureCollection that the
/// import accepts unchanged.
#[utoipa::path(operation_id = "export_regions", get, path = "/api/v1/regions/export", tag = "regions",
    params(ExportQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection", content_type = "application/geo+json"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export(
    State(state): State<ApiState>,
    a: Authed,
    Query(q): Query<ExportQuery>,
) -> ApiResult<([(axum::http::HeaderName, &'static str); 1], axum::Json<serde_json::Value>)> {
    let datum = Datum::parse(q.crs.as_deref())?;
    let fc = state.app.export_regions(&a.session, q.code.as_deref(), datum).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/geo+json")], axum::Json(fc)))
}

/// The grid holding a point, or 404 `outside_all_grids`.
#[utoipa::path(operation_id = "lookup_grid", get, path = "/api/v1/grids/lookup", tag = "regions", params(LookupQuery),
    responses((status = 200, body = LookupView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<ApiState>,
    a: Authed,
    Query(q): Query<LookupQuery>,
) -> ApiResult<Json<LookupView>> {
    let datum = Datum::parse(q.crs.as_deref())?;
    let grid = state.app.locate_grid(&a.session, q.lon, q.lat, datum).await?;
    Ok(Json(LookupView { grid: grid.into() }))
}

fn camera_markers(state: &ApiState, cameras: Vec<CameraRow>, datum: Datum) -> Vec<MapCameraView> {
    cameras
        .into_iter()
        .filter_map(|c| {
            let (lon, lat) = datum.from_wgs84(c.lon?, c.lat?);
            Some(MapCameraView {
                status: state.app.camera_status(&c),
                recording: state.app.is_recording(&c.id),
                id: c.id,
                name: c.name,
                grid_id: c.grid_id,
                lon,
                lat,
            })
        })
        .collect()
}

fn datum_for(state: &ApiState, crs: Option<&str>) -> ApiResult<Datum> {
    match crs {
        None => Ok(state.app.map.tile_datum),
        Some(_) => Ok(Datum::parse(crs)?),
    }
}

async fn map_for(state: &ApiState, s: &Session, datum: Datum) -> ApiResult<MapView> {
    let (grids, cameras) = state.app.map_grids(s, datum).await?;
    Ok(MapView {
        crs: if datum == Datum::Gcj02 { "gcj02".into() } else { "wgs84".into() },
        tiles: TilesView { url: state.app.map.tile_url.clone(), attribution: state.app.map.attribution.clone() },
        grids: grids.into_iter().map(Into::into).collect(),
        cameras: camera_markers(state, cameras, datum),
    })
}

/// The map: the caller's grids (with officers, camera and case counts, and whether they are
/// the caller's own) and camera markers, in the tiles' datum unless `crs` says otherwise.
#[utoipa::path(operation_id = "map", get, path = "/api/v1/map", tag = "regions", params(CrsQuery),
    responses((status = 200, body = MapView), (status = 401, body = ErrorBody)))]
pub async fn map(State(state): State<ApiState>, a: Authed, Query(q): Query<CrsQuery>) -> ApiResult<Json<MapView>> {
    let datum = datum_for(&state, q.crs.as_deref())?;
    Ok(Json(map_for(&state, &a.session, datum).await?))
}

/// One grid: its officers, cameras and cases (404 outside the caller's reach).
#[utoipa::path(operation_id = "get_grid", get, path = "/api/v1/grids/{id}", tag = "regions",
    params(("id" = String, Path), CrsQuery),
    responses((status = 200, body = GridDetailView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<CrsQuery>,
) -> ApiResult<Json<GridDetailView>> {
    let datum = datum_for(&state, q.crs.as_deref())?;
    let (grid, cameras) = state.app.grid_detail(&a.session, &id, datum).await?;
    Ok(Json(GridDetailView { grid: grid.into(), camera_list: camera_markers(&state, cameras, datum) }))
}
