//! Region areas: GeoJSON (Multi)Polygons in WGS-84, checked strictly on the way in, and the
//! R-tree that answers "which grid is this point in".
//!
//! Areas arrive from files drawn by hand in GIS tools, so every check says what is wrong in
//! words a GIS user knows: a ring that is not closed, a boundary that crosses itself.

use geo::{Area as _, BoundingRect, Contains, GeodesicArea, Intersects, MultiPolygon, Polygon, Validation};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde_json::{Value, json};

/// The area of a region: one or more polygons, WGS-84 `(lon, lat)`.
pub type Area = MultiPolygon<f64>;

/// Why a geometry was refused. `code` is the machine-readable problem, as in an import report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct GeometryError {
    pub code: &'static str,
    pub message: String,
}

fn err(code: &'static str, message: impl Into<String>) -> GeometryError {
    GeometryError { code, message: message.into() }
}

fn position(v: &Value) -> Result<geo::Coord<f64>, GeometryError> {
    let a = v
        .as_array()
        .filter(|a| a.len() >= 2)
        .ok_or_else(|| err("invalid_geometry", "a position must be [lon, lat]"))?;
    let (Some(x), Some(y)) = (a[0].as_f64(), a[1].as_f64()) else {
        return Err(err("invalid_geometry", "a position must hold two numbers"));
    };
    if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
        return Err(err(
            "coordinate_out_of_range",
            format!("[{x}, {y}] is not a WGS-84 longitude, latitude (is the file projected, or lat/lon swapped?)"),
        ));
    }
    Ok(geo::Coord { x, y })
}

fn ring(v: &Value, which: &str) -> Result<geo::LineString<f64>, GeometryError> {
    let pts = v.as_array().ok_or_else(|| err("invalid_geometry", format!("the {which} ring must be an array")))?;
    let coords = pts.iter().map(position).collect::<Result<Vec<_>, _>>()?;
    if coords.len() < 4 {
        return Err(err(
            "too_few_points",
            format!("the {which} ring has {} positions; a ring needs at least 4", coords.len()),
        ));
    }
    if coords.first() != coords.last() {
        return Err(err(
            "ring_not_closed",
            format!("the {which} ring is not closed: its last position must repeat its first"),
        ));
    }
    Ok(geo::LineString(coords))
}

fn polygon(v: &Value) -> Result<Polygon<f64>, GeometryError> {
    let rings = v
        .as_array()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| err("invalid_geometry", "a polygon needs at least one ring"))?;
    let exterior = ring(&rings[0], "outer")?;
    let holes = rings[1..].iter().map(|r| ring(r, "inner")).collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, holes))
}

/// Most positions one region's boundary may have. Validity checks compare segments pairwise,
/// so an unbounded ring is a way to burn CPU; a hand-drawn grid has tens to hundreds.
pub const MAX_POSITIONS: usize = 20_000;
/// Most parts (polygons of a MultiPolygon, or rings of a polygon) one region may have.
pub const MAX_PARTS: usize = 200;

fn count_positions(geometry: &Value) -> (usize, usize) {
    let Some(coords) = geometry.get("coordinates").and_then(Value::as_array) else { return (0, 0) };
    let rings: Vec<&Value> = match geometry.get("type").and_then(Value::as_str) {
        Some("MultiPolygon") => coords.iter().filter_map(Value::as_array).flatten().collect(),
        _ => coords.iter().collect(),
    };
    let positions = rings.iter().filter_map(|r| r.as_array()).map(Vec::len).sum();
    let parts = rings.len().max(coords.len());
    (positions, parts)
}

/// Parses a GeoJSON `Polygon` or `MultiPolygon` geometry and checks that it is valid: closed
/// rings of at least four positions, WGS-84 ranges, no self-intersection, holes inside
/// their shell, parts not overlapping, and no more than [`MAX_POSITIONS`] and [`MAX_PARTS`].
pub fn parse_area(geometry: &Value) -> Result<Area, GeometryError> {
    let (positions, parts) = count_positions(geometry);
    if positions > MAX_POSITIONS || parts > MAX_PARTS {
        return Err(err(
            "too_complex",
            format!("{positions} positions in {parts} rings; a region may have at most {MAX_POSITIONS} in {MAX_PARTS}"),
        ));
    }
    let area = parse_shape(geometry)?;
    if let Some(problem) = area.validation_errors().into_iter().next() {
        let text = problem.to_string();
        let code = if text.contains("self-intersection") || text.contains("self intersection") {
            "self_intersecting"
        } else {
            "invalid_geometry"
        };
        let message = if code == "self_intersecting" { format!("the boundary crosses itself ({text})") } else { text };
        return Err(err(code, message));
    }
    if area.unsigned_area() == 0.0 {
        return Err(err("invalid_geometry", "the polygon has no area"));
    }
    Ok(area)
}

