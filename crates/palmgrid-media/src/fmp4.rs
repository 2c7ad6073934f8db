//! Our fragmented-MP4 muxer for live delivery (MSE over WebSocket, HLS fMP4 segments).
//! mp4-atom encodes the boxes; which boxes, with which fields, is decided here.
//!
//! One track, 90 kHz timescale. A fragment is `moof` + `mdat` for one or more frames in
//! decode order; sample durations come from the next frame's timestamp.

use crate::frame::{Codec, Frame, StreamParams};
use mp4_atom::{
    Avc1, Avcc, Codec as SampleEntry, Dinf, Dref, DrefEntry, Edts, Encode, FourCC, Ftyp, Hdlr, Header, Hvc1, Hvcc,
    Mdhd, Mdia, Mfhd, Minf, Moof, Moov, Mvex, Mvhd, Stbl, Stco, Stsd, Tfdt, Tfhd, Tkhd, Traf, Trak, Trex, Trun,
    TrunEntry, TrunSamples, Visual, Vmhd,
};

pub const TRACK_ID: u32 = 1;
pub const TIMESCALE: u32 = 90_000;
const FLAGS_SYNC: u32 = 0x0200_0000;
const FLAGS_NON_SYNC: u32 = 0x0101_0000;

#[derive(Debug, thiserror::Error)]
pub enum MuxError {
    #[error("mp4 box encoding: {0}")]
    Encode(String),
    #[error("H.265 stream without an hvcC record")]
    MissingHvcc,
    #[error("fragment has no samples")]
    Empty,
}

/// Maps a box-codec error.
pub fn enc(e: mp4_atom::Error) -> MuxError {
    MuxError::Encode(e.to_string())
}

/// The `avc1`/`hvc1` sample entry describing a stream.
pub fn sample_entry(p: &StreamParams) -> Result<SampleEntry, MuxError> {
    let visual = Visual { data_reference_index: 1, width: p.width, height: p.height, ..Default::default() };
    Ok(match p.codec {
        Codec::H264 => {
            SampleEntry::Avc1(Avc1 { visual, avcc: Avcc::new(&p.sps, &p.pps).map_err(enc)?, ..Default::default() })
        }
        Codec::H265 => {
            let mut body: &[u8] = p.hvcc.as_deref().ok_or(MuxError::MissingHvcc)?;
            let hvcc = <Hvcc as mp4_atom::Atom>::decode_body(&mut body).map_err(enc)?;
            SampleEntry::Hvc1(Hvc1 { visual, hvcc, ..Default::default() })
        }
    })
}

/// A video `moov` of one track with the given sample table (its `stsd` is filled in here),
/// movie/track duration and optional edit list. Shared by live fMP4 and recorded MP4.
pub fn video_moov(
    p: &StreamParams,
    mut stbl: Stbl,
    duration_90k: u64,
    edts: Option<Edts>,
    fragmented: bool,
) -> Result<Moov, MuxError> {
    stbl.stsd = Stsd { codecs: vec![sample_entry(p)?] };
    let trak = Trak {
        tkhd: Tkhd {
            track_id: TRACK_ID,
            enabled: true,
            in_movie: true,
            duration: duration_90k,
            width: p.width.into(),
            height: p.height.into(),
            ..Default::default()
        },
        edts,
        mdia: Mdia {
            mdhd: Mdhd { timescale: TIMESCALE, language: "und".into(), duration: duration_90k, ..Default::default() },
            hdlr: Hdlr { handler: FourCC::new(b"vide"), name: "palmgrid".into() },
            minf: Minf {
                vmhd: Some(Vmhd::default()),
                dinf: Dinf { dref: Dref { entries: vec![DrefEntry::Url(mp4_atom::Url::default())] } },
                stbl,
                ..Default::default()
            },
        },
        ..Default::default()
    };
    Ok(Moov {
        mvhd: Mvhd {
            timescale: TIMESCALE,
            duration: duration_90k,
            rate: 1.into(),
            volume: 1.into(),
            next_track_id: TRACK_ID + 1,
            ..Default::default()
        },
        mvex: fragmented.then(|| Mvex {
            mehd: None,
            trex: vec![Trex { track_id: TRACK_ID, default_sample_description_index: 1, ..Default::default() }],
        }),
        trak: vec![trak],
        ..Default::default()
    })
}

