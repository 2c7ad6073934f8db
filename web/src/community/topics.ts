// 议事 and 事项 as pure functions: topic phases and what staff may do in each, threaded
// comments, the poll's numbers and whether one may vote or decide now, the requests of the poll
// and decision forms, action item progress and status, and the 动态 feed.
import type {
  ActionItemView,
  ActionUpdateView,
  CommentView,
  DecisionRequest,
  NoticeView,
  PollRequest,
  PollView,
  TopicView,
} from '../api/types'
import { ApiError, errorMessage } from '../api/errors'
import { fromLocalInput, toLocalInput } from '../cases/workflow'

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'default'

export const PHASES = ['collect', 'discuss', 'decide', 'decided', 'closed'] as const
export type Phase = (typeof PHASES)[number]

export function isPhase(value: unknown): value is Phase {
  return typeof value === 'string' && (PHASES as readonly string[]).includes(value)
}

/** The i18n key of a phase name; null for a phase this app does not know (show the server's name). */
export function phaseKey(phase: string): string | null {
  return isPhase(phase) ? `community.phases.${phase}` : null
}

export function phaseTagType(phase: string): TagType {
  switch (phase) {
    case 'collect':
      return 'primary'
    case 'discuss':
      return 'warning'
    case 'decide':
      return 'danger'
    case 'decided':
      return 'success'
    default:
      return 'default'
  }
}

/** The steps a topic goes through, for the progress steps (closed is off the path). */
export const PHASE_PATH: readonly Phase[] = ['collect', 'discuss', 'decide', 'decided']

/** Index of the phase on PHASE_PATH (-1 when closed or unknown). */
export function phaseStep(phase: string): number {
  return PHASE_PATH.indexOf(phase as Phase)
}

export type TopicAction = 'discuss' | 'poll' | 'decide' | 'close'

/**
 * What staff may do with a topic in a phase (the server's Phase::may_move_to): collect →
 * 进入讨论; discuss → 发起表决; decide → 记录决定; any open phase may be closed.
 */
export function topicActions(phase: string): TopicAction[] {
  switch (phase) {
    case 'collect':
      return ['discuss', 'close']
    case 'discuss':
      return ['poll', 'close']
    case 'decide':
      return ['decide', 'close']
    default:
      return []
  }
}

/** Comments are taken while views are collected and discussed. */
export function takesComments(phase: string): boolean {
  return phase === 'collect' || phase === 'discuss'
}

// --- slow mode -----------------------------------------------------------------------------

/** The slow-mode settings staff choose from: off, 30 s, 1, 5 and 10 minutes. */
export const SLOW_MODE_CHOICES: readonly number[] = [0, 30, 60, 300, 600]

/** The choices offered, with the topic's current setting among them when it is another value (set by another client). */
export function slowModeChoices(current: number): number[] {
  const all = new Set(SLOW_MODE_CHOICES)
  if (Number.isInteger(current) && current > 0) all.add(current)
  return [...all].sort((a, b) => a - b)
}

/** A slow-mode interval for people (i18n key and parameters): whole minutes as minutes, else seconds. */
export function slowModeDuration(seconds: number): { key: string; params: { n: number } } {
  return seconds >= 60 && seconds % 60 === 0
    ? { key: 'community.slowMode.minutes', params: { n: seconds / 60 } }
    : { key: 'community.slowMode.seconds', params: { n: seconds } }
}

/** The seconds a slow-mode refusal (429 `slow_mode`) asks to wait; null for any other error. */
export function slowModeWait(e: unknown): number | null {
  if (!(e instanceof ApiError) || e.code !== 'slow_mode') return null
  if (e.retryAfter !== undefined) return e.retryAfter
  // Without the header, the server's message says it ("… wait 42 s").
  const m = /wait (\d+) s/.exec(e.serverMessage ?? '')
  return m ? Math.max(1, Number(m[1])) : null
}

/** Whole seconds left until `until` (ms since the epoch), 0 once it has passed. */
export function secondsLeft(until: number, now: number): number {
  return Math.max(0, Math.ceil((until - now) / 1000))
}

