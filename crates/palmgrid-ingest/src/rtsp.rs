//! RTSP pull with retina.

use crate::health::Health;
use crate::pace;
use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use palmgrid_domain::camera::is_local_or_special;
use palmgrid_media::hub::LiveStream;
use palmgrid_media::{Codec, Frame, StreamParams};
use retina::client::{
    Credentials, PlayOptions, Session, SessionOptions, SetupOptions, TcpTransportOptions, TeardownPolicy, Transport,
    UdpTransportOptions,
};
use retina::codec::{CodecItem, FrameFormat, ParametersRef, VideoParameters, VideoParametersCodec};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtpTransport {
    Tcp,
    Udp,
}

impl RtpTransport {
    pub fn parse(s: &str) -> RtpTransport {
        if s == "udp" { RtpTransport::Udp } else { RtpTransport::Tcp }
    }
}

/// Where and how to pull one stream.
#[derive(Clone)]
pub struct RtspSource {
    /// Without credentials.
    pub url: String,
    pub credentials: Option<(String, String)>,
    pub transport: RtpTransport,
    /// Accept hosts that resolve to loopback/link-local (simulated cameras).
    pub allow_local: bool,
}

impl std::fmt::Debug for RtspSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RtspSource")
            .field("url", &self.url)
            .field("credentials", &self.credentials.as_ref().map(|_| "***"))
            .field("transport", &self.transport)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("bad camera URL: {0}")]
    Url(String),
    #[error("camera host {0} resolves to a local or special address; refused")]
    LocalAddress(String),
    #[error("cannot resolve camera host: {0}")]
    Resolve(String),
    #[error("RTSP: {0}")]
    Rtsp(String),
    #[error("the camera offers no H.264 or H.265 video stream")]
    NoVideo,
    #[error("unusable stream parameters: {0}")]
    Params(String),
    #[error("the camera stopped sending")]
    Ended,
    #[error("no frame for {0} s")]
    Stalled(u64),
    #[error("the camera did not answer {0} within {1} s")]
    NoAnswer(&'static str, u64),
}

fn rtsp_err(e: retina::Error) -> IngestError {
    IngestError::Rtsp(e.to_string())
}

