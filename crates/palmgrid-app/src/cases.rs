//! Cases (精准发现、精准处置): intake, the workflow, evidence, time limits and who is told.
//!
//! Visibility is `authz` (`ReadCase`), as everywhere; what a visible case allows is
//! `case::decide`, fed with the actor's roles whose scope covers the case's grid and what
//! they are to the case. Every change is one `write_case` transaction: the new row (against
//! the version read), an event in the case's log, evidence, recording holds and the
//! notifications of whoever must act next, which are then pushed to connected clients.

use crate::{App, AppError, Result, Session};
use palmgrid_domain::authz::{Action, Resource};
use palmgrid_domain::calendar::{BusinessCalendar, Limit, TimerState, timer_state};
use palmgrid_domain::case::{self, CaseAction, CaseActor, CaseFacts, CaseState, REOPEN_WINDOW_MS, Refusal};
use palmgrid_domain::category::{Category, CategorySet, DEMO_CATEGORIES};
use palmgrid_domain::{RegionCode, Role};
use palmgrid_store::{
    CaseEventRow, CaseFilter, CaseRow, CaseWrite, EvidenceRow, HoldRow, NewEvidence, NotificationRow,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Where a case came from.
pub const SOURCES: [&str; 6] = ["patrol", "video", "resident", "hotline", "above", "open311"];
/// Largest photo accepted as evidence.
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;
/// Most photos one case holds.
pub const MAX_PHOTOS: usize = 30;
/// Longest video evidence range.
pub const MAX_VIDEO_RANGE_MS: i64 = 30 * 60_000;
const MAX_DESCRIPTION: usize = 4000;

/// Settings of the case workflow.
#[derive(Debug, Clone)]
pub struct CaseConfig {
    pub categories: Arc<CategorySet>,
    pub calendar: BusinessCalendar,
    /// Same category within this distance (metres) and window is offered as a duplicate.
    pub duplicate_radius_m: f64,
    pub duplicate_window_ms: i64,
}

impl Default for CaseConfig {
    fn default() -> Self {
        CaseConfig {
            categories: Arc::new(CategorySet::parse(DEMO_CATEGORIES).expect("the demo categories are valid")),
            calendar: BusinessCalendar::standard(),
            duplicate_radius_m: 50.0,
            duplicate_window_ms: 24 * 3_600_000,
        }
    }
}

/// Pushes new notifications to connected clients (WebSocket).
#[derive(Debug, Clone)]
pub struct Notifier(tokio::sync::broadcast::Sender<NotificationRow>);

impl Default for Notifier {
    fn default() -> Self {
        Notifier(tokio::sync::broadcast::channel(1024).0)
    }
}

impl Notifier {
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<NotificationRow> {
        self.0.subscribe()
    }

    /// Pushes notifications just written, with the ids the database gave them.
    pub(crate) fn send(&self, rows: Vec<NotificationRow>, ids: Vec<i64>) {
        for (r, id) in rows.into_iter().zip(ids) {
            let _ = self.0.send(NotificationRow { id, ..r });
        }
    }
}

/// A new case.
#[derive(Debug, Clone, Default)]
pub struct NewCase {
    /// patrol | video | resident | hotline | above (default: patrol for grid officers,
    /// resident otherwise).
    pub source: Option<String>,
    pub category: String,
    pub description: String,
    pub address: Option<String>,
    /// WGS-84; the grid follows from it.
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// For a hotline call or an assignment without coordinates: the grid by code.
    pub grid_code: Option<String>,
    /// For a case seen on video: the camera and the range that shows it.
    pub camera_id: Option<String>,
    pub video_from_ms: Option<i64>,
    pub video_to_ms: Option<i64>,
    /// A hotline caller's name and phone number.
    pub caller_name: Option<String>,
    pub contact: Option<String>,
}

/// What is asked of a case.
#[derive(Debug, Clone, Default)]
pub struct CaseCommand {
    pub action: String,
    /// The version the client saw; a change since is a conflict.
    pub version: Option<i64>,
    pub reason: Option<String>,
    /// Dispatch: the lead department (default: the routing matrix).
    pub lead: Option<String>,
    pub assisting: Option<Vec<String>>,
    /// Extension: the deadline asked for.
    pub until_ms: Option<i64>,
    /// Extension decision.
    pub approve: Option<bool>,
    /// Rating, 1–5.
    pub rating: Option<i64>,
    /// Merge: the case this one repeats.
    pub into: Option<String>,
}

/// A case as its reader may see it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub row: CaseRow,
    /// The actions the reader may take now.
    pub actions: Vec<CaseAction>,
    /// Whether the reader may see the reporter's contact details.
    pub staff: bool,
    pub grid_name: Option<String>,
}

/// A reported case and the open cases it may repeat.
#[derive(Debug, Clone)]
pub struct Reported {
    pub case: CaseView,
    pub duplicates: Vec<CaseRow>,
}

fn system_event(case_id: &str, action: &str, state: &str, at_ms: i64, details: Value) -> CaseEventRow {
    CaseEventRow {
        id: 0,
        case_id: case_id.into(),
        action: action.into(),
        from_state: Some(state.into()),
        to_state: state.into(),
        actor_id: None,
        actor_name: "system".into(),
        actor_role: "system".into(),
        reason: None,
        details: details.to_string(),
        at_ms,
    }
}

/// A case just reported: everything after 上报 is still empty.
pub(crate) fn reported_row(source: &str, category: &str, description: String, now: i64) -> CaseRow {
    CaseRow {
        id: uuid::Uuid::new_v4().to_string(),
        number: String::new(),
        version: 1,
        source: source.into(),
        category: category.into(),
        state: CaseState::Reported.as_str().into(),
        description,
        address: None,
        lon: None,
        lat: None,
        grid_id: None,
        grid_code: None,
        camera_id: None,
        reporter_id: None,
        reporter_name: String::new(),
        contact: None,
        api_key_id: None,
        lead_department: None,
        assisting_departments: String::new(),
        extension_pending: false,
        extension_until_ms: None,
        rating: None,
        merged_into: None,
        stage_started_ms: None,
        stage_deadline_ms: None,
        timer: "none".into(),
        handle_deadline_ms: None,
        close_deadline_ms: None,
        registered_ms: None,
        closed_ms: None,
        created_ms: now,
        updated_ms: now,
    }
}

