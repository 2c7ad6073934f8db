// The case workflow as the web app sees it: which actions exist, what each one's dialog asks
// for, the order of the buttons, and the request an action sends. The server decides who may
// do what (`case.actions`); this file only draws and checks the form.
import type { CaseActionRequest, CaseSummary } from '../api/types'

/** Every action of palmgrid_domain::case::CaseAction, in the server's order. */
export const CASE_ACTIONS = [
  'register',
  'cancel',
  'merge',
  'dispatch',
  'accept',
  'return',
  'feedback',
  'check_pass',
  'check_fail',
  'close',
  'rate',
  'request_extension',
  'decide_extension',
  'suspend',
  'resume',
  'reopen',
] as const
export type CaseActionKey = (typeof CASE_ACTIONS)[number]

export function isCaseAction(value: unknown): value is CaseActionKey {
  return typeof value === 'string' && (CASE_ACTIONS as readonly string[]).includes(value)
}

/** Every state of palmgrid_domain::case::CaseState. */
export const CASE_STATES = [
  'reported',
  'registered',
  'dispatched',
  'handling',
  'feedback',
  'checked',
  'closed',
  'suspended',
  'cancelled',
  'merged',
] as const
export type CaseStateKey = (typeof CASE_STATES)[number]

export function isCaseState(value: unknown): value is CaseStateKey {
  return typeof value === 'string' && (CASE_STATES as readonly string[]).includes(value)
}

/** States in which the case is still open (someone must act). */
export function isOpenState(state: string): boolean {
  return isCaseState(state) && !['closed', 'cancelled', 'merged'].includes(state)
}

/**
 * What an action's dialog asks for:
 * - `confirm`: nothing but an optional remark (立案, 签收, 反馈, 核查通过, 结案, 恢复办理)
 * - `reason`: a required reason (注销, 退回, 核查不通过, 挂账, 重新打开)
 * - `extension`: a required reason and the deadline asked for (申请延期)
 * - `dispatch`: the lead department and optional assisting ones (派遣)
 * - `rate`: 1–5 stars (评价)
 * - `decide`: approve or reject (审批延期)
 * - `merge`: the case this one repeats (并案)
 */
export type ActionForm = 'confirm' | 'reason' | 'extension' | 'dispatch' | 'rate' | 'decide' | 'merge'

export const ACTION_FORM: Record<CaseActionKey, ActionForm> = {
  register: 'confirm',
  cancel: 'reason',
  merge: 'merge',
  dispatch: 'dispatch',
  accept: 'confirm',
  return: 'reason',
  feedback: 'confirm',
  check_pass: 'confirm',
  check_fail: 'reason',
  close: 'confirm',
  rate: 'rate',
  request_extension: 'extension',
  decide_extension: 'decide',
  suspend: 'reason',
  resume: 'confirm',
  reopen: 'reason',
}

/** Actions the server refuses without a reason (CaseAction::needs_reason). */
export function needsReason(action: CaseActionKey): boolean {
  return ACTION_FORM[action] === 'reason' || ACTION_FORM[action] === 'extension'
}

/** Whether the dialog offers a free-text remark (required or optional). */
export function takesRemark(action: CaseActionKey): boolean {
  return ['confirm', 'reason', 'extension', 'dispatch', 'merge'].includes(ACTION_FORM[action])
}

/** Button order: moving the case on first, then the exceptions, the terminal ones last. */
const BUTTON_ORDER: readonly CaseActionKey[] = [
  'register',
  'dispatch',
  'accept',
  'feedback',
  'check_pass',
  'close',
  'rate',
  'decide_extension',
  'resume',
  'request_extension',
  'check_fail',
  'return',
  'reopen',
  'suspend',
  'merge',
  'cancel',
]

/** The known actions the server offers, each once, in button order (unknown names are dropped). */
export function offeredActions(actions: readonly string[] | null | undefined): CaseActionKey[] {
  const offered = new Set((actions ?? []).filter(isCaseAction))
  return BUTTON_ORDER.filter((a) => offered.has(a))
}

export type ButtonType = 'primary' | 'success' | 'warning' | 'danger' | 'default'

/** How an action's button looks: the step forward is primary, backward steps warn, ending ones are red. */
export function actionButtonType(action: CaseActionKey): ButtonType {
  switch (action) {
    case 'cancel':
    case 'check_fail':
      return 'danger'
    case 'return':
    case 'suspend':
    case 'reopen':
      return 'warning'
    case 'merge':
    case 'request_extension':
      return 'default'
    case 'check_pass':
    case 'close':
      return 'success'
    default:
      return 'primary'
  }
}

const PHOTO_ACTIONS: readonly CaseActionKey[] = ['feedback', 'check_pass', 'check_fail', 'reopen']

