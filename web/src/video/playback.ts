// Pure pieces of 回放 (playback), kept apart from the DOM so they can be unit-tested: the day and
// its recorded spans, the 24-hour scrubber's geometry, which recording window to load for a chosen
// time, and how a position in that MP4 maps to the wall clock.
//
// The server builds recording.mp4 for [start, end) by concatenating the recorded frames: time 0
// is the first presented frame (`start`, or the first recording after it) and gaps between
// recordings are left out. So a window is the list of recorded pieces it covers, and media time
// is the running total over those pieces.
//
// Every distinct (range, purpose) is one audited view, so a window is picked once for a chosen
// time (the clock hour around it, recorded part only) and later choices inside it only seek.

import type { SpanView } from '../api/types'

export const SECOND_MS = 1_000
export const MINUTE_MS = 60_000
export const HOUR_MS = 3_600_000
/** The server's longest recording.mp4 range. */
export const MAX_WINDOW_MS = 6 * HOUR_MS
/** One window per clock hour: a small moov (fast start on a phone) and few audit entries. */
export const WINDOW_BLOCK_MS = HOUR_MS
/** How far ±30 s buttons jump, and how much of the end of a recording is shown when snapping back to it. */
export const STEP_MS = 30 * SECOND_MS
/** Days back the date picker offers (today included). */
export const PLAYBACK_DAYS = 30

/** A recorded span, half-open: [startMs, endMs). */
export interface Span {
  startMs: number
  endMs: number
}

/** What a window covers: its range for recording.mp4 and the recorded pieces inside it. */
export interface PlaybackWindow {
  startMs: number
  endMs: number
  /** Recorded pieces in order; media time runs through them back to back. */
  pieces: Span[]
  /** Media duration (sum of the pieces). */
  durationMs: number
}

// ---------------------------------------------------------------------------------------------
// Days (local time)

export interface Day {
  startMs: number
  /** Start of the next day (a day has 23 or 25 hours where clocks change). */
  endMs: number
}

/** The local calendar day containing `ms`. */
export function dayOf(ms: number): Day {
  const d = new Date(ms)
  const start = new Date(d.getFullYear(), d.getMonth(), d.getDate())
  const end = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1)
  return { startMs: start.getTime(), endMs: end.getTime() }
}

/** The first and last day the date picker allows: `days` days ending today (local midnights). */
export function selectableDays(nowMs: number, days = PLAYBACK_DAYS): { min: Date; max: Date } {
  const now = new Date(nowMs)
  return {
    min: new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1)),
    max: new Date(now.getFullYear(), now.getMonth(), now.getDate()),
  }
}

