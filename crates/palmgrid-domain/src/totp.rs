//! TOTP (RFC 6238, HMAC-SHA1, 6 digits, 30 s steps), the second factor for admin, police
//! and auditor accounts.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

/// HOTP value (RFC 4226) for a counter.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    bin % 10u32.pow(digits)
}

/// The time step of a Unix time in seconds.
pub fn step_of(unix_s: i64) -> u64 {
    (unix_s.max(0) / STEP_SECONDS) as u64
}

/// The 6-digit code for a Unix time, zero-padded.
pub fn code_at(secret: &[u8], unix_s: i64) -> String {
    format!("{:06}", hotp(secret, step_of(unix_s), DIGITS))
}

/// Verifies `code` against the current step and one step either side (clock drift of a
/// phone), refusing any step at or before `last_used_step` so a code cannot be replayed.
/// Returns the step that matched.
pub fn verify(secret: &[u8], code: &str, unix_s: i64, last_used_step: Option<u64>) -> Option<u64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = code.parse().ok()?;
    let now = step_of(unix_s);
    for step in [now.saturating_sub(1), now, now + 1] {
        if last_used_step.is_some_and(|used| step <= used) {
            continue;
        }
        if hotp(secret, step, DIGITS) == wanted {
            return Some(step);
        }
    }
    None
}

/// Base32 (RFC 4648, no padding), as authenticator apps expect.
pub fn secret_to_base32(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

/// The `otpauth://` URI an authenticator app scans.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    fn esc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        esc(issuer),
        esc(account),
        secret_to_base32(secret),
        esc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA1 column (8 digits).
        for (t, want) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(hotp(RFC_SECRET, step_of(t), 8), want, "t={t}");
        }
        assert_eq!(code_at(RFC_SECRET, 59), "287082");
    }

    #[test]
    fn verify_accepts_adjacent_steps_and_refuses_replay() {
        let t = 1_800_000_000;
        let code = code_at(RFC_SECRET, t);
        let step = verify(RFC_SECRET, &code, t + 30, None).expect("previous step accepted");
        assert_eq!(step, step_of(t));
        assert_eq!(verify(RFC_SECRET, &code, t + 90, None), None, "two steps late");
        assert_eq!(verify(RFC_SECRET, &code, t, Some(step)), None, "replay refused");
        assert_eq!(verify(RFC_SECRET, "12345", t, None), None);
        assert_eq!(verify(RFC_SECRET, "abcdef", t, None), None);
    }

    #[test]
    fn uri_escapes_and_encodes() {
        let uri = otpauth_uri("palmgrid", "admin user", b"\x00\x01");
        assert!(uri.starts_with("otpauth://totp/palmgrid:admin%20user?secret=AAAQ&"), "{uri}");
    }
}
