// The web app in Debian's Chromium against the real palmgrid binary (`palmgrid demo`),
// once on SQLite and once on PostgreSQL. See e2e/README.md.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import {
  ARTIFACTS_DIR,
  DEMO_PASSWORD,
  EXPECTED_TABS,
  REQUIRE_PG,
  TAB_ORDER,
  TEST_PG,
  assertBinary,
  assertChromium,
} from '../lib/config.mjs'
import { startPalmgrid } from '../lib/server.mjs'
import { createFreshDatabase } from '../lib/postgres.mjs'
import { launchBrowser, newPhone } from '../lib/browser.mjs'
import { msToNextPeriod, totp, totpParams } from '../lib/totp.mjs'

const ROLE_ZH = {
  district_admin: '区级管理员',
  command_operator: '指挥中心',
  supervision_operator: '监督中心',
  community_secretary: '社区书记/主任',
  grid_officer: '网格员',
  department_handler: '部门处置人员',
  police_viewer: '公安',
  property_manager: '物业',
  local_unit: '驻区单位',
  social_org: '社会组织',
  resident: '居民',
  auditor: '审计员',
}
const TAB_ZH = { home: '首页', video: '视频', cases: '事件', community: '社区', me: '我的' }
const TAB_EN = { home: 'Home', video: 'Video', cases: 'Cases', community: 'Community', me: 'Me' }
const SLOW = { timeout: 180_000 }

// ---------------------------------------------------------------------------------------------
// Helpers

async function login(page, username, password = DEMO_PASSWORD) {
  if (!new URL(page.url(), 'http://x').pathname.startsWith('/login')) await page.goto('/login')
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
}

async function loginAndWaitHome(page, username) {
  await login(page, username)
  await page.getByTestId('page-home').waitFor()
  await page.getByTestId('tabbar').waitFor()
}

/** Keys of the tabs a person can see, in screen order. */
async function visibleTabKeys(page) {
  return page
    .locator('[data-testid^="tab-"]:visible')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid').slice('tab-'.length)))
}

/** Calls the API from inside the page, with the page's cookie, like the app does. */
async function pageFetch(page, path, init = {}) {
  return page.evaluate(
    async ({ path, init }) => {
      const res = await fetch(path, { credentials: 'same-origin', ...init })
      const text = await res.text()
      let body = null
      try {
        body = JSON.parse(text)
      } catch {
        body = text
      }
      return { status: res.status, body }
    },
    { path, init },
  )
}

const WEB = { 'X-Palmgrid-Client': 'web' }

function byTabOrder(keys) {
  return [...keys].sort((a, b) => TAB_ORDER.indexOf(a) - TAB_ORDER.indexOf(b))
}

async function pathOf(page) {
  return new URL(page.url()).pathname
}

async function waitForPath(page, path) {
  await page.waitForURL((u) => u.pathname === path)
}

/** Runs fn; on failure saves FAILED-<label>.png next to the other screenshots, then rethrows. */
async function withShotOnFailure(phone, dir, label, fn) {
  try {
    await fn()
  } catch (e) {
    await phone.page.screenshot({ path: join(dir, `FAILED-${label}.png`) }).catch(() => {})
    throw e
  }
}

// ---------------------------------------------------------------------------------------------
// The suite, once per backend

