// Sub-tasks of an action item (子任务) as pure functions. Once an item has sub-tasks its progress
// is computed by the server — the done weight over the whole weight, rounded down, so 100 % means
// every one is done — and a progress update must carry exactly that value (else 422). These
// compute the same number, each sub-task's share, check a new one before it is sent, and name
// the errors of adding and ticking.
import { ApiError, errorMessage } from '../api/errors'
import type { SubtaskView } from '../api/types'

/** A sub-task's weight: its share relative to the item's other sub-tasks. */
export const MIN_WEIGHT = 1
export const MAX_WEIGHT = 100
/** palmgrid_app::subtasks: a title of at most 100 characters, at most 50 sub-tasks. */
export const MAX_SUBTASK_TITLE = 100
export const MAX_SUBTASKS = 50

type Weighted = Pick<SubtaskView, 'weight' | 'done'>

/** The item's progress from its sub-tasks (done weight × 100 / total, rounded down); null without any. */
export function subtaskProgress(subtasks: readonly Weighted[]): number | null {
  const total = subtasks.reduce((sum, s) => sum + Math.max(0, s.weight), 0)
  if (subtasks.length === 0 || total <= 0) return null
  const done = subtasks.reduce((sum, s) => sum + (s.done ? Math.max(0, s.weight) : 0), 0)
  return Math.floor((done * 100) / total)
}

/** A sub-task's share of the whole item in percent (rounded), for 权重 3 · 占 75%. */
export function weightShare(weight: number, subtasks: readonly Pick<SubtaskView, 'weight'>[]): number {
  const total = subtasks.reduce((sum, s) => sum + Math.max(0, s.weight), 0)
  return total > 0 ? Math.round((Math.max(0, weight) * 100) / total) : 0
}

/** Done and all sub-tasks, by count (已完成 1/2 项). */
export function subtaskCounts(subtasks: readonly Pick<SubtaskView, 'done'>[]): { done: number; total: number } {
  return { done: subtasks.filter((s) => s.done).length, total: subtasks.length }
}

/**
 * The progress a progress update must carry: the computed one when the item has sub-tasks (the
 * slider is replaced by it), else what the owner set. `computed` says which.
 */
export function progressToPost(subtasks: readonly Weighted[], chosen: number): { progress: number; computed: boolean } {
  const p = subtaskProgress(subtasks)
  return p === null ? { progress: chosen, computed: false } : { progress: p, computed: true }
}

export type SubtaskProblem = 'title' | 'titleLong' | 'weight' | 'tooMany'

/** A new sub-task as the server takes it, or why not (an i18n key under community.subtasks.problems). */
export function buildSubtaskRequest(
  title: string,
  weight: unknown,
  existing = 0,
): { request: { title: string; weight: number } } | { problem: SubtaskProblem } {
  const t = title.trim()
  if (!t) return { problem: 'title' }
  if ([...t].length > MAX_SUBTASK_TITLE) return { problem: 'titleLong' }
  const w = typeof weight === 'number' ? weight : typeof weight === 'string' && weight.trim() !== '' ? Number(weight) : NaN
  if (!Number.isInteger(w) || w < MIN_WEIGHT || w > MAX_WEIGHT) return { problem: 'weight' }
  if (existing >= MAX_SUBTASKS) return { problem: 'tooMany' }
  return { request: { title: t, weight: w } }
}

/** The message of a failed add or tick: 409 someone changed it first, 403 only the owner and staff. */
export function subtaskError(e: unknown): { key: string; params: Record<string, string> } {
  if (e instanceof ApiError && e.status === 409) return { key: 'community.subtasks.conflict', params: {} }
  if (e instanceof ApiError && e.status === 403) return { key: 'community.subtasks.forbidden', params: {} }
  return errorMessage(e)
}
