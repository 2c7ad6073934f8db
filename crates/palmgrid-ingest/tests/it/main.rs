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

#[tokio::test]
async fn pulls_a_simulated_camera_frame_for_frame() {
    let clip = Arc::new(encode_clip(&Scene::new(SceneKind::GarbageLeft, 4.0, 2), StreamSpec::SUB, 4.0).unwrap());
    let source_live = LiveStream::default();
    let _replay = tokio::spawn(replay(clip.clone(), source_live.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mounts = StaticMounts(Arc::new(HashMap::from([("sim/1".to_owned(), source_live)])));
    let _server = tokio::spawn(serve(listener, Arc::new(mounts)));

    let src = RtspSource {
        url: format!("rtsp://{addr}/sim/1"),
        credentials: None,
        transport: RtpTransport::Tcp,
        allow_local: true,
    };
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
    let src = RtspSource {
        url: format!("rtsp://{addr}/x"),
        credentials: None,
        transport: RtpTransport::Tcp,
        allow_local: true,
    };
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
    let clip = Arc::new(encode_clip(&Scene::new(SceneKind::StallSetUp, 2.0, 5), StreamSpec::SUB, 2.0).unwrap());
    let source_live = LiveStream::default();
    let _replay = tokio::spawn(replay(clip, source_live.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mounts = StaticMounts(Arc::new(HashMap::from([("sim/2".to_owned(), source_live.clone())])));
    let _server = tokio::spawn(serve(listener, Arc::new(mounts)));

    let m = Manager::new(Duration::from_secs(2));
    let src = RtspSource {
        url: format!("rtsp://{addr}/sim/2"),
        credentials: None,
        transport: RtpTransport::Tcp,
        allow_local: true,
    };
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
