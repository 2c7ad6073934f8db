import { describe, expect, it } from 'vitest'
import type { CameraView, RegionView } from '../api/types'
import {
  DEFAULT_PURPOSE,
  PURPOSE_AUDIT_TEXT,
  PURPOSE_KEYS,
  camerasInListOrder,
  groupCamerasByGrid,
  isPurposeKey,
  liveUrl,
  statusTagType,
} from './cameras'
import zhCN from '../i18n/zh-CN'

function cam(id: string, name: string, grid_code: string | null, status: CameraView['status'] = 'idle'): CameraView {
  return { id, name, grid_code, grid_id: grid_code ? `g-${grid_code}` : null, status, zone: 'internet', has_sub_stream: true, record: false, recording: false, retain_days: 30 }
}
function region(code: string, name: string): RegionView {
  return { id: `r-${code}`, code, name, level: 'grid', parent_id: null }
}

const regions = [region('430407', '衡阳市石鼓区'), region('430407001001001', '牛角巷第一网格'), region('430407001001002', '牛角巷第二网格')]

describe('groupCamerasByGrid', () => {
  it('groups by grid code with the grid name, groups by code and cameras by name', () => {
    const groups = groupCamerasByGrid(
      [
        cam('c3', '牛角巷垃圾站', '430407001001001', 'online'),
        cam('c1', '二网格东门', '430407001001002'),
        cam('c2', '牛角巷北口', '430407001001001', 'offline'),
      ],
      regions,
    )
    expect(groups.map((g) => [g.gridCode, g.gridName, g.cameras.map((c) => c.id)])).toEqual([
      ['430407001001001', '牛角巷第一网格', ['c2', 'c3']],
      ['430407001001002', '牛角巷第二网格', ['c1']],
    ])
  })

  it('keeps cameras of unknown grids (no name) and puts unassigned cameras last', () => {
    const groups = groupCamerasByGrid([cam('a', 'A', null), cam('b', 'B', '999'), cam('c', 'C', '430407001001001')], regions)
    expect(groups.map((g) => [g.gridCode, g.gridName])).toEqual([
      ['430407001001001', '牛角巷第一网格'],
      ['999', null],
      ['', null],
    ])
  })

  it('is empty without cameras, and orders ties by id', () => {
    expect(groupCamerasByGrid([], regions)).toEqual([])
    const [g] = groupCamerasByGrid([cam('z', '同名', '1'), cam('a', '同名', '1')], [])
    expect(g?.cameras.map((c) => c.id)).toEqual(['a', 'z'])
  })

  it('lists cameras group by group (the 4-up view takes the first four)', () => {
    const groups = groupCamerasByGrid(
      [cam('x', 'X', '2'), cam('b', 'B', '1'), cam('a', 'A', '1'), cam('n', 'N', null), cam('y', 'Y', '2')],
      [],
    )
    expect(camerasInListOrder(groups).map((c) => c.id)).toEqual(['a', 'b', 'x', 'y', 'n'])
  })
})

describe('camera display', () => {
  it('maps status to tag types and names every status in Chinese', () => {
    expect(statusTagType('online')).toBe('success')
    expect(statusTagType('offline')).toBe('danger')
    expect(statusTagType('idle')).toBe('default')
    expect(zhCN.video.status).toEqual({ online: '在线', offline: '离线', idle: '待机' })
  })

  it('has four purposes, 日常巡查 by default, sent in Chinese', () => {
    expect(PURPOSE_KEYS).toEqual(['patrol', 'incident', 'evidence', 'other'])
    expect(DEFAULT_PURPOSE).toBe('patrol')
    expect(PURPOSE_AUDIT_TEXT).toEqual(zhCN.video.purposes)
    expect(isPurposeKey('evidence')).toBe(true)
    expect(isPurposeKey('fun')).toBe(false)
  })
})

describe('liveUrl', () => {
  it('uses the page origin, ws or wss, and encodes purpose and stream', () => {
    expect(liveUrl({ protocol: 'http:', host: '127.0.0.1:8080' }, 'abc', '日常巡查')).toBe(
      'ws://127.0.0.1:8080/api/v1/cameras/abc/live.ws?purpose=%E6%97%A5%E5%B8%B8%E5%B7%A1%E6%9F%A5&stream=auto',
    )
    expect(liveUrl({ protocol: 'https:', host: 'grid.example' }, 'a/b', 'case #7 & more', 'sub')).toBe(
      'wss://grid.example/api/v1/cameras/a%2Fb/live.ws?purpose=case+%237+%26+more&stream=sub',
    )
  })
})
