import { describe, expect, it } from 'vitest'
import {
  canManage,
  canTakePart,
  communitiesOf,
  communityOf,
  evidenceCameras,
  filterMembers,
  gridsOf,
  memberChoices,
  preferredCommunity,
} from './spaces'

const REGIONS = [
  { code: '430407', name: '石鼓区', level: 'district' as const },
  { code: '430407001', name: '人民街道', level: 'street' as const },
  { code: '430407001001', name: '牛角巷社区', level: 'community' as const },
  { code: '430407001001001', name: '牛角巷第一网格', level: 'grid' as const },
  { code: '430407001001002', name: '牛角巷第二网格', level: 'grid' as const },
  { code: '430407001002', name: '青山社区', level: 'community' as const },
  { code: '430407001002001', name: '青山第一网格', level: 'grid' as const },
  { code: '430408001001', name: '别区社区', level: 'community' as const },
]

const officer = [{ role: 'grid_officer', region_code: '430407001001001' }]
const resident = [{ role: 'resident', region_code: '430407001001' }]
const secretary = [{ role: 'community_secretary', region_code: '430407001001' }]
const property = [{ role: 'property_manager', region_code: '430407001001' }]
const admin = [{ role: 'district_admin', region_code: '430407' }]
const auditor = [{ role: 'auditor', region_code: '430407' }]

describe('community spaces', () => {
  it('takes the community of a grid or community code', () => {
    expect(communityOf('430407001001001')).toBe('430407001001')
    expect(communityOf('430407001001')).toBe('430407001001')
    expect(communityOf('430407001')).toBeNull()
    expect(communityOf(null)).toBeNull()
    expect(communityOf('43040700100x')).toBeNull()
  })

  it('lists the communities a member sees: their own, the one above their grid, or all under an admin', () => {
    expect(communitiesOf(resident, REGIONS)).toEqual([{ code: '430407001001', name: '牛角巷社区' }])
    expect(communitiesOf(officer, REGIONS)).toEqual([{ code: '430407001001', name: '牛角巷社区' }])
    expect(communitiesOf(admin, REGIONS).map((c) => c.code)).toEqual(['430407001001', '430407001002'])
    expect(communitiesOf(auditor, REGIONS)).toEqual([])
    // Without the region list the memberships still name their community.
    expect(communitiesOf(officer, [])).toEqual([{ code: '430407001001', name: '430407001001' }])
  })

  it('opens the asked community, else the last one, else the user’s own, else the first', () => {
    const list = communitiesOf(admin, REGIONS)
    expect(preferredCommunity(list, admin, '430407001002')).toBe('430407001002')
    expect(preferredCommunity(list, admin, '430408001001', '430407001002')).toBe('430407001002')
    expect(preferredCommunity(list, admin)).toBe('430407001001')
    expect(preferredCommunity(communitiesOf(officer, REGIONS), officer, 'nope', 'gone')).toBe('430407001001')
    expect(preferredCommunity([], resident)).toBeNull()
  })

  it('knows who runs a space and who takes part (as the server’s authz)', () => {
    const c = '430407001001'
    expect([officer, secretary, admin].map((m) => canManage(m, c))).toEqual([true, true, true])
    expect([resident, property, auditor].map((m) => canManage(m, c))).toEqual([false, false, false])
    expect(canManage(secretary, '430407001002')).toBe(false)
    expect(canManage(officer, '430407001002')).toBe(false)
    expect([resident, property].map((m) => canTakePart(m, c))).toEqual([true, true])
    expect([officer, secretary, admin].map((m) => canTakePart(m, c))).toEqual([false, false, false])
    expect(canTakePart(resident, '430407001002')).toBe(false)
  })

  it('offers the community’s non-police cameras as evidence, by grid and name', () => {
    const cams = [
      { id: '1', name: '牛角巷垃圾站', grid_code: '430407001001001', zone: 'government' },
      { id: '2', name: '牛角巷北口', grid_code: '430407001001001', zone: 'government' },
      { id: '3', name: '派出所', grid_code: '430407001001002', zone: 'police_video' },
      { id: '4', name: '青山路口', grid_code: '430407001002001', zone: 'government' },
      { id: '5', name: '无网格', grid_code: null, zone: 'government' },
    ]
    expect(evidenceCameras(cams, '430407001001').map((c) => c.id)).toEqual(['2', '1'])
  })

  it('lists the grids of a community', () => {
    expect(gridsOf(REGIONS, '430407001001').map((g) => g.name)).toEqual(['牛角巷第一网格', '牛角巷第二网格'])
  })

  it('lists possible action item owners from the member list: each account once, me first, participants before staff', () => {
    const row = (user_id: string, display_name: string, role: string, region_code = '430407001001', region_name = '牛角巷社区') => ({
      user_id,
      username: ({ s: 'secretary', r: 'resident', p: 'property', o: 'officer' } as Record<string, string>)[user_id] ?? user_id,
      display_name,
      role,
      region_code,
      region_name,
    })
    const rows = [
      row('s', '书记 张华', 'community_secretary'),
      row('r', '居民 王芳', 'resident'),
      row('p', '物业经理 吴敏', 'property_manager'),
      row('p', '物业经理 吴敏', 'resident'),
      row('o', '网格员 李敏', 'grid_officer', '430407001001001', '牛角巷第一网格'),
    ]
    const asOfficer = memberChoices(rows, { id: 'o', username: 'officer', display_name: '网格员 李敏' })
    expect(asOfficer.map((m) => m.id)).toEqual(['o', 'r', 'p', 's'])
    expect(asOfficer[0]).toMatchObject({ me: true, roles: [{ role: 'grid_officer', regionName: '牛角巷第一网格' }] })
    expect(asOfficer.find((m) => m.id === 'p')?.roles.map((r) => r.role)).toEqual(['property_manager', 'resident'])
    // An administrator above the community is not in the list, but may own the item.
    const asAdmin = memberChoices(rows, { id: 'a', username: 'admin', display_name: '石鼓区管理员' })
    expect(asAdmin.map((m) => m.id)).toEqual(['a', 'r', 'p', 's', 'o'])
    expect(asAdmin[0]).toMatchObject({ me: true, roles: [] })
    expect(memberChoices([]).length).toBe(0)

    const names: Record<string, string> = { property_manager: '物业经理', grid_officer: '网格员' }
    const role = (r: string) => names[r] ?? r
    expect(filterMembers(asOfficer, '吴敏', role).map((m) => m.id)).toEqual(['p'])
    expect(filterMembers(asOfficer, ' PROPERTY ', role).map((m) => m.id)).toEqual(['p'])
    expect(filterMembers(asOfficer, '第一网格', role).map((m) => m.id)).toEqual(['o'])
    expect(filterMembers(asOfficer, '物业', role).map((m) => m.id)).toEqual(['p'])
    expect(filterMembers(asOfficer, '', role)).toHaveLength(4)
  })
})
