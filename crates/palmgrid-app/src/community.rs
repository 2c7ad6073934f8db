//! 掌上社区, first part: topics (民主议事) with comments and polls, decisions that become action
//! items (服务执行) with progress, and the community's public board (民主监督).
//!
//! A community space is a community region; its members hold a community role over it, above
//! it or inside it (`authz` `ReadCommunity`). Camera pictures enter a topic only as the
//! masked snapshot, taken (and audited) when the topic is made.

use crate::{App, AppError, RequestCtx, Result, Session};
use palmgrid_domain::audit::RESULT_OK;
use palmgrid_domain::authz::{Action, Resource};
use palmgrid_domain::community::{HIDE_AFTER_REPORTS, Phase, PollSpec, Tally, action_status, tally};
use palmgrid_domain::{RegionCode, RegionLevel};
use palmgrid_store::{ActionItemRow, ActionUpdateRow, CaseFilter, CommentRow, PollRow, RegionRow, TopicRow};
use serde_json::json;

/// A new topic, optionally from a case and with a camera's masked picture.
#[derive(Debug, Clone, Default)]
pub struct NewTopic {
    pub title: String,
    pub body: String,
    pub case_id: Option<String>,
    pub camera_id: Option<String>,
}

/// A new action item.
#[derive(Debug, Clone, Default)]
pub struct NewActionItem {
    pub title: String,
    /// The member responsible (a user id).
    pub owner_id: String,
    pub deadline_ms: Option<i64>,
}

/// A poll with its count, as a member may see it.
#[derive(Debug, Clone)]
pub struct PollView {
    pub spec: PollSpec,
    pub tally: Tally,
    /// The reader's own choices, if they voted.
    pub mine: Option<Vec<usize>>,
    /// (voter name, choices) — only for polls that are not anonymous.
    pub voters: Vec<(String, Vec<usize>)>,
}

/// A topic with what belongs to it.
#[derive(Debug, Clone)]
pub struct TopicDetail {
    pub topic: TopicRow,
    pub comments: Vec<CommentEntry>,
    pub poll: Option<PollView>,
    pub may_manage: bool,
    pub may_take_part: bool,
}

/// A comment as the reader may see it.
#[derive(Debug, Clone)]
pub struct CommentEntry {
    pub row: CommentRow,
    /// The author as the reader may name them.
    pub name: String,
    /// The reader wrote it.
    pub mine: bool,
    /// Reports (counted for the moderators only: 0 for everyone else), whether the reader
    /// reported it, and the author's appeal (for the author and the moderators).
    pub moderation: palmgrid_store::CommentModeration,
}

/// One case on the public board: what happened, never who reported it.
#[derive(Debug, Clone)]
pub struct BoardCase {
    pub number: String,
    pub category: String,
    pub state: String,
    pub grid_name: Option<String>,
    pub created_ms: i64,
    pub closed_ms: Option<i64>,
    pub rating: Option<i64>,
}

/// What an action item's page shows besides the item and its updates.
#[derive(Debug, Clone, Default)]
pub struct ItemExtras {
    pub volunteers: Vec<String>,
    pub i_volunteer: bool,
    pub photos: std::collections::HashMap<String, String>,
    /// Its weighted sub-tasks.
    pub subtasks: Vec<palmgrid_store::SubtaskRow>,
    /// The reader may post progress and work the sub-tasks (the owner and the staff).
    pub may_work: bool,
}

/// A poll's options and its tally.
pub type PollSummary = (Vec<String>, Tally);

/// Names of users and codes of regions by id.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub users: std::collections::HashMap<String, String>,
    pub codes: std::collections::HashMap<String, String>,
    /// Users anonymous to this reader: their ids are not shown.
    pub hidden: std::collections::HashSet<String>,
}

impl Labels {
    /// A user's id, or empty when the user is anonymous to the reader.
    pub fn id(&self, id: &str) -> String {
        if self.hidden.contains(id) { String::new() } else { id.to_string() }
    }
    pub fn user(&self, id: &str) -> String {
        self.users.get(id).cloned().unwrap_or_default()
    }
    pub fn code(&self, id: &str) -> String {
        self.codes.get(id).cloned().unwrap_or_default()
    }
}

/// How the community's service requests fare: counts by state and the requesters' ratings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceStats {
    pub open: i64,
    pub accepted: i64,
    pub done: i64,
    pub cancelled: i64,
    pub rated: i64,
    /// Mean rating (1–5) of the rated ones.
    pub mean_rating: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Board {
    pub community: RegionRow,
    pub cases: Vec<BoardCase>,
    /// Each topic with its poll's options and tally, if it has a poll.
    pub topics: Vec<(TopicRow, Option<PollSummary>)>,
    pub items: Vec<ActionItemRow>,
    pub services: ServiceStats,
}

/// The alias an anonymous member has in one community: stable, so a conversation can be
/// followed, and different in each community.
pub fn alias(community_id: &str, user_id: &str) -> String {
    let h = crate::cases::sha256_hex(format!("{community_id}|{user_id}").as_bytes());
    format!("邻居 {}", h[..6].to_uppercase())
}

/// Trimmed text of 1 to `max` characters, or a validation error naming `what`.
pub(crate) fn text(what: &str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::Validation(format!("{what} must be 1–{max} characters")));
    }
    Ok(t.to_owned())
}

/// A notification to a comment's author about its moderation, opening the topic.
fn moderation_note(c: &CommentRow, title: String, now: i64) -> palmgrid_store::NotificationRow {
    palmgrid_store::NotificationRow {
        id: 0,
        user_id: c.author_id.clone(),
        case_id: None,
        kind: "moderation".into(),
        title,
        created_ms: now,
        read_ms: None,
        subject: Some(format!("topic:{}", c.topic_id)),
    }
}

fn phase_of(t: &TopicRow) -> Result<Phase> {
    Phase::parse(&t.phase).ok_or_else(|| AppError::Internal(format!("topic {} has phase {:?}", t.id, t.phase)))
}

impl App {
    /// The community region named by `code`, and its code.
    pub(crate) async fn community(&self, code: &str) -> Result<(RegionRow, RegionCode)> {
        let c = RegionCode::parse(code).map_err(|e| AppError::Validation(e.to_string()))?;
        if c.level() != RegionLevel::Community {
            return Err(AppError::Validation(format!("{code} is not a community")));
        }
        let row = self.store.region_by_code(code).await?.ok_or(AppError::NotFound)?;
        Ok((row, c))
    }

    /// Authorises `action` on a community space; a non-member gets 404 (no oracle).
    pub(crate) fn authorize_community(&self, s: &Session, action: Action, code: &RegionCode) -> Result<()> {
        let space = Resource::Community(code.clone());
        if self.authorize(s, Action::ReadCommunity, &space).is_err() {
            return Err(AppError::NotFound);
        }
        self.authorize(s, action, &space)
    }

    /// Whether a user holds a membership in, above or inside a community.
    async fn is_member(&self, user_id: &str, c: &RegionCode) -> Result<bool> {
        Ok(self.store.memberships_of(user_id).await?.iter().any(|m| {
            m.region_code
                .as_deref()
                .and_then(|r| RegionCode::parse(r).ok())
                .is_some_and(|r| r.is_within(c) || c.is_within(&r))
        }))
    }

    /// The region a notice or invite is for: the community itself, or one of its grids.
    pub(crate) async fn community_target(
        &self,
        community: &RegionRow,
        code: &str,
        target: Option<&str>,
    ) -> Result<String> {
        match target {
            None => Ok(community.id.clone()),
            Some(t) if t == code => Ok(community.id.clone()),
            Some(t) => {
                let grid = self
                    .store
                    .region_by_code(t)
                    .await?
                    .filter(|g| g.parent_id.as_deref() == Some(community.id.as_str()));
                Ok(grid.ok_or_else(|| AppError::Validation(format!("{t} is not a grid of this community")))?.id)
            }
        }
    }

    /// The code of a stored region (a community or one of its grids).
    pub(crate) async fn code_of_region(&self, region_id: &str) -> Result<RegionCode> {
        let r = self.store.region(region_id).await?.ok_or(AppError::NotFound)?;
        RegionCode::parse(&r.code).map_err(|e| AppError::Internal(e.to_string()))
    }

    /// A topic and its community's code, if the session may read it.
    async fn readable_topic(&self, s: &Session, id: &str) -> Result<(TopicRow, RegionCode)> {
        let t = self.store.topic(id).await?.ok_or(AppError::NotFound)?;
        let code = self.code_of_region(&t.community_id).await?;
        self.authorize_community(s, Action::ReadCommunity, &code)?;
        Ok((t, code))
    }