/// The first entry of a case's log.
pub(crate) fn report_event(row: &CaseRow, actor: (Option<String>, String, String), details: Value) -> CaseEventRow {
    CaseEventRow {
        id: 0,
        case_id: row.id.clone(),
        action: "report".into(),
        from_state: None,
        to_state: row.state.clone(),
        actor_id: actor.0,
        actor_name: actor.1,
        actor_role: actor.2,
        reason: None,
        details: details.to_string(),
        at_ms: row.created_ms,
    }
}

/// Roles that work cases as staff of an area (and see a hotline caller's contact).
const STAFF: [Role; 5] = [
    Role::DistrictAdmin,
    Role::CommandOperator,
    Role::SupervisionOperator,
    Role::CommunitySecretary,
    Role::GridOfficer,
];

fn state_of(row: &CaseRow) -> Result<CaseState> {
    CaseState::parse(&row.state).ok_or_else(|| AppError::Internal(format!("case {} has state {:?}", row.id, row.state)))
}

fn check_text(what: &str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::Validation(format!("{what} must be 1–{max} characters")));
    }
    Ok(t.to_owned())
}

fn optional_text(what: &str, s: &Option<String>, max: usize) -> Result<Option<String>> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => check_text(what, t, max).map(Some),
    }
}

/// The limit that runs in a state, if any.
fn stage_limit(cat: &Category, state: CaseState) -> Option<Limit> {
    match stage_of(state)? {
        "dispatch" => Some(cat.dispatch_limit),
        "handle" => Some(cat.handle_limit),
        _ => Some(cat.close_limit),
    }
}

/// The timed stage of a state: waiting for dispatch, handling, or check and closure.
fn stage_of(state: CaseState) -> Option<&'static str> {
    match state {
        CaseState::Registered => Some("dispatch"),
        CaseState::Dispatched | CaseState::Handling => Some("handle"),
        CaseState::Feedback | CaseState::Checked => Some("close"),
        _ => None,
    }
}

/// Share of the time between `start` and `deadline` used at `now`, counted the way the
/// stage's limit counts (working time or calendar time).
fn share_used(cal: &BusinessCalendar, limit: Limit, start: i64, deadline: i64, now: i64) -> f64 {
    match limit {
        Limit::WorkingHours(_) => {
            let total = cal.working_ms_between(start, deadline);
            if total <= 0 { 1.0 } else { cal.working_ms_between(start, now) as f64 / total as f64 }
        }
        Limit::CalendarDays(_) => {
            if deadline <= start {
                1.0
            } else {
                (now - start) as f64 / (deadline - start) as f64
            }
        }
    }
}

fn timer_name(t: TimerState) -> &'static str {
    match t {
        TimerState::OnTime => "on_time",
        TimerState::Warned => "warned",
        TimerState::Overdue => "overdue",
    }
}

/// SHA-256 as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(data))
}

impl App {
    fn category(&self, code: &str) -> Result<&Category> {
        self.cases.categories.category(code).ok_or_else(|| AppError::Validation(format!("unknown category {code:?}")))
    }

    /// The departments the session's user handles cases for.
    pub(crate) async fn departments_of(&self, s: &Session) -> Result<Vec<String>> {
        Ok(self.store.user_departments(&s.user_id).await?)
    }

    /// Who the session is to this case, for `case::decide`.
    fn case_actor(&self, s: &Session, departments: &[String], row: &CaseRow) -> CaseActor {
        let region = row.grid_code.as_deref().and_then(|c| RegionCode::parse(c).ok());
        let roles: Vec<Role> = s.actor.grants.iter().filter(|g| g.covers(region.as_ref())).map(|g| g.role).collect();
        let has = |d: &str| departments.iter().any(|x| x == d);
        CaseActor {
            roles,
            is_reporter: row.reporter_id.as_deref() == Some(s.user_id.as_str()),
            in_lead_department: row.lead_department.as_deref().is_some_and(has),
            in_assisting_department: row.assisting().iter().any(|d| has(d)),
        }
    }

