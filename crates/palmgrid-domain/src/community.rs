//! 民主议事 and 服务执行: topic phases, polls and their tally, action item progress. Pure rules;
//! who may do what is `authz`.

use serde::{Deserialize, Serialize};

/// Where a topic (议题) stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// 征集意见: views are collected.
    Collect,
    /// 协商讨论.
    Discuss,
    /// 表决: the poll is open.
    Decide,
    /// 已决定: the decision is recorded.
    Decided,
    /// 已关闭 without a decision.
    Closed,
}

impl Phase {
    pub const ALL: [Phase; 5] = [Phase::Collect, Phase::Discuss, Phase::Decide, Phase::Decided, Phase::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Collect => "collect",
            Phase::Discuss => "discuss",
            Phase::Decide => "decide",
            Phase::Decided => "decided",
            Phase::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn zh_name(self) -> &'static str {
        match self {
            Phase::Collect => "征集意见",
            Phase::Discuss => "协商讨论",
            Phase::Decide => "表决中",
            Phase::Decided => "已决定",
            Phase::Closed => "已关闭",
        }
    }

    /// Comments are taken while views are collected and discussed.
    pub fn takes_comments(self) -> bool {
        matches!(self, Phase::Collect | Phase::Discuss)
    }

    /// Whether a topic may move from `self` to `to`: one step forward (a poll is opened by
    /// moving to `decide`; recording the decision moves to `decided`), or closed from any
    /// open phase.
    pub fn may_move_to(self, to: Phase) -> bool {
        matches!(
            (self, to),
            (Phase::Collect, Phase::Discuss)
                | (Phase::Discuss, Phase::Decide)
                | (Phase::Decide, Phase::Decided)
                | (Phase::Collect | Phase::Discuss | Phase::Decide, Phase::Closed)
        )
    }
}

/// A poll as set up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PollSpec {
    pub question: String,
    pub options: Vec<String>,
    /// Several choices per voter.
    pub multiple: bool,
    /// No route shows who voted how.
    pub anonymous: bool,
    pub deadline_ms: i64,
    /// Share of eligible voters (percent) that must vote for the result to stand.
    pub quorum_pct: i64,
}

pub const MAX_OPTIONS: usize = 20;

impl PollSpec {
    /// Checks a new poll at `now_ms`; every problem is listed.
    pub fn check(&self, now_ms: i64) -> Result<(), Vec<String>> {
        let mut out = Vec::new();
        let q = self.question.trim().chars().count();
        if q == 0 || q > 200 {
            out.push("the question must be 1–200 characters".to_owned());
        }
        if !(2..=MAX_OPTIONS).contains(&self.options.len()) {
            out.push(format!("a poll has 2–{MAX_OPTIONS} options"));
        }
        for (i, o) in self.options.iter().enumerate() {
            let n = o.trim().chars().count();
            if n == 0 || n > 100 {
                out.push(format!("option {i} must be 1–100 characters"));
            }
            if self.options[..i].iter().any(|p| p.trim() == o.trim()) {
                out.push(format!("option {i} repeats another"));
            }
        }
        if self.deadline_ms <= now_ms {
            out.push("the deadline must be in the future".to_owned());
        }
        if !(0..=100).contains(&self.quorum_pct) {
            out.push("the quorum is a percentage, 0–100".to_owned());
        }
        if out.is_empty() { Ok(()) } else { Err(out) }
    }

    /// Checks one voter's choices (option indexes).
    pub fn check_vote(&self, choices: &[usize]) -> Result<(), String> {
        if choices.is_empty() {
            return Err("choose at least one option".into());
        }
        if !self.multiple && choices.len() > 1 {
            return Err("this poll takes one choice".into());
        }
        if choices.iter().any(|c| *c >= self.options.len()) {
            return Err("no such option".into());
        }
        let mut seen = choices.to_vec();
        seen.sort_unstable();
        seen.dedup();
        if seen.len() != choices.len() {
            return Err("an option is chosen twice".into());
        }
        Ok(())
    }
}

/// The count of a poll.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    /// Votes per option, in option order.
    pub counts: Vec<u64>,
    pub voters: u64,
    pub eligible: u64,
    /// Voters per eligible member, 0–1 (0 when nobody is eligible).
    pub turnout: f64,
    pub quorum_met: bool,
    /// The options with the most votes (several on a tie; none without votes).
    pub leading: Vec<usize>,
}

