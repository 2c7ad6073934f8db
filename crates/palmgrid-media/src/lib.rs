//! palmgrid's media plane: the frame model (90 kHz timestamps, AVCC samples shared as
//! `bytes::Bytes`), H.264 parameter sets, our fMP4 muxer (mp4-atom is only the box codec)
//! and the live hub that fans frames out to viewers by reference.
//!
//! Nothing here decodes or re-encodes video, and nothing knows users or cases.

pub mod fmp4;
pub mod frame;
pub mod h264;
pub mod hls;
pub mod hub;
pub mod rtsp_server;
pub mod snapshot;

pub use frame::{Codec, Frame, StreamParams};
