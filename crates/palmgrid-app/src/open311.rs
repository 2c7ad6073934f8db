//! Open311 GeoReport v2 (JSON) as an adapter onto categories and cases.
//!
//! - Services are the category leaves (`service_code` = category code, `group` = major class).
//! - A service request is a case; `service_request_id` is the case number. Status is `open`
//!   or `closed` (closed, cancelled or merged), and `status_notes` gives our state in words.
//! - A POST needs an `api_key` issued by an administrator, or a signed-in session. A request
//!   filed with a key is a case of source `open311`, readable through that key only; a
//!   session reads what it may read anywhere else.
//! - The location must be `lat` and `long` (WGS-84): the grid follows from it. An address
//!   alone cannot be placed in a grid here and is refused.

use crate::cases::{NewCase, report_event, reported_row};
use crate::{App, AppError, Result, Session};
use palmgrid_domain::RegionCode;
use palmgrid_domain::authz::{Action, Resource};
use palmgrid_domain::case::CaseState;
use palmgrid_store::{ApiKeyRow, CaseFilter, CaseRow};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Who calls the Open311 endpoints.
#[derive(Debug, Clone)]
pub enum Open311Caller {
    Session(Box<Session>),
    Key(ApiKeyRow),
}

/// An Open311 error: the status and the spec's body `[{"code", "description"}]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Open311Error {
    pub status: u16,
    pub description: String,
}

impl Open311Error {
    pub fn new(status: u16, description: impl Into<String>) -> Self {
        Open311Error { status, description: description.into() }
    }

    pub fn body(&self) -> Value {
        json!([{"code": self.status, "description": self.description}])
    }
}

impl From<AppError> for Open311Error {
    fn from(e: AppError) -> Self {
        let status = match &e {
            AppError::Unauthenticated => 401,
            AppError::Forbidden | AppError::TotpEnrolmentRequired => 403,
            AppError::NotFound => 404,
            AppError::Internal(_) | AppError::AuditUnavailable(_) | AppError::Unavailable(_) => 500,
            _ => 400,
        };
        Open311Error::new(status, e.to_string())
    }
}

type O311<T> = std::result::Result<T, Open311Error>;

/// ISO 8601 with the China Standard Time offset.
pub fn iso8601(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(time::macros::offset!(+8));
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn parse_iso(s: &str) -> O311<i64> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| Open311Error::new(400, format!("{s:?} is not an ISO 8601 date and time with an offset")))
}

fn status_of(row: &CaseRow) -> &'static str {
    match CaseState::parse(&row.state) {
        Some(CaseState::Closed | CaseState::Cancelled | CaseState::Merged) => "closed",
        _ => "open",
    }
}

impl App {
    /// Issues a key for another system; the key itself is shown once.
    pub async fn create_api_key(&self, s: &Session, label: &str) -> Result<(ApiKeyRow, String)> {
        let scope = s
            .actor
            .grants
            .iter()
            .find(|g| g.role == palmgrid_domain::Role::DistrictAdmin)
            .and_then(|g| g.scope.clone());
        self.authorize(s, Action::ManageCaseSettings, &Resource::CaseSettings(scope))?;
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 64 {
            return Err(AppError::Validation("label must be 1–64 characters".into()));
        }
        let key = format!("pgk_{}", hex::encode(crate::random_bytes::<24>()));
        let row = ApiKeyRow {
            id: uuid::Uuid::new_v4().to_string(),
            label: label.into(),
            key_hash: crate::auth::hash_token(&key),
            created_by: Some(s.user_id.clone()),
            created_ms: self.now_ms(),
            revoked_ms: None,
        };
        self.store.insert_api_key(&row).await?;
        self.record(
            &s.into(),
            &crate::RequestCtx::local(s.actor.listener_zone),
            "apikey.create",
            &format!("apikey:{}", row.id),
            palmgrid_domain::audit::RESULT_OK,
            json!({"label": row.label}),
        )
        .await?;
        Ok((row, key))
    }

    /// The key row for a presented key, if it is known and not revoked.
    pub async fn api_key(&self, key: &str) -> Result<Option<ApiKeyRow>> {
        Ok(self.store.api_key_by_hash(&crate::auth::hash_token(key)).await?.filter(|k| k.revoked_ms.is_none()))
    }

