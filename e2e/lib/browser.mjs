// Debian's Chromium driven by playwright-core (no browser download).
import { chromium } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { CHROMIUM } from './config.mjs'

export const PHONE = {
  viewport: { width: 390, height: 760 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Live video starts without a tap (the app's <video> is muted as well).
      '--autoplay-policy=no-user-gesture-required',
    ],
  })
}

/**
 * A fresh phone-sized context (own cookies and storage) with bookkeeping:
 * every API request is recorded, and uncaught page errors are collected.
 */
export async function newPhone(browser, baseURL, artifactsDir) {
  const context = await browser.newContext({ ...PHONE, baseURL })
  context.setDefaultTimeout(30_000)
  const page = await context.newPage()
  const apiRequests = []
  const pageErrors = []
  const cspViolations = []
  page.on('request', (req) => {
    const u = new URL(req.url())
    if (u.pathname.startsWith('/api/')) apiRequests.push({ method: req.method(), path: u.pathname, headers: req.headers() })
  })
  page.on('pageerror', (err) => pageErrors.push(err))
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text().slice(0, 300))
  })
  let n = 0
  mkdirSync(artifactsDir, { recursive: true })
  return {
    context,
    page,
    apiRequests,
    pageErrors,
    cspViolations,
    /** No uncaught script error and nothing blocked by the server's Content-Security-Policy. */
    assertClean(assert) {
      assert.deepEqual(pageErrors.map((e) => String(e)), [], 'uncaught page errors')
      assert.deepEqual(cspViolations, [], 'Content-Security-Policy violations')
    },
    /** Saves artifacts/<backend>/<prefix>-NN-<name>.png */
    async shot(prefix, name) {
      n += 1
      const file = join(artifactsDir, `${prefix}-${String(n).padStart(2, '0')}-${name}.png`)
      await page.screenshot({ path: file })
      return file
    },
    async close() {
      await context.close()
    },
  }
}