function backendSuite(backend, prepareDatabase) {
  const dir = join(ARTIFACTS_DIR, backend)
  let server
  let browser
  let db

  let ready = false

  // Setup is a test of its own, so a binary that fails to start is one clear failure and the
  // rest are skipped.
  test(`palmgrid demo starts (${backend}) and Chromium launches`, SLOW, async () => {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    db = prepareDatabase?.()
    server = await startPalmgrid({ databaseUrl: db?.url, logFile: join(dir, 'server.log') })
    console.log(`# ${backend}: palmgrid demo listening on ${server.url}${db ? ` (database ${db.name})` : ''}`)
    const shell = await (await fetch(`${server.url}/`)).text()
    assert.match(
      shell,
      /<div id="app">/,
      'GET / is not the web app: the binary was built without it (npm missing, or PALMGRID_SKIP_WEB_BUILD=1). ' +
        'Rebuild palmgrid with npm available so build.rs embeds web/.',
    )
    browser = await launchBrowser()
    ready = true
  })

  /** A test that needs the server and the browser; skipped when setup failed. */
  const it = (name, options, fn = options) =>
    test(name, typeof options === 'function' ? {} : options, async (t) => {
      if (!ready) {
        t.skip('setup failed')
        return
      }
      await fn(t)
    })

  after(async () => {
    await browser?.close().catch(() => {})
    await server?.stop().catch((e) => console.error(`# ${backend}: stopping palmgrid: ${e.message}`))
    try {
      db?.drop()
    } catch (e) {
      console.error(`# ${backend}: ${e.message}`)
    }
  })

  const phone = async () => newPhone(browser, server.url, dir)

  it('serves the app shell, the PWA files and the SPA fallback; the API answers JSON', async () => {
    const root = await fetch(`${server.url}/`)
    assert.equal(root.status, 200)
    assert.match(root.headers.get('content-type') ?? '', /text\/html/)
    assert.match(await root.text(), /<div id="app">/)

    const deep = await fetch(`${server.url}/cases`)
    assert.equal(deep.status, 200, 'SPA fallback: /cases must serve index.html')
    assert.match(await deep.text(), /<div id="app">/)

    const manifest = await fetch(`${server.url}/manifest.webmanifest`)
    assert.equal(manifest.status, 200)
    assert.equal(JSON.parse(await manifest.text()).name, '掌上网格 palmgrid')
    assert.equal((await fetch(`${server.url}/sw.js`)).status, 200)

    const me = await fetch(`${server.url}/api/v1/me`, { headers: WEB })
    assert.equal(me.status, 401)
    assert.equal((await me.json()).error, 'unauthenticated')

    const missing = await fetch(`${server.url}/api/v1/no-such-route`, { headers: WEB })
    assert.notEqual(missing.status, 200, 'unknown /api/ routes must not get the SPA fallback')
    assert.doesNotMatch(await missing.text(), /<div id="app">/)
  })

  it('an anonymous visitor is sent to the login page', SLOW, async () => {
    const p = await phone()
    try {
      await withShotOnFailure(p, dir, 'anonymous', async () => {
        await p.page.goto('/video')
        await waitForPath(p.page, '/login')
        await p.page.getByTestId('login-username').waitFor()
        await p.page.getByRole('heading', { name: '掌上网格' }).waitFor()
        await p.shot('anonymous', 'login')
        assert.equal(await p.page.locator('[data-testid^="tab-"]').count(), 0, 'no tabs before login')
        p.assertClean(assert)
      })
    } finally {
      await p.close()
    }
  })

  it('a wrong password shows a clear message in Chinese', SLOW, async () => {
    const p = await phone()
    try {
      await withShotOnFailure(p, dir, 'wrong-password', async () => {
        await p.page.goto('/login')
        await login(p.page, 'admin', 'not-the-password')
        const error = p.page.getByTestId('login-error')
        await error.waitFor()
        assert.equal((await error.innerText()).trim(), '用户名或密码错误')
        await p.shot('wrong-password', 'error')
        assert.equal(await pathOf(p.page), '/login')
        p.assertClean(assert)
      })
    } finally {
      await p.close()
    }
  })

  for (const account of ['admin', 'officer', 'resident']) {
    it(`${account} sees exactly its tabs, can open each, and logs out`, SLOW, async () => {
      const p = await phone()
      const { page } = p
      try {
        await withShotOnFailure(p, dir, account, async () => {
          await page.goto('/')
          await waitForPath(page, '/login')
          await p.shot(account, 'login')
          await loginAndWaitHome(page, account)
          await p.shot(account, 'home')

          // The tabs: what the server says, and what was agreed for this demo account.
          const me = await pageFetch(page, '/api/v1/me', { headers: WEB })
          assert.equal(me.status, 200)
          const shown = await visibleTabKeys(page)
          assert.deepEqual(shown, byTabOrder(me.body.tabs), 'visible tabs = GET /api/v1/me tabs')
          assert.deepEqual(shown, EXPECTED_TABS[account], `${account}'s tabs`)
          for (const key of shown) {
            assert.equal((await page.getByTestId(`tab-${key}`).innerText()).trim(), TAB_ZH[key])
          }

          // Home greets the user and lists each membership with its Chinese role name.
          const greeting = await page.getByTestId('home-greeting').innerText()
          assert.ok(greeting.includes(me.body.user.display_name), `greeting "${greeting}"`)
          const memberships = page.getByTestId('membership')
          assert.equal(await memberships.count(), me.body.user.memberships.length)
          for (const m of me.body.user.memberships) {
            const zh = ROLE_ZH[m.role]
            assert.ok(zh, `unknown role ${m.role}`)
            await page.locator(`[data-testid="membership"][data-role="${m.role}"]`).first().getByText(zh).waitFor()
            if (m.region_name) {
              await page.locator(`[data-testid="membership"][data-role="${m.role}"]`).getByText(m.region_name).first().waitFor()
            }
          }

          // Each tab opens its page.
          for (const key of shown.filter((k) => k !== 'home')) {
            await page.getByTestId(`tab-${key}`).click()
            await page.getByTestId(`page-${key}`).waitFor()
            assert.equal(await pathOf(page), `/${key}`)
            await p.shot(account, key)
          }
          await page.getByTestId('tab-home').click()
          await page.getByTestId('page-home').waitFor()

          // A route the user lacks redirects to home.
          for (const key of TAB_ORDER.filter((k) => !shown.includes(k))) {
            await page.goto(`/${key}`)
            await waitForPath(page, '/home')
            await page.getByTestId('page-home').waitFor()
            await p.shot(account, `no-${key}-redirected-home`)
          }

          // Me: user info and roles.
          await page.getByTestId('tab-me').click()
          await page.getByTestId('page-me').waitFor()
          assert.equal((await page.getByTestId('me-username').innerText()).includes(account), true)
          for (const m of me.body.user.memberships) {
            await page.getByTestId('me-roles').getByText(ROLE_ZH[m.role]).first().waitFor()
          }

          // Every API call carried the client header.
          assert.ok(p.apiRequests.length >= 2)
          for (const r of p.apiRequests) assert.equal(r.headers['x-palmgrid-client'], 'web', `${r.method} ${r.path}`)

          // Logout returns to login, and the session is gone.
          await page.getByTestId('logout').click()
          await waitForPath(page, '/login')
          await page.getByTestId('login-username').waitFor()
          await p.shot(account, 'logged-out')
          const after = await pageFetch(page, '/api/v1/me', { headers: WEB })
          assert.equal(after.status, 401)
          await page.goto('/home')
          await waitForPath(page, '/login')
          p.assertClean(assert)
        })
      } finally {
        await p.close()
      }
    })
  }

  it('the session is an HttpOnly SameSite=Strict cookie only; a non-GET without X-Palmgrid-Client is refused', SLOW, async () => {
    const p = await phone()
    const { page } = p
    try {
      await withShotOnFailure(p, dir, 'session', async () => {
        await page.goto('/login')
        const loginResponse = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/auth/login')
        await login(page, 'officer')
        const res = await loginResponse
        assert.equal(res.status(), 200)
        const { token } = await res.json()
        assert.ok(typeof token === 'string' && token.length > 0, 'login returns the token')
        await page.getByTestId('page-home').waitFor()

        const cookie = (await p.context.cookies()).find((c) => c.name === 'palmgrid_session')
        assert.ok(cookie, 'palmgrid_session cookie set')
        assert.equal(cookie.httpOnly, true, 'HttpOnly')
        assert.equal(cookie.sameSite, 'Strict', 'SameSite=Strict')

        const stored = await page.evaluate(() => ({
          cookie: document.cookie,
          local: Object.keys(localStorage).map((k) => `${k}=${localStorage.getItem(k)}`).join('\n'),
          session: Object.keys(sessionStorage).map((k) => `${k}=${sessionStorage.getItem(k)}`).join('\n'),
        }))
        assert.ok(!stored.cookie.includes(token), 'token not readable from document.cookie')
        assert.ok(!stored.local.includes(token), 'token not in localStorage')
        assert.ok(!stored.session.includes(token), 'token not in sessionStorage')

        // CSRF: a cookie-authenticated POST without the header must not log us out.
        const bare = await pageFetch(page, '/api/v1/auth/logout', { method: 'POST' })
        assert.ok(bare.status >= 400 && bare.status < 500, `POST without X-Palmgrid-Client answered ${bare.status}`)
        const still = await pageFetch(page, '/api/v1/me', { headers: WEB })
        assert.equal(still.status, 200, 'still signed in after the refused POST')

        // PWA: the service worker is active, precaches the shell, and has cached no API answer.
        const sw = await page.evaluate(async () => {
          const reg = await Promise.race([navigator.serviceWorker.ready, new Promise((r) => setTimeout(r, 15_000, null))])
          const urls = []
          for (const name of await caches.keys()) {
            for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname)
          }
          return { active: !!reg?.active, scope: reg?.scope ?? null, urls }
        })
        assert.equal(sw.active, true, 'service worker active')
        assert.ok(sw.urls.some((u) => u.endsWith('/index.html')), `shell precached: ${sw.urls.join(' ')}`)
        assert.deepEqual(sw.urls.filter((u) => u.startsWith('/api/') || u === '/healthz'), [], 'no API response cached')
        p.assertClean(assert)
      })
    } finally {
      await p.close()
    }
  })

  it('the language switch in 我的 turns the app to English and is remembered', SLOW, async () => {
    const p = await phone()
    const { page } = p
    try {
      await withShotOnFailure(p, dir, 'language', async () => {
        await page.goto('/login')
        await loginAndWaitHome(page, 'officer')
        await page.getByTestId('tab-me').click()
        await page.getByTestId('page-me').waitFor()
        await page.getByTestId('lang-en').click()
        await page.getByTestId('tab-home').getByText(TAB_EN.home).waitFor()
        for (const key of await visibleTabKeys(page)) {
          assert.equal((await page.getByTestId(`tab-${key}`).innerText()).trim(), TAB_EN[key])
        }
        await p.shot('language', 'me-en')
        assert.equal(await page.evaluate(() => localStorage.getItem('palmgrid.locale')), 'en')

        await page.reload()
        await page.getByTestId('page-me').waitFor()
        await page.getByTestId('tab-home').getByText(TAB_EN.home).waitFor()
        await page.getByTestId('tab-home').click()
        await page.getByTestId('page-home').waitFor()
        await p.shot('language', 'home-en')

        await page.getByTestId('tab-me').click()
        await page.getByTestId('lang-zh-CN').click()
        await page.getByTestId('tab-home').getByText(TAB_ZH.home).waitFor()
        assert.equal(await page.evaluate(() => localStorage.getItem('palmgrid.locale')), 'zh-CN')
        p.assertClean(assert)
      })
    } finally {
      await p.close()
    }
  })

  // Last: it changes the resident account (TOTP on) for the rest of this server's life.
  it('TOTP: enrol in 我的, then login asks for a code and accepts it', { timeout: 240_000 }, async () => {
    const p = await phone()
    const { page } = p
    try {
      await withShotOnFailure(p, dir, 'totp', async () => {
        await page.goto('/login')
        await loginAndWaitHome(page, 'resident')
        await page.getByTestId('tab-me').click()
        await page.getByTestId('page-me').waitFor()
        assert.equal((await page.getByTestId('totp-status').innerText()).trim(), '未启用')
        await page.getByTestId('totp-start').click()
        const secretEl = page.getByTestId('totp-secret')
        await secretEl.waitFor()
        await page.getByTestId('totp-qr').waitFor()
        const secret = (await secretEl.innerText()).trim()
        const uri = (await page.getByTestId('totp-uri').innerText()).trim()
        assert.match(uri, /^otpauth:\/\/totp\//)
        const codes = await page.getByTestId('totp-recovery-codes').locator('li').count()
        assert.ok(codes > 0, 'recovery codes shown')
        const params = totpParams(uri, secret)
        await p.shot('totp', 'enrol')

        await page.getByTestId('totp-code').fill(totp(params))
        await page.getByTestId('totp-confirm').click()
        await page.getByTestId('totp-status').getByText('已启用').waitFor()
        await p.shot('totp', 'enrolled')
        const me = await pageFetch(page, '/api/v1/me', { headers: WEB })
        assert.equal(me.body.totp_enrolled, true)
        const confirmedStep = Math.floor(Date.now() / 1000 / params.period)

        await page.getByTestId('logout').click()
        await waitForPath(page, '/login')

        // Password alone is not enough now: the code field appears.
        await login(page, 'resident')
        await page.getByTestId('login-totp').waitFor()
        await page.getByTestId('login-totp-hint').waitFor()
        await p.shot('totp', 'code-asked')

        // Use a code from a later time step than the one used to confirm (servers may refuse reuse).
        while (Math.floor(Date.now() / 1000 / params.period) <= confirmedStep) {
          await page.waitForTimeout(msToNextPeriod(params.period) + 200)
        }
        await page.getByTestId('login-totp').fill(totp(params))
        await page.getByTestId('login-submit').click()
        await page.getByTestId('page-home').waitFor()
        await p.shot('totp', 'signed-in')
        p.assertClean(assert)
      })
    } finally {
      await p.close()
    }
  })
}

// ---------------------------------------------------------------------------------------------

let preflightError = null
try {
  assertBinary()
  assertChromium()
} catch (e) {
  preflightError = e
}

if (preflightError) {
  test('preflight: the palmgrid binary and Chromium are present', () => {
    throw preflightError
  })
} else {
  describe('sqlite', () => {
    backendSuite('sqlite')
  })
}

if (preflightError) {
  // Nothing more to run.
} else if (TEST_PG) {
  describe('postgresql', () => {
    backendSuite('postgresql', () => createFreshDatabase(TEST_PG, 'pg'))
  })
} else if (REQUIRE_PG) {
  describe('postgresql', () => {
    test('PostgreSQL e2e required', () => {
      assert.fail('PALMGRID_REQUIRE_PG=1 but PALMGRID_TEST_PG is not set (e.g. postgres://postgres@127.0.0.1:5432/test)')
    })
  })
} else {
  console.log('skipping PostgreSQL e2e: PALMGRID_TEST_PG not set')
  test('postgresql', { skip: 'skipping PostgreSQL e2e: PALMGRID_TEST_PG not set' }, () => {})
}