    /// `GET services.json`
    pub fn open311_services(&self) -> Value {
        Value::Array(
            self.cases
                .categories
                .categories
                .iter()
                .map(|c| {
                    json!({
                        "service_code": c.code,
                        "service_name": c.name,
                        "description": c.filing,
                        "metadata": false,
                        "type": "realtime",
                        "keywords": c.major,
                        "group": c.major,
                    })
                })
                .collect(),
        )
    }

    fn open311_request_of(&self, row: &CaseRow) -> Value {
        let cat = self.cases.categories.category(&row.category);
        let state = CaseState::parse(&row.state);
        json!({
            "service_request_id": row.number,
            "status": status_of(row),
            "status_notes": state.map(|s| s.zh_name()),
            "service_name": cat.map(|c| c.name.clone()),
            "service_code": row.category,
            "description": row.description,
            "agency_responsible": row.lead_department.as_deref()
                .and_then(|d| self.cases.categories.department(d)).map(|d| d.name.clone()),
            "service_notice": cat.map(|c| c.closing.clone()),
            "requested_datetime": iso8601(row.created_ms),
            "updated_datetime": iso8601(row.updated_ms),
            "expected_datetime": row.close_deadline_ms.map(iso8601),
            "address": row.address,
            "address_id": null,
            "zipcode": null,
            "lat": row.lat,
            "long": row.lon,
            "media_url": null,
        })
    }

    /// Whether the caller may read a request; `departments` are a session's departments.
    fn open311_readable(&self, caller: &Open311Caller, departments: &[String], row: &CaseRow) -> bool {
        match caller {
            Open311Caller::Key(k) => row.api_key_id.as_deref() == Some(k.id.as_str()),
            Open311Caller::Session(s) => self.may_read(s, departments, row).unwrap_or(false),
        }
    }

    async fn caller_departments(&self, caller: &Open311Caller) -> O311<Vec<String>> {
        match caller {
            Open311Caller::Key(_) => Ok(vec![]),
            Open311Caller::Session(s) => Ok(self.departments_of(s).await?),
        }
    }

    /// `POST requests.json` (form fields as in the spec).
    pub async fn open311_submit(&self, caller: &Open311Caller, f: &HashMap<String, String>) -> O311<Value> {
        let get = |k: &str| f.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let code = get("service_code").ok_or_else(|| Open311Error::new(400, "service_code was not provided"))?;
        if self.cases.categories.category(code).is_none() {
            return Err(Open311Error::new(404, format!("service_code {code} was not found")));
        }
        let num = |k: &str| -> O311<Option<f64>> {
            get(k)
                .map(|v| v.parse::<f64>().map_err(|_| Open311Error::new(400, format!("{k} must be a number"))))
                .transpose()
        };
        let (lat, lon) = (num("lat")?, num("long")?);
        if lat.is_none() || lon.is_none() {
            return Err(Open311Error::new(
                400,
                "lat and long are required: this jurisdiction places requests in grids by coordinates",
            ));
        }
        let description = get("description").unwrap_or_default();
        if description.chars().count() > 4000 {
            return Err(Open311Error::new(400, "description is limited to 4000 characters"));
        }
        let description = if description.is_empty() {
            self.cases.categories.category(code).map(|c| c.name.clone()).unwrap_or_default()
        } else {
            description.to_owned()
        };
        let new = NewCase {
            category: code.into(),
            description,
            address: get("address_string").map(String::from),
            lon,
            lat,
            ..Default::default()
        };
        let row = match caller {
            Open311Caller::Session(s) => self.report_case(s, new).await?.case.row,
            Open311Caller::Key(k) => {
                let name = [get("last_name"), get("first_name")].into_iter().flatten().collect::<Vec<_>>().join("");
                let contact = get("phone").or(get("email")).map(|c| c.chars().take(64).collect::<String>());
                self.report_case_for_key(k, new, if name.is_empty() { k.label.clone() } else { name }, contact).await?
            }
        };
        let notice = self.cases.categories.category(code).map(|c| c.closing.clone());
        Ok(json!([{"service_request_id": row.number, "service_notice": notice, "account_id": null}]))
    }

