import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/errors'
import {
  MAX_SUBTASKS,
  MAX_SUBTASK_TITLE,
  buildSubtaskRequest,
  progressToPost,
  subtaskCounts,
  subtaskError,
  subtaskProgress,
  weightShare,
} from './subtasks'

const s = (weight: number, done = false) => ({ weight, done })

describe('sub-task progress', () => {
  it('is the done weight over the whole, rounded down, as the server computes it', () => {
    expect(subtaskProgress([s(1), s(3, true)])).toBe(75)
    expect(subtaskProgress([s(1, true), s(3)])).toBe(25)
    expect(subtaskProgress([s(1, true), s(1), s(1)])).toBe(33)
    expect(subtaskProgress([s(2, true), s(1)])).toBe(66)
    expect(subtaskProgress([s(1), s(1)])).toBe(0)
    expect(subtaskProgress([s(1, true), s(100, true)])).toBe(100)
    // 99.x % is not done: rounded down, 100 only when every sub-task is.
    expect(subtaskProgress([s(100, true), s(100, true), s(1)])).toBe(99)
  })

  it('is none without sub-tasks', () => {
    expect(subtaskProgress([])).toBeNull()
  })

  it('replaces the chosen progress of an update once there are sub-tasks', () => {
    expect(progressToPost([], 40)).toEqual({ progress: 40, computed: false })
    expect(progressToPost([s(1), s(3, true)], 40)).toEqual({ progress: 75, computed: true })
    expect(progressToPost([s(5)], 100)).toEqual({ progress: 0, computed: true })
  })

  it('gives each sub-task its share of the item and counts the done ones', () => {
    const list = [s(1), s(3, true)]
    expect(weightShare(1, list)).toBe(25)
    expect(weightShare(3, list)).toBe(75)
    expect(weightShare(1, [s(1), s(1), s(1)])).toBe(33)
    expect(weightShare(3, [])).toBe(0)
    expect(subtaskCounts(list)).toEqual({ done: 1, total: 2 })
    expect(subtaskCounts([])).toEqual({ done: 0, total: 0 })
  })
})

describe('a new sub-task', () => {
  it('has a title and a whole weight of 1–100', () => {
    expect(buildSubtaskRequest('  采购垃圾桶 ', 3)).toEqual({ request: { title: '采购垃圾桶', weight: 3 } })
    expect(buildSubtaskRequest('安装', '100')).toEqual({ request: { title: '安装', weight: 100 } })
    expect(buildSubtaskRequest('   ', 3)).toEqual({ problem: 'title' })
    expect(buildSubtaskRequest('字'.repeat(MAX_SUBTASK_TITLE), 1)).toHaveProperty('request')
    expect(buildSubtaskRequest('字'.repeat(MAX_SUBTASK_TITLE + 1), 1)).toEqual({ problem: 'titleLong' })
    for (const w of [0, 101, 2.5, -1, NaN, '', 'x', null]) expect(buildSubtaskRequest('安装', w), String(w)).toEqual({ problem: 'weight' })
  })

  it('is refused once the item has as many as it may', () => {
    expect(buildSubtaskRequest('安装', 1, MAX_SUBTASKS - 1)).toHaveProperty('request')
    expect(buildSubtaskRequest('安装', 1, MAX_SUBTASKS)).toEqual({ problem: 'tooMany' })
  })
})

describe('sub-task errors', () => {
  it('say someone changed it first (409) or only the owner and staff may (403)', () => {
    expect(subtaskError(new ApiError(409, 'conflict'))).toEqual({ key: 'community.subtasks.conflict', params: {} })
    expect(subtaskError(new ApiError(403, 'forbidden'))).toEqual({ key: 'community.subtasks.forbidden', params: {} })
    expect(subtaskError(new ApiError(422, 'invalid_input'))).toEqual({ key: 'errors.invalid_input', params: {} })
  })
})
