// Which tabs the app shows. The list comes only from the server (`GET /api/v1/me` → tabs);
// this file only knows how to draw the tabs it recognises and in which order.

export const TAB_KEYS = ['home', 'video', 'cases', 'community', 'me'] as const
export type TabKey = (typeof TAB_KEYS)[number]

export interface TabDef {
  key: TabKey
  /** Route path and route name are the key itself: /home, /video, … */
  path: `/${TabKey}`
  icon: string
  labelKey: `tabs.${TabKey}`
}

const ICONS: Record<TabKey, string> = {
  home: 'home-o',
  video: 'video-o',
  cases: 'todo-list-o',
  community: 'friends-o',
  me: 'user-o',
}

export function isTabKey(value: unknown): value is TabKey {
  return typeof value === 'string' && (TAB_KEYS as readonly string[]).includes(value)
}

/**
 * The tabs to draw for the server's list: only known keys, each once, in the app's fixed
 * order (home, video, cases, community, me). Unknown keys from a newer server are ignored.
 */
export function visibleTabs(serverTabs: readonly string[] | null | undefined): TabDef[] {
  const allowed = new Set((serverTabs ?? []).filter(isTabKey))
  return TAB_KEYS.filter((key) => allowed.has(key)).map((key) => ({
    key,
    path: `/${key}` as const,
    icon: ICONS[key],
    labelKey: `tabs.${key}` as const,
  }))
}

/** Where a user lands when a route is not allowed: home, else the first tab they have, else nothing. */
export function fallbackTab(serverTabs: readonly string[] | null | undefined): TabKey | null {
  const tabs = visibleTabs(serverTabs)
  if (tabs.some((t) => t.key === 'home')) return 'home'
  return tabs[0]?.key ?? null
}

/**
 * For a navigation to tab `target`: null if the user has that tab, otherwise the tab to go to
 * instead ('home' normally), or 'none' when the user has no tab at all.
 */
export function tabRedirect(target: TabKey, serverTabs: readonly string[] | null | undefined): TabKey | 'none' | null {
  if (visibleTabs(serverTabs).some((t) => t.key === target)) return null
  return fallbackTab(serverTabs) ?? 'none'
}