/** Local-hour ticks of a day for the scrubber labels: [ms, hour] every `everyHours`, both ends included. */
export function hourTicks(day: Day, everyHours = 6): { ms: number; hour: number }[] {
  const start = new Date(day.startMs)
  const out: { ms: number; hour: number }[] = []
  for (let h = 0; h <= 24; h += everyHours) {
    const ms = h === 24 ? day.endMs : new Date(start.getFullYear(), start.getMonth(), start.getDate(), h).getTime()
    out.push({ ms, hour: h })
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Spans

/** Spans from GET /timeline. */
export function spansFromApi(items: readonly SpanView[]): Span[] {
  return items.map((s) => ({ startMs: s.start_ms, endMs: s.end_ms }))
}

/** The spans within [fromMs, toMs), cut at its ends, sorted, overlapping or touching ones joined, empty ones dropped. */
export function clipSpans(spans: readonly Span[], fromMs: number, toMs: number): Span[] {
  const cut = spans
    .map((s) => ({ startMs: Math.max(s.startMs, fromMs), endMs: Math.min(s.endMs, toMs) }))
    .filter((s) => s.endMs > s.startMs)
    .sort((a, b) => a.startMs - b.startMs)
  const out: Span[] = []
  for (const s of cut) {
    const last = out[out.length - 1]
    if (last && s.startMs <= last.endMs) last.endMs = Math.max(last.endMs, s.endMs)
    else out.push({ ...s })
  }
  return out
}

export function spanAt(spans: readonly Span[], ms: number): Span | null {
  return spans.find((s) => s.startMs <= ms && ms < s.endMs) ?? null
}

/** Recorded time in total. */
export function recordedMs(spans: readonly Span[]): number {
  return spans.reduce((sum, s) => sum + (s.endMs - s.startMs), 0)
}

/** `ms` if it is recorded, else the start of the next recording, else null. */
export function nextRecorded(spans: readonly Span[], ms: number): number | null {
  if (spanAt(spans, ms)) return ms
  return spans.find((s) => s.startMs > ms)?.startMs ?? null
}

/** The last `tailMs` of the last recording that ends at or before `ms`, or null. */
function previousTail(spans: readonly Span[], ms: number, tailMs: number): number | null {
  const prev = [...spans].reverse().find((s) => s.endMs <= ms)
  return prev ? Math.max(prev.startMs, prev.endMs - tailMs) : null
}

/**
 * The time to play for a chosen time (a tap on the scrubber): itself if recorded; in a gap the
 * next recording ('next') or the end of the previous one ('previous'), falling back to the other
 * side; null when there is no recording at all.
 */
export function snapToRecording(
  spans: readonly Span[],
  ms: number,
  prefer: 'next' | 'previous' = 'next',
  tailMs = STEP_MS,
): number | null {
  if (spanAt(spans, ms)) return ms
  const next = spans.find((s) => s.startMs > ms)?.startMs ?? null
  const prev = previousTail(spans, ms, tailMs)
  return prefer === 'next' ? (next ?? prev) : (prev ?? next)
}

/**
 * Where ±`deltaMs` from `currentMs` goes. Forward: that time if recorded, else the next
 * recording, else null (nothing newer). Backward: that time if recorded, else the last `|delta|`
 * of the previous recording, else the first recording if it is still earlier, else null.
 */
export function stepTarget(spans: readonly Span[], currentMs: number, deltaMs: number): number | null {
  const target = currentMs + deltaMs
  if (deltaMs >= 0) return nextRecorded(spans, target)
  if (spanAt(spans, target)) return target
  const prev = previousTail(spans, target, -deltaMs)
  if (prev !== null) return prev
  const first = spans[0]
  return first && first.startMs < currentMs ? first.startMs : null
}

/**
 * Where playback of a day starts: today, 5 minutes before the end of the latest recording (what
 * just happened); an earlier day, its first recording. Null without recordings.
 */
export function defaultTime(spans: readonly Span[], today: boolean, leadMs = 5 * MINUTE_MS): number | null {
  const first = spans[0]
  const last = spans[spans.length - 1]
  if (!first || !last) return null
  return today ? Math.max(last.startMs, last.endMs - leadMs) : first.startMs
}

// ---------------------------------------------------------------------------------------------
// Windows

/** Start of the local clock hour containing `ms`. */
export function hourStart(ms: number): number {
  const d = new Date(ms)
  d.setMinutes(0, 0, 0)
  return d.getTime()
}

/**
 * The window to load for a recorded time `ms`: the recorded part of the local clock hour around
 * it (well under `MAX_WINDOW_MS`). Its end is where the recording was known to end, never a time
 * still being recorded, so the MP4 does not change under the player between its byte-range
 * requests. Null when `ms` is not recorded.
 */
export function playbackWindow(spans: readonly Span[], ms: number): PlaybackWindow | null {
  if (!spanAt(spans, ms)) return null
  const from = hourStart(ms)
  const pieces = clipSpans(spans, from, from + WINDOW_BLOCK_MS)
  const first = pieces[0]
  const last = pieces[pieces.length - 1]
  if (!first || !last) return null
  return { startMs: first.startMs, endMs: last.endMs, pieces, durationMs: recordedMs(pieces) }
}

/** Whether `ms` is recorded inside the window (so choosing it only seeks). */
export function windowContains(w: PlaybackWindow, ms: number): boolean {
  return spanAt(w.pieces, ms) !== null
}

/** Wall-clock time of a media position (ms into the MP4). Past the end it runs on from the last piece. */
export function mediaToWall(w: PlaybackWindow, mediaMs: number): number {
  let left = Math.max(0, mediaMs)
  for (const p of w.pieces) {
    const len = p.endMs - p.startMs
    if (left < len) return p.startMs + left
    left -= len
  }
  const last = w.pieces[w.pieces.length - 1]
  return (last?.endMs ?? w.endMs) + left
}

/** Media position (ms into the MP4) of a wall-clock time; in a gap, the start of the next piece. */
export function wallToMedia(w: PlaybackWindow, wallMs: number): number {
  let acc = 0
  for (const p of w.pieces) {
    if (wallMs < p.startMs) return acc
    if (wallMs < p.endMs) return acc + (wallMs - p.startMs)
    acc += p.endMs - p.startMs
  }
  return acc
}

/** Same-origin URL of the window's MP4 (the session cookie authenticates a plain <video src>). */
export function recordingUrl(cameraId: string, w: Pick<PlaybackWindow, 'startMs' | 'endMs'>, purpose: string): string {
  const query = new URLSearchParams({
    start: new Date(w.startMs).toISOString(),
    end: new Date(w.endMs).toISOString(),
    purpose,
  })
  return `/api/v1/cameras/${encodeURIComponent(cameraId)}/recording.mp4?${query.toString()}`
}

/** The timeline query of a day (RFC 3339, UTC). */
export function timelineQuery(day: Day): { start: string; end: string } {
  return { start: new Date(day.startMs).toISOString(), end: new Date(day.endMs).toISOString() }
}

// ---------------------------------------------------------------------------------------------
// Scrubber geometry

/** Fraction 0…1 of the day at `ms` (clamped). */
export function timeToFraction(day: Day, ms: number): number {
  const len = day.endMs - day.startMs
  if (len <= 0) return 0
  return Math.min(1, Math.max(0, (ms - day.startMs) / len))
}

/** x in pixels on a scrubber `width` px wide. */
export function timeToX(day: Day, ms: number, width: number): number {
  return timeToFraction(day, ms) * width
}

/** The time under x (clamped to the day; the very end is the last millisecond of the day). */
export function xToTime(day: Day, x: number, width: number): number {
  if (width <= 0) return day.startMs
  const f = Math.min(1, Math.max(0, x / width))
  return Math.min(day.endMs - 1, Math.round(day.startMs + f * (day.endMs - day.startMs)))
}

/** Left and width of a span on the scrubber, in percent of the day (for inline styles). */
export function spanStyle(day: Day, s: Span): { left: string; width: string } {
  const a = timeToFraction(day, s.startMs)
  const b = timeToFraction(day, s.endMs)
  const pct = (f: number) => `${(f * 100).toFixed(3)}%`
  return { left: pct(a), width: pct(b - a) }
}

// ---------------------------------------------------------------------------------------------
// Formatting (local time)

const two = (n: number) => String(n).padStart(2, '0')

/** HH:mm:ss */
export function formatClock(ms: number): string {
  const d = new Date(ms)
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
}

/** YYYY-MM-DD */
export function formatDay(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`
}
