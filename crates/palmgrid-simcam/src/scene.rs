//! Synthetic street scenes rendered straight into I420 planes.
//!
//! Coordinates are in a 1280×720 reference space and scaled to the output size, so the
//! main (1280×720) and sub (640×360) streams show the same scene and share one timeline.

use serde::Serialize;

pub const REF_W: f32 = 1280.0;
pub const REF_H: f32 = 720.0;

/// What a scene shows; each has its own story over the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SceneKind {
    PeopleWalking,
    CrowdForming,
    GarbageLeft,
    StallSetUp,
    CarParking,
}

impl SceneKind {
    pub const ALL: [SceneKind; 5] = [
        SceneKind::PeopleWalking,
        SceneKind::CrowdForming,
        SceneKind::GarbageLeft,
        SceneKind::StallSetUp,
        SceneKind::CarParking,
    ];
}

/// A ground-truth event: `kind` happens from `start_s` to `end_s` (seconds into the loop)
/// inside `bbox` = (x, y, w, h) in reference coordinates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TruthEvent {
    pub kind: &'static str,
    pub start_s: f32,
    pub end_s: f32,
    pub bbox: (f32, f32, f32, f32),
}

/// A YUV colour.
#[derive(Debug, Clone, Copy)]
pub struct Yuv(pub u8, pub u8, pub u8);

const SKY: Yuv = Yuv(180, 140, 120);
const BUILDING: Yuv = Yuv(120, 120, 135);
const WINDOW: Yuv = Yuv(60, 140, 120);
const SIDEWALK: Yuv = Yuv(160, 125, 130);
const ROAD: Yuv = Yuv(80, 128, 128);
const LANE: Yuv = Yuv(220, 128, 128);
const PEOPLE: [Yuv; 4] = [Yuv(70, 160, 170), Yuv(130, 90, 190), Yuv(90, 180, 90), Yuv(170, 60, 140)];
const GARBAGE: Yuv = Yuv(40, 120, 130);
const STALL: Yuv = Yuv(150, 60, 200);
const CAR: Yuv = Yuv(110, 200, 100);

/// An I420 picture.
pub struct Picture {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

impl Picture {
    pub fn new(width: usize, height: usize) -> Self {
        assert!(width.is_multiple_of(2) && height.is_multiple_of(2), "I420 needs even sizes");
        Picture { width, height, data: vec![0; width * height * 3 / 2] }
    }

    /// Fills a rectangle given in reference coordinates.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: Yuv) {
        let sx = self.width as f32 / REF_W;
        let sy = self.height as f32 / REF_H;
        let x0 = ((x * sx).max(0.0) as usize).min(self.width) & !1;
        let y0 = ((y * sy).max(0.0) as usize).min(self.height) & !1;
        let x1 = (((x + w) * sx).max(0.0) as usize).min(self.width) & !1;
        let y1 = (((y + h) * sy).max(0.0) as usize).min(self.height) & !1;
        let (wd, ht) = (self.width, self.height);
        let (luma, chroma) = self.data.split_at_mut(wd * ht);
        let (u, v) = chroma.split_at_mut(wd * ht / 4);
        for row in y0..y1 {
            luma[row * wd + x0..row * wd + x1].fill(c.0);
        }
        for row in (y0 / 2)..(y1 / 2) {
            u[row * wd / 2 + x0 / 2..row * wd / 2 + x1 / 2].fill(c.1);
            v[row * wd / 2 + x0 / 2..row * wd / 2 + x1 / 2].fill(c.2);
        }
    }

    /// The luma value at reference coordinates (for tests).
    pub fn luma_at(&self, x: f32, y: f32) -> u8 {
        let px = ((x * self.width as f32 / REF_W) as usize).min(self.width - 1);
        let py = ((y * self.height as f32 / REF_H) as usize).min(self.height - 1);
        self.data[py * self.width + px]
    }
}

/// A deterministic walker: enters at one side, crosses, repeats with its own period.
fn walker(i: usize, t: f32) -> (f32, f32) {
    let speed = 60.0 + (i * 37 % 50) as f32;
    let period = (REF_W + 100.0) / speed;
    let phase = (t + i as f32 * 1.7) % period;
    let left_to_right = i.is_multiple_of(2);
    let x = if left_to_right { -50.0 + phase * speed } else { REF_W + 50.0 - phase * speed };
    let y = 430.0 + (i * 53 % 90) as f32;
    (x, y)
}

fn person(p: &mut Picture, x: f32, y: f32, i: usize) {
    let c = PEOPLE[i % PEOPLE.len()];
    p.rect(x - 6.0, y - 44.0, 12.0, 12.0, Yuv(200, 115, 150)); // head
    p.rect(x - 10.0, y - 32.0, 20.0, 32.0, c); // body
}

/// A scene of a given kind, looping every `loop_s` seconds.
#[derive(Debug, Clone)]
pub struct Scene {
    pub kind: SceneKind,
    pub loop_s: f32,
    /// Varies the background so cameras do not all look alike.
    pub seed: u32,
}

impl Scene {
    pub fn new(kind: SceneKind, loop_s: f32, seed: u32) -> Self {
        Scene { kind, loop_s, seed }
    }