/// `ftyp` + `moov` for a stream: what MSE's `appendBuffer` needs first.
pub fn init_segment(p: &StreamParams) -> Result<Vec<u8>, MuxError> {
    let mut buf = Vec::new();
    Ftyp {
        major_brand: FourCC::new(b"iso5"),
        minor_version: 512,
        compatible_brands: vec![FourCC::new(b"iso5"), FourCC::new(b"iso6"), FourCC::new(b"mp41")],
    }
    .encode(&mut buf)
    .map_err(enc)?;
    let stbl = Stbl { stco: Some(Stco::default()), ..Default::default() };
    video_moov(p, stbl, 0, None, true)?.encode(&mut buf).map_err(enc)?;
    Ok(buf)
}

/// One sample of a fragment.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    pub frame: &'a Frame,
    pub duration_90k: u32,
}

/// Builds `moof` + `mdat`. `sequence` counts fragments from 1; `base_decode_90k` is the
/// decode time of the first sample relative to the start of this viewer's stream.
pub fn fragment(sequence: u32, base_decode_90k: u64, samples: &[Sample<'_>]) -> Result<Vec<u8>, MuxError> {
    if samples.is_empty() {
        return Err(MuxError::Empty);
    }
    let entries: Vec<TrunEntry> = samples
        .iter()
        .map(|s| TrunEntry {
            duration: Some(s.duration_90k),
            size: Some(s.frame.data.len() as u32),
            flags: Some(if s.frame.is_key { FLAGS_SYNC } else { FLAGS_NON_SYNC }),
            cts: None,
        })
        .collect();
    let moof = Moof {
        mfhd: Mfhd { sequence_number: sequence },
        traf: vec![Traf {
            tfhd: Tfhd { track_id: TRACK_ID, default_base_is_moof: true, ..Default::default() },
            tfdt: Some(Tfdt { base_media_decode_time: base_decode_90k }),
            trun: vec![Trun { data_offset: Some(0), samples: TrunSamples::Explicit(entries) }],
            ..Default::default()
        }],
    };
    // This runs per frame and viewer, so the moof is encoded once and its data_offset
    // (a fixed-width i32 after trun's version/flags and sample count) patched in place.
    let payload: usize = samples.iter().map(|s| s.frame.data.len()).sum();
    let mut buf = Vec::with_capacity(256 + 16 + payload);
    moof.encode(&mut buf).map_err(enc)?;
    let moof_len = buf.len();
    let mdat_header = if payload + 8 > u32::MAX as usize { 16 } else { 8 };
    let trun = buf.windows(4).position(|w| w == b"trun").ok_or_else(|| MuxError::Encode("no trun box".into()))?;
    let offset_at = trun + 4 + 4 + 4;
    buf[offset_at..offset_at + 4].copy_from_slice(&((moof_len + mdat_header) as i32).to_be_bytes());
    Header { kind: FourCC::new(b"mdat"), size: Some(payload) }.encode(&mut buf).map_err(enc)?;
    for s in samples {
        buf.extend_from_slice(&s.frame.data);
    }
    Ok(buf)
}

/// Turns a stream of frames into fragments of one frame each, for a single viewer.
///
/// A frame's duration is only known when the next one arrives, so each fragment is
/// emitted one frame late (40 ms at 25 fps). Decode times start at 0 for every viewer.
#[derive(Debug, Default)]
pub struct FragmentWriter {
    pending: Option<Frame>,
    sequence: u32,
    decode_90k: u64,
    last_duration: u32,
}

impl FragmentWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds a frame; returns the fragment of the previous one, if any.
    pub fn push(&mut self, frame: Frame) -> Result<Option<Vec<u8>>, MuxError> {
        let out = match self.pending.take() {
            Some(prev) => {
                // Non-increasing or absurd gaps (camera clock jumps) get the last good
                // duration instead, so the player's timeline stays monotonic.
                let delta = frame.pts_90k - prev.pts_90k;
                let duration = if (1..=(TIMESCALE as i64 * 5)).contains(&delta) {
                    delta as u32
                } else if self.last_duration > 0 {
                    self.last_duration
                } else {
                    3600
                };
                Some(self.emit(&prev, duration)?)
            }
            None => None,
        };
        self.pending = Some(frame);
        Ok(out)
    }

    fn emit(&mut self, frame: &Frame, duration: u32) -> Result<Vec<u8>, MuxError> {
        self.sequence += 1;
        let frag = fragment(self.sequence, self.decode_90k, &[Sample { frame, duration_90k: duration }])?;
        self.decode_90k += duration as u64;
        self.last_duration = duration;
        Ok(frag)
    }

    /// Total duration emitted so far, in 90 kHz units.
    pub fn emitted_90k(&self) -> u64 {
        self.decode_90k
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn params() -> StreamParams {
        StreamParams {
            codec: Codec::H264,
            rfc6381: "avc1.42C01E".into(),
            width: 640,
            height: 360,
            sps: Bytes::from_static(&[0x67, 0x42, 0xC0, 0x1E, 0xD9, 0x00, 0xA0, 0x2F, 0xF9]),
            pps: Bytes::from_static(&[0x68, 0xCB, 0x83, 0xCB, 0x20]),
            hvcc: None,
        }
    }

    fn frame(pts: i64, key: bool, len: usize) -> Frame {
        let mut d = vec![0u8; len + 4];
        d[..4].copy_from_slice(&(len as u32).to_be_bytes());
        d[4] = if key { 0x65 } else { 0x41 };
        Frame { pts_90k: pts, is_key: key, data: Bytes::from(d) }
    }

    fn boxes(mut b: &[u8]) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        while b.len() >= 8 {
            let size = u32::from_be_bytes(b[..4].try_into().unwrap()) as usize;
            out.push((String::from_utf8_lossy(&b[4..8]).into_owned(), size));
            b = &b[size..];
        }
        out
    }

    #[test]
    fn init_segment_is_ftyp_then_moov_with_avc1() {
        let init = init_segment(&params()).unwrap();
        let top: Vec<String> = boxes(&init).into_iter().map(|b| b.0).collect();
        assert_eq!(top, ["ftyp", "moov"]);
        let text = String::from_utf8_lossy(&init);
        for fourcc in ["mvex", "trex", "avc1", "avcC", "vmhd", "stco"] {
            assert!(text.contains(fourcc), "{fourcc} missing");
        }
        let h265 = StreamParams { codec: Codec::H265, ..params() };
        assert!(matches!(init_segment(&h265), Err(MuxError::MissingHvcc)));
    }

    #[test]
    fn fragment_offsets_point_at_the_sample_bytes() {
        let f = frame(0, true, 100);
        let frag = fragment(7, 3600, &[Sample { frame: &f, duration_90k: 3600 }]).unwrap();
        let b = boxes(&frag);
        assert_eq!(b.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(), ["moof", "mdat"]);
        let moof_len = b[0].1;
        assert_eq!(b[1].1, 8 + f.data.len());
        assert_eq!(&frag[moof_len + 8..], &f.data[..], "mdat holds exactly the sample");
        // trun data_offset (the i32 after trun's sample count) equals moof size + 8.
        let trun = frag.windows(4).position(|w| w == b"trun").unwrap();
        let off = i32::from_be_bytes(frag[trun + 12..trun + 16].try_into().unwrap());
        assert_eq!(off as usize, moof_len + 8);
        assert!(matches!(fragment(1, 0, &[]), Err(MuxError::Empty)));
    }

    #[test]
    fn writer_emits_one_frame_late_with_next_frame_durations() {
        let mut w = FragmentWriter::new();
        assert!(w.push(frame(1000, true, 10)).unwrap().is_none());
        assert!(w.push(frame(4600, false, 10)).unwrap().is_some());
        assert_eq!(w.emitted_90k(), 3600);
        // A timestamp going backwards keeps the last good duration.
        assert!(w.push(frame(100, false, 10)).unwrap().is_some());
        assert_eq!(w.emitted_90k(), 7200);
    }
}
