// Hand-written types for the map routes (GET /api/v1/map, /api/v1/grids/{id},
// /api/v1/grids/lookup). They mirror MapView, MapGridView, MapCameraView, GridDetailView and
// LookupView of palmgrid-api's views.rs. Once web/openapi.json carries these routes, replace
// them with aliases of the generated schema in types.ts (as for every other API type).
import type { CameraStatus } from './types'

/** Datum of map coordinates: WGS-84 (GPS, OpenStreetMap tiles) or GCJ-02 (AMap/Tencent tiles). */
export type MapCrs = 'wgs84' | 'gcj02'

/** GeoJSON position: [lon, lat] (extra members such as altitude are ignored). */
export type Position = number[]

export interface PolygonGeometry {
  type: 'Polygon'
  /** Rings of [lon, lat]; the first is the outer ring, the others holes. */
  coordinates: Position[][]
}

export interface MultiPolygonGeometry {
  type: 'MultiPolygon'
  coordinates: Position[][][]
}

export type GridGeometry = PolygonGeometry | MultiPolygonGeometry

/** A grid by name and code, with its community (the answer of a point lookup). */
export interface GridRef {
  id: string
  code: string
  name: string
  community_code: string
  community_name: string | null
}

export interface GridOfficer {
  user_id: string
  display_name: string
  /** `grid_officer` (the server may add `community_secretary` later). */
  role: string
}

/** A grid on the map. */
export interface MapGrid extends GridRef {
  /** Polygon or MultiPolygon in the answer's `crs`; null if the grid has no boundary. */
  geometry: GridGeometry | null
  area_m2: number | null
  officers: GridOfficer[]
  /** Cameras of the grid the caller may list. */
  cameras: number
  cameras_offline: number
  open_cases: number
  /** The caller is a grid officer of this grid. */
  mine: boolean
}

/** A camera marker. */
export interface MapCamera {
  id: string
  name: string
  grid_id: string | null
  lon: number
  lat: number
  status: CameraStatus
  recording: boolean
}

export interface MapTiles {
  /** Leaflet URL template with {z}/{x}/{y}; null = no tiles (the grids on a plain background). */
  url: string | null
  attribution: string | null
}

/** GET /api/v1/map */
export interface MapView {
  crs: MapCrs
  tiles: MapTiles
  grids: MapGrid[]
  cameras: MapCamera[]
}

/** GET /api/v1/grids/{id} */
export interface GridDetail extends MapGrid {
  camera_list: MapCamera[]
}

/** GET /api/v1/grids/lookup (404 `outside_all_grids` when no grid holds the point) */
export interface GridLookup {
  grid: GridRef
}
