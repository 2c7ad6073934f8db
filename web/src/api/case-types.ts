// Hand-written types for GET /api/v1/case-categories. The category set is versioned data a city
// supplies (palmgrid_domain::category::CategorySet), so openapi.json declares the answer only as
// an object; these mirror its serde form. Everything else about cases is generated (types.ts).

/** 事件 (a condition a department restores) or 部件 (a public asset that needs repair). */
export type CaseKind = 'event' | 'component'

/** A time limit: working hours (on working days) or calendar days. */
export interface CaseLimit {
  unit: 'working_hours' | 'calendar_days'
  value: number
}

export interface CaseDepartment {
  /** Stable identifier, e.g. `sanitation`. */
  code: string
  /** e.g. 环卫. */
  name: string
}

export interface CaseCategory {
  /** Kind letter, major class and minor class, e.g. `E0101`. */
  code: string
  kind: CaseKind
  /** Name of the major class (大类), e.g. 市容环境. */
  major: string
  /** Name of the leaf (小类), e.g. 暴露垃圾. */
  name: string
  /** 立案条件. */
  filing: string
  /** 结案条件. */
  closing: string
  dispatch_limit: CaseLimit
  handle_limit: CaseLimit
  close_limit: CaseLimit
  /** The department cases of this kind go to unless the routing matrix says otherwise. */
  department: string
}

/** GET /api/v1/case-categories */
export interface CaseCategorySet {
  version: number
  departments: CaseDepartment[]
  categories: CaseCategory[]
}
