import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/errors'
import type { ActionItemView, CommentView, NoticeView, PollView, TopicView } from '../api/types'
import {
  boardRows,
  buildDecisionRequest,
  buildFeed,
  buildPollRequest,
  canDecideNow,
  canVote,
  clampProgress,
  communityError,
  newestUpdateBy,
  updatePhotoError,
  volunteerError,
  emptyPoll,
  itemStatusKey,
  phaseKey,
  phaseStep,
  pollOpen,
  pollRows,
  secondsLeft,
  slowModeChoices,
  slowModeDuration,
  slowModeWait,
  sortItems,
  takesComments,
  threadComments,
  topicActions,
  topicsIn,
} from './topics'

// Local times (the forms work in local time), so the tests pass in any time zone.
const NOW = new Date(2026, 11, 5, 12, 0)
const DEADLINE = new Date(2026, 11, 8, 12, 0)

function topic(over: Partial<TopicView> = {}): TopicView {
  return {
    id: 't1',
    community_code: '430407001001',
    title: '停车位划分',
    body: '小区停车位如何划分？',
    phase: 'collect',
    phase_name: '征集意见',
    has_evidence: false,
    slow_mode_s: 0,
    created_at: '2026-12-05T09:00:00+08:00',
    ...over,
  }
}

function poll(over: Partial<PollView> = {}): PollView {
  return {
    question: '是否划定临时摆放区？',
    options: ['同意', '不同意'],
    multiple: false,
    anonymous: true,
    deadline: DEADLINE.toISOString(),
    quorum_pct: 50,
    tally: { counts: [0, 0], voters: 0, eligible: 2, turnout: 0, quorum_met: false, leading: [] },
    voters: [],
    ...over,
  }
}

function item(over: Partial<ActionItemView> = {}): ActionItemView {
  return {
    id: 'i1',
    title: '划定标线',
    owner_id: 'p',
    owner_name: '物业经理 吴敏',
    community_code: '430407001001',
    progress: 0,
    status: 'open',
    created_at: '2026-12-05T10:00:00+08:00',
    updated_at: '2026-12-05T10:00:00+08:00',
    ...over,
  }
}

describe('topic phases', () => {
  it('names phases and places them on the path', () => {
    expect(phaseKey('decide')).toBe('community.phases.decide')
    expect(phaseKey('archived')).toBeNull()
    expect(['collect', 'discuss', 'decide', 'decided', 'closed'].map(phaseStep)).toEqual([0, 1, 2, 3, -1])
  })

  it('offers staff one step forward, or closing, in each open phase (Phase::may_move_to)', () => {
    expect(topicActions('collect')).toEqual(['discuss', 'close'])
    expect(topicActions('discuss')).toEqual(['poll', 'close'])
    expect(topicActions('decide')).toEqual(['decide', 'close'])
    expect(topicActions('decided')).toEqual([])
    expect(topicActions('closed')).toEqual([])
    expect(['collect', 'discuss', 'decide', 'decided'].map(takesComments)).toEqual([true, true, false, false])
  })

  it('filters topics by phase', () => {
    const list = [topic({ id: 'a' }), topic({ id: 'b', phase: 'decided' })]
    expect(topicsIn(list, 'all').map((x) => x.id)).toEqual(['a', 'b'])
    expect(topicsIn(list, 'decided').map((x) => x.id)).toEqual(['b'])
  })
})

describe('comments', () => {
  const c = (id: string, parent: string | null, at: string): CommentView => ({
    id,
    parent_id: parent,
    author_name: id,
    body: id,
    created_at: `2026-12-05T10:0${at}:00+08:00`,
    hidden: false,
    state: 'visible',
    mine: false,
    i_reported: false,
    reports: 0,
  })

  it('threads replies (and replies to replies) under their top-level comment, oldest first', () => {
    const threads = threadComments([c('r2', 'r1', '4'), c('b', null, '2'), c('a', null, '1'), c('r1', 'a', '3'), c('orphan', 'gone', '5')])
    expect(threads.map((t) => [t.comment.id, t.replies.map((r) => r.id)])).toEqual([
      ['a', ['r1', 'r2']],
      ['b', []],
      ['orphan', []],
    ])
  })
})

