import { describe, expect, it } from 'vitest'
import type { CaseCategory, CaseCategorySet } from '../api/case-types'
import {
  defaultListView,
  departmentName,
  eventKey,
  formatTime,
  groupCategories,
  isListView,
  sourceKey,
  stateKey,
  stateTagType,
  timerBadge,
} from './labels'
import { CASE_STATES } from './workflow'

function cat(code: string, major: string, name: string, department = 'sanitation'): CaseCategory {
  const limit = { unit: 'working_hours' as const, value: 2 }
  return {
    code,
    kind: code.startsWith('E') ? 'event' : 'component',
    major,
    name,
    filing: '…',
    closing: '…',
    dispatch_limit: limit,
    handle_limit: limit,
    close_limit: limit,
    department,
  }
}

describe('state and timer labels', () => {
  it('colour every state, and unknown ones plainly', () => {
    for (const s of CASE_STATES) expect(stateTagType(s)).toMatch(/^(primary|success|warning|danger|default)$/)
    expect(stateTagType('reported')).toBe('warning')
    expect(stateTagType('handling')).toBe('primary')
    expect(stateTagType('closed')).toBe('success')
    expect(stateTagType('cancelled')).toBe('default')
    expect(stateTagType('from_the_future')).toBe('default')
  })

  it('name known states through i18n and leave unknown ones to the server', () => {
    expect(stateKey('feedback')).toBe('cases.states.feedback')
    expect(stateKey('from_the_future')).toBeNull()
  })

  it('badge warned and overdue timers only', () => {
    expect(timerBadge('warned')).toEqual({ key: 'cases.timer.warned', type: 'warning' })
    expect(timerBadge('overdue')).toEqual({ key: 'cases.timer.overdue', type: 'danger' })
    expect(timerBadge('on_time')).toBeNull()
    expect(timerBadge('none')).toBeNull()
  })

  it('name timeline entries: actions, the report, evidence and timers', () => {
    expect(eventKey('dispatch')).toBe('cases.actions.dispatch')
    expect(eventKey('report')).toBe('cases.events.report')
    expect(eventKey('evidence')).toBe('cases.events.evidence')
    expect(eventKey('timer_overdue')).toBe('cases.events.timer_overdue')
    expect(eventKey('something_new')).toBeNull()
  })

  it('name sources', () => {
    expect(sourceKey('patrol')).toBe('cases.sources.patrol')
    expect(sourceKey('open311')).toBeNull()
  })
})

describe('categories', () => {
  it('group by kind and major class, events first, in code order', () => {
    const groups = groupCategories([
      cat('C0301', '市容环境', '垃圾箱破损'),
      cat('E0102', '市容环境', '积存垃圾渣土'),
      cat('E0201', '宣传广告', '非法小广告', 'urban_management'),
      cat('E0101', '市容环境', '暴露垃圾'),
      cat('C0101', '公用设施', '井盖破损丢失', 'housing'),
    ])
    expect(groups.map((g) => [g.key, g.kind, g.major, g.categories.map((c) => c.code)])).toEqual([
      ['E01', 'event', '市容环境', ['E0101', 'E0102']],
      ['E02', 'event', '宣传广告', ['E0201']],
      ['C01', 'component', '公用设施', ['C0101']],
      ['C03', 'component', '市容环境', ['C0301']],
    ])
    expect(groupCategories([])).toEqual([])
  })

  it('name departments, falling back to the code', () => {
    const set: CaseCategorySet = { version: 1, departments: [{ code: 'sanitation', name: '环卫' }], categories: [] }
    expect(departmentName(set, 'sanitation')).toBe('环卫')
    expect(departmentName(set, 'water')).toBe('water')
    expect(departmentName(null, 'sanitation')).toBe('sanitation')
    expect(departmentName(set, null)).toBe('')
  })
})

describe('times', () => {
  const now = new Date(2026, 11, 5, 12, 0)

  it('show month, day and time this year, the year otherwise', () => {
    expect(formatTime(new Date(2026, 11, 5, 9, 7).toISOString(), now)).toBe('12-05 09:07')
    expect(formatTime(new Date(2025, 0, 31, 23, 59).toISOString(), now)).toBe('2025-01-31 23:59')
  })

  it('show nothing for missing or unreadable times', () => {
    expect(formatTime(null, now)).toBe('')
    expect(formatTime('not a time', now)).toBe('')
  })
})

describe('the first list', () => {
  it('is 待我处理 for those who work cases, 全部 for everyone else', () => {
    for (const role of ['grid_officer', 'supervision_operator', 'command_operator', 'department_handler', 'community_secretary', 'district_admin']) {
      expect(defaultListView([role]), role).toBe('mine')
    }
    expect(defaultListView(['resident'])).toBe('all')
    expect(defaultListView(['resident', 'grid_officer'])).toBe('mine')
    expect(defaultListView([])).toBe('all')
  })

  it('accepts only the two list names from the query', () => {
    expect(isListView('mine')).toBe(true)
    expect(isListView('all')).toBe(true)
    expect(isListView('everything')).toBe(false)
    expect(isListView(undefined)).toBe(false)
  })
})