    /// Sets a topic (the committee and officers). From a case, the case must lie in the
    /// community; with a camera, the camera's masked snapshot is taken and kept.
    pub async fn create_topic(&self, s: &Session, ctx: &RequestCtx, code: &str, new: NewTopic) -> Result<TopicRow> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ManageTopics, &c)?;
        let title = text("title", &new.title, 100)?;
        let body = text("body", &new.body, 4000)?;
        let mut case_number = None;
        if let Some(case_id) = &new.case_id {
            let case = self.visible_case(s, case_id).await?;
            case_number = Some(case.number.clone());
            let inside =
                case.grid_code.as_deref().and_then(|g| RegionCode::parse(g).ok()).is_some_and(|g| g.is_within(&c));
            if !inside {
                return Err(AppError::Validation("the case is not in this community".into()));
            }
        }
        let evidence = match &new.camera_id {
            Some(cam) => {
                // Only a camera of this community, and never a public-security camera.
                let row = self.get_camera(s, cam).await?;
                let inside =
                    row.grid_code.as_deref().and_then(|g| RegionCode::parse(g).ok()).is_some_and(|g| g.is_within(&c));
                if !inside || row.zone == palmgrid_domain::Zone::PoliceVideo.as_str() {
                    return Err(AppError::Validation(
                        "the camera must be a non-police camera of this community".into(),
                    ));
                }
                // The purpose names the case, so the camera-access report counts the view under it.
                let purpose = match &case_number {
                    Some(n) => format!("议题:{n}"),
                    None => "议题".to_string(),
                };
                Some(self.masked_snapshot(s, ctx, cam, &purpose).await?)
            }
            None => None,
        };
        let now = self.now_ms();
        let row = TopicRow {
            id: uuid::Uuid::new_v4().to_string(),
            community_id: community.id,
            title,
            body,
            phase: Phase::Collect.as_str().into(),
            case_id: new.case_id,
            evidence_sha256: evidence.as_deref().map(crate::cases::sha256_hex),
            created_by: s.user_id.clone(),
            decision: None,
            decided_ms: None,
            created_ms: now,
            updated_ms: now,
            slow_mode_s: 0,
        };
        self.store.insert_topic(&row, evidence.as_deref()).await?;
        Ok(row)
    }

    pub async fn list_topics(&self, s: &Session, code: &str) -> Result<Vec<TopicRow>> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ReadCommunity, &c)?;
        Ok(self.store.list_topics(&community.id).await?)
    }

    async fn poll_view(&self, s: &Session, topic_id: &str) -> Result<Option<PollView>> {
        let Some(p) = self.store.poll(topic_id).await? else { return Ok(None) };
        let spec = PollSpec {
            question: p.question,
            options: serde_json::from_str(&p.options).map_err(|e| AppError::Internal(e.to_string()))?,
            multiple: p.multiple,
            anonymous: p.anonymous,
            deadline_ms: p.deadline_ms,
            quorum_pct: p.quorum_pct,
        };
        let votes = self.store.votes(topic_id).await?;
        let parsed: Vec<(String, Vec<usize>)> =
            votes.into_iter().map(|(u, c)| (u, serde_json::from_str(&c).unwrap_or_default())).collect();
        let t = tally(&spec, &parsed.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>(), p.eligible.max(0) as u64);
        let mine = parsed.iter().find(|(u, _)| *u == s.user_id).map(|(_, c)| c.clone());
        let mut voters = Vec::new();
        if !spec.anonymous && !parsed.is_empty() {
            // Members anonymous to neighbours appear under their alias here too.
            let topic = self.store.topic(topic_id).await?.ok_or(AppError::NotFound)?;
            let code = self.code_of_region(&topic.community_id).await?;
            let staff = self.authorize(s, Action::ManageTopics, &Resource::Community(code)).is_ok();
            let names =
                self.public_names(s, staff, &topic.community_id, parsed.iter().map(|(u, _)| u.as_str())).await?;
            for (u, c) in &parsed {
                voters.push((names.get(u).cloned().unwrap_or_default(), c.clone()));
            }
        }
        Ok(Some(PollView { spec, tally: t, mine, voters }))
    }

    /// A topic with its comments (and authors' names) and its poll.
    pub async fn topic_detail(&self, s: &Session, id: &str) -> Result<TopicDetail> {
        let (topic, code) = self.readable_topic(s, id).await?;
        let space = Resource::Community(code);
        let staff = self.authorize(s, Action::ManageTopics, &space).is_ok();
        let rows = self.store.comments(id).await?;
        let names = self.public_names(s, staff, &topic.community_id, rows.iter().map(|c| c.author_id.as_str())).await?;
        let mut moderation = self.store.comment_moderation(id, &s.user_id).await?;
        let mut comments = Vec::new();
        for mut c in rows {
            let name = names.get(&c.author_id).cloned().unwrap_or_default();
            let mine = c.author_id == s.user_id;
            // A hidden comment's text stays with its author and the moderators.
            if c.hidden_ms.is_some() && !staff && !mine {
                c.body = String::new();
            }
            let mut m = moderation.remove(&c.id).unwrap_or_default();
            if !staff {
                m.reports = 0;
                if !mine {
                    m.appeal = None;
                }
            }
            comments.push(CommentEntry { row: c, name, mine, moderation: m });
        }
        Ok(TopicDetail {
            poll: self.poll_view(s, id).await?,
            may_manage: self.authorize(s, Action::ManageTopics, &space).is_ok(),
            may_take_part: self.authorize(s, Action::TakePart, &space).is_ok(),
            topic,
            comments,
        })
    }

    /// The masked picture of a topic.
    pub async fn topic_evidence(&self, s: &Session, id: &str) -> Result<Vec<u8>> {
        self.readable_topic(s, id).await?;
        self.store.topic_evidence(id).await?.ok_or(AppError::NotFound)
    }

    /// Sets slow mode on a topic (the staff running the space): a member may comment once per
    /// `seconds` (at most a day; 0 turns it off). Logged as a moderation action.
    pub async fn set_slow_mode(&self, s: &Session, ctx: &RequestCtx, id: &str, seconds: i64) -> Result<()> {
        let (topic, code) = self.readable_topic(s, id).await?;
        self.authorize_community(s, Action::ManageTopics, &code)?;
        if !(0..=86_400).contains(&seconds) {
            return Err(AppError::Validation("slow mode is 0 (off) to 86400 seconds".into()));
        }
        self.record(
            &s.into(),
            ctx,
            "moderation.slow_mode",
            &format!("topic:{}", topic.id),
            RESULT_OK,
            json!({"seconds": seconds, "title": topic.title}),
        )
        .await?;
        Ok(self.store.set_slow_mode(id, seconds, self.now_ms()).await?)
    }

    /// The names a reader sees for these users in a community: their display names, except
    /// that members who chose to be anonymous appear to other members as a stable alias
    /// (`邻居 3F2A`). The staff running the space always see the name.
    pub(crate) async fn public_names<'a>(
        &self,
        s: &Session,
        staff: bool,
        community_id: &str,
        users: impl Iterator<Item = &'a str>,
    ) -> Result<std::collections::HashMap<String, String>> {
        let ids: Vec<String> = {
            let mut v: Vec<String> = users.map(str::to_owned).collect();
            v.sort();
            v.dedup();
            v
        };
        let hidden = if staff { Default::default() } else { self.store.anonymous_members(&ids).await? };
        let mut names = self.store.display_names(&ids).await?;
        let mut out = std::collections::HashMap::new();
        for id in ids {
            let name = if hidden.contains(&id) && id != s.user_id {
                alias(community_id, &id)
            } else {
                names.remove(&id).unwrap_or_default()
            };
            out.insert(id, name);
        }
        Ok(out)
    }

    /// Whether the session has chosen to be anonymous to neighbours.
    pub async fn is_anonymous(&self, s: &Session) -> Result<bool> {
        Ok(self.store.member_prefs(&s.user_id).await?.anonymous)
    }

    /// The session's choices about community spaces.
    pub async fn community_prefs(&self, s: &Session) -> Result<palmgrid_store::MemberPrefsRow> {
        Ok(self.store.member_prefs(&s.user_id).await?)
    }

    /// Sets the session's choices: anonymity to neighbours, quiet hours (`HH:MM` local, both
    /// or neither) and digests (`off`, `daily`, `weekly`). Turning digests on starts counting
    /// news from now.
    pub async fn set_community_prefs(
        &self,
        s: &Session,
        anonymous: bool,
        quiet: Option<(&str, &str)>,
        digest: &str,
    ) -> Result<palmgrid_store::MemberPrefsRow> {
        use palmgrid_domain::community::{Digest, parse_hhmm};
        let quiet = match quiet {
            Some((from, to)) => {
                let bad = || AppError::Validation("quiet hours are HH:MM to HH:MM (local time)".into());
                Some((parse_hhmm(from).ok_or_else(bad)?, parse_hhmm(to).ok_or_else(bad)?))
            }
            None => None,
        };
        let freq =
            Digest::parse(digest).ok_or_else(|| AppError::Validation("digest is off, daily or weekly".into()))?;
        let old = self.store.member_prefs(&s.user_id).await?;
        let now = self.now_ms();
        let row = palmgrid_store::MemberPrefsRow {
            user_id: s.user_id.clone(),
            anonymous,
            quiet_from_min: quiet.map(|q| q.0),
            quiet_to_min: quiet.map(|q| q.1),
            digest: freq.as_str().into(),
            // Only turning digests on moves the mark; otherwise the stored one stays (a digest
            // may have been marked since `old` was read).
            last_digest_ms: (old.digest == "off" && freq != Digest::Off).then_some(now),
        };
        self.store.set_member_prefs(&row, now).await?;
        Ok(row)
    }

    /// Whether a notification for `user_id` may be pushed live now, or waits outside the
    /// member's quiet hours (it is stored either way and shows when the app is opened).
    pub async fn may_push(&self, user_id: &str) -> Result<bool> {
        let p = self.store.member_prefs(user_id).await?;
        Ok(match (p.quiet_from_min, p.quiet_to_min) {
            (Some(f), Some(t)) => !palmgrid_domain::community::in_quiet_hours(self.now_ms(), f, t),
            _ => true,
        })
    }

    /// Sends every digest that is due: per community of the member, the notices for them,
    /// new topics and action items with progress since the last digest; nothing when there
    /// is no news. Returns how many went out.
    pub async fn send_digests(&self) -> Result<usize> {
        use palmgrid_domain::community::{Digest, digest_slot};
        let now = self.now_ms();
        let regions = self.store.list_regions().await?;
        let by_id: std::collections::HashMap<&str, &RegionRow> = regions.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut sent = 0;
        for p in self.store.digest_subscribers().await? {
            let Some(freq) = Digest::parse(&p.digest) else { continue };
            let Some(slot) = digest_slot(freq, now) else { continue };
            if p.last_digest_ms.is_some_and(|l| l >= slot) {
                continue;
            }
            let since = p.last_digest_ms.unwrap_or(slot - 86_400_000);
            // The member's communities, and the grids their scope lies in.
            let mut parts = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for m in self.store.memberships_of(&p.user_id).await? {
                let Some(region) = m.region_id.as_deref().and_then(|id| by_id.get(id)) else { continue };
                let community = match region.level.as_str() {
                    "community" => *region,
                    "grid" => match region.parent_id.as_deref().and_then(|id| by_id.get(id)) {
                        Some(c) => *c,
                        None => continue,
                    },
                    _ => continue,
                };
                if !seen.insert(community.id.clone()) {
                    continue;
                }
                let (notices, topics, items) = self.store.community_news(&community.id, since).await?;
                let home = self.store.member_home(&p.user_id, &community.id).await?.map(|h| h.building_id);
                let notices = notices
                    .iter()
                    .filter(|(t, b)| match b {
                        Some(b) => home.as_ref() == Some(b),
                        None => *t == community.id || *t == region.id,
                    })
                    .count();
                let mut news = Vec::new();
                if notices > 0 {
                    news.push(format!("{notices} 条新公告"));
                }
                if topics > 0 {
                    news.push(format!("{topics} 个新议题"));
                }
                if items > 0 {
                    news.push(format!("{items} 项事项有进展"));
                }
                if !news.is_empty() {
                    parts.push(format!("{}：{}", community.name, news.join("，")));
                }
            }
            // Only one process sends a given digest.
            if !self.store.mark_digest_sent(&p.user_id, p.last_digest_ms, now).await? || parts.is_empty() {
                continue;
            }
            let title =
                format!("{}｜{}", if freq == Digest::Weekly { "社区周报" } else { "社区日报" }, parts.join("；"));
            let note = palmgrid_store::NotificationRow {
                id: 0,
                user_id: p.user_id.clone(),
                case_id: None,
                kind: "digest".into(),
                title,
                created_ms: now,
                read_ms: None,
                subject: None,
            };
            self.notify(vec![note]).await?;
            sent += 1;
        }
        Ok(sent)
    }

    /// A comment (members who take part, and the staff running the space) while the topic
    /// collects views or is discussed.
    pub async fn comment_on_topic(
        &self,
        s: &Session,
        id: &str,
        body: &str,
        parent: Option<String>,
    ) -> Result<CommentRow> {
        let (topic, code) = self.readable_topic(s, id).await?;
        let space = Resource::Community(code);
        if self.authorize(s, Action::TakePart, &space).is_err() {
            self.authorize(s, Action::ManageTopics, &space)?;
        }
        if !phase_of(&topic)?.takes_comments() {
            return Err(AppError::Conflict("comments are closed in this phase".into()));
        }
        let body = text("comment", body, 2000)?;
        if let Some(p) = &parent
            && !self.store.comments(id).await?.iter().any(|c| &c.id == p)
        {
            return Err(AppError::Validation("the comment answered is not on this topic".into()));
        }
        // Slow mode holds back members; the staff running the space may always answer. The
        // last comment counts (also one made before slow mode was set), and the claim is
        // atomic so comments sent at once cannot both pass.
        if topic.slow_mode_s > 0 && self.authorize(s, Action::ManageTopics, &space).is_err() {
            let now = self.now_ms();
            let interval = topic.slow_mode_s * 1000;
            let last = match self.store.last_comment_ms(id, &s.user_id).await? {
                Some(l) if l + interval > now => Some(l),
                _ => self.store.claim_slow_mode(id, &s.user_id, now, interval).await?,
            };
            if let Some(last) = last {
                let wait_s = ((last + interval - now).max(1) + 999) / 1000;
                return Err(AppError::TooSoon {
                    retry_after_s: wait_s,
                    message: format!(
                        "slow mode: one comment per {} s on this topic; wait {wait_s} s",
                        topic.slow_mode_s
                    ),
                });
            }
        }
        let c = CommentRow {
            id: uuid::Uuid::new_v4().to_string(),
            topic_id: id.into(),
            parent_id: parent,
            author_id: s.user_id.clone(),
            body,
            created_ms: self.now_ms(),
            hidden_ms: None,
            hidden_reason: None,
            removed: false,
        };
        self.store.insert_comment(&c).await?;
        Ok(c)
    }

    /// The comment and its topic's community, if the session may read them.
    async fn readable_comment(&self, s: &Session, id: &str) -> Result<(CommentRow, RegionCode)> {
        let c = self.store.comment(id).await?.ok_or(AppError::NotFound)?;
        let (_, code) = self.readable_topic(s, &c.topic_id).await?;
        Ok((c, code))
    }

    /// A member reports a comment. Once [`HIDE_AFTER_REPORTS`] members have, it is hidden
    /// pending review, and the hiding is written to the audit log with its rule. Returns the
    /// number of reports and whether the comment is hidden now.
    pub async fn report_comment(&self, s: &Session, ctx: &RequestCtx, id: &str, reason: &str) -> Result<(i64, bool)> {
        let (c, _) = self.readable_comment(s, id).await?;
        if c.author_id == s.user_id {
            return Err(AppError::Validation("you cannot report your own comment".into()));
        }
        let reason = text("reason", reason, 200)?;
        let now = self.now_ms();
        let reports = self.store.report_comment(id, &s.user_id, &reason, now).await?;
        if reports >= HIDE_AFTER_REPORTS && c.hidden_ms.is_none() {
            let rule = format!("{HIDE_AFTER_REPORTS} 位成员举报，待审核");
            if self.store.set_comment_hidden(id, Some((now, &rule)), false).await? {
                let who =
                    crate::audit::Who { actor_id: None, actor_name: "system".into(), actor_role: "system".into() };
                let details = json!({"topic": c.topic_id, "rule": "reports", "reports": reports, "reason": rule});
                self.record(&who, ctx, "moderation.hide", &format!("comment:{id}"), RESULT_OK, details).await?;
                let title = "你的评论被多位成员举报，已隐藏待审核；你可以申诉".to_owned();
                self.notify(vec![moderation_note(&c, title, now)]).await?;
            }
            return Ok((reports, true));
        }
        Ok((reports, c.hidden_ms.is_some()))
    }

    /// A moderator (the staff running the space) removes a comment, stating the rule it
    /// broke, or restores it. Both are written to the audit log.
    pub async fn moderate_comment(
        &self,
        s: &Session,
        ctx: &RequestCtx,
        id: &str,
        remove: bool,
        rule: &str,
    ) -> Result<()> {
        let (c, code) = self.readable_comment(s, id).await?;
        self.authorize(s, Action::ManageTopics, &Resource::Community(code))?;
        let rule = text("rule", rule, 200)?;
        let now = self.now_ms();
        let hidden = remove.then_some((now, rule.as_str()));
        self.store.set_comment_hidden(id, hidden, remove).await?;
        let title = if remove {
            format!("你的评论因违反「{rule}」已被删除；你可以申诉")
        } else {
            "你的评论经审核已恢复显示".to_owned()
        };
        if c.hidden_ms.is_some() || remove {
            self.notify(vec![moderation_note(&c, title, now)]).await?;
        }
        if !remove {
            // A restored comment starts afresh: earlier reports were reviewed.
            self.store.clear_comment_reports(id).await?;
        }
        let action = if remove { "moderation.remove" } else { "moderation.restore" };
        let details = json!({"topic": c.topic_id, "rule": rule, "author": c.author_id});
        self.record(&s.into(), ctx, action, &format!("comment:{id}"), RESULT_OK, details).await?;
        Ok(())
    }

    /// The author appeals against the hiding of their comment (once).
    pub async fn appeal_comment(&self, s: &Session, ctx: &RequestCtx, id: &str, body: &str) -> Result<()> {
        let (c, _) = self.readable_comment(s, id).await?;
        if c.author_id != s.user_id {
            return Err(AppError::Forbidden);
        }
        if c.hidden_ms.is_none() {
            return Err(AppError::Conflict("the comment is not hidden".into()));
        }
        let body = text("appeal", body, 1000)?;
        self.store.insert_appeal(id, &s.user_id, &body, self.now_ms()).await?;
        let details = json!({"topic": c.topic_id, "hidden_reason": c.hidden_reason});
        self.record(&s.into(), ctx, "moderation.appeal", &format!("comment:{id}"), RESULT_OK, details).await?;
        Ok(())
    }

    /// Moves a topic on (collect → discuss) or closes it. Opening the vote and recording the
    /// decision have their own calls.
    pub async fn move_topic(&self, s: &Session, id: &str, to: &str) -> Result<()> {
        let (topic, code) = self.readable_topic(s, id).await?;
        self.authorize_community(s, Action::ManageTopics, &code)?;
        let to = Phase::parse(to).ok_or_else(|| AppError::Validation(format!("unknown phase {to:?}")))?;
        let from = phase_of(&topic)?;
        if matches!(to, Phase::Decide | Phase::Decided) {
            return Err(AppError::Validation("open a poll to vote, and record a decision to decide".into()));
        }
        if !from.may_move_to(to) {
            return Err(AppError::Conflict(format!("a topic cannot go from {} to {}", from.as_str(), to.as_str())));
        }
        Ok(self.store.move_topic(id, from.as_str(), to.as_str(), None, self.now_ms()).await?)
    }

    /// Opens the vote: the topic moves to `decide`. The quorum's base is the community's
    /// participating members now.
    pub async fn open_poll(&self, s: &Session, id: &str, spec: PollSpec) -> Result<()> {
        let (topic, code) = self.readable_topic(s, id).await?;
        self.authorize_community(s, Action::ManageTopics, &code)?;
        let from = phase_of(&topic)?;
        if !from.may_move_to(Phase::Decide) {
            return Err(AppError::Conflict("a poll opens after the discussion".into()));
        }
        let now = self.now_ms();
        spec.check(now).map_err(|p| AppError::Validation(p.join("; ")))?;
        let poll = PollRow {
            topic_id: id.into(),
            question: spec.question.trim().into(),
            multiple: spec.multiple,
            anonymous: spec.anonymous,
            options: serde_json::to_string(&spec.options.iter().map(|o| o.trim()).collect::<Vec<_>>())
                .map_err(|e| AppError::Internal(e.to_string()))?,
            deadline_ms: spec.deadline_ms,
            quorum_pct: spec.quorum_pct,
            eligible: self.store.count_participants(code.as_str()).await?,
            created_ms: now,
        };
        Ok(self.store.open_poll(&poll, from.as_str()).await?)
    }

    /// One vote per member, before the deadline.
    pub async fn vote(&self, s: &Session, id: &str, choices: Vec<usize>) -> Result<()> {
        let (topic, code) = self.readable_topic(s, id).await?;
        self.authorize_community(s, Action::TakePart, &code)?;
        let poll = self.poll_view(s, id).await?.ok_or_else(|| AppError::Conflict("the topic has no poll".into()))?;
        if phase_of(&topic)? != Phase::Decide || self.now_ms() >= poll.spec.deadline_ms {
            return Err(AppError::Conflict("the poll is closed".into()));
        }
        poll.spec.check_vote(&choices).map_err(AppError::Validation)?;
        let json = serde_json::to_string(&choices).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(self.store.insert_vote(id, &s.user_id, &json, self.now_ms()).await?)
    }

    /// Records the decision (after the deadline, or once the quorum is met) and, if given,
    /// the action item that carries it out.
    pub async fn decide_topic(
        &self,
        s: &Session,
        id: &str,
        decision: &str,
        item: Option<NewActionItem>,
    ) -> Result<Option<ActionItemRow>> {
        let (topic, code) = self.readable_topic(s, id).await?;
        self.authorize_community(s, Action::ManageTopics, &code)?;
        let decision = text("decision", decision, 2000)?;
        if phase_of(&topic)? != Phase::Decide {
            return Err(AppError::Conflict("a decision follows a vote".into()));
        }
        let poll = self.poll_view(s, id).await?.ok_or_else(|| AppError::Conflict("the topic has no poll".into()))?;
        // Before the deadline only a quorum that was set and reached by real votes ends the poll.
        let early =
            poll.spec.quorum_pct > 0 && poll.tally.eligible > 0 && poll.tally.voters > 0 && poll.tally.quorum_met;
        if self.now_ms() < poll.spec.deadline_ms && !early {
            return Err(AppError::Conflict("the poll runs until its deadline or its quorum".into()));
        }
        let item = match item {
            Some(i) => Some(self.check_item(&code, &topic.community_id, Some(id.into()), i, s).await?),
            None => None,
        };
        self.store
            .move_topic(id, Phase::Decide.as_str(), Phase::Decided.as_str(), Some(&decision), self.now_ms())
            .await?;
        if let Some(i) = &item {
            self.store.insert_action_item(i).await?;
        }
        Ok(item)
    }

    async fn check_item(
        &self,
        code: &RegionCode,
        community_id: &str,
        topic_id: Option<String>,
        new: NewActionItem,
        s: &Session,
    ) -> Result<ActionItemRow> {
        let title = text("title", &new.title, 100)?;
        let owner = self.store.user_by_id(&new.owner_id).await?.filter(|u| !u.disabled);
        let owner = owner.ok_or_else(|| AppError::Validation("the owner must be an enabled account".into()))?;
        let member = self.is_member(&owner.id, code).await?;
        if !member {
            return Err(AppError::Validation("the owner must be a member of the community".into()));
        }
        let now = self.now_ms();
        Ok(ActionItemRow {
            id: uuid::Uuid::new_v4().to_string(),
            community_id: community_id.into(),
            topic_id,
            title,
            owner_id: owner.id,
            deadline_ms: new.deadline_ms,
            progress: 0,
            status: action_status(0, new.deadline_ms, now).into(),
            created_by: s.user_id.clone(),
            created_ms: now,
            updated_ms: now,
        })
    }

    /// An action item set directly (the committee and officers).
    pub async fn create_action_item(&self, s: &Session, code: &str, new: NewActionItem) -> Result<ActionItemRow> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ManageTopics, &c)?;
        let item = self.check_item(&c, &community.id, None, new, s).await?;
        self.store.insert_action_item(&item).await?;
        Ok(item)
    }

    /// An action item and its community's code, if the session may read it.
    pub(crate) async fn readable_item(&self, s: &Session, id: &str) -> Result<(ActionItemRow, RegionCode)> {
        let item = self.store.action_item(id).await?.ok_or(AppError::NotFound)?;
        let code = self.code_of_region(&item.community_id).await?;
        self.authorize_community(s, Action::ReadCommunity, &code)?;
        Ok((item, code))
    }

    /// An action item its owner or the staff running the space may work on (progress,
    /// sub-tasks); anyone else who may read it gets 403.
    pub(crate) async fn workable_item(&self, s: &Session, id: &str) -> Result<ActionItemRow> {
        let (item, code) = self.readable_item(s, id).await?;
        if item.owner_id != s.user_id {
            self.authorize(s, Action::ManageTopics, &Resource::Community(code))?;
        }
        Ok(item)
    }

    /// An action item of a community the session belongs to, with its updates.
    pub async fn action_item(&self, s: &Session, id: &str) -> Result<(ActionItemRow, Vec<ActionUpdateRow>)> {
        let (item, _) = self.readable_item(s, id).await?;
        let updates = self.store.action_updates(id).await?;
        Ok((item, updates))
    }

    /// Who volunteers for an item (as the reader may name them), whether the reader does, and
    /// the SHA-256 of the photos on its updates by update id.
    pub async fn action_item_extras(&self, s: &Session, item: &ActionItemRow) -> Result<ItemExtras> {
        let code = self.code_of_region(&item.community_id).await?;
        let staff = self.is_space_staff(s, &code);
        let ids = self.store.volunteers(&item.id).await?;
        let names = self.public_names(s, staff, &item.community_id, ids.iter().map(String::as_str)).await?;
        Ok(ItemExtras {
            may_work: staff || item.owner_id == s.user_id,
            subtasks: self.store.subtasks(&item.id).await?,
            i_volunteer: ids.contains(&s.user_id),
            volunteers: ids.iter().map(|id| names.get(id).cloned().unwrap_or_default()).collect(),
            photos: self.store.update_photo_hashes(&item.id).await?,
        })
    }

    /// Signs up to help with an action item, or withdraws (members who take part).
    pub async fn volunteer(&self, s: &Session, id: &str, join: bool) -> Result<()> {
        let (item, code) = self.readable_item(s, id).await?;
        self.authorize_community(s, Action::TakePart, &code)?;
        if join {
            if item.progress >= 100 {
                return Err(AppError::Conflict("the item is done".into()));
            }
            self.store.add_volunteer(id, &s.user_id, self.now_ms()).await?;
        } else {
            self.store.remove_volunteer(id, &s.user_id).await?;
        }
        Ok(())
    }

    /// Puts a photo on one's own progress update (a checked JPEG, metadata removed; one per
    /// update). Returns its SHA-256.
    pub async fn add_update_photo(&self, s: &Session, update_id: &str, bytes: &[u8]) -> Result<String> {
        let u = self.store.action_update(update_id).await?.ok_or(AppError::NotFound)?;
        self.readable_item(s, &u.item_id).await?;
        if u.author_id != s.user_id {
            return Err(AppError::Forbidden);
        }
        if self.store.update_photo(update_id).await?.is_some() {
            return Err(AppError::Conflict("the update has a photo already".into()));
        }
        let clean = crate::photo::clean_photo(bytes)?;
        let sha = crate::cases::sha256_hex(&clean.bytes);
        self.store.insert_update_photo(update_id, &clean.bytes, &sha, self.now_ms()).await?;
        Ok(sha)
    }

    /// The photo of a progress update (members of the community).
    pub async fn update_photo(&self, s: &Session, update_id: &str) -> Result<Vec<u8>> {
        let u = self.store.action_update(update_id).await?.ok_or(AppError::NotFound)?;
        self.readable_item(s, &u.item_id).await?;
        self.store.update_photo(update_id).await?.ok_or(AppError::NotFound)
    }

    /// Progress on an action item, by its owner or the staff running the space.
    pub async fn update_action_item(&self, s: &Session, id: &str, body: &str, progress: i64) -> Result<ActionItemRow> {
        let item = self.workable_item(s, id).await?;
        if !(0..=100).contains(&progress) {
            return Err(AppError::Validation("progress is a percentage, 0–100".into()));
        }
        // With sub-tasks, progress is their weighted share; an update only says how it goes.
        if progress != item.progress && !self.store.subtasks(id).await?.is_empty() {
            return Err(AppError::Validation(format!(
                "this item's progress follows its sub-tasks ({} %): tick them off instead",
                item.progress
            )));
        }
        let now = self.now_ms();
        let status = action_status(progress, item.deadline_ms, now);
        let u = ActionUpdateRow {
            id: uuid::Uuid::new_v4().to_string(),
            item_id: id.into(),
            author_id: s.user_id.clone(),
            body: text("update", body, 2000)?,
            progress,
            created_ms: now,
        };
        self.store.add_action_update(&u, status).await?;
        Ok(ActionItemRow { progress, status: status.into(), updated_ms: now, ..item })
    }

    /// The action items of a community, newest first, with their status as of now.
    pub async fn list_action_items(&self, s: &Session, code: &str) -> Result<Vec<ActionItemRow>> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ReadCommunity, &c)?;
        let now = self.now_ms();
        Ok(self
            .store
            .list_action_items(&community.id)
            .await?
            .into_iter()
            .map(|i| ActionItemRow { status: action_status(i.progress, i.deadline_ms, now).into(), ..i })
            .collect())
    }

    /// The action item that carries out a topic's decision, if any.
    pub async fn topic_action_item(&self, s: &Session, topic: &TopicRow) -> Result<Option<ActionItemRow>> {
        let code = self.code_of_region(&topic.community_id).await?;
        self.authorize_community(s, Action::ReadCommunity, &code)?;
        let now = self.now_ms();
        Ok(self
            .store
            .action_item_of_topic(&topic.id)
            .await?
            .map(|i| ActionItemRow { status: action_status(i.progress, i.deadline_ms, now).into(), ..i }))
    }

    /// The members of a community (in it or one of its grids), for the staff running the
    /// space: whom an action item can be given to. Residents do not get the list, so a
    /// resident stays unknown to neighbours.
    pub async fn community_members(&self, s: &Session, code: &str) -> Result<Vec<palmgrid_store::MemberRow>> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ManageTopics, &c)?;
        Ok(self.store.members_in(c.as_str(), &community.id).await?)
    }

    /// Display names of users and codes of regions, for views that show them beside ids.
    /// Users are named as the reader may see them in the community of `region_ids[0]`:
    /// members anonymous to neighbours by their alias and without their id (see
    /// [`App::public_names`]).
    pub async fn labels(&self, s: &Session, user_ids: &[&str], region_ids: &[&str]) -> Result<Labels> {
        let mut out = Labels::default();
        if let (false, Some(community_id)) = (user_ids.is_empty(), region_ids.first()) {
            let code = self.code_of_region(community_id).await?;
            let staff = self.authorize(s, Action::ManageTopics, &Resource::Community(code)).is_ok();
            out.users = self.public_names(s, staff, community_id, user_ids.iter().copied()).await?;
            if !staff {
                let ids: Vec<String> = user_ids.iter().map(|u| u.to_string()).collect();
                out.hidden = self.store.anonymous_members(&ids).await?;
                out.hidden.remove(&s.user_id);
            }
        }
        for id in region_ids {
            if !out.codes.contains_key(*id) {
                let code = self.store.region(id).await?.map(|r| r.code).unwrap_or_default();
                out.codes.insert(id.to_string(), code);
            }
        }
        Ok(out)
    }

    /// The community's public board: its cases (without who reported them), topics with
    /// their counts, and action items with their progress.
    pub async fn board(&self, s: &Session, code: &str) -> Result<Board> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ReadCommunity, &c)?;
        let grids: std::collections::HashMap<String, String> = self
            .store
            .list_regions()
            .await?
            .into_iter()
            .filter(|r| r.level == "grid" && r.parent_id.as_deref() == Some(community.id.as_str()))
            .map(|r| (r.id, r.name))
            .collect();
        let filter = CaseFilter { grid_ids: grids.keys().cloned().collect(), limit: 200, ..Default::default() };
        let cases = if grids.is_empty() { vec![] } else { self.store.list_cases(&filter).await? };
        let cases = cases
            .into_iter()
            .filter(|r| !matches!(r.state.as_str(), "cancelled" | "merged"))
            .map(|r| BoardCase {
                category: self.cases.categories.category(&r.category).map(|c| c.name.clone()).unwrap_or(r.category),
                grid_name: r.grid_id.as_ref().and_then(|g| grids.get(g).cloned()),
                number: r.number,
                state: r.state,
                created_ms: r.created_ms,
                closed_ms: r.closed_ms,
                rating: r.rating,
            })
            .collect();
        let mut topics = Vec::new();
        for t in self.store.list_topics(&community.id).await? {
            let tally = self.poll_view(s, &t.id).await?.map(|p| (p.spec.options, p.tally));
            topics.push((t, tally));
        }
        let items = self.store.list_action_items(&community.id).await?;
        let now = self.now_ms();
        let items = items
            .into_iter()
            .map(|i| ActionItemRow { status: action_status(i.progress, i.deadline_ms, now).into(), ..i })
            .collect();
        let mut services = ServiceStats::default();
        let mut sum = 0;
        for (state, n, rated, ratings) in self.store.service_stats(&community.id).await? {
            match state.as_str() {
                "open" => services.open += n,
                "accepted" => services.accepted += n,
                "done" => services.done += n,
                _ => services.cancelled += n,
            }
            services.rated += rated;
            sum += ratings;
        }
        services.mean_rating = (services.rated > 0).then(|| sum as f64 / services.rated as f64);
        Ok(Board { community, cases, topics, items, services })
    }
}

