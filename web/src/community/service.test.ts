import { describe, expect, it } from 'vitest'
import type { ServiceKindView, ServiceRequestView } from '../api/types'
import {
  SERVICE_FILTERS,
  deskKey,
  inFilter,
  isActive,
  kindsByDesk,
  meanRating,
  serviceActions,
  serviceFormProblem,
  serviceStateKey,
  serviceStateTagType,
  sortRequests,
  totalRequests,
  waitingOn,
} from './service'

function req(over: Partial<ServiceRequestView> = {}): ServiceRequestView {
  return {
    id: 'r1',
    community_code: '430407001001',
    kind: 'repair',
    kind_name: '报修',
    desk: 'property',
    description: '楼道灯不亮',
    address: '3 栋 2 单元',
    state: 'open',
    requester_name: '居民 王芳',
    handler_name: null,
    reply: null,
    rating: null,
    rating_comment: null,
    created_at: '2026-12-05T05:00:00.000Z',
    updated_at: '2026-12-05T05:00:00.000Z',
    done_at: null,
    mine: false,
    may_handle: false,
    ...over,
  }
}

const KINDS: ServiceKindView[] = [
  { key: 'repair', name: '报修', desk: 'property' },
  { key: 'certificate', name: '证明办理', desk: 'committee' },
  { key: 'cleaning', name: '保洁', desk: 'property' },
  { key: 'other', name: '其他', desk: 'committee' },
]

describe('service request states and desks', () => {
  it('names the four states and the two desks', () => {
    expect(serviceStateKey('open')).toBe('community.service.states.open')
    expect(serviceStateKey('cancelled')).toBe('community.service.states.cancelled')
    expect(serviceStateKey('lost')).toBeNull()
    expect(['open', 'accepted', 'done', 'cancelled'].map(serviceStateTagType)).toEqual(['warning', 'primary', 'success', 'default'])
    expect(deskKey('property')).toBe('community.service.desks.property')
    expect(deskKey('committee')).toBe('community.service.desks.committee')
    expect(deskKey('police')).toBeNull()
    expect(isActive('open') && isActive('accepted')).toBe(true)
    expect(isActive('done') || isActive('cancelled')).toBe(false)
  })
})

describe('what the reader may do', () => {
  it('lets the desk accept while open and complete while open or accepted', () => {
    expect(serviceActions(req({ may_handle: true }))).toEqual({ accept: true, done: true, cancel: false, rate: false })
    expect(serviceActions(req({ may_handle: true, state: 'accepted' }))).toEqual({ accept: false, done: true, cancel: false, rate: false })
    expect(serviceActions(req({ may_handle: true, state: 'done' }))).toEqual({ accept: false, done: false, cancel: false, rate: false })
    expect(serviceActions(req({ may_handle: true, state: 'cancelled' }))).toEqual({ accept: false, done: false, cancel: false, rate: false })
  })

  it('lets the requester cancel while open or accepted, and rate once done', () => {
    expect(serviceActions(req({ mine: true }))).toEqual({ accept: false, done: false, cancel: true, rate: false })
    expect(serviceActions(req({ mine: true, state: 'accepted' })).cancel).toBe(true)
    expect(serviceActions(req({ mine: true, state: 'done' }))).toEqual({ accept: false, done: false, cancel: false, rate: true })
    expect(serviceActions(req({ mine: true, state: 'done', rating: 4 })).rate).toBe(false)
    expect(serviceActions(req({ mine: true, state: 'cancelled' })).cancel).toBe(false)
  })

  it('lets others only look', () => {
    expect(serviceActions(req({ state: 'done' }))).toEqual({ accept: false, done: false, cancel: false, rate: false })
    expect(waitingOn(req())).toBeNull()
  })

  it('says what waits on the reader', () => {
    expect(waitingOn(req({ may_handle: true }))).toBe('handle')
    expect(waitingOn(req({ may_handle: true, state: 'accepted' }))).toBe('handle')
    expect(waitingOn(req({ mine: true, state: 'done' }))).toBe('rate')
    expect(waitingOn(req({ mine: true }))).toBeNull()
  })
})

