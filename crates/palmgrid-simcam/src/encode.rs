//! Encoding a scene loop once with openh264.

use crate::scene::{Picture, Scene};
use bytes::Bytes;
use openh264::encoder::{BitRate, Encoder, EncoderConfig, FrameRate, IntraFramePeriod, QpRange, RateControlMode};
use openh264::formats::YUVBuffer;
use palmgrid_media::h264::{self, NAL_PPS, NAL_SPS};
use palmgrid_media::{Codec, Frame, StreamParams};

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("openh264: {0}")]
    Encoder(String),
    #[error("the encoder produced no SPS/PPS")]
    NoParameterSets,
    #[error(transparent)]
    H264(#[from] h264::H264Error),
}

/// An encoded loop: parameters plus frames with timestamps from 0.
#[derive(Debug, Clone)]
pub struct EncodedClip {
    pub params: StreamParams,
    pub frames: Vec<Frame>,
    /// Length of one loop on the 90 kHz clock (frames × frame duration).
    pub duration_90k: i64,
    pub fps: u32,
}

/// Encoding settings of one stream.
#[derive(Debug, Clone, Copy)]
pub struct StreamSpec {
    pub width: usize,
    pub height: usize,
    pub fps: u32,
    pub bitrate_bps: u32,
    /// Keyframe every this many frames (GOP length).
    pub gop: u32,
}

impl StreamSpec {
    pub const MAIN: StreamSpec = StreamSpec { width: 1280, height: 720, fps: 25, bitrate_bps: 2_000_000, gop: 50 };
    pub const SUB: StreamSpec = StreamSpec { width: 640, height: 360, fps: 25, bitrate_bps: 500_000, gop: 50 };
}

/// Renders and encodes `seconds` of `scene`.
pub fn encode_clip(scene: &Scene, spec: StreamSpec, seconds: f32) -> Result<EncodedClip, EncodeError> {
    let config = EncoderConfig::new()
        .bitrate(BitRate::from_bps(spec.bitrate_bps))
        .max_frame_rate(FrameRate::from_hz(spec.fps as f32))
        .rate_control_mode(RateControlMode::Off)
        .qp(QpRange::new(22, 36))
        .skip_frames(false)
        .intra_frame_period(IntraFramePeriod::from_num_frames(spec.gop));
    let mut enc = Encoder::with_api_config(openh264::OpenH264API::from_source(), config)
        .map_err(|e| EncodeError::Encoder(e.to_string()))?;
    let n = (seconds * spec.fps as f32).round() as usize;
    let frame_90k = 90_000 / spec.fps as i64;
    let mut pic = Picture::new(spec.width, spec.height);
    let (mut sps, mut pps) = (None, None);
    let mut frames = Vec::with_capacity(n);
    for i in 0..n {
        scene.render(&mut pic, i as f32 / spec.fps as f32);
        let yuv = YUVBuffer::from_vec(pic.data.clone(), spec.width, spec.height);
        let bs = enc.encode(&yuv).map_err(|e| EncodeError::Encoder(e.to_string()))?;
        let annex_b = bs.to_vec();
        let mut vcl: Vec<&[u8]> = Vec::new();
        let mut is_key = false;
        for nal in h264::split_annex_b(&annex_b) {
            match h264::nal_type(nal) {
                Some(NAL_SPS) => sps = Some(Bytes::copy_from_slice(nal)),
                Some(NAL_PPS) => pps = Some(Bytes::copy_from_slice(nal)),
                Some(t) => {
                    is_key |= t == h264::NAL_IDR;
                    vcl.push(nal);
                }
                None => {}
            }
        }
        if vcl.is_empty() {
            continue;
        }
        frames.push(Frame { pts_90k: i as i64 * frame_90k, is_key, data: h264::to_avcc(vcl) });
    }
    let (sps, pps) = (sps.ok_or(EncodeError::NoParameterSets)?, pps.ok_or(EncodeError::NoParameterSets)?);
    let (width, height, rfc6381) = h264::sps_info(&sps)?;
    Ok(EncodedClip {
        params: StreamParams { codec: Codec::H264, rfc6381, width, height, sps, pps, hvcc: None },
        duration_90k: n as i64 * frame_90k,
        frames,
        fps: spec.fps,
    })
}

impl EncodedClip {
    /// The frames of loop number `k`, with timestamps continuing from the previous loop.
    /// Loops join at a keyframe (the clip starts with one), so a decoder never sees a
    /// reference across the seam.
    pub fn looped(&self, k: i64, base_90k: i64) -> impl Iterator<Item = Frame> + '_ {
        let offset = base_90k + k * self.duration_90k;
        self.frames.iter().map(move |f| Frame { pts_90k: f.pts_90k + offset, is_key: f.is_key, data: f.data.clone() })
    }
}

/// Replays a clip into a live stream in real time, loop after loop, with timestamps that
/// keep increasing. Runs until the task is dropped.
pub async fn replay(clip: std::sync::Arc<EncodedClip>, live: palmgrid_media::hub::LiveStream) {
    live.publish_params(clip.params.clone());
    let start = tokio::time::Instant::now();
    let mut k = 0i64;
    loop {
        for f in clip.looped(k, 0) {
            let due = start + std::time::Duration::from_micros((f.pts_90k.max(0) as u64) * 1000 / 90);
            tokio::time::sleep_until(due).await;
            live.publish(f);
        }
        k += 1;
    }
}