describe('polls', () => {
  it('counts each option with its share of the voters', () => {
    const p = poll({ tally: { counts: [2, 1], voters: 3, eligible: 4, turnout: 0.75, quorum_met: true, leading: [0] }, mine: [1] })
    expect(pollRows(p)).toEqual([
      { index: 0, label: '同意', count: 2, percent: 67, leading: true, mine: false },
      { index: 1, label: '不同意', count: 1, percent: 33, leading: false, mine: true },
    ])
    expect(pollRows(poll()).map((r) => r.percent)).toEqual([0, 0])
  })

  it('shows the result of a poll on the board from its options and tally', () => {
    const tally = { counts: [1, 0], voters: 1, eligible: 2, turnout: 0.5, quorum_met: true, leading: [0] }
    expect(boardRows({ options: ['同意', '不同意'], tally }).map((r) => [r.label, r.count, r.percent, r.leading, r.mine])).toEqual([
      ['同意', 1, 100, true, false],
      ['不同意', 0, 0, false, false],
    ])
    expect(boardRows({ options: null, tally })).toEqual([])
    expect(boardRows({ options: ['同意'], tally: null })).toEqual([])
  })

  it('lets participants vote once while the topic is in 表决中 before the deadline', () => {
    const d = { may_take_part: true, topic: { phase: 'decide' }, poll: poll() }
    expect(canVote(d, NOW)).toBe(true)
    expect(canVote({ ...d, may_take_part: false }, NOW)).toBe(false)
    expect(canVote({ ...d, poll: poll({ mine: [0] }) }, NOW)).toBe(false)
    expect(canVote({ ...d, topic: { phase: 'decided' } }, NOW)).toBe(false)
    expect(canVote(d, DEADLINE)).toBe(false)
    expect(pollOpen('decide', null, NOW)).toBe(false)
  })

  it('allows the decision after the deadline, or earlier once a quorum that was set is met', () => {
    expect(canDecideNow(poll(), NOW)).toBe(false)
    expect(canDecideNow(poll(), DEADLINE)).toBe(true)
    const met = { counts: [1, 0], voters: 1, eligible: 2, turnout: 0.5, quorum_met: true, leading: [0] }
    expect(canDecideNow(poll({ tally: met }), NOW)).toBe(true)
    expect(canDecideNow(poll({ tally: met, quorum_pct: 0 }), NOW)).toBe(false)
    expect(canDecideNow(null, NOW)).toBe(false)
  })

  it('builds the poll request, or names the first problem', () => {
    const input = emptyPoll('是否划定临时摆放区？', ['同意', '不同意'], NOW)
    expect(input.deadline).toBe('2026-12-08T12:00')
    const built = buildPollRequest({ ...input, options: [' 同意 ', '不同意', ''] }, NOW)
    expect(built).toEqual({
      request: {
        question: '是否划定临时摆放区？',
        options: ['同意', '不同意'],
        multiple: false,
        anonymous: true,
        deadline: new Date('2026-12-08T12:00').toISOString(),
        quorum_pct: 50,
      },
    })
    expect(buildPollRequest({ ...input, question: ' ' }, NOW)).toEqual({ problem: 'question' })
    expect(buildPollRequest({ ...input, options: ['同意', ''] }, NOW)).toEqual({ problem: 'options' })
    expect(buildPollRequest({ ...input, options: ['同意', '同意 '] }, NOW)).toEqual({ problem: 'optionsRepeat' })
    expect(buildPollRequest({ ...input, deadline: '' }, NOW)).toEqual({ problem: 'deadline' })
    expect(buildPollRequest({ ...input, deadline: '2026-12-01T12:00' }, NOW)).toEqual({ problem: 'deadlinePast' })
    expect(buildPollRequest({ ...input, quorumPct: '101' }, NOW)).toEqual({ problem: 'quorum' })
    expect(buildPollRequest({ ...input, quorumPct: '' }, NOW)).toMatchObject({ request: { quorum_pct: 0 } })
  })
})

