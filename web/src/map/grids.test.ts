import { describe, expect, it } from 'vitest'
import type { GridGeometry, MapCamera, MapGrid } from '../api/map-types'
import {
  CAMERA_COLORS,
  GRID_COLORS,
  cameraColor,
  formatArea,
  geometryBounds,
  gridAttention,
  gridStyle,
  hasMineGrids,
  isDrawable,
  mapBounds,
  toLatLngBounds,
  toLeafletPolygon,
  unionBounds,
  visibleLayers,
} from './grids'
import zhCN from '../i18n/zh-CN'
import en from '../i18n/en'

/** A closed square ring of [lon, lat] from (lon, lat) with side d. */
function square(lon: number, lat: number, d = 0.01): number[][] {
  return [
    [lon, lat],
    [lon + d, lat],
    [lon + d, lat + d],
    [lon, lat + d],
    [lon, lat],
  ]
}

function grid(code: string, over: Partial<MapGrid> = {}): MapGrid {
  return {
    id: `g-${code}`,
    code,
    name: `网格 ${code}`,
    community_code: code.slice(0, 12),
    community_name: '牛角巷社区',
    geometry: { type: 'Polygon', coordinates: [square(112.6, 26.9)] },
    area_m2: 1_000_000,
    officers: [],
    cameras: 0,
    cameras_offline: 0,
    open_cases: 0,
    mine: false,
    ...over,
  }
}

function camera(id: string, grid_id: string | null, status: MapCamera['status'] = 'online'): MapCamera {
  return { id, name: id, grid_id, lon: 112.605, lat: 26.905, status, recording: false }
}

describe('grid colours', () => {
  it('marks grids with open cases or offline cameras for attention', () => {
    expect(gridAttention({ open_cases: 0, cameras_offline: 0 })).toBe('calm')
    expect(gridAttention({ open_cases: 2, cameras_offline: 0 })).toBe('alert')
    expect(gridAttention({ open_cases: 0, cameras_offline: 1 })).toBe('alert')
  })

  it('fills attention grids red-ish and calm grids blue', () => {
    expect(gridStyle(grid('430407001001001', { open_cases: 1 })).fillColor).toBe(GRID_COLORS.alert.fill)
    expect(gridStyle(grid('430407001001001', { cameras_offline: 1 })).color).toBe(GRID_COLORS.alert.stroke)
    expect(gridStyle(grid('430407001001001')).fillColor).toBe(GRID_COLORS.calm.fill)
    expect(GRID_COLORS.alert.fill).not.toBe(GRID_COLORS.calm.fill)
  })

  it('outlines the user’s own grids thicker and fills the selected grid stronger', () => {
    const other = gridStyle(grid('1'))
    const mine = gridStyle(grid('1', { mine: true }))
    expect(mine.weight).toBeGreaterThan(other.weight)
    expect(gridStyle(grid('1'), true).fillOpacity).toBeGreaterThan(other.fillOpacity)
  })

  it('puts the grid code, attention and mine flags in the path class', () => {
    expect(gridStyle(grid('430407001001001', { mine: true, open_cases: 3 })).className).toBe(
      'pg-grid pg-grid-430407001001001 pg-grid--alert pg-grid--mine',
    )
    expect(gridStyle(grid('430407002001002')).className).toBe('pg-grid pg-grid-430407002001002 pg-grid--calm')
    // Only safe characters reach the class attribute.
    expect(gridStyle(grid('12 "x"<3>')).className).toBe('pg-grid pg-grid-12x3 pg-grid--calm')
  })

  it('colours camera markers by status', () => {
    expect(cameraColor('online')).toBe(CAMERA_COLORS.online)
    expect(cameraColor('offline')).toBe(CAMERA_COLORS.offline)
    expect(cameraColor('idle')).toBe(CAMERA_COLORS.idle)
    expect(new Set(Object.values(CAMERA_COLORS)).size).toBe(3)
  })
})

describe('my grids filter', () => {
  const grids = [grid('3'), grid('1', { mine: true }), grid('2')]
  const cameras = [camera('a', 'g-1'), camera('b', 'g-2'), camera('c', null), camera('d', 'g-1', 'offline')]

  it('knows whether the user has grids of their own', () => {
    expect(hasMineGrids(grids)).toBe(true)
    expect(hasMineGrids([grid('2')])).toBe(false)
    expect(hasMineGrids([])).toBe(false)
  })

  it('shows everything (grids by code) when off', () => {
    const v = visibleLayers(grids, cameras, false)
    expect(v.grids.map((g) => g.code)).toEqual(['1', '2', '3'])
    expect(v.cameras.map((c) => c.id)).toEqual(['a', 'b', 'c', 'd'])
  })

  it('keeps only the user’s grids and the cameras inside them when on', () => {
    const v = visibleLayers(grids, cameras, true)
    expect(v.grids.map((g) => g.code)).toEqual(['1'])
    expect(v.cameras.map((c) => c.id)).toEqual(['a', 'd'])
  })

  it('does not change its inputs', () => {
    const before = grids.map((g) => g.code)
    visibleLayers(grids, cameras, false)
    visibleLayers(grids, cameras, true)
    expect(grids.map((g) => g.code)).toEqual(before)
  })
})

