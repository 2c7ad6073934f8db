//! Encoded scenes are real H.264 that a peer (ffprobe) reads through our fMP4 muxer.

use palmgrid_media::fmp4::{FragmentWriter, init_segment};
use palmgrid_simcam::encode::{StreamSpec, encode_clip};
use palmgrid_simcam::scene::{Scene, SceneKind};
use std::process::Command;

fn ffprobe_available() -> bool {
    match Command::new("ffprobe").arg("-version").output() {
        Ok(o) if o.status.success() => true,
        _ if std::env::var("PALMGRID_REQUIRE_TOOLS").is_ok_and(|v| v == "1") => {
            panic!("ffprobe is required (PALMGRID_REQUIRE_TOOLS=1) but not installed")
        }
        _ => {
            eprintln!("SKIPPED: ffprobe not installed (apt-get install ffmpeg)");
            false
        }
    }
}

#[test]
fn sub_stream_loop_muxed_as_fmp4_is_read_by_ffprobe() {
    let scene = Scene::new(SceneKind::CarParking, 4.0, 3);
    let clip = encode_clip(&scene, StreamSpec::SUB, 4.0).unwrap();
    assert_eq!((clip.params.width, clip.params.height), (640, 360));
    assert!(clip.params.rfc6381.starts_with("avc1.42"), "{}", clip.params.rfc6381);
    assert_eq!(clip.frames.len(), 100);
    assert!(clip.frames[0].is_key && clip.frames[50].is_key && !clip.frames[1].is_key, "GOP of 50");

    // Two loops back to back, as a viewer would receive them: 8 s.
    let mut out = init_segment(&clip.params).unwrap();
    let mut w = FragmentWriter::new();
    for f in clip.looped(0, 0).chain(clip.looped(1, 0)) {
        if let Some(frag) = w.push(f).unwrap() {
            out.extend_from_slice(&frag);
        }
    }
    assert_eq!(w.emitted_90k(), 199 * 3600);
    if !ffprobe_available() {
        return;
    }
    let path = std::env::temp_dir().join(format!("palmgrid-simcam-{}.mp4", std::process::id()));
    std::fs::write(&path, &out).unwrap();
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries"])
        .arg("stream=codec_name,width,height,nb_read_frames:format=duration")
        .args(["-of", "json"])
        .arg(&path)
        .output()
        .unwrap();
    if std::env::var_os("PALMGRID_KEEP_ARTIFACTS").is_none() {
        let _ = std::fs::remove_file(&path);
    } else {
        eprintln!("kept {}", path.display());
    }
    assert!(probe.status.success(), "{}", String::from_utf8_lossy(&probe.stderr));
    assert!(probe.stderr.is_empty(), "ffprobe complained: {}", String::from_utf8_lossy(&probe.stderr));
    let v: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    let s = &v["streams"][0];
    assert_eq!(s["codec_name"], "h264");
    assert_eq!((s["width"].as_i64(), s["height"].as_i64()), (Some(640), Some(360)));
    assert_eq!(s["nb_read_frames"].as_str(), Some("199"));
    let duration: f64 = v["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!((duration - 7.96).abs() < 0.05, "duration {duration}");
}

#[tokio::test]
async fn a_replayed_scene_is_served_over_rtsp_and_read_by_ffprobe() {
    use palmgrid_media::hub::LiveStream;
    use palmgrid_media::rtsp_server::{StaticMounts, serve};
    use std::collections::HashMap;
    use std::sync::Arc;

    let clip = Arc::new(encode_clip(&Scene::new(SceneKind::PeopleWalking, 4.0, 1), StreamSpec::SUB, 4.0).unwrap());
    let live = LiveStream::default();
    let replay = tokio::spawn(palmgrid_simcam::encode::replay(clip, live.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mounts = StaticMounts(Arc::new(HashMap::from([("sim/walk".to_owned(), live)])));
    let server = tokio::spawn(serve(listener, Arc::new(mounts)));
    if !ffprobe_available() {
        return;
    }
    let url = format!("rtsp://{addr}/sim/walk");
    let probe = tokio::process::Command::new("ffprobe")
        .args(["-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v:0", "-show_entries"])
        .arg("stream=codec_name,width,height")
        .args(["-of", "json", &url])
        .output()
        .await
        .unwrap();
    assert!(probe.status.success(), "{}", String::from_utf8_lossy(&probe.stderr));
    let v: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    let s = &v["streams"][0];
    assert_eq!(s["codec_name"], "h264");
    assert_eq!((s["width"].as_i64(), s["height"].as_i64()), (Some(640), Some(360)));
    // And 3 s of frames arrive in real time, decodable (ffmpeg counts decoded frames).
    let out = tokio::process::Command::new("ffmpeg")
        .args(["-v", "error", "-rtsp_transport", "tcp", "-i", &url, "-t", "3", "-f", "null", "-"])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "decoder errors: {}", String::from_utf8_lossy(&out.stderr));
    replay.abort();
    server.abort();
}

#[test]
fn a_keyframe_snapshot_shows_the_scene() {
    let clip = encode_clip(&Scene::new(SceneKind::GarbageLeft, 4.0, 3), StreamSpec::SUB, 4.0).unwrap();
    let key = clip.frames.iter().rev().find(|f| f.is_key).unwrap();
    let jpeg = palmgrid_media::snapshot::keyframe_to_jpeg(&clip.params, key, 85).unwrap();
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "JPEG SOI marker");
    let img = image::load_from_memory(&jpeg).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (640, 360));
    // The garbage bag (dark) is present at 2 s (after 30 % of the loop): sample its centre
    // (reference 630,520 → 315,260 at 640×360) against the sidewalk beside it.
    let bag = img.get_pixel(315, 260).0;
    let sidewalk = img.get_pixel(200, 260).0;
    let luma = |p: [u8; 3]| (p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000;
    assert!(luma(bag) + 60 < luma(sidewalk), "bag {bag:?} vs sidewalk {sidewalk:?}");
}