describe('decisions', () => {
  const owner = '9690a096-0213-477b-aa81-0bfd14ed825c'
  const input = { decision: ' 在东侧划定摆放区 ', withItem: true, itemTitle: '划定标线', ownerId: ` ${owner} `, itemDeadline: '2026-12-20T17:00' }

  it('builds the decision with its action item', () => {
    expect(buildDecisionRequest(input)).toEqual({
      request: {
        decision: '在东侧划定摆放区',
        action_item: { title: '划定标线', owner_id: owner, deadline: new Date('2026-12-20T17:00').toISOString() },
      },
    })
    expect(buildDecisionRequest({ ...input, itemDeadline: '' })).toMatchObject({ request: { action_item: { deadline: null } } })
    expect(buildDecisionRequest({ ...input, withItem: false })).toEqual({ request: { decision: '在东侧划定摆放区' } })
  })

  it('names what is missing', () => {
    expect(buildDecisionRequest({ ...input, decision: '' })).toEqual({ problem: 'decision' })
    expect(buildDecisionRequest({ ...input, itemTitle: ' ' })).toEqual({ problem: 'itemTitle' })
    expect(buildDecisionRequest({ ...input, ownerId: ' ' })).toEqual({ problem: 'owner' })
    expect(buildDecisionRequest({ ...input, itemDeadline: '2026-02-31T10:00' })).toEqual({ problem: 'itemDeadline' })
  })
})

describe('action items', () => {
  it('names statuses and keeps progress a whole percentage', () => {
    expect(itemStatusKey('in_progress')).toBe('community.itemStatus.in_progress')
    expect(itemStatusKey('lost')).toBeNull()
    expect([clampProgress(40), clampProgress('40'), clampProgress(120), clampProgress(-3), clampProgress(33.6)]).toEqual([40, 40, 100, 0, 34])
    expect([clampProgress(''), clampProgress('x'), clampProgress(null)]).toEqual([null, null, null])
  })

  it('lists the reader’s items first, open before done, latest change first', () => {
    const items = [
      item({ id: 'done-mine', owner_id: 'me', status: 'done', updated_at: '2026-12-05T11:00:00+08:00' }),
      item({ id: 'old', updated_at: '2026-12-01T10:00:00+08:00' }),
      item({ id: 'mine', owner_id: 'me' }),
      item({ id: 'new', updated_at: '2026-12-05T11:30:00+08:00' }),
    ]
    expect(sortItems(items, 'me').map((i) => i.id)).toEqual(['mine', 'done-mine', 'new', 'old'])
  })
})

describe('the feed', () => {
  it('merges topics, notices and action items, newest first, up to the limit', () => {
    const notice: NoticeView = { id: 'n1', title: '停水通知', body: '周六停水', created_at: '2026-12-05T11:00:00+08:00', read: false }
    const feed = buildFeed(
      [topic({ id: 't1' }), topic({ id: 't2', decided_at: '2026-12-05T11:45:00+08:00' })],
      [notice],
      [item({ updated_at: '2026-12-05T11:30:00+08:00' })],
    )
    expect(feed.map((e) => `${e.kind}:${e.id}`)).toEqual(['topic:t2', 'item:i1', 'notice:n1', 'topic:t1'])
    expect(buildFeed([topic()], [notice], [], 1).map((e) => e.id)).toEqual(['n1'])
  })
})

describe('errors', () => {
  it('says what a 409 means where it happens', () => {
    const conflict = new ApiError(409, 'conflict', 'the poll is closed')
    expect(communityError(conflict, 'vote').key).toBe('community.errors.vote')
    expect(communityError(conflict, 'decide').key).toBe('community.errors.decide')
    expect(communityError(conflict).key).toBe('community.errors.conflict')
    expect(communityError(new ApiError(503, 'camera_unavailable', 'x')).key).toBe('errors.camera_unavailable')
    expect(communityError(new ApiError(422, 'invalid_input', 'x')).key).toBe('errors.invalid_input')
  })
})

