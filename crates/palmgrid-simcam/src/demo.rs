//! The demo's simulated cameras: five scenes encoded once at 1280×720 (main) and 640×360
//! (sub), replayed in real time, served over RTSP on loopback under `sim/{n}/main` and
//! `sim/{n}/sub` for twelve cameras.

use crate::encode::{EncodedClip, StreamSpec, encode_clip, replay};
use crate::scene::{Scene, SceneKind};
use palmgrid_media::hub::LiveStream;
use palmgrid_media::rtsp_server::{StaticMounts, serve};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// Seconds per scene loop.
pub const LOOP_SECONDS: f32 = 12.0;

/// (camera name, scene) of the demo's twelve cameras, four per community.
pub const DEMO_CAMERAS: [(&str, SceneKind); 12] = [
    ("牛角巷北口", SceneKind::PeopleWalking),
    ("牛角巷垃圾站", SceneKind::GarbageLeft),
    ("牛角巷小区大门", SceneKind::CrowdForming),
    ("牛角巷停车场", SceneKind::CarParking),
    ("人民路口", SceneKind::PeopleWalking),
    ("人民路公交站", SceneKind::CrowdForming),
    ("人民路商铺", SceneKind::StallSetUp),
    ("人民路学校门口", SceneKind::CarParking),
    ("老同兴菜场入口", SceneKind::StallSetUp),
    ("老同兴菜场内街", SceneKind::GarbageLeft),
    ("演武坪广场", SceneKind::CrowdForming),
    ("演武坪停车场", SceneKind::CarParking),
];

/// The running simulated cameras.
pub struct SimCams {
    pub addr: SocketAddr,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl SimCams {
    /// `rtsp://…/sim/{n}/main` and `…/sub` of camera `n` (0-based).
    pub fn urls(&self, n: usize) -> (String, String) {
        (format!("rtsp://{}/sim/{n}/main", self.addr), format!("rtsp://{}/sim/{n}/sub", self.addr))
    }
}

impl Drop for SimCams {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Binds the RTSP server at once; encodes the scenes in the background (the cameras come
/// online when their scene is ready, like cameras booting).
pub async fn start(listen: &str) -> std::io::Result<SimCams> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let mut by_scene: HashMap<(SceneKind, bool), LiveStream> = HashMap::new();
    let mut mounts = HashMap::new();
    for (n, (_, kind)) in DEMO_CAMERAS.iter().enumerate() {
        for main in [true, false] {
            let live = by_scene.entry((*kind, main)).or_default().clone();
            mounts.insert(format!("sim/{n}/{}", if main { "main" } else { "sub" }), live);
        }
    }
    let mut tasks = vec![tokio::spawn(async move {
        if let Err(e) = serve(listener, Arc::new(StaticMounts(Arc::new(mounts)))).await {
            tracing::error!(error = %e, "simulated camera server stopped");
        }
    })];
    for ((kind, main), live) in by_scene {
        tasks.push(tokio::spawn(async move {
            let spec = if main { StreamSpec::MAIN } else { StreamSpec::SUB };
            let seed = SceneKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u32;
            let clip: Result<EncodedClip, _> = tokio::task::spawn_blocking(move || {
                encode_clip(&Scene::new(kind, LOOP_SECONDS, seed), spec, LOOP_SECONDS)
            })
            .await
            .expect("encoder task");
            match clip {
                Ok(clip) => replay(Arc::new(clip), live).await,
                Err(e) => tracing::error!(error = %e, ?kind, "encoding a simulated scene failed"),
            }
        }));
    }
    Ok(SimCams { addr, tasks })
}
