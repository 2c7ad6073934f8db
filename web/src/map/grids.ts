// Pure helpers for the 地图 page: which grids and cameras to draw, their colours, bounds of the
// GeoJSON boundaries, and GeoJSON → Leaflet coordinates. No Leaflet import here (unit-tested in node).
import type { CameraStatus } from '../api/types'
import type { GridGeometry, MapCamera, MapGrid, Position } from '../api/map-types'

/** Grids needing attention: open cases or an offline camera. */
export type GridAttention = 'alert' | 'calm'

export function gridAttention(grid: Pick<MapGrid, 'open_cases' | 'cameras_offline'>): GridAttention {
  return grid.open_cases > 0 || grid.cameras_offline > 0 ? 'alert' : 'calm'
}

export const GRID_COLORS: Record<GridAttention, { stroke: string; fill: string }> = {
  alert: { stroke: '#ee0a24', fill: '#ff6b6b' },
  calm: { stroke: '#1989fa', fill: '#5fb0ff' },
}

export const CAMERA_COLORS: Record<CameraStatus, string> = {
  online: '#07c160',
  offline: '#ee0a24',
  idle: '#969799',
}

/** The style of a grid polygon, in Leaflet's PathOptions shape. */
export interface GridStyle {
  color: string
  weight: number
  opacity: number
  fillColor: string
  fillOpacity: number
  className: string
}

/** Grid codes are digits; anything else is dropped so the code is always a safe class name. */
function classSafe(code: string): string {
  return code.replace(/[^0-9A-Za-z_-]/g, '')
}

/**
 * Red-ish for grids needing attention, calm blue otherwise; the user's own grids get a thicker
 * outline, the selected grid (sheet open) a stronger fill. `className` carries `pg-grid
 * pg-grid-<code>` (and the attention and mine flags) onto the SVG path, for styling and tests.
 */
export function gridStyle(grid: Pick<MapGrid, 'code' | 'mine' | 'open_cases' | 'cameras_offline'>, selected = false): GridStyle {
  const attention = gridAttention(grid)
  const colors = GRID_COLORS[attention]
  const classes = ['pg-grid', `pg-grid-${classSafe(grid.code)}`, `pg-grid--${attention}`]
  if (grid.mine) classes.push('pg-grid--mine')
  return {
    color: colors.stroke,
    weight: grid.mine ? 4 : 1.5,
    opacity: 0.9,
    fillColor: colors.fill,
    fillOpacity: selected ? 0.45 : 0.22,
    className: classes.join(' '),
  }
}

export function cameraColor(status: CameraStatus): string {
  return CAMERA_COLORS[status] ?? CAMERA_COLORS.idle
}

export function hasMineGrids(grids: readonly Pick<MapGrid, 'mine'>[]): boolean {
  return grids.some((g) => g.mine)
}

/**
 * What the map shows: all grids and cameras, or with `mineOnly` only the user's own grids and
 * the cameras in them. Grids are ordered by code.
 */
export function visibleLayers<G extends Pick<MapGrid, 'id' | 'code' | 'mine'>, C extends Pick<MapCamera, 'grid_id'>>(
  grids: readonly G[],
  cameras: readonly C[],
  mineOnly: boolean,
): { grids: G[]; cameras: C[] } {
  const shown = (mineOnly ? grids.filter((g) => g.mine) : [...grids]).sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
  if (!mineOnly) return { grids: shown, cameras: [...cameras] }
  const ids = new Set(shown.map((g) => g.id))
  return { grids: shown, cameras: cameras.filter((c) => c.grid_id !== null && ids.has(c.grid_id)) }
}

/** A lon/lat box. */
export interface Bounds {
  west: number
  south: number
  east: number
  north: number
}

function validPosition(p: Position): p is [number, number, ...number[]] {
  return p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1])
}