/// A new mediation case.
#[derive(Debug, Clone, Default)]
pub struct NewMediation {
    pub title: String,
    pub summary: String,
    /// User ids of the parties (at least two... or one with a unit; at least one).
    pub parties: Vec<String>,
    pub mediator_id: String,
}

/// A mediation with its parties' and mediator's names and its record.
#[derive(Debug, Clone)]
pub struct MediationDetail {
    pub mediation: palmgrid_store::MediationRow,
    /// The community's code.
    pub community_code: String,
    pub parties: Vec<(String, String)>,
    pub mediator_name: String,
    /// Entries with their author's name.
    pub entries: Vec<(palmgrid_store::MediationEntryRow, String)>,
}

impl App {
    /// Registers a mediation (登记受理): the staff running the space name the parties and the
    /// mediator, who must be members of the community. From then on only the parties and the
    /// mediator see it — not even whoever registered it, unless they mediate.
    pub async fn register_mediation(
        &self,
        s: &Session,
        ctx: &RequestCtx,
        code: &str,
        new: NewMediation,
    ) -> Result<String> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ManageTopics, &c)?;
        let title = text("title", &new.title, 100)?;
        let summary = text("summary", &new.summary, 4000)?;
        if new.parties.is_empty() || new.parties.len() > 20 {
            return Err(AppError::Validation("a mediation has 1–20 parties".into()));
        }
        let mut parties = new.parties.clone();
        parties.sort();
        parties.dedup();
        if parties.contains(&new.mediator_id) {
            return Err(AppError::Validation("the mediator cannot be a party".into()));
        }
        for u in parties.iter().chain(std::iter::once(&new.mediator_id)) {
            let member = self.is_member(u, &c).await?;
            if !member {
                return Err(AppError::Validation("parties and mediator must be members of the community".into()));
            }
        }
        let now = self.now_ms();
        let m = palmgrid_store::MediationRow {
            id: uuid::Uuid::new_v4().to_string(),
            community_id: community.id,
            title,
            summary,
            state: "registered".into(),
            mediator_id: new.mediator_id,
            created_by: s.user_id.clone(),
            agreement: None,
            escalated_to: None,
            created_ms: now,
            updated_ms: now,
        };
        self.store.insert_mediation(&m, &parties).await?;
        // The fact is audited, not what the dispute is about: the record is for its people.
        let details = json!({"community": code, "parties": parties.len(), "mediator": m.mediator_id});
        self.record(&s.into(), ctx, "mediation.register", &format!("mediation:{}", m.id), RESULT_OK, details).await?;
        let notes = parties
            .iter()
            .chain(std::iter::once(&m.mediator_id))
            .map(|u| palmgrid_store::NotificationRow {
                id: 0,
                user_id: u.clone(),
                case_id: None,
                kind: "mediation".into(),
                title: format!("调解「{}」已登记受理", m.title),
                created_ms: now,
                read_ms: None,
                subject: Some(format!("mediation:{}", m.id)),
            })
            .collect();
        self.notify(notes).await?;
        Ok(m.id)
    }

    /// A mediation the session is a party to or mediates; 404 for everyone else.
    pub async fn mediation(&self, s: &Session, id: &str) -> Result<MediationDetail> {
        let m = self.store.mediation(id).await?.ok_or(AppError::NotFound)?;
        let parties = self.store.mediation_parties(id).await?;
        let involved = m.mediator_id == s.user_id || parties.contains(&s.user_id);
        match self.authorize(s, Action::ReadMediation, &Resource::Mediation { involved }) {
            Ok(()) => {}
            Err(AppError::Forbidden) => return Err(AppError::NotFound),
            Err(e) => return Err(e),
        }
        let entries = self.store.mediation_entries(id).await?;
        let mut ids: Vec<String> =
            parties.iter().chain([&m.mediator_id]).chain(entries.iter().map(|e| &e.author_id)).cloned().collect();
        ids.sort();
        ids.dedup();
        let mut names = self.store.display_names(&ids).await?;
        for id in ids {
            names.entry(id).or_default();
        }
        Ok(MediationDetail {
            community_code: self.code_of_region(&m.community_id).await?.as_str().to_owned(),
            mediator_name: names[&m.mediator_id].clone(),
            entries: entries
                .into_iter()
                .map(|e| {
                    let n = names[&e.author_id].clone();
                    (e, n)
                })
                .collect(),
            parties: parties.iter().map(|p| (p.clone(), names[p].clone())).collect(),
            mediation: m,
        })
    }

    /// Mediations the session is part of.
    pub async fn my_mediations(&self, s: &Session) -> Result<Vec<palmgrid_store::MediationRow>> {
        Ok(self.store.mediations_of(&s.user_id).await?)
    }

    /// A step by the mediator: `session` (notes of a meeting), `agreement` (the agreement's
    /// text), `follow_up` (回访), `escalation` (`to`: `street` or `court`) or `closing`.
    pub async fn mediation_step(
        &self,
        s: &Session,
        ctx: &RequestCtx,
        id: &str,
        step: &str,
        notes: &str,
        to: Option<&str>,
    ) -> Result<()> {
        let d = self.mediation(s, id).await?;
        if d.mediation.mediator_id != s.user_id {
            return Err(AppError::Forbidden);
        }
        let notes = text("notes", notes, 8000)?;
        let next = palmgrid_domain::community::mediation_step(&d.mediation.state, step).ok_or_else(|| {
            AppError::Conflict(format!("a {step} step does not follow a mediation that is {}", d.mediation.state))
        })?;
        let escalated_to = match (step, to) {
            ("escalation", Some(t @ ("street" | "court"))) => Some(t),
            ("escalation", _) => return Err(AppError::Validation("escalate to street or court".into())),
            _ => None,
        };
        let e = palmgrid_store::MediationEntryRow {
            id: uuid::Uuid::new_v4().to_string(),
            mediation_id: id.into(),
            kind: step.into(),
            notes: notes.clone(),
            author_id: s.user_id.clone(),
            created_ms: self.now_ms(),
        };
        let agreement = (step == "agreement").then_some(notes.as_str());
        self.store.add_mediation_entry(&e, &d.mediation.state, next, agreement, escalated_to).await?;
        let details = json!({"step": step, "state": next, "escalated_to": escalated_to});
        self.record(&s.into(), ctx, "mediation.step", &format!("mediation:{id}"), RESULT_OK, details).await?;
        Ok(())
    }
}

