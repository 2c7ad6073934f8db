//! The case workflow of GB/T 30428 (精准发现、精准处置) as one state machine.
//!
//! 上报 → 核实/立案 (or 注销) → 派遣 → 处置 → 反馈 → 核查 → 结案 → 评价, with the exception
//! paths provincial rules add: 退回 with a reason and re-dispatch, 延期 with approval, 挂账
//! (parked in the problem pool), 返工 when the check fails, reopening within a window, and
//! merging a duplicate into the case it repeats.
//!
//! [`decide`] is the only place that says who may move a case from which state by which
//! action. Who someone is *to this case* (its reporter, a handler of the lead or an
//! assisting department, staff whose scope covers the case's grid) is computed by the app
//! and passed in as [`CaseActor`]; scope itself is decided by `authz` as everywhere else.
//! `docs/case-transitions.md` is rendered from [`decide`] by a golden test.

use crate::Role;
use serde::{Deserialize, Serialize};

/// Where a case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// 上报: reported, waiting for the supervision centre to verify it.
    Reported,
    /// 立案: verified and filed, waiting to be dispatched (again, after a return).
    Registered,
    /// 派遣: sent to a lead department, waiting for it to accept.
    Dispatched,
    /// 处置中: the department is handling it (again, after a failed check).
    Handling,
    /// 已反馈: the department reported its result; the grid officer is to check on site.
    Feedback,
    /// 已核查: the check matched; the supervision centre may close it.
    Checked,
    /// 结案.
    Closed,
    /// 挂账: cannot be solved in time; parked in the problem pool with a written reason.
    Suspended,
    /// 注销: not a case (a terminal state, with the reason).
    Cancelled,
    /// 并案: a duplicate, merged into another case (terminal).
    Merged,
}

impl CaseState {
    pub const ALL: [CaseState; 10] = [
        CaseState::Reported,
        CaseState::Registered,
        CaseState::Dispatched,
        CaseState::Handling,
        CaseState::Feedback,
        CaseState::Checked,
        CaseState::Closed,
        CaseState::Suspended,
        CaseState::Cancelled,
        CaseState::Merged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Reported => "reported",
            CaseState::Registered => "registered",
            CaseState::Dispatched => "dispatched",
            CaseState::Handling => "handling",
            CaseState::Feedback => "feedback",
            CaseState::Checked => "checked",
            CaseState::Closed => "closed",
            CaseState::Suspended => "suspended",
            CaseState::Cancelled => "cancelled",
            CaseState::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<CaseState> {
        CaseState::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn zh_name(self) -> &'static str {
        match self {
            CaseState::Reported => "待核实",
            CaseState::Registered => "待派遣",
            CaseState::Dispatched => "待签收",
            CaseState::Handling => "处置中",
            CaseState::Feedback => "待核查",
            CaseState::Checked => "待结案",
            CaseState::Closed => "已结案",
            CaseState::Suspended => "挂账",
            CaseState::Cancelled => "已注销",
            CaseState::Merged => "已并案",
        }
    }

    /// Whether the case still needs someone to act (for "open cases" counts and timers).
    pub fn is_open(self) -> bool {
        !matches!(self, CaseState::Closed | CaseState::Cancelled | CaseState::Merged)
    }
}

/// What someone does to a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    /// 立案 (核实 passed).
    Register,
    /// 注销, with a reason.
    Cancel,
    /// 并案 into another case (a duplicate).
    Merge,
    /// 派遣 to a lead department (主办), with assisting ones (协办).
    Dispatch,
    /// 签收: the lead department takes it on.
    Accept,
    /// 退回 with a reason: not our remit; back to the dispatcher.
    Return,
    /// 反馈: the department reports what it did, with evidence.
    Feedback,
    /// 核查通过.
    CheckPass,
    /// 核查不通过: back to the department (返工).
    CheckFail,
    /// 结案.
    Close,
    /// 评价: the reporter (or the committee for its community) rates the handling.
    Rate,
    /// 申请延期 (the case stays where it is; approval moves the deadline).
    RequestExtension,
    /// 批准/驳回延期.
    DecideExtension,
    /// 挂账, with a written reason.
    Suspend,
    /// 恢复办理 from the problem pool.
    Resume,
    /// 重新打开 a closed case with new evidence, within the reopen window.
    Reopen,
}

