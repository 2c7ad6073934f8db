import createClient from 'openapi-fetch'
import type { paths } from './schema'
import { ApiError, errorFromException, errorFromResponse } from './errors'
import type {
  AccessReportView,
  ActionItemDetail,
  ActionItemList,
  ActionItemRequest,
  ActionItemView,
  BoardView,
  BuildingList,
  CameraList,
  ChatMessageList,
  ChatMessageView,
  CommentRequest,
  CommunityPrefsView,
  CommentView,
  DecisionRequest,
  DecisionView,
  BuildingRequest,
  BuildingView,
  InviteRequest,
  InviteView,
  JoinedView,
  JoinRequestBody,
  JoinRequestList,
  MediationCreatedView,
  MediationList,
  MediationRequest,
  MediationStepRequest,
  MediationView,
  MemberList,
  NewTopicRequest,
  NoticeList,
  NoticeRequest,
  NoticeView,
  PollRequest,
  ProgressRequest,
  ReceiptsView,
  ReportView,
  ServiceKindList,
  ServiceRatingBody,
  ServiceRequestBody,
  ServiceRequestList,
  ServiceRequestView,
  ServiceStepBody,
  SubtaskChangedView,
  SubtaskRequest,
  TopicDetail,
  TopicList,
  TopicView,
  UpdatePhotoView,
  CaseActionRequest,
  CaseDetail,
  CaseEvidence,
  CaseList,
  CaseSummary,
  LoginRequest,
  NewCaseRequest,
  NotificationList,
  RegionList,
  ReportedCase,
  TimelineView,
  TotpConfirmRequest,
} from './types'
import type { GridDetail, GridLookup, MapCrs, MapView } from './map-types'
import type { CaseCategorySet } from './case-types'

/** Sent on every request. The server requires it on cookie-authenticated non-GET requests (CSRF). */
export const CLIENT_HEADER_NAME = 'X-Palmgrid-Client'
export const CLIENT_HEADER_VALUE = 'web'

export interface ApiOptions {
  /** '' (same origin) in the app; an absolute URL in tests. */
  baseUrl?: string
  fetch?: (input: Request) => Promise<Response>
  /** Called on a 401 from any call other than login (the session is gone). */
  onUnauthorized?: () => void
}

type Result<T> = { data?: T; error?: unknown; response: Response }

