//! Case categories (GB/T 30428.2 事件 and 部件) as versioned data a city can extend.
//!
//! A category set is a JSON document: the departments, and the leaf categories with the
//! filing and closure conditions, the time limits of dispatch, handling and closure, and the
//! department a case of that kind goes to by default. Codes are a kind letter (`E` 事件,
//! `C` 部件), a two-digit major class and a two-digit minor class, e.g. `E0101` 暴露垃圾.
//! A new version is a new document: cases keep the version they were filed under.

use crate::calendar::Limit;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// 事件: a condition a department restores (garbage left, a stall on the pavement).
    Event,
    /// 部件: a public asset that needs repair (a manhole cover, a street lamp).
    Component,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Stable identifier, e.g. `sanitation`.
    pub code: String,
    /// e.g. 环卫.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: String,
    pub kind: CaseKind,
    /// Name of the major class (大类), e.g. 市容环境.
    pub major: String,
    /// Name of the leaf (小类), e.g. 暴露垃圾.
    pub name: String,
    /// 立案条件: when a report of this kind is a case.
    pub filing: String,
    /// 结案条件: what the check must find before closing.
    pub closing: String,
    pub dispatch_limit: Limit,
    pub handle_limit: Limit,
    pub close_limit: Limit,
    /// Code of the department cases go to unless the routing matrix says otherwise.
    pub department: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategorySet {
    pub version: u32,
    pub departments: Vec<Department>,
    pub categories: Vec<Category>,
}

impl CategorySet {
    /// Parses and checks a category document; every problem is listed.
    pub fn parse(json: &str) -> Result<CategorySet, Vec<String>> {
        let set: CategorySet = serde_json::from_str(json).map_err(|e| vec![format!("not a category set: {e}")])?;
        let problems = set.problems();
        if problems.is_empty() { Ok(set) } else { Err(problems) }
    }

    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.version == 0 {
            out.push("version must be 1 or more".into());
        }
        let mut deps = HashSet::new();
        for d in &self.departments {
            let ok = !d.code.is_empty() && d.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if !ok {
                out.push(format!("department code {:?} must be lowercase letters and _", d.code));
            }
            if d.name.trim().is_empty() {
                out.push(format!("department {} has no name", d.code));
            }
            if !deps.insert(d.code.as_str()) {
                out.push(format!("department {} appears twice", d.code));
            }
        }
        let mut codes = HashSet::new();
        for c in &self.categories {
            let b = c.code.as_bytes();
            let letter = match c.kind {
                CaseKind::Event => b'E',
                CaseKind::Component => b'C',
            };
            if b.len() != 5 || b[0] != letter || !b[1..].iter().all(u8::is_ascii_digit) {
                out.push(format!("category code {:?} must be {}NNNN for a {:?}", c.code, letter as char, c.kind));
            }
            if !codes.insert(c.code.as_str()) {
                out.push(format!("category {} appears twice", c.code));
            }
            for (what, text) in [("major", &c.major), ("name", &c.name), ("filing", &c.filing), ("closing", &c.closing)]
            {
                if text.trim().is_empty() {
                    out.push(format!("category {} has no {what}", c.code));
                }
            }
            for (what, l) in [("dispatch", c.dispatch_limit), ("handle", c.handle_limit), ("close", c.close_limit)] {
                if matches!(l, Limit::WorkingHours(0) | Limit::CalendarDays(0)) {
                    out.push(format!("category {}: the {what} limit must be more than 0", c.code));
                }
            }
            if !deps.contains(c.department.as_str()) {
                out.push(format!("category {}: unknown department {}", c.code, c.department));
            }
        }
        out
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn department(&self, code: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.code == code)
    }
}

/// The demo district's categories and departments (a realistic subset of GB/T 30428.2 as
/// cities extend it).
pub const DEMO_CATEGORIES: &str = include_str!("../data/categories.json");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_set_is_valid_and_covers_the_departments() {
        let set = CategorySet::parse(DEMO_CATEGORIES).unwrap();
        let names: Vec<&str> = set.departments.iter().map(|d| d.name.as_str()).collect();
        for d in ["公安", "交通", "环卫", "住建", "城管"] {
            assert!(names.contains(&d), "{d}");
        }
        let majors: HashSet<&str> = set.categories.iter().map(|c| c.major.as_str()).collect();
        for m in ["市容环境", "街面秩序", "施工管理", "突发事件", "公用设施", "道路交通"] {
            assert!(majors.contains(m), "{m}");
        }
        let garbage = set.category("E0101").unwrap();
        assert_eq!((garbage.name.as_str(), garbage.department.as_str()), ("暴露垃圾", "sanitation"));
        assert!(set.categories.iter().any(|c| c.kind == CaseKind::Component));
    }

    #[test]
    fn every_problem_of_a_bad_set_is_listed() {
        let bad = r#"{"version": 0,
            "departments": [{"code": "Sanitation", "name": "环卫"}, {"code": "x", "name": ""}],
            "categories": [
              {"code": "C0101", "kind": "event", "major": "市容环境", "name": "暴露垃圾", "filing": "a", "closing": "b",
               "dispatch_limit": {"unit": "working_hours", "value": 0},
               "handle_limit": {"unit": "working_hours", "value": 2},
               "close_limit": {"unit": "calendar_days", "value": 1}, "department": "nobody"}]}"#;
        let p = CategorySet::parse(bad).unwrap_err();
        assert_eq!(p.len(), 6, "{p:#?}");
        assert!(CategorySet::parse("{").is_err());
        assert!(CategorySet::parse(r#"{"version": 1, "departments": [], "categories": [], "extra": 1}"#).is_err());
    }
}
