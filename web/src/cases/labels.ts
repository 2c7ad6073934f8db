// How cases are shown: tag colours of states and timers, i18n keys of states, actions, timeline
// events and sources, categories grouped by major class, dates, and which list a user starts on.
import type { CaseCategory, CaseCategorySet } from '../api/case-types'
import { isCaseAction, isCaseState, type CaseStateKey } from './workflow'

export type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'default'

const STATE_TAG: Record<CaseStateKey, TagType> = {
  reported: 'warning',
  registered: 'primary',
  dispatched: 'primary',
  handling: 'primary',
  feedback: 'warning',
  checked: 'success',
  closed: 'success',
  suspended: 'default',
  cancelled: 'default',
  merged: 'default',
}

/** The Vant tag type of a state (unknown states are plain). */
export function stateTagType(state: string): TagType {
  return isCaseState(state) ? STATE_TAG[state] : 'default'
}

/** The i18n key of a state's name, or null for a state this app does not know (show the server's name). */
export function stateKey(state: string): string | null {
  return isCaseState(state) ? `cases.states.${state}` : null
}

/** The badge of a running limit: 即将超时 (warned) or 已超时 (overdue); nothing otherwise. */
export function timerBadge(timer: string): { key: string; type: TagType } | null {
  if (timer === 'warned') return { key: 'cases.timer.warned', type: 'warning' }
  if (timer === 'overdue') return { key: 'cases.timer.overdue', type: 'danger' }
  return null
}

/** Timeline entries that are not workflow actions: the report, evidence, the timers. */
const EVENT_KEYS = ['report', 'evidence', 'timer_warned', 'timer_overdue'] as const

/** The i18n key naming a timeline entry, or null for an entry this app does not know. */
export function eventKey(action: string): string | null {
  if (isCaseAction(action)) return `cases.actions.${action}`
  if ((EVENT_KEYS as readonly string[]).includes(action)) return `cases.events.${action}`
  return null
}

const SOURCES = ['patrol', 'video', 'resident', 'hotline', 'above'] as const

/** The i18n key of a report source (巡查上报, 视频发现, …), or null when unknown. */
export function sourceKey(source: string): string | null {
  return (SOURCES as readonly string[]).includes(source) ? `cases.sources.${source}` : null
}

/** Categories of one major class of one kind (事件 市容环境, 部件 市容环境 are two groups). */
export interface CategoryGroup {
  /** Kind letter and major class, e.g. `E01`. */
  key: string
  kind: CaseCategory['kind']
  major: string
  categories: CaseCategory[]
}

/** Categories grouped by kind and major class, events first, each in code order. */
export function groupCategories(categories: readonly CaseCategory[]): CategoryGroup[] {
  const groups = new Map<string, CategoryGroup>()
  for (const c of [...categories].sort((a, b) => kindOrder(a) - kindOrder(b) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))) {
    const key = c.code.slice(0, 3)
    let g = groups.get(key)
    if (!g) {
      g = { key, kind: c.kind, major: c.major, categories: [] }
      groups.set(key, g)
    }
    g.categories.push(c)
  }
  return [...groups.values()]
}

function kindOrder(c: CaseCategory): number {
  return c.kind === 'event' ? 0 : 1
}

/** A department's name (环卫) by code; the code itself when the set does not know it. */
export function departmentName(set: CaseCategorySet | null | undefined, code: string | null | undefined): string {
  if (!code) return ''
  return set?.departments.find((d) => d.code === code)?.name ?? code
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/**
 * An RFC 3339 time in local time: `MM-DD HH:mm` in the current year of `now`, else
 * `YYYY-MM-DD HH:mm`. Empty for a missing or unreadable time.
 */
export function formatTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const day = `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  return d.getFullYear() === now.getFullYear() ? `${day} ${time}` : `${d.getFullYear()}-${day} ${time}`
}

/** Roles that work cases (and so start on 待我处理); everyone else starts on 全部 (their reports). */
const CASE_WORKERS = [
  'district_admin',
  'command_operator',
  'supervision_operator',
  'community_secretary',
  'grid_officer',
  'department_handler',
]

export type ListView = 'mine' | 'all'

export function isListView(value: unknown): value is ListView {
  return value === 'mine' || value === 'all'
}

/** The list a user sees first on the 事件 tab. */
export function defaultListView(roles: readonly string[]): ListView {
  return roles.some((r) => CASE_WORKERS.includes(r)) ? 'mine' : 'all'
}