describe('the list', () => {
  it('puts what waits on the reader first, then open ones, then the rest, newest first within', () => {
    const list = [
      req({ id: 'done-old', state: 'done', created_at: '2026-12-01T00:00:00Z' }),
      req({ id: 'open-new', created_at: '2026-12-05T00:00:00Z' }),
      req({ id: 'mine-to-rate', mine: true, state: 'done', created_at: '2026-12-02T00:00:00Z' }),
      req({ id: 'desk-old', may_handle: true, created_at: '2026-12-01T00:00:00Z' }),
      req({ id: 'open-old', state: 'accepted', created_at: '2026-12-03T00:00:00Z' }),
      req({ id: 'cancelled-new', state: 'cancelled', created_at: '2026-12-06T00:00:00Z' }),
    ]
    expect(sortRequests(list).map((r) => r.id)).toEqual(['mine-to-rate', 'desk-old', 'open-new', 'open-old', 'cancelled-new', 'done-old'])
  })

  it('filters by state', () => {
    expect([...SERVICE_FILTERS]).toEqual(['all', 'active', 'done', 'cancelled'])
    const states = ['open', 'accepted', 'done', 'cancelled']
    expect(states.filter((s) => inFilter({ state: s }, 'all'))).toEqual(states)
    expect(states.filter((s) => inFilter({ state: s }, 'active'))).toEqual(['open', 'accepted'])
    expect(states.filter((s) => inFilter({ state: s }, 'done'))).toEqual(['done'])
    expect(states.filter((s) => inFilter({ state: s }, 'cancelled'))).toEqual(['cancelled'])
  })
})

describe('the form', () => {
  it('groups kinds by desk: 物业 first, in the server order', () => {
    expect(kindsByDesk(KINDS)).toEqual([
      { desk: 'property', kinds: [KINDS[0], KINDS[2]] },
      { desk: 'committee', kinds: [KINDS[1], KINDS[3]] },
    ])
    expect(kindsByDesk([{ key: 'x', name: 'X', desk: 'mystery' }, KINDS[1]!]).map((g) => g.desk)).toEqual(['committee', 'mystery'])
    expect(kindsByDesk([])).toEqual([])
  })

  it('needs a known kind, a description and an address within the server limits', () => {
    const ok = { kind: 'repair', description: '楼道灯不亮', address: '3 栋 2 单元' }
    expect(serviceFormProblem(ok, KINDS)).toBeNull()
    expect(serviceFormProblem({ ...ok, kind: '' }, KINDS)).toBe('kind')
    expect(serviceFormProblem({ ...ok, kind: 'parking' }, KINDS)).toBe('kind')
    expect(serviceFormProblem({ ...ok, description: '   ' }, KINDS)).toBe('description')
    expect(serviceFormProblem({ ...ok, description: '灯'.repeat(2001) }, KINDS)).toBe('description')
    expect(serviceFormProblem({ ...ok, description: '灯'.repeat(2000) }, KINDS)).toBeNull()
    expect(serviceFormProblem({ ...ok, address: '' }, KINDS)).toBe('address')
    expect(serviceFormProblem({ ...ok, address: '楼'.repeat(201) }, KINDS)).toBe('address')
  })
})

describe('the board', () => {
  it('shows the mean rating with one decimal, or none', () => {
    expect(meanRating({ mean_rating: 5, rated: 1 })).toBe(5)
    expect(meanRating({ mean_rating: 4.333333, rated: 3 })).toBe(4.3)
    expect(meanRating({ mean_rating: null, rated: 0 })).toBeNull()
    expect(meanRating({ mean_rating: 3, rated: 0 })).toBeNull()
    expect(meanRating(null)).toBeNull()
    expect(totalRequests({ open: 1, accepted: 2, done: 3, cancelled: 4 })).toBe(10)
  })
})
