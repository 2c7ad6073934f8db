//! Privacy regions of a camera (隐私遮挡): polygons in the picture, in coordinates relative
//! to its width and height (0–1, origin top left), so they hold for the main and the sub
//! stream alike. A masked picture has every pixel that any region touches, even in part,
//! filled with one colour: masking errs on the side of hiding.

use serde::{Deserialize, Serialize};

/// At most this many regions per camera, of at most this many corners each.
pub const MAX_REGIONS: usize = 16;
pub const MAX_CORNERS: usize = 32;
/// The colour masked pixels get (RGB).
pub const FILL: [u8; 3] = [0x30, 0x30, 0x30];

/// A camera's privacy regions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyMask {
    /// Each region a ring of `[x, y]` corners (not closed), relative to the picture.
    pub regions: Vec<Vec<[f64; 2]>>,
}

impl PrivacyMask {
    /// Checks a mask; every problem is listed.
    pub fn check(&self) -> Result<(), Vec<String>> {
        let mut out = Vec::new();
        if self.regions.len() > MAX_REGIONS {
            out.push(format!("at most {MAX_REGIONS} regions"));
        }
        for (i, r) in self.regions.iter().enumerate() {
            if !(3..=MAX_CORNERS).contains(&r.len()) {
                out.push(format!("region {i}: 3–{MAX_CORNERS} corners"));
            }
            if r.iter().flatten().any(|v| !v.is_finite() || !(0.0..=1.0).contains(v)) {
                out.push(format!("region {i}: corners must be within 0–1 of the picture"));
            }
            if r.len() >= 3 && ring_area(r).abs() < 1e-9 {
                out.push(format!("region {i}: the region has no area"));
            }
        }
        if out.is_empty() { Ok(()) } else { Err(out) }
    }

    /// Which pixels of a `w`×`h` picture any region touches (row-major).
    pub fn coverage(&self, w: usize, h: usize) -> Vec<bool> {
        let mut out = vec![false; w * h];
        for r in &self.regions {
            let pts: Vec<(f64, f64)> = r.iter().map(|p| (p[0] * w as f64, p[1] * h as f64)).collect();
            let (min_x, max_x) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
            let (min_y, max_y) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
            let x0 = (min_x.floor().max(0.0) as usize).min(w);
            let x1 = (max_x.ceil().max(0.0) as usize).min(w);
            let y0 = (min_y.floor().max(0.0) as usize).min(h);
            let y1 = (max_y.ceil().max(0.0) as usize).min(h);
            for y in y0..y1 {
                for x in x0..x1 {
                    if !out[y * w + x] && touches(&pts, x as f64, y as f64) {
                        out[y * w + x] = true;
                    }
                }
            }
        }
        out
    }

    /// Fills every touched pixel of an RGB picture with [`FILL`].
    pub fn apply_rgb(&self, rgb: &mut [u8], w: usize, h: usize) {
        for (i, covered) in self.coverage(w, h).into_iter().enumerate() {
            if covered {
                rgb[i * 3..i * 3 + 3].copy_from_slice(&FILL);
            }
        }
    }
}

