//! (d) Point → grid: 100,000 points among 10,000 grids on one core, beside shapely's STRtree
//! (GEOS, the R-tree PostGIS and QGIS users reach for) on the same polygons and points.
//!
//! The grids are a district-sized jittered lattice: 100 × 100 grids of about 100 m, each a
//! 16-vertex ring that shares its edges exactly with its neighbours, like a real grid layer.
//! Points fall uniformly over the lattice plus a margin, so some are outside every grid.

use anyhow::{Context, Result};
use palmgrid_domain::geometry::{GridIndex, IndexedGrid};
use std::time::Instant;

const GRIDS_PER_SIDE: usize = 100;
const SUB: usize = 4; // lattice steps per grid edge
const POINTS: usize = 100_000;
const LON0: f64 = 112.55;
const LAT0: f64 = 26.85;
const STEP: f64 = 0.001 / SUB as f64;

/// A small deterministic generator (xorshift), so every run measures the same data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn lattice() -> Vec<Vec<[f64; 2]>> {
    let n = GRIDS_PER_SIDE * SUB;
    let mut rng = Rng(0x4304_0700_1001);
    let mut p = vec![vec![[0.0; 2]; n + 1]; n + 1];
    for (i, col) in p.iter_mut().enumerate() {
        for (j, pt) in col.iter_mut().enumerate() {
            let jx = if i == 0 || i == n { 0.0 } else { (rng.next() - 0.5) * 0.3 * STEP };
            let jy = if j == 0 || j == n { 0.0 } else { (rng.next() - 0.5) * 0.3 * STEP };
            *pt = [LON0 + i as f64 * STEP + jx, LAT0 + j as f64 * STEP + jy];
        }
    }
    p
}

fn ring(p: &[Vec<[f64; 2]>], gi: usize, gj: usize) -> Vec<[f64; 2]> {
    let (i0, j0, i1, j1) = (gi * SUB, gj * SUB, (gi + 1) * SUB, (gj + 1) * SUB);
    let mut r: Vec<[f64; 2]> = (i0..i1).map(|i| p[i][j0]).collect();
    r.extend((j0..j1).map(|j| p[i1][j]));
    r.extend((i0 + 1..=i1).rev().map(|i| p[i][j1]));
    r.extend((j0 + 1..=j1).rev().map(|j| p[i0][j]));
    r.push(r[0]);
    r
}

pub fn bench() -> Result<()> {
    println!("\n(d) point → grid: {POINTS} points among {} grids, one core", GRIDS_PER_SIDE * GRIDS_PER_SIDE);
    let p = lattice();
    let mut rings = Vec::new();
    let mut grids = Vec::new();
    for gi in 0..GRIDS_PER_SIDE {
        for gj in 0..GRIDS_PER_SIDE {
            let r = ring(&p, gi, gj);
            let code = format!("{:05}", rings.len());
            let geojson = serde_json::json!({"type": "Polygon", "coordinates": [r]});
            let area = palmgrid_domain::geometry::parse_area(&geojson).context("lattice grid")?;
            grids.push(IndexedGrid { id: code.clone(), code, area });
            rings.push(r);
        }
    }
    let span = GRIDS_PER_SIDE as f64 * 0.001;
    let mut rng = Rng(0x2690_1126);
    let points: Vec<(f64, f64)> = (0..POINTS)
        .map(|_| (LON0 - 0.02 * span + rng.next() * 1.04 * span, LAT0 - 0.02 * span + rng.next() * 1.04 * span))
        .collect();

    let t = Instant::now();
    let index = GridIndex::new(grids.clone());
    let build = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let found: Vec<Option<usize>> =
        points.iter().map(|&(x, y)| index.locate(x, y).map(|g| g.code.parse().unwrap())).collect();
    let ours = t.elapsed().as_secs_f64();
    let assigned = found.iter().filter(|f| f.is_some()).count();
    // The answers must be right: check a sample against a scan of every polygon.
    use geo::Intersects;
    for k in (0..POINTS).step_by(97) {
        let pt = geo::Point::new(points[k].0, points[k].1);
        let scan = grids.iter().position(|g| g.area.intersects(&pt));
        anyhow::ensure!(scan == found[k], "point {k}: index says {:?}, scan says {scan:?}", found[k]);
    }
    println!(
        "palmgrid (rstar + geo):  build {:.1} ms, lookup {:.1} ms = {:.0} points/s, {assigned} inside a grid",
        build * 1e3,
        ours * 1e3,
        POINTS as f64 / ours
    );
    println!("target: 100,000 points in under 1 s: {}", if ours < 1.0 { "met" } else { "NOT met" });

    let dir = tempfile::tempdir()?;
    let input = dir.path().join("grids.json");
    std::fs::write(&input, serde_json::to_vec(&serde_json::json!({"rings": rings, "points": points}))?)?;
    let out = std::process::Command::new("python3").arg("-c").arg(SHAPELY).arg(&input).output();
    match out {
        Ok(o) if o.status.success() => {
            let v: serde_json::Value = serde_json::from_slice(&o.stdout)?;
            let (b, q) = (v["build_s"].as_f64().unwrap_or(f64::NAN), v["query_s"].as_f64().unwrap_or(f64::NAN));
            println!(
                "shapely {} STRtree (GEOS): build {:.1} ms, lookup {:.1} ms = {:.0} points/s, {} inside a grid",
                v["version"].as_str().unwrap_or("?"),
                b * 1e3,
                q * 1e3,
                POINTS as f64 / q,
                v["assigned"]
            );
            println!("ratio lookup time palmgrid / shapely: {:.2}", ours / q);
        }
        Ok(o) => println!("shapely peer skipped: {}", String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or("")),
        Err(e) => println!("shapely peer skipped: python3: {e}"),
    }
    Ok(())
}

/// The peer: shapely 2 vectorised STRtree query with an exact `intersects` predicate.
const SHAPELY: &str = r#"
import json, sys, time
import numpy as np
import shapely
d = json.load(open(sys.argv[1]))
polys = shapely.polygons([np.array(r) for r in d["rings"]])
pts = shapely.points(np.array(d["points"]))
t = time.perf_counter()
tree = shapely.STRtree(polys)
b = time.perf_counter() - t
t = time.perf_counter()
idx = tree.query(pts, predicate="intersects")
q = time.perf_counter() - t
print(json.dumps({"version": shapely.__version__, "build_s": b, "query_s": q, "assigned": int(len(set(idx[0].tolist())))}))
"#;
