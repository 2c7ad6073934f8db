//! The per-sample index stored with each recording: for every sample its duration
//! (90 kHz), its size in bytes and whether it is a keyframe, as two LEB128 varints
//! (`duration`, `size << 1 | key`). About four bytes per frame: a minute at 25 fps is 6 KB.

/// One sample as the index describes it, with its place in the segment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexedSample {
    /// Decode time from the start of the recording, 90 kHz.
    pub start_90k: u64,
    pub duration_90k: u32,
    /// Offset of the sample's bytes in the segment file.
    pub offset: u64,
    pub size: u32,
    pub is_key: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("recording index is corrupt at byte {0}")]
pub struct IndexError(pub usize);

/// Appends one sample to an encoded index.
pub fn push(index: &mut Vec<u8>, duration_90k: u32, size: u32, is_key: bool) {
    put_varint(index, duration_90k as u64);
    put_varint(index, ((size as u64) << 1) | is_key as u64);
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(b: &[u8], pos: &mut usize) -> Result<u64, IndexError> {
    let start = *pos;
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*pos).ok_or(IndexError(start))?;
        *pos += 1;
        v |= ((byte & 0x7f) as u64) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(IndexError(start))
}

/// Decodes an index. Sizes above 4 GiB or durations above 2^32 ticks are corrupt.
pub fn decode(index: &[u8]) -> Result<Vec<IndexedSample>, IndexError> {
    let mut out = Vec::with_capacity(index.len() / 4);
    let (mut pos, mut t, mut offset) = (0usize, 0u64, 0u64);
    while pos < index.len() {
        let at = pos;
        let duration = u32::try_from(get_varint(index, &mut pos)?).map_err(|_| IndexError(at))?;
        let packed = get_varint(index, &mut pos)?;
        let size = u32::try_from(packed >> 1).map_err(|_| IndexError(at))?;
        out.push(IndexedSample { start_90k: t, duration_90k: duration, offset, size, is_key: packed & 1 == 1 });
        t += duration as u64;
        offset += size as u64;
    }
    Ok(out)
}

/// Decodes the longest whole prefix of an index that may end in a partial entry (a
/// sidecar, see [`crate::sidecar_path`]): the samples and how many bytes they take.
pub fn decode_prefix(index: &[u8]) -> (Vec<IndexedSample>, usize) {
    let mut out = Vec::with_capacity(index.len() / 4);
    let (mut pos, mut t, mut offset) = (0usize, 0u64, 0u64);
    while pos < index.len() {
        let mut next = pos;
        let Ok(duration) = get_varint(index, &mut next).map(u32::try_from) else { break };
        let Ok(packed) = get_varint(index, &mut next) else { break };
        let (Ok(duration), Ok(size)) = (duration, u32::try_from(packed >> 1)) else { break };
        out.push(IndexedSample { start_90k: t, duration_90k: duration, offset, size, is_key: packed & 1 == 1 });
        t += duration as u64;
        offset += size as u64;
        pos = next;
    }
    (out, pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_offsets_and_times() {
        let mut idx = Vec::new();
        push(&mut idx, 3600, 40_000, true);
        push(&mut idx, 3600, 900, false);
        push(&mut idx, 3599, 0, false);
        push(&mut idx, u32::MAX, u32::MAX, true);
        let s = decode(&idx).unwrap();
        assert_eq!(s.len(), 4);
        assert_eq!(
            s[1],
            IndexedSample { start_90k: 3600, duration_90k: 3600, offset: 40_000, size: 900, is_key: false }
        );
        assert_eq!(s[2].offset, 40_900);
        assert_eq!(s[3].start_90k, 10_799);
        assert!(s[3].is_key && s[3].size == u32::MAX && s[3].duration_90k == u32::MAX);
        // A 25 fps minute stays small.
        let mut minute = Vec::new();
        for i in 0..1500 {
            push(&mut minute, 3600, 6000, i % 50 == 0);
        }
        assert!(minute.len() <= 1500 * 4, "{} bytes", minute.len());
    }

    #[test]
    fn truncated_or_overlong_input_is_an_error_not_a_panic() {
        let mut idx = Vec::new();
        push(&mut idx, 3600, 40_000, true);
        for cut in 1..idx.len() {
            assert!(decode(&idx[..cut]).is_err(), "cut at {cut}");
        }
        assert_eq!(decode(&[0xff; 11]), Err(IndexError(0)));
        // duration of 2^33 does not fit the u32 field
        let mut big = Vec::new();
        put_varint(&mut big, 1 << 33);
        put_varint(&mut big, 2);
        assert_eq!(decode(&big), Err(IndexError(0)));
        assert_eq!(decode(&[]).unwrap(), vec![]);
    }

    #[test]
    fn a_prefix_stops_before_the_first_partial_or_bad_entry() {
        let mut idx = Vec::new();
        push(&mut idx, 3600, 40_000, true);
        let one = idx.len();
        push(&mut idx, 3600, 900, false);
        let whole = decode(&idx).unwrap();
        assert_eq!(decode_prefix(&idx), (whole.clone(), idx.len()));
        for cut in one..idx.len() {
            assert_eq!(decode_prefix(&idx[..cut]), (whole[..1].to_vec(), one), "cut at {cut}");
        }
        let mut bad = idx.clone();
        put_varint(&mut bad, 1 << 33);
        put_varint(&mut bad, 2);
        assert_eq!(decode_prefix(&bad), (whole, idx.len()));
    }
}