impl CaseAction {
    pub const ALL: [CaseAction; 16] = [
        CaseAction::Register,
        CaseAction::Cancel,
        CaseAction::Merge,
        CaseAction::Dispatch,
        CaseAction::Accept,
        CaseAction::Return,
        CaseAction::Feedback,
        CaseAction::CheckPass,
        CaseAction::CheckFail,
        CaseAction::Close,
        CaseAction::Rate,
        CaseAction::RequestExtension,
        CaseAction::DecideExtension,
        CaseAction::Suspend,
        CaseAction::Resume,
        CaseAction::Reopen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseAction::Register => "register",
            CaseAction::Cancel => "cancel",
            CaseAction::Merge => "merge",
            CaseAction::Dispatch => "dispatch",
            CaseAction::Accept => "accept",
            CaseAction::Return => "return",
            CaseAction::Feedback => "feedback",
            CaseAction::CheckPass => "check_pass",
            CaseAction::CheckFail => "check_fail",
            CaseAction::Close => "close",
            CaseAction::Rate => "rate",
            CaseAction::RequestExtension => "request_extension",
            CaseAction::DecideExtension => "decide_extension",
            CaseAction::Suspend => "suspend",
            CaseAction::Resume => "resume",
            CaseAction::Reopen => "reopen",
        }
    }

    pub fn parse(s: &str) -> Option<CaseAction> {
        CaseAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn zh_name(self) -> &'static str {
        match self {
            CaseAction::Register => "立案",
            CaseAction::Cancel => "注销",
            CaseAction::Merge => "并案",
            CaseAction::Dispatch => "派遣",
            CaseAction::Accept => "签收",
            CaseAction::Return => "退回",
            CaseAction::Feedback => "反馈",
            CaseAction::CheckPass => "核查通过",
            CaseAction::CheckFail => "核查不通过",
            CaseAction::Close => "结案",
            CaseAction::Rate => "评价",
            CaseAction::RequestExtension => "申请延期",
            CaseAction::DecideExtension => "审批延期",
            CaseAction::Suspend => "挂账",
            CaseAction::Resume => "恢复办理",
            CaseAction::Reopen => "重新打开",
        }
    }

    /// Actions that must state a reason (kept in the case's event log).
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            CaseAction::Cancel
                | CaseAction::Return
                | CaseAction::CheckFail
                | CaseAction::Suspend
                | CaseAction::RequestExtension
                | CaseAction::Reopen
        )
    }
}

/// Who the actor is to this case. The app fills it in: `roles` are the actor's roles whose
/// scope covers the case's grid (as decided by `authz`), the flags are facts about the case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseActor {
    pub roles: Vec<Role>,
    /// The actor reported the case.
    pub is_reporter: bool,
    /// The actor handles cases for the case's lead department (主办).
    pub in_lead_department: bool,
    /// The actor handles cases for one of its assisting departments (协办).
    pub in_assisting_department: bool,
}

impl CaseActor {
    fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    fn any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }
}

/// Facts about the case a rule depends on, beyond its state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseFacts {
    /// An extension request is waiting for a decision.
    pub extension_pending: bool,
    /// The case has been rated already.
    pub rated: bool,
    /// Milliseconds since it was closed (for the reopen window), if closed.
    pub closed_for_ms: Option<i64>,
}

/// Reopening is allowed this long after closing (7 days by default).
pub const REOPEN_WINDOW_MS: i64 = 7 * 24 * 3_600_000;

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The action makes no sense in this state (409).
    WrongState,
    /// The state allows it, but not for this actor (403).
    NotYours,
}

/// The single workflow decision: the state after `action`, or why not.
pub fn decide(state: CaseState, action: CaseAction, who: &CaseActor, facts: CaseFacts) -> Result<CaseState, Refusal> {
    use CaseAction as A;
    use CaseState as S;
    use Role::*;
    let supervision = [SupervisionOperator, DistrictAdmin];
    let command = [CommandOperator, DistrictAdmin];
    let (to, allowed) = match (state, action) {
        (S::Reported, A::Register) => (S::Registered, who.any(&supervision)),
        (S::Reported, A::Cancel) => (S::Cancelled, who.any(&supervision)),
        (S::Reported | S::Registered, A::Merge) => (S::Merged, who.any(&supervision) || who.has(CommandOperator)),
        (S::Registered, A::Dispatch) => (S::Dispatched, who.any(&command)),
        (S::Dispatched, A::Accept) => (S::Handling, who.in_lead_department && who.has(DepartmentHandler)),
        (S::Dispatched | S::Handling, A::Return) => {
            (S::Registered, who.in_lead_department && who.has(DepartmentHandler))
        }
        (S::Handling, A::Feedback) => (S::Feedback, who.in_lead_department && who.has(DepartmentHandler)),
        // The check is done on site by the officer of the case's grid (or the supervision centre).
        (S::Feedback, A::CheckPass) => (S::Checked, who.has(GridOfficer) || who.any(&supervision)),
        (S::Feedback, A::CheckFail) => (S::Handling, who.has(GridOfficer) || who.any(&supervision)),
        (S::Checked, A::Close) => (S::Closed, who.any(&supervision)),
        (S::Closed, A::Rate) => {
            if facts.rated {
                return Err(Refusal::WrongState);
            }
            (S::Closed, who.is_reporter || who.has(CommunitySecretary))
        }
        (S::Dispatched | S::Handling, A::RequestExtension) => {
            if facts.extension_pending {
                return Err(Refusal::WrongState);
            }
            (state, who.in_lead_department && who.has(DepartmentHandler))
        }
        (S::Dispatched | S::Handling, A::DecideExtension) => {
            if !facts.extension_pending {
                return Err(Refusal::WrongState);
            }
            (state, who.any(&command))
        }
        (S::Dispatched | S::Handling, A::Suspend) => (S::Suspended, who.any(&command)),
        (S::Suspended, A::Resume) => (S::Registered, who.any(&command)),
        (S::Closed, A::Reopen) => {
            if facts.closed_for_ms.is_none_or(|ms| ms > REOPEN_WINDOW_MS) {
                return Err(Refusal::WrongState);
            }
            (S::Registered, who.is_reporter || who.has(CommunitySecretary) || who.any(&supervision))
        }
        _ => return Err(Refusal::WrongState),
    };
    if allowed { Ok(to) } else { Err(Refusal::NotYours) }
}

