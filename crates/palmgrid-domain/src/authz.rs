//! Authorisation: one function, [`can`], decides every (actor, action, resource) question.
//!
//! Default deny: a request is allowed only by a rule below that names the role, and only
//! inside the region subtree of that role's membership. Zones come first: a police-zone
//! resource asked for on a lower listener is [`Decision::Hidden`], which the API turns into
//! the same 404 as an unknown id, so the internet gateway is no existence oracle.
//!
//! `docs/permissions.md` is rendered from this function by a golden test; change a rule
//! and the test shows the difference.

use crate::{RegionCode, Role, UserId, Zone};
use serde::Serialize;

/// One grant: a role over a region subtree. `scope: None` means the whole deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    pub scope: Option<RegionCode>,
}

impl Grant {
    /// Whether `code` lies inside this grant's subtree.
    pub fn covers(&self, code: Option<&RegionCode>) -> bool {
        match (&self.scope, code) {
            (None, _) => true,
            (Some(scope), Some(code)) => code.is_within(scope),
            (Some(_), None) => false,
        }
    }

    /// Whether `code` is inside this subtree or one of its ancestors (for reading names
    /// of the regions above one's own).
    fn sees_region(&self, code: &RegionCode) -> bool {
        match &self.scope {
            None => true,
            Some(scope) => code.is_within(scope) || scope.is_within(code),
        }
    }
}

/// Who is asking, with all their grants, on which listener.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub grants: Vec<Grant>,
    pub listener_zone: Zone,
}

impl Actor {
    pub fn roles(&self) -> impl Iterator<Item = Role> + '_ {
        self.grants.iter().map(|g| g.role)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles().any(|r| r == role)
    }
}

/// A top-level part of the app, shown as a tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Module {
    Video,
    Cases,
    Community,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read one's own profile, change one's own password and second factor.
    ReadSelf,
    /// Open a module of the app.
    OpenModule,
    ReadRegion,
    /// Find which grid a point is in (grid boundaries and names are public administrative
    /// facts; residents need them to report a problem).
    LocateGrid,
    ManageRegion,
    /// List, create and disable user accounts.
    ManageUsers,
    /// Grant or revoke a role over a region subtree.
    GrantRole,
    ReadAudit,
    ListCameras,
    ViewLive,
    ViewRecording,
    ViewSnapshot,
    ManageCameras,
    /// Report a problem located in a grid (上报): anyone but an auditor, anywhere, like a
    /// call to 12345.
    ReportCase,
    /// Enter a case for someone else: a hotline call or an assignment from above.
    EnterCase,
    /// See a case, its timeline and evidence. What one may *do* to a visible case is
    /// decided by `case::decide`.
    ReadCase,
    /// Read the case metrics of a region.
    ReadCaseMetrics,
    /// The routing matrix, department members and API keys for other systems.
    ManageCaseSettings,
    /// Read a community space: its topics, comments, polls, action items and board.
    ReadCommunity,
    /// Comment on topics and vote in polls (the community's residents and units).
    TakePart,
    /// Set topics, move their phases, record decisions and make action items; register
    /// mediation cases.
    ManageTopics,
    /// See a mediation case: only its parties and its mediator, whatever their role.
    ReadMediation,
    /// See a service request: whoever filed it, its desk, and the staff running the space.
    ReadServiceRequest,
    /// Accept and complete a service request: the property manager for the property desk,
    /// the staff running the space for the committee desk.
    HandleServiceRequest,
}

