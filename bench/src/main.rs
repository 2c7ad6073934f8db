//! palmgrid video benchmarks, each against a peer in the same run:
//!
//! (a) time to first fragment over `live.ws` for a warm and a cold camera, beside ffmpeg's
//!     time to its first frame from the same RTSP source;
//! (b) CPU of recording 1, 8 and 32 cameras, beside `ffmpeg -c copy -f segment` on the
//!     same sources (one ffmpeg per camera, as an NVR built on ffmpeg runs it);
//! (c) one camera to 200 WebSocket viewers: server CPU, and the delay from the camera
//!     publishing a frame to each viewer receiving it;
//! (d) point → grid for 100,000 points among 10,000 grids, beside shapely's STRtree;
//! (e) community chat: one message to 2,000 connected members, beside a bare Node `ws`
//!     broadcast server.
//!
//! The cameras are served by this process (a 720p25, 2 Mbit/s, GOP 50 H.264 clip made by
//! ffmpeg/libx264 with noise, so the bitrate is that of a real street camera); palmgrid
//! (`serve`, release build) runs as its own process, so its CPU is read from /proc alone.
//!
//! `cargo build --release && cargo run --release -p palmgrid-bench -- [--only a,b,c,d,e] [--seconds 30]`

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use futures::StreamExt;
use palmgrid_media::frame::{Codec, Frame, StreamParams};
use palmgrid_media::h264;
use palmgrid_media::hub::{Event, LiveStream};
use palmgrid_media::rtsp_server::{StaticMounts, serve};
use palmgrid_simcam::encode::{EncodedClip, replay};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

mod chat;
mod grids;

const MAX_CAMERAS: usize = 32;

struct Args {
    only: String,
    seconds: u64,
    bin: PathBuf,
    cameras: Vec<usize>,
    viewers: usize,
    members: usize,
}

fn args() -> Result<Args> {
    let mut a = Args {
        only: "a,b,c,d,e".into(),
        seconds: 30,
        bin: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/palmgrid")),
        cameras: vec![1, 8, 32],
        viewers: 200,
        members: 2000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().with_context(|| format!("{k} needs a value"))?;
        match k.as_str() {
            "--only" => a.only = v,
            "--seconds" => a.seconds = v.parse()?,
            "--bin" => a.bin = v.into(),
            "--cameras" => a.cameras = v.split(',').map(|n| n.parse()).collect::<Result<_, _>>()?,
            "--viewers" => a.viewers = v.parse()?,
            "--members" => a.members = v.parse()?,
            _ => bail!("unknown option {k}"),
        }
    }
    if a.cameras.iter().any(|&n| n > MAX_CAMERAS) {
        bail!("at most {MAX_CAMERAS} cameras");
    }
    Ok(a)
}

