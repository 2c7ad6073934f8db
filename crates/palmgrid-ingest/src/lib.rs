//! Pulling camera streams into the live hub.
//!
//! [`rtsp::pull`] runs one RTSP session with retina (TCP interleaved by default, UDP
//! selectable), passing H.264/H.265 access units through untouched as AVCC
//! [`palmgrid_media::Frame`]s; [`rtsp::run`] reconnects with exponential back-off and
//! jitter. [`health::Health`] tracks online state, frame rate, bitrate, the last keyframe
//! and the last error per stream. Cameras are untrusted: a host that resolves to the
//! server itself is refused before any packet is sent.

pub mod health;
pub mod manager;
pub mod pace;
pub mod rtsp;
