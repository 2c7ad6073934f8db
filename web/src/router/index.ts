import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSessionStore } from '../stores/session'
import { isTabKey, tabRedirect, type TabKey } from '../tabs'
import ShellLayout from '../layouts/ShellLayout.vue'
import LoginPage from '../pages/LoginPage.vue'
import HomePage from '../pages/HomePage.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** Needs a session; anonymous visitors go to the login page. */
    requiresAuth?: boolean
    /** The tab a page belongs to: the user must have it (pages below a tab, like /video/:id). */
    tab?: TabKey
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginPage },
  // 加入社区: reached from an invite's QR code, before the newcomer has an account.
  { path: '/join', name: 'join', component: () => import('../pages/JoinPage.vue') },
  {
    path: '/',
    component: ShellLayout,
    meta: { requiresAuth: true },
    children: [
      { path: '', redirect: '/home' },
      { path: 'home', name: 'home', component: HomePage },
      {
        path: 'video',
        meta: { tab: 'video' },
        children: [
          { path: '', name: 'video', component: () => import('../pages/VideoPage.vue') },
          { path: 'quad', name: 'video-quad', component: () => import('../pages/VideoQuadPage.vue') },
          { path: ':id', name: 'video-camera', component: () => import('../pages/CameraPage.vue') },
        ],
      },
      // 地图: no tab of its own. Everyone signed in may open it; the server returns only the
      // grids (and cameras) the user may see. Lazy, so Leaflet stays out of the main chunk.
      { path: 'map', name: 'map', component: () => import('../pages/MapPage.vue') },
      {
        path: 'cases',
        meta: { tab: 'cases' },
        children: [
          { path: '', name: 'cases', component: () => import('../pages/CasesPage.vue') },
          { path: 'new', name: 'case-new', component: () => import('../pages/CaseReportPage.vue') },
          { path: ':id', name: 'case-detail', component: () => import('../pages/CaseDetailPage.vue') },
        ],
      },
      {
        path: 'community',
        meta: { tab: 'community' },
        children: [
          { path: '', name: 'community', component: () => import('../pages/CommunityPage.vue') },
          { path: 'topics/new', name: 'community-topic-new', component: () => import('../pages/TopicFormPage.vue') },
          { path: 'topics/:id', name: 'community-topic', component: () => import('../pages/TopicDetailPage.vue') },
          { path: 'items/:id', name: 'community-item', component: () => import('../pages/ActionItemPage.vue') },
          { path: 'notices/:id', name: 'community-notice', component: () => import('../pages/NoticePage.vue') },
          { path: 'service/new', name: 'community-service-new', component: () => import('../pages/ServiceFormPage.vue') },
          { path: 'service/:id', name: 'community-service', component: () => import('../pages/ServiceRequestPage.vue') },
          { path: 'mediations/new', name: 'community-mediation-new', component: () => import('../pages/MediationFormPage.vue') },
          { path: 'mediations/:id', name: 'community-mediation', component: () => import('../pages/MediationPage.vue') },
        ],
      },
      { path: 'me', name: 'me', component: () => import('../pages/MePage.vue') },
      { path: 'no-access', name: 'no-access', component: () => import('../pages/NoAccessPage.vue') },
    ],
  },
  { path: '/:pathMatch(.*)*', redirect: '/home' },
]

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
})

router.beforeEach(async (to) => {
  const session = useSessionStore()
  if (!to.matched.some((r) => r.meta.requiresAuth)) return true

  let me
  try {
    me = await session.ensure()
  } catch {
    // Server unreachable or failing: the login page explains network errors.
    me = null
  }
  if (!me) {
    const redirect = to.fullPath !== '/' && to.fullPath !== '/home' ? to.fullPath : undefined
    return { name: 'login', query: redirect ? { redirect } : {}, replace: true }
  }

  const name = typeof to.name === 'string' ? to.name : ''
  const tab = to.meta.tab ?? (isTabKey(name) ? name : undefined)
  if (tab) {
    const target = tabRedirect(tab, me.tabs)
    if (target === 'none') return { name: 'no-access', replace: true }
    if (target) return { name: target, replace: true }
  }
  return true
})