describe('slow mode', () => {
  it('offers off, 30 s, 1, 5 and 10 minutes, plus a setting made elsewhere', () => {
    expect(slowModeChoices(0)).toEqual([0, 30, 60, 300, 600])
    expect(slowModeChoices(60)).toEqual([0, 30, 60, 300, 600])
    expect(slowModeChoices(120)).toEqual([0, 30, 60, 120, 300, 600])
    expect(slowModeChoices(-1)).toEqual([0, 30, 60, 300, 600])
  })

  it('names intervals in whole minutes when it can, else seconds', () => {
    expect(slowModeDuration(30)).toEqual({ key: 'community.slowMode.seconds', params: { n: 30 } })
    expect(slowModeDuration(60)).toEqual({ key: 'community.slowMode.minutes', params: { n: 1 } })
    expect(slowModeDuration(600)).toEqual({ key: 'community.slowMode.minutes', params: { n: 10 } })
    expect(slowModeDuration(90)).toEqual({ key: 'community.slowMode.seconds', params: { n: 90 } })
  })

  it('reads the wait from a slow-mode refusal: Retry-After, else the message', () => {
    expect(slowModeWait(new ApiError(429, 'slow_mode', 'wait 42 s', 42))).toBe(42)
    expect(slowModeWait(new ApiError(429, 'slow_mode', 'slow mode: one comment per 60 s on this topic; wait 17 s'))).toBe(17)
    expect(slowModeWait(new ApiError(429, 'slow_mode', 'slow down'))).toBeNull()
    expect(slowModeWait(new ApiError(429, 'rate_limited', 'x', 5))).toBeNull()
    expect(slowModeWait(new Error('x'))).toBeNull()
    // The message of a refusal, with the seconds.
    expect(communityError(new ApiError(429, 'slow_mode', 'x', 42), 'comment')).toEqual({ key: 'errors.slow_mode', params: { seconds: '42' } })
  })

  it('counts the wait down in whole seconds', () => {
    expect(secondsLeft(10_000, 0)).toBe(10)
    expect(secondsLeft(10_000, 100)).toBe(10)
    expect(secondsLeft(10_000, 9_001)).toBe(1)
    expect(secondsLeft(10_000, 10_000)).toBe(0)
    expect(secondsLeft(0, 5_000)).toBe(0)
  })
})

describe('volunteers and update photos', () => {
  const u = (id: string, author_id: string, created_at: string) => ({ id, author_id, created_at })

  it('finds the newest update by the author', () => {
    const list = [
      u('1', 'me', '2026-12-05T01:00:00Z'),
      u('2', 'other', '2026-12-05T03:00:00Z'),
      u('3', 'me', '2026-12-05T02:00:00Z'),
      u('4', 'me', '2026-12-05T09:30:00+08:00'), // 01:30Z: older than 3
    ]
    expect(newestUpdateBy(list, 'me')?.id).toBe('3')
    expect(newestUpdateBy([...list, u('5', 'me', '2026-12-05T02:00:00Z')], 'me')?.id).toBe('5')
    expect(newestUpdateBy(list, 'nobody')).toBeNull()
    expect(newestUpdateBy(list, '')).toBeNull()
  })

  it('names what went wrong', () => {
    expect(volunteerError(new ApiError(403, 'forbidden')).key).toBe('community.items.volunteerForbidden')
    expect(volunteerError(new ApiError(409, 'conflict')).key).toBe('community.items.volunteerDone')
    expect(volunteerError(new ApiError(0, 'network')).key).toBe('errors.network')
    expect(updatePhotoError(new ApiError(422, 'invalid_input')).key).toBe('community.items.photoNotJpeg')
    expect(updatePhotoError(new ApiError(409, 'conflict')).key).toBe('community.items.photoExists')
    expect(updatePhotoError(new ApiError(413, 'payload_too_large')).key).toBe('community.items.photoTooLarge')
  })
})
