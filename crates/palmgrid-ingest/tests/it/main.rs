//! Ingest against real RTSP servers on loopback: our own (serving a simulated camera) and,
//! when installed, GStreamer's gst-rtsp-server (a camera that is not ours).

use palmgrid_ingest::health::Health;
use palmgrid_ingest::rtsp::{RtpTransport, RtspSource, pull};
use palmgrid_media::hub::{Event, LiveStream};
use palmgrid_media::rtsp_server::{StaticMounts, serve};
use palmgrid_simcam::encode::{StreamSpec, encode_clip, replay};
use palmgrid_simcam::scene::{Scene, SceneKind};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// A simulated camera served over our RTSP server on loopback: its URL, the stream it
/// replays into (for counting upstream sessions), and the tasks, aborted when dropped.
struct SimCamera {
    url: String,
    addr: std::net::SocketAddr,
    source: LiveStream,
    clip: Arc<palmgrid_simcam::encode::EncodedClip>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for SimCamera {
    fn drop(&mut self) {
        self.tasks.iter().for_each(|t| t.abort());
    }
}

async fn sim_camera(kind: SceneKind, seconds: f32, seed: u32, spec: StreamSpec) -> SimCamera {
    let clip = Arc::new(encode_clip(&Scene::new(kind, seconds, seed), spec, seconds).unwrap());
    let source = LiveStream::default();
    let replaying = tokio::spawn(replay(clip.clone(), source.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mounts = StaticMounts(Arc::new(HashMap::from([("sim/1".to_owned(), source.clone())])));
    let serving = tokio::spawn(async move {
        let _ = serve(listener, Arc::new(mounts)).await;
    });
    SimCamera { url: format!("rtsp://{addr}/sim/1"), addr, source, clip, tasks: vec![replaying, serving] }
}

fn tcp(url: &str) -> RtspSource {
    RtspSource { url: url.to_owned(), credentials: None, transport: RtpTransport::Tcp, allow_local: true }
}

#[tokio::test]
async fn pulls_a_simulated_camera_frame_for_frame() {
    let cam = sim_camera(SceneKind::GarbageLeft, 4.0, 2, StreamSpec::SUB).await;
    let (clip, src) = (cam.clip.clone(), tcp(&cam.url));
    let live = LiveStream::default();
    let health = Health::default();
    let mut sub = live.subscribe();
    let pulling = {
        let (live, health) = (live.clone(), health.clone());
        tokio::spawn(async move { pull(&src, &live, &health, Duration::from_secs(5)).await })
    };
    let mut params = None;
    let mut frames = Vec::new();
    while frames.len() < 60 {
        match tokio::time::timeout(Duration::from_secs(10), sub.next()).await.expect("frames arrive") {
            Some(Event::Params(p)) => params = Some(p),
            Some(Event::Frame(f)) => frames.push(f),
            None => panic!("stream closed"),
        }
    }
    let p = params.expect("parameters first");
    assert_eq!((p.width, p.height), (640, 360));
    assert_eq!(p.sps, clip.params.sps, "parameter sets pass through untouched");
    assert!(frames[0].is_key, "a viewer starts at a keyframe");
    // Every received frame is byte-identical to one the camera sent (no re-encoding).
    for f in &frames {
        assert!(clip.frames.iter().any(|c| c.data == f.data), "frame at {} differs", f.pts_90k);
    }
    let d: Vec<i64> = frames.windows(2).map(|w| w[1].pts_90k - w[0].pts_90k).collect();
    assert!(d.iter().all(|&x| x == 3600), "25 fps timestamps: {d:?}");
    let h = health.view();
    assert!(h.online && h.frames >= 60 && h.last_keyframe_ms.is_some());
    assert!((h.fps - 25.0).abs() < 3.0, "fps {}", h.fps);
    pulling.abort();
}

#[tokio::test]
async fn a_refused_connection_is_an_error_not_a_hang() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let src = tcp(&format!("rtsp://{addr}/x"));
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        pull(&src, &LiveStream::default(), &Health::default(), Duration::from_secs(2)),
    )
    .await
    .expect("returns promptly");
    assert!(r.is_err());
}

#[tokio::test]
async fn on_demand_pull_starts_with_the_first_viewer_and_stops_after_the_grace_period() {
    use palmgrid_ingest::manager::{Manager, StreamKind};
    let cam = sim_camera(SceneKind::StallSetUp, 2.0, 5, StreamSpec::SUB).await;
    let source_live = cam.source.clone();
    let m = Manager::new(Duration::from_secs(2));
    let src = tcp(&cam.url);
    m.upsert("cam", StreamKind::Sub, src, false);
    assert!(!m.is_pulling("cam", StreamKind::Sub), "nobody watches: no upstream");
    assert_eq!(source_live.viewers(), 0);
    let mut a = m.watch("cam", StreamKind::Sub).unwrap();
    let mut b = m.watch("cam", StreamKind::Sub).unwrap();
    for s in [&mut a, &mut b] {
        loop {
            if let Some(Event::Frame(_)) = tokio::time::timeout(Duration::from_secs(10), s.next()).await.unwrap() {
                break;
            }
        }
    }
    assert_eq!(source_live.viewers(), 1, "two viewers, one upstream");
    drop(a);
    drop(b);
    tokio::time::sleep(Duration::from_millis(4500)).await;
    assert!(!m.is_pulling("cam", StreamKind::Sub), "stopped after the grace period");
    assert_eq!(source_live.viewers(), 0, "upstream session closed");
    assert!(!m.health("cam", StreamKind::Sub).unwrap().online);
}

#[tokio::test]
async fn a_recorded_stream_keeps_its_socket_quiet_until_a_live_viewer_comes() {
    use palmgrid_ingest::pace::{HELD_MARK, sockets_to};
    use std::os::fd::AsFd;
    let cam = sim_camera(SceneKind::PeopleWalking, 2.0, 7, StreamSpec::SUB).await;
    let (addr, src) = (cam.addr, tcp(&cam.url));
    let live = LiveStream::default();
    // Only a recorder watches: the pull is paced.
    let mut recorder = live.subscribe_patient();
    let pulling = {
        let live = live.clone();
        tokio::spawn(async move { pull(&src, &live, &Health::default(), Duration::from_secs(5)).await })
    };
    let mut frames = 0;
    while frames < 25 {
        if let Some(Event::Frame(_)) = tokio::time::timeout(Duration::from_secs(10), recorder.next()).await.unwrap() {
            frames += 1;
        }
    }
    let socket = sockets_to(addr, |_| true);
    assert_eq!(socket.len(), 1, "one connection to the camera");
    let mark = || palmgrid_sys::rcvlowat(socket[0].as_fd()).unwrap();
    // Between ticks the mark is held, so segments arriving wake nobody.
    let mut held = 0;
    for _ in 0..20 {
        held += usize::from(mark() == HELD_MARK);
        while recorder.try_next().is_some() {}
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(held >= 14, "held in {held} of 20 samples");
    // A live viewer needs every frame at once: the mark drops (at once, not at the next
    // one-second tick) and stays down.
    let mut viewer = live.subscribe();
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..10 {
        assert_eq!(mark(), 1, "released while someone watches live");
        while recorder.try_next().is_some() {}
        while viewer.try_next().is_some() {}
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut gaps = Vec::new();
    let mut last = std::time::Instant::now();
    while gaps.len() < 25 {
        if let Some(Event::Frame(_)) = tokio::time::timeout(Duration::from_secs(5), viewer.next()).await.unwrap() {
            gaps.push(last.elapsed());
            last = std::time::Instant::now();
        }
    }
    // Frame by frame (25 fps), not in batches.
    let slow = gaps.iter().skip(1).filter(|g| **g > Duration::from_millis(120)).count();
    assert!(slow <= 2, "live frames came in batches: {gaps:?}");
    pulling.abort();
}

#[tokio::test]
async fn pulls_on_the_media_thread_reach_viewers_on_the_server_runtime() {
    use palmgrid_ingest::manager::{Manager, StreamKind};
    let cam = sim_camera(SceneKind::CarParking, 2.0, 9, StreamSpec::SUB).await;
    let media = palmgrid_ingest::media_thread().unwrap();
    let m = Manager::new_on(Duration::from_secs(30), media);
    m.upsert("cam", StreamKind::Sub, tcp(&cam.url), true);
    // The recorder's view: paced, in batches; then a live viewer on this runtime, frame by frame.
    let mut patient = m.watch_patient("cam", StreamKind::Sub).unwrap();
    loop {
        if let Some(Event::Frame(_)) = tokio::time::timeout(Duration::from_secs(10), patient.next()).await.unwrap() {
            break;
        }
    }
    let mut viewer = m.watch("cam", StreamKind::Sub).unwrap();
    let mut frames = 0;
    while frames < 25 {
        if let Some(Event::Frame(_)) = tokio::time::timeout(Duration::from_secs(5), viewer.next()).await.unwrap() {
            frames += 1;
        }
    }
    assert!(m.is_pulling("cam", StreamKind::Sub));
    assert_eq!(cam.source.viewers(), 1, "one upstream for both");
    m.remove("cam");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(cam.source.viewers(), 0, "removing the camera ends the pull on the media thread");
}
