//! A small RTSP server (RFC 2326) that serves live streams over TCP-interleaved RTP
//! (RFC 6184 packetisation). It re-serves cameras to other platforms and serves the
//! simulated cameras. UDP is answered with 461 so clients fall back to TCP.
//!
//! Clients are untrusted: requests are size-limited, unknown methods get 501, and a
//! client that reads slowly only delays itself (its live subscription skips ahead).

use crate::frame::StreamParams;
use crate::h264;
use crate::hub::{Event, LiveStream};
use base64::Engine;
use bytes::{BufMut, Bytes, BytesMut};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Largest RTSP request head accepted.
const MAX_HEAD: usize = 16 * 1024;
/// RTP payload size before FU-A fragmentation.
const MAX_PAYLOAD: usize = 1400;
const PAYLOAD_TYPE: u8 = 96;

/// The future [`Mounts::resolve`] returns.
pub type ResolveFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<LiveStream, Refusal>> + Send + 'a>>;

/// Decides which stream a path names and whether the caller may have it. Called once per
/// RTSP session, at DESCRIBE, so an implementation may authenticate and audit there.
pub trait Mounts: Send + Sync + 'static {
    /// `path` is the URL path without the leading `/` and without a `/trackID=…` suffix;
    /// `authorization` is the request's Authorization header, if any; `peer` the client.
    fn resolve<'a>(&'a self, path: &'a str, authorization: Option<&'a str>, peer: &'a str) -> ResolveFuture<'a>;
}

/// Why a stream is not served.
#[derive(Debug, Clone)]
pub enum Refusal {
    NotFound,
    /// Send 401 with this `WWW-Authenticate` value.
    Unauthorized(String),
}

/// A fixed table of mounts without authentication (simulated cameras on loopback).
#[derive(Debug, Default, Clone)]
pub struct StaticMounts(pub Arc<HashMap<String, LiveStream>>);

impl Mounts for StaticMounts {
    fn resolve<'a>(&'a self, path: &'a str, _authorization: Option<&'a str>, _peer: &'a str) -> ResolveFuture<'a> {
        let r = self.0.get(path).cloned().ok_or(Refusal::NotFound);
        Box::pin(async move { r })
    }
}

/// Accepts connections until the listener fails or the task is dropped.
pub async fn serve(listener: TcpListener, mounts: Arc<dyn Mounts>) -> std::io::Result<()> {
    loop {
        let (sock, peer) = listener.accept().await?;
        let _ = sock.set_nodelay(true);
        let mounts = mounts.clone();
        tokio::spawn(async move {
            if let Err(e) = Connection::new(sock, mounts, peer.to_string()).run().await {
                tracing::debug!(%peer, error = %e, "rtsp connection ended");
            }
        });
    }
}

struct Request {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The path part of an rtsp:// URL, without leading slash and trailing `/trackID=0`.
fn mount_path(uri: &str) -> String {
    let rest = uri.split_once("://").map(|(_, r)| r).unwrap_or(uri);
    let path = rest.find('/').map(|i| &rest[i + 1..]).unwrap_or("");
    let path = path.split('?').next().unwrap_or("");
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix("/trackID=0").unwrap_or(path);
    path.to_owned()
}

struct Connection {
    sock: TcpStream,
    mounts: Arc<dyn Mounts>,
    peer: String,
    session: String,
    stream: Option<LiveStream>,
    channel: u8,
}

impl Connection {
    fn new(sock: TcpStream, mounts: Arc<dyn Mounts>, peer: String) -> Self {
        let session = format!("{:016x}", rand_u64());
        Connection { sock, mounts, peer, session, stream: None, channel: 0 }
    }