/// Reads a geometry that was validated when it was stored (no validity checks: they cost
/// far more than reading, and every map request reads every grid).
pub fn read_stored_area(geometry: &Value) -> Option<Area> {
    parse_shape(geometry).ok()
}

fn parse_shape(geometry: &Value) -> Result<Area, GeometryError> {
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let coords =
        geometry.get("coordinates").ok_or_else(|| err("invalid_geometry", "the geometry has no coordinates"))?;
    let area = match kind {
        "Polygon" => MultiPolygon(vec![polygon(coords)?]),
        "MultiPolygon" => {
            let parts = coords.as_array().filter(|p| !p.is_empty());
            let parts = parts.ok_or_else(|| err("invalid_geometry", "a multipolygon needs at least one polygon"))?;
            MultiPolygon(parts.iter().map(polygon).collect::<Result<_, _>>()?)
        }
        other => {
            return Err(err("invalid_geometry", format!("a region must be a Polygon or MultiPolygon, not {other:?}")));
        }
    };
    Ok(area)
}

/// The GeoJSON geometry of an area: a `Polygon` when it has one part.
pub fn to_geojson(area: &Area) -> Value {
    fn rings(p: &Polygon<f64>) -> Vec<Vec<[f64; 2]>> {
        std::iter::once(p.exterior()).chain(p.interiors()).map(|r| r.coords().map(|c| [c.x, c.y]).collect()).collect()
    }
    if area.0.len() == 1 {
        json!({"type": "Polygon", "coordinates": rings(&area.0[0])})
    } else {
        json!({"type": "MultiPolygon", "coordinates": area.0.iter().map(rings).collect::<Vec<_>>()})
    }
}

/// An area with every coordinate mapped by `f` (datum conversion for display).
pub fn map_coords(area: &Area, f: impl Fn(f64, f64) -> (f64, f64)) -> Area {
    use geo::MapCoords;
    area.map_coords(|c| {
        let (x, y) = f(c.x, c.y);
        geo::Coord { x, y }
    })
}

/// Area on the ellipsoid, square metres.
pub fn area_m2(area: &Area) -> f64 {
    area.geodesic_area_unsigned()
}

/// Whether `outer` holds all of `inner` (shared boundary allowed).
pub fn contains(outer: &Area, inner: &Area) -> bool {
    outer.contains(inner)
}

/// Whether the interiors of two areas meet (touching along a boundary is not overlap).
pub fn overlaps(a: &Area, b: &Area) -> bool {
    use geo::Relate;
    if !a.intersects(b) {
        return false;
    }
    let m = a.relate(b);
    m.is_intersects() && !m.is_touches()
}

fn envelope(area: &Area) -> Option<Rectangle<[f64; 2]>> {
    let r = area.bounding_rect()?;
    Some(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]))
}

/// One grid in the lookup index.
#[derive(Debug, Clone)]
pub struct IndexedGrid {
    pub id: String,
    pub code: String,
    pub area: Area,
}

/// Point → grid over all grids: an R-tree of bounding boxes, then an exact point-in-polygon
/// test on the few candidates. A point on a boundary shared by two grids belongs to the one
/// with the smaller code, so every point has one answer.
#[derive(Debug, Default)]
pub struct GridIndex {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    grids: Vec<IndexedGrid>,
}

impl GridIndex {
    pub fn new(mut grids: Vec<IndexedGrid>) -> GridIndex {
        grids.sort_by(|a, b| a.code.cmp(&b.code));
        let boxes = grids.iter().enumerate().filter_map(|(i, g)| envelope(&g.area).map(|e| GeomWithData::new(e, i)));
        GridIndex { tree: RTree::bulk_load(boxes.collect()), grids }
    }

    pub fn len(&self) -> usize {
        self.grids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.grids.is_empty()
    }