    /// A case filed by another system with its key.
    async fn report_case_for_key(
        &self,
        k: &ApiKeyRow,
        new: NewCase,
        name: String,
        contact: Option<String>,
    ) -> Result<CaseRow> {
        let (lon, lat) = (new.lon.unwrap_or(f64::NAN), new.lat.unwrap_or(f64::NAN));
        if !lon.is_finite() || !lat.is_finite() || !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(AppError::Validation("lat must be within ±90 and long within ±180".into()));
        }
        let (grid_id, grid_code) = self.grid_at(lon, lat).await?.ok_or(AppError::OutsideAllGrids)?;
        RegionCode::parse(&grid_code).map_err(|e| AppError::Internal(e.to_string()))?;
        let now = self.now_ms();
        let description = new.description.chars().take(4000).collect();
        let mut row = CaseRow {
            address: new.address.map(|a| a.chars().take(200).collect()),
            lon: Some(lon),
            lat: Some(lat),
            grid_id: Some(grid_id),
            grid_code: Some(grid_code.clone()),
            reporter_name: name.chars().take(64).collect(),
            contact,
            api_key_id: Some(k.id.clone()),
            ..reported_row("open311", &new.category, description, now)
        };
        let event = report_event(
            &row,
            (None, k.label.clone(), "open311".into()),
            json!({"source": "open311", "category": row.category, "grid": grid_code, "api_key": k.id}),
        );
        self.insert_new_case(&mut row, &event, &[], &[]).await?;
        Ok(row)
    }

    /// `GET requests.json`: by ids (comma-separated), or by service_code, status and a
    /// window of at most 90 days (default: the last 90), at most 1000 newest first.
    pub async fn open311_requests(&self, caller: &Open311Caller, q: &HashMap<String, String>) -> O311<Value> {
        let get = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let departments = self.caller_departments(caller).await?;
        let mut rows = Vec::new();
        if let Some(ids) = get("service_request_id") {
            for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()).take(1000) {
                if let Some(row) = self.store.case_by_number(id).await.map_err(AppError::from)?
                    && self.open311_readable(caller, &departments, &row)
                {
                    rows.push(row);
                }
            }
        } else {
            let now = self.now_ms();
            let end = get("end_date").map(parse_iso).transpose()?.unwrap_or(now + 1);
            let start = get("start_date").map(parse_iso).transpose()?.unwrap_or(end - 90 * 86_400_000);
            if end <= start || end - start > 90 * 86_400_000 {
                return Err(Open311Error::new(400, "start_date must be before end_date, at most 90 days apart"));
            }
            let status = get("status");
            if status.is_some_and(|s| !s.split(',').all(|s| matches!(s, "open" | "closed"))) {
                return Err(Open311Error::new(400, "status must be open or closed"));
            }
            let filter = CaseFilter {
                category: get("service_code").map(String::from),
                api_key_id: match caller {
                    Open311Caller::Key(k) => Some(k.id.clone()),
                    Open311Caller::Session(_) => None,
                },
                created_from_ms: Some(start),
                created_to_ms: Some(end),
                limit: 5000,
                ..Default::default()
            };
            for row in self.store.list_cases(&filter).await.map_err(AppError::from)? {
                if status.is_some_and(|s| !s.split(',').any(|s| s == status_of(&row))) {
                    continue;
                }
                if self.open311_readable(caller, &departments, &row) {
                    rows.push(row);
                }
                if rows.len() == 1000 {
                    break;
                }
            }
        }
        Ok(Value::Array(rows.iter().map(|r| self.open311_request_of(r)).collect()))
    }

    /// `GET requests/{id}.json`: an array of one request, or 404.
    pub async fn open311_request(&self, caller: &Open311Caller, id: &str) -> O311<Value> {
        let row = self.store.case_by_number(id).await.map_err(AppError::from)?;
        let departments = self.caller_departments(caller).await?;
        match row {
            Some(row) if self.open311_readable(caller, &departments, &row) => {
                Ok(json!([self.open311_request_of(&row)]))
            }
            _ => Err(Open311Error::new(404, format!("service_request_id {id} was not found"))),
        }
    }
}