/// A realistic camera stream: ffmpeg/libx264 720p25 at 2 Mbit/s, GOP 50, no B-frames,
/// with temporal noise so it does not compress like a test card.
fn camera_clip(dir: &Path) -> Result<EncodedClip> {
    let out = dir.join("camera.h264");
    let st = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", "8"])
        .args(["-vf", "noise=alls=12:allf=t", "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main"])
        .args(["-b:v", "2M", "-maxrate", "2M", "-bufsize", "2M", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0"])
        .args(["-bf", "0", "-x264-params", "aud=1", "-f", "h264"])
        .arg(&out)
        .status()
        .context("running ffmpeg (apt-get install ffmpeg)")?;
    if !st.success() {
        bail!("ffmpeg could not make the camera clip");
    }
    let data = std::fs::read(&out)?;
    let (mut sps, mut pps) = (None, None);
    let mut frames = Vec::new();
    let mut vcl: Vec<&[u8]> = Vec::new();
    let mut key = false;
    let flush = |vcl: &mut Vec<&[u8]>, key: &mut bool, frames: &mut Vec<Frame>| {
        if !vcl.is_empty() {
            let n = frames.len() as i64;
            frames.push(Frame { pts_90k: n * 3600, is_key: *key, data: h264::to_avcc(vcl.drain(..)) });
        }
        *key = false;
    };
    for nal in h264::split_annex_b(&data) {
        match h264::nal_type(nal) {
            Some(h264::NAL_AUD) => flush(&mut vcl, &mut key, &mut frames),
            Some(h264::NAL_SPS) => sps = Some(Bytes::copy_from_slice(nal)),
            Some(h264::NAL_PPS) => pps = Some(Bytes::copy_from_slice(nal)),
            Some(h264::NAL_SEI) | None => {}
            Some(t) => {
                key |= t == h264::NAL_IDR;
                vcl.push(nal);
            }
        }
    }
    flush(&mut vcl, &mut key, &mut frames);
    let (sps, pps) = (sps.context("no SPS")?, pps.context("no PPS")?);
    let (width, height, rfc6381) = h264::sps_info(&sps)?;
    let bytes: usize = frames.iter().map(|f| f.data.len()).sum();
    println!(
        "camera clip: {width}x{height}, {} frames, {:.2} Mbit/s, keyframe every 50 frames",
        frames.len(),
        bytes as f64 * 8.0 / (frames.len() as f64 / 25.0) / 1e6
    );
    Ok(EncodedClip {
        params: StreamParams { codec: Codec::H264, rfc6381, width, height, sps, pps, hvcc: None },
        duration_90k: frames.len() as i64 * 3600,
        frames,
        fps: 25,
    })
}

/// Publish times of frames, by content (the clip loops every 8 s; delays are far shorter).
#[derive(Default)]
struct PublishLog(Mutex<HashMap<u64, Instant>>);

fn content_hash(b: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    b.hash(&mut h);
    h.finish()
}

/// CPU time of every thread of `pids` so far, in ns, from `/proc/PID/task/TID/schedstat`
/// (the scheduler's own accounting: nanoseconds, where `/proc/PID/stat` counts 10 ms ticks,
/// too coarse for one camera's fraction of a percent).
fn thread_ns(pids: &[u32]) -> HashMap<(u32, u32), u64> {
    let mut out = HashMap::new();
    for &pid in pids {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { continue };
        for t in tasks.flatten() {
            let Some(tid) = t.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
            let ns = std::fs::read_to_string(t.path().join("schedstat"))
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok());
            if let Some(ns) = ns {
                out.insert((pid, tid), ns);
            }
        }
    }
    out
}

/// Measures the CPU share (cores) of `pids` over `secs`: every thread's run time, sampled
/// every 100 ms so that threads ending inside the window still count (up to their last
/// sample); threads started inside it count from zero.
async fn measure(pids: &[u32], secs: u64) -> f64 {
    let (start, t0) = (thread_ns(pids), Instant::now());
    let mut last = start.clone();
    while t0.elapsed() < Duration::from_secs(secs) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        last.extend(thread_ns(pids));
    }
    let ns: u64 = last.iter().map(|(k, v)| v.saturating_sub(start.get(k).copied().unwrap_or(0))).sum();
    ns as f64 / 1e9 / t0.elapsed().as_secs_f64()
}

