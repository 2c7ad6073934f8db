//! GCJ-02, the offset datum Chinese map tiles (AMap, Tencent) are drawn in.
//!
//! palmgrid stores WGS-84 (what GPS, GeoJSON and Tianditu use). A client that shows AMap or
//! Tencent tiles needs GCJ-02 coordinates to draw on them and sends GCJ-02 back when a user
//! taps the map. The forward transform is the published closed form (Krasovsky 1940
//! ellipsoid and two fixed polynomial perturbations); it has no closed inverse, so
//! [`to_wgs84`] inverts it by fixed-point iteration until the forward image of its answer
//! lies within 1e-9° (about 0.1 mm) of the input.
//!
//! Outside mainland China the datum is WGS-84 itself, so both directions are the identity
//! there (a bounding-box test, as every published implementation does).

/// Semi-major axis of the Krasovsky 1940 ellipsoid, metres.
const A: f64 = 6_378_245.0;
/// Its first eccentricity squared.
const EE: f64 = 0.006_693_421_622_965_943;

/// Whether a WGS-84 point lies outside the box in which GCJ-02 is offset.
pub fn outside_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn perturb_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn perturb_lon(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS-84 → GCJ-02, `(lon, lat)` in degrees.
pub fn from_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    if outside_china(lon, lat) {
        return (lon, lat);
    }
    let dlat = perturb_lat(lon - 105.0, lat - 35.0);
    let dlon = perturb_lon(lon - 105.0, lat - 35.0);
    let rad = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    let dlat = dlat * 180.0 / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let dlon = dlon * 180.0 / (A / sqrt_magic * rad.cos() * PI);
    (lon + dlon, lat + dlat)
}

/// GCJ-02 → WGS-84, `(lon, lat)` in degrees: the point whose GCJ-02 image is the input,
/// to within 1e-9°.
pub fn to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    // The offset varies slowly (well under 1e-4 per degree), so x ← x − (f(x) − target)
    // contracts fast: three or four rounds reach 1e-9°.
    let (mut x, mut y) = (lon, lat);
    for _ in 0..30 {
        let (fx, fy) = from_wgs84(x, y);
        let (ex, ey) = (fx - lon, fy - lat);
        if ex.abs() < 1e-9 && ey.abs() < 1e-9 {
            break;
        }
        x -= ex;
        y -= ey;
    }
    (x, y)
}

/// Great-circle distance in metres between two WGS-84 points (haversine, mean radius);
/// used to state conversion errors in metres.
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    const R: f64 = 6_371_008.8;
    let (la1, la2) = (a.1.to_radians(), b.1.to_radians());
    let dla = la2 - la1;
    let dlo = (b.0 - a.0).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published WGS-84 → GCJ-02 pairs: the README of wandergis/coordtransform (Beijing), a
    /// geotool test (Jiaxing) and a geoToolbox test (Beijing outskirts).
    const PUBLISHED: [((f64, f64), (f64, f64)); 3] = [
        ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
        ((121.0917077, 30.6107779), (121.09626935575027, 30.608604331756705)),
        ((116.0, 40.0), (116.006141221789, 40.001213650174)),
    ];

    #[test]
    fn forward_agrees_with_published_pairs() {
        for (wgs, gcj) in PUBLISHED {
            // Implementations differ in the last digits of their constants: agree to 5 cm.
            let got = from_wgs84(wgs.0, wgs.1);
            assert!(distance_m(got, gcj) < 0.05, "{wgs:?} → {got:?}, published {gcj:?}");
        }
    }

    #[test]
    fn inverse_recovers_published_inputs() {
        for (wgs, gcj) in PUBLISHED {
            let back = to_wgs84(gcj.0, gcj.1);
            assert!(distance_m(back, wgs) < 0.05, "{gcj:?} → {back:?}, expected {wgs:?}");
        }
    }

    #[test]
    fn round_trip_error_is_under_half_a_metre_across_hengyang() {
        // Hengyang city and its counties: 26.1–27.5°N, 111.9–113.3°E, a 0.01° lattice.
        let mut worst: f64 = 0.0;
        let mut n = 0;
        for i in 0..=140 {
            for j in 0..=140 {
                let p = (111.9 + i as f64 * 0.01, 26.1 + j as f64 * 0.01);
                let g = from_wgs84(p.0, p.1);
                // The offset there is hundreds of metres: the transform must do something.
                assert!(distance_m(g, p) > 100.0, "{p:?} barely moved");
                let back = to_wgs84(g.0, g.1);
                worst = worst.max(distance_m(back, p));
                n += 1;
            }
        }
        assert_eq!(n, 141 * 141);
        assert!(worst < 0.5, "worst round-trip error {worst} m");
        // In fact the iteration stops within 1e-9° ≈ 0.1 mm.
        assert!(worst < 0.001, "worst round-trip error {worst} m");
    }

    #[test]
    fn outside_china_is_untouched() {
        // The first pair is reproduced to the last digit.
        let (wgs, gcj) = PUBLISHED[0];
        let got = from_wgs84(wgs.0, wgs.1);
        assert!((got.0 - gcj.0).abs() < 1e-12 && (got.1 - gcj.1).abs() < 1e-12, "{got:?}");
        assert_eq!(from_wgs84(2.35, 48.85), (2.35, 48.85));
        assert_eq!(to_wgs84(-74.0, 40.7), (-74.0, 40.7));
        assert!(!outside_china(112.61, 26.90));
    }
}
