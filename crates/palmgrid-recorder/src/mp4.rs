//! An MP4 for any recorded range, built on the fly from the index.
//!
//! The file is virtual: `ftyp` + `moov` + the `mdat` header are made in memory, and the
//! media data are slices of the segment files, one chunk per segment. Nothing is copied
//! until a byte range is read, so a player may seek anywhere (HTTP range requests). The
//! range starts at the keyframe at or before `start`; an edit list hides the frames
//! before `start`, so the presented duration is the asked-for range.

use crate::{RecorderError, index, segment_path, stream_params};
use bytes::Bytes;
use mp4_atom::{
    Co64, Edts, Elst, ElstEntry, Encode, FourCC, Ftyp, Header, Stbl, Stsc, StscEntry, Stss, Stsz, StszSamples, Stts,
    SttsEntry,
};
use palmgrid_media::fmp4::{enc, video_moov};
use palmgrid_store::RecordingRow;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
enum Part {
    Mem(Bytes),
    File { path: PathBuf, offset: u64, len: u64 },
}

impl Part {
    fn len(&self) -> u64 {
        match self {
            Part::Mem(b) => b.len() as u64,
            Part::File { len, .. } => *len,
        }
    }
}

/// A recorded range as an MP4 file that exists only as a recipe.
#[derive(Debug, Clone)]
pub struct RangeMp4 {
    /// (start offset in the virtual file, part)
    parts: Vec<(u64, Part)>,
    len: u64,
    /// Wall-clock milliseconds of the first and just after the last presented frame.
    pub start_ms: i64,
    pub end_ms: i64,
    /// Presented duration (after the edit list), 90 kHz.
    pub duration_90k: u64,
    /// Recordings used, for ETags.
    pub recording_ids: Vec<(i64, i64)>,
    /// The range ended early because the camera changed resolution or codec.
    pub truncated: bool,
}

struct Chunk {
    path: PathBuf,
    offset: u64,
    len: u64,
    samples: u32,
}