export interface CommentThread {
  comment: CommentView
  replies: CommentView[]
}

/**
 * Comments as threads, oldest first: each top-level comment with the replies under it (a reply
 * to a reply joins the thread of its top-level comment; a reply whose parent is missing stands
 * on its own).
 */
export function threadComments(comments: readonly CommentView[]): CommentThread[] {
  const byId = new Map(comments.map((c) => [c.id, c]))
  const rootOf = (c: CommentView): string => {
    let cur = c
    const seen = new Set<string>()
    while (cur.parent_id && byId.has(cur.parent_id) && !seen.has(cur.id)) {
      seen.add(cur.id)
      cur = byId.get(cur.parent_id)!
    }
    return cur.id
  }
  const sorted = [...comments].sort((a, b) => a.created_at.localeCompare(b.created_at))
  const threads = new Map<string, CommentThread>()
  for (const c of sorted) {
    const root = rootOf(c)
    if (root === c.id) threads.set(c.id, { comment: c, replies: threads.get(c.id)?.replies ?? [] })
    else {
      const t = threads.get(root)
      if (t) t.replies.push(c)
      else threads.set(root, { comment: byId.get(root)!, replies: [c] })
    }
  }
  return [...threads.values()]
}

export interface PollOptionRow {
  index: number
  label: string
  count: number
  /** Share of the voters who chose it, 0–100, rounded. */
  percent: number
  leading: boolean
  mine: boolean
}

/** One row per option with its count and share of the voters. */
export function pollRows(poll: Pick<PollView, 'options' | 'tally' | 'mine'>): PollOptionRow[] {
  const voters = poll.tally.voters
  return poll.options.map((label, index) => {
    const count = poll.tally.counts[index] ?? 0
    return {
      index,
      label,
      count,
      percent: voters > 0 ? Math.round((count * 100) / voters) : 0,
      leading: poll.tally.leading.includes(index),
      mine: poll.mine?.includes(index) ?? false,
    }
  })
}

/**
 * The result of a poll on the 监督 board: one row per option (the board gives the options in
 * the order of the tally's counts); none when the topic had no poll.
 */
export function boardRows(entry: { options?: string[] | null; tally?: PollView['tally'] | null }): PollOptionRow[] {
  if (!entry.options || !entry.tally) return []
  return pollRows({ options: entry.options, tally: entry.tally })
}

/** The poll is open for votes: the topic is in `decide` and the deadline is ahead. */
export function pollOpen(phase: string, poll: Pick<PollView, 'deadline'> | null | undefined, now: Date = new Date()): boolean {
  if (phase !== 'decide' || !poll) return false
  const deadline = new Date(poll.deadline).getTime()
  return Number.isFinite(deadline) && now.getTime() < deadline
}

/** The reader may vote now: takes part, has not voted, and the poll is open. */
export function canVote(
  detail: { may_take_part: boolean; topic: Pick<TopicView, 'phase'>; poll?: PollView | null },
  now: Date = new Date(),
): boolean {
  return detail.may_take_part && !!detail.poll && !detail.poll.mine && pollOpen(detail.topic.phase, detail.poll, now)
}

/**
 * The decision may be recorded: after the deadline, or before it once a quorum that was set is
 * met by real votes (the server's rule in decide_topic).
 */
export function canDecideNow(poll: Pick<PollView, 'deadline' | 'quorum_pct' | 'tally'> | null | undefined, now: Date = new Date()): boolean {
  if (!poll) return false
  const deadline = new Date(poll.deadline).getTime()
  if (Number.isFinite(deadline) && now.getTime() >= deadline) return true
  const t = poll.tally
  return poll.quorum_pct > 0 && t.eligible > 0 && t.voters > 0 && t.quorum_met
}

/** What the poll form holds. */
export interface PollInput {
  question: string
  options: string[]
  multiple: boolean
  anonymous: boolean
  /** `<input type="datetime-local">` value. */
  deadline: string
  quorumPct: string
}

export const MAX_POLL_OPTIONS = 20

