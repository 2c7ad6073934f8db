// 服务执行 (报事报修) as pure functions: request states and their tags, the desk a kind goes to,
// what the reader may do with a request (the same rules as the server's service_step: accept
// and 办结 by the desk, cancel by the requester while open or accepted, one rating once done),
// the list's order and filters, the form's checks and the board's numbers.
import type { ServiceKindView, ServiceRequestView, ServiceStatsView } from '../api/types'

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'default'

export const SERVICE_STATES = ['open', 'accepted', 'done', 'cancelled'] as const
export type ServiceState = (typeof SERVICE_STATES)[number]

export function isServiceState(value: unknown): value is ServiceState {
  return typeof value === 'string' && (SERVICE_STATES as readonly string[]).includes(value)
}

/** The i18n key of a state's name; null for a state this app does not know. */
export function serviceStateKey(state: string): string | null {
  return isServiceState(state) ? `community.service.states.${state}` : null
}

export function serviceStateTagType(state: string): TagType {
  switch (state) {
    case 'open':
      return 'warning'
    case 'accepted':
      return 'primary'
    case 'done':
      return 'success'
    default:
      return 'default'
  }
}

export const SERVICE_DESKS = ['property', 'committee'] as const
export type ServiceDesk = (typeof SERVICE_DESKS)[number]

/** The i18n key of a desk (物业 or 居委会); null for one this app does not know. */
export function deskKey(desk: string): string | null {
  return (SERVICE_DESKS as readonly string[]).includes(desk) ? `community.service.desks.${desk}` : null
}

/** Still being worked on (may be accepted, done or cancelled). */
export function isActive(state: string): boolean {
  return state === 'open' || state === 'accepted'
}

export interface ServiceActions {
  /** 受理: the desk, while open. */
  accept: boolean
  /** 办结 (with a reply): the desk, while open or accepted. */
  done: boolean
  /** 撤销: the requester, while open or accepted. */
  cancel: boolean
  /** 评价: the requester, once done and not yet rated. */
  rate: boolean
}

export function serviceActions(r: Pick<ServiceRequestView, 'state' | 'mine' | 'may_handle' | 'rating'>): ServiceActions {
  return {
    accept: r.may_handle && r.state === 'open',
    done: r.may_handle && isActive(r.state),
    cancel: r.mine && isActive(r.state),
    rate: r.mine && r.state === 'done' && (r.rating === null || r.rating === undefined),
  }
}

/** What the reader should do now: `handle` (the desk's turn), `rate` (the requester's), or null. */
export function waitingOn(r: Pick<ServiceRequestView, 'state' | 'mine' | 'may_handle' | 'rating'>): 'handle' | 'rate' | null {
  const a = serviceActions(r)
  if (a.accept || a.done) return 'handle'
  if (a.rate) return 'rate'
  return null
}

/** Order of the list: what waits on the reader first, then open and accepted ones, then the rest; newest first within. */
export function sortRequests<T extends ServiceRequestView>(requests: readonly T[]): T[] {
  const rank = (r: T) => (waitingOn(r) ? 0 : isActive(r.state) ? 1 : 2)
  return [...requests].sort((a, b) => rank(a) - rank(b) || b.created_at.localeCompare(a.created_at))
}

export const SERVICE_FILTERS = ['all', 'active', 'done', 'cancelled'] as const
export type ServiceFilter = (typeof SERVICE_FILTERS)[number]

export function inFilter(r: Pick<ServiceRequestView, 'state'>, filter: string): boolean {
  switch (filter) {
    case 'active':
      return isActive(r.state)
    case 'done':
      return r.state === 'done'
    case 'cancelled':
      return r.state === 'cancelled'
    default:
      return true
  }
}

/** Kinds grouped by the desk they go to: 物业 first, then 居委会 (anything else last), each in the server's order. */
export function kindsByDesk(kinds: readonly ServiceKindView[]): { desk: string; kinds: ServiceKindView[] }[] {
  const order = (d: string) => {
    const i = (SERVICE_DESKS as readonly string[]).indexOf(d)
    return i < 0 ? SERVICE_DESKS.length : i
  }
  const groups = new Map<string, ServiceKindView[]>()
  for (const k of kinds) groups.set(k.desk, [...(groups.get(k.desk) ?? []), k])
  return [...groups.entries()].sort((a, b) => order(a[0]) - order(b[0])).map(([desk, ks]) => ({ desk, kinds: ks }))
}

export const DESCRIPTION_MAX = 2000
export const ADDRESS_MAX = 200
export const REPLY_MAX = 2000
export const COMMENT_MAX = 500

export type ServiceProblem = 'kind' | 'description' | 'address'

/** The form's first problem (the server's limits: 1–2000 characters of description, 1–200 of address), or null. */
export function serviceFormProblem(input: { kind: string; description: string; address: string }, kinds: readonly Pick<ServiceKindView, 'key'>[]): ServiceProblem | null {
  if (!kinds.some((k) => k.key === input.kind)) return 'kind'
  const d = [...input.description.trim()].length
  if (d === 0 || d > DESCRIPTION_MAX) return 'description'
  const a = [...input.address.trim()].length
  if (a === 0 || a > ADDRESS_MAX) return 'address'
  return null
}

/** A mean rating for showing: one decimal (4.5, 5.0), or null when nobody rated. */
export function meanRating(stats: Pick<ServiceStatsView, 'mean_rating' | 'rated'> | null | undefined): number | null {
  const m = stats?.mean_rating
  if (!stats || stats.rated === 0 || m === null || m === undefined || !Number.isFinite(m)) return null
  return Math.round(m * 10) / 10
}

/** All requests counted on the board. */
export function totalRequests(stats: Pick<ServiceStatsView, 'open' | 'accepted' | 'done' | 'cancelled'>): number {
  return stats.open + stats.accepted + stats.done + stats.cancelled
}
