// Generates the app icons in public/ (SVG, PNGs, ICO) with no dependencies:
// a blue tile with a white 3×3 grid (网格) and an orange marker in one cell.
// Run: npm run gen:icons (the outputs are committed; run again only to change the design).
import { deflateSync } from 'node:zlib'
import { writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public')
mkdirSync(out, { recursive: true })

const BG = [0x19, 0x89, 0xfa]
const FG = [0xff, 0xff, 0xff]
const MARK = [0xff, 0x97, 0x6a]

// Design in unit coordinates; `s` scales the drawing about the centre (maskable icons keep
// their content inside the 80% safe zone).
function design(rounded, s) {
  const g0 = 0.5 - 0.26 * s
  const g1 = 0.5 + 0.26 * s
  const w = 0.045 * s
  const cell = (g1 - g0) / 3
  const mx = g0 + cell * 2.5
  const my = g0 + cell * 0.5
  const mr = 0.085 * s
  return { rounded, g0, g1, w, cell, mx, my, mr }
}

function colourAt(d, x, y) {
  // Background (rounded tile, or full bleed).
  if (d.rounded) {
    const r = 0.2
    const cx = Math.min(Math.max(x, r), 1 - r)
    const cy = Math.min(Math.max(y, r), 1 - r)
    if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) return null
  }
  // Marker: orange disc with a white ring, drawn over the grid.
  const dm = Math.hypot(x - d.mx, y - d.my)
  if (dm <= d.mr) return MARK
  if (dm <= d.mr + d.w * 0.9) return FG
  // Grid lines.
  const h = d.w / 2
  const inX = x >= d.g0 - h && x <= d.g1 + h
  const inY = y >= d.g0 - h && y <= d.g1 + h
  if (inX && inY) {
    for (let i = 0; i <= 3; i++) {
      const p = d.g0 + d.cell * i
      if (Math.abs(x - p) <= h || Math.abs(y - p) <= h) return FG
    }
  }
  return BG
}

function render(size, rounded, scale) {
  const d = design(rounded, scale)
  const ss = 4
  const px = Buffer.alloc(size * size * 4)
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let r = 0, g = 0, b = 0, a = 0
      for (let sj = 0; sj < ss; sj++) {
        for (let si = 0; si < ss; si++) {
          const c = colourAt(d, (i + (si + 0.5) / ss) / size, (j + (sj + 0.5) / ss) / size)
          if (c) { r += c[0]; g += c[1]; b += c[2]; a += 1 }
        }
      }
      const o = (j * size + i) * 4
      if (a > 0) { px[o] = Math.round(r / a); px[o + 1] = Math.round(g / a); px[o + 2] = Math.round(b / a) }
      px[o + 3] = Math.round((a / (ss * ss)) * 255)
    }
  }
  return png(size, size, px)
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}
function png(w, h, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0
  const raw = Buffer.alloc((w * 4 + 1) * h)
  for (let y = 0; y < h; y++) {
    raw[y * (w * 4 + 1)] = 0
    rgba.copy(raw, y * (w * 4 + 1) + 1, y * w * 4, (y + 1) * w * 4)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
function ico(pngBuf, size) {
  const header = Buffer.from([0, 0, 1, 0, 1, 0])
  const entry = Buffer.alloc(16)
  entry[0] = size; entry[1] = size; entry[2] = 0; entry[3] = 0
  entry.writeUInt16LE(1, 4); entry.writeUInt16LE(32, 6)
  entry.writeUInt32LE(pngBuf.length, 8); entry.writeUInt32LE(22, 12)
  return Buffer.concat([header, entry, pngBuf])
}
function svg() {
  const d = design(true, 1)
  const f = (v) => +(v * 512).toFixed(2)
  const lines = []
  for (let i = 0; i <= 3; i++) {
    const p = f(d.g0 + d.cell * i)
    lines.push(`<line x1="${p}" y1="${f(d.g0 - d.w / 2)}" x2="${p}" y2="${f(d.g1 + d.w / 2)}"/>`)
    lines.push(`<line x1="${f(d.g0 - d.w / 2)}" y1="${p}" x2="${f(d.g1 + d.w / 2)}" y2="${p}"/>`)
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" role="img" aria-label="掌上网格 palmgrid">
<rect width="512" height="512" rx="${f(0.2)}" fill="#1989fa"/>
<g stroke="#fff" stroke-width="${f(d.w)}">${lines.join('')}</g>
<circle cx="${f(d.mx)}" cy="${f(d.my)}" r="${f(d.mr + d.w * 0.45)}" fill="#ff976a" stroke="#fff" stroke-width="${f(d.w * 0.9)}"/>
</svg>
`
}

const files = {
  'favicon.svg': svg(),
  'pwa-64x64.png': render(64, true, 1),
  'pwa-192x192.png': render(192, true, 1),
  'pwa-512x512.png': render(512, true, 1),
  'maskable-icon-512x512.png': render(512, false, 0.75),
  'apple-touch-icon-180x180.png': render(180, false, 0.85),
  'favicon.ico': ico(render(48, true, 1), 48),
}
for (const [name, data] of Object.entries(files)) {
  writeFileSync(join(out, name), data)
  console.log(`public/${name} ${data.length} bytes`)
}
