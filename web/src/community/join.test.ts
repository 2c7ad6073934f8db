import { describe, expect, it } from 'vitest'
import type { MemberView } from '../api/types'
import { ApiError } from '../api/errors'
import {
  ADDRESS_MAX,
  JOIN_STATES,
  absoluteJoinUrl,
  buildInviteRequest,
  buildJoinRequest,
  buildingNameOf,
  homeLine,
  joinError,
  joinStateKey,
  joinStateTagType,
  memberRows,
  normaliseCode,
  pendingJoinCount,
  sortBuildings,
  sortJoinRequests,
  staffError,
} from './join'

describe('invites', () => {
  it('name a building and the rest of the address, or a whole address', () => {
    expect(buildInviteRequest({ buildingId: 'b3', address: ' 2单元301室 ' })).toEqual({ request: { address: '2单元301室', building_id: 'b3' } })
    expect(buildInviteRequest({ buildingId: null, address: '牛角巷 12 号' })).toEqual({ request: { address: '牛角巷 12 号' } })
    expect(buildInviteRequest({ buildingId: 'b3', address: '  ' })).toEqual({ problem: 'address' })
    expect(buildInviteRequest({ buildingId: null, address: '字'.repeat(ADDRESS_MAX + 1) })).toEqual({ problem: 'tooLong' })
  })

  it('check a new building’s name', () => {
    expect(buildingNameOf(' 6栋 ')).toEqual({ name: '6栋' })
    expect(buildingNameOf('')).toEqual({ problem: 'name' })
    expect(buildingNameOf('栋'.repeat(41))).toEqual({ problem: 'tooLong' })
  })

  it('list buildings in natural order', () => {
    const names = sortBuildings([{ name: '10栋' }, { name: '2栋' }, { name: '1栋' }, { name: '5栋' }]).map((b) => b.name)
    expect(names).toEqual(['1栋', '2栋', '5栋', '10栋'])
  })

  it('make the join link absolute on the page’s origin', () => {
    expect(absoluteJoinUrl('https://grid.example.cn', '/join?code=ABCD')).toBe('https://grid.example.cn/join?code=ABCD')
    expect(absoluteJoinUrl('http://127.0.0.1:5182/', 'join?code=X')).toBe('http://127.0.0.1:5182/join?code=X')
    expect(absoluteJoinUrl('https://a.cn', 'https://b.cn/join?code=X')).toBe('https://b.cn/join?code=X')
  })
})

describe('the join form', () => {
  const ok = { code: ' abcd efgh ', username: ' wangfang3 ', displayName: ' 王芳 ', password: 'niujiao-lane-301', confirm: 'niujiao-lane-301' }

  it('takes the code from the link as the server compares it', () => {
    expect(normaliseCode('abCD 12')).toBe('ABCD12')
    expect(normaliseCode(['x'])).toBe('')
    expect(normaliseCode(undefined)).toBe('')
  })

  it('builds the request', () => {
    expect(buildJoinRequest(ok)).toEqual({
      request: { code: 'ABCDEFGH', username: 'wangfang3', display_name: '王芳', password: 'niujiao-lane-301' },
    })
  })

  it('says the first thing wrong, by the server’s rules', () => {
    expect(buildJoinRequest({ ...ok, code: ' ' })).toEqual({ problem: 'code' })
    expect(buildJoinRequest({ ...ok, username: 'ab' })).toEqual({ problem: 'username' })
    expect(buildJoinRequest({ ...ok, username: 'wang fang' })).toEqual({ problem: 'username' })
    expect(buildJoinRequest({ ...ok, username: 'wang.fang-3_x' })).toMatchObject({ request: { username: 'wang.fang-3_x' } })
    expect(buildJoinRequest({ ...ok, displayName: ' ' })).toEqual({ problem: 'displayName' })
    expect(buildJoinRequest({ ...ok, password: 'short', confirm: 'short' })).toEqual({ problem: 'password' })
    // Twelve Chinese characters are twelve characters.
    expect(buildJoinRequest({ ...ok, password: '牛角巷三栋二单元三零一', confirm: '牛角巷三栋二单元三零一' })).toEqual({ problem: 'password' })
    expect(buildJoinRequest({ ...ok, password: '牛角巷三栋二单元三零一室', confirm: '牛角巷三栋二单元三零一室' })).toHaveProperty('request')
    expect(buildJoinRequest({ ...ok, username: 'wangfang2026', password: 'WANGFANG2026', confirm: 'WANGFANG2026' })).toEqual({
      problem: 'passwordIsUsername',
    })
    expect(buildJoinRequest({ ...ok, confirm: 'niujiao-lane-302' })).toEqual({ problem: 'confirm' })
  })

  it('says why the server refused', () => {
    expect(joinError(new ApiError(422, 'invalid_input')).key).toBe('join.errors.code')
    expect(joinError(new ApiError(409, 'conflict')).key).toBe('join.errors.taken')
    expect(joinError(new ApiError(0, 'network')).key).toBe('errors.network')
  })
})

