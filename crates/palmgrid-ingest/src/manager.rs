//! Camera runtime: one live stream per (camera, main/sub), pulled on demand.
//!
//! The first viewer starts the pull; when no one has watched for the grace period (30 s by
//! default) and the stream is not always-on (recording), the pull stops. The hub's GOP
//! cache means a viewer joining a running stream starts at once.

use crate::health::{Health, HealthView};
use crate::rtsp::{self, RtspSource};
use palmgrid_media::hub::{LiveStream, Subscription};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamKind {
    Main,
    Sub,
}

struct Entry {
    source: RtspSource,
    always_on: bool,
    live: LiveStream,
    health: Health,
    task: Option<tokio::task::JoinHandle<()>>,
    last_watched: Instant,
}

impl Entry {
    fn start(&mut self, rt: &tokio::runtime::Handle) {
        if self.task.as_ref().is_some_and(|t| !t.is_finished()) {
            return;
        }
        let (src, live, health) = (self.source.clone(), self.live.clone(), self.health.clone());
        self.task = Some(rt.spawn(rtsp::run(src, live, health)));
    }

    fn stop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            self.health.stopped();
        }
    }
}

/// All camera streams of this node. Cheap to clone.
#[derive(Clone)]
pub struct Manager {
    entries: Arc<Mutex<HashMap<(String, StreamKind), Entry>>>,
    grace: Duration,
    rt: tokio::runtime::Handle,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager").field("grace", &self.grace).finish_non_exhaustive()
    }
}

impl Manager {
    /// A manager whose on-demand streams stop after `grace` without viewers, pulling on
    /// the current tokio runtime.
    pub fn new(grace: Duration) -> Manager {
        Manager::new_on(grace, tokio::runtime::Handle::current())
    }

    /// [`Manager::new`], pulling on runtime `rt` (see [`crate::media_thread`]).
    pub fn new_on(grace: Duration, rt: tokio::runtime::Handle) -> Manager {
        let m = Manager { entries: Arc::default(), grace, rt: rt.clone() };
        let weak = Arc::downgrade(&m.entries);
        rt.spawn(async move {
            loop {
                // On the paced pulls' one-second clock: one wake-up serves both.
                tokio::time::sleep_until(rtsp::next_pace_tick()).await;
                let Some(entries) = weak.upgrade() else { return };
                let now = Instant::now();
                for e in entries.lock().expect("manager lock").values_mut() {
                    if e.live.viewers() > 0 {
                        e.last_watched = now;
                    } else if !e.always_on && e.task.is_some() && now - e.last_watched >= grace {
                        e.stop();
                    }
                }
            }
        });
        m
    }

    /// The runtime the pulls run on.
    pub fn runtime(&self) -> &tokio::runtime::Handle {
        &self.rt
    }

    /// Adds or reconfigures a stream. A changed source restarts a running pull.
    pub fn upsert(&self, camera: &str, kind: StreamKind, source: RtspSource, always_on: bool) {
        let mut map = self.entries.lock().expect("manager lock");
        let key = (camera.to_owned(), kind);
        let e = map.entry(key).or_insert_with(|| Entry {
            source: source.clone(),
            always_on,
            live: LiveStream::default(),
            health: Health::default(),
            task: None,
            last_watched: Instant::now(),
        });
        let changed = e.source.url != source.url
            || e.source.credentials != source.credentials
            || e.source.transport != source.transport;
        e.source = source;
        e.always_on = always_on;
        if changed {
            e.stop();
        }
        if always_on || e.live.viewers() > 0 {
            e.start(&self.rt);
        }
    }

    /// Removes every stream of a camera.
    pub fn remove(&self, camera: &str) {
        let mut map = self.entries.lock().expect("manager lock");
        for kind in [StreamKind::Main, StreamKind::Sub] {
            if let Some(mut e) = map.remove(&(camera.to_owned(), kind)) {
                e.stop();
            }
        }
    }

    /// Removes one stream of a camera (a sub stream that was unset).
    pub fn remove_kind(&self, camera: &str, kind: StreamKind) {
        if let Some(mut e) = self.entries.lock().expect("manager lock").remove(&(camera.to_owned(), kind)) {
            e.stop();
        }
    }

    pub fn has(&self, camera: &str, kind: StreamKind) -> bool {
        self.entries.lock().expect("manager lock").contains_key(&(camera.to_owned(), kind))
    }

    /// Starts watching a stream (starting its pull if needed).
    pub fn watch(&self, camera: &str, kind: StreamKind) -> Option<Subscription> {
        self.watch_as(camera, kind, false)
    }

    /// Starts watching a stream without needing low latency (the recorder): while only
    /// patient viewers watch, the pull reads in batches.
    pub fn watch_patient(&self, camera: &str, kind: StreamKind) -> Option<Subscription> {
        self.watch_as(camera, kind, true)
    }

    fn watch_as(&self, camera: &str, kind: StreamKind, patient: bool) -> Option<Subscription> {
        let mut map = self.entries.lock().expect("manager lock");
        let e = map.get_mut(&(camera.to_owned(), kind))?;
        let sub = if patient { e.live.subscribe_patient() } else { e.live.subscribe() };
        e.last_watched = Instant::now();
        e.start(&self.rt);
        Some(sub)
    }

    /// The live stream itself (for snapshots and re-serving).
    pub fn live(&self, camera: &str, kind: StreamKind) -> Option<LiveStream> {
        self.entries.lock().expect("manager lock").get(&(camera.to_owned(), kind)).map(|e| e.live.clone())
    }

    pub fn health(&self, camera: &str, kind: StreamKind) -> Option<HealthView> {
        self.entries.lock().expect("manager lock").get(&(camera.to_owned(), kind)).map(|e| e.health.view())
    }

    /// Whether a pull task is running for the stream.
    pub fn is_pulling(&self, camera: &str, kind: StreamKind) -> bool {
        self.entries
            .lock()
            .expect("manager lock")
            .get(&(camera.to_owned(), kind))
            .is_some_and(|e| e.task.as_ref().is_some_and(|t| !t.is_finished()))
    }
}