    async fn run(self) -> std::io::Result<()> {
        let Connection { sock, mounts, peer, session, mut stream, mut channel } = self;
        let (mut rd, mut wr) = sock.into_split();
        // One writer owns the socket: RTSP responses and RTP packets are queued to it.
        let (tx, mut rx) = mpsc::channel::<Bytes>(256);
        let writer = tokio::spawn(async move {
            while let Some(b) = rx.recv().await {
                if wr.write_all(&b).await.is_err() {
                    break;
                }
            }
        });
        let mut buf = BytesMut::with_capacity(4096);
        let mut player: Option<tokio::task::JoinHandle<()>> = None;
        let result = async {
            loop {
                let Some(req) = read_request(&mut rd, &mut buf).await? else { return Ok(()) };
                let cseq = req.header("CSeq").unwrap_or("0").to_owned();
                let path = mount_path(&req.uri);
                let resp = match req.method.as_str() {
                    "OPTIONS" => response(
                        200,
                        &cseq,
                        &[("Public", "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER, SET_PARAMETER")],
                        "",
                    ),
                    "DESCRIBE" => match mounts.resolve(&path, req.header("Authorization"), &peer).await {
                        Err(r) => refusal(&cseq, r),
                        Ok(s) => match wait_params(&s).await {
                            None => response(503, &cseq, &[], ""),
                            Some(p) => {
                                let sdp = sdp(&p);
                                let base = format!("{}/", req.uri.trim_end_matches('/'));
                                stream = Some(s);
                                response(
                                    200,
                                    &cseq,
                                    &[("Content-Type", "application/sdp"), ("Content-Base", base.as_str())],
                                    &sdp,
                                )
                            }
                        },
                    },
                    "SETUP" => {
                        let transport = req.header("Transport").unwrap_or("");
                        match (&stream, parse_interleaved(transport)) {
                            // DESCRIBE first: that is where access is decided and recorded.
                            (None, _) => response(455, &cseq, &[], ""),
                            (Some(_), None) => response(461, &cseq, &[], ""),
                            (Some(_), Some(ch)) => {
                                channel = ch;
                                let t = format!("RTP/AVP/TCP;unicast;interleaved={}-{}", ch, ch + 1);
                                let sess = format!("{session};timeout=60");
                                response(200, &cseq, &[("Transport", t.as_str()), ("Session", sess.as_str())], "")
                            }
                        }
                    }
                    "PLAY" => match &stream {
                        None => response(455, &cseq, &[], ""),
                        Some(s) => {
                            let resp =
                                response(200, &cseq, &[("Session", session.as_str()), ("Range", "npt=0.000-")], "");
                            // The response must reach the client before the first packet.
                            if tx.send(resp).await.is_err() {
                                return Ok(());
                            }
                            if player.is_none() {
                                player = Some(tokio::spawn(play(s.clone(), channel, tx.clone())));
                            }
                            continue;
                        }
                    },
                    "GET_PARAMETER" | "SET_PARAMETER" => response(200, &cseq, &[("Session", session.as_str())], ""),
                    "TEARDOWN" => {
                        let _ = tx.send(response(200, &cseq, &[("Session", session.as_str())], "")).await;
                        return Ok(());
                    }
                    _ => response(501, &cseq, &[], ""),
                };
                if tx.send(resp).await.is_err() {
                    return Ok(());
                }
            }
        }
        .await;
        if let Some(p) = player {
            p.abort();
        }
        drop(tx);
        let _ = writer.await;
        result
    }
}

/// Waits briefly for a stream's parameters (a camera that was just started).
async fn wait_params(s: &LiveStream) -> Option<Arc<StreamParams>> {
    for _ in 0..100 {
        if let Some(p) = s.params() {
            return Some(p);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}

fn refusal(cseq: &str, r: Refusal) -> Bytes {
    match r {
        Refusal::NotFound => response(404, cseq, &[], ""),
        Refusal::Unauthorized(challenge) => response(401, cseq, &[("WWW-Authenticate", challenge.as_str())], ""),
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        455 => "Method Not Valid in This State",
        461 => "Unsupported Transport",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

fn response(code: u16, cseq: &str, headers: &[(&str, &str)], body: &str) -> Bytes {
    let mut s = format!("RTSP/1.0 {code} {}\r\nCSeq: {cseq}\r\nServer: palmgrid\r\n", reason(code));
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        s.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    s.push_str("\r\n");
    s.push_str(body);
    Bytes::from(s)
}

/// `interleaved=N-M` from a TCP transport spec; `None` for UDP or anything else.
fn parse_interleaved(transport: &str) -> Option<u8> {
    let spec = transport.split(',').find(|t| t.contains("RTP/AVP/TCP"))?;
    let inter = spec.split(';').find_map(|p| p.trim().strip_prefix("interleaved="))?;
    let first: u8 = inter.split('-').next()?.parse().ok()?;
    (first.is_multiple_of(2) && first < 254).then_some(first)
}

/// Reads one request, skipping interleaved binary data ('$' frames: RTCP from the client).
async fn read_request(rd: &mut (impl AsyncReadExt + Unpin), buf: &mut BytesMut) -> std::io::Result<Option<Request>> {
    loop {
        // Drop interleaved frames at the front of the buffer.
        while buf.first() == Some(&b'$') {
            if buf.len() < 4 {
                break;
            }
            let len = u16::from_be_bytes([buf[2], buf[3]]) as usize;
            if buf.len() < 4 + len {
                break;
            }
            let _ = buf.split_to(4 + len);
        }
        if buf.first() != Some(&b'$')
            && let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n")
        {
            let head = buf.split_to(end + 4);
            let text = String::from_utf8_lossy(&head);
            let mut lines = text.split("\r\n");
            let mut first = lines.next().unwrap_or("").split_whitespace();
            let (method, uri) = (first.next().unwrap_or("").to_owned(), first.next().unwrap_or("").to_owned());
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect();
            let req = Request { method, uri, headers };
            // Request bodies (SET_PARAMETER) are read and ignored.
            let body_len: usize = req.header("Content-Length").and_then(|v| v.parse().ok()).unwrap_or(0);
            if body_len > MAX_HEAD {
                return Err(std::io::Error::other("request body too large"));
            }
            while buf.len() < body_len {
                if rd.read_buf(buf).await? == 0 {
                    return Ok(None);
                }
            }
            let _ = buf.split_to(body_len);
            return Ok(Some(req));
        }
        if buf.len() > MAX_HEAD {
            return Err(std::io::Error::other("request head too large"));
        }
        if rd.read_buf(buf).await? == 0 {
            return Ok(None);
        }
    }
}

/// The SDP of a stream (H.264, packetisation mode 1).
pub fn sdp(p: &StreamParams) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let profile = p.sps.get(1..4).map(|b| format!("{:02X}{:02X}{:02X}", b[0], b[1], b[2])).unwrap_or_default();
    format!(
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=palmgrid\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\na=control:*\r\n\
         m=video 0 RTP/AVP {PAYLOAD_TYPE}\r\na=rtpmap:{PAYLOAD_TYPE} H264/90000\r\n\
         a=fmtp:{PAYLOAD_TYPE} packetization-mode=1;profile-level-id={profile};sprop-parameter-sets={},{}\r\n\
         a=control:trackID=0\r\n",
        b64.encode(&p.sps),
        b64.encode(&p.pps)
    )
}

/// Sends the stream as RTP over the interleaved channel until the client goes away.
async fn play(stream: LiveStream, channel: u8, tx: mpsc::Sender<Bytes>) {
    let mut sub = stream.subscribe();
    let ssrc = rand_u64() as u32;
    let mut seq: u16 = rand_u64() as u16;
    let mut params: Option<Arc<StreamParams>> = None;
    while let Some(ev) = sub.next().await {
        let f = match ev {
            Event::Params(p) => {
                params = Some(p);
                continue;
            }
            Event::Frame(f) => f,
        };
        let Some(p) = &params else { continue };
        let Ok(mut nals) = h264::avcc_nals(&f.data) else { continue };
        if f.is_key {
            nals.splice(0..0, [&p.sps[..], &p.pps[..]]);
        }
        let ts = f.pts_90k as u32;
        for pkt in packetize(&nals, ts, &mut seq, ssrc) {
            let mut framed = BytesMut::with_capacity(4 + pkt.len());
            framed.put_u8(b'$');
            framed.put_u8(channel);
            framed.put_u16(pkt.len() as u16);
            framed.put_slice(&pkt);
            if tx.send(framed.freeze()).await.is_err() {
                return;
            }
        }
    }
}

/// RFC 6184 packetisation: single NAL units, FU-A for large ones; the marker bit on the
/// last packet of the access unit.
pub fn packetize(nals: &[&[u8]], ts: u32, seq: &mut u16, ssrc: u32) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut push = |parts: &[&[u8]], mark: bool, seq: &mut u16| {
        let mut p = Vec::with_capacity(12 + parts.iter().map(|s| s.len()).sum::<usize>());
        p.extend_from_slice(&[0x80, ((mark as u8) << 7) | PAYLOAD_TYPE]);
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&ts.to_be_bytes());
        p.extend_from_slice(&ssrc.to_be_bytes());
        for s in parts {
            p.extend_from_slice(s);
        }
        *seq = seq.wrapping_add(1);
        out.push(p);
    };
    for (i, &nal) in nals.iter().enumerate() {
        if nal.is_empty() {
            continue;
        }
        let last = i + 1 == nals.len();
        if nal.len() <= MAX_PAYLOAD {
            push(&[nal], last, seq);
            continue;
        }
        let (indicator, kind) = ((nal[0] & 0xE0) | 28, nal[0] & 0x1F);
        let chunks: Vec<&[u8]> = nal[1..].chunks(MAX_PAYLOAD - 2).collect();
        for (j, c) in chunks.iter().enumerate() {
            let (s, e) = (j == 0, j + 1 == chunks.len());
            let fu = [indicator, ((s as u8) << 7) | ((e as u8) << 6) | kind];
            push(&[&fu[..], c], last && e, seq);
        }
    }
    out
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0),
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_transports() {
        assert_eq!(mount_path("rtsp://127.0.0.1:8554/sim/cam1/trackID=0"), "sim/cam1");
        assert_eq!(mount_path("rtsp://h/sim/cam1/"), "sim/cam1");
        assert_eq!(mount_path("rtsp://h/cam?x=1"), "cam");
        assert_eq!(parse_interleaved("RTP/AVP/TCP;unicast;interleaved=0-1"), Some(0));
        assert_eq!(parse_interleaved("RTP/AVP;unicast;client_port=5000-5001"), None);
        assert_eq!(parse_interleaved("RTP/AVP/TCP;unicast;interleaved=1-2"), None, "odd channel");
    }

    #[test]
    fn fu_a_splits_large_nals_and_marks_the_last_packet() {
        let big = vec![0x65u8; 3000];
        let small = [0x41u8, 1, 2];
        let mut seq = 65535;
        let pkts = packetize(&[&small, &big], 1234, &mut seq, 7);
        assert_eq!(pkts.len(), 1 + 3);
        assert_eq!(seq, 3, "sequence numbers wrap");
        assert_eq!(pkts[0][1] & 0x80, 0, "no marker mid access unit");
        assert_eq!(pkts[1][12] & 0x1f, 28, "FU-A");
        assert_eq!(pkts[1][13] & 0xC0, 0x80, "start bit");
        assert_eq!(pkts[3][13] & 0xC0, 0x40, "end bit");
        assert_eq!(pkts[3][1] & 0x80, 0x80, "marker on the last packet");
        let payload: usize = pkts[1..].iter().map(|p| p.len() - 14).sum();
        assert_eq!(payload, big.len() - 1);
    }
}
