// 我的 › 社区 preferences as pure functions: 对邻居匿名, 免打扰时段 (quiet hours: local time HH:MM to
// HH:MM, both ends or neither, possibly past midnight; equal ends would mean none, so they are
// refused here) and 社区摘要 (off, daily at 20:00, weekly on Sundays at 20:00). The server takes
// the whole set on every PUT (a missing field resets it), so the page always sends all of it.

export const DIGESTS = ['off', 'daily', 'weekly'] as const
export type Digest = (typeof DIGESTS)[number]

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && (DIGESTS as readonly string[]).includes(value)
}

/** Quiet hours when first turned on: 22:00 to 07:00 the next morning. */
export const DEFAULT_QUIET = { from: '22:00', to: '07:00' } as const

export interface Prefs {
  anonymous: boolean
  quiet_from: string | null
  quiet_to: string | null
  digest: Digest
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/

/** A local time of day as the server takes it: `HH:MM`, 00:00–23:59. */
export function isHHMM(value: unknown): value is string {
  return typeof value === 'string' && HHMM.test(value)
}

/**
 * The preferences as the server sent them, complete: quiet hours only with two valid ends, an
 * unknown or missing digest as off (an older server answers `{anonymous}` alone).
 */
export function normalizePrefs(view: {
  anonymous: boolean
  quiet_from?: string | null
  quiet_to?: string | null
  digest?: string | null
}): Prefs {
  const quiet = isHHMM(view.quiet_from) && isHHMM(view.quiet_to)
  return {
    anonymous: view.anonymous === true,
    quiet_from: quiet ? view.quiet_from! : null,
    quiet_to: quiet ? view.quiet_to! : null,
    digest: isDigest(view.digest) ? view.digest : 'off',
  }
}

export function quietOn(p: Pick<Prefs, 'quiet_from' | 'quiet_to'>): boolean {
  return p.quiet_from !== null && p.quiet_to !== null
}

/** Quiet hours turned on (with the given ends, or else 22:00–07:00) or off. */
export function withQuiet(p: Prefs, on: boolean, ends: { from: string; to: string } = DEFAULT_QUIET): Prefs {
  return on ? { ...p, quiet_from: ends.from, quiet_to: ends.to } : { ...p, quiet_from: null, quiet_to: null }
}

/** One end of the quiet hours changed; null when both ends would be equal (no quiet hours at all). */
export function withQuietEnd(p: Prefs, end: 'from' | 'to', value: string): Prefs | null {
  if (!isHHMM(value)) return null
  const from = end === 'from' ? value : (p.quiet_from ?? DEFAULT_QUIET.from)
  const to = end === 'to' ? value : (p.quiet_to ?? DEFAULT_QUIET.to)
  if (from === to) return null
  return { ...p, quiet_from: from, quiet_to: to }
}

/** The quiet hours end the next day (22:00 → 07:00). */
export function endsNextDay(from: string, to: string): boolean {
  return to < from
}

/** `HH:MM` as the columns of a time picker (['22', '00']); the fallback when not a time. */
export function timeColumns(value: string | null | undefined, fallback: string): string[] {
  const v = isHHMM(value) ? value : fallback
  return v.split(':')
}

/** A time picker's columns as `HH:MM`; null when they are not a time. */
export function fromColumns(columns: readonly (string | number)[]): string | null {
  if (columns.length < 2) return null
  const pad = (x: string | number) => String(x).padStart(2, '0')
  const v = `${pad(columns[0]!)}:${pad(columns[1]!)}`
  return isHHMM(v) ? v : null
}
