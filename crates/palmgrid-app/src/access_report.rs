//! 民主监督: the camera-access report of a community. For every camera of the community
//! (never a public-security camera), how often its video was viewed in a period — live,
//! playback, snapshot — by which role, for which purpose and for which case. It is read from
//! the audit log, so it counts exactly what was audited. Viewer identities are only for
//! auditors; members see counts.

use crate::{App, AppError, Result, Session};
use palmgrid_domain::authz::{Action, Resource};
use palmgrid_domain::{RegionCode, Zone};
use std::collections::BTreeMap;

/// The longest period one report covers, in days.
pub const MAX_REPORT_DAYS: i64 = 366;
/// At most this many views are read for one report; a report that reaches it says so.
pub const MAX_REPORT_VIEWS: i64 = 100_000;

/// One audited view, with who viewed (only in an auditor's report).
#[derive(Debug, Clone, PartialEq)]
pub struct Viewer {
    pub ts_ms: i64,
    /// The account's user name, as the audit log holds it.
    pub name: String,
    /// The account's display name today (empty if the account is gone).
    pub display_name: String,
    pub role: String,
    /// `live`, `playback` or `snapshot`.
    pub kind: String,
    pub purpose: String,
}

/// How one camera was viewed in the period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CameraAccess {
    pub camera_id: String,
    pub name: String,
    pub grid_code: Option<String>,
    pub views: i64,
    /// By kind: `live`, `playback`, `snapshot`.
    pub by_kind: BTreeMap<String, i64>,
    /// By the viewer's role.
    pub by_role: BTreeMap<String, i64>,
    /// By purpose (the part before `:`, e.g. `patrol`, `evidence`, `议题`).
    pub by_purpose: BTreeMap<String, i64>,
    /// By case number, for purposes naming a case of this community (`evidence:<number>`).
    pub by_case: BTreeMap<String, i64>,
    /// Only in an auditor's report.
    pub viewers: Option<Vec<Viewer>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccessReport {
    pub community: String,
    pub from_ms: i64,
    pub to_ms: i64,
    pub cameras: Vec<CameraAccess>,
    /// True when the period held more views than one report reads: the counts are a lower bound.
    pub truncated: bool,
}

/// Splits an audited purpose into its kind and the case number it names, if any
/// (`evidence:202612050001` → (`evidence`, Some(`202612050001`))).
pub fn split_purpose(purpose: &str) -> (&str, Option<&str>) {
    match purpose.split_once(':') {
        Some((kind, case)) if !case.trim().is_empty() => (kind.trim(), Some(case.trim())),
        Some((kind, _)) => (kind.trim(), None),
        None => (purpose.trim(), None),
    }
}

/// The purpose as a member reads it: one of the app's fixed purposes, whatever an officer
/// typed (free text could name a person or a door), so counts never carry it. Auditors read
/// the purpose as audited.
pub fn public_purpose(kind: &str) -> &'static str {
    match kind {
        "patrol" | "日常巡查" => "patrol",
        "incident" | "事件核查" => "incident",
        "evidence" | "案件取证" => "evidence",
        "议题" | "议题取证" => "议题",
        _ => "other",
    }
}

