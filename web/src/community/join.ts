// Invites and verification of newcomers as pure functions: the invite form's request (an
// address, optionally in a building of the community), the absolute join link of a QR code, the
// public join form's checks (the server's user name and password rules), the order of the
// verification list, where a member lives, and the messages of refusals.
import type { BuildingView, InviteRequest, JoinRequestBody, JoinRequestView, MemberView } from '../api/types'
import { ApiError, errorMessage } from '../api/errors'

type Message = { key: string; params: Record<string, string | number> }

/** The server's limits: an address (palmgrid-app community.rs), a building's name, a user name and a password (palmgrid-domain password.rs). */
export const ADDRESS_MAX = 200
export const BUILDING_NAME_MAX = 40
export const USERNAME_MIN = 3
export const USERNAME_MAX = 64
export const PASSWORD_MIN = 12
export const PASSWORD_MAX = 256
export const DISPLAY_NAME_MAX = 64

export const JOIN_STATES = ['pending', 'verified', 'rejected'] as const
export type JoinState = (typeof JOIN_STATES)[number]

/** The i18n key of a join request's state; null for one this app does not know. */
export function joinStateKey(state: string): string | null {
  return (JOIN_STATES as readonly string[]).includes(state) ? `community.roster.states.${state}` : null
}

export function joinStateTagType(state: string): 'warning' | 'success' | 'default' {
  return state === 'pending' ? 'warning' : state === 'verified' ? 'success' : 'default'
}

export interface InviteInput {
  /** A building of the community, or null for an address in the community at large. */
  buildingId: string | null
  /** With a building the rest of the address (2单元301室), else the whole address. */
  address: string
}

/** The invite request, or what is missing (`address`, `tooLong`). */
export function buildInviteRequest(input: InviteInput): { request: InviteRequest } | { problem: 'address' | 'tooLong' } {
  const address = input.address.trim()
  if (!address) return { problem: 'address' }
  if ([...address].length > ADDRESS_MAX) return { problem: 'tooLong' }
  return { request: input.buildingId ? { address, building_id: input.buildingId } : { address } }
}

/** The new building's name, trimmed, or what is wrong with it. */
export function buildingNameOf(value: string): { name: string } | { problem: 'name' | 'tooLong' } {
  const name = value.trim()
  if (!name) return { problem: 'name' }
  if ([...name].length > BUILDING_NAME_MAX) return { problem: 'tooLong' }
  return { name }
}

/** Buildings in natural order (1栋, 2栋, 10栋). */
export function sortBuildings<T extends Pick<BuildingView, 'name'>>(buildings: readonly T[]): T[] {
  const collator = new Intl.Collator('zh-CN', { numeric: true })
  return [...buildings].sort((a, b) => collator.compare(a.name, b.name))
}

/**
 * The absolute join link a QR code carries: the server's `join_url` (a path on the app, such as
 * `/join?code=…`) on the page's own origin; an absolute one is kept as it is.
 */
