//! Planning a GeoJSON import of regions: every check, before anything is written.
//!
//! The import is all or nothing. [`plan`] reads a FeatureCollection against the regions
//! that already exist and returns either the full list of writes, or every problem it
//! found, one per bad feature and kind, each naming the feature's index and code. Re-importing
//! a file changes nothing: features are matched by code, and a feature whose name and
//! geometry equal the stored ones is `unchanged`.
//!
//! Layers: the governance tree (district → street → community → grid) and, separately,
//! unit grids (单元网格, GB/T 30428.1): 15-digit codes under a community, which may share digits
//! with a governance grid's code, so the two layers are separate namespaces.

use crate::geometry::{self, Area};
use crate::{RegionCode, RegionLevel};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Where a feature lives: a level of the governance tree, or the unit-grid layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Region(RegionLevel),
    UnitGrid,
}

impl Layer {
    pub fn parse(s: &str) -> Option<Layer> {
        if s == "unit_grid" { Some(Layer::UnitGrid) } else { RegionLevel::parse(s).map(Layer::Region) }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Region(l) => l.as_str(),
            Layer::UnitGrid => "unit_grid",
        }
    }

    fn code_len(self) -> usize {
        match self {
            Layer::Region(l) => l.code_len(),
            Layer::UnitGrid => 15,
        }
    }

    /// Length of the parent's code (a region of the governance tree), if any.
    fn parent_len(self) -> Option<usize> {
        match self {
            Layer::Region(l) => l.parent_level().map(RegionLevel::code_len),
            Layer::UnitGrid => Some(RegionLevel::Community.code_len()),
        }
    }

    fn needs_geometry(self) -> bool {
        matches!(self, Layer::Region(RegionLevel::Grid) | Layer::UnitGrid)
    }

    fn is_unit(self) -> bool {
        self == Layer::UnitGrid
    }
}

/// A region as stored.
#[derive(Debug, Clone)]
pub struct ExistingRegion {
    pub code: String,
    pub layer: Layer,
    pub name: String,
    /// The stored geometry, as written by a previous import (canonical GeoJSON text).
    pub geometry: Option<String>,
    pub area: Option<Area>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Create,
    Update,
    Unchanged,
}

/// One feature of the file, checked.
#[derive(Debug, Clone)]
pub struct PlannedRegion {
    pub feature: usize,
    pub code: String,
    pub layer: Layer,
    pub name: String,
    pub parent_code: Option<String>,
    /// Canonical GeoJSON text of the geometry (what is stored).
    pub geometry: Option<String>,
    pub area: Option<Area>,
    pub area_m2: Option<f64>,
    pub change: Change,
}

/// Land inside a parent that none of its children covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub parent_code: String,
    /// The layer of the children that leave the gap (`grid`, `unit_grid`, …).
    pub layer: &'static str,
    pub area_m2: f64,
    /// Share of the parent's area, 0–1.
    pub share: f64,
}

#[derive(Debug, Clone)]
pub struct ImportPlan {
    pub regions: Vec<PlannedRegion>,
    pub gaps: Vec<Gap>,
}

impl ImportPlan {
    pub fn count(&self, change: Change) -> usize {
        self.regions.iter().filter(|r| r.change == change).count()
    }
}

/// One thing wrong with the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    /// Index of the feature in `features` (`None`: the file as a whole).
    pub feature: Option<usize>,
    pub code: Option<String>,
    pub problem: &'static str,
    pub message: String,
}

/// At most this many features per file.
pub const MAX_FEATURES: usize = 50_000;
/// Gaps smaller than this (digitising slivers) are not reported.
pub const MIN_GAP_M2: f64 = 1.0;

type Key = (bool, String); // (is unit grid, code)
/// Children of one parent in one layer: (key, index in the file if the file has it).
type Family = Vec<(Key, Option<usize>)>;

struct Parsed {
    feature: usize,
    code: String,
    layer: Layer,
    name: String,
    parent_code: Option<String>,
    area: Option<Area>,
}