/**
 * "Add photo" is offered at the feedback and check stages, to whoever is about to feed back
 * (the handling department) or check (the grid officer), and to a reporter who may reopen.
 */
export function canAddPhoto(c: Pick<CaseSummary, 'actions'>): boolean {
  return offeredActions(c.actions).some((a) => PHOTO_ACTIONS.includes(a))
}

/** What the dialog's form holds. */
export interface ActionInput {
  /** Reason or remark. */
  reason: string
  /** Dispatch: the lead department's code. */
  lead: string
  /** Dispatch: assisting departments' codes. */
  assisting: string[]
  /** Extension: the deadline asked for, as an `<input type="datetime-local">` value (local time). */
  until: string
  /** Extension decision: true approve, false reject, null not chosen. */
  approve: boolean | null
  /** 1–5, 0 not chosen. */
  rating: number
  /** Merge: the target case's id (already resolved from what was typed). */
  into: string
}

export function emptyInput(): ActionInput {
  return { reason: '', lead: '', assisting: [], until: '', approve: null, rating: 0, into: '' }
}

/** Why a form cannot be sent yet (an i18n key under `cases.problems`). */
export type InputProblem = 'reason' | 'lead' | 'until' | 'untilPast' | 'rating' | 'approve' | 'into'

export type BuiltRequest = { ok: true; body: CaseActionRequest } | { ok: false; problem: InputProblem }

/**
 * The request body for an action, or the first thing missing from the form. `version` is the
 * case version the user saw (a change since is a 409); `now` decides whether a deadline is past.
 */
export function buildActionRequest(
  action: CaseActionKey,
  input: ActionInput,
  version: number | undefined,
  now: Date = new Date(),
): BuiltRequest {
  const body: CaseActionRequest = { action }
  if (version !== undefined) body.version = version
  const reason = input.reason.trim()
  if (needsReason(action) && !reason) return { ok: false, problem: 'reason' }
  if (reason && takesRemark(action)) body.reason = reason
  switch (ACTION_FORM[action]) {
    case 'dispatch': {
      if (!input.lead) return { ok: false, problem: 'lead' }
      body.lead = input.lead
      body.assisting = [...new Set(input.assisting.filter((d) => d && d !== input.lead))]
      break
    }
    case 'extension': {
      const until = fromLocalInput(input.until)
      if (!until) return { ok: false, problem: 'until' }
      if (until.getTime() <= now.getTime()) return { ok: false, problem: 'untilPast' }
      body.until = until.toISOString()
      break
    }
    case 'rate': {
      if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) return { ok: false, problem: 'rating' }
      body.rating = input.rating
      break
    }
    case 'decide': {
      if (input.approve === null) return { ok: false, problem: 'approve' }
      body.approve = input.approve
      break
    }
    case 'merge': {
      if (!input.into.trim()) return { ok: false, problem: 'into' }
      body.into = input.into.trim()
      break
    }
    default:
      break
  }
  return { ok: true, body }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The case a merge goes into, from what the user typed: a case number (as people know them) or
 * an id, looked up in the cases they can see. Null when nothing matches, or it is this case.
 */
export function resolveMergeTarget(
  typed: string,
  visible: readonly Pick<CaseSummary, 'id' | 'number' | 'state'>[],
  selfId: string,
): string | null {
  const text = typed.trim()
  if (!text) return null
  const hit = visible.find((c) => c.number === text || c.id.toLowerCase() === text.toLowerCase())
  if (hit) return hit.id === selfId || !isOpenState(hit.state) ? null : hit.id
  // An id the list does not hold (e.g. the list was capped): the server decides.
  return UUID.test(text) && text.toLowerCase() !== selfId.toLowerCase() ? text : null
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** A date as an `<input type="datetime-local">` value in local time (minutes). */
export function toLocalInput(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}

/** An `<input type="datetime-local">` value (local time) as a Date; null when empty or malformed. */
export function fromLocalInput(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim())
  if (!m) return null
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number]
  const date = new Date(y, mo - 1, d, h, mi, s)
  // new Date rolls 2026-02-31 over to March: refuse what is not a real date.
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null
  if (date.getHours() !== h || date.getMinutes() !== mi) return null
  return date
}

/**
 * The deadline an extension asks for by default: a day after the current stage deadline (or
 * after now, if that is later or unknown), at the full hour.
 */
export function defaultExtensionUntil(stageDeadline: string | null | undefined, now: Date = new Date()): string {
  const base = stageDeadline ? new Date(stageDeadline) : now
  const from = Number.isNaN(base.getTime()) || base.getTime() < now.getTime() ? now : base
  const d = new Date(from.getTime() + 24 * 3_600_000)
  d.setMinutes(0, 0, 0)
  return toLocalInput(d)
}
