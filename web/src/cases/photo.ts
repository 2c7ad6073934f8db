// Photos for a case: the server takes JPEG only, at most 8 MiB. Whatever the phone gives
// (JPEG, PNG, WebP, a 12-megapixel shot) is drawn on a canvas and encoded as JPEG, smaller and
// at lower quality until it fits. Drawing also applies the EXIF orientation, which the server
// strips with the rest of the metadata.

/** The server's limit (palmgrid_app::cases::MAX_PHOTO_BYTES). */
export const MAX_PHOTO_BYTES = 8 * 1024 * 1024

/** At most this many photos per report. */
export const MAX_REPORT_PHOTOS = 6

/** Encoding attempts in order: longest edge in pixels and JPEG quality. */
export const JPEG_ATTEMPTS: readonly { maxEdge: number; quality: number }[] = [
  { maxEdge: 2560, quality: 0.85 },
  { maxEdge: 2560, quality: 0.7 },
  { maxEdge: 1920, quality: 0.7 },
  { maxEdge: 1600, quality: 0.6 },
  { maxEdge: 1280, quality: 0.6 },
  { maxEdge: 1024, quality: 0.5 },
]

/** The size to draw a `width`×`height` image at so its longest edge is at most `maxEdge` (never enlarged). */
export function fitWithin(width: number, height: number, maxEdge: number): { width: number; height: number } {
  if (!(width > 0) || !(height > 0)) return { width: 0, height: 0 }
  const scale = Math.min(1, maxEdge / Math.max(width, height))
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

export class PhotoError extends Error {
  /** `unreadable`: the browser cannot decode it; `too_large`: no attempt fits the limit. */
  readonly code: 'unreadable' | 'too_large'
  constructor(code: 'unreadable' | 'too_large') {
    super(code)
    this.name = 'PhotoError'
    this.code = code
  }
}

/** Encodes the picture at a longest edge and quality (the canvas part; injected for tests). */
export type JpegEncoder = (maxEdge: number, quality: number) => Promise<Blob>

/** The first attempt whose JPEG fits `limit` bytes; PhotoError('too_large') when none does. */
export async function encodeWithin(encode: JpegEncoder, limit: number = MAX_PHOTO_BYTES): Promise<Blob> {
  for (const { maxEdge, quality } of JPEG_ATTEMPTS) {
    const blob = await encode(maxEdge, quality)
    if (blob.size > 0 && blob.size <= limit) return blob
  }
  throw new PhotoError('too_large')
}

/** Whether a file is one the server would take as it is (a JPEG within the limit). */
export function isUploadableJpeg(file: { type: string; size: number }): boolean {
  return file.type === 'image/jpeg' && file.size > 0 && file.size <= MAX_PHOTO_BYTES
}

interface Drawable {
  width: number
  height: number
  source: CanvasImageSource
  close(): void
}

async function decode(file: Blob): Promise<Drawable> {
  if (typeof createImageBitmap === 'function') {
    try {
      const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' })
      return { width: bitmap.width, height: bitmap.height, source: bitmap, close: () => bitmap.close() }
    } catch {
      // Fall through to <img>, which some browsers decode more formats with.
    }
  }
  const url = URL.createObjectURL(file)
  try {
    const img = new Image()
    img.decoding = 'async'
    img.src = url
    await img.decode()
    return { width: img.naturalWidth, height: img.naturalHeight, source: img, close: () => URL.revokeObjectURL(url) }
  } catch {
    URL.revokeObjectURL(url)
    throw new PhotoError('unreadable')
  }
}

/** Any image the browser can decode → a JPEG of at most 8 MiB (browser only). */
export async function toJpeg(file: Blob): Promise<Blob> {
  let picture: Drawable
  try {
    picture = await decode(file)
  } catch (e) {
    // Undecodable here, but already what the server takes (e.g. a JPEG variant): send it as is.
    if (isUploadableJpeg(file)) return file
    throw e instanceof PhotoError ? e : new PhotoError('unreadable')
  }
  try {
    if (!(picture.width > 0 && picture.height > 0)) throw new PhotoError('unreadable')
    const canvas = document.createElement('canvas')
    return await encodeWithin(async (maxEdge, quality) => {
      const size = fitWithin(picture.width, picture.height, maxEdge)
      canvas.width = size.width
      canvas.height = size.height
      const ctx = canvas.getContext('2d')
      if (!ctx) throw new PhotoError('unreadable')
      // JPEG has no transparency: a white background instead of black for PNGs with alpha.
      ctx.fillStyle = '#fff'
      ctx.fillRect(0, 0, size.width, size.height)
      ctx.drawImage(picture.source, 0, 0, size.width, size.height)
      return new Promise<Blob>((resolve, reject) =>
        canvas.toBlob((b) => (b ? resolve(b) : reject(new PhotoError('unreadable'))), 'image/jpeg', quality),
      )
    })
  } finally {
    picture.close()
  }
}
