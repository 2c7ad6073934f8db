import { describe, expect, it } from 'vitest'
import type { CommentView } from '../api/types'
import { ApiError } from '../api/errors'
import {
  HIDE_AFTER_REPORTS,
  RULE_AUDIT_TEXT,
  RULE_KEYS,
  commentModeration,
  commentState,
  freeText,
  hiddenNotice,
  isRuleKey,
  moderationError,
  pendingCount,
  ruleOf,
  ruleText,
} from './moderation'

function comment(over: Partial<CommentView> = {}): CommentView {
  return {
    id: 'c1',
    parent_id: null,
    author_name: '居民 赵磊',
    body: '楼下那家人素质太差',
    created_at: '2026-12-05T05:00:00.000Z',
    hidden: false,
    hidden_reason: null,
    state: 'visible',
    mine: false,
    i_reported: false,
    reports: 0,
    appeal: null,
    ...over,
  }
}

/** As the server hides a comment after three reports. */
const pending = (over: Partial<CommentView> = {}) =>
  comment({ hidden: true, hidden_reason: '3 位成员举报，待审核', state: 'pending', ...over })
const removed = (rule: string | null, over: Partial<CommentView> = {}) =>
  comment({ hidden: true, hidden_reason: rule, state: 'removed', ...over })

describe('rules', () => {
  it('are sent in Chinese, whatever the interface language', () => {
    expect(RULE_KEYS.every((k) => /[\u4e00-\u9fff]/.test(RULE_AUDIT_TEXT[k]))).toBe(true)
    expect(new Set(Object.values(RULE_AUDIT_TEXT)).size).toBe(RULE_KEYS.length)
    expect(isRuleKey('abuse')).toBe(true)
    expect(isRuleKey('other')).toBe(false)
  })

  it('build the reason or rule to send, or say what is missing', () => {
    expect(ruleText(null, '')).toEqual({ problem: 'choose' })
    expect(ruleText('privacy', 'ignored')).toEqual({ text: '泄露他人隐私' })
    expect(ruleText('other', '  ')).toEqual({ problem: 'other' })
    expect(ruleText('other', ' 刷屏 ')).toEqual({ text: '刷屏' })
    expect(ruleText('other', '字'.repeat(200))).toEqual({ text: '字'.repeat(200) })
    expect(ruleText('other', '字'.repeat(201))).toEqual({ problem: 'tooLong' })
  })

  it('are recognised in a removed comment’s reason, to show them in the reader’s language', () => {
    expect(ruleOf('人身攻击或辱骂')).toBe('abuse')
    expect(ruleOf(' 与议题无关 ')).toBe('offtopic')
    expect(ruleOf('刷屏')).toBeNull()
    expect(ruleOf(null)).toBeNull()
  })

  it('free text is trimmed and bounded', () => {
    expect(freeText('  申诉理由 ', 10)).toBe('申诉理由')
    expect(freeText('   ', 10)).toBeNull()
    expect(freeText('一二三', 2)).toBeNull()
  })
})

describe('hidden comments', () => {
  it('stand as the server says', () => {
    expect(commentState(comment())).toBe('visible')
    expect(commentState(pending())).toBe('pending')
    expect(commentState(removed('人身攻击或辱骂'))).toBe('removed')
    // A state this app does not know: by `hidden`.
    expect(commentState(comment({ state: 'archived', hidden: true }))).toBe('removed')
    expect(commentState(comment({ state: 'archived' }))).toBe('visible')
    expect(HIDE_AFTER_REPORTS).toBe(3)
  })

  it('say why in place of the text', () => {
    expect(hiddenNotice(comment())).toBeNull()
    expect(hiddenNotice(pending())).toEqual({ key: 'community.moderation.pending', params: {}, rule: null })
    expect(hiddenNotice(removed('泄露他人隐私'))).toEqual({
      key: 'community.moderation.removed',
      params: { rule: '泄露他人隐私' },
      rule: 'privacy',
    })
    expect(hiddenNotice(removed('刷屏'))?.rule).toBeNull()
    expect(hiddenNotice(removed(''))?.key).toBe('community.moderation.removedNoRule')
    expect(hiddenNotice(removed(null))?.key).toBe('community.moderation.removedNoRule')
  })

  it('are counted for the staff while they wait for review', () => {
    const list = [comment(), pending({ id: 'c2' }), removed('与议题无关', { id: 'c3' }), pending({ id: 'c4' })]
    expect(pendingCount(list)).toBe(2)
  })
})

describe('what each reader may do', () => {
  it('members report shown comments of others, once', () => {
    expect(commentModeration(comment(), false)).toMatchObject({ state: 'visible', own: false, report: true, appeal: false, remove: false, restore: false })
    expect(commentModeration(comment({ i_reported: true }), false).report).toBe(false)
    expect(commentModeration(comment({ mine: true }), false)).toMatchObject({ own: true, report: false })
    expect(commentModeration(pending({ body: '' }), false)).toMatchObject({ report: false, appeal: false })
  })

  it('the author appeals a hidden comment, once', () => {
    expect(commentModeration(pending({ mine: true }), false)).toMatchObject({ own: true, appeal: true, report: false })
    const appeal = { body: '我反映的是真实情况', created_at: '2026-12-05T06:00:00.000Z' }
    expect(commentModeration(pending({ mine: true, appeal }), false).appeal).toBe(false)
    expect(commentModeration(removed('人身攻击或辱骂', { mine: true }), false).appeal).toBe(true)
    expect(commentModeration(comment({ mine: true }), false).appeal).toBe(false)
  })

  it('the staff remove and restore, do not report, and see how many reported it', () => {
    expect(commentModeration(comment({ reports: 2 }), true)).toMatchObject({ report: false, remove: true, restore: false, reports: 2 })
    expect(commentModeration(pending({ reports: 3 }), true)).toMatchObject({ state: 'pending', remove: true, restore: true, reports: 3 })
    expect(commentModeration(removed('与议题无关'), true)).toMatchObject({ state: 'removed', remove: false, restore: true })
    // Only the staff are told the count (the server sends 0 to everyone else anyway).
    expect(commentModeration(comment({ reports: 2 }), false).reports).toBe(0)
  })
})

describe('refusals', () => {
  it('name what went wrong, by call', () => {
    expect(moderationError(new ApiError(409, 'conflict'), 'report').key).toBe('community.moderation.errors.reportedAlready')
    expect(moderationError(new ApiError(422, 'invalid_input'), 'report').key).toBe('community.moderation.errors.reportOwn')
    expect(moderationError(new ApiError(409, 'conflict'), 'appeal').key).toBe('community.moderation.errors.appealedAlready')
    expect(moderationError(new ApiError(403, 'forbidden'), 'appeal').key).toBe('community.moderation.errors.appealNotOwn')
    expect(moderationError(new ApiError(403, 'forbidden'), 'moderate').key).toBe('community.moderation.errors.notStaff')
    expect(moderationError(new ApiError(404, 'not_found'), 'moderate').key).toBe('errors.not_found')
    expect(moderationError(new ApiError(0, 'network'), 'report').key).toBe('errors.network')
  })
})
