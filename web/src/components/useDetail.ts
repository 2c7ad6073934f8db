// The record a detail page shows (an action item, a mediation, a service request), loaded for the
// id in its route and again when the id changes, with the state DetailState.vue shows until then.
// A load that a newer one (or leaving the page) overtook changes nothing.
import { onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue'
import { ApiError } from '../api/client'

export interface DetailOptions<T> {
  /** The error of a failed load (not a 404) as an i18n key. */
  toError: (e: unknown) => { key: string; params: Record<string, string> }
  /** Called with each record loaded. */
  onLoad?: (record: T) => void
  /** Forget the record on a 404 (else it stays, behind the not-found state). */
  forgetOnNotFound?: boolean
}

export function useDetail<T>(id: Ref<string>, fetch: (id: string) => Promise<T>, options: DetailOptions<T>) {
  const record = shallowRef<T | null>(null)
  const loading = ref(true)
  const notFound = ref(false)
  const error = ref<{ key: string; params: Record<string, string> } | null>(null)
  let generation = 0

  /** Loads the record; `quiet` keeps what is shown (no spinner) while it does. */
  async function load(quiet = false): Promise<void> {
    const g = ++generation
    if (!quiet) loading.value = true
    error.value = null
    try {
      const r = await fetch(id.value)
      if (g !== generation) return
      record.value = r
      notFound.value = false
      options.onLoad?.(r)
    } catch (e) {
      if (g !== generation) return
      if (e instanceof ApiError && e.status === 404) {
        notFound.value = true
        if (options.forgetOnNotFound) record.value = null
      } else error.value = options.toError(e)
    } finally {
      if (g === generation) loading.value = false
    }
  }

  watch(id, () => void load(), { immediate: true })
  onBeforeUnmount(() => {
    generation++
  })

  return { record, loading, notFound, error, load }
}
