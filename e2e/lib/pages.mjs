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

/** The header every request of the web app carries (the server refuses a non-GET without it). */
export const WEB = { 'X-Palmgrid-Client': 'web' }

/** fetch() inside the page: same origin, the page's session cookie. */
export async function pageFetch(page, path) {
  return page.evaluate(async ({ path, headers }) => {
    const r = await fetch(path, { headers })
    const text = await r.text()
    let body = text
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON
    }
    return { status: r.status, body }
  }, { path, headers: WEB })
}

/** fetch() with a JSON body inside the page (same origin, the page's session cookie). */
export async function pageRequest(page, method, path, body) {
  return page.evaluate(async ({ method, path, body, headers }) => {
    const r = await fetch(path, { method, headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
    const text = await r.text()
    let parsed = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // not JSON (e.g. a 204)
    }
    return { status: r.status, body: parsed }
  }, { method, path, body, headers: WEB })
}

/** Waits for the response to a `method` request whose pathname matches `path` (a RegExp). */
export function responseTo(page, method, path) {
  const response = page.waitForResponse((r) => r.request().method() === method && path.test(new URL(r.url()).pathname))
  response.catch(() => {})
  return response
}

/** Clicks `locator` and waits for the `method` request to `path` (a RegExp on the pathname); returns its response. */
export async function clickAndSend(page, locator, method, path) {
  const response = responseTo(page, method, path)
  await locator.click()
  return response
}

/** Clicks `locator` and waits for the POST to `path` (a RegExp on the pathname); returns its response. */
export async function clickAndPost(page, locator, path) {
  return clickAndSend(page, locator, 'POST', path)
}

/** A response's body for an assertion message ('' when there is none, e.g. a 204). */
export async function bodyText(response) {
  return response.text().catch(() => '')
}

/** Waits until no toast, popup or overlay is on screen (for clean screenshots). */
export async function settle(page) {
  await page
    .waitForFunction(
      () =>
        ![...document.querySelectorAll('.van-toast, .van-popup, .van-overlay')].some((e) => {
          const style = getComputedStyle(e)
          return style.display !== 'none' && style.visibility !== 'hidden' && e.getClientRects().length > 0
        }),
      null,
      { timeout: 5000 },
    )
    .catch(() => {})
}

/** Waits until no toast is on screen (a sheet may stay open). */
export async function noToast(page) {
  await page
    .waitForFunction(
      () => ![...document.querySelectorAll('.van-toast')].some((e) => getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0),
      null,
      { timeout: 5000 },
    )
    .catch(() => {})
}

/** Waits until the <img> matched by `selector` has loaded a picture (naturalWidth > 0). */
export async function imageLoaded(page, selector, timeout = 30_000) {
  await page.waitForFunction(
    (sel) => {
      const img = document.querySelector(sel)
      return img && img.complete && img.naturalWidth > 0
    },
    selector,
    { timeout },
  )
  return page.evaluate((sel) => {
    const img = document.querySelector(sel)
    return { width: img.naturalWidth, height: img.naturalHeight }
  }, selector)
}

/** A picture drawn on a canvas in the page, encoded as `type` (canvas.toBlob), e.g. for a photo input. */
export async function drawnPicture(page, type, colour) {
  const base64 = await page.evaluate(async ({ type, colour }) => {
    const c = document.createElement('canvas')
    c.width = 640
    c.height = 480
    const g = c.getContext('2d')
    g.fillStyle = colour
    g.fillRect(0, 0, 640, 480)
    g.fillStyle = '#2f5d3a'
    for (let i = 0; i < 4; i++) g.fillRect(80 + i * 130, 180, 90, 160)
    const blob = await new Promise((resolve) => c.toBlob(resolve, type, 0.9))
    const bytes = new Uint8Array(await blob.arrayBuffer())
    let s = ''
    for (const b of bytes) s += String.fromCharCode(b)
    return btoa(s)
  }, { type, colour })
  return Buffer.from(base64, 'base64')
}

/** Taps the thumbnail `thumb`, waits for the image preview to show the picture, saves <prefix>-NN-<name>.png and closes it. */
export async function shotImagePreview(phone, thumb, prefix, name) {
  const page = phone.page
  await thumb.click()
  await page.locator('.van-image-preview').waitFor()
  await page.waitForFunction(() => [...document.querySelectorAll('.van-image-preview img')].some((i) => i.complete && i.naturalWidth > 0))
  await page.waitForTimeout(400)
  await phone.shot(prefix, name)
  await page.locator('.van-image-preview__close-icon').click()
  await settle(page)
}