/// Who a notice was for, and who has read it.
#[derive(Debug, Clone)]
pub struct Receipts {
    /// The members taking part under the notice's target.
    pub audience: Vec<(String, String)>,
    /// (user id, name, read time) of those who read it, in order.
    pub read: Vec<(String, String, i64)>,
}

const PARTICIPANTS: [&str; 4] = ["resident", "property_manager", "local_unit", "social_org"];

impl App {
    /// Whether a notice to `target` (and `building`) is for this session: the staff see every
    /// notice; community-wide notices are for every member; a notice to a grid is for members
    /// whose scope lies in that grid; a notice to a building is for the members whose home is
    /// there (`home`: the session's building in this community).
    fn notice_is_for(
        &self,
        s: &Session,
        target: &RegionCode,
        building: Option<&str>,
        community: &RegionCode,
        home: Option<&str>,
    ) -> bool {
        if self.is_space_staff(s, community) {
            return true;
        }
        if let Some(b) = building {
            return home == Some(b);
        }
        target == community || s.actor.grants.iter().any(|g| g.scope.as_ref().is_some_and(|sc| sc.is_within(target)))
    }

    /// The session's building in a community, if its home is recorded.
    async fn home_building(&self, s: &Session, community_id: &str) -> Result<Option<String>> {
        Ok(self.store.member_home(&s.user_id, community_id).await?.map(|h| h.building_id))
    }

