// Whom a notice is for (公告的发布范围) as pure functions: the whole community, one of its grids
// or one of its buildings (only the residents living there get it, and the staff). The request
// carries `target` for a grid and `building_id` for a building; the list and the page name the
// building of a notice from the community's buildings.
import type { BuildingView, NoticeRequest } from '../api/types'

export type AudienceKind = 'community' | 'grid' | 'building'
export const AUDIENCE_KINDS: readonly AudienceKind[] = ['community', 'grid', 'building']

/** The audience chosen in the form: a kind, and the grid code or building id picked for it ('' for none yet). */
export interface NoticeAudience {
  kind: AudienceKind
  grid: string
  building: string
}

export type AudienceProblem = 'grid' | 'building'

/**
 * The audience part of a notice request (`target` and `building_id`), or what is missing: a
 * grid or a building must be picked when that kind is chosen. A grid equal to the community
 * itself is the whole community.
 */
export function audienceRequest(
  audience: NoticeAudience,
  communityCode: string,
): { request: Pick<NoticeRequest, 'target' | 'building_id'> } | { problem: AudienceProblem } {
  switch (audience.kind) {
    case 'grid':
      if (!audience.grid) return { problem: 'grid' }
      return { request: { target: audience.grid === communityCode ? null : audience.grid, building_id: null } }
    case 'building':
      if (!audience.building) return { problem: 'building' }
      return { request: { target: null, building_id: audience.building } }
    default:
      return { request: { target: null, building_id: null } }
  }
}

/**
 * The buildings a member of the staff may address, in natural order (1栋, 2栋, 10栋): those in
 * the grids they see (`grids`, from the region list) or in no grid; all of them when no grid is
 * known (the server still decides).
 */
export function addressableBuildings<T extends Pick<BuildingView, 'name' | 'grid'>>(
  buildings: readonly T[],
  grids: readonly string[],
): T[] {
  const collator = new Intl.Collator('zh-CN', { numeric: true })
  const shown = grids.length === 0 ? [...buildings] : buildings.filter((b) => !b.grid || grids.includes(b.grid))
  return shown.sort((a, b) => collator.compare(a.name, b.name))
}

/** The name of a notice's building; null for a notice to no building, or one not among `buildings`. */
export function buildingName(buildings: readonly Pick<BuildingView, 'id' | 'name'>[], id: string | null | undefined): string | null {
  if (!id) return null
  return buildings.find((b) => b.id === id)?.name ?? null
}