/// Counts the votes (each a list of option indexes) of a poll.
pub fn tally(spec: &PollSpec, votes: &[Vec<usize>], eligible: u64) -> Tally {
    let mut counts = vec![0u64; spec.options.len()];
    for v in votes {
        for &c in v {
            if let Some(n) = counts.get_mut(c) {
                *n += 1;
            }
        }
    }
    let voters = votes.len() as u64;
    let turnout = if eligible == 0 { 0.0 } else { voters as f64 / eligible as f64 };
    // Integer comparison, so 1 of 3 at a 33 % quorum is met and 1 of 4 at 30 % is not.
    let quorum_met = voters * 100 >= spec.quorum_pct as u64 * eligible;
    let max = counts.iter().copied().max().unwrap_or(0);
    let leading = if max == 0 { vec![] } else { (0..counts.len()).filter(|&i| counts[i] == max).collect() };
    Tally { counts, voters, eligible, turnout, quorum_met, leading }
}

/// A step of a mediation (矛盾调处) and the state it leaves the mediation in, from `state`;
/// `None` when the step does not fit. States: registered (登记受理), mediating (调解), agreed
/// (协议), followed_up (回访), escalated, closed.
pub fn mediation_step(state: &str, step: &str) -> Option<&'static str> {
    Some(match (state, step) {
        ("registered" | "mediating", "session") => "mediating",
        ("mediating", "agreement") => "agreed",
        ("agreed", "follow_up") => "followed_up",
        ("registered" | "mediating", "escalation") => "escalated",
        ("registered" | "mediating", "closing") => "closed",
        _ => return None,
    })
}

/// A comment is hidden, pending review, once this many members have reported it (Decidim's
/// default).
pub const HIDE_AFTER_REPORTS: i64 = 3;

/// Status of an action item from its progress and deadline.
pub fn action_status(progress: i64, deadline_ms: Option<i64>, now_ms: i64) -> &'static str {
    if progress >= 100 {
        "done"
    } else if deadline_ms.is_some_and(|d| now_ms > d) {
        "overdue"
    } else if progress > 0 {
        "in_progress"
    } else {
        "open"
    }
}

/// Who handles a service request (服务执行): the property manager or the residents' committee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceDesk {
    Property,
    Committee,
}

impl ServiceDesk {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceDesk::Property => "property",
            ServiceDesk::Committee => "committee",
        }
    }
    pub fn parse(s: &str) -> Option<ServiceDesk> {
        match s {
            "property" => Some(ServiceDesk::Property),
            "committee" => Some(ServiceDesk::Committee),
            _ => None,
        }
    }
}

/// Kinds of service request: (key, 中文名, the desk it goes to). Building matters go to the
/// property manager; papers and help with daily life to the committee.
pub const SERVICE_KINDS: [(&str, &str, ServiceDesk); 7] = [
    ("repair", "报修", ServiceDesk::Property),
    ("cleaning", "保洁", ServiceDesk::Property),
    ("parking", "停车", ServiceDesk::Property),
    ("security", "安防", ServiceDesk::Property),
    ("certificate", "证明办理", ServiceDesk::Committee),
    ("assistance", "生活求助", ServiceDesk::Committee),
    ("other", "其他", ServiceDesk::Committee),
];

/// The desk a kind of request goes to, or `None` for an unknown kind.
pub fn service_desk(kind: &str) -> Option<ServiceDesk> {
    SERVICE_KINDS.iter().find(|(k, _, _)| *k == kind).map(|(_, _, d)| *d)
}

/// A step on a service request and the state it leaves, from `state`; `None` when it does not
/// fit. States: open → accepted → done; open or accepted → cancelled (by the requester).
/// `handler` says whether the actor may handle it, `requester` whether they filed it.
pub fn service_step(state: &str, step: &str, handler: bool, requester: bool) -> Option<&'static str> {
    Some(match (state, step) {
        ("open", "accept") if handler => "accepted",
        ("open" | "accepted", "done") if handler => "done",
        ("open" | "accepted", "cancel") if requester => "cancelled",
        _ => return None,
    })
}

/// China Standard Time is UTC+8 all year.
const CST_OFFSET_MS: i64 = 8 * 3_600_000;
const DAY_MS: i64 = 86_400_000;
/// Digests go out at 20:00 local time: daily every day, weekly on Sundays.
pub const DIGEST_MINUTE: i64 = 20 * 60;

/// Parses a local time of day `HH:MM` into minutes after midnight.
pub fn parse_hhmm(s: &str) -> Option<i64> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

