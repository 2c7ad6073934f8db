//! The roles of DESIGN §2. A role alone grants nothing: a membership binds it to a region
//! subtree, and [`crate::authz::can`] decides.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    DistrictAdmin,
    CommandOperator,
    SupervisionOperator,
    CommunitySecretary,
    GridOfficer,
    DepartmentHandler,
    PoliceViewer,
    PropertyManager,
    LocalUnit,
    SocialOrg,
    Resident,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 12] = [
        Role::DistrictAdmin,
        Role::CommandOperator,
        Role::SupervisionOperator,
        Role::CommunitySecretary,
        Role::GridOfficer,
        Role::DepartmentHandler,
        Role::PoliceViewer,
        Role::PropertyManager,
        Role::LocalUnit,
        Role::SocialOrg,
        Role::Resident,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::DistrictAdmin => "district_admin",
            Role::CommandOperator => "command_operator",
            Role::SupervisionOperator => "supervision_operator",
            Role::CommunitySecretary => "community_secretary",
            Role::GridOfficer => "grid_officer",
            Role::DepartmentHandler => "department_handler",
            Role::PoliceViewer => "police_viewer",
            Role::PropertyManager => "property_manager",
            Role::LocalUnit => "local_unit",
            Role::SocialOrg => "social_org",
            Role::Resident => "resident",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The zh-CN name used in the UI and in rendered documents.
    pub fn zh_name(self) -> &'static str {
        match self {
            Role::DistrictAdmin => "区级管理员",
            Role::CommandOperator => "指挥中心",
            Role::SupervisionOperator => "监督中心",
            Role::CommunitySecretary => "社区书记/主任",
            Role::GridOfficer => "网格员",
            Role::DepartmentHandler => "部门处置人员",
            Role::PoliceViewer => "公安",
            Role::PropertyManager => "物业",
            Role::LocalUnit => "驻区单位",
            Role::SocialOrg => "社会组织",
            Role::Resident => "居民",
            Role::Auditor => "审计员",
        }
    }

    /// Roles whose accounts must use a second factor (MLPS level 3, security checklist AUTH‑4).
    pub fn requires_totp(self) -> bool {
        matches!(self, Role::DistrictAdmin | Role::PoliceViewer | Role::Auditor)
    }

    /// Staff roles get the short idle timeout; community members keep longer sessions.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::PropertyManager | Role::LocalUnit | Role::SocialOrg | Role::Resident)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert!(seen.insert(r.as_str()));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
