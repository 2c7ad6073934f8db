import { describe, expect, it } from 'vitest'
import zhCN from './zh-CN'
import en from './en'
import { DEFAULT_LOCALE, LOCALE_STORAGE_KEY, loadLocale, saveLocale } from './locale'
import { TAB_KEYS } from '../tabs'
import { KNOWN_ERROR_CODES } from '../api/errors'
import { CASE_ACTIONS, CASE_STATES } from '../cases/workflow'
import { NOTIFICATION_KINDS } from '../cases/notifications'
import { SERVICE_DESKS, SERVICE_FILTERS, SERVICE_STATES } from '../community/service'
import { ESCALATION_TARGETS, MEDIATION_PATH, MEDIATION_STATES, STEP_KINDS } from '../community/mediation'
import { RULE_AUDIT_TEXT, RULE_KEYS } from '../community/moderation'

type Tree = { [k: string]: string | Tree }

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (typeof v === 'string') out.set(key, v)
    else for (const [kk, vv] of leaves(v, key)) out.set(kk, vv)
  }
  return out
}

const zh = leaves(zhCN)
const enLeaves = leaves(en)

/** `{name}` placeholders of a message. */
function params(message: string): string[] {
  return [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort()
}

describe('i18n messages', () => {
  it('have exactly the same keys in zh-CN and en', () => {
    expect([...enLeaves.keys()].sort()).toEqual([...zh.keys()].sort())
  })

  it('have no empty message', () => {
    for (const [key, value] of [...zh, ...enLeaves]) expect(value.trim(), key).not.toBe('')
  })

  it('use the same placeholders in both languages', () => {
    for (const [key, value] of zh) expect(params(enLeaves.get(key) ?? ''), key).toEqual(params(value))
  })

  it('name every tab, role and known error code', () => {
    for (const tab of TAB_KEYS) expect(zh.has(`tabs.${tab}`), tab).toBe(true)
    const roles = [
      'district_admin', 'command_operator', 'supervision_operator', 'community_secretary', 'grid_officer',
      'department_handler', 'police_viewer', 'property_manager', 'local_unit', 'social_org', 'resident', 'auditor',
    ]
    for (const role of roles) expect(zh.has(`roles.${role}`), role).toBe(true)
    expect(Object.keys(zhCN.roles).sort()).toEqual([...roles].sort())
    for (const code of KNOWN_ERROR_CODES) expect(zh.has(`errors.${code}`), code).toBe(true)
  })

  it('carry the agreed Chinese texts', () => {
    expect(zhCN.tabs).toEqual({ home: '首页', video: '视频', cases: '事件', community: '社区', me: '我的' })
    expect(en.tabs).toEqual({ home: 'Home', video: 'Video', cases: 'Cases', community: 'Community', me: 'Me' })
    expect(zhCN.errors.invalid_credentials).toBe('用户名或密码错误')
    expect(zhCN.errors.account_locked).toBe('登录失败次数过多，账户已临时锁定，请30分钟后再试')
    expect(zhCN.roles.community_secretary).toBe('社区书记/主任')
    expect(en.roles.social_org).toBe('Social organisation')
    expect(zhCN.video.errors.hevc).toBe('此摄像机仅提供 H.265，浏览器无法播放；请使用子码流或客户端')
    expect(en.video.errors.hevc).toMatch(/^H\.265 only; the browser cannot play it/)
    expect([zhCN.video.live, zhCN.video.playback.title, zhCN.video.recording]).toEqual(['实时', '回放', '录像中'])
    expect(zhCN.video.playback.empty).toBe('该时段无录像')
    expect(en.video.playback.empty).toBe('No recording in this period')
  })

  it('name every case state and action as the server does (CaseState/CaseAction::zh_name)', () => {
    expect(Object.keys(zhCN.cases.states).sort()).toEqual([...CASE_STATES].sort())
    expect(Object.keys(zhCN.cases.actions).sort()).toEqual([...CASE_ACTIONS].sort())
    expect(Object.values(zhCN.cases.states)).toEqual(['待核实', '待派遣', '待签收', '处置中', '待核查', '待结案', '已结案', '挂账', '已注销', '已并案'])
    expect(zhCN.cases.actions).toMatchObject({
      register: '立案', cancel: '注销', merge: '并案', dispatch: '派遣', accept: '签收', return: '退回', feedback: '反馈',
      check_pass: '核查通过', check_fail: '核查不通过', close: '结案', rate: '评价', request_extension: '申请延期',
      decide_extension: '审批延期', suspend: '挂账', resume: '恢复办理', reopen: '重新打开',
    })
    expect([zhCN.cases.views.mine, zhCN.cases.views.all, zhCN.cases.report]).toEqual(['待我处理', '全部', '上报'])
    expect([zhCN.cases.timer.warned, zhCN.cases.timer.overdue]).toEqual(['即将超时', '已超时'])
  })

  it('carry the agreed community texts: anonymity, slow mode, camera access', () => {
    expect(zhCN.me.anonymous).toBe('对邻居匿名')
    expect(zhCN.me.anonymousHint).toContain('邻居 XXXX')
    expect(zhCN.me.anonymousHint).toContain('社区工作人员始终能看到真实姓名')
    expect(zhCN.errors.slow_mode).toBe('慢速模式：请 {seconds} 秒后再发言')
    expect(zhCN.community.slowMode.notice).toBe('慢速模式：每 {duration}可发言一次')
    expect(zhCN.community.access.title).toBe('摄像头调阅情况')
    expect([zhCN.community.access.last7, zhCN.community.access.last30]).toEqual(['近7天', '近30天'])
    expect(zhCN.video.purposes).toEqual({ patrol: '日常巡查', incident: '事件核查', evidence: '案件取证', other: '其他' })
    expect(zhCN.community.access.purposes.topic).toBe('议题')
  })

  it('name every service request state, desk and filter, and every notification kind', () => {
    expect(Object.keys(zhCN.community.service.states)).toEqual([...SERVICE_STATES])
    expect(Object.keys(zhCN.community.service.desks)).toEqual([...SERVICE_DESKS])
    expect(Object.keys(zhCN.community.service.filters)).toEqual([...SERVICE_FILTERS])
    expect(Object.keys(zhCN.cases.notifications.kinds).sort()).toEqual([...NOTIFICATION_KINDS].sort())
    expect([zhCN.community.tabs.service, zhCN.cases.notifications.kinds.service_request]).toEqual(['服务', '服务'])
    expect(zhCN.community.service.desks).toEqual({ property: '物业', committee: '居委会' })
    // Two characters each, so the eight community tabs fit side by side on a phone.
    for (const [key, title] of Object.entries(zhCN.community.tabs)) expect([...title].length, key).toBe(2)
  })

  it('name every moderation rule, mediation state, step and escalation target', () => {
    expect(Object.keys(zhCN.community.moderation.rules)).toEqual([...RULE_KEYS, 'other'])
    // The rules read in Chinese as they are sent (and audited).
    for (const k of RULE_KEYS) expect(zhCN.community.moderation.rules[k]).toBe(RULE_AUDIT_TEXT[k])
    expect(Object.keys(zhCN.community.mediation.states)).toEqual([...MEDIATION_STATES])
    expect(Object.keys(zhCN.community.mediation.path)).toEqual([...MEDIATION_PATH])
    expect(Object.values(zhCN.community.mediation.path)).toEqual(['登记受理', '调解', '协议', '回访'])
    for (const group of ['kinds', 'actions', 'notesLabels', 'notesPlaceholders', 'stepHints'] as const) {
      expect(Object.keys(zhCN.community.mediation[group]), group).toEqual([...STEP_KINDS])
    }
    expect(Object.keys(zhCN.community.mediation.targets)).toEqual([...ESCALATION_TARGETS])
    expect(zhCN.community.tabs.mediation).toBe('调解')
  })

  it('use no vue-i18n special characters by accident', () => {
    // `|` separates plurals and `@` starts a linked message: neither is meant anywhere.
    for (const [key, value] of [...zh, ...enLeaves]) expect(value, key).not.toMatch(/[|@]/)
  })
})

describe('locale persistence', () => {
  function memoryStorage(initial: Record<string, string> = {}) {
    const data = new Map(Object.entries(initial))
    return {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
      data,
    }
  }

  it('defaults to zh-CN', () => {
    expect(DEFAULT_LOCALE).toBe('zh-CN')
    expect(loadLocale(memoryStorage())).toBe('zh-CN')
    expect(loadLocale(undefined)).toBe('zh-CN')
  })

  it('ignores unknown saved values and storage failures', () => {
    expect(loadLocale(memoryStorage({ [LOCALE_STORAGE_KEY]: 'fr' }))).toBe('zh-CN')
    const broken = { getItem: () => { throw new Error('denied') } }
    expect(loadLocale(broken)).toBe('zh-CN')
    expect(() => saveLocale('en', { setItem: () => { throw new Error('full') } })).not.toThrow()
  })

  it('round-trips the choice', () => {
    const s = memoryStorage()
    saveLocale('en', s)
    expect(s.data.get(LOCALE_STORAGE_KEY)).toBe('en')
    expect(loadLocale(s)).toBe('en')
  })
})
