import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api } from '../api/client'
import type { NotificationView } from '../api/types'
import {
  lastId,
  markReadUpTo,
  mergeNotifications,
  newestFirst,
  notificationsUrl,
  parseSocketMessage,
  reconnectDelay,
  replaceNotifications,
  unreadCount,
} from '../cases/notifications'

/**
 * The signed-in user's notifications (待办提醒): `GET /api/v1/notifications` once, then pushes
 * on `/api/v1/notifications.ws` (same origin, cookie). A dropped socket reconnects with back-off
 * (1 s doubling to 30 s) and catches up with `?after=`; `{"kind":"resync"}` re-reads the list, and a
 * push without a stored id (id 0) is read back with `?after=` too.
 * The shell starts it for users with the 事件 tab and stops it when the session ends.
 */
export const useNotificationsStore = defineStore('notifications', () => {
  const items = ref<NotificationView[]>([])
  const connected = ref(false)
  const unread = computed(() => unreadCount(items.value))
  const newest = computed(() => newestFirst(items.value))

  let running = false
  let socket: WebSocket | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  let attempt = 0
  /** Marked read here; stays read whatever a list read in the meantime says. */
  let readUpTo = 0
  /** Bumped by start and stop: answers and events of an earlier session are ignored. */
  let generation = 0

  /** Reads the whole list (start, resync). Pushed items newer than the list are kept. */
  async function reload(): Promise<void> {
    const gen = generation
    const list = await api.notifications()
    if (gen !== generation) return
    const fresh = replaceNotifications(list.items, readUpTo)
    const top = lastId(fresh)
    items.value = mergeNotifications(fresh, items.value.filter((n) => n.id > top))
  }

  /** Reads what came after the newest one held (after a reconnect). */
  async function catchUp(): Promise<void> {
    const gen = generation
    const after = lastId(items.value)
    const list = await api.notifications(after || undefined)
    if (gen !== generation) return
    items.value = markReadUpTo(mergeNotifications(items.value, list.items), readUpTo)
  }

  function connect(): void {
    if (!running || socket) return
    const gen = generation
    let ws: WebSocket
    try {
      ws = new WebSocket(notificationsUrl(window.location))
    } catch {
      schedule()
      return
    }
    socket = ws
    ws.onopen = () => {
      if (gen !== generation) return
      connected.value = true
      // Anything between the list read and this socket (or while it was down).
      if (attempt > 0 || items.value.length > 0) void catchUp().catch(() => undefined)
      attempt = 0
    }
    ws.onmessage = (event: MessageEvent) => {
      if (gen !== generation) return
      const msg = parseSocketMessage(event.data)
      if (!msg) return
      if (msg.type === 'resync') void reload().catch(() => undefined)
      else if (msg.type === 'catch_up') void catchUp().catch(() => undefined)
      else items.value = markReadUpTo(mergeNotifications(items.value, [msg.item]), readUpTo)
    }
    ws.onclose = () => {
      if (socket === ws) socket = null
      if (gen !== generation) return
      connected.value = false
      schedule()
    }
  }

  function schedule(): void {
    if (!running) return
    clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      // A 401 here ends the session (the client's handler), which stops this store.
      void catchUp().catch(() => undefined)
      connect()
    }, reconnectDelay(attempt++))
  }

  /** Phones suspend sockets in the background: back in front, reconnect at once. */
  function onVisibility(): void {
    if (document.visibilityState !== 'visible' || !running || socket) return
    clearTimeout(timer)
    timer = undefined
    attempt = 0
    void catchUp().catch(() => undefined)
    connect()
  }

  function start(): void {
    if (running) return
    running = true
    generation++
    attempt = 0
    readUpTo = 0
    items.value = []
    connect()
    void reload().catch(() => undefined)
    document.addEventListener('visibilitychange', onVisibility)
  }

  function stop(): void {
    if (!running) return
    running = false
    generation++
    clearTimeout(timer)
    timer = undefined
    const ws = socket
    socket = null
    if (ws && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) ws.close(1000)
    connected.value = false
    items.value = []
    readUpTo = 0
    document.removeEventListener('visibilitychange', onVisibility)
  }

  /** Marks everything held read (the list was opened). */
  async function markAllRead(): Promise<void> {
    const upTo = lastId(items.value)
    if (upTo === 0 || unread.value === 0) return
    readUpTo = Math.max(readUpTo, upTo)
    items.value = markReadUpTo(items.value, upTo)
    await api.readNotifications(upTo)
  }

  return { items, newest, unread, connected, start, stop, reload, markAllRead }
})