/// Whether `now_ms` lies in quiet hours from `from_min` to `to_min` (minutes after local
/// midnight; the range may wrap past midnight; equal ends mean no quiet hours).
pub fn in_quiet_hours(now_ms: i64, from_min: i64, to_min: i64) -> bool {
    let minute = (now_ms + CST_OFFSET_MS).rem_euclid(DAY_MS) / 60_000;
    match from_min.cmp(&to_min) {
        std::cmp::Ordering::Equal => false,
        std::cmp::Ordering::Less => (from_min..to_min).contains(&minute),
        std::cmp::Ordering::Greater => minute >= from_min || minute < to_min,
    }
}

/// How often a member gets a digest of the community instead of a message per item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    Off,
    Daily,
    Weekly,
}

impl Digest {
    pub fn parse(s: &str) -> Option<Digest> {
        match s {
            "off" => Some(Digest::Off),
            "daily" => Some(Digest::Daily),
            "weekly" => Some(Digest::Weekly),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Digest::Off => "off",
            Digest::Daily => "daily",
            Digest::Weekly => "weekly",
        }
    }
}

/// The latest digest time at or before `now_ms` (20:00 local; for weekly, on a Sunday), or
/// `None` when digests are off. A digest is due when the last one went out before it.
pub fn digest_slot(freq: Digest, now_ms: i64) -> Option<i64> {
    let local = now_ms + CST_OFFSET_MS;
    let mut day = local.div_euclid(DAY_MS);
    if local.rem_euclid(DAY_MS) < DIGEST_MINUTE * 60_000 {
        day -= 1;
    }
    match freq {
        Digest::Off => return None,
        Digest::Daily => {}
        // Day 0 (1970-01-01) was a Thursday: Monday = 0 … Sunday = 6 is (day + 3) mod 7.
        Digest::Weekly => day -= ((day + 3).rem_euclid(7) + 1) % 7,
    }
    Some(day * DAY_MS + DIGEST_MINUTE * 60_000 - CST_OFFSET_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(multiple: bool, quorum_pct: i64) -> PollSpec {
        PollSpec {
            question: "楼道堆物如何清理？".into(),
            options: vec!["物业统一清运".into(), "居民自行清理".into(), "暂缓".into()],
            multiple,
            anonymous: true,
            deadline_ms: 1_000,
            quorum_pct,
        }
    }

    #[test]
    fn phases_move_one_step_or_close() {
        use Phase::*;
        let allowed: Vec<(Phase, Phase)> = Phase::ALL
            .into_iter()
            .flat_map(|a| Phase::ALL.into_iter().map(move |b| (a, b)))
            .filter(|(a, b)| a.may_move_to(*b))
            .collect();
        assert_eq!(
            allowed,
            [
                (Collect, Discuss),
                (Collect, Closed),
                (Discuss, Decide),
                (Discuss, Closed),
                (Decide, Decided),
                (Decide, Closed)
            ]
        );
        assert!(Collect.takes_comments() && Discuss.takes_comments() && !Decide.takes_comments());
        assert_eq!(Phase::parse("decided"), Some(Decided));
    }

    #[test]
    fn polls_and_votes_are_checked() {
        assert!(spec(false, 30).check(0).is_ok());
        let bad = PollSpec {
            question: " ".into(),
            options: vec!["a".into(), "a".into()],
            deadline_ms: 0,
            quorum_pct: 101,
            ..spec(false, 0)
        };
        assert_eq!(bad.check(0).unwrap_err().len(), 4);
        let s = spec(false, 0);
        assert!(s.check_vote(&[1]).is_ok());
        for bad in [vec![], vec![0, 1], vec![3]] {
            assert!(s.check_vote(&bad).is_err(), "{bad:?}");
        }
        let m = spec(true, 0);
        assert!(m.check_vote(&[0, 2]).is_ok());
        assert!(m.check_vote(&[0, 0]).is_err());
    }

    #[test]
    fn the_tally_counts_turnout_quorum_and_leaders() {
        let votes = vec![vec![0], vec![1], vec![0]];
        let t = tally(&spec(false, 30), &votes, 10);
        assert_eq!((t.counts.clone(), t.voters, t.leading.clone()), (vec![2, 1, 0], 3, vec![0]));
        assert!((t.turnout - 0.3).abs() < 1e-12 && t.quorum_met, "3 of 10 meets 30 %");
        assert!(!tally(&spec(false, 31), &votes, 10).quorum_met);
        let tie = tally(&spec(true, 0), &[vec![0, 1], vec![1, 0]], 2);
        assert_eq!(tie.leading, vec![0, 1]);
        assert!(tally(&spec(false, 50), &[], 0).leading.is_empty());
    }

    #[test]
    fn mediation_steps_follow_the_procedure() {
        assert_eq!(mediation_step("registered", "session"), Some("mediating"));
        assert_eq!(mediation_step("mediating", "session"), Some("mediating"));
        assert_eq!(mediation_step("mediating", "agreement"), Some("agreed"));
        assert_eq!(mediation_step("agreed", "follow_up"), Some("followed_up"));
        assert_eq!(mediation_step("registered", "agreement"), None, "an agreement comes from sessions");
        assert_eq!(mediation_step("agreed", "escalation"), None);
        assert_eq!(mediation_step("mediating", "escalation"), Some("escalated"));
        assert_eq!(mediation_step("followed_up", "session"), None);
    }

    #[test]
    fn action_status_follows_progress_and_deadline() {
        assert_eq!(action_status(0, None, 5), "open");
        assert_eq!(action_status(40, Some(10), 5), "in_progress");
        assert_eq!(action_status(40, Some(10), 11), "overdue");
        assert_eq!(action_status(100, Some(10), 11), "done");
    }

    #[test]
    fn service_requests_go_to_their_desk_and_move_by_who_acts() {
        assert_eq!(service_desk("repair"), Some(ServiceDesk::Property));
        assert_eq!(service_desk("certificate"), Some(ServiceDesk::Committee));
        assert_eq!(service_desk("teleport"), None);
        assert_eq!(service_step("open", "accept", true, false), Some("accepted"));
        assert_eq!(service_step("open", "accept", false, true), None, "a requester does not accept");
        assert_eq!(service_step("accepted", "done", true, false), Some("done"));
        assert_eq!(service_step("open", "done", true, false), Some("done"));
        assert_eq!(service_step("done", "cancel", false, true), None, "done is final");
        assert_eq!(service_step("accepted", "cancel", true, false), None, "only the requester cancels");
        assert_eq!(service_step("accepted", "cancel", false, true), Some("cancelled"));
        assert_eq!(service_step("cancelled", "accept", true, false), None);
    }

    #[test]
    fn quiet_hours_wrap_past_midnight_in_china_time() {
        // 2026-12-05 23:30 and 07:30 and 12:00 at UTC+8.
        let at = |h: i64, m: i64| {
            crate::calendar::parse_day("2026-12-05").unwrap() * DAY_MS + (h * 60 + m) * 60_000 - CST_OFFSET_MS
        };
        let (from, to) = (parse_hhmm("22:00").unwrap(), parse_hhmm("07:00").unwrap());
        assert!(in_quiet_hours(at(23, 30), from, to));
        assert!(in_quiet_hours(at(6, 59), from, to));
        assert!(!in_quiet_hours(at(7, 0), from, to));
        assert!(!in_quiet_hours(at(12, 0), from, to));
        assert!(in_quiet_hours(at(12, 0), parse_hhmm("12:00").unwrap(), parse_hhmm("14:00").unwrap()));
        assert!(!in_quiet_hours(at(12, 0), from, from), "equal ends: none");
        assert_eq!(parse_hhmm("24:00"), None);
        assert_eq!(parse_hhmm("7:00"), None);
    }

    #[test]
    fn digests_are_due_at_eight_in_the_evening_and_weekly_on_sundays() {
        let day = |d: &str| crate::calendar::parse_day(d).unwrap();
        let at = |d: &str, h: i64| day(d) * DAY_MS + h * 3_600_000 - CST_OFFSET_MS;
        // Saturday 2026-12-05: before 20:00 the slot is Friday's, after it Saturday's.
        assert_eq!(digest_slot(Digest::Daily, at("2026-12-05", 19)), Some(at("2026-12-04", 20)));
        assert_eq!(digest_slot(Digest::Daily, at("2026-12-05", 21)), Some(at("2026-12-05", 20)));
        // Weekly: the last Sunday 20:00 (2026-11-29), until Sunday 2026-12-06 20:00.
        assert_eq!(digest_slot(Digest::Weekly, at("2026-12-05", 21)), Some(at("2026-11-29", 20)));
        assert_eq!(digest_slot(Digest::Weekly, at("2026-12-06", 19)), Some(at("2026-11-29", 20)));
        assert_eq!(digest_slot(Digest::Weekly, at("2026-12-06", 20)), Some(at("2026-12-06", 20)));
        assert_eq!(digest_slot(Digest::Off, at("2026-12-06", 20)), None);
    }
}
