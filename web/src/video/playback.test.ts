import { describe, expect, it } from 'vitest'
import {
  HOUR_MS,
  MAX_WINDOW_MS,
  MINUTE_MS,
  STEP_MS,
  type PlaybackWindow,
  type Span,
  clipSpans,
  dayOf,
  defaultTime,
  formatClock,
  formatDay,
  hourTicks,
  mediaToWall,
  nextRecorded,
  playbackWindow,
  recordingUrl,
  selectableDays,
  snapToRecording,
  spanStyle,
  spansFromApi,
  stepTarget,
  timeToX,
  timelineQuery,
  wallToMedia,
  windowContains,
  xToTime,
} from './playback'

// Local time is what the user sees: the tests run in China Standard Time (UTC+8, no DST),
// like the e2e browser, so the expected clock strings are fixed.
process.env.TZ = 'Asia/Shanghai'

/** Milliseconds of a local (UTC+8) time on 2026-12-04. */
const at = (h: number, m = 0, s = 0, ms = 0) => Date.UTC(2026, 11, 4, h - 8, m, s, ms)
const span = (a: number, b: number): Span => ({ startMs: a, endMs: b })
const DAY = dayOf(at(12))

describe('the day', () => {
  it('runs from local midnight to the next (not UTC)', () => {
    expect(new Date(at(0)).getTimezoneOffset()).toBe(-480)
    expect(DAY).toEqual({ startMs: at(0), endMs: at(0) + 24 * HOUR_MS })
    expect(new Date(DAY.startMs).toISOString()).toBe('2026-12-03T16:00:00.000Z')
    expect(dayOf(at(23, 59, 59, 999))).toEqual(DAY)
    expect(dayOf(at(0) - 1).endMs).toBe(DAY.startMs)
    expect(timelineQuery(DAY)).toEqual({ start: '2026-12-03T16:00:00.000Z', end: '2026-12-04T16:00:00.000Z' })
  })

  it('offers the last 30 days, today included', () => {
    const { min, max } = selectableDays(at(9, 30))
    expect(formatDay(max.getTime())).toBe('2026-12-04')
    expect(formatDay(min.getTime())).toBe('2026-11-05')
    expect(min.getHours() + max.getHours() + max.getMinutes()).toBe(0)
    expect(Math.round((max.getTime() - min.getTime()) / (24 * HOUR_MS))).toBe(29)
  })

  it('labels the scrubber every 6 hours at local hours, 24:00 being the day end', () => {
    expect(hourTicks(DAY).map((t) => [t.hour, t.ms])).toEqual([
      [0, at(0)],
      [6, at(6)],
      [12, at(12)],
      [18, at(18)],
      [24, DAY.endMs],
    ])
    expect(hourTicks(DAY, 1)).toHaveLength(25)
  })
})

describe('spans', () => {
  it('come from the API in milliseconds', () => {
    expect(spansFromApi([{ start: 'x', end: 'y', start_ms: 5, end_ms: 9 }])).toEqual([span(5, 9)])
  })

  it('are clipped to the day, sorted, joined where they overlap or touch, empty ones dropped', () => {
    const spans = [
      span(at(23), at(23, 50)),
      span(at(0) - HOUR_MS, at(0) + 10 * MINUTE_MS), // started yesterday
      span(at(8), at(9)),
      span(at(8, 30), at(10)), // overlaps
      span(at(10), at(10, 5)), // touches
      span(DAY.endMs - MINUTE_MS, DAY.endMs + HOUR_MS), // runs into tomorrow
      span(at(12), at(12)), // empty
      span(DAY.endMs + HOUR_MS, DAY.endMs + 2 * HOUR_MS), // tomorrow
    ]
    expect(clipSpans(spans, DAY.startMs, DAY.endMs)).toEqual([
      span(at(0), at(0, 10)),
      span(at(8), at(10, 5)),
      span(at(23), at(23, 50)),
      span(DAY.endMs - MINUTE_MS, DAY.endMs),
    ])
    expect(clipSpans([], DAY.startMs, DAY.endMs)).toEqual([])
  })
})

const SPANS = [span(at(8), at(9, 30)), span(at(10), at(10, 20)), span(at(10, 40), at(11))]

