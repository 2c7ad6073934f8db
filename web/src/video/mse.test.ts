import { describe, expect, it, vi } from 'vitest'
import { AppendQueue, type BufferLike, codecSupport, isHevc, liveSeekTarget, mimeFor, parseInitMessage, trimRange } from './mse'

/** A SourceBuffer stand-in: each operation stays `updating` until finish() is called. */
class FakeBuffer implements BufferLike {
  updating = false
  log: string[] = []
  failNext = false
  #listeners = new Set<() => void>()
  appendBuffer(data: BufferSource): void {
    if (this.updating) throw new Error('InvalidStateError: updating')
    if (this.failNext) throw new Error('QuotaExceededError')
    this.updating = true
    this.log.push(`append ${(data as Uint8Array)[0]}`)
  }
  remove(start: number, end: number): void {
    if (this.updating) throw new Error('InvalidStateError: updating')
    this.updating = true
    this.log.push(`remove ${start}-${end}`)
  }
  addEventListener(_: 'updateend', l: () => void): void {
    this.#listeners.add(l)
  }
  removeEventListener(_: 'updateend', l: () => void): void {
    this.#listeners.delete(l)
  }
  get listeners(): number {
    return this.#listeners.size
  }
  finish(): void {
    this.updating = false
    for (const l of [...this.#listeners]) l()
  }
}

const bytes = (n: number) => new Uint8Array([n])

describe('parseInitMessage', () => {
  it('reads the init message', () => {
    expect(parseInitMessage('{"type":"init","codec":"avc1.42C01F","width":640,"height":360}')).toEqual({
      type: 'init',
      codec: 'avc1.42C01F',
      width: 640,
      height: 360,
    })
    expect(parseInitMessage('{"type":"init","codec":"hvc1.1.6.L93.B0"}')).toEqual({ type: 'init', codec: 'hvc1.1.6.L93.B0' })
  })

  it('ignores anything else', () => {
    for (const text of ['', 'nope', 'null', '[]', '{"type":"stats"}', '{"type":"init"}', '{"type":"init","codec":""}']) {
      expect(parseInitMessage(text), text).toBeNull()
    }
  })
})

describe('codecSupport', () => {
  it('asks the browser with the MP4 MIME type', () => {
    const seen: string[] = []
    expect(codecSupport('avc1.42C01F', (m) => (seen.push(m), true))).toBe('ok')
    expect(seen).toEqual(['video/mp4; codecs="avc1.42C01F"'])
    expect(mimeFor('avc1.64001F')).toBe('video/mp4; codecs="avc1.64001F"')
  })

  it('tells unplayable H.265 apart from other unsupported codecs', () => {
    expect(codecSupport('hvc1.1.6.L93.B0', () => false)).toBe('hevc')
    expect(codecSupport('hev1.1.6.L120.90', () => false)).toBe('hevc')
    expect(codecSupport('hvc1.1.6.L93.B0', () => true)).toBe('ok')
    expect(codecSupport('av01.0.04M.08', () => false)).toBe('unsupported')
    expect(codecSupport('avc1.640028', () => false)).toBe('unsupported')
  })

  it('recognises H.265 codec strings (also when decoding fails after a positive isTypeSupported)', () => {
    for (const c of ['hvc1.1.6.L93.B0', 'hev1.2.4.L120.B0', 'HVC1.1.6.L93.B0']) expect(isHevc(c), c).toBe(true)
    for (const c of ['avc1.42C01F', 'av01.0.04M.08', 'hvc', 'xhvc1.1', '']) expect(isHevc(c), c).toBe(false)
  })
})

describe('AppendQueue', () => {
  it('appends in order, one at a time, waiting for updateend', () => {
    const buf = new FakeBuffer()
    const q = new AppendQueue(buf, () => {})
    q.append(bytes(1))
    q.append(bytes(2))
    q.append(bytes(3))
    expect(buf.log).toEqual(['append 1'])
    expect(q.pending).toBe(2)
    buf.finish()
    expect(buf.log).toEqual(['append 1', 'append 2'])
    buf.finish()
    buf.finish()
    expect(buf.log).toEqual(['append 1', 'append 2', 'append 3'])
    expect(q.pending).toBe(0)
  })

  it('queues removes behind pending appends and reports them', () => {
    const buf = new FakeBuffer()
    const q = new AppendQueue(buf, () => {})
    q.append(bytes(1))
    q.remove(0, 10)
    q.remove(5, 5) // empty range: ignored
    expect(q.removing).toBe(true)
    q.append(bytes(2))
    buf.finish()
    buf.finish()
    expect(q.removing).toBe(false)
    buf.finish()
    expect(buf.log).toEqual(['append 1', 'remove 0-10', 'append 2'])
  })

  it('waits if the buffer is busy with something it did not start', () => {
    const buf = new FakeBuffer()
    buf.updating = true
    const q = new AppendQueue(buf, () => {})
    q.append(bytes(1))
    expect(buf.log).toEqual([])
    buf.finish()
    expect(buf.log).toEqual(['append 1'])
  })

  it('stops and reports when the buffer throws', () => {
    const buf = new FakeBuffer()
    const onError = vi.fn()
    const q = new AppendQueue(buf, onError)
    buf.failNext = true
    q.append(bytes(1))
    expect(onError).toHaveBeenCalledTimes(1)
    buf.failNext = false
    q.append(bytes(2))
    expect(buf.log).toEqual([])
    expect(buf.listeners).toBe(0)
  })

  it('reports overflow when the buffer cannot keep up', () => {
    const buf = new FakeBuffer()
    const onError = vi.fn()
    const q = new AppendQueue(buf, onError, 3)
    for (let i = 0; i < 5; i++) q.append(bytes(i))
    expect(onError).toHaveBeenCalledWith('overflow')
    expect(q.pending).toBe(0)
  })

  it('does nothing after close', () => {
    const buf = new FakeBuffer()
    const q = new AppendQueue(buf, () => {})
    q.append(bytes(1))
    q.append(bytes(2))
    q.close()
    buf.finish()
    expect(buf.log).toEqual(['append 1'])
    expect(buf.listeners).toBe(0)
  })
})

describe('liveSeekTarget', () => {
  it('keeps playing when close to the live edge', () => {
    expect(liveSeekTarget([[0, 10]], 9)).toBeNull()
    expect(liveSeekTarget([[0, 10]], 8.5)).toBeNull()
    expect(liveSeekTarget([], 3)).toBeNull()
  })

  it('jumps near the end when more than 1.5 s behind', () => {
    expect(liveSeekTarget([[0, 10]], 8.4)).toBeCloseTo(9.7)
    expect(liveSeekTarget([[0, 4], [6, 20]], 7)).toBeCloseTo(19.7)
  })

  it('jumps into the live range at start-up and after new timestamps', () => {
    expect(liveSeekTarget([[1000, 1000.04]], 0)).toBe(1000) // never before the start
    expect(liveSeekTarget([[0, 2]], 95)).toBeCloseTo(1.7)
  })
})

describe('trimRange', () => {
  it('keeps the last 30 s behind the playhead, trimming in batches', () => {
    expect(trimRange([[0, 30]], 29)).toBeNull()
    expect(trimRange([[0, 36]], 35)).toBeNull()
    expect(trimRange([[0, 40]], 39)).toEqual([0, 9])
    expect(trimRange([[12, 80]], 79.5)).toEqual([12, 49.5])
    expect(trimRange([], 100)).toBeNull()
  })
})