impl App {
    /// The camera-access report of community `code` for `[from_ms, to_ms)`. Members of the
    /// space and auditors may read it; only auditors see who viewed.
    pub async fn camera_access_report(
        &self,
        s: &Session,
        code: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<AccessReport> {
        let c = RegionCode::parse(code).map_err(|e| AppError::Validation(e.to_string()))?;
        let auditor = self.authorize(s, Action::ReadAudit, &Resource::AuditLog).is_ok();
        if !auditor {
            let space = Resource::Community(c.clone());
            self.authorize(s, Action::ReadCommunity, &space).map_err(|_| AppError::NotFound)?;
        }
        let community = self.store.region_by_code(code).await?.ok_or(AppError::NotFound)?;
        if community.level != "community" {
            return Err(AppError::Validation(format!("{code} is not a community")));
        }
        if to_ms <= from_ms {
            return Err(AppError::Validation("the period must end after it starts".into()));
        }
        if to_ms - from_ms > MAX_REPORT_DAYS * 86_400_000 {
            return Err(AppError::Validation(format!("a report covers at most {MAX_REPORT_DAYS} days")));
        }
        let cameras: Vec<_> = self
            .store
            .list_cameras()
            .await?
            .into_iter()
            .filter(|cam| cam.zone != Zone::PoliceVideo.as_str())
            .filter(|cam| {
                cam.grid_code.as_deref().and_then(|g| RegionCode::parse(g).ok()).is_some_and(|g| g.is_within(&c))
            })
            .collect();
        let ids: Vec<String> = cameras.iter().map(|cam| cam.id.clone()).collect();
        let entries = self.store.camera_views(&ids, from_ms, to_ms, MAX_REPORT_VIEWS).await?;
        let truncated = entries.len() as i64 >= MAX_REPORT_VIEWS;
        // Case numbers count only for cases of this community: look up those the views name.
        let mut named: Vec<String> = entries
            .iter()
            .filter_map(|e| {
                let details: serde_json::Value = serde_json::from_str(&e.record.details).ok()?;
                let purpose = details["purpose"].as_str()?.to_owned();
                split_purpose(&purpose).1.map(str::to_owned)
            })
            .collect();
        named.sort();
        named.dedup();
        let community_cases = self.store.case_numbers_in_community(&community.id, &named).await?;
        let mut out: Vec<CameraAccess> = cameras
            .iter()
            .map(|cam| CameraAccess {
                camera_id: cam.id.clone(),
                name: cam.name.clone(),
                grid_code: cam.grid_code.clone(),
                viewers: auditor.then(Vec::new),
                ..Default::default()
            })
            .collect();
        let mut display: std::collections::HashMap<String, String> = Default::default();
        let index: std::collections::HashMap<String, usize> =
            ids.iter().enumerate().map(|(i, id)| (format!("camera:{id}"), i)).collect();
        for e in entries {
            let Some(&i) = index.get(&e.record.target) else { continue };
            let details: serde_json::Value = serde_json::from_str(&e.record.details).unwrap_or_default();
            let purpose = details["purpose"].as_str().unwrap_or("").to_string();
            let kind = e.record.action.trim_start_matches("video.").to_string();
            let a = &mut out[i];
            a.views += 1;
            *a.by_kind.entry(kind.clone()).or_default() += 1;
            *a.by_role.entry(e.record.actor_role.clone()).or_default() += 1;
            let (purpose_kind, case) = split_purpose(&purpose);
            let purpose_kind = if auditor { purpose_kind } else { public_purpose(purpose_kind) };
            *a.by_purpose.entry(purpose_kind.to_string()).or_default() += 1;
            if let Some(n) = case.filter(|n| community_cases.contains(*n)) {
                *a.by_case.entry(n.to_string()).or_default() += 1;
            }
            if let Some(v) = a.viewers.as_mut() {
                let display_name = match &e.record.actor_id {
                    Some(id) if !display.contains_key(id) => {
                        let n = self.store.user_by_id(id).await?.map(|u| u.display_name).unwrap_or_default();
                        display.insert(id.clone(), n.clone());
                        n
                    }
                    Some(id) => display[id].clone(),
                    None => String::new(),
                };
                v.push(Viewer {
                    ts_ms: e.ts_ms,
                    name: e.record.actor_name,
                    display_name,
                    role: e.record.actor_role,
                    kind,
                    purpose,
                });
            }
        }
        Ok(AccessReport { community: code.to_string(), from_ms, to_ms, cameras: out, truncated })
    }
}

#[cfg(test)]
mod tests {
    use super::{public_purpose, split_purpose};

    #[test]
    fn members_read_only_the_fixed_purposes() {
        assert_eq!(public_purpose("日常巡查"), "patrol");
        assert_eq!(public_purpose("evidence"), "evidence");
        assert_eq!(public_purpose("议题取证"), "议题");
        assert_eq!(public_purpose("查看张三家门口"), "other");
    }

    #[test]
    fn purposes_split_into_kind_and_case() {
        assert_eq!(split_purpose("patrol"), ("patrol", None));
        assert_eq!(split_purpose("evidence:202612050001"), ("evidence", Some("202612050001")));
        assert_eq!(split_purpose(" evidence : 202612050001 "), ("evidence", Some("202612050001")));
        assert_eq!(split_purpose("evidence:"), ("evidence", None));
        assert_eq!(split_purpose("议题:202612050002"), ("议题", Some("202612050002")));
    }
}