    /// The ground-truth timeline of one loop.
    pub fn truth(&self) -> Vec<TruthEvent> {
        let l = self.loop_s;
        match self.kind {
            SceneKind::PeopleWalking => {
                vec![TruthEvent { kind: "people_walking", start_s: 0.0, end_s: l, bbox: (0.0, 380.0, REF_W, 200.0) }]
            }
            SceneKind::CrowdForming => {
                vec![TruthEvent { kind: "crowd", start_s: l * 0.4, end_s: l * 0.9, bbox: (520.0, 400.0, 240.0, 160.0) }]
            }
            SceneKind::GarbageLeft => {
                vec![TruthEvent { kind: "object_left", start_s: l * 0.3, end_s: l, bbox: (600.0, 500.0, 60.0, 40.0) }]
            }
            SceneKind::StallSetUp => {
                vec![TruthEvent { kind: "stall", start_s: l * 0.35, end_s: l, bbox: (880.0, 360.0, 200.0, 120.0) }]
            }
            SceneKind::CarParking => {
                vec![TruthEvent { kind: "car_parked", start_s: l * 0.5, end_s: l, bbox: (700.0, 560.0, 220.0, 90.0) }]
            }
        }
    }

    /// Draws the scene at `t` seconds (taken modulo the loop).
    pub fn render(&self, p: &mut Picture, t: f32) {
        let t = t % self.loop_s;
        let l = self.loop_s;
        p.rect(0.0, 0.0, REF_W, 360.0, SKY);
        let shift = (self.seed % 7) as f32 * 30.0;
        for b in 0..5 {
            let bx = b as f32 * 270.0 + shift - 60.0;
            let bh = 150.0 + ((self.seed as usize + b * 31) % 5) as f32 * 25.0;
            p.rect(bx, 300.0 - bh, 220.0, bh + 60.0, BUILDING);
            for wy in 0..3 {
                for wx in 0..4 {
                    p.rect(bx + 20.0 + wx as f32 * 50.0, 300.0 - bh + 20.0 + wy as f32 * 45.0, 24.0, 24.0, WINDOW);
                }
            }
        }
        p.rect(0.0, 360.0, REF_W, 220.0, SIDEWALK);
        p.rect(0.0, 580.0, REF_W, 140.0, ROAD);
        for k in 0..8 {
            p.rect(k as f32 * 170.0 + 20.0, 645.0, 90.0, 8.0, LANE);
        }
        let walkers = if self.kind == SceneKind::PeopleWalking { 9 } else { 4 };
        for i in 0..walkers {
            let (x, y) = walker(i, t);
            person(p, x, y, i);
        }
        match self.kind {
            SceneKind::PeopleWalking => {}
            SceneKind::CrowdForming => {
                // Twelve people converge on a point between 30 % and 40 % of the loop,
                // stand there until 90 %, then disperse.
                let (cx, cy) = (640.0, 500.0);
                for i in 0..12 {
                    let ang = i as f32 * std::f32::consts::FRAC_PI_6;
                    let (fx, fy) = (cx + ang.cos() * 600.0, cy + ang.sin() * 60.0);
                    let (gx, gy) = (cx + ang.cos() * (40.0 + (i % 3) as f32 * 30.0), cy + ang.sin() * 40.0);
                    let k = if t < l * 0.3 {
                        0.0
                    } else if t < l * 0.4 {
                        (t - l * 0.3) / (l * 0.1)
                    } else if t < l * 0.9 {
                        1.0
                    } else {
                        1.0 - (t - l * 0.9) / (l * 0.1)
                    };
                    person(p, fx + (gx - fx) * k, fy + (gy - fy) * k + 20.0, i + 4);
                }
            }
            SceneKind::GarbageLeft => {
                if t >= l * 0.3 {
                    p.rect(600.0, 500.0, 60.0, 40.0, GARBAGE);
                }
            }
            SceneKind::StallSetUp => {
                if t >= l * 0.35 {
                    p.rect(880.0, 360.0, 200.0, 120.0, STALL);
                    p.rect(880.0, 340.0, 200.0, 20.0, Yuv(200, 100, 170));
                }
            }
            SceneKind::CarParking => {
                // A car drives in from the left and stops at its bay at half the loop.
                let stop_x = 700.0;
                let x = if t < l * 0.5 { -240.0 + (stop_x + 240.0) * (t / (l * 0.5)) } else { stop_x };
                p.rect(x, 560.0, 220.0, 90.0, CAR);
                p.rect(x + 30.0, 530.0, 150.0, 35.0, Yuv(90, 150, 110));
            }
        }
        // A moving timestamp bar so every frame differs (encoders and viewers see motion).
        let bar = (t / l) * REF_W;
        p.rect(0.0, 706.0, bar, 14.0, Yuv(235, 128, 128));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_appear_when_the_truth_says() {
        let s = Scene::new(SceneKind::GarbageLeft, 20.0, 1);
        let e = &s.truth()[0];
        let (x, y) = (e.bbox.0 + 30.0, e.bbox.1 + 20.0);
        let mut before = Picture::new(640, 360);
        s.render(&mut before, e.start_s - 1.0);
        let mut after = Picture::new(640, 360);
        s.render(&mut after, e.start_s + 1.0);
        assert_eq!(after.luma_at(x, y), GARBAGE.0);
        assert_ne!(before.luma_at(x, y), GARBAGE.0);
    }

    #[test]
    fn the_car_moves_then_stays() {
        let s = Scene::new(SceneKind::CarParking, 20.0, 1);
        let mut a = Picture::new(640, 360);
        s.render(&mut a, 12.0);
        let mut b = Picture::new(640, 360);
        s.render(&mut b, 18.0);
        assert_eq!(a.luma_at(800.0, 600.0), CAR.0);
        assert_eq!(b.luma_at(800.0, 600.0), CAR.0);
        let mut c = Picture::new(640, 360);
        s.render(&mut c, 2.0);
        assert_ne!(c.luma_at(800.0, 600.0), CAR.0);
    }
}
