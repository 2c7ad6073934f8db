import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { api } from '../api/client'
import type { ActionItemView, BoardView, NoticeView, RegionView, ServiceKindView, ServiceRequestView, TopicView } from '../api/types'
import { canManage, canTakePart, communitiesOf, preferredCommunity, type CommunityRef } from '../community/spaces'
import { useSessionStore } from './session'

const LAST_KEY = 'palmgrid.community'

function lastUsed(): string | null {
  try {
    return globalThis.localStorage?.getItem(LAST_KEY) ?? null
  } catch {
    return null
  }
}

/**
 * The community space being looked at (社区 tab): which ones the user has (from their
 * memberships and `GET /api/v1/regions`), the chosen one (remembered in `palmgrid.community`),
 * and its topics, notices, action items, service requests and board, read by the panels and
 * shared between them; the service kinds (the same everywhere) are read once.
 */
export const useCommunityStore = defineStore('community', () => {
  const session = useSessionStore()
  const regions = shallowRef<RegionView[]>([])
  /** Whose regions are held (another sign-in reads them again). */
  let regionsOf: string | null = null
  const code = ref<string | null>(null)

  const memberships = computed(() => session.me?.user.memberships ?? [])
  const list = computed<CommunityRef[]>(() => communitiesOf(memberships.value, regions.value))
  const current = computed(() => list.value.find((c) => c.code === code.value) ?? null)
  const staff = computed(() => (code.value ? canManage(memberships.value, code.value) : false))
  const participant = computed(() => (code.value ? canTakePart(memberships.value, code.value) : false))

  const topics = shallowRef<TopicView[]>([])
  const notices = shallowRef<NoticeView[]>([])
  const items = shallowRef<ActionItemView[]>([])
  const board = shallowRef<BoardView | null>(null)
  const serviceRequests = shallowRef<ServiceRequestView[]>([])
  const serviceKinds = shallowRef<ServiceKindView[]>([])
  /** Bumped when the community changes: answers for another one are dropped. */
  let generation = 0

  /** Reads the regions once (for community names and the picker); the memberships alone still work without. */
  async function ensure(asked?: string | null): Promise<string | null> {
    const user = session.me?.user.id ?? null
    if (regionsOf !== user) {
      regionsOf = user
      select(null)
      try {
        regions.value = (await api.regions()).items
      } catch {
        regions.value = []
      }
    }
    const chosen = preferredCommunity(list.value, memberships.value, asked ?? null, code.value ?? lastUsed())
    select(chosen)
    return chosen
  }

  function select(next: string | null): void {
    if (next === code.value) return
    generation++
    code.value = next
    topics.value = []
    notices.value = []
    items.value = []
    board.value = null
    serviceRequests.value = []
    if (next) {
      try {
        globalThis.localStorage?.setItem(LAST_KEY, next)
      } catch {
        // Private mode: not remembered.
      }
    }
  }

  async function loadTopics(): Promise<void> {
    const c = code.value
    if (!c) return
    const gen = generation
    const r = await api.topics(c)
    if (gen === generation) topics.value = r.items
  }

  async function loadNotices(): Promise<void> {
    const c = code.value
    if (!c) return
    const gen = generation
    const r = await api.notices(c)
    if (gen === generation) notices.value = r.items
  }

  async function loadItems(): Promise<void> {
    const c = code.value
    if (!c) return
    const gen = generation
    const r = await api.actionItems(c)
    if (gen === generation) items.value = r.items
  }

  async function loadBoard(): Promise<void> {
    const c = code.value
    if (!c) return
    const gen = generation
    const r = await api.board(c)
    if (gen === generation) board.value = r
  }

  async function loadServiceRequests(): Promise<ServiceRequestView[]> {
    const c = code.value
    if (!c) return []
    const gen = generation
    const r = await api.serviceRequests(c)
    if (gen === generation) serviceRequests.value = r.items
    return r.items
  }

  /** The kinds of service request and their desks (read once; again after a failure). */
  let kindsLoading: Promise<ServiceKindView[]> | null = null
  function loadServiceKinds(): Promise<ServiceKindView[]> {
    if (serviceKinds.value.length > 0) return Promise.resolve(serviceKinds.value)
    kindsLoading ??= api
      .serviceKinds()
      .then((r) => (serviceKinds.value = r.items))
      .finally(() => {
        kindsLoading = null
      })
    return kindsLoading
  }

  /** A request changed (a step, a rating): the list shows the new state. */
  function putServiceRequest(r: ServiceRequestView): void {
    const at = serviceRequests.value.findIndex((x) => x.id === r.id)
    if (at >= 0) serviceRequests.value = serviceRequests.value.map((x) => (x.id === r.id ? r : x))
    else if (r.community_code === code.value) serviceRequests.value = [r, ...serviceRequests.value]
  }

  /** A notice was opened: it is read now. */
  function markNoticeRead(id: string): void {
    notices.value = notices.value.map((n) => (n.id === id && !n.read ? { ...n, read: true } : n))
  }

  return {
    regions,
    code,
    list,
    current,
    staff,
    participant,
    topics,
    notices,
    items,
    board,
    serviceRequests,
    serviceKinds,
    ensure,
    select,
    loadTopics,
    loadNotices,
    loadItems,
    loadBoard,
    loadServiceRequests,
    loadServiceKinds,
    putServiceRequest,
    markNoticeRead,
  }
})
