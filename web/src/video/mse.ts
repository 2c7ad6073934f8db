// Pure pieces of the live player (MSE over WebSocket), kept apart from the DOM so they can be
// unit-tested: the server's init message, codec support, the append queue and the latency policy.

/** The text message that precedes each init segment. */
export interface InitMessage {
  type: 'init'
  codec: string
  width?: number
  height?: number
}

export function parseInitMessage(text: string): InitMessage | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const v = value as Record<string, unknown>
  if (v.type !== 'init' || typeof v.codec !== 'string' || v.codec === '') return null
  return {
    type: 'init',
    codec: v.codec,
    ...(typeof v.width === 'number' ? { width: v.width } : {}),
    ...(typeof v.height === 'number' ? { height: v.height } : {}),
  }
}

export function mimeFor(codec: string): string {
  return `video/mp4; codecs="${codec}"`
}

export type CodecSupport = 'ok' | 'hevc' | 'unsupported'

/** Whether an RFC 6381 codec string is H.265 (hvc1/hev1). */
export function isHevc(codec: string): boolean {
  return /^(hvc1|hev1)\b/i.test(codec)
}

/** 'hevc' when an H.265 stream cannot be played (the UI suggests the sub stream). */
export function codecSupport(codec: string, isTypeSupported: (mime: string) => boolean): CodecSupport {
  if (isTypeSupported(mimeFor(codec))) return 'ok'
  return isHevc(codec) ? 'hevc' : 'unsupported'
}

/** The part of a SourceBuffer the queue uses. */
export interface BufferLike {
  readonly updating: boolean
  appendBuffer(data: BufferSource): void
  remove(start: number, end: number): void
  addEventListener(type: 'updateend', listener: () => void): void
  removeEventListener(type: 'updateend', listener: () => void): void
}

export type BufferOp = { kind: 'append'; data: BufferSource } | { kind: 'remove'; start: number; end: number }

/**
 * Serialises appends and removes on a SourceBuffer: a SourceBuffer accepts one operation at a
 * time (`updating`), fragments must go in order, and a remove must not overtake them.
 */
export class AppendQueue {
  readonly #buffer: BufferLike
  readonly #onError: (error: unknown) => void
  readonly #maxPending: number
  #ops: BufferOp[] = []
  #closed = false
  readonly #next = () => this.pump()

  /**
   * @param maxPending more queued operations than this means the buffer cannot keep up
   *   (e.g. a hidden tab): onError is called with 'overflow' and the queue stops.
   */
  constructor(buffer: BufferLike, onError: (error: unknown) => void, maxPending = 300) {
    this.#buffer = buffer
    this.#onError = onError
    this.#maxPending = maxPending
    buffer.addEventListener('updateend', this.#next)
  }

  get pending(): number {
    return this.#ops.length
  }

  append(data: BufferSource): void {
    this.#push({ kind: 'append', data })
  }

  remove(start: number, end: number): void {
    if (end > start) this.#push({ kind: 'remove', start, end })
  }

  /** True when a remove is waiting (so the owner does not queue another one every frame). */
  get removing(): boolean {
    return this.#ops.some((op) => op.kind === 'remove')
  }

  #push(op: BufferOp): void {
    if (this.#closed) return
    this.#ops.push(op)
    if (this.#ops.length > this.#maxPending) {
      this.close()
      this.#onError('overflow')
      return
    }
    this.pump()
  }

  /** Starts the next operation if the buffer is idle. Called on updateend. */
  pump(): void {
    if (this.#closed || this.#buffer.updating) return
    const op = this.#ops.shift()
    if (!op) return
    try {
      if (op.kind === 'append') this.#buffer.appendBuffer(op.data)
      else this.#buffer.remove(op.start, op.end)
    } catch (e) {
      this.close()
      this.#onError(e)
    }
  }

  close(): void {
    this.#closed = true
    this.#ops = []
    this.#buffer.removeEventListener('updateend', this.#next)
  }
}

export const LIVE_MAX_LATENCY = 1.5
export const LIVE_TARGET_LATENCY = 0.3
export const KEEP_SECONDS = 30
/** Trim only once this much more than KEEP_SECONDS has piled up, not on every frame. */
export const TRIM_SLACK = 5

/**
 * Where to jump to stay live, or null to keep playing. The last buffered range is the live
 * edge; playback outside it (start-up, or new timestamps after a re-init) or more than
 * `maxLatency` behind its end jumps to just before the end.
 */
export function liveSeekTarget(
  ranges: readonly (readonly [number, number])[],
  currentTime: number,
  maxLatency = LIVE_MAX_LATENCY,
  target = LIVE_TARGET_LATENCY,
): number | null {
  const last = ranges[ranges.length - 1]
  if (!last) return null
  const [start, end] = last
  const outside = currentTime < start || currentTime > end + 0.5
  if (!outside && end - currentTime <= maxLatency) return null
  return Math.max(start, end - target)
}

/** The [start, end) to remove so that at most `keep` seconds stay behind the playhead, or null. */
export function trimRange(
  ranges: readonly (readonly [number, number])[],
  currentTime: number,
  keep = KEEP_SECONDS,
  slack = TRIM_SLACK,
): [number, number] | null {
  const first = ranges[0]
  if (!first) return null
  const start = first[0]
  if (currentTime - start <= keep + slack) return null
  return [start, currentTime - keep]
}

/** A TimeRanges as plain pairs. */
export function rangesOf(ranges: TimeRanges): [number, number][] {
  const out: [number, number][] = []
  for (let i = 0; i < ranges.length; i++) out.push([ranges.start(i), ranges.end(i)])
  return out
}