    /// The grid holding WGS-84 `(lon, lat)`, if any.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<&IndexedGrid> {
        if !lon.is_finite() || !lat.is_finite() {
            return None;
        }
        let p = geo::Point::new(lon, lat);
        let envelope = AABB::from_point([lon, lat]);
        self.tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|c| c.data)
            .filter(|&i| self.grids[i].area.intersects(&p))
            .min()
            .map(|i| &self.grids[i])
    }

    pub fn grids(&self) -> &[IndexedGrid] {
        &self.grids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, size: f64) -> Value {
        json!({"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]})
    }

    #[test]
    fn broken_polygons_are_refused_with_their_kind() {
        let bowtie = json!({"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 0], [1, 1], [0, 0]]]});
        assert_eq!(parse_area(&bowtie).unwrap_err().code, "self_intersecting");
        let open = json!({"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0]]]});
        assert_eq!(parse_area(&open).unwrap_err().code, "ring_not_closed");
        let short = json!({"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [0, 0]]]});
        assert_eq!(parse_area(&short).unwrap_err().code, "too_few_points");
        let projected = json!({"type": "Polygon", "coordinates": [[[0, 0], [0, 3000000], [500000, 0], [0, 0]]]});
        assert_eq!(parse_area(&projected).unwrap_err().code, "coordinate_out_of_range");
        let point = json!({"type": "Point", "coordinates": [112.6, 26.9]});
        assert_eq!(parse_area(&point).unwrap_err().code, "invalid_geometry");
        let huge: Vec<[f64; 2]> = (0..=MAX_POSITIONS).map(|i| [i as f64 * 1e-6, (i % 2) as f64 * 1e-6]).collect();
        let huge = json!({"type": "Polygon", "coordinates": [huge]});
        assert_eq!(parse_area(&huge).unwrap_err().code, "too_complex");
        let flat = json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [2, 2], [0, 0]]]});
        assert!(parse_area(&flat).is_err());
        assert!(parse_area(&square(112.6, 26.9, 0.001)).is_ok());
    }

    #[test]
    fn geojson_round_trips() {
        let g = square(112.6, 26.9, 0.001);
        assert_eq!(to_geojson(&parse_area(&g).unwrap()), g);
        let multi = json!({"type": "MultiPolygon", "coordinates": [
            square(0.0, 0.0, 1.0)["coordinates"], square(2.0, 0.0, 1.0)["coordinates"]]});
        assert_eq!(to_geojson(&parse_area(&multi).unwrap()), multi);
    }

    #[test]
    fn area_is_in_square_metres() {
        // 0.001° of latitude is 110.8 m near 27°N; of longitude, 99.2 m.
        let a = area_m2(&parse_area(&square(112.6, 26.9, 0.001)).unwrap());
        assert!((a - 110.8 * 99.2).abs() < 60.0, "{a}");
    }

    #[test]
    fn touching_is_not_overlapping_and_containment_allows_shared_edges() {
        let a = parse_area(&square(0.0, 0.0, 1.0)).unwrap();
        let b = parse_area(&square(1.0, 0.0, 1.0)).unwrap();
        let c = parse_area(&square(0.5, 0.5, 1.0)).unwrap();
        assert!(!overlaps(&a, &b));
        assert!(overlaps(&a, &c));
        let parent = parse_area(&square(0.0, 0.0, 2.0)).unwrap();
        assert!(contains(&parent, &a) && contains(&parent, &b) && !contains(&a, &parent));
    }

    #[test]
    fn lookup_finds_the_grid_and_breaks_boundary_ties_by_code() {
        let grids = (0..4)
            .map(|i| IndexedGrid {
                id: format!("g{i}"),
                code: format!("43040700100100{i}"),
                area: parse_area(&square(i as f64, 0.0, 1.0)).unwrap(),
            })
            .collect();
        let index = GridIndex::new(grids);
        assert_eq!(index.locate(2.5, 0.5).unwrap().id, "g2");
        assert_eq!(index.locate(2.0, 0.5).unwrap().id, "g1", "shared edge goes to the smaller code");
        assert!(index.locate(4.5, 0.5).is_none());
        assert!(index.locate(f64::NAN, 0.5).is_none());
        // A point in a box but outside the polygon (an L-shape's notch) is not inside.
        let l = json!({"type": "Polygon", "coordinates": [[[10, 0], [12, 0], [12, 1], [11, 1], [11, 2], [10, 2], [10, 0]]]});
        let index =
            GridIndex::new(vec![IndexedGrid { id: "l".into(), code: "1".into(), area: parse_area(&l).unwrap() }]);
        assert!(index.locate(11.5, 1.5).is_none());
        assert!(index.locate(10.5, 1.5).is_some());
    }
}
