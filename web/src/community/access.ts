// 民主监督 · 摄像头调阅情况 as pure functions: the period asked for, and a camera's audited
// views by kind, role, purpose and case as rows to show (purposes merged whether a client sent
// the key, `patrol`, or the Chinese wording the web app sends, 日常巡查), cameras most viewed
// first, and who viewed (auditors only) newest first.
import type { CameraAccessView, ViewerView } from '../api/types'

/** The periods offered: the last 7 or 30 days. */
export const ACCESS_PERIODS = [7, 30] as const
export type AccessPeriod = (typeof ACCESS_PERIODS)[number]
export const DEFAULT_ACCESS_PERIOD: AccessPeriod = 30

export function isAccessPeriod(value: unknown): value is AccessPeriod {
  return (ACCESS_PERIODS as readonly unknown[]).includes(value)
}

/**
 * The start of a period of `days` days ending now, as RFC 3339. Only the start is sent: the
 * server ends the period at its own now, so a phone whose clock is behind misses no view.
 */
export function periodStart(days: number, now: number = Date.now()): string {
  return new Date(now - days * 86_400_000).toISOString()
}

/** Kinds of view, in the order shown. */
export const VIEW_KINDS = ['live', 'playback', 'snapshot'] as const

/** The i18n key of a kind of view; null for a kind this app does not know (shown as it is). */
export function viewKindKey(kind: string): string | null {
  return (VIEW_KINDS as readonly string[]).includes(kind) ? `community.access.kinds.${kind}` : null
}

/** The watch purposes by key and by the Chinese wording the web app audits, and 议题 (a topic's picture). */
const PURPOSE_IDS: Record<string, string> = {
  patrol: 'patrol',
  日常巡查: 'patrol',
  incident: 'incident',
  事件核查: 'incident',
  evidence: 'evidence',
  案件取证: 'evidence',
  other: 'other',
  其他: 'other',
  议题: '议题',
}

/** One id per purpose, whichever way it was written; anything else as it is (trimmed). */
export function purposeId(purpose: string): string {
  const p = purpose.trim()
  return Object.prototype.hasOwnProperty.call(PURPOSE_IDS, p) ? PURPOSE_IDS[p]! : p
}

/** The i18n key of a purpose id; null for a purpose in someone's own words (shown as it is). */
export function purposeKey(id: string): string | null {
  if (id === '议题') return 'community.access.purposes.topic'
  return ['patrol', 'incident', 'evidence', 'other'].includes(id) ? `video.purposes.${id}` : null
}

export interface CountRow {
  id: string
  count: number
}

/** A breakdown as rows, most first (then by id), merging keys with the same id and leaving out zeros. */
export function countRows(counts: Readonly<Record<string, number>> | null | undefined, idOf: (key: string) => string = (k) => k): CountRow[] {
  const merged = new Map<string, number>()
  for (const [key, n] of Object.entries(counts ?? {})) {
    if (!Number.isFinite(n) || n <= 0) continue
    const id = idOf(key)
    merged.set(id, (merged.get(id) ?? 0) + n)
  }
  return [...merged.entries()]
    .map(([id, count]) => ({ id, count }))
    .sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** Views by kind: live, playback, snapshot in that order, then any other kind. */
export function kindRows(byKind: Readonly<Record<string, number>> | null | undefined): CountRow[] {
  const rank = (id: string) => {
    const i = (VIEW_KINDS as readonly string[]).indexOf(id)
    return i < 0 ? VIEW_KINDS.length : i
  }
  return countRows(byKind).sort((a, b) => rank(a.id) - rank(b.id))
}

/** Views by purpose, each purpose once. */
export function purposeRows(byPurpose: Readonly<Record<string, number>> | null | undefined): CountRow[] {
  return countRows(byPurpose, purposeId)
}

/** Cameras most viewed first, then by name. */
export function sortCameras<T extends Pick<CameraAccessView, 'views' | 'name'>>(cameras: readonly T[]): T[] {
  return [...cameras].sort((a, b) => b.views - a.views || a.name.localeCompare(b.name, 'zh-CN'))
}

/** All views in the report. */
export function totalViews(cameras: readonly Pick<CameraAccessView, 'views'>[]): number {
  return cameras.reduce((sum, c) => sum + Math.max(0, c.views), 0)
}

/** Who viewed (an auditor's report), newest first. */
export function viewersNewestFirst(viewers: readonly ViewerView[] | null | undefined): ViewerView[] {
  const time = (v: ViewerView) => {
    const ms = new Date(v.at).getTime()
    return Number.isFinite(ms) ? ms : 0
  }
  return [...(viewers ?? [])].sort((a, b) => time(b) - time(a))
}
