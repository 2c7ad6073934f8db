import { describe, expect, it } from 'vitest'
import type { NotificationView } from '../api/types'
import {
  RECONNECT_MAX_MS,
  lastId,
  markReadUpTo,
  digestParts,
  mergeNotifications,
  newestFirst,
  notificationKindKey,
  notificationTarget,
  notificationsUrl,
  parseSocketMessage,
  reconnectDelay,
  subjectOf,
  replaceNotifications,
  unreadCount,
} from './notifications'

function n(id: number, read = false, title = `案件 ${id} 待核查，请处理`): NotificationView {
  return { id, case_id: `case-${id}`, kind: 'act', title, created_at: '2026-12-05T01:57:16.209Z', read, subject: null }
}

describe('merging notifications', () => {
  it('keeps each id once, oldest first', () => {
    const merged = mergeNotifications([n(3), n(1)], [n(2), n(3), n(5)])
    expect(merged.map((x) => x.id)).toEqual([1, 2, 3, 5])
  })

  it('takes the newer copy but never un-reads', () => {
    const merged = mergeNotifications([n(1, true), n(2)], [n(1, false, 'new title'), n(2, true)])
    expect(merged).toEqual([n(1, true, 'new title'), n(2, true)])
  })

  it('replaces the list on resync, keeping what was marked read here', () => {
    const fresh = [n(4), n(2), n(7)]
    expect(replaceNotifications(fresh, 4).map((x) => [x.id, x.read])).toEqual([
      [2, true],
      [4, true],
      [7, false],
    ])
  })

  it('marks read up to an id, counts unread, finds the last id, sorts newest first', () => {
    const items = [n(1), n(2), n(3, true), n(4)]
    expect(unreadCount(items)).toBe(3)
    const read = markReadUpTo(items, 2)
    expect(read.map((x) => x.read)).toEqual([true, true, true, false])
    expect(unreadCount(read)).toBe(1)
    expect(items[0]!.read).toBe(false) // not mutated
    expect(lastId(items)).toBe(4)
    expect(lastId([])).toBe(0)
    expect(newestFirst(items).map((x) => x.id)).toEqual([4, 3, 2, 1])
  })
})

describe('socket messages', () => {
  it('parses a pushed notification', () => {
    const text = JSON.stringify(n(12, false, '案件 202612050005 已结案，请评价'))
    expect(parseSocketMessage(text)).toEqual({ type: 'notification', item: n(12, false, '案件 202612050005 已结案，请评价') })
  })

  it('fills what a push may leave out', () => {
    const msg = parseSocketMessage('{"id":3,"kind":"overdue","title":"案件 1 已超时（处置中）"}')
    expect(msg?.type).toBe('notification')
    if (msg?.type !== 'notification') return
    expect([msg.item.case_id, msg.item.read, typeof msg.item.created_at, msg.item.subject]).toEqual([null, false, 'string', null])
  })

  it('keeps the subject of a push', () => {
    const msg = parseSocketMessage('{"id":4,"kind":"service_request","title":"您的报修请求已受理","subject":"service_request:r1"}')
    expect(msg?.type === 'notification' && msg.item.subject).toBe('service_request:r1')
  })

  it('asks to catch up on a push without a stored id (the server may send id 0)', () => {
    const pushed = JSON.stringify({ ...n(0, false, '案件 202612050005 已结案，请评价') })
    expect(parseSocketMessage(pushed)).toEqual({ type: 'catch_up' })
    expect(parseSocketMessage('{"id":-1,"kind":"act","title":"x"}')).toEqual({ type: 'catch_up' })
  })

  it('understands resync, and ignores anything else', () => {
    expect(parseSocketMessage('{"kind":"resync"}')).toEqual({ type: 'resync' })
    for (const bad of ['', 'not json', '42', 'null', '{"id":"7","kind":"act","title":"x"}', '{"id":1.5,"kind":"act","title":"x"}', '{"kind":"act"}']) {
      expect(parseSocketMessage(bad), bad).toBeNull()
    }
    expect(parseSocketMessage(new ArrayBuffer(4))).toBeNull()
  })
})