    /// Posts a notice to the community, one of its grids or one of its buildings (the staff
    /// running the space).
    pub async fn post_notice(
        &self,
        s: &Session,
        code: &str,
        target: Option<&str>,
        building: Option<&str>,
        title: &str,
        body: &str,
    ) -> Result<palmgrid_store::NoticeRow> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ManageTopics, &c)?;
        let (target_id, building) = self.target_and_building(&community, code, target, building).await?;
        let n = palmgrid_store::NoticeRow {
            id: uuid::Uuid::new_v4().to_string(),
            community_id: community.id,
            target_id,
            building_id: building.map(|b| b.id),
            title: text("title", title, 100)?,
            body: text("body", body, 8000)?,
            created_by: s.user_id.clone(),
            created_ms: self.now_ms(),
        };
        self.store.insert_notice(&n).await?;
        Ok(n)
    }

    /// The notices of a community meant for the session, newest first, with whether it has
    /// read each.
    pub async fn notices(&self, s: &Session, code: &str) -> Result<Vec<(palmgrid_store::NoticeRow, bool)>> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ReadCommunity, &c)?;
        let codes: std::collections::HashMap<String, String> =
            self.store.list_regions().await?.into_iter().map(|r| (r.id, r.code)).collect();
        let home = self.home_building(s, &community.id).await?;
        Ok(self
            .store
            .list_notices(&community.id, &s.user_id)
            .await?
            .into_iter()
            .filter(|(n, _)| {
                codes
                    .get(&n.target_id)
                    .and_then(|t| RegionCode::parse(t).ok())
                    .is_some_and(|t| self.notice_is_for(s, &t, n.building_id.as_deref(), &c, home.as_deref()))
            })
            .collect())
    }

    /// Opens a notice, which counts as reading it.
    pub async fn read_notice(&self, s: &Session, id: &str) -> Result<palmgrid_store::NoticeRow> {
        let (n, target, c) = self.notice_of(s, id).await?;
        let home = self.home_building(s, &n.community_id).await?;
        if !self.notice_is_for(s, &target, n.building_id.as_deref(), &c, home.as_deref()) {
            return Err(AppError::NotFound);
        }
        self.store.mark_notice_read(id, &s.user_id, self.now_ms()).await?;
        Ok(n)
    }

    async fn notice_of(&self, s: &Session, id: &str) -> Result<(palmgrid_store::NoticeRow, RegionCode, RegionCode)> {
        let n = self.store.notice(id).await?.ok_or(AppError::NotFound)?;
        let c = self.code_of_region(&n.community_id).await?;
        let target = self.code_of_region(&n.target_id).await?;
        self.authorize_community(s, Action::ReadCommunity, &c)?;
        Ok((n, target, c))
    }

    /// Read receipts of a notice (the staff running the space).
    pub async fn notice_receipts(&self, s: &Session, id: &str) -> Result<Receipts> {
        let (n, target, c) = self.notice_of(s, id).await?;
        self.authorize_community(s, Action::ManageTopics, &c)?;
        // A building's residents may hold their membership over the whole community.
        let under = if n.building_id.is_some() { &c } else { &target };
        let mut audience = self.store.members_under(under.as_str(), &PARTICIPANTS).await?;
        if let Some(b) = &n.building_id {
            let living: std::collections::HashSet<String> = self
                .store
                .member_homes(&n.community_id)
                .await?
                .into_iter()
                .filter(|h| h.building_id == *b)
                .map(|h| h.user_id)
                .collect();
            audience.retain(|(u, _)| living.contains(u));
        }
        // Only the audience's reads count: staff opening a notice are not its readers.
        let read = self
            .store
            .notice_reads(id)
            .await?
            .into_iter()
            .filter_map(|(user, at)| {
                audience.iter().find(|(u, _)| *u == user).map(|(_, name)| (user.clone(), name.clone(), at))
            })
            .collect();
        Ok(Receipts { audience, read })
    }
}