fn ring_area(r: &[[f64; 2]]) -> f64 {
    (0..r.len())
        .map(|i| {
            let (a, b) = (r[i], r[(i + 1) % r.len()]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum::<f64>()
        / 2.0
}

/// Whether the pixel square `[x, x+1] × [y, y+1]` meets the polygon: its centre is inside,
/// a corner of the polygon is inside the square, or an edge crosses the square.
fn touches(poly: &[(f64, f64)], x: f64, y: f64) -> bool {
    if inside(poly, x + 0.5, y + 0.5) {
        return true;
    }
    let in_square = |p: &(f64, f64)| p.0 >= x && p.0 <= x + 1.0 && p.1 >= y && p.1 <= y + 1.0;
    if poly.iter().any(in_square) {
        return true;
    }
    let sq = [(x, y), (x + 1.0, y), (x + 1.0, y + 1.0), (x, y + 1.0)];
    (0..poly.len()).any(|i| {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        (0..4).any(|k| segments_cross(a, b, sq[k], sq[(k + 1) % 4]))
    })
}

/// Even-odd point in polygon.
fn inside(poly: &[(f64, f64)], px: f64, py: f64) -> bool {
    let mut c = false;
    let n = poly.len();
    for i in 0..n {
        let (a, b) = (poly[i], poly[(i + n - 1) % n]);
        if (a.1 > py) != (b.1 > py) && px < (b.0 - a.0) * (py - a.1) / (b.1 - a.1) + a.0 {
            c = !c;
        }
    }
    c
}

fn cross(o: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
}

/// Whether two closed segments meet (touching counts).
fn segments_cross(p1: (f64, f64), p2: (f64, f64), q1: (f64, f64), q2: (f64, f64)) -> bool {
    let (d1, d2) = (cross(q1, q2, p1), cross(q1, q2, p2));
    let (d3, d4) = (cross(p1, p2, q1), cross(p1, p2, q2));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0)) && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0)) {
        return true;
    }
    let on = |a: (f64, f64), b: (f64, f64), p: (f64, f64), d: f64| {
        d == 0.0 && p.0 >= a.0.min(b.0) && p.0 <= a.0.max(b.0) && p.1 >= a.1.min(b.1) && p.1 <= a.1.max(b.1)
    };
    on(q1, q2, p1, d1) || on(q1, q2, p2, d2) || on(p1, p2, q1, d3) || on(p1, p2, q2, d4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(regions: Vec<Vec<[f64; 2]>>) -> PrivacyMask {
        PrivacyMask { regions }
    }

    #[test]
    fn a_rectangle_covers_exactly_the_pixels_it_touches() {
        // 0.25–0.5 of a 16×8 picture: x 4–8, y 2–4, on pixel edges: pixels 4..8 × 2..4, and
        // not their neighbours, which share only an outline with it.
        let m = mask(vec![vec![[0.25, 0.25], [0.5, 0.25], [0.5, 0.5], [0.25, 0.5]]]);
        let c = m.coverage(16, 8);
        for y in 0..8 {
            for x in 0..16 {
                let expected = (4..8).contains(&x) && (2..4).contains(&y);
                assert_eq!(c[y * 16 + x], expected, "({x}, {y})");
            }
        }
    }

    #[test]
    fn thin_slivers_and_partial_pixels_are_still_hidden() {
        // A triangle thinner than a pixel, between pixel centres: no centre is inside it.
        let m = mask(vec![vec![[0.101, 0.0], [0.102, 0.0], [0.1015, 1.0]]]);
        let c = m.coverage(100, 10);
        for y in 0..10 {
            assert!(c[y * 100 + 10], "row {y}: the sliver's pixel column is covered");
        }
        assert_eq!(c.iter().filter(|v| **v).count(), 10, "and nothing else");
        // Every pixel whose centre is inside a concave region is covered.
        let l = mask(vec![vec![[0.1, 0.1], [0.9, 0.1], [0.9, 0.3], [0.3, 0.3], [0.3, 0.9], [0.1, 0.9]]]);
        let (w, h) = (64, 48);
        let c = l.coverage(w, h);
        let ring: Vec<(f64, f64)> = l.regions[0].iter().map(|p| (p[0] * w as f64, p[1] * h as f64)).collect();
        for y in 0..h {
            for x in 0..w {
                if inside(&ring, x as f64 + 0.5, y as f64 + 0.5) {
                    assert!(c[y * w + x], "({x}, {y})");
                }
            }
        }
        // The notch of the L stays visible.
        assert!(!c[(h * 3 / 4) * w + w * 3 / 4]);
    }

    #[test]
    fn apply_fills_with_the_fill_colour() {
        let m = mask(vec![vec![[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]]]);
        let mut rgb = vec![200u8; 8 * 4 * 3];
        m.apply_rgb(&mut rgb, 8, 4);
        for y in 0..4 {
            assert_eq!(&rgb[(y * 8) * 3..(y * 8) * 3 + 3], &FILL);
            assert_eq!(&rgb[(y * 8 + 7) * 3..(y * 8 + 7) * 3 + 3], &[200, 200, 200]);
        }
    }

    #[test]
    fn bad_masks_are_refused_with_every_problem() {
        let m = mask(vec![
            vec![[0.0, 0.0], [1.0, 0.0]],
            vec![[0.0, 0.0], [1.2, 0.0], [0.5, f64::NAN]],
            vec![[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]],
        ]);
        assert_eq!(m.check().unwrap_err().len(), 3);
        assert!(mask(vec![vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]; MAX_REGIONS + 1]).check().is_err());
        assert!(PrivacyMask::default().check().is_ok());
        assert!(serde_json::from_str::<PrivacyMask>(r#"{"regions": [], "x": 1}"#).is_err());
    }
}