/// Resolves the host and refuses local/special addresses (DNS can point anywhere), then
/// pins the URL to the checked address so a second lookup cannot differ. Returns the URL
/// and the address it now names.
async fn checked_url(src: &RtspSource) -> Result<(url::Url, std::net::SocketAddr), IngestError> {
    let mut url = url::Url::parse(&src.url).map_err(|e| IngestError::Url(e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(IngestError::Url("credentials must not be in the URL".into()));
    }
    let host = url.host_str().ok_or_else(|| IngestError::Url("no host".into()))?.to_owned();
    let port = url.port().unwrap_or(554);
    let bare = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((bare.as_str(), port))
        .await
        .map_err(|e| IngestError::Resolve(format!("{host}: {e}")))?
        .collect();
    let first = *addrs.first().ok_or_else(|| IngestError::Resolve(host.clone()))?;
    if !src.allow_local && addrs.iter().any(|a| is_local_or_special(a.ip())) {
        return Err(IngestError::LocalAddress(host));
    }
    if bare.parse::<std::net::IpAddr>().is_err() {
        let _ = url.set_host(Some(&match first.ip() {
            std::net::IpAddr::V4(a) => a.to_string(),
            std::net::IpAddr::V6(a) => format!("[{a}]"),
        }));
    }
    Ok((url, first))
}

/// How long a camera may take to answer each of DESCRIBE, SETUP and PLAY.
const ANSWER: Duration = Duration::from_secs(10);

async fn answered<T>(step: &'static str, f: impl Future<Output = Result<T, retina::Error>>) -> Result<T, IngestError> {
    tokio::time::timeout(ANSWER, f).await.map_err(|_| IngestError::NoAnswer(step, ANSWER.as_secs()))?.map_err(rtsp_err)
}

fn stream_params(p: &VideoParameters) -> Result<StreamParams, IngestError> {
    let (w, h) = p.pixel_dimensions();
    let (width, height) = (
        u16::try_from(w).map_err(|_| IngestError::Params(format!("width {w}")))?,
        u16::try_from(h).map_err(|_| IngestError::Params(format!("height {h}")))?,
    );
    match p.codec_params() {
        VideoParametersCodec::H264 { sps, pps } => Ok(StreamParams {
            codec: Codec::H264,
            rfc6381: p.rfc6381_codec().to_owned(),
            width,
            height,
            sps: sps.clone(),
            pps: pps.clone(),
            hvcc: None,
        }),
        VideoParametersCodec::H265 { .. } => Ok(StreamParams {
            codec: Codec::H265,
            rfc6381: p.rfc6381_codec().to_owned(),
            width,
            height,
            sps: Bytes::new(),
            pps: Bytes::new(),
            hvcc: Some(Bytes::copy_from_slice(p.extra_data())),
        }),
        _ => Err(IngestError::NoVideo),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// One RTSP session: describe, set up the first H.264/H.265 video stream, play, and
/// publish frames until the camera stops, stalls for `stall`, or fails.
pub async fn pull(src: &RtspSource, live: &LiveStream, health: &Health, stall: Duration) -> Result<(), IngestError> {
    let (url, peer) = checked_url(src).await?;
    let opts = SessionOptions::default()
        .user_agent(format!("palmgrid/{}", env!("CARGO_PKG_VERSION")))
        .teardown(TeardownPolicy::Auto)
        .creds(src.credentials.clone().map(|(username, password)| Credentials { username, password }));
    // Over TCP, the kernel buffers what arrives, so while nobody needs low latency the pull
    // can read in batches, and its socket can stay quiet in between (see `pace`). Over UDP
    // a late read loses packets: never paced.
    let pace = matches!(src.transport, RtpTransport::Tcp);
    let dialing = if pace { Some(pace::dial(peer).await) } else { None };
    let mut session = answered("DESCRIBE", Session::describe(url, opts)).await?;
    let mut quiet = dialing.and_then(pace::Dialing::found);
    let vi = session
        .streams()
        .iter()
        .position(|s| s.media() == "video" && matches!(s.encoding_name(), "h264" | "h265"))
        .ok_or(IngestError::NoVideo)?;
    let transport = match src.transport {
        RtpTransport::Tcp => Transport::Tcp(TcpTransportOptions::default()),
        RtpTransport::Udp => Transport::Udp(UdpTransportOptions::default()),
    };
    answered("SETUP", session.setup(vi, SetupOptions::default().transport(transport).frame_format(FrameFormat::MP4)))
        .await?;
    if let Some(ParametersRef::Video(p)) = session.streams()[vi].parameters() {
        live.publish_params(stream_params(p)?);
    }
    let mut demuxed = answered("PLAY", session.play(PlayOptions::default())).await?.demuxed().map_err(rtsp_err)?;
    let mut last_item = tokio::time::Instant::now();
    loop {
        let paced = pace && !live.wants_low_latency();
        // Take what has already arrived without waiting; when nothing has, a paced pull
        // waits for the next tick with its socket held quiet, and any other pull waits for
        // the camera.
        let ready = if paced { demuxed.next().now_or_never() } else { None };
        let next = match ready {
            Some(next) => next,
            None => {
                let mut early = None;
                if paced {
                    if last_item.elapsed() >= stall {
                        return Err(IngestError::Stalled(stall.as_secs()));
                    }
                    if let Some(q) = quiet.as_mut() {
                        q.hold();
                    }
                    // Sooner than the tick only for a live viewer, or when a held socket
                    // reaches its mark (a camera sending more than the mark per tick).
                    let held = quiet.as_ref().is_some_and(pace::QuietSocket::is_held);
                    tokio::select! {
                        next = demuxed.next(), if held => early = Some(next),
                        () = tokio::time::sleep_until(next_pace_tick()) => {}
                        () = live.impatient_viewer() => {}
                    }
                }
                match early {
                    Some(next) => next,
                    None => {
                        if let Some(q) = quiet.as_mut() {
                            q.release();
                        }
                        match tokio::time::timeout_at(last_item + stall, demuxed.next()).await {
                            Err(_) => return Err(IngestError::Stalled(stall.as_secs())),
                            Ok(next) => next,
                        }
                    }
                }
            }
        };
        last_item = tokio::time::Instant::now();
        let item = match next {
            None => return Err(IngestError::Ended),
            Some(item) => item.map_err(rtsp_err)?,
        };
        let CodecItem::VideoFrame(f) = item else { continue };
        if f.has_new_parameters()
            && let Some(ParametersRef::Video(p)) = demuxed.streams()[f.stream_id()].parameters()
        {
            live.publish_params(stream_params(p)?);
        }
        if live.params().is_none() {
            // No parameters yet (none in the SDP, none in-band so far): not decodable.
            continue;
        }
        let frame = Frame {
            pts_90k: f.timestamp().timestamp(),
            is_key: f.is_random_access_point(),
            data: Bytes::from(f.into_data()),
        };
        health.frame(now_ms(), frame.data.len(), frame.is_key);
        live.publish(frame);
    }
}

/// How often a paced pull reads what has arrived (see [`pull`]). Moonfire NVR found that
/// batching per GOP "roughly halves CPU usage as thread hand-offs and syscalls are less
/// common". The recorder flushes at the end of each batch, so a frame waits for its
/// flush at most this long (plus the commit), inside the 2 s crash bound; a live viewer
/// ends the pacing at once.
pub const PACE: Duration = Duration::from_secs(1);

/// The next tick of a clock shared by every paced pull: all of them read in the same
/// instant, so the runtime wakes once a second for all cameras together rather than once
/// for each.
pub(crate) fn next_pace_tick() -> tokio::time::Instant {
    static EPOCH: std::sync::OnceLock<tokio::time::Instant> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(tokio::time::Instant::now);
    let ticks = epoch.elapsed().as_nanos() / PACE.as_nanos() + 1;
    epoch + PACE * ticks as u32
}

/// Back-off before reconnect attempt `n` (1-based): 1 s doubling to 60 s, with ±25 %
/// jitter so that cameras behind one failed link do not reconnect in lockstep.
pub fn backoff(n: u32, jitter_unit: f64) -> Duration {
    let base = (1u64 << n.saturating_sub(1).min(6)).min(60) as f64;
    let j = 0.75 + 0.5 * jitter_unit.clamp(0.0, 1.0);
    Duration::from_secs_f64(base * j)
}

/// Pulls forever, reconnecting after failures. Cancel by dropping the task.
pub async fn run(src: RtspSource, live: LiveStream, health: Health) {
    let mut failures = 0u32;
    loop {
        let started = tokio::time::Instant::now();
        let err = match pull(&src, &live, &health, Duration::from_secs(10)).await {
            Ok(()) => IngestError::Ended,
            Err(e) => e,
        };
        tracing::warn!(url = %src.url, error = %err, "camera stream interrupted");
        health.error(err.to_string());
        // A session that ran for a while resets the back-off.
        failures = if started.elapsed() > Duration::from_secs(60) { 1 } else { failures + 1 };
        let jitter = (now_ms() % 1000) as f64 / 1000.0;
        tokio::time::sleep(backoff(failures, jitter)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_minute_with_jitter() {
        assert_eq!(backoff(1, 0.5), Duration::from_secs(1));
        assert_eq!(backoff(3, 0.5), Duration::from_secs(4));
        assert_eq!(backoff(20, 0.5), Duration::from_secs(60));
        assert_eq!(backoff(1, 0.0), Duration::from_millis(750));
        assert_eq!(backoff(1, 1.0), Duration::from_millis(1250));
    }

    #[tokio::test]
    async fn local_hosts_are_refused_after_resolution() {
        let src = RtspSource {
            url: "rtsp://localhost:1/x".into(),
            credentials: None,
            transport: RtpTransport::Tcp,
            allow_local: false,
        };
        assert!(matches!(checked_url(&src).await, Err(IngestError::LocalAddress(_))));
        let src = RtspSource { url: "rtsp://2130706433:1/x".into(), ..src };
        assert!(matches!(checked_url(&src).await, Err(IngestError::LocalAddress(_)) | Err(IngestError::Resolve(_))));
        assert!(
            !format!("{:?}", RtspSource { credentials: Some(("u".into(), "pw-secret".into())), ..src })
                .contains("pw-secret")
        );
    }
}