fn problem(feature: usize, code: Option<&str>, problem: &'static str, message: impl Into<String>) -> ImportProblem {
    ImportProblem { feature: Some(feature), code: code.map(str::to_owned), problem, message: message.into() }
}

fn whole_file(problem: &'static str, message: impl Into<String>) -> Vec<ImportProblem> {
    vec![ImportProblem { feature: None, code: None, problem, message: message.into() }]
}

/// Reads one feature's properties and geometry; the checks that need no other feature.
fn parse_feature(i: usize, f: &Value, problems: &mut Vec<ImportProblem>) -> Option<Parsed> {
    let props = f.get("properties").and_then(Value::as_object);
    let Some(props) = props.filter(|_| f.get("type").and_then(Value::as_str) == Some("Feature")) else {
        problems.push(problem(i, None, "invalid_feature", "not a GeoJSON Feature with properties"));
        return None;
    };
    let text = |k: &str| props.get(k).and_then(Value::as_str).map(str::trim);
    let Some(code) = text("code").filter(|c| !c.is_empty()) else {
        problems.push(problem(i, None, "missing_property", "property `code` is missing"));
        return None;
    };
    let before = problems.len();
    let layer = match text("level") {
        None => {
            problems.push(problem(i, Some(code), "missing_property", "property `level` is missing"));
            None
        }
        Some(l) => {
            let layer = Layer::parse(l);
            if layer.is_none() {
                problems.push(problem(
                    i,
                    Some(code),
                    "bad_level",
                    format!("level {l:?} is not one of district, street, community, grid, unit_grid"),
                ));
            }
            layer
        }
    };
    match RegionCode::parse(code) {
        Err(e) => problems.push(problem(i, Some(code), "bad_code", e.to_string())),
        Ok(_) => {
            if let Some(layer) = layer.filter(|l| l.code_len() != code.len()) {
                problems.push(problem(
                    i,
                    Some(code),
                    "level_mismatch",
                    format!("a {} code has {} digits, {code} has {}", layer.as_str(), layer.code_len(), code.len()),
                ));
            }
        }
    }
    let name = text("name").unwrap_or("");
    if name.is_empty() || name.chars().count() > 64 {
        problems.push(problem(i, Some(code), "bad_name", "property `name` must be 1–64 characters"));
    }
    let parent_code = match (layer.and_then(Layer::parent_len), text("parent_code").filter(|p| !p.is_empty())) {
        (None, Some(p)) => {
            problems.push(problem(i, Some(code), "bad_parent", format!("a district has no parent, got {p}")));
            None
        }
        (None, None) => None,
        (Some(len), given) => {
            let derived = code.get(..len).unwrap_or_default();
            if let Some(p) = given.filter(|p| *p != derived) {
                problems.push(problem(
                    i,
                    Some(code),
                    "bad_parent",
                    format!("parent_code {p} does not match the code: {code} lies under {derived}"),
                ));
            }
            Some(derived.to_owned())
        }
    };
    let area = match f.get("geometry").filter(|g| !g.is_null()) {
        None => {
            if layer.is_some_and(Layer::needs_geometry) {
                problems.push(problem(i, Some(code), "missing_geometry", "a grid needs a polygon"));
            }
            None
        }
        Some(g) => match geometry::parse_area(g) {
            Ok(a) => Some(a),
            Err(e) => {
                problems.push(problem(i, Some(code), e.code, e.message));
                None
            }
        },
    };
    if problems.len() > before {
        return None;
    }
    Some(Parsed { feature: i, code: code.to_owned(), layer: layer?, name: name.to_owned(), parent_code, area })
}

