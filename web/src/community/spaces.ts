// Which community spaces a user belongs to and what they may do there, from the memberships of
// `GET /api/v1/me`. The server decides (a non-member gets 404, a member without the right 403);
// these only choose what to offer, with the same rules as palmgrid-domain's authz:
// ReadCommunity — a community role over the community, above it or inside it (an officer's grid);
// ManageTopics — district admin and community secretary over or above it, grid officer in or above;
// TakePart — residents, property managers, local units and social organisations.
import type { CameraView, MemberView, MembershipView, RegionView } from '../api/types'

/** Roles that belong to community spaces. */
export const COMMUNITY_ROLES = [
  'district_admin',
  'community_secretary',
  'grid_officer',
  'property_manager',
  'local_unit',
  'social_org',
  'resident',
] as const

/** Roles that take part (comment, vote) rather than run the space. */
export const PARTICIPANT_ROLES = ['resident', 'property_manager', 'local_unit', 'social_org'] as const

/** Region codes: district 6 digits, street 9, community 12, grid 15. */
export const COMMUNITY_CODE_LENGTH = 12

type Membership = Pick<MembershipView, 'role' | 'region_code'>

/** `code` lies in `scope` (or is it); a null scope is the whole deployment. */
function within(code: string, scope: string | null | undefined): boolean {
  return scope === null || scope === undefined || code.startsWith(scope)
}

/** The scope is the region, inside it or above it (sees_region). */
function sees(scope: string | null | undefined, code: string): boolean {
  return within(code, scope) || (typeof scope === 'string' && scope.startsWith(code))
}

export function isCommunityRole(role: string): boolean {
  return (COMMUNITY_ROLES as readonly string[]).includes(role)
}

/** The community a grid (or a community) code belongs to; null for anything shorter. */
export function communityOf(regionCode: string | null | undefined): string | null {
  if (!regionCode || regionCode.length < COMMUNITY_CODE_LENGTH || !/^\d+$/.test(regionCode)) return null
  return regionCode.slice(0, COMMUNITY_CODE_LENGTH)
}

export interface CommunityRef {
  code: string
  name: string
}

/**
 * The communities a user may open, by code: every community region (from `GET /api/v1/regions`)
 * that one of their community memberships covers, lies in or sits above. Without the region
 * list (or for regions it lacks) the communities of their own memberships still count, named
 * by their code until the name is known.
 */
export function communitiesOf(memberships: readonly Membership[], regions: readonly Pick<RegionView, 'code' | 'name' | 'level'>[]): CommunityRef[] {
  const mine = memberships.filter((m) => isCommunityRole(m.role))
  const out = new Map<string, CommunityRef>()
  for (const r of regions) {
    if (r.level !== 'community') continue
    if (mine.some((m) => sees(m.region_code, r.code))) out.set(r.code, { code: r.code, name: r.name })
  }
  for (const m of mine) {
    const code = communityOf(m.region_code)
    if (code && !out.has(code)) out.set(code, { code, name: code })
  }
  return [...out.values()].sort((a, b) => a.code.localeCompare(b.code))
}

/**
 * The community to open first: the one asked for, if the user has it; else the one used last;
 * else the one of the user's most specific membership (a resident's own, an officer's grid's);
 * else the first.
 */
export function preferredCommunity(
  list: readonly CommunityRef[],
  memberships: readonly Membership[],
  asked?: string | null,
  last?: string | null,
): string | null {
  const has = (c: string | null | undefined): c is string => !!c && list.some((x) => x.code === c)
  if (has(asked)) return asked
  if (has(last)) return last
  const own = memberships
    .filter((m) => isCommunityRole(m.role))
    .map((m) => communityOf(m.region_code))
    .find(has)
  return own ?? list[0]?.code ?? null
}

/** May run the space (set topics, open polls, decide, post notices, post progress on any item). */
export function canManage(memberships: readonly Membership[], code: string): boolean {
  return memberships.some((m) => {
    if (m.role === 'district_admin' || m.role === 'community_secretary') return within(code, m.region_code)
    if (m.role === 'grid_officer') return sees(m.region_code, code)
    return false
  })
}

/** Takes part (comments, votes). */
export function canTakePart(memberships: readonly Membership[], code: string): boolean {
  return memberships.some((m) => (PARTICIPANT_ROLES as readonly string[]).includes(m.role) && sees(m.region_code, code))
}

/**
 * Cameras whose masked picture may become a topic's evidence: in the community, and never a
 * public-security camera (the server refuses those too).
 */
export function evidenceCameras<T extends Pick<CameraView, 'grid_code' | 'zone' | 'name'>>(cameras: readonly T[], code: string): T[] {
  const collator = new Intl.Collator('zh-CN')
  return cameras
    .filter((c) => communityOf(c.grid_code) === code && c.zone !== 'police_video')
    .sort((a, b) => (a.grid_code ?? '').localeCompare(b.grid_code ?? '') || collator.compare(a.name, b.name))
}

/** Grids of a community from the region list, by code. */
export function gridsOf<T extends Pick<RegionView, 'code' | 'level'>>(regions: readonly T[], code: string): T[] {
  return regions.filter((r) => r.level === 'grid' && communityOf(r.code) === code).sort((a, b) => a.code.localeCompare(b.code))
}

export interface MemberRole {
  role: string
  regionCode: string
  regionName: string
}

/** A possible action item owner: one account with its roles in the community. */
export interface MemberChoice {
  id: string
  name: string
  username: string
  roles: MemberRole[]
  /** The signed-in user. */
  me: boolean
}

/**
 * Whom an action item of a community can be given to, from `GET /communities/{code}/members`
 * (one row per membership): each account once with all its roles there; the signed-in user
 * first (added, when staff from above the community are not in the list, as `me`), then
 * participants (residents, property managers…), then staff, each by name.
 */
export function memberChoices(
  rows: readonly Pick<MemberView, 'user_id' | 'username' | 'display_name' | 'role' | 'region_code' | 'region_name'>[],
  me?: { id: string; username: string; display_name: string } | null,
): MemberChoice[] {
  const byId = new Map<string, MemberChoice>()
  for (const r of rows) {
    let m = byId.get(r.user_id)
    if (!m) {
      m = { id: r.user_id, name: r.display_name, username: r.username, roles: [], me: !!me && me.id === r.user_id }
      byId.set(r.user_id, m)
    }
    if (!m.roles.some((x) => x.role === r.role && x.regionCode === r.region_code)) {
      m.roles.push({ role: r.role, regionCode: r.region_code, regionName: r.region_name })
    }
  }
  if (me && !byId.has(me.id)) {
    byId.set(me.id, { id: me.id, name: me.display_name, username: me.username, roles: [], me: true })
  }
  const collator = new Intl.Collator('zh-CN')
  const rank = (m: MemberChoice) =>
    m.me ? 0 : m.roles.some((r) => (PARTICIPANT_ROLES as readonly string[]).includes(r.role)) ? 1 : 2
  return [...byId.values()].sort((a, b) => rank(a) - rank(b) || collator.compare(a.name, b.name) || a.id.localeCompare(b.id))
}

/** Members whose name, username, role name or region name holds `query` (case-insensitive; all for an empty query). */
export function filterMembers(list: readonly MemberChoice[], query: string, roleName: (role: string) => string = (r) => r): MemberChoice[] {
  const q = query.trim().toLowerCase()
  if (!q) return [...list]
  return list.filter((m) =>
    [m.name, m.username, ...m.roles.flatMap((r) => [roleName(r.role), r.regionName])].some((s) => s.toLowerCase().includes(q)),
  )
}
