// Moderation of comments as pure functions: the community rules a report or a removal names,
// what a hidden comment says to each reader, and what each reader may do with a comment
// (举报 for members, 申诉 for the author of a hidden comment, 删除 and 恢复 for the staff running
// the space) — the same rules as the server's report_comment, appeal_comment and
// moderate_comment, read from the comment's `state`, `mine`, `i_reported` and `appeal` — and the
// messages of their refusals.
import type { CommentView } from '../api/types'
import { ApiError, errorMessage } from '../api/errors'

/** A comment is hidden pending review once this many members have reported it (the server's HIDE_AFTER_REPORTS). */
export const HIDE_AFTER_REPORTS = 3

/** The server keeps a reason, a rule and an appeal of at most these many characters. */
export const REASON_MAX = 200
export const APPEAL_MAX = 1000

/** The rules of the community (社区公约) a report or a removal names. */
export const RULE_KEYS = ['abuse', 'privacy', 'ads', 'rumour', 'illegal', 'offtopic'] as const
export type RuleKey = (typeof RULE_KEYS)[number]
/** A rule, or `other` with the reader's own words. */
export type RuleChoice = RuleKey | 'other'

/**
 * What is sent as the reason or rule (and so written to the audit log and shown as the
 * comment's hidden reason): always the Chinese wording, whatever the interface language, as
 * for a video purpose, so the log reads the same for every auditor.
 */
export const RULE_AUDIT_TEXT: Record<RuleKey, string> = {
  abuse: '人身攻击或辱骂',
  privacy: '泄露他人隐私',
  ads: '广告或垃圾信息',
  rumour: '散布不实信息',
  illegal: '违法违规内容',
  offtopic: '与议题无关',
}

/** Sent as the rule of a restore when the moderator writes none of their own. */
export const RESTORE_DEFAULT = '经审核未违反社区公约'

export function isRuleKey(value: unknown): value is RuleKey {
  return typeof value === 'string' && (RULE_KEYS as readonly string[]).includes(value)
}

/** The rule a reason names, when it is one of ours (for showing it in the reader's language). */
export function ruleOf(text: string | null | undefined): RuleKey | null {
  const t = (text ?? '').trim()
  return RULE_KEYS.find((k) => RULE_AUDIT_TEXT[k] === t) ?? null
}

/**
 * The reason or rule to send: a rule's Chinese wording, or the reader's own words for `other`;
 * or what is wrong with the choice (`choose`: nothing chosen; `other`: no words; `tooLong`).
 */
export function ruleText(choice: RuleChoice | null, other: string): { text: string } | { problem: 'choose' | 'other' | 'tooLong' } {
  if (choice === null) return { problem: 'choose' }
  if (choice !== 'other') return { text: RULE_AUDIT_TEXT[choice] }
  const text = other.trim()
  if (!text) return { problem: 'other' }
  if ([...text].length > REASON_MAX) return { problem: 'tooLong' }
  return { text }
}

/** Free text the server takes (a restore's reason, an appeal): trimmed, 1 to `max` characters, or null. */
export function freeText(value: string, max: number): string | null {
  const t = value.trim()
  return t && [...t].length <= max ? t : null
}

/**
 * Where a comment stands, as the server says (`state`): shown; hidden `pending` review after
 * reports; or `removed` by a moderator naming a rule.
 */
export const COMMENT_STATES = ['visible', 'pending', 'removed'] as const
export type CommentState = (typeof COMMENT_STATES)[number]

/** The comment's state; a state this app does not know is taken as removed when hidden, else shown. */
export function commentState(c: Pick<CommentView, 'state' | 'hidden'>): CommentState {
  if ((COMMENT_STATES as readonly string[]).includes(c.state)) return c.state as CommentState
  return c.hidden ? 'removed' : 'visible'
}

/**
 * What a hidden comment says in place of (or above) its text: an i18n key and its parameters,
 * and the rule when it is one of ours (to show it in the reader's language). Pending review
 * names no count: only the moderators are told how many reported it.
 */
export function hiddenNotice(
  c: Pick<CommentView, 'state' | 'hidden' | 'hidden_reason'>,
): { key: string; params: Record<string, string | number>; rule: RuleKey | null } | null {
  const state = commentState(c)
  if (state === 'visible') return null
  if (state === 'pending') return { key: 'community.moderation.pending', params: {}, rule: null }
  const reason = (c.hidden_reason ?? '').trim()
  if (!reason) return { key: 'community.moderation.removedNoRule', params: {}, rule: null }
  return { key: 'community.moderation.removed', params: { rule: reason }, rule: ruleOf(reason) }
}

export interface CommentModeration {
  state: CommentState
  /** The reader wrote it. */
  own: boolean
  /** 举报: a member (not the staff, who remove instead) on someone else's shown comment, once. */
  report: boolean
  /** 申诉: the author of a hidden comment, once. */
  appeal: boolean
  /** 删除 naming a rule: the staff, on a comment not removed yet. */
  remove: boolean
  /** 恢复: the staff, on a hidden comment. */
  restore: boolean
  /** How many members reported it, for the staff (0 for everyone else, and when none did). */
  reports: number
}

/**
 * What the reader may do with a comment, from what the server says of it and of the reader:
 * `mine`, `i_reported`, `appeal` (made already) and `reports` (counted for the staff only).
 * `staff` is the topic's `may_manage`.
 */
export function commentModeration(
  c: Pick<CommentView, 'state' | 'hidden' | 'mine' | 'i_reported' | 'appeal' | 'reports'>,
  staff: boolean,
): CommentModeration {
  const state = commentState(c)
  const own = c.mine
  return {
    state,
    own,
    report: !staff && !own && state === 'visible' && !c.i_reported,
    appeal: !staff && own && state !== 'visible' && !c.appeal,
    remove: staff && state !== 'removed',
    restore: staff && state !== 'visible',
    reports: staff ? Math.max(0, c.reports) : 0,
  }
}

/** Hidden comments waiting for the staff's review (hidden by reports, not yet removed or restored). */
export function pendingCount(comments: readonly Pick<CommentView, 'state' | 'hidden'>[]): number {
  return comments.filter((c) => commentState(c) === 'pending').length
}

export type ModerationCall = 'report' | 'appeal' | 'moderate'

/** The four steps of the moderation sheet. */
export type ModerationMode = 'report' | 'remove' | 'restore' | 'appeal'

/**
 * The message of a refused moderation call: a report twice (409) or of one's own comment
 * (422); an appeal twice or of a comment shown again (409), or of someone else's (403).
 */
export function moderationError(e: unknown, call: ModerationCall): { key: string; params: Record<string, string> } {
  if (e instanceof ApiError) {
    if (call === 'report' && e.status === 409) return { key: 'community.moderation.errors.reportedAlready', params: {} }
    if (call === 'report' && e.status === 422) return { key: 'community.moderation.errors.reportOwn', params: {} }
    if (call === 'appeal' && e.status === 409) return { key: 'community.moderation.errors.appealedAlready', params: {} }
    if (call === 'appeal' && e.status === 403) return { key: 'community.moderation.errors.appealNotOwn', params: {} }
    if (call === 'moderate' && e.status === 403) return { key: 'community.moderation.errors.notStaff', params: {} }
  }
  return errorMessage(e)
}