/** A fresh poll form: the topic's title as the question, 同意/不同意, three days from now at the full hour. */
export function emptyPoll(question: string, options: [string, string], now: Date = new Date()): PollInput {
  const d = new Date(now.getTime() + 3 * 86_400_000)
  d.setMinutes(0, 0, 0)
  return { question, options: [...options], multiple: false, anonymous: true, deadline: toLocalInput(d), quorumPct: '50' }
}

export type PollProblem = 'question' | 'options' | 'optionsRepeat' | 'deadline' | 'deadlinePast' | 'quorum'

/** The request of the poll form, or what is wrong with it (the first problem). */
export function buildPollRequest(input: PollInput, now: Date = new Date()): { request: PollRequest } | { problem: PollProblem } {
  const question = input.question.trim()
  if (!question || question.length > 200) return { problem: 'question' }
  const options = input.options.map((o) => o.trim()).filter((o) => o !== '')
  if (options.length < 2 || options.length > MAX_POLL_OPTIONS || options.some((o) => o.length > 100)) return { problem: 'options' }
  if (new Set(options).size !== options.length) return { problem: 'optionsRepeat' }
  const deadline = fromLocalInput(input.deadline)
  if (!deadline) return { problem: 'deadline' }
  if (deadline.getTime() <= now.getTime()) return { problem: 'deadlinePast' }
  const quorum = input.quorumPct.trim() === '' ? 0 : Number(input.quorumPct)
  if (!Number.isInteger(quorum) || quorum < 0 || quorum > 100) return { problem: 'quorum' }
  return {
    request: {
      question,
      options,
      multiple: input.multiple,
      anonymous: input.anonymous,
      deadline: deadline.toISOString(),
      quorum_pct: quorum,
    },
  }
}

/** What the decision form holds. */
export interface DecisionInput {
  decision: string
  withItem: boolean
  itemTitle: string
  /** The owner's user id (chosen from the community's members), or ''. */
  ownerId: string
  /** `<input type="datetime-local">` value, or ''. */
  itemDeadline: string
}

export type DecisionProblem = 'decision' | 'itemTitle' | 'owner' | 'itemDeadline'

/** The request of the decision form, or its first problem. */
export function buildDecisionRequest(input: DecisionInput): { request: DecisionRequest } | { problem: DecisionProblem } {
  const decision = input.decision.trim()
  if (!decision || decision.length > 2000) return { problem: 'decision' }
  if (!input.withItem) return { request: { decision } }
  const title = input.itemTitle.trim()
  if (!title || title.length > 100) return { problem: 'itemTitle' }
  const owner = input.ownerId.trim()
  if (!owner) return { problem: 'owner' }
  let deadline: string | null = null
  if (input.itemDeadline.trim() !== '') {
    const d = fromLocalInput(input.itemDeadline)
    if (!d) return { problem: 'itemDeadline' }
    deadline = d.toISOString()
  }
  return { request: { decision, action_item: { title, owner_id: owner, deadline } } }
}

// --- action items --------------------------------------------------------------------------

export const ITEM_STATUSES = ['open', 'in_progress', 'done', 'overdue'] as const

export function itemStatusKey(status: string): string | null {
  return (ITEM_STATUSES as readonly string[]).includes(status) ? `community.itemStatus.${status}` : null
}

export function itemStatusTagType(status: string): TagType {
  switch (status) {
    case 'done':
      return 'success'
    case 'overdue':
      return 'danger'
    case 'in_progress':
      return 'primary'
    default:
      return 'default'
  }
}

/** A progress value as the server takes it: an integer 0–100 (null when not a number). */
export function clampProgress(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
  if (!Number.isFinite(n)) return null
  return Math.min(100, Math.max(0, Math.round(n)))
}

/** Progress bar colour: green when done, red when overdue, the brand blue otherwise. */
export function progressColor(status: string): string {
  return status === 'done' ? '#07c160' : status === 'overdue' ? '#ee0a24' : '#1989fa'
}

/** Action items: the reader's own first, then open before done, then the latest change first. */
export function sortItems(items: readonly ActionItemView[], myId?: string | null): ActionItemView[] {
  const rank = (i: ActionItemView) => (i.owner_id === myId ? 0 : 2) + (i.status === 'done' ? 1 : 0)
  return [...items].sort((a, b) => rank(a) - rank(b) || b.updated_at.localeCompare(a.updated_at))
}

