// Steps through the web app that several test files take.
import { join } from 'node:path'
import { DEMO_PASSWORD } from './config.mjs'

/** Fills in the login form (opening it first if needed) and submits. */
export async function login(page, username, password = DEMO_PASSWORD) {
  if (!new URL(page.url(), 'http://x').pathname.startsWith('/login')) await page.goto('/login')
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
}

/** Logs in and waits for the home page with its tab bar. */
export async function loginAndWaitHome(page, username, password = DEMO_PASSWORD) {
  await login(page, username, password)
  await page.getByTestId('page-home').waitFor()
  await page.getByTestId('tabbar').waitFor()
}

export async function waitForPath(page, path) {
  await page.waitForURL((u) => u.pathname === path)
}

/** Runs fn; on failure saves FAILED-<label>.png next to the other screenshots, then rethrows. */
export async function withShotOnFailure(phone, dir, label, fn) {
  try {
    await fn()
  } catch (e) {
    await phone.page.screenshot({ path: join(dir, `FAILED-${label}.png`) }).catch(() => {})
    throw e
  }
}
