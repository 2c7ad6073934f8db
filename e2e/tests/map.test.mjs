// 地图 in Debian's Chromium against the real palmgrid binary (`palmgrid demo`, whose district has
// grid boundaries): the officer sees only their own grid (and its cameras), the admin every demo
// grid, a tap on a grid opens its sheet with the officer's name. Once on SQLite and once on
// PostgreSQL. See e2e/README.md.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ARTIFACTS_DIR } from '../lib/config.mjs'
import { startPalmgrid } from '../lib/server.mjs'
import { onBothBackends } from '../lib/suites.mjs'
import { loginAndWaitHome, waitForPath, withShotOnFailure } from '../lib/pages.mjs'
import { launchBrowser, newPhone } from '../lib/browser.mjs'

const SLOW = { timeout: 180_000 }
const WEB = { 'X-Palmgrid-Client': 'web' }

const DISTRICT = '430407'
const OFFICER_GRID = '430407001001001'
const OFFICER_GRID_NAME = '牛角巷第一网格'
const OFFICER_NAME = '网格员 李敏'
/** The demo district's grids (crates/palmgrid-app/src/demo.rs). */
const DEMO_GRIDS = [
  '430407001001001',
  '430407001001002',
  '430407001001003',
  '430407001002001',
  '430407001002002',
  '430407002001001',
  '430407002001002',
]

// ---------------------------------------------------------------------------------------------
// Helpers

/** data-code of every grid in the list under the map, in screen order. */
async function listedCodes(page) {
  return page.getByTestId('map-grid-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')))
}

/** Waits for the map page with its list and (when any grid has a boundary) its polygons. */
async function waitMapDrawn(page, map) {
  await page.getByTestId('page-map').waitFor()
  await page.getByTestId('map-grid-item').first().waitFor()
  if (map.grids.some((g) => g.geometry)) await page.locator('path.pg-grid').first().waitFor()
  await page.waitForTimeout(300) // fitBounds without animation; let the paths settle for the screenshot
}

/** The JSON body of the page's own next GET of `path` (what the page drew), once `action` has run. */
async function responseOf(page, path, action) {
  const response = page.waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() === 'GET')
  response.catch(() => {}) // awaited below; no unhandled rejection if the action fails first
  await action()
  const r = await response
  assert.equal(r.status(), 200, `GET ${path}`)
  return r.json()
}

const attention = (g) => (g.open_cases > 0 || g.cameras_offline > 0 ? 'alert' : 'calm')

/** Opens the sheet of a grid by tapping its polygon; returns the sheet. */
async function openSheetByPolygon(page, code) {
  // A dispatched click reaches Leaflet's handler even where a camera marker covers the polygon's centre.
  await page.locator(`path.pg-grid-${code}`).dispatchEvent('click')
  const sheet = page.getByTestId('map-grid-sheet')
  await sheet.waitFor()
  assert.equal(await sheet.getAttribute('data-code'), code)
  return sheet
}

// ---------------------------------------------------------------------------------------------
// The suite, once per backend

