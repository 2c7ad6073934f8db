// Pure helpers for the 视频 tab: grouping cameras by grid, status display, watch purposes.
import type { CameraStatus, CameraView, RegionView } from '../api/types'

export interface CameraGroup {
  /** The grid's region code, or '' for cameras not assigned to a grid. */
  gridCode: string
  /** The grid's name from GET /api/v1/regions; null when unknown (the page shows the code or 未分配网格). */
  gridName: string | null
  cameras: CameraView[]
}

/**
 * Cameras grouped by grid, groups ordered by grid code (unassigned last), cameras by name
 * within a group (zh-CN collation, then id for a stable order).
 */
export function groupCamerasByGrid(cameras: readonly CameraView[], regions: readonly RegionView[]): CameraGroup[] {
  const names = new Map(regions.map((r) => [r.code, r.name]))
  const groups = new Map<string, CameraGroup>()
  for (const camera of cameras) {
    const code = camera.grid_code ?? ''
    let group = groups.get(code)
    if (!group) {
      group = { gridCode: code, gridName: code ? (names.get(code) ?? null) : null, cameras: [] }
      groups.set(code, group)
    }
    group.cameras.push(camera)
  }
  const collator = new Intl.Collator('zh-CN')
  for (const g of groups.values()) {
    g.cameras.sort((a, b) => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }
  return [...groups.values()].sort((a, b) => {
    if (!a.gridCode !== !b.gridCode) return a.gridCode ? -1 : 1
    return a.gridCode < b.gridCode ? -1 : a.gridCode > b.gridCode ? 1 : 0
  })
}

/** The cameras in the order the list shows them (group by group). */
export function camerasInListOrder(groups: readonly CameraGroup[]): CameraView[] {
  return groups.flatMap((g) => g.cameras)
}

/** Vant tag type for a camera status. */
export function statusTagType(status: CameraStatus): 'success' | 'danger' | 'default' {
  if (status === 'online') return 'success'
  if (status === 'offline') return 'danger'
  return 'default'
}

export const PURPOSE_KEYS = ['patrol', 'incident', 'evidence', 'other'] as const
export type PurposeKey = (typeof PURPOSE_KEYS)[number]
export const DEFAULT_PURPOSE: PurposeKey = 'patrol'

/**
 * What is sent as `purpose` (and so written to the audit log): always the Chinese wording,
 * whatever the interface language, so the log reads the same for every auditor.
 */
export const PURPOSE_AUDIT_TEXT: Record<PurposeKey, string> = {
  patrol: '日常巡查',
  incident: '事件核查',
  evidence: '案件取证',
  other: '其他',
}

export function isPurposeKey(value: unknown): value is PurposeKey {
  return typeof value === 'string' && (PURPOSE_KEYS as readonly string[]).includes(value)
}

export type StreamChoice = 'auto' | 'main' | 'sub'

/** The live WebSocket URL on the page's own origin (the session cookie authenticates it). */
export function liveUrl(
  location: { protocol: string; host: string },
  cameraId: string,
  purpose: string,
  stream: StreamChoice = 'auto',
): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  const query = new URLSearchParams({ purpose, stream })
  return `${scheme}//${location.host}/api/v1/cameras/${encodeURIComponent(cameraId)}/live.ws?${query.toString()}`
}
