import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { setUnauthorizedHandler } from './api/client'
import { useSessionStore } from './stores/session'
import './vant'
import './styles.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(router)

// A 401 from any call but login means the session is gone: back to the login page.
setUnauthorizedHandler(() => {
  const session = useSessionStore(pinia)
  session.clear()
  const current = router.currentRoute.value
  if (current.matched.some((r) => r.meta.requiresAuth)) {
    void router.replace({ name: 'login', query: { redirect: current.fullPath } })
  }
})

app.mount('#app')