/// How long an invite can be used.
pub const INVITE_TTL_MS: i64 = 7 * 86_400_000;

/// A join request with the address it was issued for and the account's names.
#[derive(Debug, Clone)]
pub struct JoinRequest {
    pub request: palmgrid_store::JoinRequestRow,
    pub address: String,
    /// The building the invite was issued for, by name.
    pub building: Option<String>,
    pub username: String,
    pub display_name: String,
}

impl App {
    /// An officer issues an invite for an address in the community (or one of its grids, or
    /// one of its buildings: then the address is the rest of it, unit and room). Returns the
    /// invite and its code, shown once (as text and as a QR of the join link).
    pub async fn issue_invite(
        &self,
        s: &Session,
        code: &str,
        target: Option<&str>,
        building: Option<&str>,
        address: &str,
    ) -> Result<(palmgrid_store::InviteRow, String)> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ManageTopics, &c)?;
        let (target_id, building) = self.target_and_building(&community, code, target, building).await?;
        let secret = data_encoding::BASE32_NOPAD.encode(&crate::random_bytes::<10>());
        let now = self.now_ms();
        let row = palmgrid_store::InviteRow {
            id: uuid::Uuid::new_v4().to_string(),
            code_hash: crate::auth::hash_token(&secret),
            community_id: community.id,
            target_id,
            building_id: building.map(|b| b.id),
            address: text("address", address, 200)?,
            issued_by: s.user_id.clone(),
            created_ms: now,
            expires_ms: now + INVITE_TTL_MS,
            used_ms: None,
        };
        self.store.insert_invite(&row).await?;
        Ok((row, secret))
    }

    /// Registers an account with an invite (no session: this is how a resident arrives).
    /// The account can log in but belongs to no community until staff verify it. A wrong,
    /// used or expired code is refused after the login failure delay.
    pub async fn join_with_invite(&self, ctx: &RequestCtx, code: &str, new: crate::users::NewUser) -> Result<String> {
        let code = code.trim().to_ascii_uppercase();
        let invite = self.store.invite_by_hash(&crate::auth::hash_token(&code)).await?;
        let now = self.now_ms();
        let Some(invite) = invite.filter(|i| i.used_ms.is_none() && i.expires_ms > now) else {
            tokio::time::sleep(std::time::Duration::from_millis(self.auth.failure_delay_ms)).await;
            return Err(AppError::Validation("the invite code is not valid (wrong, used or expired)".into()));
        };
        let user = self.new_user_row(&new).await?;
        let request = palmgrid_store::JoinRequestRow {
            id: uuid::Uuid::new_v4().to_string(),
            invite_id: invite.id.clone(),
            user_id: user.id.clone(),
            state: "pending".into(),
            created_ms: now,
            decided_by: None,
            decided_ms: None,
        };
        self.store.join_with_invite(&invite.id, &user, &request).await?;
        let who = crate::audit::Who {
            actor_id: Some(user.id.clone()),
            actor_name: user.username.clone(),
            actor_role: String::new(),
        };
        self.record(
            &who,
            ctx,
            "community.join",
            &format!("invite:{}", invite.id),
            RESULT_OK,
            json!({"address": invite.address}),
        )
        .await?;
        Ok(request.id)
    }

    /// Join requests of a community (the staff running it): who asked, for which address.
    pub async fn join_requests(&self, s: &Session, code: &str) -> Result<Vec<JoinRequest>> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ManageTopics, &c)?;
        let mut out = Vec::new();
        let buildings: std::collections::HashMap<String, String> =
            self.store.buildings(&community.id).await?.into_iter().map(|b| (b.id, b.name)).collect();
        for (request, invite) in self.store.join_requests(&community.id).await? {
            let u = self.store.user_by_id(&request.user_id).await?.ok_or(AppError::NotFound)?;
            out.push(JoinRequest {
                request,
                building: invite.building_id.as_ref().and_then(|b| buildings.get(b).cloned()),
                address: invite.address,
                username: u.username,
                display_name: u.display_name,
            });
        }
        Ok(out)
    }

    /// Verifies (a resident membership over the invite's target) or rejects a join request.
    pub async fn decide_join(&self, s: &Session, ctx: &RequestCtx, id: &str, verify: bool) -> Result<()> {
        let request = self.store.join_request(id).await?.ok_or(AppError::NotFound)?;
        let invite = self.store.invite(&request.invite_id).await?.ok_or(AppError::NotFound)?;
        let c = self.code_of_region(&invite.community_id).await?;
        self.authorize_community(s, Action::ManageTopics, &c)?;
        let mid = palmgrid_domain::MembershipId::new().to_string();
        let membership =
            verify.then_some((mid.as_str(), request.user_id.as_str(), "resident", invite.target_id.as_str()));
        let state = if verify { "verified" } else { "rejected" };
        let now = self.now_ms();
        let home = invite.building_id.as_ref().filter(|_| verify).map(|b| palmgrid_store::MemberHomeRow {
            user_id: request.user_id.clone(),
            community_id: invite.community_id.clone(),
            building_id: b.clone(),
            address: invite.address.clone(),
            created_ms: now,
        });
        self.store.decide_join(id, state, &s.user_id, now, membership, home.as_ref()).await?;
        let action = if verify { "community.verify" } else { "community.reject" };
        self.record(
            &s.into(),
            ctx,
            action,
            &format!("user:{}", request.user_id),
            RESULT_OK,
            json!({"address": invite.address}),
        )
        .await?;
        Ok(())
    }
}

