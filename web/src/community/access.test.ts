import { describe, expect, it } from 'vitest'
import type { CameraAccessView, ViewerView } from '../api/types'
import {
  ACCESS_PERIODS,
  countRows,
  isAccessPeriod,
  kindRows,
  periodStart,
  purposeId,
  purposeKey,
  purposeRows,
  sortCameras,
  totalViews,
  viewKindKey,
  viewersNewestFirst,
} from './access'

function camera(over: Partial<CameraAccessView> = {}): CameraAccessView {
  return {
    camera_id: 'c1',
    name: '牛角巷北口',
    grid_code: '430407001001001',
    views: 0,
    by_kind: {},
    by_role: {},
    by_purpose: {},
    by_case: {},
    viewers: null,
    ...over,
  }
}

describe('camera-access report', () => {
  it('asks for the last 7 or 30 days from now (the server ends the period)', () => {
    expect([...ACCESS_PERIODS]).toEqual([7, 30])
    expect(isAccessPeriod(7)).toBe(true)
    expect(isAccessPeriod(14)).toBe(false)
    const now = Date.UTC(2026, 11, 5, 4, 0, 0)
    expect(periodStart(7, now)).toBe('2026-11-28T04:00:00.000Z')
    expect(periodStart(30, now)).toBe('2026-11-05T04:00:00.000Z')
  })

  it('names the kinds of view and keeps them in order', () => {
    expect(viewKindKey('live')).toBe('community.access.kinds.live')
    expect(viewKindKey('snapshot')).toBe('community.access.kinds.snapshot')
    expect(viewKindKey('export')).toBeNull()
    expect(kindRows({ snapshot: 2, export: 1, live: 1, playback: 0 })).toEqual([
      { id: 'live', count: 1 },
      { id: 'snapshot', count: 2 },
      { id: 'export', count: 1 },
    ])
  })

  it('merges purposes sent as keys or as the audited Chinese wording', () => {
    expect(purposeId('patrol')).toBe('patrol')
    expect(purposeId('日常巡查')).toBe('patrol')
    expect(purposeId(' 案件取证 ')).toBe('evidence')
    expect(purposeId('议题')).toBe('议题')
    expect(purposeId('议题取证')).toBe('议题取证')
    expect(purposeId('toString')).toBe('toString')
    expect(purposeKey('incident')).toBe('video.purposes.incident')
    expect(purposeKey('议题')).toBe('community.access.purposes.topic')
    expect(purposeKey('巡逻')).toBeNull()
    expect(purposeRows({ 日常巡查: 3, patrol: 1, 议题: 2, 其他: 0, 议题取证: 1 })).toEqual([
      { id: 'patrol', count: 4 },
      { id: '议题', count: 2 },
      { id: '议题取证', count: 1 },
    ])
  })

  it('lists a breakdown most first, then by key, without zeros', () => {
    expect(countRows({ resident: 1, grid_officer: 3, community_secretary: 1, auditor: 0 })).toEqual([
      { id: 'grid_officer', count: 3 },
      { id: 'community_secretary', count: 1 },
      { id: 'resident', count: 1 },
    ])
    expect(countRows({})).toEqual([])
    expect(countRows(null)).toEqual([])
  })

  it('puts the most viewed cameras first and adds the views up', () => {
    const cams = [camera({ camera_id: 'a', name: '牛角巷垃圾站', views: 0 }), camera({ camera_id: 'b', name: '牛角巷北口', views: 3 }), camera({ camera_id: 'c', name: '东门', views: 3 })]
    // Equal views: by name in Chinese order (东 dōng before 牛 niú).
    expect(sortCameras(cams).map((c) => c.camera_id)).toEqual(['c', 'b', 'a'])
    expect(cams.map((c) => c.camera_id)).toEqual(['a', 'b', 'c'])
    expect(totalViews(cams)).toBe(6)
    expect(totalViews([])).toBe(0)
  })

  it('lists who viewed newest first (auditors only)', () => {
    const v = (at: string, name: string): ViewerView => ({ at, name, display_name: `网格员 ${name}`, role: 'grid_officer', kind: 'live', purpose: '日常巡查' })
    expect(viewersNewestFirst([v('2026-12-05T09:00:00+08:00', 'a'), v('2026-12-05T10:00:00+08:00', 'b')]).map((x) => x.name)).toEqual(['b', 'a'])
    expect(viewersNewestFirst(null)).toEqual([])
  })
})