describe('reconnecting', () => {
  it('backs off from 1 s, doubling, up to 30 s', () => {
    const none = () => 0
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((a) => reconnectDelay(a, none))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
  })

  it('adds at most 20 % jitter', () => {
    expect(reconnectDelay(0, () => 1)).toBe(1200)
    expect(reconnectDelay(10, () => 0.5)).toBe(RECONNECT_MAX_MS * 1.1)
    expect(reconnectDelay(-3, () => 0)).toBe(1000)
  })

  it('connects to the page’s own origin', () => {
    expect(notificationsUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/api/v1/notifications.ws')
    expect(notificationsUrl({ protocol: 'https:', host: 'grid.example.cn' })).toBe('wss://grid.example.cn/api/v1/notifications.ws')
  })

  it('names notification kinds', () => {
    expect(notificationKindKey('act')).toBe('cases.notifications.kinds.act')
    expect(notificationKindKey('warned')).toBe('cases.notifications.kinds.warned')
    expect(notificationKindKey('overdue')).toBe('cases.notifications.kinds.overdue')
    expect(notificationKindKey('mention')).toBe('cases.notifications.kinds.mention')
    expect(notificationKindKey('service_request')).toBe('cases.notifications.kinds.service_request')
    expect(notificationKindKey('digest')).toBe('cases.notifications.kinds.digest')
    expect(notificationKindKey('other')).toBe('cases.notifications.kinds.act')
  })
})

describe('digests', () => {
  it('split into the headline and one line per community', () => {
    expect(digestParts('社区日报｜牛角巷社区：1 条新公告，1 个新议题')).toEqual({
      head: '社区日报',
      lines: ['牛角巷社区：1 条新公告，1 个新议题'],
    })
    expect(digestParts('社区周报｜牛角巷社区：2 个新议题；杉木社区：1 项事项有进展')).toEqual({
      head: '社区周报',
      lines: ['牛角巷社区：2 个新议题', '杉木社区：1 项事项有进展'],
    })
    expect(digestParts('社区日报')).toEqual({ head: '社区日报', lines: [] })
  })
})

describe('where a notification opens', () => {
  const base = { case_id: null, subject: null }

  it('reads the subject', () => {
    expect(subjectOf({ subject: 'service_request:abc-1' })).toEqual({ type: 'service_request', id: 'abc-1' })
    expect(subjectOf({ subject: 'community:430407001001' })).toEqual({ type: 'community', code: '430407001001' })
    expect(subjectOf({ subject: null })).toBeNull()
    expect(subjectOf({})).toBeNull()
    expect(subjectOf({ subject: 'service_request:' })).toBeNull()
    expect(subjectOf({ subject: 'topic:t1' })).toEqual({ type: 'topic', id: 't1' })
    expect(subjectOf({ subject: 'mediation:m1' })).toEqual({ type: 'mediation', id: 'm1' })
    expect(subjectOf({ subject: 'topic:' })).toBeNull()
    expect(subjectOf({ subject: 'poll:1' })).toBeNull()
    expect(subjectOf({ subject: 'nonsense' })).toBeNull()
  })

  it('opens the case, the request or the chat of the community named', () => {
    expect(notificationTarget({ ...base, kind: 'act', case_id: 'c1' })).toEqual({ name: 'case-detail', params: { id: 'c1' } })
    expect(notificationTarget({ ...base, kind: 'service_request', subject: 'service_request:r1' })).toEqual({
      name: 'community-service',
      params: { id: 'r1' },
    })
    expect(notificationTarget({ ...base, kind: 'mention', subject: 'community:430407001001' })).toEqual({
      name: 'community',
      query: { tab: 'chat', c: '430407001001' },
    })
    expect(notificationTarget({ ...base, kind: 'moderation', subject: 'topic:t1' })).toEqual({ name: 'community-topic', params: { id: 't1' } })
    expect(notificationTarget({ ...base, kind: 'mediation', subject: 'mediation:m1' })).toEqual({
      name: 'community-mediation',
      params: { id: 'm1' },
    })
  })

  it('falls back by kind for notifications without a subject', () => {
    expect(notificationTarget({ ...base, kind: 'mention' })).toEqual({ name: 'community', query: { tab: 'chat' } })
    expect(notificationTarget({ ...base, kind: 'service_request' })).toEqual({ name: 'community', query: { tab: 'service' } })
    expect(notificationTarget({ ...base, kind: 'digest' })).toEqual({ name: 'community', query: { tab: 'feed' } })
    expect(notificationTarget({ ...base, kind: 'moderation' })).toEqual({ name: 'community', query: { tab: 'topics' } })
    expect(notificationTarget({ ...base, kind: 'mediation' })).toEqual({ name: 'community', query: { tab: 'mediation' } })
    expect(notificationTarget({ ...base, kind: 'act' })).toBeNull()
  })
})