impl RangeMp4 {
    /// Builds the MP4 for `[from_ms, to_ms)` from recordings of one stream (oldest first,
    /// as [`palmgrid_store::Store::recordings_between`] returns them). `None` when no
    /// frame falls in the range.
    pub fn build(rows: &[RecordingRow], dir: &Path, from_ms: i64, to_ms: i64) -> Result<Option<Self>, RecorderError> {
        let (from90, to90) = (from_ms as i128 * 90, to_ms as i128 * 90);
        let Some(first) = rows.first() else { return Ok(None) };
        let params = stream_params(&first.params)?;
        let mut chunks: Vec<Chunk> = Vec::new();
        let (mut stts, mut stss, mut sizes): (Vec<SttsEntry>, Vec<u32>, Vec<u32>) = Default::default();
        let mut truncated = false;
        let mut skip_90k = 0u64; // media before `from` (edit list)
        let mut first_t90: Option<i128> = None;
        let mut last_end90 = 0i128;
        let mut ids = Vec::new();
        for row in rows {
            if row.params != first.params {
                truncated = true;
                break;
            }
            let samples =
                index::decode(&row.sample_index).map_err(|e| RecorderError::Corrupt(row.id, e.to_string()))?;
            let base = row.start_ms as i128 * 90;
            let t = |s: &index::IndexedSample| base + s.start_90k as i128;
            // Start at the last keyframe at or before `from` (or the recording's start).
            let begin = if first_t90.is_none() {
                match samples.iter().rposition(|s| s.is_key && t(s) <= from90) {
                    Some(i) => i,
                    None => match samples.iter().position(|s| s.is_key) {
                        Some(i) => i,
                        None => continue,
                    },
                }
            } else {
                0
            };
            let end = samples.iter().position(|s| t(s) >= to90).unwrap_or(samples.len());
            if begin >= end {
                continue;
            }
            let picked = &samples[begin..end];
            if first_t90.is_none() {
                let t0 = t(&picked[0]);
                first_t90 = Some(t0);
                skip_90k = (from90 - t0).max(0) as u64;
            }
            for s in picked {
                if s.is_key {
                    stss.push(sizes.len() as u32 + 1);
                }
                sizes.push(s.size);
                match stts.last_mut() {
                    Some(e) if e.sample_delta == s.duration_90k => e.sample_count += 1,
                    _ => stts.push(SttsEntry { sample_count: 1, sample_delta: s.duration_90k }),
                }
            }
            let last = picked.last().expect("non-empty");
            last_end90 = t(last) + last.duration_90k as i128;
            let len = last.offset + last.size as u64 - picked[0].offset;
            chunks.push(Chunk {
                path: segment_path(dir, &row.camera_id, row.id)?,
                offset: picked[0].offset,
                len,
                samples: picked.len() as u32,
            });
            ids.push((row.id, row.bytes));
        }
        let Some(first_t90) = first_t90 else { return Ok(None) };
        let media_90k: u64 = stts.iter().map(|e| e.sample_count as u64 * e.sample_delta as u64).sum();
        let tail_90k = (last_end90 - to90).max(0) as u64;
        let shown_90k = media_90k.saturating_sub(skip_90k).saturating_sub(tail_90k).max(1);

        let mut stsc: Vec<StscEntry> = Vec::new();
        for (i, c) in chunks.iter().enumerate() {
            if stsc.last().is_none_or(|e| e.samples_per_chunk != c.samples) {
                stsc.push(StscEntry {
                    first_chunk: i as u32 + 1,
                    samples_per_chunk: c.samples,
                    sample_description_index: 1,
                });
            }
        }
        let edts = Edts {
            elst: Some(Elst {
                entries: vec![ElstEntry {
                    segment_duration: shown_90k,
                    media_time: Some(skip_90k),
                    media_rate: 1.into(),
                }],
            }),
        };
        let payload: u64 = chunks.iter().map(|c| c.len).sum();
        let moov_with = |offsets: Vec<u64>| -> Result<Vec<u8>, RecorderError> {
            let stbl = Stbl {
                stts: Stts { entries: stts.clone() },
                stss: Some(Stss { entries: stss.clone() }),
                stsc: Stsc { entries: stsc.clone() },
                stsz: Stsz { samples: StszSamples::Different { sizes: sizes.clone() } },
                co64: Some(Co64 { entries: offsets }),
                ..Default::default()
            };
            let mut moov = video_moov(&params, stbl, shown_90k, Some(edts.clone()), false)?;
            moov.trak[0].mdia.mdhd.duration = media_90k;
            let mut buf = Vec::new();
            moov.encode(&mut buf).map_err(enc)?;
            Ok(buf)
        };
        let mut head = Vec::new();
        Ftyp {
            major_brand: FourCC::new(b"isom"),
            minor_version: 512,
            compatible_brands: vec![
                FourCC::new(b"isom"),
                FourCC::new(b"iso2"),
                FourCC::new(if params.codec == palmgrid_media::frame::Codec::H264 { b"avc1" } else { b"hvc1" }),
                FourCC::new(b"mp41"),
            ],
        }
        .encode(&mut head)
        .map_err(enc)?;
        // co64 entries are fixed width, so the moov's size does not depend on their values.
        let moov_len = moov_with(vec![0; chunks.len()])?.len() as u64;
        let mdat_header: u64 = if payload + 8 > u32::MAX as u64 { 16 } else { 8 };
        let mut at = head.len() as u64 + moov_len + mdat_header;
        let mut offsets = Vec::with_capacity(chunks.len());
        for c in &chunks {
            offsets.push(at);
            at += c.len;
        }
        head.extend_from_slice(&moov_with(offsets)?);
        Header { kind: FourCC::new(b"mdat"), size: Some(payload as usize) }.encode(&mut head).map_err(enc)?;

        let mut parts = Vec::with_capacity(chunks.len() + 1);
        let mut pos = 0u64;
        let head = Part::Mem(Bytes::from(head));
        for p in std::iter::once(head).chain(chunks.into_iter().map(|c| Part::File {
            path: c.path,
            offset: c.offset,
            len: c.len,
        })) {
            let l = p.len();
            parts.push((pos, p));
            pos += l;
        }
        let start90 = first_t90 + skip_90k as i128;
        Ok(Some(RangeMp4 {
            parts,
            len: pos,
            start_ms: (start90 / 90) as i64,
            end_ms: ((start90 + shown_90k as i128) / 90) as i64,
            duration_90k: shown_90k,
            recording_ids: ids,
            truncated,
        }))
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// An entity tag that changes when any byte of the file could.
    pub fn etag(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut mix = |v: i64| {
            for b in v.to_le_bytes() {
                h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
            }
        };
        for (id, bytes) in &self.recording_ids {
            mix(*id);
            mix(*bytes);
        }
        mix(self.start_ms);
        mix(self.end_ms);
        mix(self.len as i64);
        format!("\"{h:016x}\"")
    }

    /// Reads up to `max` bytes at `pos` (blocking file I/O; call from a blocking task).
    /// A segment file that is shorter than the index says is an error, never short data.
    pub fn read_at(&self, pos: u64, max: usize) -> std::io::Result<Bytes> {
        if pos >= self.len || max == 0 {
            return Ok(Bytes::new());
        }
        let i = self.parts.partition_point(|(start, _)| *start <= pos) - 1;
        let (start, part) = &self.parts[i];
        let within = pos - start;
        let n = (part.len() - within).min(max as u64) as usize;
        match part {
            Part::Mem(b) => Ok(b.slice(within as usize..within as usize + n)),
            Part::File { path, offset, .. } => {
                let f = std::fs::File::open(path)?;
                let mut buf = vec![0u8; n];
                f.read_exact_at(&mut buf, offset + within)?;
                Ok(Bytes::from(buf))
            }
        }
    }
}
