// RFC 6238 TOTP (RFC 4226 HOTP underneath), to play the authenticator app in tests.
import { createHmac } from 'node:crypto'

export function base32Decode(input) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const clean = input.toUpperCase().replace(/[\s=-]/g, '')
  let bits = 0
  let value = 0
  const out = []
  for (const ch of clean) {
    const idx = alphabet.indexOf(ch)
    if (idx < 0) throw new Error(`invalid base32 character ${ch}`)
    value = (value << 5) | idx
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

/** Parameters from an otpauth:// URI (defaults: SHA1, 6 digits, 30 s). */
export function totpParams(otpauthUri, secretBase32) {
  const p = { secret: secretBase32, algorithm: 'sha1', digits: 6, period: 30 }
  try {
    const u = new URL(otpauthUri)
    p.secret = u.searchParams.get('secret') || p.secret
    p.algorithm = (u.searchParams.get('algorithm') || 'SHA1').toLowerCase()
    p.digits = Number(u.searchParams.get('digits') || 6)
    p.period = Number(u.searchParams.get('period') || 30)
  } catch {
    // Not a URI: keep the defaults.
  }
  return p
}

export function totp({ secret, algorithm = 'sha1', digits = 6, period = 30 }, timeMs = Date.now()) {
  const counter = Math.floor(timeMs / 1000 / period)
  const msg = Buffer.alloc(8)
  msg.writeBigUInt64BE(BigInt(counter))
  const mac = createHmac(algorithm, base32Decode(secret)).update(msg).digest()
  const offset = mac[mac.length - 1] & 0x0f
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits
  return String(bin).padStart(digits, '0')
}

/** Milliseconds until the next period starts. */
export function msToNextPeriod(period = 30, timeMs = Date.now()) {
  return period * 1000 - (timeMs % (period * 1000))
}
