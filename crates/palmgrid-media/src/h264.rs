//! H.264 helpers: parameter sets, Annex B ↔ AVCC, codec strings. Input is untrusted
//! (cameras), so every parser returns an error rather than panicking.

use bytes::{BufMut, Bytes, BytesMut};
use h264_reader::nal::sps::SeqParameterSet;
use h264_reader::nal::{Nal, RefNal};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum H264Error {
    #[error("SPS is not valid: {0}")]
    BadSps(String),
    #[error("NAL unit too short")]
    ShortNal,
    #[error("AVCC sample is truncated at byte {0}")]
    TruncatedSample(usize),
    #[error("picture size {0}x{1} is out of range")]
    BadSize(u32, u32),
}

pub const NAL_SLICE: u8 = 1;
pub const NAL_IDR: u8 = 5;
pub const NAL_SEI: u8 = 6;
pub const NAL_SPS: u8 = 7;
pub const NAL_PPS: u8 = 8;
pub const NAL_AUD: u8 = 9;

pub fn nal_type(nal: &[u8]) -> Option<u8> {
    nal.first().map(|b| b & 0x1f)
}

/// Size and codec string from an SPS NAL unit (header byte included).
pub fn sps_info(sps: &[u8]) -> Result<(u16, u16, String), H264Error> {
    if sps.len() < 4 {
        return Err(H264Error::ShortNal);
    }
    let nal = RefNal::new(sps, &[], true);
    let parsed = SeqParameterSet::from_bits(nal.rbsp_bits()).map_err(|e| H264Error::BadSps(format!("{e:?}")))?;
    let (w, h) = parsed.pixel_dimensions().map_err(|e| H264Error::BadSps(format!("{e:?}")))?;
    if w == 0 || h == 0 || w > 8192 || h > 8192 {
        return Err(H264Error::BadSize(w, h));
    }
    Ok((w as u16, h as u16, format!("avc1.{:02X}{:02X}{:02X}", sps[1], sps[2], sps[3])))
}

/// Splits an Annex B byte stream into NAL units (without start codes). Leading bytes
/// before the first start code are ignored; a zero byte that belongs to a 4-byte start
/// code is trimmed from the preceding unit.
pub fn split_annex_b(data: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= data.len() {
        if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut out = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let mut e = if k + 1 < starts.len() { starts[k + 1] - 3 } else { data.len() };
        while e > s && data[e - 1] == 0 {
            e -= 1;
        }
        if e > s {
            out.push(&data[s..e]);
        }
    }
    out
}

/// Concatenates NAL units as an AVCC sample (4-byte big-endian lengths).
pub fn to_avcc<'a>(nals: impl IntoIterator<Item = &'a [u8]>) -> Bytes {
    let mut b = BytesMut::new();
    for n in nals {
        b.put_u32(n.len() as u32);
        b.put_slice(n);
    }
    b.freeze()
}

/// Iterates the NAL units of an AVCC sample, failing on a length that overruns.
pub fn avcc_nals(sample: &[u8]) -> Result<Vec<&[u8]>, H264Error> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < sample.len() {
        if i + 4 > sample.len() {
            return Err(H264Error::TruncatedSample(i));
        }
        let len = u32::from_be_bytes(sample[i..i + 4].try_into().expect("4 bytes")) as usize;
        let end = i.checked_add(4 + len).filter(|&e| e <= sample.len()).ok_or(H264Error::TruncatedSample(i))?;
        out.push(&sample[i + 4..end]);
        i = end;
    }
    Ok(out)
}

/// An Annex B access unit with parameter sets first, for a decoder (snapshots).
pub fn annex_b_with_params(sps: &[u8], pps: &[u8], sample: &[u8]) -> Result<Vec<u8>, H264Error> {
    let mut out = Vec::with_capacity(sample.len() + sps.len() + pps.len() + 16);
    for n in [sps, pps].into_iter().chain(avcc_nals(sample)?) {
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(n);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annex_b_split_handles_three_and_four_byte_codes() {
        let data = [0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5];
        let nals = split_annex_b(&data);
        assert_eq!(nals, vec![&[0x67, 1, 2][..], &[0x68, 3][..], &[0x65, 4, 5][..]]);
        assert!(split_annex_b(&[1, 2, 3]).is_empty());
    }

    #[test]
    fn avcc_round_trip_and_truncation() {
        let s = to_avcc([&[0x65u8, 1, 2][..], &[0x41, 9][..]]);
        assert_eq!(avcc_nals(&s).unwrap(), vec![&[0x65, 1, 2][..], &[0x41, 9][..]]);
        assert_eq!(avcc_nals(&s[..s.len() - 1]), Err(H264Error::TruncatedSample(7)));
        assert_eq!(avcc_nals(&[0, 0]), Err(H264Error::TruncatedSample(0)));
        assert_eq!(avcc_nals(&[0xff, 0xff, 0xff, 0xff, 1]), Err(H264Error::TruncatedSample(0)));
    }

    #[test]
    fn sps_of_a_real_stream() {
        // SPS of a 640x360 constrained-baseline stream from x264.
        let sps = [
            0x67, 0x42, 0xC0, 0x1E, 0xD9, 0x00, 0xA0, 0x2F, 0xF9, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00,
            0x03, 0x00, 0x32, 0x0F, 0x16, 0x2E, 0x48,
        ];
        let (w, h, codec) = sps_info(&sps).unwrap();
        assert_eq!((w, h, codec.as_str()), (640, 360, "avc1.42C01E"));
        assert!(sps_info(&[0x67, 0x42]).is_err());
        assert!(sps_info(&[0x67, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
    }
}