function backendSuite(backend, prepareDatabase) {
  // The same folder as app.test.mjs (which empties it when it starts; this file only adds map-*.png).
  const dir = join(ARTIFACTS_DIR, backend)
  let server
  let browser
  let db
  let ready = false

  test(`palmgrid demo starts (${backend}) with the map routes, and Chromium launches`, SLOW, async () => {
    mkdirSync(dir, { recursive: true })
    db = prepareDatabase?.()
    server = await startPalmgrid({ databaseUrl: db?.url, logFile: join(dir, 'server-map.log') })
    console.log(`# ${backend}: palmgrid demo listening on ${server.url}${db ? ` (database ${db.name})` : ''}`)
    const shell = await (await fetch(`${server.url}/map`)).text()
    assert.match(shell, /<div id="app">/, 'GET /map is not the web app: rebuild palmgrid with npm available so build.rs embeds web/')
    const anonymous = await fetch(`${server.url}/api/v1/map`, { headers: WEB })
    assert.equal(anonymous.status, 401, 'GET /api/v1/map exists and needs a session')
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

  it('the officer sees only their own grid, and only its cameras (map, sheet, 视频)', SLOW, async () => {
    const p = await phone()
    const { page } = p
    try {
      await withShotOnFailure(p, dir, 'map-officer', async () => {
        await page.goto('/login')
        await loginAndWaitHome(page, 'officer')

        // 视频: every camera group is the officer's grid.
        await page.getByTestId('tab-video').click()
        await page.getByTestId('page-video').waitFor()
        await page.locator('[data-camera-id]').first().waitFor()
        const groups = await page.getByTestId('camera-group').evaluateAll((els) => els.map((e) => e.getAttribute('data-grid')))
        assert.ok(groups.length >= 1, 'the officer has cameras')
        assert.deepEqual([...new Set(groups)], [OFFICER_GRID], `camera groups: ${groups}`)

        // The 地图 button of the 视频 header opens the map.
        const map = await responseOf(page, '/api/v1/map', () => page.getByTestId('open-map').click())
        await waitForPath(page, '/map')
        await waitMapDrawn(page, map)

        // The API and the page agree: the officer's grid(s) only, all marked as theirs.
        assert.ok(map.grids.length >= 1, 'the officer sees a grid')
        for (const g of map.grids) {
          assert.ok(g.code.startsWith(OFFICER_GRID), `API grid ${g.code}`)
          assert.equal(g.mine, true, `${g.code} is the officer's`)
        }
        const codes = await listedCodes(page)
        assert.ok(codes.length >= 1)
        for (const code of codes) assert.ok(code.startsWith(OFFICER_GRID), `listed grid ${code}`)
        assert.deepEqual([...codes].sort(), map.grids.map((g) => g.code).sort())
        const grid = map.grids.find((g) => g.code === OFFICER_GRID)
        assert.ok(grid, `${OFFICER_GRID} on the map`)
        assert.ok(grid.geometry, `${OFFICER_GRID} has a boundary`)
        assert.equal(await page.locator('path.pg-grid').count(), map.grids.filter((g) => g.geometry).length, 'one polygon per grid')
        assert.equal(await page.locator(`path.pg-grid-${OFFICER_GRID}`).count(), 1)
        assert.equal(await page.locator(`path.pg-grid-${OFFICER_GRID}.pg-grid--mine`).count(), 1, 'own grid outlined')

        // Camera markers: the officer's grid's only.
        const gridIds = new Set(map.grids.map((g) => g.id))
        assert.ok(map.cameras.length >= 1, 'camera markers')
        for (const c of map.cameras) assert.ok(gridIds.has(c.grid_id), `marker ${c.name} in ${c.grid_id}`)
        assert.equal(await page.locator('path.pg-camera').count(), map.cameras.length)

        // 我的网格: shown (the grid is theirs), filters to the same grid.
        const toggle = page.getByTestId('my-grids-toggle')
        await toggle.waitFor()
        assert.equal((await toggle.innerText()).trim(), '我的网格')
        await toggle.click()
        assert.equal(await toggle.getAttribute('data-active'), 'true')
        assert.deepEqual([...(await listedCodes(page))].sort(), [...codes].sort())
        await page.waitForTimeout(300)
        await page.screenshot({ path: join(dir, 'map-officer.png') })

        // Tap the polygon: the sheet names the grid and its officer, and lists its cameras only.
        let sheet
        const detail = await responseOf(page, `/api/v1/grids/${grid.id}`, async () => {
          sheet = await openSheetByPolygon(page, OFFICER_GRID)
        })
        assert.equal((await page.getByTestId('grid-sheet-name').innerText()).trim(), OFFICER_GRID_NAME)
        assert.equal((await page.getByTestId('grid-sheet-code').innerText()).trim(), OFFICER_GRID)
        const officers = await page.getByTestId('grid-sheet-officer').allInnerTexts()
        assert.ok(officers.some((o) => o.includes(OFFICER_NAME)), `officers: ${officers}`)
        await sheet.getByTestId('grid-sheet-camera').first().waitFor()
        const sheetCameras = await sheet
          .getByTestId('grid-sheet-camera')
          .evaluateAll((els) => els.map((e) => ({ id: e.getAttribute('data-camera-id'), grid: e.getAttribute('data-grid-id') })))
        assert.deepEqual(sheetCameras.map((c) => c.id).sort(), detail.camera_list.map((c) => c.id).sort(), 'the sheet lists the grid’s cameras')
        assert.equal(sheetCameras.length, grid.cameras, 'every camera of the grid (the demo cameras all have a position)')
        for (const c of sheetCameras) assert.equal(c.grid, grid.id, `sheet camera ${c.id}`)
        for (const c of detail.camera_list) assert.equal(c.grid_id, grid.id, `API camera ${c.name}`)
        const stat = async (key) => (await sheet.locator(`[data-testid="grid-sheet-stat"][data-key="${key}"] b`).innerText()).trim()
        assert.equal(await stat('cameras'), String(detail.cameras))
        assert.equal(await stat('offline'), String(detail.cameras_offline))
        assert.equal(await stat('open_cases'), String(detail.open_cases))
        await page.waitForTimeout(400) // the sheet slides in
        await page.screenshot({ path: join(dir, 'map-officer-sheet.png') })

        // A camera of the sheet opens the camera page.
        await sheet.getByTestId('grid-sheet-camera').first().click()
        await waitForPath(page, `/video/${sheetCameras[0].id}`)
        await page.getByTestId('page-camera').waitFor()
        p.assertClean(assert)
      })
    } finally {
      await p.close()
    }
  })

  it('the admin sees every demo grid; a tap on 牛角巷第一网格 shows 网格员 李敏', SLOW, async () => {
    const p = await phone()
    const { page } = p
    try {
      await withShotOnFailure(p, dir, 'map-admin', async () => {
        await page.goto('/login')
        await loginAndWaitHome(page, 'admin')

        // From 首页.
        const map = await responseOf(page, '/api/v1/map', () => page.getByTestId('home-open-map').click())
        await waitForPath(page, '/map')
        await waitMapDrawn(page, map)

        const codes = await listedCodes(page)
        assert.ok(codes.length >= 7, `at least the 7 demo grids: ${codes}`)
        for (const code of codes) assert.ok(code.startsWith(DISTRICT), `grid ${code} under ${DISTRICT}`)
        for (const code of DEMO_GRIDS) assert.ok(codes.includes(code), `${code} listed`)
        assert.deepEqual([...codes].sort(), map.grids.map((g) => g.code).sort())
        const drawn = map.grids.filter((g) => g.geometry)
        assert.ok(drawn.length >= 7, 'the demo grids have boundaries')
        assert.equal(await page.locator('path.pg-grid').count(), drawn.length, 'one polygon per grid')
        for (const code of DEMO_GRIDS) assert.equal(await page.locator(`path.pg-grid-${code}`).count(), 1, `polygon ${code}`)
        assert.equal(await page.locator('path.pg-camera').count(), map.cameras.length, 'a marker per camera')

        // Colours follow attention; the admin owns no grid, so no 我的网格 chip.
        for (const g of map.grids) {
          const item = page.locator(`[data-testid="map-grid-item"][data-code="${g.code}"]`)
          assert.equal(await item.getAttribute('data-attention'), attention(g), `${g.code} attention`)
          if (g.geometry) assert.equal(await page.locator(`path.pg-grid-${g.code}.pg-grid--${attention(g)}`).count(), 1)
        }
        if (!map.grids.some((g) => g.mine)) assert.equal(await page.getByTestId('my-grids-toggle').count(), 0)
        await page.getByTestId('map-legend').getByText('需关注').waitFor()
        await page.screenshot({ path: join(dir, 'map-admin.png') })

        // A tap on the polygon opens the sheet with the officer.
        const grid = map.grids.find((g) => g.code === OFFICER_GRID)
        const sheet = await openSheetByPolygon(page, OFFICER_GRID)
        assert.equal((await page.getByTestId('grid-sheet-name').innerText()).trim(), OFFICER_GRID_NAME)
        const officers = await page.getByTestId('grid-sheet-officer').allInnerTexts()
        assert.ok(officers.some((o) => o.includes(OFFICER_NAME)), `officers: ${officers}`)
        await sheet.getByTestId('grid-sheet-camera').first().waitFor()
        for (const id of await sheet.getByTestId('grid-sheet-camera').evaluateAll((els) => els.map((e) => e.getAttribute('data-grid-id')))) {
          assert.equal(id, grid.id)
        }
        await page.waitForTimeout(400)
        await page.screenshot({ path: join(dir, 'map-admin-sheet.png') })

        // The list opens the same sheet; a grid without an officer says so.
        await page.locator('.van-popup__close-icon').click()
        await sheet.waitFor({ state: 'hidden' })
        const orphan = map.grids.find((g) => g.officers.length === 0)
        const target = orphan ?? grid
        await page.locator(`[data-testid="map-grid-item"][data-code="${target.code}"]`).click()
        await page.getByTestId('map-grid-sheet').waitFor()
        assert.equal((await page.getByTestId('grid-sheet-name').innerText()).trim(), target.name)
        if (orphan) assert.equal((await page.getByTestId('grid-sheet-no-officer').innerText()).includes('未指派网格员'), true)
        p.assertClean(assert)
      })
    } finally {
      await p.close()
    }
  })

  it('a resident may open the map: their grids, no cameras', SLOW, async () => {
    const p = await phone()
    const { page } = p
    try {
      await withShotOnFailure(p, dir, 'map-resident', async () => {
        await page.goto('/login')
        await loginAndWaitHome(page, 'resident')
        const map = await responseOf(page, '/api/v1/map', () => page.getByTestId('home-open-map').click())
        await waitForPath(page, '/map')
        await page.getByTestId('page-map').waitFor()
        assert.deepEqual(map.cameras, [], 'no camera markers for a resident')
        if (map.grids.length === 0) {
          assert.equal((await page.getByTestId('map-empty').innerText()).trim(), '暂无网格边界')
        } else {
          await waitMapDrawn(page, map)
          assert.deepEqual([...(await listedCodes(page))].sort(), map.grids.map((g) => g.code).sort())
        }
        assert.equal(await page.locator('path.pg-camera').count(), 0)
        await page.screenshot({ path: join(dir, 'map-resident.png') })
        p.assertClean(assert)
      })
    } finally {
      await p.close()
    }
  })
}

onBothBackends('map ', 'map', backendSuite)