/// A chat message as members see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChatMessage {
    pub id: i64,
    /// Empty when the author is anonymous to the reader.
    pub author_id: String,
    pub author_name: String,
    /// The author's alias in this community, when they chose to be anonymous to neighbours.
    pub alias: Option<String>,
    pub body: String,
    /// A picture sent with the message (`GET /api/v1/chat-images/{id}`).
    pub image_id: Option<String>,
    pub created_ms: i64,
}

/// Who reads a chat: an anonymous author's name is shown only to themselves and the staff
/// running the space; everyone else sees the alias and no author id.
#[derive(Debug, Clone)]
pub struct ChatReader {
    pub user_id: String,
    pub staff: bool,
}

impl ChatReader {
    pub fn show(&self, m: ChatMessage) -> ChatMessage {
        match &m.alias {
            Some(a) if !self.staff && m.author_id != self.user_id => {
                ChatMessage { author_name: a.clone(), author_id: String::new(), ..m }
            }
            _ => m,
        }
    }
}

/// Live chat rooms: one broadcast channel per community, made on first use. Posting holds
/// the room's lock from insert to send, so every member receives messages in number order.
#[derive(Debug, Default)]
pub struct ChatRooms(std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Room>>>);

#[derive(Debug)]
pub struct Room {
    tx: tokio::sync::broadcast::Sender<ChatMessage>,
    order: tokio::sync::Mutex<()>,
}