/// Checks a FeatureCollection against the stored regions; see the module docs.
pub fn plan(fc: &Value, existing: &[ExistingRegion]) -> Result<ImportPlan, Vec<ImportProblem>> {
    if fc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(whole_file("not_a_feature_collection", "the body must be a GeoJSON FeatureCollection"));
    }
    let Some(features) = fc.get("features").and_then(Value::as_array) else {
        return Err(whole_file("not_a_feature_collection", "the FeatureCollection has no `features` array"));
    };
    if features.is_empty() {
        return Err(whole_file("empty", "the FeatureCollection has no features"));
    }
    if features.len() > MAX_FEATURES {
        return Err(whole_file("too_many_features", format!("at most {MAX_FEATURES} features per import")));
    }
    let stored: HashMap<Key, &ExistingRegion> =
        existing.iter().map(|e| ((e.layer.is_unit(), e.code.clone()), e)).collect();

    let mut problems = Vec::new();
    let mut parsed: Vec<Parsed> = Vec::new();
    let mut first_at: HashMap<Key, usize> = HashMap::new();
    for (i, f) in features.iter().enumerate() {
        let Some(p) = parse_feature(i, f, &mut problems) else { continue };
        let key = (p.layer.is_unit(), p.code.clone());
        if let Some(&j) = first_at.get(&key) {
            problems.push(problem(i, Some(&p.code), "duplicate_code", format!("code {} is also feature {j}", p.code)));
            continue;
        }
        if let Some(parent) = &p.parent_code {
            let pkey = (false, parent.clone());
            if !stored.contains_key(&pkey) && !first_at.contains_key(&pkey) {
                problems.push(problem(
                    i,
                    Some(&p.code),
                    "unknown_parent",
                    format!("parent {parent} neither exists nor comes earlier in the file"),
                ));
                continue;
            }
        }
        if let Some(e) = stored.get(&key).filter(|e| e.layer != p.layer) {
            problems.push(problem(
                i,
                Some(&p.code),
                "level_mismatch",
                format!("{} exists as a {}, not a {}", p.code, e.layer.as_str(), p.layer.as_str()),
            ));
            continue;
        }
        // A feature without geometry leaves a stored area as it is (a names-only file must
        // not erase boundaries).
        let mut p = p;
        if p.area.is_none()
            && let Some(e) = stored.get(&key)
        {
            p.area = e.area.clone();
        }
        first_at.insert(key, parsed.len());
        parsed.push(p);
    }

    // The final area of every region: the file's where it has the region, else the stored one.
    let in_file: HashMap<Key, &Parsed> = parsed.iter().map(|p| ((p.layer.is_unit(), p.code.clone()), p)).collect();
    let final_area = |key: &Key| -> Option<&Area> {
        match in_file.get(key) {
            Some(p) => p.area.as_ref(),
            None => stored.get(key).and_then(|e| e.area.as_ref()),
        }
    };

    // Inside the parent.
    for p in &parsed {
        let Some(parent) = &p.parent_code else { continue };
        if let (Some(outer), Some(inner)) = (final_area(&(false, parent.clone())), &p.area)
            && !geometry::contains(outer, inner)
        {
            problems.push(problem(
                p.feature,
                Some(&p.code),
                "outside_parent",
                format!("not inside its parent {parent}"),
            ));
        }
    }

    // Children grouped by (parent, layer kind): stored ones the file leaves alone, plus the file's.
    let mut families: BTreeMap<(String, bool), Family> = BTreeMap::new();
    for e in existing {
        let key = (e.layer.is_unit(), e.code.clone());
        if in_file.contains_key(&key) {
            continue;
        }
        if let Some(len) = e.layer.parent_len() {
            families.entry((e.code[..len].to_owned(), e.layer.is_unit())).or_default().push((key, None));
        }
    }
    for p in &parsed {
        if let Some(parent) = &p.parent_code {
            families
                .entry((parent.clone(), p.layer.is_unit()))
                .or_default()
                .push(((p.layer.is_unit(), p.code.clone()), Some(p.feature)));
        }
    }

    // A parent the file redraws must still hold the children the file leaves alone.
    for p in parsed.iter().filter(|p| !p.layer.is_unit() && p.area.is_some()) {
        for unit in [false, true] {
            let Some(children) = families.get(&(p.code.clone(), unit)) else { continue };
            let outside: Vec<&str> = children
                .iter()
                .filter(|(_, f)| f.is_none())
                .filter(|(k, _)| final_area(k).is_some_and(|a| !geometry::contains(p.area.as_ref().unwrap(), a)))
                .map(|(k, _)| k.1.as_str())
                .collect();
            if !outside.is_empty() {
                problems.push(problem(
                    p.feature,
                    Some(&p.code),
                    "children_outside",
                    format!("the new boundary leaves out existing children {}", outside.join(", ")),
                ));
            }
        }
    }

    // Siblings must not overlap (touching along a boundary is fine). Only pairs with a
    // feature of the file are checked, found through an R-tree of their boxes.
    for children in families.values() {
        let with_area: Vec<(&Key, Option<usize>, &Area)> =
            children.iter().filter_map(|(k, f)| final_area(k).map(|a| (k, *f, a))).collect();
        if !with_area.iter().any(|(_, f, _)| f.is_some()) {
            continue;
        }
        let boxes: Vec<Option<rstar::AABB<[f64; 2]>>> = with_area
            .iter()
            .map(|(_, _, a)| {
                geo::BoundingRect::bounding_rect(*a)
                    .map(|r| rstar::AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]))
            })
            .collect();
        let tree = rstar::RTree::bulk_load(
            boxes
                .iter()
                .enumerate()
                .filter_map(|(i, b)| {
                    b.map(|b| rstar::primitives::GeomWithData::new(rstar::primitives::Rectangle::from_aabb(b), i))
                })
                .collect(),
        );
        for (i, (ki, fi, ai)) in with_area.iter().enumerate() {
            let (Some(at), Some(bi)) = (fi, boxes[i]) else { continue };
            for c in tree.locate_in_envelope_intersecting(&bi) {
                let (kj, fj, aj) = with_area[c.data];
                // Each pair once: reported on the later feature of the file.
                if c.data == i || fj.is_some_and(|fj| fj > *at) {
                    continue;
                }
                if geometry::overlaps(ai, aj) {
                    problems.push(problem(
                        *at,
                        Some(&ki.1),
                        "overlaps_sibling",
                        format!("{} overlaps its sibling {}", ki.1, kj.1),
                    ));
                }
            }
        }
    }

    if !problems.is_empty() {
        problems.sort_by_key(|p| p.feature);
        return Err(problems);
    }

    // Gaps: land inside a parent the file touches that none of its children covers.
    let mut gaps = Vec::new();
    for ((parent, unit), children) in &families {
        let touched = in_file.contains_key(&(false, parent.clone())) || children.iter().any(|(_, f)| f.is_some());
        let Some(outer) = final_area(&(false, parent.clone())).filter(|_| touched) else { continue };
        // The children are inside the parent and do not overlap (checked above), so the
        // share they leave uncovered is a difference of areas. Planar areas add up exactly
        // (geodesic ones do not over shapes with non-geodesic edges); the share is then
        // applied to the geodesic area.
        let covered: f64 = children.iter().filter_map(|(k, _)| final_area(k)).map(geo::Area::unsigned_area).sum();
        let planar = geo::Area::unsigned_area(outer);
        let share = if planar > 0.0 { ((planar - covered) / planar).max(0.0) } else { 0.0 };
        let whole = geometry::area_m2(outer);
        let gap = share * whole;
        if gap >= MIN_GAP_M2 {
            let layer = match children.first() {
                Some((k, _)) if k.0 => "unit_grid",
                _ => parent_child_layer(parent),
            };
            let _ = unit;
            gaps.push(Gap { parent_code: parent.clone(), layer, area_m2: gap.round(), share });
        }
    }

    let regions = parsed
        .into_iter()
        .map(|p| {
            let geometry = p.area.as_ref().map(|a| geometry::to_geojson(a).to_string());
            let change = match stored.get(&(p.layer.is_unit(), p.code.clone())) {
                None => Change::Create,
                Some(e) if e.name == p.name && e.geometry == geometry => Change::Unchanged,
                Some(_) => Change::Update,
            };
            PlannedRegion {
                feature: p.feature,
                area_m2: p.area.as_ref().map(|a| geometry::area_m2(a).round()),
                code: p.code,
                layer: p.layer,
                name: p.name,
                parent_code: p.parent_code,
                geometry,
                area: p.area,
                change,
            }
        })
        .collect();
    Ok(ImportPlan { regions, gaps })
}

