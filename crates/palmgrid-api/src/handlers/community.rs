//! 掌上社区: topics, comments, polls, decisions, action items and the public board.

use crate::ApiState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Authed, Json, Path};
use crate::handlers::recordings::parse_time;
use crate::views::{ItemsView, rfc3339};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use palmgrid_app::community::{Labels, NewActionItem, NewTopic, TopicDetail};
use palmgrid_domain::community::{Phase, PollSpec, Tally};
use palmgrid_store::{ActionItemRow, ActionUpdateRow, TopicRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct TopicView {
    pub id: String,
    /// The community the topic belongs to.
    pub community_code: String,
    pub title: String,
    pub body: String,
    /// `collect`, `discuss`, `decide`, `decided` or `closed`.
    pub phase: String,
    pub phase_name: String,
    pub case_id: Option<String>,
    /// Whether the topic carries a masked camera picture (`evidence.png`).
    pub has_evidence: bool,
    pub evidence_sha256: Option<String>,
    pub decision: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
    /// Slow mode: a member may comment once per this many seconds (0: off).
    pub slow_mode_s: i64,
}

impl TopicView {
    fn new(t: TopicRow, l: &Labels) -> Self {
        TopicView {
            community_code: l.code(&t.community_id),
            phase_name: Phase::parse(&t.phase).map(|p| p.zh_name()).unwrap_or_default().into(),
            has_evidence: t.evidence_sha256.is_some(),
            decided_at: t.decided_ms.map(rfc3339),
            created_at: rfc3339(t.created_ms),
            slow_mode_s: t.slow_mode_s,
            id: t.id,
            title: t.title,
            body: t.body,
            phase: t.phase,
            case_id: t.case_id,
            evidence_sha256: t.evidence_sha256,
            decision: t.decision,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TallyView {
    pub counts: Vec<u64>,
    pub voters: u64,
    pub eligible: u64,
    pub turnout: f64,
    pub quorum_met: bool,
    pub leading: Vec<usize>,
}

impl From<Tally> for TallyView {
    fn from(t: Tally) -> Self {
        TallyView {
            counts: t.counts,
            voters: t.voters,
            eligible: t.eligible,
            turnout: t.turnout,
            quorum_met: t.quorum_met,
            leading: t.leading,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PollView {
    pub question: String,
    pub options: Vec<String>,
    pub multiple: bool,
    pub anonymous: bool,
    pub deadline: String,
    pub quorum_pct: i64,
    pub tally: TallyView,
    /// The reader's own choices.
    pub mine: Option<Vec<usize>>,
    /// Who voted how: only for polls that are not anonymous.
    pub voters: Vec<VoterView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VoterView {
    pub name: String,
    pub choices: Vec<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    pub id: String,
    pub parent_id: Option<String>,
    pub author_name: String,
    /// Empty when the comment is hidden and the reader is neither its author nor a moderator.
    pub body: String,
    pub created_at: String,
    pub hidden: bool,
    /// Why it is hidden: the reports pending review, or the rule a moderator named.
    pub hidden_reason: Option<String>,
    /// `visible`, `pending` (hidden by reports, waiting for review) or `removed` (by a moderator).
    pub state: String,
    /// The reader wrote it.
    pub mine: bool,
    /// The reader has reported it.
    pub i_reported: bool,
    /// How many members reported it (for moderators; 0 for everyone else).
    pub reports: i64,
    /// The author's appeal (for the author and the moderators).
    pub appeal: Option<AppealView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppealView {
    pub body: String,
    pub created_at: String,
}

impl From<palmgrid_app::community::CommentEntry> for CommentView {
    fn from(e: palmgrid_app::community::CommentEntry) -> Self {
        let c = e.row;
        let state = match (c.hidden_ms.is_some(), c.removed) {
            (false, _) => "visible",
            (true, false) => "pending",
            (true, true) => "removed",
        };
        CommentView {
            id: c.id,
            parent_id: c.parent_id,
            author_name: e.name,
            body: c.body,
            created_at: rfc3339(c.created_ms),
            hidden: c.hidden_ms.is_some(),
            hidden_reason: c.hidden_reason,
            state: state.into(),
            mine: e.mine,
            i_reported: e.moderation.i_reported,
            reports: e.moderation.reports,
            appeal: e.moderation.appeal.map(|(body, at)| AppealView { body, created_at: rfc3339(at) }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopicDetailView {
    pub topic: TopicView,
    /// The action item carrying out the decision, once there is one.
    pub action_item: Option<ActionItemView>,
    pub comments: Vec<CommentView>,
    pub poll: Option<PollView>,
    /// The reader may move the topic, open its poll and record the decision.
    pub may_manage: bool,
    /// The reader may comment and vote.
    pub may_take_part: bool,
}

impl TopicDetailView {
    fn new(d: TopicDetail, item: Option<ActionItemRow>, l: &Labels) -> Self {
        TopicDetailView {
            topic: TopicView::new(d.topic, l),
            action_item: item.map(|i| ActionItemView::new(i, l)),
            comments: d.comments.into_iter().map(Into::into).collect(),
            poll: d.poll.map(|p| PollView {
                question: p.spec.question,
                options: p.spec.options,
                multiple: p.spec.multiple,
                anonymous: p.spec.anonymous,
                deadline: rfc3339(p.spec.deadline_ms),
                quorum_pct: p.spec.quorum_pct,
                tally: p.tally.into(),
                mine: p.mine,
                voters: p.voters.into_iter().map(|(name, choices)| VoterView { name, choices }).collect(),
            }),
            may_manage: d.may_manage,
            may_take_part: d.may_take_part,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionItemView {
    pub id: String,
    pub topic_id: Option<String>,
    pub title: String,
    /// Empty when the owner is anonymous to the reader.
    pub owner_id: String,
    pub owner_name: String,
    /// The community the item belongs to.
    pub community_code: String,
    pub deadline: Option<String>,
    /// 0–100.
    pub progress: i64,
    /// `open`, `in_progress`, `done` or `overdue`.
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

impl ActionItemView {
    fn new(a: ActionItemRow, l: &Labels) -> Self {
        ActionItemView {
            owner_name: l.user(&a.owner_id),
            community_code: l.code(&a.community_id),
            deadline: a.deadline_ms.map(rfc3339),
            created_at: rfc3339(a.created_ms),
            updated_at: rfc3339(a.updated_ms),
            id: a.id,
            topic_id: a.topic_id,
            title: a.title,
            owner_id: l.id(&a.owner_id),
            progress: a.progress,
            status: a.status,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionUpdateView {
    pub id: String,
    pub body: String,
    pub progress: i64,
    /// Empty when the author is anonymous to the reader.
    pub author_id: String,
    pub author_name: String,
    pub created_at: String,
    /// SHA-256 of the update's photo (`/api/v1/action-updates/{id}/photo.jpg`), if it has one.
    pub photo_sha256: Option<String>,
}

impl ActionUpdateView {
    fn new(u: ActionUpdateRow, l: &Labels) -> Self {
        ActionUpdateView {
            author_name: l.user(&u.author_id),
            photo_sha256: None,
            id: u.id,
            body: u.body,
            progress: u.progress,
            author_id: l.id(&u.author_id),
            created_at: rfc3339(u.created_ms),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionItemDetailView {
    pub item: ActionItemView,
    pub updates: Vec<ActionUpdateView>,
    /// Who signed up to help (anonymous members under their alias).
    pub volunteers: Vec<String>,
    /// The reader volunteers.
    pub i_volunteer: bool,
    /// Weighted sub-tasks; when there are any, `item.progress` is their done share.
    pub subtasks: Vec<crate::handlers::buildings::SubtaskView>,
    /// The reader may post progress and work the sub-tasks (the owner and the staff).
    pub may_work: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTopicRequest {
    pub title: String,
    pub body: String,
    /// The case the topic comes from (it must lie in the community).
    pub case_id: Option<String>,
    /// A camera whose masked picture becomes the topic's evidence.
    pub camera_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    pub body: String,
    pub parent_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseRequest {
    /// `discuss` or `closed`.
    pub to: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PollRequest {
    pub question: String,
    pub options: Vec<String>,
    #[serde(default)]
    pub multiple: bool,
    #[serde(default)]
    pub anonymous: bool,
    /// RFC 3339.
    pub deadline: String,
    /// Share of the community's participating members that must vote, percent.
    #[serde(default)]
    pub quorum_pct: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteRequest {
    /// Indexes of the chosen options.
    pub choices: Vec<usize>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionItemRequest {
    pub title: String,
    pub owner_id: String,
    /// RFC 3339.
    pub deadline: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub decision: String,
    /// The action item that carries the decision out.
    pub action_item: Option<ActionItemRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub action_item: Option<ActionItemView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressRequest {
    pub body: String,
    /// 0–100.
    pub progress: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardCaseView {
    pub number: String,
    pub category: String,
    pub state: String,
    pub grid_name: Option<String>,
    pub created_at: String,
    pub closed_at: Option<String>,
    pub rating: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardTopicView {
    pub topic: TopicView,
    /// The poll's options, in the order of the tally's counts.
    pub options: Option<Vec<String>>,
    pub tally: Option<TallyView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardView {
    pub community_code: String,
    pub community_name: String,
    pub cases: Vec<BoardCaseView>,
    pub topics: Vec<BoardTopicView>,
    pub action_items: Vec<ActionItemView>,
    /// Service requests: counts by state and the requesters' ratings (no one's identity).
    pub service_requests: ServiceStatsView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceStatsView {
    pub open: i64,
    pub accepted: i64,
    pub done: i64,
    pub cancelled: i64,
    pub rated: i64,
    pub mean_rating: Option<f64>,
}

/// Names and codes for the views of these users and regions.
async fn labels(state: &ApiState, a: &Authed, users: &[&str], regions: &[&str]) -> ApiResult<Labels> {
    Ok(state.app.labels(&a.session, users, regions).await?)
}

async fn item_view(state: &ApiState, a: &Authed, i: ActionItemRow) -> ApiResult<ActionItemView> {
    let l = labels(state, a, &[&i.owner_id], &[&i.community_id]).await?;
    Ok(ActionItemView::new(i, &l))
}

fn item_of(r: ActionItemRequest) -> ApiResult<NewActionItem> {
    Ok(NewActionItem {
        title: r.title,
        owner_id: r.owner_id,
        deadline_ms: r.deadline.as_deref().map(|d| parse_time("deadline", Some(d))).transpose()?,
    })
}

/// Topics of a community space, newest first (members only; 404 otherwise).
#[utoipa::path(operation_id = "list_topics", get, path = "/api/v1/communities/{code}/topics", tag = "community",
    params(("code" = String, Path)), responses((status = 200, body = ItemsView<TopicView>), (status = 404, body = ErrorBody)))]
pub async fn list_topics(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
) -> ApiResult<Json<ItemsView<TopicView>>> {
    let rows = state.app.list_topics(&a.session, &code).await?;
    let l = labels(&state, &a, &[], &rows.iter().map(|t| t.community_id.as_str()).collect::<Vec<_>>()).await?;
    Ok(Json(ItemsView { items: rows.into_iter().map(|t| TopicView::new(t, &l)).collect() }))
}

/// Set a topic (committee and officers), from scratch or from a case, with a camera's
/// masked picture as evidence.
#[utoipa::path(operation_id = "create_topic", post, path = "/api/v1/communities/{code}/topics", tag = "community",
    params(("code" = String, Path)), request_body = NewTopicRequest,
    responses((status = 201, body = TopicView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_topic(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
    Json(r): Json<NewTopicRequest>,
) -> ApiResult<(StatusCode, Json<TopicView>)> {
    let new = NewTopic { title: r.title, body: r.body, case_id: r.case_id, camera_id: r.camera_id };
    let t = state.app.create_topic(&a.session, &a.ctx, &code, new).await?;
    let l = labels(&state, &a, &[], &[&t.community_id]).await?;
    Ok((StatusCode::CREATED, Json(TopicView::new(t, &l))))
}

/// A topic with its comments and poll.
#[utoipa::path(operation_id = "get_topic", get, path = "/api/v1/topics/{id}", tag = "community", params(("id" = String, Path)),
    responses((status = 200, body = TopicDetailView), (status = 404, body = ErrorBody)))]
pub async fn get_topic(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<TopicDetailView>> {
    let d = state.app.topic_detail(&a.session, &id).await?;
    let item = state.app.topic_action_item(&a.session, &d.topic).await?;
    let users: Vec<&str> = item.iter().map(|i| i.owner_id.as_str()).collect();
    let l = labels(&state, &a, &users, &[&d.topic.community_id]).await?;
    Ok(Json(TopicDetailView::new(d, item, &l)))
}

/// The topic's masked camera picture (PNG).
#[utoipa::path(operation_id = "topic_evidence", get, path = "/api/v1/topics/{id}/evidence.png", tag = "community",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "image/png", description = "Masked picture"), (status = 404, body = ErrorBody)))]
pub async fn topic_evidence(State(state): State<ApiState>, a: Authed, Path(id): Path<String>) -> ApiResult<Response> {
    let png = state.app.topic_evidence(&a.session, &id).await?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

/// Comment on a topic while it collects views or is discussed.
#[utoipa::path(operation_id = "comment_topic", post, path = "/api/v1/topics/{id}/comments", tag = "community",
    params(("id" = String, Path)), request_body = CommentRequest,
    responses((status = 201, body = CommentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn comment(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<CommentRequest>,
) -> ApiResult<(StatusCode, Json<CommentView>)> {
    let c = state.app.comment_on_topic(&a.session, &id, &r.body, r.parent_id).await?;
    let view = palmgrid_app::community::CommentEntry {
        row: c,
        name: a.session.display_name.clone(),
        mine: true,
        moderation: Default::default(),
    }
    .into();
    Ok((StatusCode::CREATED, Json(view)))
}

/// Move a topic to discussion, or close it.
#[utoipa::path(operation_id = "move_topic", post, path = "/api/v1/topics/{id}/phase", tag = "community",
    params(("id" = String, Path)), request_body = PhaseRequest,
    responses((status = 204, description = "Moved"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn move_topic(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<PhaseRequest>,
) -> ApiResult<StatusCode> {
    state.app.move_topic(&a.session, &id, &r.to).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Open the vote on a topic.
#[utoipa::path(operation_id = "open_poll", post, path = "/api/v1/topics/{id}/poll", tag = "community",
    params(("id" = String, Path)), request_body = PollRequest,
    responses((status = 204, description = "Opened"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn open_poll(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<PollRequest>,
) -> ApiResult<StatusCode> {
    let spec = PollSpec {
        question: r.question,
        options: r.options,
        multiple: r.multiple,
        anonymous: r.anonymous,
        deadline_ms: parse_time("deadline", Some(&r.deadline))?,
        quorum_pct: r.quorum_pct,
    };
    state.app.open_poll(&a.session, &id, spec).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Vote (once).
#[utoipa::path(operation_id = "vote", post, path = "/api/v1/topics/{id}/votes", tag = "community",
    params(("id" = String, Path)), request_body = VoteRequest,
    responses((status = 204, description = "Counted"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn vote(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<VoteRequest>,
) -> ApiResult<StatusCode> {
    state.app.vote(&a.session, &id, r.choices).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record the decision, and the action item that carries it out.
#[utoipa::path(operation_id = "decide_topic", post, path = "/api/v1/topics/{id}/decision", tag = "community",
    params(("id" = String, Path)), request_body = DecisionRequest,
    responses((status = 200, body = DecisionView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<DecisionRequest>,
) -> ApiResult<Json<DecisionView>> {
    let item = r.action_item.map(item_of).transpose()?;
    let made = state.app.decide_topic(&a.session, &id, &r.decision, item).await?;
    let item = match made {
        Some(i) => Some(item_view(&state, &a, i).await?),
        None => None,
    };
    Ok(Json(DecisionView { action_item: item }))
}

/// Set an action item directly.
#[utoipa::path(operation_id = "create_action_item", post, path = "/api/v1/communities/{code}/action-items", tag = "community",
    params(("code" = String, Path)), request_body = ActionItemRequest,
    responses((status = 201, body = ActionItemView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_action_item(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
    Json(r): Json<ActionItemRequest>,
) -> ApiResult<(StatusCode, Json<ActionItemView>)> {
    let new = item_of(r)?;
    let item = state.app.create_action_item(&a.session, &code, new).await?;
    Ok((StatusCode::CREATED, Json(item_view(&state, &a, item).await?)))
}

/// An action item with its progress updates.
#[utoipa::path(operation_id = "get_action_item", get, path = "/api/v1/action-items/{id}", tag = "community",
    params(("id" = String, Path)), responses((status = 200, body = ActionItemDetailView), (status = 404, body = ErrorBody)))]
pub async fn get_action_item(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<ActionItemDetailView>> {
    let (item, updates) = state.app.action_item(&a.session, &id).await?;
    let extras = state.app.action_item_extras(&a.session, &item).await?;
    let mut users: Vec<&str> = updates.iter().map(|u| u.author_id.as_str()).collect();
    users.push(&item.owner_id);
    users.extend(extras.subtasks.iter().filter_map(|t| t.done_by.as_deref()));
    let l = labels(&state, &a, &users, &[&item.community_id]).await?;
    let subtasks = extras.subtasks.into_iter().map(|t| crate::handlers::buildings::SubtaskView::new(t, &l)).collect();
    Ok(Json(ActionItemDetailView {
        updates: updates
            .into_iter()
            .map(|u| {
                let photo = extras.photos.get(&u.id).cloned();
                ActionUpdateView { photo_sha256: photo, ..ActionUpdateView::new(u, &l) }
            })
            .collect(),
        item: ActionItemView::new(item, &l),
        volunteers: extras.volunteers,
        i_volunteer: extras.i_volunteer,
        subtasks,
        may_work: extras.may_work,
    }))
}

/// Post progress on an action item (its owner, or the staff running the space).
#[utoipa::path(operation_id = "update_action_item", post, path = "/api/v1/action-items/{id}/updates", tag = "community",
    params(("id" = String, Path)), request_body = ProgressRequest,
    responses((status = 201, body = ActionItemView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_action_item(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<ProgressRequest>,
) -> ApiResult<(StatusCode, Json<ActionItemView>)> {
    let item = state.app.update_action_item(&a.session, &id, &r.body, r.progress).await?;
    Ok((StatusCode::CREATED, Json(item_view(&state, &a, item).await?)))
}

/// The community's public board (民主监督): its cases without who reported them, topics
/// with their counts, and action items with their progress.
#[utoipa::path(operation_id = "community_board", get, path = "/api/v1/communities/{code}/board", tag = "community",
    params(("code" = String, Path)), responses((status = 200, body = BoardView), (status = 404, body = ErrorBody)))]
pub async fn board(State(state): State<ApiState>, a: Authed, Path(code): Path<String>) -> ApiResult<Json<BoardView>> {
    let b = state.app.board(&a.session, &code).await?;
    let users: Vec<&str> = b.items.iter().map(|i| i.owner_id.as_str()).collect();
    let l = labels(&state, &a, &users, &[&b.community.id]).await?;
    Ok(Json(BoardView {
        community_code: b.community.code,
        community_name: b.community.name,
        cases: b
            .cases
            .into_iter()
            .map(|c| BoardCaseView {
                number: c.number,
                category: c.category,
                state: c.state,
                grid_name: c.grid_name,
                created_at: rfc3339(c.created_ms),
                closed_at: c.closed_ms.map(rfc3339),
                rating: c.rating,
            })
            .collect(),
        topics: b
            .topics
            .into_iter()
            .map(|(t, poll)| {
                let (options, tally) = poll.map(|(o, t)| (o, t.into())).unzip();
                BoardTopicView { topic: TopicView::new(t, &l), options, tally }
            })
            .collect(),
        action_items: b.items.into_iter().map(|i| ActionItemView::new(i, &l)).collect(),
        service_requests: ServiceStatsView {
            open: b.services.open,
            accepted: b.services.accepted,
            done: b.services.done,
            cancelled: b.services.cancelled,
            rated: b.services.rated,
            mean_rating: b.services.mean_rating,
        },
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    /// Members who have reported the comment.
    pub reports: i64,
    /// Whether it is hidden now (after enough reports, pending review).
    pub hidden: bool,
}

/// Report a comment (once per member). Enough reports hide it pending review.
#[utoipa::path(operation_id = "report_comment", post, path = "/api/v1/comments/{id}/reports", tag = "community",
    params(("id" = String, Path)), request_body = ReportRequest,
    responses((status = 200, body = ReportView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn report_comment(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<ReportRequest>,
) -> ApiResult<Json<ReportView>> {
    let (reports, hidden) = state.app.report_comment(&a.session, &a.ctx, &id, &r.reason).await?;
    Ok(Json(ReportView { reports, hidden }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationRequest {
    /// `remove` or `restore`.
    pub action: String,
    /// The rule the comment broke (or why it is restored); kept in the audit log.
    pub rule: String,
}

/// Remove a comment naming the rule it broke, or restore it (the staff running the space).
#[utoipa::path(operation_id = "moderate_comment", post, path = "/api/v1/comments/{id}/moderation", tag = "community",
    params(("id" = String, Path)), request_body = ModerationRequest,
    responses((status = 204, description = "Done"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn moderate_comment(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<ModerationRequest>,
) -> ApiResult<StatusCode> {
    let remove = match r.action.as_str() {
        "remove" => true,
        "restore" => false,
        other => {
            return Err(
                palmgrid_app::AppError::Validation(format!("action must be remove or restore, not {other:?}")).into()
            );
        }
    };
    state.app.moderate_comment(&a.session, &a.ctx, &id, remove, &r.rule).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealRequest {
    pub body: String,
}

/// The author appeals against the hiding of their comment (once).
#[utoipa::path(operation_id = "appeal_comment", post, path = "/api/v1/comments/{id}/appeal", tag = "community",
    params(("id" = String, Path)), request_body = AppealRequest,
    responses((status = 204, description = "Appealed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn appeal_comment(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<AppealRequest>,
) -> ApiResult<StatusCode> {
    state.app.appeal_comment(&a.session, &a.ctx, &id, &r.body).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediationRequest {
    pub title: String,
    pub summary: String,
    /// User ids of the parties.
    pub parties: Vec<String>,
    pub mediator_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediationCreatedView {
    pub id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediationEntryView {
    pub kind: String,
    pub notes: String,
    pub author_name: String,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediationSummaryView {
    pub id: String,
    pub title: String,
    /// As in `MediationView`.
    pub state: String,
    /// `mediator` or `party`: the caller's part in it.
    pub my_role: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediationView {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// `registered`, `mediating`, `agreed`, `followed_up`, `escalated` or `closed`.
    pub state: String,
    /// The community it belongs to.
    pub community_code: String,
    pub mediator_id: String,
    pub mediator_name: String,
    pub party_ids: Vec<String>,
    pub party_names: Vec<String>,
    /// The caller mediates it and may record the next step.
    pub may_record: bool,
    pub agreement: Option<String>,
    pub escalated_to: Option<String>,
    pub entries: Vec<MediationEntryView>,
    pub created_at: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediationStepRequest {
    /// `session`, `agreement`, `follow_up`, `escalation` or `closing`.
    pub step: String,
    pub notes: String,
    /// For an escalation: `street` or `court`.
    pub to: Option<String>,
}

/// Register a mediation case (登记受理) with its parties and mediator.
#[utoipa::path(operation_id = "register_mediation", post, path = "/api/v1/communities/{code}/mediations", tag = "community",
    params(("code" = String, Path)), request_body = MediationRequest,
    responses((status = 201, body = MediationCreatedView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn register_mediation(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
    Json(r): Json<MediationRequest>,
) -> ApiResult<(StatusCode, Json<MediationCreatedView>)> {
    let new = palmgrid_app::community::NewMediation {
        title: r.title,
        summary: r.summary,
        parties: r.parties,
        mediator_id: r.mediator_id,
    };
    let id = state.app.register_mediation(&a.session, &a.ctx, &code, new).await?;
    Ok((StatusCode::CREATED, Json(MediationCreatedView { id })))
}

/// The mediations the caller is a party to or mediates.
#[utoipa::path(operation_id = "my_mediations", get, path = "/api/v1/mediations", tag = "community",
    responses((status = 200, body = ItemsView<MediationSummaryView>)))]
pub async fn my_mediations(
    State(state): State<ApiState>,
    a: Authed,
) -> ApiResult<Json<ItemsView<MediationSummaryView>>> {
    let rows = state.app.my_mediations(&a.session).await?;
    let items = rows
        .into_iter()
        .map(|m| MediationSummaryView {
            my_role: if m.mediator_id == a.session.user_id { "mediator" } else { "party" }.into(),
            id: m.id,
            title: m.title,
            state: m.state,
            created_at: rfc3339(m.created_ms),
            updated_at: rfc3339(m.updated_ms),
        })
        .collect();
    Ok(Json(ItemsView { items }))
}

/// A mediation: only its parties and its mediator see it (404 for everyone else).
#[utoipa::path(operation_id = "get_mediation", get, path = "/api/v1/mediations/{id}", tag = "community",
    params(("id" = String, Path)), responses((status = 200, body = MediationView), (status = 404, body = ErrorBody)))]
pub async fn get_mediation(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<MediationView>> {
    let d = state.app.mediation(&a.session, &id).await?;
    let m = d.mediation;
    Ok(Json(MediationView {
        id: m.id,
        title: m.title,
        summary: m.summary,
        state: m.state,
        community_code: d.community_code,
        may_record: m.mediator_id == a.session.user_id,
        mediator_id: m.mediator_id,
        mediator_name: d.mediator_name,
        party_ids: d.parties.iter().map(|(id, _)| id.clone()).collect(),
        party_names: d.parties.into_iter().map(|(_, n)| n).collect(),
        agreement: m.agreement,
        escalated_to: m.escalated_to,
        entries: d
            .entries
            .into_iter()
            .map(|(e, author_name)| MediationEntryView {
                kind: e.kind,
                notes: e.notes,
                author_name,
                created_at: rfc3339(e.created_ms),
            })
            .collect(),
        created_at: rfc3339(m.created_ms),
    }))
}

/// A step of the mediator: a session, the agreement, the follow-up, an escalation or closing.
#[utoipa::path(operation_id = "mediation_step", post, path = "/api/v1/mediations/{id}/steps", tag = "community",
    params(("id" = String, Path)), request_body = MediationStepRequest,
    responses((status = 204, description = "Recorded"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mediation_step(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<MediationStepRequest>,
) -> ApiResult<StatusCode> {
    state.app.mediation_step(&a.session, &a.ctx, &id, &r.step, &r.notes, r.to.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeRequest {
    pub title: String,
    pub body: String,
    /// A grid of the community (default: the whole community).
    pub target: Option<String>,
    /// A building of the community (`GET …/buildings`): only its residents get the notice.
    pub building_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: String,
    /// The building the notice is for, if it is for one.
    pub building_id: Option<String>,
    pub title: String,
    pub body: String,
    pub created_at: String,
    /// Whether the reader has opened it.
    pub read: bool,
}

impl NoticeView {
    fn new(n: palmgrid_store::NoticeRow, read: bool) -> Self {
        NoticeView {
            id: n.id,
            building_id: n.building_id,
            title: n.title,
            body: n.body,
            created_at: rfc3339(n.created_ms),
            read,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptsView {
    /// Members taking part under the notice's target.
    pub audience: u64,
    pub read: u64,
    pub readers: Vec<String>,
    pub unread: Vec<String>,
}

/// Post a notice to the community or one of its grids.
#[utoipa::path(operation_id = "post_notice", post, path = "/api/v1/communities/{code}/notices", tag = "community",
    params(("code" = String, Path)), request_body = NoticeRequest,
    responses((status = 201, body = NoticeView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn post_notice(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
    Json(r): Json<NoticeRequest>,
) -> ApiResult<(StatusCode, Json<NoticeView>)> {
    let n = state
        .app
        .post_notice(&a.session, &code, r.target.as_deref(), r.building_id.as_deref(), &r.title, &r.body)
        .await?;
    let v = NoticeView::new(n, false);
    Ok((StatusCode::CREATED, Json(v)))
}

/// The notices meant for the caller, newest first.
#[utoipa::path(operation_id = "list_notices", get, path = "/api/v1/communities/{code}/notices", tag = "community",
    params(("code" = String, Path)), responses((status = 200, body = ItemsView<NoticeView>), (status = 404, body = ErrorBody)))]
pub async fn list_notices(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
) -> ApiResult<Json<ItemsView<NoticeView>>> {
    let rows = state.app.notices(&a.session, &code).await?;
    let items = rows.into_iter().map(|(n, read)| NoticeView::new(n, read)).collect();
    Ok(Json(ItemsView { items }))
}

/// Open a notice (this is the read receipt).
#[utoipa::path(operation_id = "read_notice", get, path = "/api/v1/notices/{id}", tag = "community",
    params(("id" = String, Path)), responses((status = 200, body = NoticeView), (status = 404, body = ErrorBody)))]
pub async fn read_notice(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<NoticeView>> {
    let n = state.app.read_notice(&a.session, &id).await?;
    Ok(Json(NoticeView::new(n, true)))
}

/// Who has read a notice, and who has not (the staff running the space).
#[utoipa::path(operation_id = "notice_receipts", get, path = "/api/v1/notices/{id}/receipts", tag = "community",
    params(("id" = String, Path)),
    responses((status = 200, body = ReceiptsView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn notice_receipts(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<ReceiptsView>> {
    let r = state.app.notice_receipts(&a.session, &id).await?;
    let readers: Vec<String> = r.read.iter().map(|(_, n, _)| n.clone()).collect();
    let unread =
        r.audience.iter().filter(|(id, _)| !r.read.iter().any(|(u, _, _)| u == id)).map(|(_, n)| n.clone()).collect();
    Ok(Json(ReceiptsView { audience: r.audience.len() as u64, read: r.read.len() as u64, readers, unread }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// The address the invite is for (shown to the staff who verify); with a building, the
    /// rest of it (unit, room).
    pub address: String,
    /// A grid of the community (default: the community, or the building's grid).
    pub target: Option<String>,
    /// A building of the community: verifying the newcomer records their home there.
    pub building_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteView {
    /// Shown once; give it to the resident as text or as the QR of `join_url`.
    pub code: String,
    pub join_url: String,
    pub expires_at: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequestBody {
    pub code: String,
    pub username: String,
    pub display_name: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JoinedView {
    /// The join request the staff will decide.
    pub request_id: String,
    /// `pending` until the community's staff verify the account.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JoinRequestView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub address: String,
    /// The building the invite was issued for, by name.
    pub building: Option<String>,
    /// `pending`, `verified` or `rejected`.
    pub state: String,
    pub created_at: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinDecisionRequest {
    pub verify: bool,
}

/// Issue an invite for an address (officers and the committee).
#[utoipa::path(operation_id = "issue_invite", post, path = "/api/v1/communities/{code}/invites", tag = "community",
    params(("code" = String, Path)), request_body = InviteRequest,
    responses((status = 201, body = InviteView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn issue_invite(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
    Json(r): Json<InviteRequest>,
) -> ApiResult<(StatusCode, Json<InviteView>)> {
    let (row, secret) =
        state.app.issue_invite(&a.session, &code, r.target.as_deref(), r.building_id.as_deref(), &r.address).await?;
    let view =
        InviteView { join_url: format!("/join?code={secret}"), code: secret, expires_at: rfc3339(row.expires_ms) };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Register with an invite code (no login). The account waits for verification.
#[utoipa::path(operation_id = "join", post, path = "/api/v1/join", tag = "community", request_body = JoinRequestBody,
    security(()), responses((status = 201, body = JoinedView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn join(
    State(state): State<ApiState>,
    crate::extract::Ctx(ctx): crate::extract::Ctx,
    Json(r): Json<JoinRequestBody>,
) -> ApiResult<(StatusCode, Json<JoinedView>)> {
    let new = palmgrid_app::users::NewUser { username: r.username, display_name: r.display_name, password: r.password };
    let request_id = state.app.join_with_invite(&ctx, &r.code, new).await?;
    Ok((StatusCode::CREATED, Json(JoinedView { request_id, status: "pending".into() })))
}

/// Join requests of a community (its staff).
#[utoipa::path(operation_id = "join_requests", get, path = "/api/v1/communities/{code}/join-requests", tag = "community",
    params(("code" = String, Path)),
    responses((status = 200, body = ItemsView<JoinRequestView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn join_requests(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
) -> ApiResult<Json<ItemsView<JoinRequestView>>> {
    let rows = state.app.join_requests(&a.session, &code).await?;
    let items = rows
        .into_iter()
        .map(|j| JoinRequestView {
            id: j.request.id,
            username: j.username,
            display_name: j.display_name,
            address: j.address,
            building: j.building,
            state: j.request.state,
            created_at: rfc3339(j.request.created_ms),
        })
        .collect();
    Ok(Json(ItemsView { items }))
}

/// Verify (the account becomes a resident of the invite's community or grid) or reject.
#[utoipa::path(operation_id = "decide_join", post, path = "/api/v1/join-requests/{id}/decision", tag = "community",
    params(("id" = String, Path)), request_body = JoinDecisionRequest,
    responses((status = 204, description = "Decided"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn decide_join(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<JoinDecisionRequest>,
) -> ApiResult<StatusCode> {
    state.app.decide_join(&a.session, &a.ctx, &id, r.verify).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChatMessageView {
    /// Increasing within a community: the order every member receives.
    pub id: i64,
    /// Empty when the author is anonymous to the reader.
    pub author_id: String,
    pub author_name: String,
    /// The text, or a picture's caption (may be empty when there is a picture).
    pub body: String,
    /// The picture sent with the message, at `/api/v1/chat-images/{image_id}`.
    pub image_id: Option<String>,
    pub created_at: String,
}

impl From<palmgrid_app::community::ChatMessage> for ChatMessageView {
    fn from(m: palmgrid_app::community::ChatMessage) -> Self {
        ChatMessageView {
            id: m.id,
            author_id: m.author_id,
            author_name: m.author_name,
            body: m.body,
            image_id: m.image_id,
            created_at: rfc3339(m.created_ms),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ChatQuery {
    /// Messages before this id (the 50 latest without it).
    pub before: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatPostRequest {
    /// Up to 2,000 characters; `@username` tells that member.
    pub body: String,
}

/// Chat history of a community, oldest first (50 at a time).
#[utoipa::path(operation_id = "chat_history", get, path = "/api/v1/communities/{code}/chat", tag = "community",
    params(("code" = String, Path), ChatQuery),
    responses((status = 200, body = ItemsView<ChatMessageView>), (status = 404, body = ErrorBody)))]
pub async fn chat_history(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
    crate::extract::Query(q): crate::extract::Query<ChatQuery>,
) -> ApiResult<Json<ItemsView<ChatMessageView>>> {
    let rows = state.app.chat_history(&a.session, &code, q.before).await?;
    Ok(Json(ItemsView { items: rows.into_iter().map(Into::into).collect() }))
}

/// Post to the community chat.
#[utoipa::path(operation_id = "chat_post", post, path = "/api/v1/communities/{code}/chat", tag = "community",
    params(("code" = String, Path)), request_body = ChatPostRequest,
    responses((status = 201, body = ChatMessageView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn chat_post(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
    Json(r): Json<ChatPostRequest>,
) -> ApiResult<(StatusCode, Json<ChatMessageView>)> {
    let m = state.app.chat_post(&a.session, &code, &r.body).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CaptionQuery {
    /// A caption for the picture (at most 200 characters).
    #[serde(default)]
    pub caption: String,
}

/// Send a picture to the community chat (JPEG, at most 8 MiB; metadata removed).
#[utoipa::path(operation_id = "chat_post_image", post, path = "/api/v1/communities/{code}/chat/images", tag = "community",
    params(("code" = String, Path), CaptionQuery), request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 201, body = ChatMessageView), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn chat_post_image(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
    axum::extract::Query(q): axum::extract::Query<CaptionQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<ChatMessageView>)> {
    let m = state.app.chat_post_image(&a.session, &code, &q.caption, &body).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// A picture from the community chat (members of its community).
#[utoipa::path(operation_id = "chat_image", get, path = "/api/v1/chat-images/{id}", tag = "community",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "image/jpeg", description = "Picture"), (status = 404, body = ErrorBody)))]
pub async fn chat_image(State(state): State<ApiState>, a: Authed, Path(id): Path<String>) -> ApiResult<Response> {
    let jpeg = state.app.chat_image(&a.session, &id).await?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response())
}

/// The community chat live: on connect the latest history, then every new message as a
/// JSON text message (`ChatMessageView`), in order; `{"kind":"resync"}` after falling behind.
/// A text message `{"body": "…"}` from the client posts.
#[utoipa::path(operation_id = "chat_ws", get, path = "/api/v1/communities/{code}/chat.ws", tag = "community",
    params(("code" = String, Path)),
    responses((status = 101, description = "WebSocket"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn chat_ws(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
    ws: Result<axum::extract::ws::WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    use crate::error::ApiError;
    if !crate::handlers::live::same_origin(&headers) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "cross_origin", "cross-site WebSocket refused"));
    }
    let ws =
        ws.map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "websocket_required", "open this URL as a WebSocket"))?;
    let (history, rx, reader) = state.app.chat_join(&a.session, &code).await?;
    Ok(ws.on_upgrade(move |socket| chat_session(socket, state, a.session, code, history, rx, reader)))
}

async fn chat_session(
    mut socket: axum::extract::ws::WebSocket,
    state: ApiState,
    session: palmgrid_app::Session,
    code: String,
    history: Vec<palmgrid_app::community::ChatMessage>,
    mut rx: tokio::sync::broadcast::Receiver<palmgrid_app::community::ChatMessage>,
    reader: palmgrid_app::community::ChatReader,
) {
    use axum::extract::ws::Message;
    // History comes shown for this reader already; live messages are shown here.
    let text = |m: palmgrid_app::community::ChatMessage| {
        Message::Text(serde_json::to_string(&ChatMessageView::from(m)).unwrap_or_default().into())
    };
    let mut last = 0;
    for m in history {
        last = m.id;
        if socket.send(text(m)).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            m = rx.recv() => match m {
                Ok(m) if m.id > last => {
                    last = m.id;
                    if socket.send(text(reader.show(m))).await.is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    if socket.send(Message::Text(r#"{"kind":"resync"}"#.into())).await.is_err() {
                        return;
                    }
                }
                Err(_) => return,
            },
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(t))) => {
                    let body = serde_json::from_str::<ChatPostRequest>(&t).map(|r| r.body);
                    let ok = match body {
                        Ok(b) => state.app.chat_post(&session, &code, &b).await.is_ok(),
                        Err(_) => false,
                    };
                    if !ok && socket.send(Message::Text(r#"{"kind":"refused"}"#.into())).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                _ => {}
            },
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AccessReportQuery {
    /// Period start and end (RFC 3339, the end exclusive); default the last 30 days.
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViewerView {
    pub at: String,
    /// User name, as audited.
    pub name: String,
    pub display_name: String,
    pub role: String,
    /// `live`, `playback` or `snapshot`.
    pub kind: String,
    pub purpose: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CameraAccessView {
    pub camera_id: String,
    pub name: String,
    pub grid_code: Option<String>,
    /// Audited views in the period.
    pub views: i64,
    /// Views by kind (`live`, `playback`, `snapshot`).
    pub by_kind: std::collections::BTreeMap<String, i64>,
    /// Views by the viewer's role.
    pub by_role: std::collections::BTreeMap<String, i64>,
    /// Views by purpose (`patrol`, `incident`, `evidence`, `other`, `议题`, …).
    pub by_purpose: std::collections::BTreeMap<String, i64>,
    /// Views by the number of a case of this community that the purpose names.
    pub by_case: std::collections::BTreeMap<String, i64>,
    /// Who viewed: only in an auditor's report.
    pub viewers: Option<Vec<ViewerView>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessReportView {
    pub community_code: String,
    pub from: String,
    pub to: String,
    /// Every non-police camera of the community, viewed or not.
    pub cameras: Vec<CameraAccessView>,
    /// The period held more views than one report reads; the counts are a lower bound.
    pub truncated: bool,
}

/// 民主监督: how often each camera of the community was viewed in a period, by role, purpose
/// and case, from the audit log. Members and auditors; viewer identities only for auditors.
#[utoipa::path(operation_id = "camera_access_report", get, path = "/api/v1/communities/{code}/camera-access",
    tag = "community", params(("code" = String, Path), AccessReportQuery),
    responses((status = 200, body = AccessReportView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn camera_access(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
    crate::extract::Query(q): crate::extract::Query<AccessReportQuery>,
) -> ApiResult<Json<AccessReportView>> {
    let to = match q.to.as_deref() {
        Some(t) => parse_time("to", Some(t))?,
        None => state.app.now_ms() + 1,
    };
    let from = match q.from.as_deref() {
        Some(f) => parse_time("from", Some(f))?,
        None => to - 30 * 86_400_000,
    };
    let r = state.app.camera_access_report(&a.session, &code, from, to).await?;
    Ok(Json(AccessReportView {
        community_code: r.community,
        from: rfc3339(r.from_ms),
        to: rfc3339(r.to_ms),
        truncated: r.truncated,
        cameras: r
            .cameras
            .into_iter()
            .map(|c| CameraAccessView {
                camera_id: c.camera_id,
                name: c.name,
                grid_code: c.grid_code,
                views: c.views,
                by_kind: c.by_kind,
                by_role: c.by_role,
                by_purpose: c.by_purpose,
                by_case: c.by_case,
                viewers: c.viewers.map(|v| {
                    v.into_iter()
                        .map(|v| ViewerView {
                            at: rfc3339(v.ts_ms),
                            name: v.name,
                            display_name: v.display_name,
                            role: v.role,
                            kind: v.kind,
                            purpose: v.purpose,
                        })
                        .collect()
                }),
            })
            .collect(),
    }))
}

/// The community's action items with their progress.
#[utoipa::path(operation_id = "list_action_items", get, path = "/api/v1/communities/{code}/action-items", tag = "community",
    params(("code" = String, Path)), responses((status = 200, body = ItemsView<ActionItemView>), (status = 404, body = ErrorBody)))]
pub async fn list_action_items(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
) -> ApiResult<Json<ItemsView<ActionItemView>>> {
    let rows = state.app.list_action_items(&a.session, &code).await?;
    let users: Vec<&str> = rows.iter().map(|i| i.owner_id.as_str()).collect();
    let regions: Vec<&str> = rows.iter().map(|i| i.community_id.as_str()).collect();
    let l = labels(&state, &a, &users, &regions).await?;
    Ok(Json(ItemsView { items: rows.into_iter().map(|i| ActionItemView::new(i, &l)).collect() }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
    pub region_name: String,
    /// Where they live in the community, when recorded (from a verified invite).
    pub building: Option<String>,
    pub address: Option<String>,
}

/// The members of the community and its grids (the staff running the space): whom an action
/// item can be given to.
#[utoipa::path(operation_id = "community_members", get, path = "/api/v1/communities/{code}/members", tag = "community",
    params(("code" = String, Path)),
    responses((status = 200, body = ItemsView<MemberView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn members(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
) -> ApiResult<Json<ItemsView<MemberView>>> {
    let rows = state.app.community_members(&a.session, &code).await?;
    Ok(Json(ItemsView {
        items: rows
            .into_iter()
            .map(|m| MemberView {
                user_id: m.user_id,
                username: m.username,
                display_name: m.display_name,
                role: m.role,
                region_code: m.region_code,
                region_name: m.region_name,
                building: m.building,
                address: m.address,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlowModeRequest {
    /// Seconds between one member's comments, 0 (off) to 86400.
    pub seconds: i64,
}

/// Slow mode for a heated topic (the staff running the space; logged as a moderation action).
/// A member commenting too soon gets 429 with `Retry-After`.
#[utoipa::path(operation_id = "topic_slow_mode", put, path = "/api/v1/topics/{id}/slow-mode", tag = "community",
    params(("id" = String, Path)), request_body = SlowModeRequest,
    responses((status = 204, description = "Set"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn slow_mode(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<SlowModeRequest>,
) -> ApiResult<StatusCode> {
    state.app.set_slow_mode(&a.session, &a.ctx, &id, r.seconds).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommunityPrefsView {
    /// Appear to neighbours under an alias (邻居 XXXX); the committee and officers always see
    /// the name.
    pub anonymous: bool,
    /// Quiet hours, local time `HH:MM` (both or neither): notifications wait, unpushed.
    #[serde(default)]
    pub quiet_from: Option<String>,
    #[serde(default)]
    pub quiet_to: Option<String>,
    /// `off` (default), `daily` (20:00) or `weekly` (Sundays 20:00): a digest of the
    /// community's new notices, topics and action-item progress.
    #[serde(default = "digest_off")]
    pub digest: String,
}

fn digest_off() -> String {
    "off".into()
}

fn hhmm(min: Option<i64>) -> Option<String> {
    min.map(|m| format!("{:02}:{:02}", m / 60, m % 60))
}

impl From<palmgrid_store::MemberPrefsRow> for CommunityPrefsView {
    fn from(p: palmgrid_store::MemberPrefsRow) -> Self {
        CommunityPrefsView {
            anonymous: p.anonymous,
            quiet_from: hhmm(p.quiet_from_min),
            quiet_to: hhmm(p.quiet_to_min),
            digest: p.digest,
        }
    }
}

/// The caller's choices about community spaces.
#[utoipa::path(operation_id = "get_community_prefs", get, path = "/api/v1/me/community-prefs", tag = "community",
    responses((status = 200, body = CommunityPrefsView), (status = 401, body = ErrorBody)))]
pub async fn get_prefs(State(state): State<ApiState>, a: Authed) -> ApiResult<Json<CommunityPrefsView>> {
    Ok(Json(state.app.community_prefs(&a.session).await?.into()))
}

/// Set anonymity to neighbours, quiet hours and digests.
#[utoipa::path(operation_id = "put_community_prefs", put, path = "/api/v1/me/community-prefs", tag = "community",
    request_body = CommunityPrefsView,
    responses((status = 200, body = CommunityPrefsView), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_prefs(
    State(state): State<ApiState>,
    a: Authed,
    Json(r): Json<CommunityPrefsView>,
) -> ApiResult<Json<CommunityPrefsView>> {
    let quiet = match (r.quiet_from.as_deref(), r.quiet_to.as_deref()) {
        (Some(f), Some(t)) => Some((f, t)),
        (None, None) => None,
        _ => {
            return Err(
                palmgrid_app::AppError::Validation("give both ends of the quiet hours, or neither".into()).into()
            );
        }
    };
    Ok(Json(state.app.set_community_prefs(&a.session, r.anonymous, quiet, &r.digest).await?.into()))
}

/// Sign up to help with an action item (members who take part).
#[utoipa::path(operation_id = "volunteer", post, path = "/api/v1/action-items/{id}/volunteers", tag = "community",
    params(("id" = String, Path)),
    responses((status = 204, description = "Signed up"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn volunteer(State(state): State<ApiState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    state.app.volunteer(&a.session, &id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraw as a volunteer.
#[utoipa::path(operation_id = "unvolunteer", delete, path = "/api/v1/action-items/{id}/volunteers", tag = "community",
    params(("id" = String, Path)),
    responses((status = 204, description = "Withdrawn"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unvolunteer(State(state): State<ApiState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    state.app.volunteer(&a.session, &id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpdatePhotoView {
    pub sha256: String,
}

/// Put a photo on one's own progress update (JPEG, at most 8 MiB; metadata removed; one per update).
#[utoipa::path(operation_id = "add_update_photo", post, path = "/api/v1/action-updates/{id}/photo", tag = "community",
    params(("id" = String, Path)), request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 201, body = UpdatePhotoView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_update_photo(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<UpdatePhotoView>)> {
    let sha256 = state.app.add_update_photo(&a.session, &id, &body).await?;
    Ok((StatusCode::CREATED, Json(UpdatePhotoView { sha256 })))
}

/// The photo of a progress update.
#[utoipa::path(operation_id = "update_photo", get, path = "/api/v1/action-updates/{id}/photo.jpg", tag = "community",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "image/jpeg", description = "Photo"), (status = 404, body = ErrorBody)))]
pub async fn update_photo(State(state): State<ApiState>, a: Authed, Path(id): Path<String>) -> ApiResult<Response> {
    let jpeg = state.app.update_photo(&a.session, &id).await?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response())
}