/// One kind of person for the transition table: a role, and what they are to the case.
fn table_actors() -> Vec<(String, CaseActor)> {
    let mut v = Vec::new();
    for role in Role::ALL {
        let base = CaseActor { roles: vec![role], ..Default::default() };
        v.push((role.as_str().to_owned(), base.clone()));
        if role == Role::DepartmentHandler {
            v.push(("department_handler (lead)".into(), CaseActor { in_lead_department: true, ..base.clone() }));
            v.push((
                "department_handler (assisting)".into(),
                CaseActor { in_assisting_department: true, ..base.clone() },
            ));
        }
        if role == Role::Resident {
            v.push(("resident (reporter)".into(), CaseActor { is_reporter: true, ..base.clone() }));
        }
    }
    v
}

/// Renders every (state, action, actor) as Markdown (`docs/case-transitions.md`).
pub fn render_transitions() -> String {
    let actors = table_actors();
    let mut out = String::from(
        "# Case transitions\n\nGenerated from `palmgrid_domain::case::decide` by the test \
         `case::tests::transition_table_is_current`; do not edit by hand.\n\n\
         Each cell is the state after the action, `-` when the state allows the action but not for this \
         actor (403), and blank when the action makes no sense in the state (409). Actors hold one role \
         whose scope covers the case's grid; `(lead)`/`(assisting)` handle for the case's lead or an \
         assisting department, `(reporter)` reported it. Facts: no extension pending except for \
         `decide_extension`, not yet rated, closed 1 day ago.\n\n",
    );
    for state in CaseState::ALL {
        out.push_str(&format!("## {} {}\n\n| action |", state.as_str(), state.zh_name()));
        for (name, _) in &actors {
            out.push_str(&format!(" {name} |"));
        }
        out.push_str("\n|---|");
        for _ in &actors {
            out.push_str("---|");
        }
        out.push('\n');
        for action in CaseAction::ALL {
            let facts = CaseFacts {
                extension_pending: action == CaseAction::DecideExtension,
                rated: false,
                closed_for_ms: Some(24 * 3_600_000),
            };
            let cells: Vec<String> = actors
                .iter()
                .map(|(_, a)| match decide(state, action, a, facts) {
                    Ok(to) => to.as_str().to_owned(),
                    Err(Refusal::NotYours) => "-".to_owned(),
                    Err(Refusal::WrongState) => String::new(),
                })
                .collect();
            if cells.iter().all(String::is_empty) {
                continue;
            }
            out.push_str(&format!("| {} {} |", action.as_str(), action.zh_name()));
            for c in cells {
                out.push_str(&format!(" {c} |"));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> CaseActor {
        CaseActor { roles: vec![role], ..Default::default() }
    }

    fn lead() -> CaseActor {
        CaseActor { in_lead_department: true, ..actor(Role::DepartmentHandler) }
    }

    const NONE: CaseFacts = CaseFacts { extension_pending: false, rated: false, closed_for_ms: None };

    #[test]
    fn transition_table_is_current() {
        expect_test::expect_file!["../../../docs/case-transitions.md"].assert_eq(&render_transitions());
    }

    #[test]
    fn the_full_loop_runs_with_the_right_actor_at_each_step() {
        let steps = [
            (CaseAction::Register, actor(Role::SupervisionOperator), CaseState::Registered),
            (CaseAction::Dispatch, actor(Role::CommandOperator), CaseState::Dispatched),
            (CaseAction::Accept, lead(), CaseState::Handling),
            (CaseAction::Feedback, lead(), CaseState::Feedback),
            (CaseAction::CheckFail, actor(Role::GridOfficer), CaseState::Handling),
            (CaseAction::Feedback, lead(), CaseState::Feedback),
            (CaseAction::CheckPass, actor(Role::GridOfficer), CaseState::Checked),
            (CaseAction::Close, actor(Role::SupervisionOperator), CaseState::Closed),
        ];
        let mut s = CaseState::Reported;
        for (action, who, expected) in steps {
            s = decide(s, action, &who, NONE).unwrap_or_else(|e| panic!("{action:?} from {s:?}: {e:?}"));
            assert_eq!(s, expected);
        }
        let reporter = CaseActor { is_reporter: true, ..actor(Role::Resident) };
        let closed = CaseFacts { closed_for_ms: Some(1000), ..NONE };
        assert_eq!(decide(s, CaseAction::Rate, &reporter, closed), Ok(CaseState::Closed));
        let rated = CaseFacts { rated: true, ..closed };
        assert_eq!(decide(s, CaseAction::Rate, &reporter, rated), Err(Refusal::WrongState), "rated once");
    }

    #[test]
    fn refusals_say_whether_the_state_or_the_actor_is_wrong() {
        // Nobody skips a step.
        for role in Role::ALL {
            assert_eq!(decide(CaseState::Reported, CaseAction::Dispatch, &actor(role), NONE), Err(Refusal::WrongState));
        }
        // A handler of an assisting department cannot accept or feed back for the lead one.
        let assisting = CaseActor { in_assisting_department: true, ..actor(Role::DepartmentHandler) };
        assert_eq!(decide(CaseState::Dispatched, CaseAction::Accept, &assisting, NONE), Err(Refusal::NotYours));
        // Membership in the department without the handler role is not enough.
        let clerk = CaseActor { in_lead_department: true, ..actor(Role::Resident) };
        assert_eq!(decide(CaseState::Handling, CaseAction::Feedback, &clerk, NONE), Err(Refusal::NotYours));
        // A resident who did not report the case cannot rate it; the auditor can do nothing.
        let closed = CaseFacts { closed_for_ms: Some(1000), ..NONE };
        assert_eq!(decide(CaseState::Closed, CaseAction::Rate, &actor(Role::Resident), closed), Err(Refusal::NotYours));
        for state in CaseState::ALL {
            for action in CaseAction::ALL {
                let facts = CaseFacts { extension_pending: action == CaseAction::DecideExtension, ..closed };
                assert!(decide(state, action, &actor(Role::Auditor), facts).is_err(), "{state:?} {action:?}");
            }
        }
    }

    #[test]
    fn extensions_suspension_and_reopening_follow_their_rules() {
        let h = CaseState::Handling;
        assert_eq!(decide(h, CaseAction::RequestExtension, &lead(), NONE), Ok(h));
        let pending = CaseFacts { extension_pending: true, ..NONE };
        assert_eq!(decide(h, CaseAction::RequestExtension, &lead(), pending), Err(Refusal::WrongState));
        assert_eq!(
            decide(h, CaseAction::DecideExtension, &actor(Role::CommandOperator), NONE),
            Err(Refusal::WrongState)
        );
        assert_eq!(decide(h, CaseAction::DecideExtension, &actor(Role::CommandOperator), pending), Ok(h));
        assert_eq!(decide(h, CaseAction::DecideExtension, &lead(), pending), Err(Refusal::NotYours));
        let s = decide(h, CaseAction::Suspend, &actor(Role::CommandOperator), NONE).unwrap();
        assert_eq!(s, CaseState::Suspended);
        assert_eq!(decide(s, CaseAction::Resume, &actor(Role::CommandOperator), NONE), Ok(CaseState::Registered));
        let reporter = CaseActor { is_reporter: true, ..actor(Role::Resident) };
        let day = CaseFacts { closed_for_ms: Some(24 * 3_600_000), ..NONE };
        let late = CaseFacts { closed_for_ms: Some(REOPEN_WINDOW_MS + 1), ..NONE };
        assert_eq!(decide(CaseState::Closed, CaseAction::Reopen, &reporter, day), Ok(CaseState::Registered));
        assert_eq!(decide(CaseState::Closed, CaseAction::Reopen, &reporter, late), Err(Refusal::WrongState));
        assert_eq!(decide(CaseState::Closed, CaseAction::Reopen, &actor(Role::Resident), day), Err(Refusal::NotYours));
        assert!(!CaseState::Closed.is_open() && CaseState::Suspended.is_open());
    }

    #[test]
    fn names_round_trip() {
        for s in CaseState::ALL {
            assert_eq!(CaseState::parse(s.as_str()), Some(s));
        }
        for a in CaseAction::ALL {
            assert_eq!(CaseAction::parse(a.as_str()), Some(a));
        }
    }
}
