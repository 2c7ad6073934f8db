//! Case metrics by region, department, grid or officer for any period, computed from the
//! case event log (`palmgrid_domain::case_metrics`), never typed; CSV and XLSX exports.

use crate::{App, AppError, Result, Session};
use palmgrid_domain::RegionCode;
use palmgrid_domain::authz::{Action, Resource};
use palmgrid_domain::case_metrics::{CaseTimes, Metrics, compute};
use palmgrid_store::{CaseEventRow, CaseFilter};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Street,
    Community,
    Grid,
    /// The lead department the case was last dispatched to.
    Department,
    /// The grid officers responsible for the case's grid (a case counts for each of them).
    Officer,
}

impl GroupBy {
    pub fn parse(s: Option<&str>) -> Result<GroupBy> {
        Ok(match s.unwrap_or("grid") {
            "street" => GroupBy::Street,
            "community" => GroupBy::Community,
            "grid" => GroupBy::Grid,
            "department" => GroupBy::Department,
            "officer" => GroupBy::Officer,
            other => {
                return Err(AppError::Validation(format!(
                    "group_by must be street, community, grid, department or officer, not {other:?}"
                )));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Street => "street",
            GroupBy::Community => "community",
            GroupBy::Grid => "grid",
            GroupBy::Department => "department",
            GroupBy::Officer => "officer",
        }
    }
}

/// One group's metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsRow {
    pub key: String,
    pub name: String,
    pub metrics: Metrics,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricsReport {
    pub region: String,
    pub from_ms: i64,
    pub to_ms: i64,
    pub group_by: GroupBy,
    pub total: Metrics,
    pub rows: Vec<MetricsRow>,
}

fn detail_i64(e: &CaseEventRow, key: &str) -> Option<i64> {
    serde_json::from_str::<Value>(&e.details).ok()?.get(key)?.as_i64()
}

/// A case's times from its event log: registered, dispatched, the feedback a check
/// accepted, closed (reopening clears it), failed checks, and the deadlines written when
/// they were computed (at registration, dispatch, rework and approved extensions).
pub fn times_of(events: &[&CaseEventRow]) -> CaseTimes {
    let mut t = CaseTimes::default();
    let mut last_feedback = None;
    for e in events {
        match e.action.as_str() {
            "register" => {
                t.registered_ms.get_or_insert(e.at_ms);
                if let Some(d) = detail_i64(e, "close_deadline_ms") {
                    t.close_deadline_ms = Some(d);
                }
            }
            "dispatch" => {
                t.dispatched_ms = Some(e.at_ms);
                t.handle_deadline_ms = detail_i64(e, "handle_deadline_ms");
            }
            "check_fail" => {
                t.reworks += 1;
                t.handle_deadline_ms = detail_i64(e, "handle_deadline_ms").or(t.handle_deadline_ms);
            }
            "decide_extension" => {
                t.handle_deadline_ms = detail_i64(e, "handle_deadline_ms").or(t.handle_deadline_ms);
                t.close_deadline_ms = detail_i64(e, "close_deadline_ms").or(t.close_deadline_ms);
            }
            "feedback" => last_feedback = Some(e.at_ms),
            "check_pass" => t.handled_ms = last_feedback,
            "close" => t.closed_ms = Some(e.at_ms),
            "reopen" => t.closed_ms = None,
            "cancel" | "merge" => t.withdrawn = t.registered_ms.is_some(),
            _ => {}
        }
    }
    t
}

fn last_lead(events: &[&CaseEventRow]) -> Option<String> {
    events
        .iter()
        .rev()
        .filter(|e| e.action == "dispatch")
        .find_map(|e| serde_json::from_str::<Value>(&e.details).ok()?.get("lead")?.as_str().map(String::from))
}

impl App {
    /// Metrics of the cases in `region` (default: the caller's first scope) for
    /// `[from_ms, to_ms)`, grouped.
    pub async fn case_metrics(
        &self,
        s: &Session,
        region: Option<&str>,
        from_ms: i64,
        to_ms: i64,
        group_by: GroupBy,
    ) -> Result<MetricsReport> {
        if to_ms <= from_ms {
            return Err(AppError::Validation("the period must end after it starts".into()));
        }
        let region = match region {
            Some(c) => RegionCode::parse(c).map_err(|e| AppError::Validation(e.to_string()))?,
            None => s
                .actor
                .grants
                .iter()
                .find_map(|g| g.scope.clone())
                .ok_or_else(|| AppError::Validation("name the region".into()))?,
        };
        self.authorize(s, Action::ReadCaseMetrics, &Resource::Region(Some(region.clone())))?;
        let regions = self.store.list_regions().await?;
        let names: HashMap<&str, &str> = regions.iter().map(|r| (r.code.as_str(), r.name.as_str())).collect();
        let cases = self
            .store
            .list_cases(&CaseFilter { created_to_ms: Some(to_ms), limit: i64::MAX, ..Default::default() })
            .await?;
        let cases: Vec<_> = cases
            .into_iter()
            .filter(|c| {
                c.grid_code.as_deref().and_then(|g| RegionCode::parse(g).ok()).is_some_and(|g| g.is_within(&region))
            })
            .collect();
        let events = self.store.all_case_events(to_ms).await?;
        let mut by_case: HashMap<&str, Vec<&CaseEventRow>> = HashMap::new();
        for e in &events {
            by_case.entry(e.case_id.as_str()).or_default().push(e);
        }
        let officers = if group_by == GroupBy::Officer {
            let ids: HashMap<String, String> = regions.iter().map(|r| (r.id.clone(), r.code.clone())).collect();
            let mut m: HashMap<String, Vec<(String, String)>> = HashMap::new();
            for (region_id, _, user, name) in self.store.role_holders_by_region(&["grid_officer"]).await? {
                if let Some(code) = ids.get(&region_id) {
                    m.entry(code.clone()).or_default().push((user, name));
                }
            }
            m
        } else {
            HashMap::new()
        };
        let mut all = Vec::new();
        let mut groups: BTreeMap<String, (String, Vec<CaseTimes>)> = BTreeMap::new();
        for c in &cases {
            let evs = by_case.get(c.id.as_str()).map(Vec::as_slice).unwrap_or_default();
            let times = times_of(evs);
            let grid = c.grid_code.clone().unwrap_or_default();
            let code_at = |levels: usize| {
                let code = RegionCode::parse(&grid).ok();
                let mut code = code;
                for _ in 0..levels {
                    code = code.and_then(|c| c.parent());
                }
                code.map(|c| c.to_string()).unwrap_or_default()
            };
            let keys: Vec<(String, String)> = match group_by {
                GroupBy::Grid => vec![(grid.clone(), String::new())],
                GroupBy::Community => vec![(code_at(1), String::new())],
                GroupBy::Street => vec![(code_at(2), String::new())],
                GroupBy::Department => {
                    let d = last_lead(evs).unwrap_or_default();
                    let name =
                        self.cases.categories.department(&d).map(|d| d.name.clone()).unwrap_or_else(|| "未派遣".into());
                    vec![(d, name)]
                }
                GroupBy::Officer => officers.get(&grid).cloned().unwrap_or_default(),
            };
            for (key, name) in keys {
                let name = if name.is_empty() {
                    names.get(key.as_str()).map(|n| n.to_string()).unwrap_or_default()
                } else {
                    name
                };
                groups.entry(key).or_insert_with(|| (name, Vec::new())).1.push(times.clone());
            }
            all.push(times);
        }
        Ok(MetricsReport {
            region: region.to_string(),
            from_ms,
            to_ms,
            group_by,
            total: compute(&all, from_ms, to_ms),
            rows: groups
                .into_iter()
                .map(|(key, (name, times))| MetricsRow { key, name, metrics: compute(&times, from_ms, to_ms) })
                .collect(),
        })
    }
}

/// The column headings of an export, in order.
pub const COLUMNS: [&str; 16] = [
    "编码",
    "名称",
    "立案数",
    "应结案数",
    "结案数",
    "按期结案数",
    "结案率",
    "按期结案率",
    "应处置数",
    "处置数",
    "按期处置数",
    "处置率",
    "按期处置率",
    "返工数",
    "返工率",
    "平均处置时长(小时)",
];

/// A row's cells as numbers (rates as fractions, absent ones as `None`).
pub fn numbers(m: &Metrics) -> [Option<f64>; 14] {
    [
        Some(m.registered as f64),
        Some(m.due as f64),
        Some(m.closed as f64),
        Some(m.closed_on_time as f64),
        m.close_rate,
        m.on_time_close_rate,
        Some(m.handling_due as f64),
        Some(m.handled as f64),
        Some(m.handled_on_time as f64),
        m.handle_rate,
        m.on_time_handle_rate,
        Some(m.reworked as f64),
        m.rework_rate,
        m.mean_handling_hours,
    ]
}

fn report_rows(r: &MetricsReport) -> Vec<(String, String, &Metrics)> {
    let mut rows: Vec<(String, String, &Metrics)> =
        r.rows.iter().map(|row| (row.key.clone(), row.name.clone(), &row.metrics)).collect();
    rows.push((r.region.clone(), "合计".into(), &r.total));
    rows
}

fn csv_field(s: &str) -> String {
    // Cells that a spreadsheet would run as a formula are quoted with a leading apostrophe.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// The report as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese).
pub fn to_csv(r: &MetricsReport) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&COLUMNS.join(","));
    out.push_str("\r\n");
    for (key, name, m) in report_rows(r) {
        let mut cells = vec![csv_field(&key), csv_field(&name)];
        cells.extend(
            numbers(m).iter().map(|n| n.map(|v| format!("{}", (v * 10_000.0).round() / 10_000.0)).unwrap_or_default()),
        );
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The report as an XLSX workbook with one sheet.
pub fn to_xlsx(r: &MetricsReport) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("案件指标").map_err(err)?;
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.00%");
    for (c, h) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(err)?;
    }
    for (i, (key, name, m)) in report_rows(r).into_iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, key).map_err(err)?;
        ws.write_string(row, 1, name).map_err(err)?;
        for (j, v) in numbers(m).iter().enumerate() {
            let col = j as u16 + 2;
            let is_rate = matches!(j, 4 | 5 | 9 | 10 | 12);
            match v {
                Some(v) if is_rate => ws.write_number_with_format(row, col, *v, &pct).map_err(err)?,
                Some(v) => ws.write_number(row, col, *v).map_err(err)?,
                None => ws,
            };
        }
    }
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(action: &str, at_ms: i64, details: &str) -> CaseEventRow {
        CaseEventRow {
            id: 0,
            case_id: "c".into(),
            action: action.into(),
            from_state: None,
            to_state: String::new(),
            actor_id: None,
            actor_name: String::new(),
            actor_role: String::new(),
            reason: None,
            details: details.into(),
            at_ms,
        }
    }

    #[test]
    fn times_follow_the_log() {
        let log = [
            ev("report", 0, "{}"),
            ev("register", 10, r#"{"close_deadline_ms": 1000}"#),
            ev("dispatch", 20, r#"{"lead": "sanitation", "handle_deadline_ms": 500}"#),
            ev("feedback", 100, "{}"),
            ev("check_fail", 110, r#"{"handle_deadline_ms": 600}"#),
            ev("feedback", 200, "{}"),
            ev("check_pass", 210, "{}"),
            ev("close", 300, "{}"),
            ev("reopen", 350, "{}"),
            ev("close", 400, "{}"),
        ];
        let refs: Vec<&CaseEventRow> = log.iter().collect();
        let t = times_of(&refs);
        assert_eq!(
            t,
            CaseTimes {
                registered_ms: Some(10),
                withdrawn: false,
                close_deadline_ms: Some(1000),
                closed_ms: Some(400),
                dispatched_ms: Some(20),
                handle_deadline_ms: Some(600),
                handled_ms: Some(200),
                reworks: 1,
            }
        );
        assert_eq!(last_lead(&refs).as_deref(), Some("sanitation"));
        let cancelled = [ev("register", 1, "{}"), ev("cancel", 2, "{}")];
        assert!(times_of(&cancelled.iter().collect::<Vec<_>>()).withdrawn);
        let never = [ev("cancel", 2, "{}")];
        assert!(!times_of(&never.iter().collect::<Vec<_>>()).withdrawn, "never registered, never due");
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("牛角巷"), "牛角巷");
        assert_eq!(csv_field("x\ny"), "\"x\ny\"");
    }
}
