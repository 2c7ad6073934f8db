import { describe, expect, it } from 'vitest'
import {
  ACTION_FORM,
  CASE_ACTIONS,
  actionButtonType,
  buildActionRequest,
  canAddPhoto,
  defaultExtensionUntil,
  emptyInput,
  fromLocalInput,
  isOpenState,
  needsReason,
  offeredActions,
  resolveMergeTarget,
  takesRemark,
  toLocalInput,
  type ActionInput,
} from './workflow'

const NOW = new Date(2026, 11, 5, 10, 0) // 2026-12-05 10:00 local

function input(patch: Partial<ActionInput> = {}): ActionInput {
  return { ...emptyInput(), ...patch }
}

describe('actions and their dialogs', () => {
  it('needs a reason exactly where the server does (CaseAction::needs_reason)', () => {
    const withReason = CASE_ACTIONS.filter(needsReason).sort()
    expect(withReason).toEqual(['cancel', 'check_fail', 'reopen', 'request_extension', 'return', 'suspend'])
  })

  it('gives every action a dialog kind', () => {
    expect(Object.keys(ACTION_FORM).sort()).toEqual([...CASE_ACTIONS].sort())
    expect(ACTION_FORM.dispatch).toBe('dispatch')
    expect(ACTION_FORM.rate).toBe('rate')
    expect(ACTION_FORM.decide_extension).toBe('decide')
    expect(ACTION_FORM.merge).toBe('merge')
    expect(ACTION_FORM.request_extension).toBe('extension')
    for (const a of ['register', 'accept', 'feedback', 'check_pass', 'close', 'resume'] as const) expect(ACTION_FORM[a]).toBe('confirm')
  })

  it('takes a remark everywhere but rating and the extension decision', () => {
    expect(CASE_ACTIONS.filter((a) => !takesRemark(a)).sort()).toEqual(['decide_extension', 'rate'])
  })

  it('offers only known actions, each once, forward steps first', () => {
    expect(offeredActions(['cancel', 'merge', 'register', 'register', 'teleport'])).toEqual(['register', 'merge', 'cancel'])
    expect(offeredActions(['return', 'feedback', 'request_extension'])).toEqual(['feedback', 'request_extension', 'return'])
    expect(offeredActions(['check_fail', 'check_pass'])).toEqual(['check_pass', 'check_fail'])
    expect(offeredActions(null)).toEqual([])
  })

  it('colours buttons by what they do', () => {
    expect(actionButtonType('register')).toBe('primary')
    expect(actionButtonType('close')).toBe('success')
    expect(actionButtonType('cancel')).toBe('danger')
    expect(actionButtonType('return')).toBe('warning')
    expect(actionButtonType('merge')).toBe('default')
  })

  it('offers photos at the feedback and check stages only', () => {
    expect(canAddPhoto({ actions: ['return', 'feedback', 'request_extension'] })).toBe(true)
    expect(canAddPhoto({ actions: ['check_pass', 'check_fail'] })).toBe(true)
    expect(canAddPhoto({ actions: ['reopen'] })).toBe(true)
    expect(canAddPhoto({ actions: ['register', 'cancel', 'merge'] })).toBe(false)
    expect(canAddPhoto({ actions: ['accept', 'return'] })).toBe(false)
    expect(canAddPhoto({ actions: [] })).toBe(false)
  })

  it('knows open states', () => {
    expect(['reported', 'handling', 'suspended'].every(isOpenState)).toBe(true)
    expect(['closed', 'cancelled', 'merged', 'nonsense'].some(isOpenState)).toBe(false)
  })
})