    /// Whether the session may see this case (`authz` `ReadCase`).
    pub(crate) fn may_read(&self, s: &Session, departments: &[String], row: &CaseRow) -> Result<bool> {
        let who = self.case_actor(s, departments, row);
        let resource = Resource::Case {
            region: row.grid_code.as_deref().and_then(|c| RegionCode::parse(c).ok()),
            reporter: who.is_reporter,
            department: who.in_lead_department || who.in_assisting_department,
        };
        match self.authorize(s, Action::ReadCase, &resource) {
            Ok(()) => Ok(true),
            Err(AppError::Forbidden) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn facts(&self, row: &CaseRow) -> CaseFacts {
        CaseFacts {
            extension_pending: row.extension_pending,
            rated: row.rating.is_some(),
            closed_for_ms: row.closed_ms.map(|c| self.now_ms() - c),
        }
    }

    /// A case the session may see (404 otherwise, so ids are no oracle).
    pub async fn visible_case(&self, s: &Session, id: &str) -> Result<CaseRow> {
        let row = self.store.case(id).await?.ok_or(AppError::NotFound)?;
        if self.may_read(s, &self.departments_of(s).await?, &row)? { Ok(row) } else { Err(AppError::NotFound) }
    }

    fn view_with(
        &self,
        s: &Session,
        departments: &[String],
        grid_name: Option<String>,
        row: CaseRow,
    ) -> Result<CaseView> {
        let who = self.case_actor(s, departments, &row);
        let state = state_of(&row)?;
        let facts = self.facts(&row);
        let actions = CaseAction::ALL.into_iter().filter(|a| case::decide(state, *a, &who, facts).is_ok()).collect();
        let staff = who.roles.iter().any(|r| STAFF.contains(r));
        Ok(CaseView { row, actions, staff, grid_name })
    }

    async fn view_of(&self, s: &Session, row: CaseRow) -> Result<CaseView> {
        let grid_name = match &row.grid_id {
            Some(g) => self.store.region(g).await?.map(|r| r.name),
            None => None,
        };
        self.view_with(s, &self.departments_of(s).await?, grid_name, row)
    }

    /// One case with the actions the session may take.
    pub async fn get_case(&self, s: &Session, id: &str) -> Result<CaseView> {
        let row = self.visible_case(s, id).await?;
        self.view_of(s, row).await
    }

    /// The event log of a visible case.
    pub async fn case_timeline(&self, s: &Session, id: &str) -> Result<Vec<CaseEventRow>> {
        self.visible_case(s, id).await?;
        Ok(self.store.case_events(id).await?)
    }

    pub async fn case_evidence(&self, s: &Session, id: &str) -> Result<Vec<EvidenceRow>> {
        self.visible_case(s, id).await?;
        Ok(self.store.case_evidence(id).await?)
    }

    /// A photo of a visible case: (media type, bytes).
    pub async fn evidence_photo(&self, s: &Session, case_id: &str, evidence_id: &str) -> Result<(String, Vec<u8>)> {
        self.visible_case(s, case_id).await?;
        let (row, bytes) = self.store.evidence_content(case_id, evidence_id).await?.ok_or(AppError::NotFound)?;
        Ok((row.media_type, bytes))
    }

    /// Cases the session may see, newest first. `mine`: only those where the session must
    /// act now.
    pub async fn list_cases(&self, s: &Session, states: Vec<String>, mine: bool) -> Result<Vec<CaseView>> {
        for st in &states {
            if CaseState::parse(st).is_none() {
                return Err(AppError::Validation(format!("unknown state {st:?}")));
            }
        }
        // Those who see cases only as their reporter are filtered in the query.
        let reporter_only = !s.actor.roles().any(|r| STAFF.contains(&r) || r == Role::DepartmentHandler);
        let filter = CaseFilter {
            states,
            reporter_id: reporter_only.then(|| s.user_id.clone()),
            limit: 1000,
            ..Default::default()
        };
        let rows = self.store.list_cases(&filter).await?;
        let departments = self.departments_of(s).await?;
        let names: HashMap<String, String> = self
            .store
            .list_regions()
            .await?
            .into_iter()
            .filter(|r| r.level == "grid")
            .map(|r| (r.id, r.name))
            .collect();
        let mut out = Vec::new();
        for row in rows {
            if !self.may_read(s, &departments, &row)? {
                continue;
            }
            let grid_name = row.grid_id.as_ref().and_then(|g| names.get(g).cloned());
            let v = self.view_with(s, &departments, grid_name, row)?;
            // "Must act": any action that moves the case on (rating and reopening are offers).
            let acts =
                v.actions.iter().any(|a| !matches!(a, CaseAction::Rate | CaseAction::Reopen | CaseAction::Merge));
            if !mine || acts {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// Reports a problem. The grid follows from the location (or, for a hotline call, is
    /// named); cases of the same category within 50 m and 24 h, or from the same camera, are
    /// returned as possible duplicates for the supervision centre to merge.
    pub async fn report_case(&self, s: &Session, new: NewCase) -> Result<Reported> {
        let cat = self.category(&new.category)?.clone();
        let description = check_text("description", &new.description, MAX_DESCRIPTION)?;
        let address = optional_text("address", &new.address, 200)?;
        // Without a stated source: a camera means video; a grid officer in their own grid is
        // on patrol (decided once the grid is known); anyone else reports as a resident does.
        let mut source =
            new.source.clone().unwrap_or_else(|| if new.camera_id.is_some() { "video" } else { "" }.into());
        if !source.is_empty() && !SOURCES[..5].contains(&source.as_str()) {
            return Err(AppError::Validation(format!("source must be one of {}", SOURCES[..5].join(", "))));
        }
        // Location: from the camera, the point, or a named grid.
        let mut camera = None;
        let (mut lon, mut lat) = (new.lon, new.lat);
        if source == "video" {
            let id =
                new.camera_id.as_deref().ok_or_else(|| AppError::Validation("a video case names its camera".into()))?;
            let row = self.get_camera(s, id).await?;
            self.authorize_camera(s, Action::ViewRecording, &row)?;
            if lon.is_none() {
                (lon, lat) = (row.lon, row.lat);
            }
            camera = Some(row);
        } else if new.camera_id.is_some() {
            return Err(AppError::Validation("only a video case names a camera".into()));
        }
        let (grid_id, grid_code) = match (lon, lat) {
            (Some(lo), Some(la)) => {
                if !lo.is_finite()
                    || !la.is_finite()
                    || !(-180.0..=180.0).contains(&lo)
                    || !(-90.0..=90.0).contains(&la)
                {
                    return Err(AppError::Validation("lon must be within ±180 and lat within ±90".into()));
                }
                let (id, code) = self.grid_at(lo, la).await?.ok_or(AppError::OutsideAllGrids)?;
                if new.grid_code.as_deref().is_some_and(|g| g != code) {
                    return Err(AppError::Validation(format!(
                        "the location is in grid {code}, not {:?}",
                        new.grid_code
                    )));
                }
                (id, code)
            }
            (None, None) => {
                let code = new
                    .grid_code
                    .as_deref()
                    .ok_or_else(|| AppError::Validation("give lon and lat, or a grid_code".into()))?;
                let g = self.store.region_by_code(code).await?.filter(|r| r.level == "grid");
                let g = g.ok_or_else(|| AppError::Validation(format!("no grid {code}")))?;
                (g.id, g.code)
            }
            _ => return Err(AppError::Validation("give both lon and lat, or neither".into())),
        };
        let region = RegionCode::parse(&grid_code).map_err(|e| AppError::Internal(e.to_string()))?;
        self.authorize(s, Action::ReportCase, &Resource::Region(Some(region.clone())))?;
        if source.is_empty() {
            let officer_here = s.actor.grants.iter().any(|g| g.role == Role::GridOfficer && g.covers(Some(&region)));
            source = if officer_here { "patrol" } else { "resident" }.into();
        }
        let (reporter_name, contact) = match source.as_str() {
            "hotline" | "above" => {
                self.authorize(s, Action::EnterCase, &Resource::Region(Some(region.clone())))?;
                let caller = optional_text("caller_name", &new.caller_name, 64)?;
                (caller.unwrap_or_else(|| s.display_name.clone()), optional_text("contact", &new.contact, 32)?)
            }
            "patrol" if !s.actor.grants.iter().any(|g| g.role == Role::GridOfficer && g.covers(Some(&region))) => {
                return Err(AppError::Forbidden);
            }
            _ => (s.display_name.clone(), None),
        };
        let now = self.now_ms();
        let video = match (&camera, new.video_from_ms, new.video_to_ms) {
            (Some(c), Some(from), Some(to)) => Some(self.video_evidence(c, from, to, now).await?),
            (Some(_), _, _) => return Err(AppError::Validation("a video case gives the range that shows it".into())),
            _ => None,
        };
        let mut row = CaseRow {
            address,
            lon,
            lat,
            grid_id: Some(grid_id),
            grid_code: Some(grid_code.clone()),
            camera_id: camera.as_ref().map(|c| c.id.clone()),
            reporter_id: Some(s.user_id.clone()),
            reporter_name,
            contact,
            ..reported_row(&source, &cat.code, description, now)
        };
        let id = row.id.clone();
        let event = report_event(
            &row,
            (Some(s.user_id.clone()), s.display_name.clone(), s.roles_label()),
            json!({"source": source, "category": cat.code, "grid": grid_code}),
        );
        // Possible duplicates are offered only as far as the reporter may see them: a
        // resident is not shown other people's reports.
        let departments = self.departments_of(s).await?;
        let mut duplicates = Vec::new();
        for d in self.duplicates_of(&row).await? {
            if self.may_read(s, &departments, &d)? {
                duplicates.push(d);
            }
        }
        let mut evidence = Vec::new();
        let mut holds = Vec::new();
        if let Some((ev, hold)) = video {
            evidence.push(NewEvidence {
                row: EvidenceRow {
                    case_id: id.clone(),
                    stage: "report".into(),
                    added_by: Some(s.user_id.clone()),
                    ..ev
                },
                content: None,
            });
            holds.push(HoldRow { owner: format!("case:{id}"), ..hold });
        }
        self.insert_new_case(&mut row, &event, &evidence, &holds).await?;
        Ok(Reported { case: self.view_of(s, row).await?, duplicates })
    }

    /// Inserts a new case under the next number of its day, telling whoever must act, and
    /// pushes those notifications once written.
    pub(crate) async fn insert_new_case(
        &self,
        row: &mut CaseRow,
        event: &CaseEventRow,
        evidence: &[NewEvidence],
        holds: &[HoldRow],
    ) -> Result<()> {
        let day = local_day(row.created_ms);
        for attempt in 0..20 {
            let n = self.store.count_case_numbers(&day).await? + 1 + attempt;
            row.number = format!("{day}{n:04}");
            let notes = self.notifications_for(row, "act", row.created_ms).await?;
            let w = CaseWrite {
                case: Some(row),
                events: std::slice::from_ref(event),
                evidence,
                holds,
                notifications: &notes,
                ..Default::default()
            };
            match self.store.write_case(&w).await {
                Err(palmgrid_store::StoreError::Conflict(_)) => continue,
                other => {
                    self.notifier.send(notes, other?);
                    return Ok(());
                }
            }
        }
        Err(AppError::Conflict("could not number the case; try again".into()))
    }

    /// Open cases this one may repeat: same category within the radius and window, or the
    /// same camera within the window.
    async fn duplicates_of(&self, row: &CaseRow) -> Result<Vec<CaseRow>> {
        let since = row.created_ms - self.cases.duplicate_window_ms;
        let mut out = Vec::new();
        for other in self.store.recent_open_cases(&row.category, since).await? {
            if other.id == row.id {
                continue;
            }
            let near = match (row.lon, row.lat, other.lon, other.lat) {
                (Some(a), Some(b), Some(c), Some(d)) => {
                    palmgrid_domain::gcj02::distance_m((a, b), (c, d)) <= self.cases.duplicate_radius_m
                }
                _ => false,
            };
            let same_camera = row.camera_id.is_some() && row.camera_id == other.camera_id;
            if near || same_camera {
                out.push(other);
            }
        }
        Ok(out)
    }

    /// A video evidence item for a camera's range: the SHA-256 of the MP4 built for it
    /// (when this node records), and the hold that keeps its recordings.
    async fn video_evidence(
        &self,
        cam: &palmgrid_store::CameraRow,
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<(EvidenceRow, HoldRow)> {
        if to <= from || to - from > MAX_VIDEO_RANGE_MS {
            return Err(AppError::Validation(
                "the video range must end after it starts, at most 30 minutes later".into(),
            ));
        }
        if to > now {
            return Err(AppError::Validation("the video range must be in the past".into()));
        }
        let rec = self.recorder.as_ref().ok_or_else(|| AppError::Unavailable("this node does not record".into()))?;
        let rows = rec.tails.recordings_between(&self.store, &cam.id, "main", from, to).await?;
        let dir = rec.cfg.dir.clone();
        let (sha, bytes) =
            tokio::task::spawn_blocking(move || -> std::result::Result<Option<(String, u64)>, String> {
                let Some(mp4) = palmgrid_recorder::RangeMp4::build(&rows, &dir, from, to).map_err(|e| e.to_string())?
                else {
                    return Ok(None);
                };
                let mut h = Sha256::new();
                let mut pos = 0;
                while pos < mp4.len() {
                    let chunk = mp4.read_at(pos, 1 << 20).map_err(|e| e.to_string())?;
                    if chunk.is_empty() {
                        return Err("recording ended early".into());
                    }
                    pos += chunk.len() as u64;
                    h.update(&chunk);
                }
                Ok(Some((data_encoding::HEXLOWER.encode(&h.finalize()), pos)))
            })
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(AppError::Internal)?
            .ok_or_else(|| AppError::Validation("nothing was recorded in that range".into()))?;
        let ev = EvidenceRow {
            id: uuid::Uuid::new_v4().to_string(),
            case_id: String::new(),
            kind: "video".into(),
            stage: String::new(),
            sha256: sha,
            media_type: "video/mp4".into(),
            bytes: bytes as i64,
            camera_id: Some(cam.id.clone()),
            start_ms: Some(from),
            end_ms: Some(to),
            note: None,
            added_by: None,
            added_ms: now,
        };
        let hold = HoldRow {
            id: uuid::Uuid::new_v4().to_string(),
            camera_id: cam.id.clone(),
            start_ms: from,
            end_ms: to,
            owner: String::new(),
            until_ms: None,
            created_ms: now,
        };
        Ok((ev, hold))
    }

    /// Adds evidence to a visible, living case: a photo (JPEG or PNG; metadata such as EXIF
    /// GPS removed) or a camera range. Anyone who may see the case and is part of it may add.
    pub async fn add_evidence(&self, s: &Session, case_id: &str, item: EvidenceInput) -> Result<EvidenceRow> {
        let row = self.visible_case(s, case_id).await?;
        let state = state_of(&row)?;
        if matches!(state, CaseState::Cancelled | CaseState::Merged) {
            return Err(AppError::Conflict("the case is no longer open".into()));
        }
        let now = self.now_ms();
        let (ev, content, hold) = match item {
            EvidenceInput::Photo { bytes, note } => {
                let photos = self.store.case_evidence(case_id).await?.iter().filter(|e| e.kind == "photo").count();
                if photos >= MAX_PHOTOS {
                    return Err(AppError::Validation(format!("a case has at most {MAX_PHOTOS} photos")));
                }
                let clean = tokio::task::spawn_blocking(move || crate::photo::clean_photo(&bytes))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))??;
                let ev = EvidenceRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    case_id: case_id.into(),
                    kind: "photo".into(),
                    stage: row.state.clone(),
                    sha256: sha256_hex(&clean.bytes),
                    media_type: clean.media_type.into(),
                    bytes: clean.bytes.len() as i64,
                    camera_id: None,
                    start_ms: None,
                    end_ms: None,
                    note: optional_text("note", &note, 200)?,
                    added_by: Some(s.user_id.clone()),
                    added_ms: now,
                };
                (ev, Some(clean.bytes), None)
            }
            EvidenceInput::Video { camera_id, from_ms, to_ms, note } => {
                let cam = self.get_camera(s, &camera_id).await?;
                self.authorize_camera(s, Action::ViewRecording, &cam)?;
                let (ev, hold) = self.video_evidence(&cam, from_ms, to_ms, now).await?;
                let ev = EvidenceRow {
                    case_id: case_id.into(),
                    stage: row.state.clone(),
                    note: optional_text("note", &note, 200)?,
                    added_by: Some(s.user_id.clone()),
                    ..ev
                };
                // A closed case keeps its holds only for the reopen window.
                let until = row.closed_ms.map(|c| c + REOPEN_WINDOW_MS);
                (ev, None, Some(HoldRow { owner: format!("case:{case_id}"), until_ms: until, ..hold }))
            }
        };
        let event = CaseEventRow {
            id: 0,
            case_id: case_id.into(),
            action: "evidence".into(),
            from_state: Some(row.state.clone()),
            to_state: row.state.clone(),
            actor_id: Some(s.user_id.clone()),
            actor_name: s.display_name.clone(),
            actor_role: s.roles_label(),
            reason: None,
            details: json!({"evidence": ev.id, "kind": ev.kind, "sha256": ev.sha256}).to_string(),
            at_ms: now,
        };
        let evidence = [NewEvidence { row: ev.clone(), content }];
        let holds: Vec<HoldRow> = hold.into_iter().collect();
        self.store
            .write_case(&CaseWrite {
                events: std::slice::from_ref(&event),
                evidence: &evidence,
                holds: &holds,
                ..Default::default()
            })
            .await?;
        Ok(ev)
    }

    /// Lead and assisting departments for a category in a grid: the rule of the nearest
    /// region above the grid in the routing matrix, else the category's department.
    pub async fn route_for(&self, category: &Category, grid_code: Option<&str>) -> Result<(String, Vec<String>)> {
        let routes = self.store.case_routes().await?;
        let regions: HashMap<String, String> =
            self.store.list_regions().await?.into_iter().map(|r| (r.id, r.code)).collect();
        let grid = grid_code.and_then(|g| RegionCode::parse(g).ok());
        let best = routes
            .iter()
            .filter(|r| r.category == category.code)
            .filter_map(|r| {
                regions.get(&r.region_id).and_then(|code| RegionCode::parse(code).ok()).map(|code| (code, r))
            })
            .filter(|(code, _)| grid.as_ref().is_some_and(|g| g.is_within(code)))
            .max_by_key(|(code, _)| code.as_str().len());
        Ok(match best {
            Some((_, r)) => {
                (r.lead.clone(), r.assisting.split(',').filter(|s| !s.is_empty()).map(String::from).collect())
            }
            None => (category.department.clone(), vec![]),
        })
    }

    /// Does `cmd` to a visible case, if the workflow allows it for this session.
    pub async fn act_on_case(&self, s: &Session, id: &str, cmd: CaseCommand) -> Result<CaseView> {
        let action = CaseAction::parse(&cmd.action)
            .ok_or_else(|| AppError::Validation(format!("unknown action {:?}", cmd.action)))?;
        let row = self.visible_case(s, id).await?;
        if cmd.version.is_some_and(|v| v != row.version) {
            return Err(AppError::Conflict("the case was changed by someone else; reload it".into()));
        }
        let state = state_of(&row)?;
        let who = self.case_actor(s, &self.departments_of(s).await?, &row);
        let to = case::decide(state, action, &who, self.facts(&row)).map_err(|r| match r {
            Refusal::WrongState => {
                AppError::Conflict(format!("cannot {} a case that is {}", action.as_str(), state.as_str()))
            }
            Refusal::NotYours => AppError::Forbidden,
        })?;
        let reason = optional_text("reason", &cmd.reason, 500)?;
        if action.needs_reason() && reason.is_none() {
            return Err(AppError::Validation(format!("{} needs a reason", action.zh_name())));
        }
        let cat = self.category(&row.category)?.clone();
        let cal = &self.cases.calendar;
        let now = self.now_ms();
        let mut new = CaseRow { version: row.version + 1, state: to.as_str().into(), updated_ms: now, ..row.clone() };
        let mut details = json!({});
        let mut release: Option<Option<i64>> = None;
        match action {
            CaseAction::Register => {
                new.registered_ms = Some(now);
                let dispatch = cal.deadline(now, cat.dispatch_limit);
                let handle = cal.deadline(dispatch, cat.handle_limit);
                new.close_deadline_ms = Some(cal.deadline(handle, cat.close_limit));
                details = json!({"close_deadline_ms": new.close_deadline_ms});
            }
            CaseAction::Dispatch => {
                let (default_lead, default_assisting) = self.route_for(&cat, row.grid_code.as_deref()).await?;
                let lead = cmd.lead.clone().unwrap_or(default_lead);
                let assisting = cmd.assisting.clone().unwrap_or(default_assisting);
                for d in std::iter::once(&lead).chain(&assisting) {
                    if self.cases.categories.department(d).is_none() {
                        return Err(AppError::Validation(format!("unknown department {d:?}")));
                    }
                }
                if assisting.contains(&lead) {
                    return Err(AppError::Validation("the lead department cannot also assist".into()));
                }
                new.lead_department = Some(lead.clone());
                new.assisting_departments = assisting.join(",");
                new.handle_deadline_ms = Some(cal.deadline(now, cat.handle_limit));
                details = json!({"lead": lead, "assisting": assisting, "handle_deadline_ms": new.handle_deadline_ms});
            }
            CaseAction::Return => {
                details = json!({"department": row.lead_department});
                new.lead_department = None;
                new.assisting_departments = String::new();
                new.handle_deadline_ms = None;
            }
            CaseAction::CheckFail => {
                // 返工: the department gets a fresh handling limit.
                new.handle_deadline_ms = Some(cal.deadline(now, cat.handle_limit));
                details = json!({"handle_deadline_ms": new.handle_deadline_ms});
            }
            CaseAction::Close => {
                new.closed_ms = Some(now);
                release = Some(Some(now + REOPEN_WINDOW_MS));
            }
            CaseAction::Rate => {
                let r = cmd.rating.ok_or_else(|| AppError::Validation("give a rating of 1–5".into()))?;
                if !(1..=5).contains(&r) {
                    return Err(AppError::Validation("the rating must be 1–5".into()));
                }
                new.rating = Some(r);
                details = json!({"rating": r});
            }
            CaseAction::RequestExtension => {
                let until = cmd.until_ms.ok_or_else(|| AppError::Validation("give the deadline asked for".into()))?;
                if row.stage_deadline_ms.is_some_and(|d| until <= d) || until <= now {
                    return Err(AppError::Validation("the new deadline must be later than the current one".into()));
                }
                new.extension_pending = true;
                new.extension_until_ms = Some(until);
                details = json!({"until_ms": until});
            }
            CaseAction::DecideExtension => {
                let approve = cmd.approve.ok_or_else(|| AppError::Validation("say whether to approve".into()))?;
                new.extension_pending = false;
                new.extension_until_ms = None;
                details = json!({"approve": approve});
                if approve && let Some(until) = row.extension_until_ms {
                    let shift = until - row.stage_deadline_ms.unwrap_or(until);
                    new.stage_deadline_ms = Some(until);
                    new.handle_deadline_ms = Some(until);
                    new.close_deadline_ms = row.close_deadline_ms.map(|c| c + shift.max(0));
                    new.timer = "on_time".into();
                    details = json!({"approve": true, "handle_deadline_ms": until, "close_deadline_ms": new.close_deadline_ms});
                }
            }
            CaseAction::Reopen => {
                new.closed_ms = None;
                new.rating = None;
                release = Some(None);
            }
            CaseAction::Cancel => release = Some(Some(now)),
            CaseAction::Merge => {
                let into =
                    cmd.into.as_deref().ok_or_else(|| AppError::Validation("name the case this one repeats".into()))?;
                let target = self.visible_case(s, into).await?;
                if target.id == row.id || !state_of(&target)?.is_open() {
                    return Err(AppError::Validation("merge into another open case".into()));
                }
                new.merged_into = Some(target.id.clone());
                details = json!({"into": target.id, "number": target.number});
                release = Some(Some(now));
            }
            CaseAction::Accept
            | CaseAction::Feedback
            | CaseAction::CheckPass
            | CaseAction::Suspend
            | CaseAction::Resume => {}
        }
        // A pending extension request ends with the stage it was asked for.
        if !matches!(to, CaseState::Dispatched | CaseState::Handling) {
            new.extension_pending = false;
            new.extension_until_ms = None;
        }
        // The limit of the stage the case is now in starts when the stage changes (and again
        // for rework after a failed check).
        if stage_of(state) != stage_of(to) || action == CaseAction::CheckFail {
            match stage_limit(&cat, to) {
                Some(limit) => {
                    new.stage_started_ms = Some(now);
                    new.stage_deadline_ms = Some(match (stage_of(to), new.handle_deadline_ms) {
                        (Some("handle"), Some(d)) => d,
                        _ => cal.deadline(now, limit),
                    });
                    new.timer = "on_time".into();
                }
                None => {
                    new.stage_started_ms = None;
                    new.stage_deadline_ms = None;
                    new.timer = "none".into();
                }
            }
        }
        let event = CaseEventRow {
            id: 0,
            case_id: row.id.clone(),
            action: action.as_str().into(),
            from_state: Some(state.as_str().into()),
            to_state: to.as_str().into(),
            actor_id: Some(s.user_id.clone()),
            actor_name: s.display_name.clone(),
            actor_role: s.roles_label(),
            reason,
            details: details.to_string(),
            at_ms: now,
        };
        let notes = if to != state || action == CaseAction::RequestExtension {
            self.notifications_for(&new, "act", now).await?
        } else {
            vec![]
        };
        let owner = format!("case:{}", row.id);
        let ids = self
            .store
            .write_case(&CaseWrite {
                case: Some(&new),
                expected_version: Some(row.version),
                events: std::slice::from_ref(&event),
                release_holds: release.map(|u| (owner.as_str(), u)),
                notifications: &notes,
                ..Default::default()
            })
            .await?;
        self.notifier.send(notes, ids);
        self.view_of(s, new).await
    }

    /// Users holding one of `roles` over a region that contains the grid.
    async fn holders_covering(&self, grid_code: Option<&str>, roles: &[&str]) -> Result<Vec<String>> {
        let Some(grid) = grid_code.and_then(|c| RegionCode::parse(c).ok()) else { return Ok(vec![]) };
        let codes: HashMap<String, String> =
            self.store.list_regions().await?.into_iter().map(|r| (r.id, r.code)).collect();
        let mut out: Vec<String> = Vec::new();
        for (region_id, _, user, _) in self.store.role_holders_by_region(roles).await? {
            let covers =
                codes.get(&region_id).and_then(|c| RegionCode::parse(c).ok()).is_some_and(|c| grid.is_within(&c));
            if covers && !out.contains(&user) {
                out.push(user);
            }
        }
        Ok(out)
    }

    /// Who must act next on a case in its (new) state.
    pub async fn next_actors(&self, row: &CaseRow) -> Result<Vec<String>> {
        let grid = row.grid_code.as_deref();
        let state = state_of(row)?;
        Ok(match state {
            _ if row.extension_pending => self.holders_covering(grid, &["command_operator"]).await?,
            CaseState::Reported | CaseState::Checked => self.holders_covering(grid, &["supervision_operator"]).await?,
            CaseState::Registered => self.holders_covering(grid, &["command_operator"]).await?,
            CaseState::Dispatched | CaseState::Handling => {
                let handlers: HashSet<String> =
                    self.holders_covering(grid, &["department_handler"]).await?.into_iter().collect();
                let lead = row.lead_department.as_deref().unwrap_or_default();
                self.store
                    .department_members()
                    .await?
                    .into_iter()
                    .filter(|(d, u)| d == lead && handlers.contains(u))
                    .map(|(_, u)| u)
                    .collect()
            }
            CaseState::Feedback => self.holders_covering(grid, &["grid_officer"]).await?,
            CaseState::Closed => row.reporter_id.iter().cloned().collect(),
            CaseState::Suspended | CaseState::Cancelled | CaseState::Merged => vec![],
        })
    }

    pub(crate) async fn notifications_for(&self, row: &CaseRow, kind: &str, now: i64) -> Result<Vec<NotificationRow>> {
        let state = state_of(row)?;
        let title = match kind {
            "warned" => format!("案件 {} 即将超时（{}）", row.number, state.zh_name()),
            "overdue" => format!("案件 {} 已超时（{}）", row.number, state.zh_name()),
            _ if row.extension_pending => format!("案件 {} 申请延期，待审批", row.number),
            _ if state == CaseState::Closed => format!("案件 {} 已结案，请评价", row.number),
            _ => format!("案件 {} {}，请处理", row.number, state.zh_name()),
        };
        Ok(self
            .next_actors(row)
            .await?
            .into_iter()
            .map(|user_id| NotificationRow {
                id: 0,
                user_id,
                case_id: Some(row.id.clone()),
                kind: kind.into(),
                title: title.clone(),
                created_ms: now,
                read_ms: None,
                subject: None,
            })
            .collect())
    }

    /// Runs the time limits at the clock's now: a case past 80 % of its stage's limit is
    /// warned (whoever must act is told), past 100 % it is overdue and escalated to the
    /// supervisors (command operators and district admins over its grid). Each happens once
    /// per stage and is written to the case's log. Returns (warned, overdue) counts.
    pub async fn run_case_timers(&self) -> Result<(usize, usize)> {
        let now = self.now_ms();
        let (mut warned, mut overdue) = (0, 0);
        for row in self.store.timed_cases().await? {
            let Ok(state) = state_of(&row) else { continue };
            let (Some(cat), Some(start), Some(deadline)) =
                (self.cases.categories.category(&row.category), row.stage_started_ms, row.stage_deadline_ms)
            else {
                continue;
            };
            let Some(limit) = stage_limit(cat, state) else { continue };
            let t =
                timer_state(share_used(&self.cases.calendar, limit, start, deadline, now).max(if now >= deadline {
                    1.0
                } else {
                    0.0
                }));
            let current = match row.timer.as_str() {
                "warned" => TimerState::Warned,
                _ => TimerState::OnTime,
            };
            if t <= current {
                continue;
            }
            let new = CaseRow { version: row.version + 1, timer: timer_name(t).into(), updated_ms: now, ..row.clone() };
            let (kind, mut notes) = match t {
                TimerState::Overdue => ("overdue", self.notifications_for(&new, "overdue", now).await?),
                _ => ("warned", self.notifications_for(&new, "warned", now).await?),
            };
            let mut escalated = Vec::new();
            if t == TimerState::Overdue {
                let sup =
                    self.holders_covering(row.grid_code.as_deref(), &["command_operator", "district_admin"]).await?;
                for u in sup {
                    if !notes.iter().any(|n| n.user_id == u) {
                        escalated.push(u.clone());
                        notes.push(NotificationRow {
                            user_id: u,
                            ..notes.first().cloned().unwrap_or(NotificationRow {
                                id: 0,
                                user_id: String::new(),
                                case_id: Some(row.id.clone()),
                                kind: "overdue".into(),
                                title: format!("案件 {} 已超时（{}）", row.number, state.zh_name()),
                                created_ms: now,
                                read_ms: None,
                                subject: None,
                            })
                        });
                    }
                }
            }
            let event = system_event(
                &row.id,
                &format!("timer_{kind}"),
                &row.state,
                now,
                json!({"deadline_ms": deadline, "escalated_to": escalated}),
            );
            let r = self
                .store
                .write_case(&CaseWrite {
                    case: Some(&new),
                    expected_version: Some(row.version),
                    events: std::slice::from_ref(&event),
                    notifications: &notes,
                    ..Default::default()
                })
                .await;
            let ids = match r {
                // Someone acted on the case meanwhile; the next run looks again.
                Err(palmgrid_store::StoreError::Conflict(_)) => continue,
                other => other?,
            };
            self.notifier.send(notes, ids);
            if t == TimerState::Overdue {
                overdue += 1;
            } else {
                warned += 1;
            }
        }
        Ok((warned, overdue))
    }

    /// Sets a rule of the routing matrix (administrators of the region).
    pub async fn set_case_route(
        &self,
        s: &Session,
        category: &str,
        region_code: &str,
        lead: &str,
        assisting: &[String],
    ) -> Result<()> {
        let code = RegionCode::parse(region_code).map_err(|e| AppError::Validation(e.to_string()))?;
        self.authorize(s, Action::ManageCaseSettings, &Resource::CaseSettings(Some(code.clone())))?;
        self.category(category)?;
        let region = self
            .store
            .region_by_code(region_code)
            .await?
            .ok_or_else(|| AppError::Validation(format!("no region {region_code}")))?;
        for d in std::iter::once(lead).chain(assisting.iter().map(String::as_str)) {
            if self.cases.categories.department(d).is_none() {
                return Err(AppError::Validation(format!("unknown department {d:?}")));
            }
        }
        if assisting.iter().any(|a| a == lead) {
            return Err(AppError::Validation("the lead department cannot also assist".into()));
        }
        let row = palmgrid_store::CaseRouteRow {
            category: category.into(),
            region_id: region.id,
            lead: lead.into(),
            assisting: assisting.join(","),
            updated_ms: self.now_ms(),
        };
        self.store.set_case_route(&row).await?;
        self.record(
            &s.into(),
            &crate::RequestCtx::local(s.actor.listener_zone),
            "case.route",
            &format!("region:{region_code}"),
            palmgrid_domain::audit::RESULT_OK,
            json!({"category": category, "lead": lead, "assisting": assisting}),
        )
        .await?;
        Ok(())
    }

    /// Adds a user to a department's handlers, or removes them (administrators).
    pub async fn set_department_member(
        &self,
        s: &Session,
        department: &str,
        user_id: &str,
        member: bool,
    ) -> Result<()> {
        let scope = s.actor.grants.iter().find(|g| g.role == Role::DistrictAdmin).and_then(|g| g.scope.clone());
        self.authorize(s, Action::ManageCaseSettings, &Resource::CaseSettings(scope))?;
        if self.cases.categories.department(department).is_none() {
            return Err(AppError::NotFound);
        }
        self.store.user_by_id(user_id).await?.ok_or(AppError::NotFound)?;
        if member {
            self.store.add_department_member(department, user_id, self.now_ms()).await?;
        } else {
            self.store.remove_department_member(department, user_id).await?;
        }
        self.record(
            &s.into(),
            &crate::RequestCtx::local(s.actor.listener_zone),
            if member { "department.add_member" } else { "department.remove_member" },
            &format!("user:{user_id}"),
            palmgrid_domain::audit::RESULT_OK,
            json!({"department": department}),
        )
        .await?;
        Ok(())
    }

    /// A user's notifications after `after_id`.
    pub async fn notifications(&self, s: &Session, after_id: i64) -> Result<Vec<NotificationRow>> {
        Ok(self.store.notifications(&s.user_id, after_id, 200).await?)
    }

    pub async fn mark_notifications_read(&self, s: &Session, up_to_id: i64) -> Result<u64> {
        Ok(self.store.mark_notifications_read(&s.user_id, up_to_id, self.now_ms()).await?)
    }
}

/// Evidence offered for a case.
#[derive(Debug, Clone)]
pub enum EvidenceInput {
    Photo { bytes: Vec<u8>, note: Option<String> },
    Video { camera_id: String, from_ms: i64, to_ms: i64, note: Option<String> },
}

/// `YYYYMMDD` of a time in China Standard Time.
pub fn local_day(ms: i64) -> String {
    let days = (ms + 8 * 3_600_000).div_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}{m:02}{d:02}")
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_numbers_use_the_local_day() {
        // 2026-12-04 16:30 UTC is 2026-12-05 00:30 in China.
        assert_eq!(local_day(1_796_401_800_000), "20261205");
        assert_eq!(local_day(0), "19700101");
        for d in [-1000, 0, 59, 60, 365, 10_957, 20_000, 20_797] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(palmgrid_domain::calendar::days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn the_share_used_counts_like_the_limit() {
        let cal = BusinessCalendar::standard();
        // Monday 2026-12-07 08:30 CST.
        let mon = palmgrid_domain::calendar::parse_day("2026-12-07").unwrap() * 86_400_000 + 30_600_000 - 28_800_000;
        let deadline = cal.deadline(mon, Limit::WorkingHours(2));
        assert!((share_used(&cal, Limit::WorkingHours(2), mon, deadline, mon + 96 * 60_000) - 0.8).abs() < 1e-9);
        // The lunch break does not count.
        let noon = mon + 3 * 3_600_000 + 1_800_000; // 12:00
        let d2 = cal.deadline(noon, Limit::WorkingHours(1));
        assert_eq!(share_used(&cal, Limit::WorkingHours(1), noon, d2, noon + 2 * 3_600_000), 0.0);
        let day = 86_400_000;
        assert_eq!(share_used(&cal, Limit::CalendarDays(2), 0, 2 * day, day), 0.5);
    }
}
