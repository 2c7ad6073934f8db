import { describe, expect, it } from 'vitest'
import type { MediationSummary, MediationView } from '../api/types'
import { ApiError } from '../api/errors'
import {
  MEDIATION_STATES,
  NOTES_MAX,
  STEP_KINDS,
  buildMediationRequest,
  buildStepRequest,
  escalationKey,
  isMediatorRole,
  isOpen,
  leftPath,
  mediationError,
  mediationStateKey,
  mediationStateTagType,
  nextSteps,
  pathIndex,
  sortMediations,
  stepAfter,
  stepKindKey,
} from './mediation'

function mediation(over: Partial<MediationView> = {}): MediationView {
  return {
    id: 'm1',
    title: '楼上漏水纠纷',
    summary: '3 栋 502 漏水到 402',
    state: 'registered',
    community_code: '430407001001',
    mediator_id: 'u-chen',
    mediator_name: '社区书记 陈刚',
    party_ids: ['u-wang', 'u-zhao'],
    party_names: ['居民 王芳', '居民 赵磊'],
    may_record: false,
    agreement: null,
    escalated_to: null,
    entries: [],
    created_at: '2026-12-05T05:00:00.000Z',
    ...over,
  }
}

describe('the procedure', () => {
  it('follows the server’s table of steps', () => {
    // palmgrid-domain community::mediation_step, case by case.
    expect(stepAfter('registered', 'session')).toBe('mediating')
    expect(stepAfter('mediating', 'session')).toBe('mediating')
    expect(stepAfter('mediating', 'agreement')).toBe('agreed')
    expect(stepAfter('agreed', 'follow_up')).toBe('followed_up')
    expect(stepAfter('registered', 'agreement')).toBeNull()
    expect(stepAfter('agreed', 'escalation')).toBeNull()
    expect(stepAfter('mediating', 'escalation')).toBe('escalated')
    expect(stepAfter('registered', 'closing')).toBe('closed')
    expect(stepAfter('followed_up', 'session')).toBeNull()
    expect(stepAfter('mediating', 'unknown')).toBeNull()
  })

  it('offers the next steps of each state', () => {
    expect(nextSteps('registered')).toEqual(['session', 'escalation', 'closing'])
    expect(nextSteps('mediating')).toEqual(['session', 'agreement', 'escalation', 'closing'])
    expect(nextSteps('agreed')).toEqual(['follow_up'])
    for (const s of ['followed_up', 'escalated', 'closed', 'whatever']) expect(nextSteps(s)).toEqual([])
  })

  it('shows how far along 登记受理 → 调解 → 协议 → 回访 it came', () => {
    expect(pathIndex(mediation())).toBe(0)
    expect(pathIndex(mediation({ state: 'mediating' }))).toBe(1)
    expect(pathIndex(mediation({ state: 'agreed' }))).toBe(2)
    expect(pathIndex(mediation({ state: 'followed_up' }))).toBe(3)
    expect(pathIndex(mediation({ state: 'closed' }))).toBe(0)
    const session = { kind: 'session', notes: '第一次调解', author_name: '社区书记 陈刚', created_at: '2026-12-05T06:00:00.000Z' }
    expect(pathIndex(mediation({ state: 'escalated', entries: [session] }))).toBe(1)
    expect(leftPath('escalated')).toBe(true)
    expect(leftPath('closed')).toBe(true)
    expect(leftPath('agreed')).toBe(false)
    expect(isOpen('agreed')).toBe(true)
    expect(isOpen('followed_up')).toBe(false)
  })

  it('names states, steps and escalation targets', () => {
    for (const s of MEDIATION_STATES) expect(mediationStateKey(s)).toBe(`community.mediation.states.${s}`)
    for (const k of STEP_KINDS) expect(stepKindKey(k)).toBe(`community.mediation.kinds.${k}`)
    expect(mediationStateKey('new')).toBeNull()
    expect(stepKindKey('note')).toBeNull()
    expect(escalationKey('court')).toBe('community.mediation.targets.court')
    expect(escalationKey(null)).toBeNull()
    expect(escalationKey('police')).toBeNull()
    expect(mediationStateTagType('escalated')).toBe('danger')
    expect(mediationStateTagType('closed')).toBe('default')
  })
})