describe('bounds of GeoJSON boundaries', () => {
  it('boxes a polygon, holes included', () => {
    const outer = [[112.6, 26.9], [112.62, 26.9], [112.62, 26.92], [112.6, 26.92], [112.6, 26.9]]
    const polygon: GridGeometry = { type: 'Polygon', coordinates: [outer, square(112.605, 26.905, 0.005)] }
    expect(geometryBounds(polygon)).toEqual({ west: 112.6, south: 26.9, east: 112.62, north: 26.92 })
  })

  it('boxes every part of a multipolygon', () => {
    const multi: GridGeometry = {
      type: 'MultiPolygon',
      coordinates: [[square(112.6, 26.9)], [square(112.63, 26.88, 0.005)]],
    }
    const b = geometryBounds(multi)!
    expect(b.west).toBe(112.6)
    expect(b.south).toBe(26.88)
    expect(b.east).toBeCloseTo(112.635)
    expect(b.north).toBeCloseTo(26.91)
  })

  it('is null for missing, empty or non-finite geometry', () => {
    expect(geometryBounds(null)).toBeNull()
    expect(geometryBounds(undefined)).toBeNull()
    expect(geometryBounds({ type: 'Polygon', coordinates: [] })).toBeNull()
    expect(geometryBounds({ type: 'Polygon', coordinates: [[[Number.NaN, 1], [2]]] })).toBeNull()
  })

  it('joins boxes', () => {
    const a = { west: 0, south: 0, east: 1, north: 1 }
    const b = { west: -1, south: 0.5, east: 0.5, north: 2 }
    expect(unionBounds(a, b)).toEqual({ west: -1, south: 0, east: 1, north: 2 })
    expect(unionBounds(null, b)).toBe(b)
    expect(unionBounds(a, null)).toBe(a)
    expect(unionBounds(null, null)).toBeNull()
  })

  it('fits the map to the grids, else to the cameras, else nothing', () => {
    const grids = [grid('1', { geometry: { type: 'Polygon', coordinates: [square(112.6, 26.9)] } }), grid('2', { geometry: null })]
    const b = mapBounds(grids, [camera('far', null)])!
    expect(b.west).toBe(112.6)
    expect(b.east).toBeCloseTo(112.61)
    expect(mapBounds([grid('2', { geometry: null })], [camera('a', null)])).toEqual({
      west: 112.605,
      south: 26.905,
      east: 112.605,
      north: 26.905,
    })
    expect(mapBounds([], [])).toBeNull()
  })

  it('gives Leaflet [[south, west], [north, east]]', () => {
    expect(toLatLngBounds({ west: 112.6, south: 26.9, east: 112.7, north: 27 })).toEqual([
      [26.9, 112.6],
      [27, 112.7],
    ])
  })
})

describe('GeoJSON → Leaflet', () => {
  it('swaps to [lat, lng] and drops the closing position', () => {
    const rings = toLeafletPolygon({ type: 'Polygon', coordinates: [square(112.6, 26.9, 0.5)] })
    expect(rings).toEqual([
      [
        [26.9, 112.6],
        [26.9, 113.1],
        [27.4, 113.1],
        [27.4, 112.6],
      ],
    ])
  })

  it('keeps the parts of a multipolygon and drops degenerate rings', () => {
    const parts = toLeafletPolygon({
      type: 'MultiPolygon',
      coordinates: [
        [square(1, 1)],
        [
          [
            [5, 5],
            [5, 5],
          ],
        ],
        [square(2, 2), []],
      ],
    })
    expect(parts).toHaveLength(2)
    expect((parts as number[][][][])[1]).toHaveLength(1)
  })

  it('says whether there is anything to draw', () => {
    expect(isDrawable(grid('1').geometry)).toBe(true)
    expect(isDrawable(null)).toBe(false)
    expect(isDrawable({ type: 'Polygon', coordinates: [] })).toBe(false)
    expect(isDrawable({ type: 'Point', coordinates: [1, 2] } as unknown as GridGeometry)).toBe(false)
  })
})

describe('area and texts', () => {
  it('shows square kilometres from 0.01 km², else square metres', () => {
    expect(formatArea(1_234_567)).toEqual({ value: '1.23', unit: 'km2' })
    expect(formatArea(10_000)).toEqual({ value: '0.01', unit: 'km2' })
    expect(formatArea(9_499.6)).toEqual({ value: '9500', unit: 'm2' })
    expect(formatArea(null)).toBeNull()
    expect(formatArea(Number.NaN)).toBeNull()
    expect(formatArea(-1)).toBeNull()
  })

  it('carries the agreed Chinese texts', () => {
    expect(zhCN.map.title).toBe('地图')
    expect(zhCN.map.myGrids).toBe('我的网格')
    expect(en.map.myGrids).toBe('My grids')
    expect(zhCN.map.empty).toBe('暂无网格边界')
    expect(zhCN.map.sheet.noOfficer).toBe('未指派网格员')
    expect([zhCN.map.sheet.cameras, zhCN.map.sheet.offline, zhCN.map.sheet.openCases]).toEqual(['摄像头', '离线', '待办案件'])
  })
})
