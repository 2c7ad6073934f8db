import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import { api } from '../api/client'
import type { CaseCategorySet } from '../api/case-types'

/** The case category set and departments (`GET /api/v1/case-categories`), read once per page load. */
export const useCaseCategoriesStore = defineStore('caseCategories', () => {
  const set = shallowRef<CaseCategorySet | null>(null)
  let pending: Promise<CaseCategorySet> | null = null

  /** The set, reading it the first time; a failed read is tried again on the next call. */
  function ensure(): Promise<CaseCategorySet> {
    if (set.value) return Promise.resolve(set.value)
    pending ??= api
      .caseCategories()
      .then((s) => {
        set.value = s
        return s
      })
      .finally(() => {
        pending = null
      })
    return pending
  }

  return { set, ensure }
})