describe('forms', () => {
  it('build a step, with a target for an escalation', () => {
    expect(buildStepRequest({ step: 'session', notes: '  双方到场 ', to: null })).toEqual({ request: { step: 'session', notes: '双方到场', to: null } })
    expect(buildStepRequest({ step: 'session', notes: ' ', to: null })).toEqual({ problem: 'notes' })
    expect(buildStepRequest({ step: 'agreement', notes: '字'.repeat(NOTES_MAX + 1), to: null })).toEqual({ problem: 'notesTooLong' })
    expect(buildStepRequest({ step: 'escalation', notes: '调解不成', to: null })).toEqual({ problem: 'to' })
    expect(buildStepRequest({ step: 'escalation', notes: '调解不成', to: 'court' })).toEqual({
      request: { step: 'escalation', notes: '调解不成', to: 'court' },
    })
    // A target is only sent with an escalation.
    expect(buildStepRequest({ step: 'closing', notes: '申请人撤回', to: 'street' })).toEqual({ request: { step: 'closing', notes: '申请人撤回', to: null } })
  })

  it('check the registration', () => {
    const ok = { title: ' 漏水纠纷 ', summary: ' 经过 ', parties: ['a', 'b', 'a'], mediatorId: 'm' }
    expect(buildMediationRequest(ok)).toEqual({ request: { title: '漏水纠纷', summary: '经过', parties: ['a', 'b'], mediator_id: 'm' } })
    expect(buildMediationRequest({ ...ok, title: '' })).toEqual({ problem: 'title' })
    expect(buildMediationRequest({ ...ok, title: '字'.repeat(101) })).toEqual({ problem: 'title' })
    expect(buildMediationRequest({ ...ok, summary: '  ' })).toEqual({ problem: 'summary' })
    expect(buildMediationRequest({ ...ok, parties: [] })).toEqual({ problem: 'parties' })
    expect(buildMediationRequest({ ...ok, parties: Array.from({ length: 21 }, (_, i) => `p${i}`) })).toEqual({ problem: 'tooManyParties' })
    expect(buildMediationRequest({ ...ok, mediatorId: '' })).toEqual({ problem: 'mediator' })
    expect(buildMediationRequest({ ...ok, mediatorId: 'b' })).toEqual({ problem: 'mediatorIsParty' })
  })
})

describe('the list', () => {
  const summary = (over: Partial<MediationSummary>): MediationSummary => ({
    id: 'm1',
    title: '楼上漏水纠纷',
    state: 'registered',
    my_role: 'party',
    created_at: '2026-12-05T05:00:00.000Z',
    updated_at: '2026-12-05T05:00:00.000Z',
    ...over,
  })

  it('puts open ones first, the reader’s to mediate before them, newest first within', () => {
    const list = [
      summary({ id: 'done', state: 'followed_up', my_role: 'mediator', created_at: '2026-12-07T00:00:00.000Z' }),
      summary({ id: 'old', state: 'mediating', created_at: '2026-12-01T00:00:00.000Z', my_role: 'mediator' }),
      summary({ id: 'new', state: 'registered', created_at: '2026-12-06T00:00:00.000Z' }),
      summary({ id: 'mine', state: 'agreed', created_at: '2026-11-01T00:00:00.000Z', my_role: 'mediator' }),
    ]
    expect(sortMediations(list).map((m) => m.id)).toEqual(['old', 'mine', 'new', 'done'])
    expect(sortMediations(list.map((m) => ({ ...m, my_role: 'party' }))).map((m) => m.id)).toEqual(['new', 'old', 'mine', 'done'])
  })

  it('knows the mediator by the reader’s role', () => {
    expect(isMediatorRole('mediator')).toBe(true)
    expect(isMediatorRole('party')).toBe(false)
  })
})

describe('refusals', () => {
  it('name what went wrong', () => {
    expect(mediationError(new ApiError(409, 'conflict')).key).toBe('community.mediation.errors.conflict')
    expect(mediationError(new ApiError(403, 'forbidden')).key).toBe('community.mediation.errors.forbidden')
    expect(mediationError(new ApiError(404, 'not_found')).key).toBe('community.mediation.notFound')
    expect(mediationError(new ApiError(422, 'invalid_input')).key).toBe('community.mediation.errors.invalid')
    expect(mediationError(new ApiError(500, 'server')).key).toBe('errors.server')
  })
})
