import { describe, expect, it } from 'vitest'
import { JPEG_ATTEMPTS, MAX_PHOTO_BYTES, PhotoError, encodeWithin, fitWithin, isUploadableJpeg } from './photo'

describe('photo sizing', () => {
  it('is the server limit of 8 MiB', () => {
    expect(MAX_PHOTO_BYTES).toBe(8 * 1024 * 1024)
  })

  it('scales the longest edge down, keeping the aspect ratio, never up', () => {
    expect(fitWithin(4000, 3000, 2560)).toEqual({ width: 2560, height: 1920 })
    expect(fitWithin(3000, 4000, 2560)).toEqual({ width: 1920, height: 2560 })
    expect(fitWithin(800, 600, 2560)).toEqual({ width: 800, height: 600 })
    expect(fitWithin(10000, 10, 1000)).toEqual({ width: 1000, height: 1 })
    expect(fitWithin(0, 600, 2560)).toEqual({ width: 0, height: 0 })
  })

  it('tries ever smaller and lower-quality encodings', () => {
    for (let i = 1; i < JPEG_ATTEMPTS.length; i++) {
      const [a, b] = [JPEG_ATTEMPTS[i - 1]!, JPEG_ATTEMPTS[i]!]
      expect(b.maxEdge <= a.maxEdge && b.quality <= a.quality && (b.maxEdge < a.maxEdge || b.quality < a.quality)).toBe(true)
    }
  })
})

describe('encodeWithin', () => {
  /** A fake encoder whose output shrinks with edge² × quality; records what was asked. */
  function fakeEncoder(bytesPerPixelAtFullQuality: number) {
    const calls: [number, number][] = []
    const encode = async (maxEdge: number, quality: number) => {
      calls.push([maxEdge, quality])
      const size = Math.round(maxEdge * maxEdge * 0.75 * bytesPerPixelAtFullQuality * quality)
      return new Blob([new Uint8Array(size)], { type: 'image/jpeg' })
    }
    return { calls, encode }
  }

  it('keeps the first encoding that fits', async () => {
    const { calls, encode } = fakeEncoder(0.5)
    const blob = await encodeWithin(encode)
    expect(calls).toEqual([[2560, 0.85]])
    expect(blob.size).toBeLessThanOrEqual(MAX_PHOTO_BYTES)
  })

  it('goes smaller until it fits the limit', async () => {
    const { calls, encode } = fakeEncoder(4)
    const blob = await encodeWithin(encode)
    expect(calls.length).toBeGreaterThan(1)
    expect(blob.size).toBeLessThanOrEqual(MAX_PHOTO_BYTES)
    // Every attempt before the last was too big.
    for (const [edge, q] of calls.slice(0, -1)) expect(edge * edge * 0.75 * 4 * q).toBeGreaterThan(MAX_PHOTO_BYTES)
  })

  it('honours a smaller limit, and gives up with too_large', async () => {
    const { encode } = fakeEncoder(1)
    await expect(encodeWithin(encode, 100)).rejects.toSatisfy((e) => e instanceof PhotoError && e.code === 'too_large')
  })

  it('does not accept an empty encoding', async () => {
    await expect(encodeWithin(async () => new Blob([]))).rejects.toBeInstanceOf(PhotoError)
  })

  it('knows what the server takes as it is', () => {
    expect(isUploadableJpeg({ type: 'image/jpeg', size: 1000 })).toBe(true)
    expect(isUploadableJpeg({ type: 'image/jpeg', size: MAX_PHOTO_BYTES + 1 })).toBe(false)
    expect(isUploadableJpeg({ type: 'image/png', size: 1000 })).toBe(false)
    expect(isUploadableJpeg({ type: 'image/jpeg', size: 0 })).toBe(false)
  })
})
