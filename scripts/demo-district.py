#!/usr/bin/env python3
"""Writes the demo district (DESIGN §7) as GeoJSON: 衡阳市石鼓区 near 26.90°N 112.61°E.

Every polygon is drawn on one jittered lattice of ~100 m cells, and every ring walks through
all lattice points on its boundary. Neighbours therefore share exact edges (they touch, never
overlap) and a child's edges are exact pieces of its parent's ring (containment holds without
tolerance), while the shapes still look hand-drawn rather than ruled.

Usage: python3 scripts/demo-district.py > crates/palmgrid-app/demo/shigu-district.geojson
The codes follow GB/T 2260 + 3 + 3 + 3 under the real district code 430407; street, community
and grid codes are illustrative, not official. Deterministic (fixed seed).
"""
import json
import random

LON0, LAT0 = 112.598, 26.892       # south-west corner
DLON, DLAT = 0.0010, 0.0009        # one lattice cell ≈ 99 m × 100 m
NI, NJ = 24, 18                    # lattice cells: 2.4 km × 1.8 km

rng = random.Random(430407)
P = {}
for i in range(NI + 1):
    for j in range(NJ + 1):
        jx = 0 if i in (0, NI) else rng.uniform(-0.18, 0.18) * DLON
        jy = 0 if j in (0, NJ) else rng.uniform(-0.18, 0.18) * DLAT
        P[(i, j)] = [round(LON0 + i * DLON + jx, 6), round(LAT0 + j * DLAT + jy, 6)]


def rect(i0, j0, i1, j1):
    """Ring of the lattice rectangle [i0, i1] × [j0, j1], counter-clockwise, closed."""
    ring = [P[(i, j0)] for i in range(i0, i1)]
    ring += [P[(i1, j)] for j in range(j0, j1)]
    ring += [P[(i, j1)] for i in range(i1, i0, -1)]
    ring += [P[(i0, j)] for j in range(j1, j0, -1)]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


def feature(code, name, level, geometry):
    parent = {6: None, 9: code[:6], 12: code[:9], 15: code[:12]}[len(code)]
    props = {"code": code, "name": name, "level": level}
    if parent:
        props["parent_code"] = parent
    return {"type": "Feature", "properties": props, "geometry": geometry}


F = [
    feature("430407", "衡阳市石鼓区", "district", rect(0, 0, 24, 18)),
    feature("430407001", "人民街道", "street", rect(0, 0, 15, 18)),
    feature("430407001001", "牛角巷社区", "community", rect(0, 0, 9, 12)),
    feature("430407001001001", "牛角巷第一网格", "grid", rect(0, 0, 3, 6)),
    feature("430407001001002", "牛角巷第二网格", "grid", rect(3, 0, 9, 6)),
    feature("430407001001003", "牛角巷第三网格", "grid", rect(0, 6, 9, 12)),
    feature("430407001002", "人民路社区", "community", rect(9, 0, 15, 12)),
    feature("430407001002001", "人民路第一网格", "grid", rect(9, 0, 15, 6)),
    feature("430407001002002", "人民路第二网格", "grid", rect(9, 6, 15, 12)),
    feature("430407002", "五一街道", "street", rect(15, 0, 24, 18)),
    feature("430407002001", "演武坪社区", "community", rect(15, 3, 24, 15)),
    feature("430407002001001", "老同兴菜场网格", "grid", rect(15, 3, 21, 9)),
    feature("430407002001002", "演武坪第二网格", "grid", rect(15, 9, 24, 15)),
]
# Unit grids (单元网格, ~10,000 m²): one lattice cell each, over 牛角巷第一网格.
n = 0
for j in range(0, 6):
    for i in range(0, 3):
        n += 1
        F.append(feature(f"430407001001{n:03d}", f"牛角巷单元{n:02d}", "unit_grid", rect(i, j, i + 1, j + 1)))

print(json.dumps({"type": "FeatureCollection", "features": F}, ensure_ascii=False, indent=1))