// --- 动态 ----------------------------------------------------------------------------------

export type FeedEntry =
  | { kind: 'topic'; id: string; at: string; topic: TopicView }
  | { kind: 'notice'; id: string; at: string; notice: NoticeView }
  | { kind: 'item'; id: string; at: string; item: ActionItemView }

/**
 * The 动态 feed: topics (when set, or decided), notices (when posted) and action items (their
 * last change), newest first, at most `limit`.
 */
export function buildFeed(
  topics: readonly TopicView[],
  notices: readonly NoticeView[],
  items: readonly ActionItemView[],
  limit = 30,
): FeedEntry[] {
  const entries: FeedEntry[] = [
    ...topics.map((t): FeedEntry => ({ kind: 'topic', id: t.id, at: t.decided_at ?? t.created_at, topic: t })),
    ...notices.map((n): FeedEntry => ({ kind: 'notice', id: n.id, at: n.created_at, notice: n })),
    ...items.map((i): FeedEntry => ({ kind: 'item', id: i.id, at: i.updated_at, item: i })),
  ]
  const time = (e: FeedEntry) => {
    const ms = new Date(e.at).getTime()
    return Number.isFinite(ms) ? ms : 0
  }
  return entries.sort((a, b) => time(b) - time(a)).slice(0, limit)
}

/** Topics in a phase ('all' for every one), newest first as the server lists them. */
export function topicsIn(topics: readonly TopicView[], phase: string): TopicView[] {
  return phase === 'all' ? [...topics] : topics.filter((t) => t.phase === phase)
}

// --- errors --------------------------------------------------------------------------------

export type ConflictContext = 'vote' | 'decide' | 'comment' | 'service' | 'other'

/**
 * The message of a failed community call. A 409 means different things here than for a case:
 * the vote has ended or was cast already, the decision waits for the poll, comments are closed,
 * a service request has moved on (another step came first, or it was rated already).
 */
export function communityError(e: unknown, context: ConflictContext = 'other'): { key: string; params: Record<string, string> } {
  if (e instanceof ApiError && e.status === 409) {
    return { key: context === 'other' ? 'community.errors.conflict' : `community.errors.${context}`, params: {} }
  }
  return errorMessage(e)
}

// --- volunteers and update photos (事项) --------------------------------------------------------

/**
 * The newest progress update by `authorId` (the one just posted: the post answers with the item,
 * not the update). Latest `created_at` wins; on a tie the later in the list. Null when none.
 */
export function newestUpdateBy<T extends Pick<ActionUpdateView, 'author_id' | 'created_at'>>(
  updates: readonly T[],
  authorId: string,
): T | null {
  let best: T | null = null
  let bestAt = -Infinity
  for (const u of updates) {
    if (!authorId || u.author_id !== authorId) continue
    const at = Date.parse(u.created_at)
    const t = Number.isFinite(at) ? at : -Infinity
    if (best === null || t >= bestAt) {
      best = u
      bestAt = t
    }
  }
  return best
}

/** The message of a failed sign-up or withdrawal: 403 only participants may, 409 the item is done. */
export function volunteerError(e: unknown): { key: string; params: Record<string, string> } {
  if (e instanceof ApiError && e.status === 403) return { key: 'community.items.volunteerForbidden', params: {} }
  if (e instanceof ApiError && e.status === 409) return { key: 'community.items.volunteerDone', params: {} }
  return errorMessage(e)
}

/** The message of a failed update photo: 422 not a JPEG, 409 it has one already, 413 too big. */
export function updatePhotoError(e: unknown): { key: string; params: Record<string, string> } {
  if (e instanceof ApiError) {
    if (e.status === 422) return { key: 'community.items.photoNotJpeg', params: {} }
    if (e.status === 409) return { key: 'community.items.photoExists', params: {} }
    if (e.status === 413) return { key: 'community.items.photoTooLarge', params: {} }
  }
  return errorMessage(e)
}
