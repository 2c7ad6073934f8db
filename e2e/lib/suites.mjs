// Registers a backend suite once on SQLite and once on PostgreSQL, the same way in every test
// file: a failed preflight (no binary, no Chromium) is one failing test; without
// PALMGRID_TEST_PG the PostgreSQL run is skipped with the reason, or fails when
// PALMGRID_REQUIRE_PG=1 (CI).
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ARTIFACTS_DIR, DEMO_PASSWORD, EXTERNAL_URL, REQUIRE_PG, TEST_PG, assertBinary, assertChromium } from './config.mjs'
import { launchBrowser, newPhone } from './browser.mjs'
import { loginAndWaitHome } from './pages.mjs'
import { createFreshDatabase } from './postgres.mjs'
import { apiToken, startPalmgrid } from './server.mjs'

/**
 * `suite(backend, prepareDatabase)` is called inside `describe('<prefix>sqlite')` and
 * `describe('<prefix>postgresql')`; `prepareDatabase()` creates a fresh PostgreSQL database
 * (named after `dbLabel`) and returns `{url, drop()}`.
 */
export function onBothBackends(prefix, dbLabel, suite) {
  try {
    assertBinary()
    assertChromium()
  } catch (e) {
    test('preflight: the palmgrid binary and Chromium are present', () => {
      throw e
    })
    return
  }
  describe(`${prefix}sqlite`, () => suite('sqlite'))
  if (TEST_PG) {
    describe(`${prefix}postgresql`, () => suite('postgresql', () => createFreshDatabase(TEST_PG, dbLabel)))
  } else if (REQUIRE_PG) {
    describe(`${prefix}postgresql`, () => {
      test('PostgreSQL e2e required', () => {
        assert.fail('PALMGRID_REQUIRE_PG=1 but PALMGRID_TEST_PG is not set (e.g. postgres://postgres@127.0.0.1:5432/test)')
      })
    })
  } else {
    console.log(`skipping ${prefix}PostgreSQL e2e: PALMGRID_TEST_PG not set`)
    test(`${prefix}postgresql`, { skip: 'skipping PostgreSQL e2e: PALMGRID_TEST_PG not set' }, () => {})
  }
}

/**
 * One backend's run of a test file that may use a server already running (PALMGRID_E2E_URL):
 * registers the setup test `setup` (starts `palmgrid demo`, its output in `<logName>.log`, or
 * takes the running server; then `check(baseUrl)`; then launches Chromium) and the teardown.
 * Returns `it`, a test skipped when setup failed, and what the tests need of the run; `baseUrl`
 * is known once setup has run.
 * @param {{ setup: string, timeout: number, logName: string, check: (baseUrl: string) => Promise<void> }} options
 */
export function demoSuite(backend, prepareDatabase, { setup, timeout, logName, check }) {
  // The same folder as app.test.mjs (which empties it when it starts; the other files only add to it).
  const dir = join(ARTIFACTS_DIR, backend)
  let server
  let browser
  let db
  let ready = false
  let baseUrl

  test(setup, { timeout }, async () => {
    mkdirSync(dir, { recursive: true })
    if (EXTERNAL_URL) {
      baseUrl = EXTERNAL_URL
      console.log(`# ${backend}: using the server at ${baseUrl} (PALMGRID_E2E_URL)`)
    } else {
      db = prepareDatabase?.()
      server = await startPalmgrid({ databaseUrl: db?.url, logFile: join(dir, `${logName}.log`) })
      baseUrl = server.url
      console.log(`# ${backend}: palmgrid demo listening on ${baseUrl}${db ? ` (database ${db.name})` : ''}`)
    }
    await check(baseUrl)
    browser = await launchBrowser()
    ready = true
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

  return {
    dir,
    get baseUrl() {
      return baseUrl
    },
    /**
     * A test that needs the server and the browser; skipped when setup failed. `fn(phones)` adds
     * the phones it opens to `phones`: each must be clean (no page error, no CSP violation) once
     * `fn` has passed, and all are closed after it, passed or not.
     */
    it: (name, options, fn = options) =>
      test(name, typeof options === 'function' ? {} : options, async (t) => {
        if (!ready) {
          t.skip('setup failed')
          return
        }
        const phones = []
        try {
          await fn(phones)
          for (const p of phones) p.assertClean(assert)
        } finally {
          for (const p of phones) await p.close().catch(() => {})
        }
      }),
    /** A phone with no session. */
    newPhone: () => newPhone(browser, baseUrl, dir),
    /** A phone signed in as `account` (a demo account unless `password` is given). */
    async phoneOf(account, password = DEMO_PASSWORD) {
      const p = await newPhone(browser, baseUrl, dir)
      await p.page.goto('/login')
      await loginAndWaitHome(p.page, account, password)
      return p
    },
    /** A bearer token for the API. */
    apiToken: (username) => apiToken(baseUrl, username),
  }
}
