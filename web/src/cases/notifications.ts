// Notifications (待办提醒) as pure functions: merging what the list and the WebSocket bring,
// unread counts, messages of the socket and the reconnect back-off. The store wires them up.
import type { NotificationView } from '../api/types'

/**
 * Notifications by id, oldest first, each once. A newer copy replaces an older one, except that
 * read stays read (a push or a stale list must not bring back a badge the user cleared).
 */
export function mergeNotifications(
  existing: readonly NotificationView[],
  incoming: readonly NotificationView[],
): NotificationView[] {
  const byId = new Map<number, NotificationView>()
  for (const n of existing) byId.set(n.id, n)
  for (const n of incoming) {
    const old = byId.get(n.id)
    byId.set(n.id, old ? { ...n, read: old.read || n.read } : n)
  }
  return [...byId.values()].sort((a, b) => a.id - b.id)
}

/**
 * A fresh full list (after a resync) in place of the one held: what the user marked read here
 * (up to `readUpTo`) stays read even if the list was read before the server recorded it.
 */
export function replaceNotifications(fresh: readonly NotificationView[], readUpTo: number): NotificationView[] {
  return markReadUpTo(mergeNotifications([], fresh), readUpTo)
}

/** Everything up to `upTo` marked read. */
export function markReadUpTo(items: readonly NotificationView[], upTo: number): NotificationView[] {
  return items.map((n) => (n.id <= upTo && !n.read ? { ...n, read: true } : n))
}

export function unreadCount(items: readonly NotificationView[]): number {
  return items.reduce((k, n) => (n.read ? k : k + 1), 0)
}

/** The highest id held (0 when none): where an incremental read (`after`) starts. */
export function lastId(items: readonly NotificationView[]): number {
  return items.reduce((m, n) => Math.max(m, n.id), 0)
}

/** Newest first, for showing. */
export function newestFirst(items: readonly NotificationView[]): NotificationView[] {
  return [...items].sort((a, b) => b.id - a.id)
}

export type SocketMessage =
  | { type: 'notification'; item: NotificationView }
  /** Something arrived, but not its stored id: read the list after the last id held. */
  | { type: 'catch_up' }
  | { type: 'resync' }

/**
 * One text message of the notifications WebSocket; null for anything unexpected. A push whose
 * id is not a stored one (the server may push a notification with id 0, before the database
 * numbered it) cannot be merged or marked read by id: it only says to catch up.
 */
export function parseSocketMessage(text: unknown): SocketMessage | null {
  if (typeof text !== 'string') return null
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null) return null
  const o = v as Record<string, unknown>
  if (o.kind === 'resync') return { type: 'resync' }
  if (typeof o.id !== 'number' || !Number.isInteger(o.id) || typeof o.kind !== 'string' || typeof o.title !== 'string') {
    return null
  }
  if (o.id <= 0) return { type: 'catch_up' }
  return {
    type: 'notification',
    item: {
      id: o.id,
      kind: o.kind,
      title: o.title,
      case_id: typeof o.case_id === 'string' ? o.case_id : null,
      subject: typeof o.subject === 'string' ? o.subject : null,
      created_at: typeof o.created_at === 'string' ? o.created_at : new Date().toISOString(),
      read: o.read === true,
    },
  }
}

export const RECONNECT_BASE_MS = 1000
export const RECONNECT_MAX_MS = 30_000