/** Every position of a Polygon or MultiPolygon (holes included). */
function positions(geometry: GridGeometry): Position[] {
  if (geometry.type === 'Polygon') return geometry.coordinates.flat()
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat(2)
  return []
}

function boundsOfPositions(points: Iterable<Position>): Bounds | null {
  let b: Bounds | null = null
  for (const p of points) {
    if (!validPosition(p)) continue
    const [lon, lat] = p
    if (!b) b = { west: lon, south: lat, east: lon, north: lat }
    else {
      b.west = Math.min(b.west, lon)
      b.east = Math.max(b.east, lon)
      b.south = Math.min(b.south, lat)
      b.north = Math.max(b.north, lat)
    }
  }
  return b
}

/** The box around a grid boundary; null for a missing or empty geometry. */
export function geometryBounds(geometry: GridGeometry | null | undefined): Bounds | null {
  if (!geometry) return null
  return boundsOfPositions(positions(geometry))
}

/** The union of two boxes (either may be null). */
export function unionBounds(a: Bounds | null, b: Bounds | null): Bounds | null {
  if (!a) return b
  if (!b) return a
  return {
    west: Math.min(a.west, b.west),
    south: Math.min(a.south, b.south),
    east: Math.max(a.east, b.east),
    north: Math.max(a.north, b.north),
  }
}

/**
 * Where to fit the map: the box of the grids' boundaries; without any boundary, the box of the
 * camera markers; null when there is nothing to show.
 */
export function mapBounds(
  grids: readonly Pick<MapGrid, 'geometry'>[],
  cameras: readonly Pick<MapCamera, 'lon' | 'lat'>[] = [],
): Bounds | null {
  let b: Bounds | null = null
  for (const g of grids) b = unionBounds(b, geometryBounds(g.geometry))
  if (b) return b
  return boundsOfPositions(cameras.map((c) => [c.lon, c.lat]))
}

/** Leaflet's corner pairs ([[south, west], [north, east]]) for a box. */
export function toLatLngBounds(b: Bounds): [[number, number], [number, number]] {
  return [
    [b.south, b.west],
    [b.north, b.east],
  ]
}

type LatLng = [number, number]

function ringToLatLngs(ring: Position[]): LatLng[] {
  const out: LatLng[] = []
  for (const p of ring) if (validPosition(p)) out.push([p[1], p[0]])
  // GeoJSON closes rings by repeating the first position; Leaflet closes them itself.
  const first = out[0]
  const last = out[out.length - 1]
  if (out.length > 1 && first && last && first[0] === last[0] && first[1] === last[1]) out.pop()
  return out
}

/**
 * A Polygon or MultiPolygon as Leaflet polygon coordinates: [lat, lng] rings; for a
 * MultiPolygon one array of rings per part. Empty rings and parts are dropped.
 */
export function toLeafletPolygon(geometry: GridGeometry): LatLng[][] | LatLng[][][] {
  const rings = (polygon: Position[][]) => polygon.map(ringToLatLngs).filter((r) => r.length >= 3)
  if (geometry.type === 'Polygon') return rings(geometry.coordinates)
  return geometry.coordinates.map(rings).filter((p) => p.length > 0)
}

/** True when a geometry has at least one drawable ring. */
export function isDrawable(geometry: GridGeometry | null | undefined): geometry is GridGeometry {
  if (!geometry || (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon')) return false
  return toLeafletPolygon(geometry).length > 0
}

/**
 * A grid's area for display: square kilometres (two decimals) from 0.01 km² up, otherwise
 * whole square metres. Null when unknown.
 */
export function formatArea(areaM2: number | null | undefined): { value: string; unit: 'km2' | 'm2' } | null {
  if (areaM2 == null || !Number.isFinite(areaM2) || areaM2 < 0) return null
  if (areaM2 >= 10_000) return { value: (areaM2 / 1_000_000).toFixed(2), unit: 'km2' }
  return { value: String(Math.round(areaM2)), unit: 'm2' }
}