describe('choosing a time', () => {
  it('plays a recorded time as it is, and snaps a gap to the next recording', () => {
    expect(snapToRecording(SPANS, at(8, 15))).toBe(at(8, 15))
    expect(snapToRecording(SPANS, at(9, 45))).toBe(at(10))
    expect(snapToRecording(SPANS, at(3))).toBe(at(8))
    // Spans are half-open: the end itself is not recorded.
    expect(snapToRecording(SPANS, at(9, 30))).toBe(at(10))
  })

  it('after the last recording (the future of today) shows its last 30 s; nothing without recordings', () => {
    expect(snapToRecording(SPANS, at(15))).toBe(at(11) - STEP_MS)
    expect(snapToRecording([span(at(8), at(8, 0, 10))], at(9))).toBe(at(8)) // shorter than 30 s
    expect(snapToRecording([], at(9))).toBeNull()
  })

  it("prefers the end of the previous recording when asked ('previous'), else the next", () => {
    expect(snapToRecording(SPANS, at(9, 45), 'previous')).toBe(at(9, 30) - STEP_MS)
    expect(snapToRecording(SPANS, at(7), 'previous')).toBe(at(8))
  })

  it('finds the next recorded time for continuing after a window', () => {
    expect(nextRecorded(SPANS, at(9))).toBe(at(9))
    expect(nextRecorded(SPANS, at(9, 30))).toBe(at(10))
    expect(nextRecorded(SPANS, at(11))).toBeNull()
  })

  it('starts today 5 minutes before the latest recording ends, an earlier day at its first recording', () => {
    expect(defaultTime(SPANS, true)).toBe(at(10, 55))
    expect(defaultTime([span(at(8), at(8, 2))], true)).toBe(at(8))
    expect(defaultTime(SPANS, false)).toBe(at(8))
    expect(defaultTime([], true)).toBeNull()
  })
})

describe('±30 s', () => {
  it('moves inside a recording', () => {
    expect(stepTarget(SPANS, at(8, 10), STEP_MS)).toBe(at(8, 10, 30))
    expect(stepTarget(SPANS, at(8, 10), -STEP_MS)).toBe(at(8, 9, 30))
  })

  it('forward over a gap goes to the next recording; past the last there is nothing newer', () => {
    expect(stepTarget(SPANS, at(9, 29, 50), STEP_MS)).toBe(at(10))
    expect(stepTarget(SPANS, at(10, 59, 40), STEP_MS)).toBeNull()
  })

  it('backward over a gap goes to the last 30 s of the previous recording, and stops at the first', () => {
    expect(stepTarget(SPANS, at(10, 0, 10), -STEP_MS)).toBe(at(9, 29, 30))
    expect(stepTarget(SPANS, at(8, 0, 10), -STEP_MS)).toBe(at(8))
    expect(stepTarget(SPANS, at(8), -STEP_MS)).toBeNull()
    expect(stepTarget([], at(8), -STEP_MS)).toBeNull()
  })
})