export function createApi(options: ApiOptions = {}) {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    credentials: 'same-origin',
    headers: { [CLIENT_HEADER_NAME]: CLIENT_HEADER_VALUE },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })

  // Routes openapi-fetch cannot type usefully go through fetch with the same headers,
  // credentials and error handling: the map routes (hand-written types in map-types.ts), the
  // category set (an untyped object in openapi.json) and photo uploads (a raw JPEG body).
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '')
  const rawFetch = options.fetch ?? ((req: Request) => globalThis.fetch(req))
  async function raw<T>(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string | number | undefined> = {},
    body?: { data: Blob; type: string },
  ): Promise<Result<T>> {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v))
    const qs = params.toString()
    const headers: Record<string, string> = { [CLIENT_HEADER_NAME]: CLIENT_HEADER_VALUE, Accept: 'application/json' }
    if (body) headers['Content-Type'] = body.type
    const request = new Request(`${baseUrl}${path}${qs ? `?${qs}` : ''}`, {
      method,
      credentials: 'same-origin',
      headers,
      ...(body ? { body: body.data } : {}),
    })
    const response = await rawFetch(request)
    const text = await response.text()
    let parsed: unknown = undefined
    if (text) {
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = text
      }
    }
    return response.ok ? { data: parsed as T, response } : { error: parsed, response }
  }
  const getJson = <T>(path: string, query: Record<string, string | number | undefined> = {}) => raw<T>('GET', path, query)

  async function call<T>(request: () => Promise<Result<T>>, authenticated: boolean): Promise<T> {
    let result: Result<T>
    try {
      result = await request()
    } catch (e) {
      throw errorFromException(e)
    }
    const { response } = result
    if (!response.ok) {
      const err = errorFromResponse(response.status, result.error, response.headers.get('Retry-After'))
      if (authenticated && response.status === 401) options.onUnauthorized?.()
      throw err
    }
    return result.data as T
  }

  return {
    login: (body: LoginRequest) => call(() => client.POST('/api/v1/auth/login', { body }), false),
    logout: () => call(() => client.POST('/api/v1/auth/logout'), true),
    me: () => call(() => client.GET('/api/v1/me'), true),
    totpEnroll: () => call(() => client.POST('/api/v1/auth/totp/enroll'), true),
    totpConfirm: (body: TotpConfirmRequest) => call(() => client.POST('/api/v1/auth/totp/confirm', { body }), true),
    cameras: (): Promise<CameraList> => call(() => client.GET('/api/v1/cameras'), true),
    regions: (): Promise<RegionList> => call(() => client.GET('/api/v1/regions'), true),
    /** Recorded spans of a camera between two RFC 3339 times (at most 31 days apart). */
    timeline: (id: string, start: string, end: string): Promise<TimelineView> =>
      call(() => client.GET('/api/v1/cameras/{id}/timeline', { params: { path: { id }, query: { start, end } } }), true),
    /** Grids (boundaries, officers, counts) and camera markers the user may see; crs defaults to the tiles' datum. */
    map: (crs?: MapCrs): Promise<MapView> => call(() => getJson<MapView>('/api/v1/map', { crs }), true),
    /** One grid with its camera markers (404 outside the user's reach). */
    grid: (id: string, crs?: MapCrs): Promise<GridDetail> =>
      call(() => getJson<GridDetail>(`/api/v1/grids/${encodeURIComponent(id)}`, { crs }), true),
    /** The grid holding a point (404 `outside_all_grids` when none does). */
    lookupGrid: (lon: number, lat: number, crs?: MapCrs): Promise<GridLookup> =>
      call(() => getJson<GridLookup>('/api/v1/grids/lookup', { lon, lat, crs }), true),

    // 事件 (cases)
    /** Departments and the (versioned) category set. */
    caseCategories: (): Promise<CaseCategorySet> => call(() => getJson<CaseCategorySet>('/api/v1/case-categories'), true),
    /** Cases the user may see, newest first; `mine`: only those where the user must act now. */
    cases: (query: { mine?: boolean; state?: string } = {}): Promise<CaseList> =>
      call(() => client.GET('/api/v1/cases', { params: { query } }), true),
    /** Reports a problem; the answer names possible duplicates. 404 `outside_all_grids` for a point in no grid. */
    reportCase: (body: NewCaseRequest): Promise<ReportedCase> => call(() => client.POST('/api/v1/cases', { body }), true),
    /** One case with its timeline and evidence (404 when the user may not see it). */
    caseDetail: (id: string): Promise<CaseDetail> =>
      call(() => client.GET('/api/v1/cases/{id}', { params: { path: { id } } }), true),
    /** Moves a case on (409 wrong state, 403 not the user's to take, 422 missing reason…). */
    caseAction: (id: string, body: CaseActionRequest): Promise<CaseSummary> =>
      call(() => client.POST('/api/v1/cases/{id}/actions', { params: { path: { id } }, body }), true),
    /** Adds a JPEG photo (at most 8 MiB) as evidence. */
    addCasePhoto: (id: string, jpeg: Blob, note?: string): Promise<CaseEvidence> =>
      call(
        () =>
          raw<CaseEvidence>('POST', `/api/v1/cases/${encodeURIComponent(id)}/photos`, { note: note || undefined }, {
            data: jpeg,
            type: 'image/jpeg',
          }),
        true,
      ),
    /** Where a photo of a case is (an <img> source: same origin, cookie). */
    evidenceUrl: (caseId: string, evidenceId: string): string =>
      `${baseUrl}/api/v1/cases/${encodeURIComponent(caseId)}/evidence/${encodeURIComponent(evidenceId)}`,
    /** The user's notifications, oldest first (only those after `after`, if given). */
    notifications: (after?: number): Promise<NotificationList> =>
      call(() => client.GET('/api/v1/notifications', { params: { query: after ? { after } : {} } }), true),
    /** Marks every notification up to `upTo` read. */
    readNotifications: (upTo: number): Promise<void> =>
      call(() => client.POST('/api/v1/notifications/read', { body: { up_to: upTo } }), true).then(() => undefined),

    // 社区 (community spaces, by community code; 404 for non-members)
    /** Topics of a community, newest first. */
    topics: (code: string): Promise<TopicList> =>
      call(() => client.GET('/api/v1/communities/{code}/topics', { params: { path: { code } } }), true),
    /** Sets a topic (staff); from a case and with a camera's masked picture as evidence, if given. */
    createTopic: (code: string, body: NewTopicRequest): Promise<TopicView> =>
      call(() => client.POST('/api/v1/communities/{code}/topics', { params: { path: { code } }, body }), true),
    /** A topic with its comments, its poll and what the reader may do. */
    topic: (id: string): Promise<TopicDetail> => call(() => client.GET('/api/v1/topics/{id}', { params: { path: { id } } }), true),
    /** Where a topic's masked camera picture is (an <img> source: same origin, cookie). */
    topicEvidenceUrl: (id: string): string => `${baseUrl}/api/v1/topics/${encodeURIComponent(id)}/evidence.png`,
    comment: (id: string, body: CommentRequest): Promise<CommentView> =>
      call(() => client.POST('/api/v1/topics/{id}/comments', { params: { path: { id } }, body }), true),
    /** Slow mode (staff): a member may comment once per `seconds` (0 turns it off). 429 `slow_mode` when too soon. */
    setSlowMode: (id: string, seconds: number): Promise<void> =>
      call(() => client.PUT('/api/v1/topics/{id}/slow-mode', { params: { path: { id } }, body: { seconds } }), true).then(
        () => undefined,
      ),
    /** Reports a comment with a reason (once per member: 409 again, 422 one's own); enough reports hide it. */
    reportComment: (id: string, reason: string): Promise<ReportView> =>
      call(() => client.POST('/api/v1/comments/{id}/reports', { params: { path: { id } }, body: { reason } }), true),
    /** The author appeals against the hiding of their comment (once: 409 again or when it is shown; 403 not theirs). */
    appealComment: (id: string, body: string): Promise<void> =>
      call(() => client.POST('/api/v1/comments/{id}/appeal', { params: { path: { id } }, body: { body } }), true).then(
        () => undefined,
      ),
    /** The staff remove a comment naming the rule it broke, or restore it (with why); both are audited. */
    moderateComment: (id: string, action: 'remove' | 'restore', rule: string): Promise<void> =>
      call(() => client.POST('/api/v1/comments/{id}/moderation', { params: { path: { id } }, body: { action, rule } }), true).then(
        () => undefined,
      ),
    /** Moves a topic to `discuss`, or closes it (`closed`). */
    moveTopic: (id: string, to: 'discuss' | 'closed'): Promise<void> =>
      call(() => client.POST('/api/v1/topics/{id}/phase', { params: { path: { id } }, body: { to } }), true).then(() => undefined),
    /** Opens the vote (the topic moves to `decide`). */
    openPoll: (id: string, body: PollRequest): Promise<void> =>
      call(() => client.POST('/api/v1/topics/{id}/poll', { params: { path: { id } }, body }), true).then(() => undefined),
    vote: (id: string, choices: number[]): Promise<void> =>
      call(() => client.POST('/api/v1/topics/{id}/votes', { params: { path: { id } }, body: { choices } }), true).then(
        () => undefined,
      ),
    /** Records the decision, and the action item that carries it out. */
    decide: (id: string, body: DecisionRequest): Promise<DecisionView> =>
      call(() => client.POST('/api/v1/topics/{id}/decision', { params: { path: { id } }, body }), true),
    /** The community's action items with their progress. */
    actionItems: (code: string): Promise<ActionItemList> =>
      call(() => client.GET('/api/v1/communities/{code}/action-items', { params: { path: { code } } }), true),
    createActionItem: (code: string, body: ActionItemRequest): Promise<ActionItemView> =>
      call(() => client.POST('/api/v1/communities/{code}/action-items', { params: { path: { code } }, body }), true),
    actionItem: (id: string): Promise<ActionItemDetail> =>
      call(() => client.GET('/api/v1/action-items/{id}', { params: { path: { id } } }), true),
    /** Progress (0–100) with a note, by the owner or the staff. */
    postProgress: (id: string, body: ProgressRequest): Promise<ActionItemView> =>
      call(() => client.POST('/api/v1/action-items/{id}/updates', { params: { path: { id } }, body }), true),
    /** Signs up to help with an action item (members who take part; staff get 403, a done item 409). */
    volunteer: (id: string): Promise<void> =>
      call(() => client.POST('/api/v1/action-items/{id}/volunteers', { params: { path: { id } } }), true).then(() => undefined),
    /** Withdraws as a volunteer. */
    unvolunteer: (id: string): Promise<void> =>
      call(() => client.DELETE('/api/v1/action-items/{id}/volunteers', { params: { path: { id } } }), true).then(() => undefined),
    /** Puts a JPEG (at most 8 MiB) on one's own progress update, once (409 when it has one, 422 not a JPEG, 413 too big). */
    addUpdatePhoto: (updateId: string, jpeg: Blob): Promise<UpdatePhotoView> =>
      call(
        () =>
          raw<UpdatePhotoView>('POST', `/api/v1/action-updates/${encodeURIComponent(updateId)}/photo`, {}, {
            data: jpeg,
            type: 'image/jpeg',
          }),
        true,
      ),
    /** Where a progress update's photo is (an <img> source: same origin, cookie). */
    updatePhotoUrl: (updateId: string): string => `${baseUrl}/api/v1/action-updates/${encodeURIComponent(updateId)}/photo.jpg`,
    /** Adds a weighted sub-task (owner or staff); from then on the item's progress is its sub-tasks' done share. */
    addSubtask: (id: string, body: SubtaskRequest): Promise<SubtaskChangedView> =>
      call(() => client.POST('/api/v1/action-items/{id}/subtasks', { params: { path: { id } }, body }), true),
    /** Ticks a sub-task off or opens it again (409 when it is already so, 403 not the owner or staff). */
    setSubtaskDone: (id: string, done: boolean): Promise<SubtaskChangedView> =>
      call(() => client.PUT('/api/v1/action-subtasks/{id}', { params: { path: { id } }, body: { done } }), true),
    /** 民主监督: the community's cases, topics and action items. */
    board: (code: string): Promise<BoardView> =>
      call(() => client.GET('/api/v1/communities/{code}/board', { params: { path: { code } } }), true),
    /**
     * 民主监督: how often each camera of the community was viewed (live, playback, snapshot) by
     * role, purpose and case, from `from` (RFC 3339; default 30 days back) to now; who viewed
     * only for auditors.
     */
    cameraAccess: (code: string, from?: string): Promise<AccessReportView> =>
      call(
        () => client.GET('/api/v1/communities/{code}/camera-access', { params: { path: { code }, query: from ? { from } : {} } }),
        true,
      ),
    /** The buildings of a community (a notice may be for one). */
    buildings: (code: string): Promise<BuildingList> =>
      call(() => client.GET('/api/v1/communities/{code}/buildings', { params: { path: { code } } }), true),
    notices: (code: string): Promise<NoticeList> =>
      call(() => client.GET('/api/v1/communities/{code}/notices', { params: { path: { code } } }), true),
    postNotice: (code: string, body: NoticeRequest): Promise<NoticeView> =>
      call(() => client.POST('/api/v1/communities/{code}/notices', { params: { path: { code } }, body }), true),
    /** Opens a notice: the server records the read receipt. */
    readNotice: (id: string): Promise<NoticeView> =>
      call(() => client.GET('/api/v1/notices/{id}', { params: { path: { id } } }), true),
    noticeReceipts: (id: string): Promise<ReceiptsView> =>
      call(() => client.GET('/api/v1/notices/{id}/receipts', { params: { path: { id } } }), true),
    /** Chat history, oldest first: the 50 latest, or the 50 before `before`. */
    chatHistory: (code: string, before?: number): Promise<ChatMessageList> =>
      call(
        () => client.GET('/api/v1/communities/{code}/chat', { params: { path: { code }, query: before ? { before } : {} } }),
        true,
      ),
    chatPost: (code: string, body: string): Promise<ChatMessageView> =>
      call(() => client.POST('/api/v1/communities/{code}/chat', { params: { path: { code } }, body: { body } }), true),
    /** Sends a JPEG (at most 8 MiB; 422 not a JPEG, 413 too big) to the chat, with a caption of at most 200 characters. */
    chatPostImage: (code: string, jpeg: Blob, caption?: string): Promise<ChatMessageView> =>
      call(
        () =>
          raw<ChatMessageView>('POST', `/api/v1/communities/${encodeURIComponent(code)}/chat/images`, { caption: caption || undefined }, {
            data: jpeg,
            type: 'image/jpeg',
          }),
        true,
      ),
    /** Where a chat picture is (an <img> source: same origin, cookie). */
    chatImageUrl: (imageId: string): string => `${baseUrl}/api/v1/chat-images/${encodeURIComponent(imageId)}`,
    /** The members of a community and its grids, one per membership (staff only: 403/404 otherwise): possible action item owners. */
    members: (code: string): Promise<MemberList> =>
      call(() => client.GET('/api/v1/communities/{code}/members', { params: { path: { code } } }), true),
    // 矛盾调处 (mediation: seen only by its parties and its mediator; 404 for everyone else)
    /** The mediations the user is a party to or mediates (with their part in each), newest first. */
    mediations: (): Promise<MediationList> => call(() => client.GET('/api/v1/mediations'), true),
    mediation: (id: string): Promise<MediationView> =>
      call(() => client.GET('/api/v1/mediations/{id}', { params: { path: { id } } }), true),
    /** 登记受理 (the staff running the space): parties and mediator are members of the community. */
    registerMediation: (code: string, body: MediationRequest): Promise<MediationCreatedView> =>
      call(() => client.POST('/api/v1/communities/{code}/mediations', { params: { path: { code } }, body }), true),
    /** The mediator's next step (409 when it does not follow the state, 403 for anyone else). */
    mediationStep: (id: string, body: MediationStepRequest): Promise<void> =>
      call(() => client.POST('/api/v1/mediations/{id}/steps', { params: { path: { id } }, body }), true).then(() => undefined),
    // Invites and verification of newcomers (the staff running the space; 403/404 otherwise)
    /** Adds a building to the community (409 a building of that name exists, 422 a grid not of the community). */
    addBuilding: (code: string, body: BuildingRequest): Promise<BuildingView> =>
      call(() => client.POST('/api/v1/communities/{code}/buildings', { params: { path: { code } }, body }), true),
    /** Issues an invite for an address (optionally in a building or a grid): the code is shown only in this answer. */
    invite: (code: string, body: InviteRequest): Promise<InviteView> =>
      call(() => client.POST('/api/v1/communities/{code}/invites', { params: { path: { code } }, body }), true),
    /** Newcomers who registered with an invite of the community, pending and decided. */
    joinRequests: (code: string): Promise<JoinRequestList> =>
      call(() => client.GET('/api/v1/communities/{code}/join-requests', { params: { path: { code } } }), true),
    /** Verifies (grants the resident membership) or rejects a newcomer; 409 once decided. */
    decideJoin: (id: string, verify: boolean): Promise<void> =>
      call(() => client.POST('/api/v1/join-requests/{id}/decision', { params: { path: { id } }, body: { verify } }), true).then(
        () => undefined,
      ),
    /** Registers with an invite code (no session: 422 a wrong or used code, 409 the user name is taken). */
    join: (body: JoinRequestBody): Promise<JoinedView> => call(() => client.POST('/api/v1/join', { body }), false),

    /** Whether the user appears to neighbours under an alias (邻居 XXXX). */
    communityPrefs: (): Promise<CommunityPrefsView> => call(() => client.GET('/api/v1/me/community-prefs'), true),
    setCommunityPrefs: (body: CommunityPrefsView): Promise<CommunityPrefsView> =>
      call(() => client.PUT('/api/v1/me/community-prefs', { body }), true),

    // 服务执行 (service requests: 报事报修)
    /** The kinds of request and the desk each goes to (`property` 物业 or `committee` 居委会). */
    serviceKinds: (): Promise<ServiceKindList> => call(() => client.GET('/api/v1/service-kinds'), true),
    /** The community's requests the reader may see: their own, their desk's, or all for the staff. */
    serviceRequests: (code: string): Promise<ServiceRequestList> =>
      call(() => client.GET('/api/v1/communities/{code}/service-requests', { params: { path: { code } } }), true),
    /** Files a request (residents, property, local units, social organisations; staff get 403). */
    fileServiceRequest: (code: string, body: ServiceRequestBody): Promise<ServiceRequestView> =>
      call(() => client.POST('/api/v1/communities/{code}/service-requests', { params: { path: { code } }, body }), true),
    serviceRequest: (id: string): Promise<ServiceRequestView> =>
      call(() => client.GET('/api/v1/service-requests/{id}', { params: { path: { id } } }), true),
    /** `accept` or `done` (with a reply) by the desk, `cancel` by the requester; 409 when the state does not allow it. */
    serviceStep: (id: string, body: ServiceStepBody): Promise<ServiceRequestView> =>
      call(() => client.POST('/api/v1/service-requests/{id}/steps', { params: { path: { id } }, body }), true),
    /** The requester rates a done request 1–5, once. */
    rateServiceRequest: (id: string, body: ServiceRatingBody): Promise<ServiceRequestView> =>
      call(() => client.POST('/api/v1/service-requests/{id}/rating', { params: { path: { id } }, body }), true),
    /** A camera's picture with its privacy regions filled (staff who may view the camera; audited with `purpose`). */
    maskedSnapshotUrl: (cameraId: string, purpose: string): string =>
      `${baseUrl}/api/v1/cameras/${encodeURIComponent(cameraId)}/masked.png?purpose=${encodeURIComponent(purpose)}`,
  }
}

export type Api = ReturnType<typeof createApi>

let unauthorizedHandler: (() => void) | undefined

/** The app registers where to go when the session ends (the login page). */
export function setUnauthorizedHandler(handler: () => void): void {
  unauthorizedHandler = handler
}

/** The app's client: same origin, cookie session, X-Palmgrid-Client: web. */
export const api: Api = createApi({ onUnauthorized: () => unauthorizedHandler?.() })

export { ApiError }