export function absoluteJoinUrl(origin: string, joinUrl: string): string {
  if (/^https?:\/\//i.test(joinUrl)) return joinUrl
  return `${origin.replace(/\/+$/, '')}/${joinUrl.replace(/^\/+/, '')}`
}

/** The code of a join link's `?code=` (trimmed; letters upper-cased as the server compares them). */
export function normaliseCode(value: unknown): string {
  return typeof value === 'string' ? value.replace(/\s+/g, '').toUpperCase() : ''
}

export interface JoinInput {
  code: string
  username: string
  displayName: string
  password: string
  /** The password typed again. */
  confirm: string
}

export type JoinProblem = 'code' | 'username' | 'displayName' | 'password' | 'passwordIsUsername' | 'confirm'

/** The join request, or the first thing wrong with the form (the server's rules: 3–64 letters, digits, '.', '_' or '-'; a password of 12 or more characters that is not the user name). */
export function buildJoinRequest(input: JoinInput): { request: JoinRequestBody } | { problem: JoinProblem } {
  const code = normaliseCode(input.code)
  const username = input.username.trim()
  const displayName = input.displayName.trim()
  const chars = [...input.password].length
  if (!code) return { problem: 'code' }
  if (!/^[\p{L}\p{N}._-]+$/u.test(username) || [...username].length < USERNAME_MIN || [...username].length > USERNAME_MAX) {
    return { problem: 'username' }
  }
  if (!displayName || [...displayName].length > DISPLAY_NAME_MAX) return { problem: 'displayName' }
  if (chars < PASSWORD_MIN || chars > PASSWORD_MAX) return { problem: 'password' }
  if (input.password.trim().toLowerCase() === username.toLowerCase()) return { problem: 'passwordIsUsername' }
  if (input.password !== input.confirm) return { problem: 'confirm' }
  return { request: { code, username, display_name: displayName, password: input.password } }
}

/** The verification list: pending first (oldest first, as they queue), then the decided ones, newest first. */
export function sortJoinRequests<T extends Pick<JoinRequestView, 'state' | 'created_at'>>(list: readonly T[]): T[] {
  const pending = list.filter((r) => r.state === 'pending').sort((a, b) => a.created_at.localeCompare(b.created_at))
  const rest = list.filter((r) => r.state !== 'pending').sort((a, b) => b.created_at.localeCompare(a.created_at))
  return [...pending, ...rest]
}

export function pendingJoinCount(list: readonly Pick<JoinRequestView, 'state'>[]): number {
  return list.filter((r) => r.state === 'pending').length
}

/** Where someone lives, as one line: the building and the rest of the address (3栋 2单元301室), either alone, or ''. */
export function homeLine(x: { building?: string | null; address?: string | null }): string {
  return [x.building, x.address]
    .map((p) => (p ?? '').trim())
    .filter((p) => p !== '')
    .join(' ')
}

/**
 * The members as the staff see them: one row per person (the list has one per membership),
 * with their roles together, residents with a recorded home by building in natural order,
 * then everyone else by name.
 */
export interface MemberRow {
  userId: string
  displayName: string
  username: string
  roles: string[]
  regions: string[]
  building: string | null
  address: string | null
}

export function memberRows(members: readonly MemberView[]): MemberRow[] {
  const byUser = new Map<string, MemberRow>()
  for (const m of members) {
    const row = byUser.get(m.user_id)
    if (!row) {
      byUser.set(m.user_id, {
        userId: m.user_id,
        displayName: m.display_name,
        username: m.username,
        roles: [m.role],
        regions: [m.region_name],
        building: m.building ?? null,
        address: m.address ?? null,
      })
      continue
    }
    if (!row.roles.includes(m.role)) row.roles.push(m.role)
    if (!row.regions.includes(m.region_name)) row.regions.push(m.region_name)
    row.building ??= m.building ?? null
    row.address ??= m.address ?? null
  }
  const collator = new Intl.Collator('zh-CN', { numeric: true })
  return [...byUser.values()].sort((a, b) => {
    if (!!a.building !== !!b.building) return a.building ? -1 : 1
    return (
      collator.compare(a.building ?? '', b.building ?? '') ||
      collator.compare(a.address ?? '', b.address ?? '') ||
      collator.compare(a.displayName, b.displayName)
    )
  })
}

/** The message of a refused join: 422 the code is wrong, used or expired; 409 the user name is taken. */
export function joinError(e: unknown): Message {
  if (e instanceof ApiError) {
    if (e.status === 422) return { key: 'join.errors.code', params: {} }
    if (e.status === 409) return { key: 'join.errors.taken', params: {} }
  }
  return errorMessage(e)
}

/** The message of a refused staff call (an invite, a building, a decision). */
export function staffError(e: unknown, call: 'invite' | 'building' | 'decide'): Message {
  if (e instanceof ApiError) {
    if (e.status === 403) return { key: 'community.roster.errors.forbidden', params: {} }
    if (call === 'building' && e.status === 409) return { key: 'community.roster.errors.buildingExists', params: {} }
    if (call === 'decide' && e.status === 409) return { key: 'community.roster.errors.decided', params: {} }
    if (e.status === 422) return { key: 'community.roster.errors.invalid', params: {} }
  }
  return errorMessage(e)
}