impl Action {
    pub const ALL: [Action; 24] = [
        Action::ReadSelf,
        Action::OpenModule,
        Action::ReadRegion,
        Action::LocateGrid,
        Action::ManageRegion,
        Action::ManageUsers,
        Action::GrantRole,
        Action::ReadAudit,
        Action::ListCameras,
        Action::ViewLive,
        Action::ViewRecording,
        Action::ViewSnapshot,
        Action::ManageCameras,
        Action::ReportCase,
        Action::EnterCase,
        Action::ReadCase,
        Action::ReadCaseMetrics,
        Action::ManageCaseSettings,
        Action::ReadCommunity,
        Action::TakePart,
        Action::ManageTopics,
        Action::ReadMediation,
        Action::ReadServiceRequest,
        Action::HandleServiceRequest,
    ];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// The actor's own account.
    Myself,
    Module(Module),
    /// A region, identified by its code. `None` stands for a new root (a district).
    Region(Option<RegionCode>),
    /// The user directory as a whole.
    Directory,
    /// A role granted over a subtree (`None`: the whole deployment).
    Grant {
        role: Role,
        scope: Option<RegionCode>,
    },
    AuditLog,
    /// A camera located in a region (or not yet placed), in a zone.
    Camera {
        region: Option<RegionCode>,
        zone: Zone,
    },
    /// A case in a grid (or, reported outside every grid, in none), and who the actor is to it.
    Case {
        region: Option<RegionCode>,
        /// The actor reported it.
        reporter: bool,
        /// The actor handles cases for its lead or an assisting department.
        department: bool,
    },
    /// Case settings (routing, departments, API keys) of a region subtree.
    CaseSettings(Option<RegionCode>),
    /// A community space (the community region).
    Community(RegionCode),
    /// A mediation case, and whether the actor is one of its parties or its mediator.
    Mediation {
        involved: bool,
    },
    /// A service request in a community, the desk it is with, and whether the actor filed it.
    ServiceRequest {
        community: RegionCode,
        desk: crate::community::ServiceDesk,
        requester: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    Deny,
    /// The resource must look as if it did not exist (zone isolation).
    Hidden,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Roles that watch non-police cameras in their scope.
const VIDEO_ROLES: [Role; 5] = [
    Role::DistrictAdmin,
    Role::CommandOperator,
    Role::SupervisionOperator,
    Role::CommunitySecretary,
    Role::GridOfficer,
];

/// Roles that belong to community spaces (社区 module).
const COMMUNITY_ROLES: [Role; 7] = [
    Role::DistrictAdmin,
    Role::CommunitySecretary,
    Role::GridOfficer,
    Role::PropertyManager,
    Role::LocalUnit,
    Role::SocialOrg,
    Role::Resident,
];

/// The single authorisation decision.
pub fn can(actor: &Actor, action: Action, resource: &Resource) -> Decision {
    if let Resource::Camera { zone, .. } = resource
        && !zone.visible_on(actor.listener_zone)
    {
        return Decision::Hidden;
    }
    // Every signed-in account reads itself, also one with no role yet (a newcomer waiting
    // for the staff to verify it), so the app can say so.
    if (action, resource) == (Action::ReadSelf, &Resource::Myself) {
        return Decision::Allow;
    }
    let allowed = actor.grants.iter().any(|g| grant_allows(g, action, resource));
    if allowed { Decision::Allow } else { Decision::Deny }
}

fn grant_allows(g: &Grant, action: Action, resource: &Resource) -> bool {
    use Action as A;
    use Resource as R;
    use Role::*;
    match (action, resource) {
        (A::OpenModule, R::Module(m)) => match m {
            Module::Video => VIDEO_ROLES.contains(&g.role) || g.role == PoliceViewer,
            Module::Cases => g.role != Auditor,
            Module::Community => COMMUNITY_ROLES.contains(&g.role),
        },
        (A::ReadRegion, R::Region(Some(code))) => g.sees_region(code),
        (A::LocateGrid, R::Region(Some(_))) => true,
        (A::ManageRegion, R::Region(code)) => g.role == DistrictAdmin && g.covers(code.as_ref()),
        (A::ManageUsers, R::Directory) => g.role == DistrictAdmin,
        // An admin grants only inside their own subtree; a deployment-wide grant needs a
        // deployment-wide admin. Auditors cannot grant anything (separation of duties).
        (A::GrantRole, R::Grant { scope, .. }) => g.role == DistrictAdmin && g.covers(scope.as_ref()),
        (A::ReadAudit, R::AuditLog) => g.role == Auditor,
        (A::ListCameras | A::ViewLive | A::ViewRecording | A::ViewSnapshot, R::Camera { region, zone }) => {
            let role_ok = if *zone == Zone::PoliceVideo {
                matches!(g.role, PoliceViewer | DistrictAdmin)
            } else {
                VIDEO_ROLES.contains(&g.role)
            };
            role_ok && g.covers(region.as_ref())
        }
        (A::ManageCameras, R::Camera { region, .. }) => g.role == DistrictAdmin && g.covers(region.as_ref()),
        (A::ReportCase, R::Region(Some(_))) => g.role != Auditor,
        (A::EnterCase, R::Region(Some(code))) => {
            matches!(g.role, DistrictAdmin | CommandOperator | SupervisionOperator) && g.covers(Some(code))
        }
        // Staff of the case's area see it; a department's handlers see the cases their
        // department leads or assists in their area; a reporter sees their own report.
        (A::ReadCase, R::Case { region, reporter, department }) => {
            *reporter && g.role != Auditor
                || (VIDEO_ROLES.contains(&g.role) || g.role == DepartmentHandler && *department)
                    && g.covers(region.as_ref())
        }
        (A::ReadCaseMetrics, R::Region(Some(code))) => VIDEO_ROLES.contains(&g.role) && g.covers(Some(code)),
        (A::ManageCaseSettings, R::CaseSettings(code)) => g.role == DistrictAdmin && g.covers(code.as_ref()),
        // A member of a community space holds a community role over the community, above it
        // (admins) or inside it (an officer's grid).
        (A::ReadCommunity, R::Community(code)) => COMMUNITY_ROLES.contains(&g.role) && g.sees_region(code),
        // Taking part is for the community's people and units; staff run the space.
        (A::TakePart, R::Community(code)) => {
            matches!(g.role, Resident | PropertyManager | LocalUnit | SocialOrg) && g.sees_region(code)
        }
        (A::ManageTopics, R::Community(code)) => runs_space(g, code),
        (A::ReadServiceRequest, R::ServiceRequest { community, desk, requester }) => {
            *requester && g.role != Auditor || handles_desk(g, community, *desk) || runs_space(g, community)
        }
        (A::HandleServiceRequest, R::ServiceRequest { community, desk, .. }) => handles_desk(g, community, *desk),
        (A::ReadMediation, R::Mediation { involved }) => *involved && g.role != Auditor,
        _ => false,
    }
}

/// The staff running a community space: its secretary and admins over it, and the officers
/// of its grids.
fn runs_space(g: &Grant, community: &RegionCode) -> bool {
    match g.role {
        Role::DistrictAdmin | Role::CommunitySecretary => g.covers(Some(community)),
        Role::GridOfficer => g.sees_region(community),
        _ => false,
    }
}

/// Who works a service desk of a community: its property manager, or the staff running it.
fn handles_desk(g: &Grant, community: &RegionCode, desk: crate::community::ServiceDesk) -> bool {
    match desk {
        // The whole community's manager: a manager of one grid would otherwise read the
        // requests (names, addresses) of every estate in the community.
        crate::community::ServiceDesk::Property => g.role == Role::PropertyManager && g.covers(Some(community)),
        crate::community::ServiceDesk::Committee => runs_space(g, community),
    }
}

/// The tabs of the phone app an actor may use, in display order.
pub fn tabs(actor: &Actor) -> Vec<&'static str> {
    let mut tabs = vec!["home"];
    for (module, name) in [(Module::Video, "video"), (Module::Cases, "cases"), (Module::Community, "community")] {
        if can(actor, Action::OpenModule, &Resource::Module(module)).is_allowed() {
            tabs.push(name);
        }
    }
    tabs.push("me");
    tabs
}

/// Renders the role × action × resource matrix as Markdown (`docs/permissions.md`).
///
/// Each role is given one typical grant: district-wide roles over district 430407, community
/// roles over community 430407001001, grid officers over grid 430407001001001. "In scope"
/// resources sit in that grid; "out of scope" ones in another district.
pub fn render_matrix() -> String {
    let district = RegionCode::parse("430407").unwrap();
    let community = RegionCode::parse("430407001001").unwrap();
    let grid = RegionCode::parse("430407001001001").unwrap();
    let elsewhere = RegionCode::parse("430408001001001").unwrap();
    let scope_of = |role: Role| match role {
        Role::GridOfficer => grid.clone(),
        Role::CommunitySecretary | Role::PropertyManager | Role::LocalUnit | Role::SocialOrg | Role::Resident => {
            community.clone()
        }
        _ => district.clone(),
    };
    let cam = |region: &RegionCode, zone| Resource::Camera { region: Some(region.clone()), zone };
    let cases: Vec<(Action, &str, Resource, Zone)> = {
        let mut v = vec![
            (Action::ReadSelf, "own account", Resource::Myself, Zone::Internet),
            (Action::OpenModule, "视频 video module", Resource::Module(Module::Video), Zone::Internet),
            (Action::OpenModule, "事件 cases module", Resource::Module(Module::Cases), Zone::Internet),
            (Action::OpenModule, "社区 community module", Resource::Module(Module::Community), Zone::Internet),
            (Action::ReadRegion, "grid in scope", Resource::Region(Some(grid.clone())), Zone::Internet),
            (Action::ReadRegion, "district above scope", Resource::Region(Some(district.clone())), Zone::Internet),
            (Action::ReadRegion, "grid out of scope", Resource::Region(Some(elsewhere.clone())), Zone::Internet),
            (Action::LocateGrid, "grid out of scope", Resource::Region(Some(elsewhere.clone())), Zone::Internet),
            (Action::ManageRegion, "grid in scope", Resource::Region(Some(grid.clone())), Zone::Internet),
            (Action::ManageRegion, "grid out of scope", Resource::Region(Some(elsewhere.clone())), Zone::Internet),
            (Action::ManageRegion, "new district (root)", Resource::Region(None), Zone::Internet),
            (Action::ManageUsers, "user directory", Resource::Directory, Zone::Internet),
            (
                Action::GrantRole,
                "grid officer in scope",
                Resource::Grant { role: Role::GridOfficer, scope: Some(grid.clone()) },
                Zone::Internet,
            ),
            (
                Action::GrantRole,
                "grid officer out of scope",
                Resource::Grant { role: Role::GridOfficer, scope: Some(elsewhere.clone()) },
                Zone::Internet,
            ),
            (
                Action::GrantRole,
                "deployment-wide admin",
                Resource::Grant { role: Role::DistrictAdmin, scope: None },
                Zone::Internet,
            ),
            (Action::ReadAudit, "audit log", Resource::AuditLog, Zone::Internet),
        ];
        for action in [Action::ListCameras, Action::ViewLive, Action::ViewRecording, Action::ViewSnapshot] {
            v.push((action, "camera in scope (government)", cam(&grid, Zone::Government), Zone::Internet));
            v.push((action, "camera out of scope", cam(&elsewhere, Zone::Government), Zone::Internet));
            v.push((action, "police camera, internet listener", cam(&grid, Zone::PoliceVideo), Zone::Internet));
            v.push((action, "police camera, police listener", cam(&grid, Zone::PoliceVideo), Zone::PoliceVideo));
        }
        v.push((Action::ManageCameras, "camera in scope", cam(&grid, Zone::Contractor), Zone::Internet));
        v.push((Action::ManageCameras, "camera out of scope", cam(&elsewhere, Zone::Contractor), Zone::Internet));
        let case = |region: &RegionCode, reporter, department| Resource::Case {
            region: Some(region.clone()),
            reporter,
            department,
        };
        v.extend([
            (Action::ReportCase, "grid out of scope", Resource::Region(Some(elsewhere.clone())), Zone::Internet),
            (Action::EnterCase, "grid in scope", Resource::Region(Some(grid.clone())), Zone::Internet),
            (Action::EnterCase, "grid out of scope", Resource::Region(Some(elsewhere.clone())), Zone::Internet),
            (Action::ReadCase, "case in scope", case(&grid, false, false), Zone::Internet),
            (Action::ReadCase, "case in scope, own department", case(&grid, false, true), Zone::Internet),
            (Action::ReadCase, "case out of scope, own department", case(&elsewhere, false, true), Zone::Internet),
            (Action::ReadCase, "case out of scope, own report", case(&elsewhere, true, false), Zone::Internet),
            (Action::ReadCase, "case out of scope", case(&elsewhere, false, false), Zone::Internet),
            (
                Action::ReadCase,
                "case outside every grid",
                Resource::Case { region: None, reporter: false, department: false },
                Zone::Internet,
            ),
            (Action::ReadCaseMetrics, "grid in scope", Resource::Region(Some(grid.clone())), Zone::Internet),
            (Action::ReadCaseMetrics, "district above scope", Resource::Region(Some(district.clone())), Zone::Internet),
            (
                Action::ManageCaseSettings,
                "district in scope",
                Resource::CaseSettings(Some(district.clone())),
                Zone::Internet,
            ),
            (Action::ManageCaseSettings, "whole deployment", Resource::CaseSettings(None), Zone::Internet),
        ]);
        let other_community = RegionCode::parse("430407001002").unwrap();
        v.push((Action::ReadMediation, "party or mediator", Resource::Mediation { involved: true }, Zone::Internet));
        v.push((Action::ReadMediation, "anyone else", Resource::Mediation { involved: false }, Zone::Internet));
        for action in [Action::ReadServiceRequest, Action::HandleServiceRequest] {
            use crate::community::ServiceDesk::{Committee, Property};
            let req =
                |c: &RegionCode, desk, requester| Resource::ServiceRequest { community: c.clone(), desk, requester };
            v.push((action, "property desk, own request", req(&community, Property, true), Zone::Internet));
            v.push((action, "property desk, own community", req(&community, Property, false), Zone::Internet));
            v.push((action, "committee desk, own community", req(&community, Committee, false), Zone::Internet));
            v.push((
                action,
                "committee desk, another community",
                req(&other_community, Committee, false),
                Zone::Internet,
            ));
        }
        for action in [Action::ReadCommunity, Action::TakePart, Action::ManageTopics] {
            v.push((action, "own community", Resource::Community(community.clone()), Zone::Internet));
            v.push((action, "another community", Resource::Community(other_community.clone()), Zone::Internet));
        }
        v
    };

    let mut out = String::new();
    out.push_str("# Permission matrix\n\n");
    out.push_str("Generated from `palmgrid_domain::authz::can` by the test `authz::tests::matrix_is_current`;\n");
    out.push_str("do not edit by hand. Run `UPDATE_EXPECT=1 cargo test -p palmgrid-domain` after changing a rule.\n\n");
    out.push_str("Each role holds one grant: district-wide roles over district 430407, community roles over\n");
    out.push_str("community 430407001001, grid officers over grid 430407001001001. `allow` = permitted,\n");
    out.push_str("`-` = denied (403), `404` = hidden as if it did not exist (zone isolation).\n\n");
    out.push_str("| action | resource |");
    for role in Role::ALL {
        out.push_str(&format!(" {} |", role.as_str()));
    }
    out.push_str("\n|---|---|");
    for _ in Role::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for (action, label, resource, zone) in &cases {
        out.push_str(&format!("| {} | {} |", serde_json::to_value(action).unwrap().as_str().unwrap(), label));
        for role in Role::ALL {
            let actor = Actor {
                user_id: UserId(uuid::Uuid::nil()),
                grants: vec![Grant { role, scope: Some(scope_of(role)) }],
                listener_zone: *zone,
            };
            let cell = match can(&actor, *action, resource) {
                Decision::Allow => "allow",
                Decision::Deny => "-",
                Decision::Hidden => "404",
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out.push_str("\n## Tabs of the phone app\n\n| role | tabs |\n|---|---|\n");
    for role in Role::ALL {
        let actor = Actor {
            user_id: UserId(uuid::Uuid::nil()),
            grants: vec![Grant { role, scope: Some(scope_of(role)) }],
            listener_zone: Zone::Internet,
        };
        out.push_str(&format!("| {} ({}) | {} |\n", role.as_str(), role.zh_name(), tabs(&actor).join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, scope: Option<&str>, zone: Zone) -> Actor {
        Actor {
            user_id: UserId::new(),
            grants: vec![Grant { role, scope: scope.map(|s| RegionCode::parse(s).unwrap()) }],
            listener_zone: zone,
        }
    }

    #[test]
    fn matrix_is_current() {
        expect_test::expect_file!["../../../docs/permissions.md"].assert_eq(&render_matrix());
    }

    #[test]
    fn only_a_manager_of_the_whole_community_works_its_property_desk() {
        use crate::community::ServiceDesk;
        let community = RegionCode::parse("430407001001").unwrap();
        let request = |requester| Resource::ServiceRequest {
            community: community.clone(),
            desk: ServiceDesk::Property,
            requester,
        };
        let whole = actor(Role::PropertyManager, Some("430407001001"), Zone::Internet);
        let one_grid = actor(Role::PropertyManager, Some("430407001001002"), Zone::Internet);
        assert!(can(&whole, Action::HandleServiceRequest, &request(false)).is_allowed());
        assert!(can(&whole, Action::ReadServiceRequest, &request(false)).is_allowed());
        assert!(!can(&one_grid, Action::HandleServiceRequest, &request(false)).is_allowed());
        assert!(!can(&one_grid, Action::ReadServiceRequest, &request(false)).is_allowed());
        assert!(can(&one_grid, Action::ReadServiceRequest, &request(true)).is_allowed(), "their own request");
    }

    #[test]
    fn nobody_without_grants_may_do_anything_but_read_themselves() {
        let nobody = Actor { user_id: UserId::new(), grants: vec![], listener_zone: Zone::PoliceVideo };
        for action in Action::ALL {
            for resource in [
                Resource::Myself,
                Resource::Directory,
                Resource::AuditLog,
                Resource::Region(None),
                Resource::Camera { region: None, zone: Zone::Government },
                Resource::Case { region: None, reporter: false, department: true },
                Resource::CaseSettings(None),
            ] {
                let expected = if (action, &resource) == (Action::ReadSelf, &Resource::Myself) {
                    Decision::Allow
                } else {
                    Decision::Deny
                };
                assert_eq!(can(&nobody, action, &resource), expected, "{action:?} {resource:?}");
            }
        }
    }

    #[test]
    fn residents_never_get_camera_actions() {
        let resident = actor(Role::Resident, Some("430407001001"), Zone::PoliceVideo);
        for action in [Action::ListCameras, Action::ViewLive, Action::ViewRecording, Action::ViewSnapshot] {
            for zone in Zone::ALL {
                let cam = Resource::Camera { region: Some(RegionCode::parse("430407001001001").unwrap()), zone };
                assert_ne!(can(&resident, action, &cam), Decision::Allow);
            }
        }
        assert_eq!(tabs(&resident), vec!["home", "cases", "community", "me"]);
    }

    #[test]
    fn auditor_reads_audit_but_sees_no_video_and_grants_nothing() {
        let auditor = actor(Role::Auditor, None, Zone::PoliceVideo);
        assert!(can(&auditor, Action::ReadAudit, &Resource::AuditLog).is_allowed());
        let cam = Resource::Camera { region: None, zone: Zone::Government };
        assert!(!can(&auditor, Action::ViewLive, &cam).is_allowed());
        let grant = Resource::Grant { role: Role::Auditor, scope: None };
        assert!(!can(&auditor, Action::GrantRole, &grant).is_allowed());
        let admin = actor(Role::DistrictAdmin, None, Zone::Internet);
        assert!(!can(&admin, Action::ReadAudit, &Resource::AuditLog).is_allowed());
    }

    #[test]
    fn scoped_admin_cannot_create_roots_or_deployment_wide_grants() {
        let admin = actor(Role::DistrictAdmin, Some("430407"), Zone::Internet);
        assert!(!can(&admin, Action::ManageRegion, &Resource::Region(None)).is_allowed());
        let street = Resource::Region(Some(RegionCode::parse("430407009").unwrap()));
        assert!(can(&admin, Action::ManageRegion, &street).is_allowed());
        let wide = Resource::Grant { role: Role::Resident, scope: None };
        assert!(!can(&admin, Action::GrantRole, &wide).is_allowed());
    }
}