fn parent_child_layer(parent: &str) -> &'static str {
    match parent.len() {
        6 => "street",
        9 => "community",
        _ => "grid",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
        json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})
    }

    fn feature(code: &str, level: &str, geometry: Value) -> Value {
        json!({"type": "Feature", "properties": {"code": code, "name": format!("R{code}"), "level": level}, "geometry": geometry})
    }

    fn fc(features: Vec<Value>) -> Value {
        json!({"type": "FeatureCollection", "features": features})
    }

    /// A community 0–2 × 0–1 with two grids side by side.
    fn good() -> Vec<Value> {
        vec![
            feature("430407", "district", rect(0.0, 0.0, 4.0, 4.0)),
            feature("430407001", "street", rect(0.0, 0.0, 2.0, 2.0)),
            feature("430407001001", "community", rect(0.0, 0.0, 2.0, 1.0)),
            feature("430407001001001", "grid", rect(0.0, 0.0, 1.0, 1.0)),
            feature("430407001001002", "grid", rect(1.0, 0.0, 2.0, 1.0)),
            feature("430407001001001", "unit_grid", rect(0.0, 0.0, 0.5, 0.5)),
        ]
    }

    fn stored(plan: &ImportPlan) -> Vec<ExistingRegion> {
        plan.regions
            .iter()
            .map(|r| ExistingRegion {
                code: r.code.clone(),
                layer: r.layer,
                name: r.name.clone(),
                geometry: r.geometry.clone(),
                area: r.area.clone(),
            })
            .collect()
    }

    #[test]
    fn a_good_file_plans_creates_then_nothing_on_reimport() {
        let plan = plan(&fc(good()), &[]).unwrap();
        assert_eq!(plan.count(Change::Create), 6);
        // The street covers half of the district, the community half of the street.
        let gap_of = |code: &str| plan.gaps.iter().find(|g| g.parent_code == code).map(|g| g.share);
        assert!((gap_of("430407").unwrap() - 0.75).abs() < 0.01);
        assert!((gap_of("430407001").unwrap() - 0.5).abs() < 0.01);
        // The grids tile the community; its one unit grid covers an eighth of it.
        let community: Vec<&Gap> = plan.gaps.iter().filter(|g| g.parent_code == "430407001001").collect();
        assert_eq!(community.len(), 1, "{community:?}");
        assert_eq!(community[0].layer, "unit_grid");
        assert!((community[0].share - 0.875).abs() < 0.01, "{community:?}");

        let again = super::plan(&fc(good()), &stored(&plan)).unwrap();
        assert_eq!(again.count(Change::Unchanged), 6);
        let mut renamed = good();
        renamed[3]["properties"]["name"] = json!("新名字");
        let changed = super::plan(&fc(renamed), &stored(&plan)).unwrap();
        assert_eq!((changed.count(Change::Update), changed.count(Change::Unchanged)), (1, 5));
    }

    #[test]
    fn every_broken_feature_is_named() {
        let mut fs = good();
        // 6: self-intersecting grid
        fs.push(feature(
            "430407001001003",
            "grid",
            json!({"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 0], [1, 1], [0, 0]]]}),
        ));
        // 7: unknown parent
        fs.push(feature("430407009001001", "grid", rect(0.0, 0.0, 0.1, 0.1)));
        // 8: duplicate code
        fs.push(feature("430407001001002", "grid", rect(1.0, 0.0, 2.0, 1.0)));
        // 9: overlapping sibling (overlaps grid 001)
        fs.push(feature("430407001001004", "grid", rect(0.5, 0.5, 0.9, 0.9)));
        // 10: outside its parent
        fs.push(feature("430407001001005", "grid", rect(3.0, 3.0, 3.5, 3.5)));
        // 11: code and level disagree
        fs.push(feature("430407001001", "grid", rect(0.0, 0.0, 1.0, 1.0)));
        let problems = plan(&fc(fs), &[]).unwrap_err();
        let found: Vec<(Option<usize>, &str)> = problems.iter().map(|p| (p.feature, p.problem)).collect();
        assert_eq!(
            found,
            vec![
                (Some(6), "self_intersecting"),
                (Some(7), "unknown_parent"),
                (Some(8), "duplicate_code"),
                (Some(9), "overlaps_sibling"),
                (Some(10), "outside_parent"),
                (Some(11), "level_mismatch"),
            ]
        );
        assert!(problems[3].message.contains("430407001001001"), "{}", problems[3].message);
        assert_eq!(problems[0].code.as_deref(), Some("430407001001003"));
    }

    #[test]
    fn parents_must_come_first_and_match_the_code() {
        let fs = vec![feature("430407001", "street", Value::Null), feature("430407", "district", Value::Null)];
        let p = plan(&fc(fs), &[]).unwrap_err();
        assert_eq!(p[0].problem, "unknown_parent");
        let mut f = feature("430407001", "street", Value::Null);
        f["properties"]["parent_code"] = json!("430408");
        let existing = [ExistingRegion {
            code: "430407".into(),
            layer: Layer::Region(RegionLevel::District),
            name: "x".into(),
            geometry: None,
            area: None,
        }];
        assert_eq!(plan(&fc(vec![f]), &existing).unwrap_err()[0].problem, "bad_parent");
        let grid_without_polygon = feature("430407001001001", "grid", Value::Null);
        assert_eq!(plan(&fc(vec![grid_without_polygon]), &existing).unwrap_err()[0].problem, "missing_geometry");
    }

    #[test]
    fn redrawing_a_parent_must_keep_its_children_and_new_siblings_must_not_cover_stored_ones() {
        let first = plan(&fc(good()), &[]).unwrap();
        let existing = stored(&first);
        let shrunk = vec![feature("430407001001", "community", rect(0.0, 0.0, 1.5, 1.0))];
        assert_eq!(plan(&fc(shrunk), &existing).unwrap_err()[0].problem, "children_outside");
        let intruder = vec![feature("430407001001003", "grid", rect(0.5, 0.0, 1.5, 1.0))];
        let p = plan(&fc(intruder), &existing).unwrap_err();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.iter().all(|p| p.problem == "overlaps_sibling" && p.feature == Some(0)));
        // A unit grid may overlap governance grids: they are different layers.
        let unit = vec![feature("430407001001002", "unit_grid", rect(0.5, 0.5, 1.5, 1.0))];
        assert!(plan(&fc(unit), &existing).is_ok());
    }

    #[test]
    fn a_feature_without_geometry_keeps_the_stored_area() {
        let first = plan(&fc(good()), &[]).unwrap();
        let mut names_only = feature("430407001001", "community", Value::Null);
        names_only["properties"]["name"] = json!("牛角巷社区");
        let p = plan(&fc(vec![names_only]), &stored(&first)).unwrap();
        assert_eq!(p.regions[0].change, Change::Update, "the name changed");
        assert_eq!(p.regions[0].geometry, first.regions[2].geometry, "the polygon stays");
    }

    #[test]
    fn not_a_feature_collection_is_one_problem_for_the_file() {
        let p = plan(&json!({"type": "Feature"}), &[]).unwrap_err();
        assert_eq!((p[0].feature, p[0].problem), (None, "not_a_feature_collection"));
        assert_eq!(plan(&fc(vec![]), &[]).unwrap_err()[0].problem, "empty");
    }
}