describe('verification', () => {
  const r = (id: string, state: string, at: string) => ({ id, state, created_at: `2026-12-0${at}T00:00:00.000Z` })

  it('puts pending requests first as they queue, then the decided ones newest first', () => {
    const list = [r('v1', 'verified', '1'), r('p2', 'pending', '4'), r('x', 'rejected', '3'), r('p1', 'pending', '2')]
    expect(sortJoinRequests(list).map((x) => x.id)).toEqual(['p1', 'p2', 'x', 'v1'])
    expect(pendingJoinCount(list)).toBe(2)
  })

  it('names states', () => {
    for (const s of JOIN_STATES) expect(joinStateKey(s)).toBe(`community.roster.states.${s}`)
    expect(joinStateKey('expired')).toBeNull()
    expect(joinStateTagType('pending')).toBe('warning')
    expect(joinStateTagType('verified')).toBe('success')
  })

  it('says why a staff call was refused', () => {
    expect(staffError(new ApiError(409, 'conflict'), 'building').key).toBe('community.roster.errors.buildingExists')
    expect(staffError(new ApiError(409, 'conflict'), 'decide').key).toBe('community.roster.errors.decided')
    expect(staffError(new ApiError(403, 'forbidden'), 'invite').key).toBe('community.roster.errors.forbidden')
    expect(staffError(new ApiError(422, 'invalid_input'), 'invite').key).toBe('community.roster.errors.invalid')
    expect(staffError(new ApiError(409, 'conflict'), 'invite').key).toBe('errors.conflict')
  })
})

describe('members', () => {
  const m = (over: Partial<MemberView>): MemberView => ({
    user_id: 'u1',
    username: 'u1',
    display_name: '居民 王芳',
    role: 'resident',
    region_code: '430407001001',
    region_name: '牛角巷社区',
    building: null,
    address: null,
    ...over,
  })

  it('say where someone lives in one line', () => {
    expect(homeLine({ building: '3栋', address: '2单元301室' })).toBe('3栋 2单元301室')
    expect(homeLine({ building: null, address: '牛角巷 12 号' })).toBe('牛角巷 12 号')
    expect(homeLine({})).toBe('')
  })

  it('are one row per person, those with a home by building first', () => {
    const rows = memberRows([
      m({ user_id: 'off', username: 'officer', display_name: '网格员 李敏', role: 'grid_officer', region_name: '第一网格' }),
      m({ user_id: 'off', username: 'officer', display_name: '网格员 李敏', role: 'community_secretary', region_name: '牛角巷社区' }),
      m({ user_id: 'n3', username: 'new3', display_name: '居民 新', building: '3栋', address: '2单元301室' }),
      m({ user_id: 'n10', username: 'new10', display_name: '居民 甲', building: '10栋', address: '1单元101室' }),
      m({ user_id: 'n1', username: 'new1', display_name: '居民 乙', building: '1栋', address: '1单元101室' }),
    ])
    expect(rows.map((x) => x.userId)).toEqual(['n1', 'n3', 'n10', 'off'])
    expect(rows[3]).toMatchObject({ roles: ['grid_officer', 'community_secretary'], regions: ['第一网格', '牛角巷社区'], building: null })
    expect(rows[1]).toMatchObject({ building: '3栋', address: '2单元301室' })
  })
})