describe('playback windows', () => {
  it('cover the recorded part of the clock hour around the time', () => {
    const w = playbackWindow(SPANS, at(8, 42, 7))
    expect(w).toEqual({ startMs: at(8), endMs: at(9), pieces: [span(at(8), at(9))], durationMs: HOUR_MS })
    // Nothing recorded at 10:30: no window (choose with snapToRecording first).
    expect(playbackWindow(SPANS, at(10, 30))).toBeNull()
    expect(playbackWindow([], at(10, 30))).toBeNull()
  })

  it('leave gaps out: pieces back to back, from the first recording of the hour to the last', () => {
    const w = playbackWindow(SPANS, at(10, 50)) as PlaybackWindow
    expect(w.startMs).toBe(at(10))
    expect(w.endMs).toBe(at(11))
    expect(w.pieces).toEqual([span(at(10), at(10, 20)), span(at(10, 40), at(11))])
    expect(w.durationMs).toBe(40 * MINUTE_MS)
    expect(windowContains(w, at(10, 10))).toBe(true)
    expect(windowContains(w, at(10, 30))).toBe(false) // the gap
    expect(windowContains(w, at(9, 59))).toBe(false)
  })

  it('end where the recording was known to end (an ongoing recording is not asked for beyond it)', () => {
    const w = playbackWindow([span(at(14, 5), at(14, 37, 12, 345))], at(14, 30)) as PlaybackWindow
    expect([w.startMs, w.endMs]).toEqual([at(14, 5), at(14, 37, 12, 345)])
  })

  it('never exceed the server limit of 6 hours', () => {
    const allDay = [span(DAY.startMs, DAY.endMs)]
    for (let h = 0; h < 24; h++) {
      const w = playbackWindow(allDay, at(h, 59, 59)) as PlaybackWindow
      expect(w.endMs - w.startMs).toBeLessThanOrEqual(MAX_WINDOW_MS)
      expect(w.startMs).toBe(at(h))
    }
  })

  it('map media time to the wall clock and back, across gaps', () => {
    const w = playbackWindow(SPANS, at(10, 50)) as PlaybackWindow
    expect(mediaToWall(w, 0)).toBe(at(10))
    expect(mediaToWall(w, 5 * MINUTE_MS)).toBe(at(10, 5))
    expect(mediaToWall(w, 20 * MINUTE_MS)).toBe(at(10, 40)) // the gap is skipped
    expect(mediaToWall(w, 25 * MINUTE_MS + 1500)).toBe(at(10, 45, 1, 500))
    expect(mediaToWall(w, 41 * MINUTE_MS)).toBe(at(11, 1)) // past the end: runs on
    expect(mediaToWall(w, -5)).toBe(at(10))

    expect(wallToMedia(w, at(10, 5))).toBe(5 * MINUTE_MS)
    expect(wallToMedia(w, at(10, 45, 1, 500))).toBe(25 * MINUTE_MS + 1500)
    expect(wallToMedia(w, at(10, 30))).toBe(20 * MINUTE_MS) // in the gap: the next piece
    expect(wallToMedia(w, at(9))).toBe(0)
    expect(wallToMedia(w, at(12))).toBe(40 * MINUTE_MS)
    for (const t of [at(10), at(10, 19, 59), at(10, 40), at(10, 59, 59, 999)]) expect(mediaToWall(w, wallToMedia(w, t))).toBe(t)
  })

  it('are fetched from a same-origin URL with the range in RFC 3339 and the purpose', () => {
    const url = recordingUrl('a/b', { startMs: at(10), endMs: at(10, 20, 0, 250) }, '日常巡查')
    const u = new URL(url, 'http://palmgrid.test')
    expect(u.pathname).toBe('/api/v1/cameras/a%2Fb/recording.mp4')
    expect(u.searchParams.get('start')).toBe('2026-12-04T02:00:00.000Z')
    expect(u.searchParams.get('end')).toBe('2026-12-04T02:20:00.250Z')
    expect(u.searchParams.get('purpose')).toBe('日常巡查')
    expect(url.startsWith('/api/')).toBe(true)
  })
})

describe('the scrubber', () => {
  const width = 360

  it('maps time to x and back over the whole day', () => {
    expect(timeToX(DAY, at(0), width)).toBe(0)
    expect(timeToX(DAY, at(12), width)).toBe(180)
    expect(timeToX(DAY, at(6), width)).toBe(90)
    expect(xToTime(DAY, 90, width)).toBe(at(6))
    expect(xToTime(DAY, 270, width)).toBe(at(18))
    for (const x of [0, 1, 45.5, 200, 359]) expect(timeToX(DAY, xToTime(DAY, x, width), width)).toBeCloseTo(x, 6)
  })

  it('clamps outside the track and keeps the end inside the day', () => {
    expect(timeToX(DAY, at(0) - HOUR_MS, width)).toBe(0)
    expect(timeToX(DAY, DAY.endMs + HOUR_MS, width)).toBe(width)
    expect(xToTime(DAY, -20, width)).toBe(DAY.startMs)
    expect(xToTime(DAY, width + 20, width)).toBe(DAY.endMs - 1)
    expect(dayOf(xToTime(DAY, width, width))).toEqual(DAY)
    expect(xToTime(DAY, 10, 0)).toBe(DAY.startMs)
  })

  it('draws a span at its place and length in percent', () => {
    expect(spanStyle(DAY, span(at(6), at(12)))).toEqual({ left: '25.000%', width: '25.000%' })
    expect(spanStyle(DAY, span(at(23, 30), DAY.endMs + HOUR_MS))).toEqual({ left: '97.917%', width: '2.083%' })
  })
})

describe('formatting', () => {
  it('shows local wall-clock time as HH:mm:ss and days as YYYY-MM-DD', () => {
    expect(formatClock(at(0))).toBe('00:00:00')
    expect(formatClock(at(9, 5, 7, 999))).toBe('09:05:07')
    expect(formatClock(at(23, 59, 59))).toBe('23:59:59')
    expect(formatDay(at(0))).toBe('2026-12-04')
    expect(formatDay(at(0) - 1)).toBe('2026-12-03')
  })
})