/**
 * How long to wait before reconnect attempt `attempt` (0 for the first after a drop): doubling
 * from 1 s up to 30 s, with up to 20 % jitter from `random` so clients do not return together.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.max(0, Math.min(attempt, 16)))
  return Math.round(base * (1 + 0.2 * Math.min(1, Math.max(0, random()))))
}

/** The notifications WebSocket on the page's own origin (the session cookie authenticates it). */
export function notificationsUrl(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/api/v1/notifications.ws`
}

/** Notification kinds with a name of their own; anything else is shown as 待办. */
export const NOTIFICATION_KINDS = ['act', 'warned', 'overdue', 'mention', 'service_request', 'digest', 'moderation', 'mediation'] as const

/**
 * The i18n key of a notification kind: 待办, 即将超时, 已超时, 提到我 (the community chat), 服务 (a
 * service request filed to the reader's desk, or the reader's own accepted or done), 摘要 (the
 * daily or weekly community digest), 评论审核 (a comment hidden, removed, restored or appealed)
 * or 调解 (a mediation the reader is a party to or mediates registered or moved on).
 */
export function notificationKindKey(kind: string): string {
  return (NOTIFICATION_KINDS as readonly string[]).includes(kind)
    ? `cases.notifications.kinds.${kind}`
    : 'cases.notifications.kinds.act'
}

/**
 * A digest's title in parts: the headline (社区日报, 社区周报) and one line per community
 * ("牛角巷社区：1 条新公告，1 个新议题"). The server writes `headline｜community：news；community：news`;
 * a title without the bar is all headline.
 */
export function digestParts(title: string): { head: string; lines: string[] } {
  const bar = title.indexOf('｜')
  if (bar < 0) return { head: title.trim(), lines: [] }
  const lines = title
    .slice(bar + 1)
    .split('；')
    .map((l) => l.trim())
    .filter((l) => l !== '')
  return { head: title.slice(0, bar).trim(), lines }
}

/** What a notification is about besides a case, from its `subject` (null when it names none). */
export type NotificationSubject =
  | { type: 'service_request'; id: string }
  | { type: 'community'; code: string }
  | { type: 'topic'; id: string }
  | { type: 'mediation'; id: string }

/**
 * A notification's `subject`: `service_request:<id>` (a service request), `community:<code>`
 * (a chat mention in that community), `topic:<id>` (a comment of that topic was moderated) or
 * `mediation:<id>`. Null for none (older notifications) or anything unknown.
 */
export function subjectOf(n: Pick<NotificationView, 'subject'>): NotificationSubject | null {
  const s = n.subject
  if (typeof s !== 'string') return null
  const colon = s.indexOf(':')
  if (colon <= 0) return null
  const kind = s.slice(0, colon)
  const value = s.slice(colon + 1).trim()
  if (!value) return null
  if (kind === 'service_request') return { type: 'service_request', id: value }
  if (kind === 'community') return { type: 'community', code: value }
  if (kind === 'topic') return { type: 'topic', id: value }
  if (kind === 'mediation') return { type: 'mediation', id: value }
  return null
}

/** Where a tap on a notification goes (a named route with its params and query); null: nowhere. */
export interface NotificationTarget {
  name: 'case-detail' | 'community' | 'community-service' | 'community-topic' | 'community-mediation'
  params?: Record<string, string>
  query?: Record<string, string>
}

/**
 * Where a notification opens: a case its case; a `service_request:<id>` subject that request; a
 * `community:<code>` subject (a mention) the chat of that community. Without a subject (sent
 * before the server named them) a mention opens the chat of the current community, a service
 * notification the 服务 list; a digest opens 动态.
 */
export function notificationTarget(n: Pick<NotificationView, 'case_id' | 'kind' | 'subject'>): NotificationTarget | null {
  if (n.case_id) return { name: 'case-detail', params: { id: n.case_id } }
  const subject = subjectOf(n)
  if (subject?.type === 'service_request') return { name: 'community-service', params: { id: subject.id } }
  if (subject?.type === 'community') return { name: 'community', query: { tab: 'chat', c: subject.code } }
  if (subject?.type === 'topic') return { name: 'community-topic', params: { id: subject.id } }
  if (subject?.type === 'mediation') return { name: 'community-mediation', params: { id: subject.id } }
  switch (n.kind) {
    case 'mention':
      return { name: 'community', query: { tab: 'chat' } }
    case 'service_request':
      return { name: 'community', query: { tab: 'service' } }
    case 'digest':
      return { name: 'community', query: { tab: 'feed' } }
    case 'moderation':
      return { name: 'community', query: { tab: 'topics' } }
    case 'mediation':
      return { name: 'community', query: { tab: 'mediation' } }
    default:
      return null
  }
}
