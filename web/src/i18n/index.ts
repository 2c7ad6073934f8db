import { createI18n } from 'vue-i18n'
import { Locale as VantLocale } from 'vant'
import vantZhCN from 'vant/es/locale/lang/zh-CN'
import vantEnUS from 'vant/es/locale/lang/en-US'
import zhCN, { type MessageSchema } from './zh-CN'
import en from './en'
import { type AppLocale, loadLocale, saveLocale } from './locale'

export const i18n = createI18n<[MessageSchema], AppLocale, false>({
  legacy: false,
  locale: loadLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

function applyLocale(locale: AppLocale): void {
  if (locale === 'en') VantLocale.use('en-US', vantEnUS)
  else VantLocale.use('zh-CN', vantZhCN)
  document.documentElement.lang = locale
}

applyLocale(i18n.global.locale.value)

export function setLocale(locale: AppLocale): void {
  i18n.global.locale.value = locale
  saveLocale(locale)
  applyLocale(locale)
}

/** Role key → display name in the current language; unknown keys are shown as they are. */
export function roleName(role: string): string {
  const key = `roles.${role}`
  return i18n.global.te(key) ? i18n.global.t(key) : role
}