impl ChatRooms {
    fn room(&self, community_id: &str) -> std::sync::Arc<Room> {
        let mut rooms = self.0.lock().unwrap_or_else(|e| e.into_inner());
        rooms
            .entry(community_id.to_owned())
            .or_insert_with(|| {
                std::sync::Arc::new(Room { tx: tokio::sync::broadcast::channel(1024).0, order: Default::default() })
            })
            .clone()
    }
}

impl App {
    /// Joins a community's chat: the live feed (subscribed first) and the latest history,
    /// so a client that drops duplicates by id misses nothing.
    pub async fn chat_join(
        &self,
        s: &Session,
        code: &str,
    ) -> Result<(Vec<ChatMessage>, tokio::sync::broadcast::Receiver<ChatMessage>, ChatReader)> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ReadCommunity, &c)?;
        let rx = self.chat.room(&community.id).tx.subscribe();
        let reader = self.chat_reader(s, &c);
        let history = self.chat_history_of(&community.id, None).await?;
        Ok((history.into_iter().map(|m| reader.show(m)).collect(), rx, reader))
    }

    fn chat_reader(&self, s: &Session, c: &RegionCode) -> ChatReader {
        ChatReader { user_id: s.user_id.clone(), staff: self.is_space_staff(s, c) }
    }

    async fn chat_history_of(&self, community_id: &str, before: Option<i64>) -> Result<Vec<ChatMessage>> {
        let rows = self.store.chat_history(community_id, before, 50).await?;
        let mut ids: Vec<String> = rows.iter().map(|m| m.author_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let anonymous = self.store.anonymous_members(&ids).await?;
        let names = self.store.display_names(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|m| ChatMessage {
                id: m.id,
                author_name: names.get(&m.author_id).cloned().unwrap_or_default(),
                alias: anonymous.contains(&m.author_id).then(|| alias(community_id, &m.author_id)),
                author_id: m.author_id,
                body: m.body,
                image_id: m.image_id,
                created_ms: m.created_ms,
            })
            .collect())
    }

    /// Earlier messages (50 before `before`).
    pub async fn chat_history(&self, s: &Session, code: &str, before: Option<i64>) -> Result<Vec<ChatMessage>> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ReadCommunity, &c)?;
        let reader = self.chat_reader(s, &c);
        Ok(self.chat_history_of(&community.id, before).await?.into_iter().map(|m| reader.show(m)).collect())
    }

    /// Posts a message to every member connected, in order. `@username` tells that member
    /// (a notification of kind `mention`), if they belong to the community.
    pub async fn chat_post(&self, s: &Session, code: &str, body: &str) -> Result<ChatMessage> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ReadCommunity, &c)?;
        let body = text("message", body, 2000)?;
        self.chat_send(s, &community, &c, body, None).await
    }

    /// Posts a picture (a JPEG, checked and stripped of metadata like case photos) with an
    /// optional caption to the chat (members).
    pub async fn chat_post_image(&self, s: &Session, code: &str, caption: &str, bytes: &[u8]) -> Result<ChatMessage> {
        let (community, c) = self.community(code).await?;
        self.authorize_community(s, Action::ReadCommunity, &c)?;
        let caption = if caption.trim().is_empty() { String::new() } else { text("caption", caption, 200)? };
        let clean = crate::photo::clean_photo(bytes)?;
        let id = uuid::Uuid::new_v4().to_string();
        let sha = crate::cases::sha256_hex(&clean.bytes);
        self.store.insert_chat_image(&id, &community.id, &clean.bytes, &sha, &s.user_id, self.now_ms()).await?;
        self.chat_send(s, &community, &c, caption, Some(id)).await
    }

    /// A chat picture (members of its community; anyone else gets 404).
    pub async fn chat_image(&self, s: &Session, id: &str) -> Result<Vec<u8>> {
        let (community_id, jpeg) = self.store.chat_image(id).await?.ok_or(AppError::NotFound)?;
        let c = self.code_of_region(&community_id).await?;
        self.authorize_community(s, Action::ReadCommunity, &c)?;
        Ok(jpeg)
    }

    async fn chat_send(
        &self,
        s: &Session,
        community: &RegionRow,
        c: &RegionCode,
        body: String,
        image_id: Option<String>,
    ) -> Result<ChatMessage> {
        let room = self.chat.room(&community.id);
        let _order = room.order.lock().await;
        let now = self.now_ms();
        let row = palmgrid_store::ChatMessageRow {
            id: 0,
            community_id: community.id.clone(),
            author_id: s.user_id.clone(),
            body: body.clone(),
            image_id: image_id.clone(),
            created_ms: now,
        };
        let anonymous = self.is_anonymous(s).await?;
        let id = self.store.insert_chat_message(&row).await?;
        let msg = ChatMessage {
            id,
            author_id: s.user_id.clone(),
            author_name: s.display_name.clone(),
            alias: anonymous.then(|| alias(&community.id, &s.user_id)),
            body,
            image_id,
            created_ms: now,
        };
        let _ = room.tx.send(msg.clone());
        drop(_order);
        self.notify_mentions(s, c, &msg).await?;
        Ok(msg)
    }

    async fn notify_mentions(&self, s: &Session, c: &RegionCode, msg: &ChatMessage) -> Result<()> {
        let mut notes = Vec::new();
        for name in msg.body.split_whitespace().filter_map(|w| w.strip_prefix('@')).take(10) {
            let name = name.trim_end_matches(|ch: char| !ch.is_alphanumeric() && ch != '_' && ch != '-' && ch != '.');
            let Some(u) = self.store.user_by_username(&crate::auth::normalize_username(name)).await? else { continue };
            let member = self.is_member(&u.id, c).await?;
            if member && u.id != s.user_id && !notes.iter().any(|n: &palmgrid_store::NotificationRow| n.user_id == u.id)
            {
                notes.push(palmgrid_store::NotificationRow {
                    id: 0,
                    user_id: u.id,
                    case_id: None,
                    kind: "mention".into(),
                    // An anonymous author stays anonymous in the notification too.
                    title: format!("{} 在社区群聊中提到了你", msg.alias.as_deref().unwrap_or(&s.display_name)),
                    created_ms: msg.created_ms,
                    read_ms: None,
                    subject: Some(format!("community:{}", c.as_str())),
                });
            }
        }
        self.notify(notes).await
    }

    /// Writes notifications that belong to no case change, then pushes them.
    pub(crate) async fn notify(&self, notes: Vec<palmgrid_store::NotificationRow>) -> Result<()> {
        if notes.is_empty() {
            return Ok(());
        }
        let ids =
            self.store.write_case(&palmgrid_store::CaseWrite { notifications: &notes, ..Default::default() }).await?;
        self.notifier.send(notes, ids);
        Ok(())
    }
}
