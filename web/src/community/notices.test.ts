import { describe, expect, it } from 'vitest'
import { addressableBuildings, audienceRequest, buildingName } from './notices'

const COMMUNITY = '430407001001'
const GRID1 = '430407001001001'
const GRID2 = '430407001001002'
const buildings = [
  { id: 'b10', name: '10栋', grid: GRID1 },
  { id: 'b3', name: '3栋', grid: GRID2 },
  { id: 'b1', name: '1栋', grid: GRID1 },
  { id: 'bx', name: '活动中心', grid: null },
  { id: 'b2', name: '2栋', grid: GRID1 },
]

describe('notice audience', () => {
  it('is the whole community, a grid or a building', () => {
    expect(audienceRequest({ kind: 'community', grid: GRID1, building: 'b1' }, COMMUNITY)).toEqual({ request: { target: null, building_id: null } })
    expect(audienceRequest({ kind: 'grid', grid: GRID1, building: 'b1' }, COMMUNITY)).toEqual({ request: { target: GRID1, building_id: null } })
    expect(audienceRequest({ kind: 'building', grid: GRID1, building: 'b1' }, COMMUNITY)).toEqual({ request: { target: null, building_id: 'b1' } })
  })

  it('needs the grid or building picked for that kind', () => {
    expect(audienceRequest({ kind: 'grid', grid: '', building: 'b1' }, COMMUNITY)).toEqual({ problem: 'grid' })
    expect(audienceRequest({ kind: 'building', grid: GRID1, building: '' }, COMMUNITY)).toEqual({ problem: 'building' })
  })

  it('takes the community itself as a grid to be the whole community', () => {
    expect(audienceRequest({ kind: 'grid', grid: COMMUNITY, building: '' }, COMMUNITY)).toEqual({ request: { target: null, building_id: null } })
  })
})

describe('buildings', () => {
  it('offers those in the grids one sees or in none, in natural order', () => {
    expect(addressableBuildings(buildings, [GRID1]).map((b) => b.name)).toEqual(['1栋', '2栋', '10栋', '活动中心'])
    expect(addressableBuildings(buildings, [GRID1, GRID2]).map((b) => b.name)).toEqual(['1栋', '2栋', '3栋', '10栋', '活动中心'])
  })

  it('offers all when no grid is known', () => {
    expect(addressableBuildings(buildings, []).length).toBe(buildings.length)
  })

  it('names the building of a notice', () => {
    expect(buildingName(buildings, 'b3')).toBe('3栋')
    expect(buildingName(buildings, null)).toBeNull()
    expect(buildingName(buildings, undefined)).toBeNull()
    expect(buildingName(buildings, 'gone')).toBeNull()
  })
})
