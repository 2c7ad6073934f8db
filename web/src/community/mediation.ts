// 矛盾调处 (mediation) as pure functions: its states and the path 登记受理 → 调解 → 协议 → 回访,
// the steps the mediator may record in each state (the same table as palmgrid-domain's
// community::mediation_step), the checks of the step and registration forms, the order of the
// list, and the messages of refusals.
import type { MediationRequest, MediationStepRequest, MediationSummary, MediationView } from '../api/types'
import { ApiError, errorMessage } from '../api/errors'

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'default'

export const MEDIATION_STATES = ['registered', 'mediating', 'agreed', 'followed_up', 'escalated', 'closed'] as const
export type MediationState = (typeof MEDIATION_STATES)[number]

export const STEP_KINDS = ['session', 'agreement', 'follow_up', 'escalation', 'closing'] as const
export type StepKind = (typeof STEP_KINDS)[number]

export const ESCALATION_TARGETS = ['street', 'court'] as const
export type EscalationTarget = (typeof ESCALATION_TARGETS)[number]

/** The server's limits (palmgrid-app community.rs). */
export const TITLE_MAX = 100
export const SUMMARY_MAX = 4000
export const NOTES_MAX = 8000
export const PARTIES_MAX = 20

export function isMediationState(value: unknown): value is MediationState {
  return typeof value === 'string' && (MEDIATION_STATES as readonly string[]).includes(value)
}

export function isStepKind(value: unknown): value is StepKind {
  return typeof value === 'string' && (STEP_KINDS as readonly string[]).includes(value)
}

/** The i18n key of a state's name; null for one this app does not know (show the server's word). */
export function mediationStateKey(state: string): string | null {
  return isMediationState(state) ? `community.mediation.states.${state}` : null
}

/** The i18n key of a recorded step's name; null for one this app does not know. */
export function stepKindKey(kind: string): string | null {
  return isStepKind(kind) ? `community.mediation.kinds.${kind}` : null
}

export function mediationStateTagType(state: string): TagType {
  switch (state) {
    case 'registered':
      return 'warning'
    case 'mediating':
      return 'primary'
    case 'agreed':
    case 'followed_up':
      return 'success'
    case 'escalated':
      return 'danger'
    default:
      return 'default'
  }
}

/** Still being worked on by the mediator. */
export function isOpen(state: string): boolean {
  return state === 'registered' || state === 'mediating' || state === 'agreed'
}

/**
 * The state a step leaves a mediation in, or null when the step does not follow: sessions
 * while registered or mediating, the agreement after a session, the follow-up after the
 * agreement; an escalation or closing (without agreement) before any agreement.
 */
export function stepAfter(state: string, step: string): MediationState | null {
  const early = state === 'registered' || state === 'mediating'
  switch (step) {
    case 'session':
      return early ? 'mediating' : null
    case 'agreement':
      return state === 'mediating' ? 'agreed' : null
    case 'follow_up':
      return state === 'agreed' ? 'followed_up' : null
    case 'escalation':
      return early ? 'escalated' : null
    case 'closing':
      return early ? 'closed' : null
    default:
      return null
  }
}

/** The steps the mediator may record now, in the order offered. */
export function nextSteps(state: string): StepKind[] {
  return STEP_KINDS.filter((s) => stepAfter(state, s) !== null)
}

/** The path shown as steps: 登记受理 → 调解 → 协议 → 回访. */
export const MEDIATION_PATH: readonly MediationState[] = ['registered', 'mediating', 'agreed', 'followed_up']

/**
 * How far along the path a mediation came: its state's index, or for an escalated or closed
 * one, where it left the path (调解 once a session was recorded, else 登记受理).
 */
export function pathIndex(m: Pick<MediationView, 'state' | 'entries'>): number {
  const at = MEDIATION_PATH.indexOf(m.state as MediationState)
  if (at >= 0) return at
  return m.entries.some((e) => e.kind === 'session') ? 1 : 0
}

/** Whether the path ended off it (escalated or closed without agreement). */
export function leftPath(state: string): boolean {
  return state === 'escalated' || state === 'closed'
}

/** The i18n key of an escalation target (街道 or 法院); null for one this app does not know. */
export function escalationKey(to: string | null | undefined): string | null {
  return to && (ESCALATION_TARGETS as readonly string[]).includes(to) ? `community.mediation.targets.${to}` : null
}

export interface StepInput {
  step: StepKind
  notes: string
  /** For an escalation. */
  to: EscalationTarget | null
}

/** The request of a step, or what is missing (`notes`, `notesTooLong`, `to`). */
export function buildStepRequest(input: StepInput): { request: MediationStepRequest } | { problem: 'notes' | 'notesTooLong' | 'to' } {
  const notes = input.notes.trim()
  if (!notes) return { problem: 'notes' }
  if ([...notes].length > NOTES_MAX) return { problem: 'notesTooLong' }
  if (input.step === 'escalation') {
    if (!input.to) return { problem: 'to' }
    return { request: { step: input.step, notes, to: input.to } }
  }
  return { request: { step: input.step, notes, to: null } }
}

export interface RegisterInput {
  title: string
  summary: string
  parties: readonly string[]
  mediatorId: string
}

export type RegisterProblem = 'title' | 'summary' | 'parties' | 'tooManyParties' | 'mediator' | 'mediatorIsParty'

/** The request to register a mediation, or what is wrong with the form. */
export function buildMediationRequest(input: RegisterInput): { request: MediationRequest } | { problem: RegisterProblem } {
  const title = input.title.trim()
  const summary = input.summary.trim()
  const parties = [...new Set(input.parties.filter(Boolean))]
  if (!title || [...title].length > TITLE_MAX) return { problem: 'title' }
  if (!summary || [...summary].length > SUMMARY_MAX) return { problem: 'summary' }
  if (parties.length === 0) return { problem: 'parties' }
  if (parties.length > PARTIES_MAX) return { problem: 'tooManyParties' }
  if (!input.mediatorId) return { problem: 'mediator' }
  if (parties.includes(input.mediatorId)) return { problem: 'mediatorIsParty' }
  return { request: { title, summary, parties, mediator_id: input.mediatorId } }
}

/** The reader's part in a mediation (the list's `my_role`): they mediate it, or are a party. */
export function isMediatorRole(myRole: string): boolean {
  return myRole === 'mediator'
}

/** The list: open ones first (those the reader mediates before them), newest first within. */
export function sortMediations<T extends Pick<MediationSummary, 'state' | 'created_at' | 'my_role'>>(list: readonly T[]): T[] {
  const rank = (m: T) => (isOpen(m.state) ? (isMediatorRole(m.my_role) ? 0 : 1) : 2)
  return [...list].sort((a, b) => rank(a) - rank(b) || b.created_at.localeCompare(a.created_at))
}

/**
 * The message of a refused mediation call: 409 the state moved on (another step came first),
 * 403 only the mediator records steps (or only the staff register), 404 gone or not the
 * reader's to see, 422 parties or mediator not members of the community.
 */
export function mediationError(e: unknown): { key: string; params: Record<string, string> } {
  if (e instanceof ApiError) {
    if (e.status === 409) return { key: 'community.mediation.errors.conflict', params: {} }
    if (e.status === 403) return { key: 'community.mediation.errors.forbidden', params: {} }
    if (e.status === 404) return { key: 'community.mediation.notFound', params: {} }
    if (e.status === 422) return { key: 'community.mediation.errors.invalid', params: {} }
  }
  return errorMessage(e)
}
