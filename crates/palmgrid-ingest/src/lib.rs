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

/// Starts the media thread: one OS thread with its own single-threaded tokio runtime, for
/// the camera pulls and the recorder (see `Manager::new_on`, `Recorder::new_on`).
///
/// On the server's multi-threaded runtime, each paced tick woke both workers in turn (one
/// runs the pulls, the other is told there is work to steal, and they hand the I/O driver
/// back and forth): about ten context switches a second for one recorded camera, more than
/// the reading itself. On one thread, the tick, the pulls, the recorder and the committer
/// run in one wake-up. Live viewers stay on the server's runtime; the hub wakes them across.
pub fn media_thread() -> std::io::Result<tokio::runtime::Handle> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().thread_name("palmgrid-media").build()?;
    let handle = rt.handle().clone();
    std::thread::Builder::new().name("palmgrid-media".into()).spawn(move || {
        rt.block_on(std::future::pending::<()>());
    })?;
    Ok(handle)
}
