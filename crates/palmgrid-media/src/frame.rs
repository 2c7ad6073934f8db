//! The unit of video that moves through palmgrid.

use bytes::Bytes;

/// Video codec of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    H264,
    H265,
}

/// What a player needs before the first frame: codec, size, and the decoder
/// configuration record (avcC/hvcC body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamParams {
    pub codec: Codec,
    /// RFC 6381 codec string for MSE, e.g. `avc1.42C01F`.
    pub rfc6381: String,
    pub width: u16,
    pub height: u16,
    /// H.264: the SPS and PPS NAL units (header byte included, no start code).
    pub sps: Bytes,
    pub pps: Bytes,
    /// H.265 only: the hvcC record body, as the camera described it.
    pub hvcc: Option<Bytes>,
}

/// One access unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Presentation time on the stream's 90 kHz clock.
    pub pts_90k: i64,
    /// An IDR / random access point: a viewer may start here.
    pub is_key: bool,
    /// NAL units, each prefixed by its 4-byte big-endian length (AVCC), without parameter
    /// sets (they travel in [`StreamParams`]).
    pub data: Bytes,
}
