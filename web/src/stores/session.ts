import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, ApiError } from '../api/client'
import type { MeView } from '../api/types'
import { visibleTabs } from '../tabs'

/**
 * The signed-in user as the server sees it. The session itself is the HttpOnly cookie
 * `palmgrid_session`; the token in the login answer is deliberately not kept anywhere.
 */
export const useSessionStore = defineStore('session', () => {
  const me = ref<MeView | null>(null)
  /** True once /me has been asked in this page load (whatever the answer). */
  const checked = ref(false)

  const tabs = computed(() => visibleTabs(me.value?.tabs))
  const signedIn = computed(() => me.value !== null)

  /** Asks the server who we are. Resolves to null when there is no session (401). */
  async function refresh(): Promise<MeView | null> {
    try {
      me.value = await api.me()
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) me.value = null
      else throw e
    } finally {
      checked.value = true
    }
    return me.value
  }

  /** Like refresh(), but only the first time. */
  async function ensure(): Promise<MeView | null> {
    return checked.value ? me.value : refresh()
  }

  async function login(username: string, password: string, totp?: string): Promise<MeView> {
    await api.login(totp ? { username, password, totp } : { username, password })
    const view = await refresh()
    if (!view) throw new ApiError(401, 'unauthenticated')
    return view
  }

  async function logout(): Promise<void> {
    try {
      await api.logout()
    } finally {
      clear()
    }
  }

  function clear(): void {
    me.value = null
    checked.value = true
  }

  return { me, checked, tabs, signedIn, refresh, ensure, login, logout, clear }
})