describe('buildActionRequest', () => {
  it('sends the action and the version seen; a remark only when given', () => {
    expect(buildActionRequest('register', input(), 3, NOW)).toEqual({ ok: true, body: { action: 'register', version: 3 } })
    expect(buildActionRequest('feedback', input({ reason: '  已清理完毕 ' }), undefined, NOW)).toEqual({
      ok: true,
      body: { action: 'feedback', reason: '已清理完毕' },
    })
  })

  it('refuses a missing reason where one is required', () => {
    for (const a of ['cancel', 'return', 'check_fail', 'suspend', 'reopen'] as const) {
      expect(buildActionRequest(a, input({ reason: '   ' }), 1, NOW)).toEqual({ ok: false, problem: 'reason' })
      expect(buildActionRequest(a, input({ reason: '不属于本部门职责' }), 1, NOW)).toEqual({
        ok: true,
        body: { action: a, version: 1, reason: '不属于本部门职责' },
      })
    }
  })

  it('dispatches to a lead, assisting departments without the lead and without repeats', () => {
    expect(buildActionRequest('dispatch', input(), 2, NOW)).toEqual({ ok: false, problem: 'lead' })
    expect(
      buildActionRequest('dispatch', input({ lead: 'sanitation', assisting: ['traffic', 'sanitation', 'traffic'] }), 2, NOW),
    ).toEqual({ ok: true, body: { action: 'dispatch', version: 2, lead: 'sanitation', assisting: ['traffic'] } })
  })

  it('asks for an extension with a reason and a future deadline, sent as RFC 3339', () => {
    const until = toLocalInput(new Date(2026, 11, 6, 18, 0))
    expect(buildActionRequest('request_extension', input({ until }), 4, NOW)).toEqual({ ok: false, problem: 'reason' })
    expect(buildActionRequest('request_extension', input({ reason: '需采购材料', until: '' }), 4, NOW)).toEqual({
      ok: false,
      problem: 'until',
    })
    expect(
      buildActionRequest('request_extension', input({ reason: '需采购材料', until: toLocalInput(new Date(2026, 11, 5, 9, 0)) }), 4, NOW),
    ).toEqual({ ok: false, problem: 'untilPast' })
    const ok = buildActionRequest('request_extension', input({ reason: '需采购材料', until }), 4, NOW)
    expect(ok).toEqual({
      ok: true,
      body: { action: 'request_extension', version: 4, reason: '需采购材料', until: new Date(2026, 11, 6, 18, 0).toISOString() },
    })
  })

  it('rates 1–5 whole stars', () => {
    expect(buildActionRequest('rate', input(), 8, NOW)).toEqual({ ok: false, problem: 'rating' })
    expect(buildActionRequest('rate', input({ rating: 6 }), 8, NOW)).toEqual({ ok: false, problem: 'rating' })
    expect(buildActionRequest('rate', input({ rating: 2.5 }), 8, NOW)).toEqual({ ok: false, problem: 'rating' })
    expect(buildActionRequest('rate', input({ rating: 5, reason: 'ignored' }), 8, NOW)).toEqual({
      ok: true,
      body: { action: 'rate', version: 8, rating: 5 },
    })
  })

  it('decides an extension only once approve or reject is chosen', () => {
    expect(buildActionRequest('decide_extension', input(), 5, NOW)).toEqual({ ok: false, problem: 'approve' })
    expect(buildActionRequest('decide_extension', input({ approve: false }), 5, NOW)).toEqual({
      ok: true,
      body: { action: 'decide_extension', version: 5, approve: false },
    })
  })

  it('merges into a named case', () => {
    expect(buildActionRequest('merge', input(), 1, NOW)).toEqual({ ok: false, problem: 'into' })
    expect(buildActionRequest('merge', input({ into: 'abc' }), 1, NOW)).toEqual({ ok: true, body: { action: 'merge', version: 1, into: 'abc' } })
  })
})

describe('merge targets', () => {
  const visible = [
    { id: '6a77eb61-918a-4958-ab27-e38a27b5cb4d', number: '202612050001', state: 'handling' },
    { id: '94829f23-5bdb-4c62-a84a-f71bbaa9330c', number: '202612050003', state: 'closed' },
    { id: 'ef7803ef-f708-41fb-914e-f8da992a94f2', number: '202612050004', state: 'registered' },
  ]
  const self = 'ef7803ef-f708-41fb-914e-f8da992a94f2'

  it('finds an open case by number or id', () => {
    expect(resolveMergeTarget(' 202612050001 ', visible, self)).toBe('6a77eb61-918a-4958-ab27-e38a27b5cb4d')
    expect(resolveMergeTarget('6A77EB61-918A-4958-AB27-E38A27B5CB4D', visible, self)).toBe('6a77eb61-918a-4958-ab27-e38a27b5cb4d')
  })

  it('refuses itself, closed cases, unknown numbers and empty input', () => {
    expect(resolveMergeTarget('202612050004', visible, self)).toBeNull()
    expect(resolveMergeTarget('202612050003', visible, self)).toBeNull()
    expect(resolveMergeTarget('202612059999', visible, self)).toBeNull()
    expect(resolveMergeTarget('', visible, self)).toBeNull()
  })

  it('passes an unlisted id on to the server', () => {
    expect(resolveMergeTarget('00000000-0000-4000-8000-000000000001', visible, self)).toBe('00000000-0000-4000-8000-000000000001')
  })
})

describe('datetime-local values', () => {
  it('round-trip local times to the minute', () => {
    const d = new Date(2026, 0, 2, 3, 4)
    expect(toLocalInput(d)).toBe('2026-01-02T03:04')
    expect(fromLocalInput('2026-01-02T03:04')?.getTime()).toBe(d.getTime())
    expect(fromLocalInput('2026-01-02T03:04:05')?.getTime()).toBe(new Date(2026, 0, 2, 3, 4, 5).getTime())
  })

  it('refuse malformed or impossible dates', () => {
    expect(fromLocalInput('')).toBeNull()
    expect(fromLocalInput('2026-02-31T10:00')).toBeNull()
    expect(fromLocalInput('tomorrow')).toBeNull()
  })

  it('propose a day after the current deadline, or after now when that has passed', () => {
    expect(defaultExtensionUntil(new Date(2026, 11, 7, 10, 30).toISOString(), NOW)).toBe('2026-12-08T10:00')
    expect(defaultExtensionUntil(new Date(2026, 11, 1, 10, 30).toISOString(), NOW)).toBe('2026-12-06T10:00')
    expect(defaultExtensionUntil(null, NOW)).toBe('2026-12-06T10:00')
  })
})