/// A palmgrid server process with its own data directory.
struct Server {
    child: tokio::process::Child,
    base: String,
    token: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(bin: &Path) -> Result<Server> {
        let dir = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let config = dir.path().join("palmgrid.toml");
        std::fs::write(
            &config,
            format!(
                "data_dir = {:?}\nlog = \"warn\"\nallow_local_camera_urls = true\n[[listeners]]\naddr = \"127.0.0.1:{port}\"\n\
                 [auth]\nenforce_totp = false\nfailure_delay_ms = 0\n",
                dir.path().display().to_string()
            ),
        )?;
        let mut add = std::process::Command::new(bin)
            .args(["user", "add", "--username", "admin", "--role", "district_admin", "--data-dir"])
            .arg(dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .with_context(|| format!("running {} (build it with cargo build --release)", bin.display()))?;
        {
            use std::io::Write;
            add.stdin.take().unwrap().write_all(b"bench-password-2026\n")?;
        }
        if !add.wait()?.success() {
            bail!("palmgrid user add failed");
        }
        let child = tokio::process::Command::new(bin)
            .args(["serve", "--config"])
            .arg(&config)
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..100 {
            if client.get(format!("{base}/healthz")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let login: Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": "bench-password-2026"}))
            .send()
            .await?
            .json()
            .await?;
        let token = login["token"].as_str().with_context(|| format!("login: {login}"))?.to_owned();
        Ok(Server { child, base, token, client, _dir: dir })
    }

    fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    async fn add_camera(&self, url: &str, record: bool) -> Result<String> {
        let v: Value = self
            .client
            .post(format!("{}/api/v1/cameras", self.base))
            .bearer_auth(&self.token)
            .header("x-palmgrid-client", "bench")
            .json(&json!({"name": format!("bench {url}"), "url": url, "record": record}))
            .send()
            .await?
            .json()
            .await?;
        Ok(v["id"].as_str().with_context(|| format!("camera: {v}"))?.to_owned())
    }

    fn ws_url(&self, id: &str) -> String {
        format!("{}/api/v1/cameras/{id}/live.ws?purpose=bench&stream=main", self.base.replace("http", "ws"))
    }

    /// WebSocket open → first media fragment (after the init segment), in ms.
    async fn ttff(&self, id: &str) -> Result<f64> {
        let mut req = self.ws_url(id).into_client_request()?;
        req.headers_mut().insert("authorization", format!("Bearer {}", self.token).parse()?);
        let t0 = Instant::now();
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
        let mut init = false;
        while let Some(m) = ws.next().await {
            if let Message::Binary(b) = m? {
                if init && &b[4..8] == b"moof" {
                    return Ok(t0.elapsed().as_secs_f64() * 1000.0);
                }
                init |= &b[4..8] == b"ftyp";
            }
        }
        bail!("stream ended before the first fragment")
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// ffmpeg's time from start to its first decoded frame from an RTSP URL, in ms.
async fn ffmpeg_first_frame(url: &str) -> Result<f64> {
    let t0 = Instant::now();
    let st = tokio::process::Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-rtsp_transport", "tcp", "-i", url, "-frames:v", "1", "-f", "null", "-"])
        .status()
        .await?;
    if !st.success() {
        bail!("ffmpeg failed on {url}");
    }
    Ok(t0.elapsed().as_secs_f64() * 1000.0)
}

async fn bench_ttff(a: &Args, rtsp: &str) -> Result<()> {
    println!("\n## (a) time to first fragment (live.ws, main stream 720p)");
    let s = Server::start(&a.bin).await?;
    // Warm: the camera is being recorded, so its stream is already pulled.
    let warm_id = s.add_camera(&format!("{rtsp}/sim/0"), true).await?;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut warm = Vec::new();
    for _ in 0..20 {
        warm.push(s.ttff(&warm_id).await?);
    }
    // Cold: a fresh on-demand camera per sample; the first viewer starts the pull.
    let mut cold = Vec::new();
    let mut ff = Vec::new();
    for k in 1..=8 {
        let id = s.add_camera(&format!("{rtsp}/sim/{k}"), false).await?;
        cold.push(s.ttff(&id).await?);
        ff.push(ffmpeg_first_frame(&format!("{rtsp}/sim/{}", k + 8)).await?);
    }
    let (wm, w95) = (percentile(&mut warm, 0.5), percentile(&mut warm, 0.95));
    let (cm, c95) = (percentile(&mut cold, 0.5), percentile(&mut cold, 0.95));
    let fm = percentile(&mut ff, 0.5);
    println!("warm camera:  median {wm:.1} ms, p95 {w95:.1} ms (20 views; target < 300 ms)");
    println!("cold camera:  median {cm:.1} ms, p95 {c95:.1} ms (8 cameras)");
    println!("ffmpeg, same source, start → first decoded frame: median {fm:.1} ms");
    println!("ratio cold palmgrid / ffmpeg: {:.2}; warm palmgrid / ffmpeg: {:.2}", cm / fm, wm / fm);
    println!("(the simulated camera keeps a GOP cache, as palmgrid does; a real camera adds up to one GOP when cold)");
    Ok(())
}

async fn bench_recording(a: &Args, rtsp: &str) -> Result<()> {
    println!("\n## (b) CPU of continuous recording, main stream 720p25 2 Mbit/s (share of one core)");
    println!("| cameras | palmgrid | ffmpeg -c copy -f segment | palmgrid / ffmpeg | per camera: palmgrid, ffmpeg |");
    println!("|---|---|---|---|---|");
    for &n in &a.cameras {
        let s = Server::start(&a.bin).await?;
        for k in 0..n {
            s.add_camera(&format!("{rtsp}/sim/{k}"), true).await?;
        }
        tokio::time::sleep(Duration::from_secs(8)).await;
        let ours = measure(&[s.pid()], a.seconds).await;
        if let Ok(out) = std::env::var("PALMGRID_BENCH_PERF") {
            // Optional: a CPU profile of the server while it records (perf report -i FILE).
            let _ = tokio::process::Command::new("perf")
                .args([
                    "record",
                    "-F",
                    "4999",
                    "-g",
                    "-o",
                    &format!("{out}.{n}"),
                    "-p",
                    &s.pid().to_string(),
                    "--",
                    "sleep",
                    "20",
                ])
                .status()
                .await;
        }
        drop(s);
        let dir = tempfile::tempdir()?;
        let mut procs = Vec::new();
        for k in 0..n {
            let pattern = dir.path().join(format!("cam{k}-%05d.mp4"));
            procs.push(
                tokio::process::Command::new("ffmpeg")
                    .args(["-v", "error", "-nostdin", "-rtsp_transport", "tcp", "-i", &format!("{rtsp}/sim/{k}")])
                    .args(["-c", "copy", "-f", "segment", "-segment_time", "60", "-reset_timestamps", "1"])
                    .arg(&pattern)
                    .kill_on_drop(true)
                    .spawn()?,
            );
        }
        tokio::time::sleep(Duration::from_secs(8)).await;
        let pids: Vec<u32> = procs.iter().filter_map(|p| p.id()).collect();
        if pids.len() != n {
            bail!("ffmpeg did not start for every camera");
        }
        let theirs = measure(&pids, a.seconds).await;
        drop(procs);
        println!(
            "| {n} | {:.1} % | {:.1} % | {:.2} | {:.2} %, {:.2} % |",
            ours * 100.0,
            theirs * 100.0,
            ours / theirs,
            ours * 100.0 / n as f64,
            theirs * 100.0 / n as f64
        );
    }
    Ok(())
}

async fn bench_fanout(a: &Args, rtsp: &str, log: Arc<PublishLog>) -> Result<()> {
    println!("\n## (c) one camera to {} WebSocket viewers (720p25 main stream)", a.viewers);
    let s = Server::start(&a.bin).await?;
    let id = s.add_camera(&format!("{rtsp}/sim/0"), false).await?;
    let delays: Arc<Mutex<Vec<f64>>> = Arc::default();
    let mut tasks = Vec::new();
    let mut open = |count: usize| -> Result<()> {
        for _ in 0..count {
            let mut req = s.ws_url(&id).into_client_request()?;
            req.headers_mut().insert("authorization", format!("Bearer {}", s.token).parse()?);
            let (log, delays) = (log.clone(), delays.clone());
            tasks.push(tokio::spawn(async move {
                let Ok((mut ws, _)) = tokio_tungstenite::connect_async(req).await else { return };
                while let Some(Ok(m)) = ws.next().await {
                    let Message::Binary(b) = m else { continue };
                    if &b[4..8] != b"moof" {
                        continue;
                    }
                    let now = Instant::now();
                    let moof = u32::from_be_bytes(b[..4].try_into().unwrap()) as usize;
                    let payload = &b[moof + 8..];
                    if let Some(t) = log.0.lock().unwrap().get(&content_hash(payload)) {
                        delays.lock().unwrap().push(now.duration_since(*t).as_secs_f64() * 1000.0);
                    }
                }
            }));
        }
        Ok(())
    };
    open(1)?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    // The first frames a viewer gets are the cached GOP (up to 2 s old): not a delay.
    delays.lock().unwrap().clear();
    let one = measure(&[s.pid()], a.seconds.min(15)).await;
    let mut d1 = std::mem::take(&mut *delays.lock().unwrap());
    open(a.viewers - 1)?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    delays.lock().unwrap().clear();
    let all = measure(&[s.pid()], a.seconds.min(15)).await;
    let mut dn = std::mem::take(&mut *delays.lock().unwrap());
    for t in tasks {
        t.abort();
    }
    println!("server CPU with 1 viewer: {:.1} %; with {} viewers: {:.1} %", one * 100.0, a.viewers, all * 100.0);
    println!("CPU per additional viewer: {:.3} % of a core", (all - one) * 100.0 / (a.viewers - 1) as f64);
    println!(
        "camera publish → viewer receives, 1 viewer: p50 {:.1} ms, p99 {:.1} ms ({} frames)",
        percentile(&mut d1, 0.5),
        percentile(&mut d1, 0.99),
        d1.len()
    );
    println!(
        "camera publish → viewer receives, {} viewers: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} frames)",
        a.viewers,
        percentile(&mut dn, 0.5),
        percentile(&mut dn, 0.99),
        dn.last().copied().unwrap_or(f64::NAN),
        dn.len()
    );
    println!("(includes the RTSP hop from the camera and the one-frame delay of the fMP4 writer, 40 ms at 25 fps)");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = args()?;
    if a.only.contains('d') {
        grids::bench()?;
    }
    if a.only.contains('e') {
        chat::bench(&a.bin, a.members).await?;
    }
    if !a.only.contains(['a', 'b', 'c']) {
        return Ok(());
    }
    let work = tempfile::tempdir()?;
    let clip = Arc::new(camera_clip(work.path())?);
    // Cameras: MAX_CAMERAS + 8 mounts replaying the clip in real time.
    let mut mounts = HashMap::new();
    let log = Arc::new(PublishLog::default());
    for k in 0..MAX_CAMERAS + 8 {
        let live = LiveStream::default();
        tokio::spawn(replay(clip.clone(), live.clone()));
        if k == 0 {
            // Remember when camera 0 publishes each frame (for the fan-out delay).
            let mut sub = live.subscribe();
            let log = log.clone();
            tokio::spawn(async move {
                while let Some(ev) = sub.next().await {
                    if let Event::Frame(f) = ev {
                        log.0.lock().unwrap().insert(content_hash(&f.data), Instant::now());
                    }
                }
            });
        }
        mounts.insert(format!("sim/{k}"), live);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let rtsp = format!("rtsp://{}", listener.local_addr()?);
    tokio::spawn(serve(listener, Arc::new(StaticMounts(Arc::new(mounts)))));
    println!("palmgrid benchmarks, {} cores, {} s per CPU measurement", num_cpus(), a.seconds);
    if a.only.contains('a') {
        bench_ttff(&a, &rtsp).await?;
    }
    if a.only.contains('b') {
        bench_recording(&a, &rtsp).await?;
    }
    if a.only.contains('c') {
        bench_fanout(&a, &rtsp, log).await?;
    }
    Ok(())
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}
