// 事件 in a real browser against the real palmgrid binary: the whole GB/T 30428 loop, each step
// taken by the account whose step it is, through the pages a person would use. The grid officer
// reports from patrol (browser geolocation inside their grid, a photo from the camera input),
// 监督中心 立案, 指挥中心 派遣 to 环卫, 环卫 签收 and 反馈 (with a PNG photo the app turns into a
// JPEG), the officer 核查通过, 监督中心 结案, and the officer, told by a pushed notification,
// 评价 5 stars. Along the way: a resident and 交通 never see the case, 环卫 only once it is
// dispatched to them. Once on SQLite and once on PostgreSQL. See e2e/README.md.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ARTIFACTS_DIR } from '../lib/config.mjs'
import { startPalmgrid } from '../lib/server.mjs'
import { onBothBackends } from '../lib/suites.mjs'
import { loginAndWaitHome, waitForPath, withShotOnFailure } from '../lib/pages.mjs'
import { launchBrowser, newPhone } from '../lib/browser.mjs'

const SLOW = { timeout: 300_000 }
const WEB = { 'X-Palmgrid-Client': 'web' }

/** Inside 430407001001001 牛角巷第一网格, the officer's grid (WGS-84). */
const POINT = { longitude: 112.5995, latitude: 26.8933, accuracy: 8 }
const OFFICER_GRID = '430407001001001'
const OFFICER_GRID_NAME = '牛角巷第一网格'
const CATEGORY = 'E0101' // 暴露垃圾 → 环卫
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

// ---------------------------------------------------------------------------------------------
// Helpers

/** fetch() inside the page: same origin, the page's session cookie. */
async function pageFetch(page, path) {
  return page.evaluate(async ({ path, headers }) => {
    const r = await fetch(path, { headers })
    const text = await r.text()
    let body = text
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON
    }
    return { status: r.status, body, type: r.headers.get('content-type') }
  }, { path, headers: WEB })
}

/** A picture drawn on a canvas in the page, encoded as `type` (what a phone camera would hand over). */
async function drawnPicture(page, type, colour) {
  const base64 = await page.evaluate(async ({ type, colour }) => {
    const c = document.createElement('canvas')
    c.width = 800
    c.height = 600
    const g = c.getContext('2d')
    g.fillStyle = colour
    g.fillRect(0, 0, 800, 600)
    g.fillStyle = '#4a3b2a'
    for (let i = 0; i < 12; i++) g.fillRect(120 + (i % 4) * 140, 140 + Math.floor(i / 4) * 110, 90, 70)
    const blob = await new Promise((resolve) => c.toBlob(resolve, type, 0.9))
    const bytes = new Uint8Array(await blob.arrayBuffer())
    let s = ''
    for (const b of bytes) s += String.fromCharCode(b)
    return btoa(s)
  }, { type, colour })
  return Buffer.from(base64, 'base64')
}

/** Opens a case page and waits for its header. */
async function openCase(page, id) {
  await page.goto(`/cases/${id}`)
  await page.getByTestId('page-case').waitFor()
  await page.getByTestId('case-header').waitFor()
}

/** The case's state as the page shows it (data-state of the header tag) and its Chinese name. */
async function shownState(page) {
  const tag = page.getByTestId('case-header').getByTestId('case-state')
  return { state: await tag.getAttribute('data-state'), name: (await tag.innerText()).trim() }
}

/**
 * Takes an action through its button and dialog; `fill` fills the dialog in. Waits until the
 * page shows the case moved on (a new version), and returns the state it shows then.
 */
async function act(page, action, fill) {
  const header = page.getByTestId('case-header')
  const before = await header.getAttribute('data-version')
  await page.getByTestId(`case-action-${action}`).click()
  const dialog = page.getByTestId('action-dialog')
  await dialog.waitFor()
  assert.equal(await dialog.getAttribute('data-action'), action)
  if (fill) await fill(dialog)
  const response = page.waitForResponse((r) => r.url().endsWith('/actions') && r.request().method() === 'POST')
  response.catch(() => {})
  await dialog.getByTestId('action-submit').click()
  const r = await response
  assert.equal(r.status(), 200, `${action}: ${await r.text()}`)
  await page.waitForFunction(
    (v) => {
      const h = document.querySelector('[data-testid="case-header"]')
      return h && h.getAttribute('data-version') !== v
    },
    before,
  )
  await dialog.waitFor({ state: 'hidden' })
  return shownState(page)
}

/** data-number of every case in the list on screen (after it loaded). */
async function listedNumbers(page) {
  await page.locator('[data-testid="case-list"], [data-testid="cases-empty"]').first().waitFor()
  return page.getByTestId('case-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-number')))
}

/** The 事件 tab, on list `view` ('mine' or 'all'). */
async function openList(page, view) {
  await page.goto(`/cases?view=${view}`)
  await page.getByTestId('page-cases').waitFor()
  return listedNumbers(page)
}

/** Unread count on the 事件 tab's badge (0 without a badge). */
async function tabBadge(page) {
  const badge = page.getByTestId('tab-cases').locator('.van-badge')
  if ((await badge.count()) === 0) return 0
  return Number((await badge.innerText()).trim())
}

// ---------------------------------------------------------------------------------------------
// The suite, once per backend

function backendSuite(backend, prepareDatabase) {
  // The same folder as app.test.mjs (which empties it when it starts; this file only adds cases-*.png).
  const dir = join(ARTIFACTS_DIR, backend)
  let server
  let browser
  let db
  let ready = false

  test(`palmgrid demo starts (${backend}) with the case routes, and Chromium launches`, SLOW, async () => {
    mkdirSync(dir, { recursive: true })
    db = prepareDatabase?.()
    server = await startPalmgrid({ databaseUrl: db?.url, logFile: join(dir, 'server-cases.log') })
    console.log(`# ${backend}: palmgrid demo listening on ${server.url}${db ? ` (database ${db.name})` : ''}`)
    for (const path of ['/cases', '/cases/new', '/cases/00000000-0000-4000-8000-000000000000']) {
      const shell = await (await fetch(`${server.url}${path}`)).text()
      assert.match(shell, /<div id="app">/, `GET ${path} is not the web app: rebuild palmgrid with npm available so build.rs embeds web/`)
    }
    for (const path of ['/api/v1/cases', '/api/v1/notifications', '/api/v1/case-categories']) {
      const anonymous = await fetch(`${server.url}${path}`, { headers: WEB })
      assert.equal(anonymous.status, 401, `GET ${path} exists and needs a session`)
    }
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

  /** A signed-in phone of a demo account. */
  async function phoneOf(account) {
    const p = await newPhone(browser, server.url, dir)
    await p.page.goto('/login')
    await loginAndWaitHome(p.page, account)
    return p
  }

  it('the loop 上报 → 立案 → 派遣 → 签收 → 反馈 → 核查 → 结案 → 评价, each by its own account, seen only by those involved', SLOW, async () => {
    const phones = []
    const description = `牛角巷口垃圾桶旁散落垃圾袋约一平方米（e2e ${Date.now().toString(36)}）`
    try {
      // ---- 上报: the grid officer on patrol ------------------------------------------------
      const officer = await phoneOf('officer')
      phones.push(officer)
      const op = officer.page
      await officer.context.grantPermissions(['geolocation'], { origin: server.url })
      await officer.context.setGeolocation(POINT)
      let caseId
      let number
      await withShotOnFailure(officer, dir, 'cases-report', async () => {
        await op.getByTestId('tab-cases').click()
        await op.getByTestId('page-cases').waitFor()
        // A grid officer starts on 待我处理.
        await op.locator('.van-tab--active [data-testid="case-view-mine"]').waitFor() // the officer starts on 待我处理
        await op.getByTestId('case-report').click()
        await waitForPath(op, '/cases/new')
        await op.getByTestId('page-case-new').waitFor()

        // Category from the picker, grouped by major class.
        await op.getByTestId('report-category').click()
        await op.getByTestId('category-picker').waitFor()
        const groups = await op.getByTestId('category-group').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')))
        assert.ok(groups.includes('E01') && groups.includes('C01'), `category groups: ${groups}`)
        await op.getByTestId('category-group').first().getByText('市容环境').waitFor()
        await op.locator(`[data-testid="category-option"][data-code="${CATEGORY}"]`).click()
        await op.getByTestId('category-picker').waitFor({ state: 'hidden' })
        assert.equal(await op.getByTestId('report-category').getAttribute('data-code'), CATEGORY)
        assert.match(await op.getByTestId('report-category').locator('input').inputValue(), /暴露垃圾/)
        await op.getByTestId('report-filing').waitFor()

        await op.getByTestId('report-description').fill(description)
        await op.getByTestId('report-address').fill('牛角巷12号旁')

        // 定位: the browser's position, and the grid it falls in.
        await op.getByTestId('report-locate').click()
        const grid = op.getByTestId('report-grid')
        await grid.waitFor()
        assert.equal(await grid.getAttribute('data-code'), OFFICER_GRID)
        assert.equal((await grid.innerText()).trim(), OFFICER_GRID_NAME)
        assert.equal(await grid.getAttribute('data-by-hand'), 'false')
        assert.match(await op.getByTestId('report-position').innerText(), /112\.5995\d*, 26\.8933/)

        // A photo from the camera input (a JPEG drawn in the page).
        const jpeg = await drawnPicture(op, 'image/jpeg', '#7fa37a')
        await op.getByTestId('report-photo-input').setInputFiles({ name: 'scene.jpg', mimeType: 'image/jpeg', buffer: jpeg })
        await op.getByTestId('report-photo').first().waitFor()
        assert.equal(await op.getByTestId('report-photo').count(), 1)
        await op.waitForTimeout(200)
        await officer.shot('cases-officer', 'report-form')

        // Submit: the case, then its photo, then the case page.
        const created = op.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/cases' && r.request().method() === 'POST')
        const uploaded = op.waitForResponse((r) => /\/api\/v1\/cases\/[^/]+\/photos$/.test(new URL(r.url()).pathname))
        created.catch(() => {})
        uploaded.catch(() => {})
        await op.getByTestId('report-submit').click()
        const createdResponse = await created
        assert.equal(createdResponse.status(), 201)
        const reported = await createdResponse.json()
        assert.deepEqual(JSON.parse(createdResponse.request().postData()), {
          category: CATEGORY,
          description,
          address: '牛角巷12号旁',
          lon: POINT.longitude,
          lat: POINT.latitude,
        })
        assert.equal((await uploaded).status(), 201)
        caseId = reported.case.id
        number = reported.case.number
        assert.match(caseId, UUID)
        await waitForPath(op, `/cases/${caseId}`)
        await op.getByTestId('case-header').waitFor()
        assert.deepEqual(await shownState(op), { state: 'reported', name: '待核实' })
        assert.equal(await op.getByTestId('case-header').getAttribute('data-number'), number)
        assert.equal(await op.getByTestId('case-source').getAttribute('data-source'), 'patrol', 'an officer in their grid reports from patrol')
        assert.equal((await op.getByTestId('case-source').innerText()).includes('巡查上报'), true)
        assert.equal(await op.getByTestId('case-grid').getAttribute('data-code'), OFFICER_GRID)
        assert.ok((await op.getByTestId('case-description').innerText()).includes(description))
        // Duplicates the server named (if any) are listed.
        if (reported.duplicates.length > 0) {
          await op.getByTestId('case-duplicates').waitFor()
          assert.equal(await op.getByTestId('case-duplicate').count(), reported.duplicates.length)
        } else {
          assert.equal(await op.getByTestId('case-duplicates').count(), 0)
        }
        // The photo is evidence, shown as a thumbnail loaded from the evidence URL.
        const photo = op.getByTestId('case-photo')
        await photo.first().waitFor()
        assert.equal(await photo.count(), 1)
        await op.waitForFunction(() => {
          const img = document.querySelector('[data-testid="case-photo"] img')
          return img && img.complete && img.naturalWidth > 0
        })
        const src = new URL(await photo.locator('img').getAttribute('src'), server.url)
        assert.match(src.pathname, new RegExp(`^/api/v1/cases/${caseId}/evidence/[0-9a-f-]+$`))
        const detail = await pageFetch(op, `/api/v1/cases/${caseId}`)
        assert.equal(detail.status, 200)
        assert.equal(detail.body.evidence.length, 1)
        assert.equal(detail.body.evidence[0].media_type, 'image/jpeg')
        assert.deepEqual(detail.body.timeline.map((e) => e.action), ['report', 'evidence'])
        assert.deepEqual(
          await op.getByTestId('timeline-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-action'))),
          ['evidence', 'report'],
          'history, newest first',
        )
        await op.getByTestId('case-no-actions').waitFor() // nothing for the reporter to do now
        await officer.shot('cases-officer', 'reported')

        // 全部 lists it with its state tag.
        assert.ok((await openList(op, 'all')).includes(number), 'the officer lists the case')
        const item = op.locator(`[data-testid="case-item"][data-number="${number}"]`)
        assert.equal((await item.getByTestId('case-state').innerText()).trim(), '待核实')
        assert.equal((await item.getByTestId('case-grid').innerText()).trim(), OFFICER_GRID_NAME)
        await officer.shot('cases-officer', 'list-all')
      })

      // ---- who cannot see it --------------------------------------------------------------
      /** The case page says 不存在/无权查看 and the lists do not have it. */
      async function cannotSee(phone, label) {
        const { page } = phone
        await withShotOnFailure(phone, dir, `cases-hidden-${label}`, async () => {
          await page.goto(`/cases/${caseId}`)
          await page.getByTestId('case-not-found').waitFor()
          assert.equal(await page.getByTestId('case-header').count(), 0)
          assert.ok((await page.getByTestId('case-not-found').innerText()).includes('案件不存在，或您无权查看'))
          assert.equal((await pageFetch(page, `/api/v1/cases/${caseId}`)).status, 404)
          assert.ok(!(await openList(page, 'all')).includes(number), `${label} does not list ${number}`)
          assert.ok(!(await openList(page, 'mine')).includes(number))
        })
      }

      const resident = await phoneOf('resident')
      phones.push(resident)
      await cannotSee(resident, 'resident')
      // A resident starts on 全部 (their own reports), and may report too.
      await resident.page.goto('/cases')
      await resident.page.getByTestId('page-cases').waitFor()
      await resident.page.locator('.van-tab--active [data-testid="case-view-all"]').waitFor() // a resident starts on 全部
      await resident.page.getByTestId('case-report').waitFor()
      await resident.shot('cases-resident', 'list')
      await resident.page.goto(`/cases/${caseId}`)
      await resident.page.getByTestId('case-not-found').waitFor()
      await resident.shot('cases-resident', 'not-found')
      const traffic = await phoneOf('traffic')
      phones.push(traffic)
      await cannotSee(traffic, 'traffic')
      const sanitation = await phoneOf('sanitation')
      phones.push(sanitation)
      await cannotSee(sanitation, 'sanitation-before-dispatch')

      // ---- 立案: the supervision centre, from 待我处理 ----------------------------------------
      const supervision = await phoneOf('supervision')
      phones.push(supervision)
      const sp = supervision.page
      await withShotOnFailure(supervision, dir, 'cases-register', async () => {
        await sp.getByTestId('tab-cases').click()
        assert.ok((await listedNumbers(sp)).includes(number), 'the case waits for 监督中心 in 待我处理')
        await sp.locator(`[data-testid="case-item"][data-number="${number}"]`).click()
        await waitForPath(sp, `/cases/${caseId}`)
        await sp.getByTestId('case-header').waitFor()
        for (const a of ['register', 'cancel', 'merge']) await sp.getByTestId(`case-action-${a}`).waitFor()
        await supervision.shot('cases-supervision', 'actions')
        assert.deepEqual(await act(sp, 'register'), { state: 'registered', name: '待派遣' })
        await sp.getByTestId('case-close-deadline').waitFor()
      })

      // ---- 派遣 to 环卫: the command centre ---------------------------------------------------
      const command = await phoneOf('command')
      phones.push(command)
      const cp = command.page
      await withShotOnFailure(command, dir, 'cases-dispatch', async () => {
        await openCase(cp, caseId)
        const state = await act(cp, 'dispatch', async (dialog) => {
          // The category's department (环卫) is the default lead.
          const lead = dialog.getByTestId('dispatch-lead-sanitation')
          await lead.waitFor()
          assert.equal(await lead.locator('.van-radio__icon--checked').count(), 1, '环卫 is the default lead')
          assert.ok((await lead.innerText()).includes('环卫'))
          assert.equal(await dialog.getByTestId('dispatch-assist-sanitation').count(), 0, 'the lead is not offered as assisting')
          await command.shot('cases-command', 'dispatch-dialog')
        })
        assert.deepEqual(state, { state: 'dispatched', name: '待签收' })
        assert.equal(await cp.getByTestId('case-lead').getAttribute('data-code'), 'sanitation')
        const dispatch = cp.locator('[data-testid="timeline-item"][data-action="dispatch"]')
        assert.ok((await dispatch.innerText()).includes('主办：环卫'))
      })

      // ---- 签收 and 反馈: 环卫, who sees it only now -----------------------------------------
      const np = sanitation.page
      await withShotOnFailure(sanitation, dir, 'cases-handle', async () => {
        assert.ok((await openList(np, 'mine')).includes(number), '环卫 has the case to accept')
        await np.locator(`[data-testid="case-item"][data-number="${number}"]`).click()
        await np.getByTestId('case-header').waitFor()
        assert.deepEqual(await act(np, 'accept'), { state: 'handling', name: '处置中' })
        for (const a of ['feedback', 'return', 'request_extension']) await np.getByTestId(`case-action-${a}`).waitFor()

        // A photo of the result: a PNG, which the app turns into a JPEG before uploading.
        const png = await drawnPicture(np, 'image/png', '#d9e4ea')
        const uploaded = np.waitForResponse((r) => /\/photos$/.test(new URL(r.url()).pathname))
        uploaded.catch(() => {})
        await np.getByTestId('case-photo-input').setInputFiles({ name: 'after.png', mimeType: 'image/png', buffer: png })
        const up = await uploaded
        assert.equal(up.status(), 201)
        assert.equal(up.request().headers()['content-type'], 'image/jpeg')
        // The server refuses anything but a JPEG: a 201 means the app converted the PNG.
        assert.equal((await up.json()).media_type, 'image/jpeg')
        await np.waitForFunction(() => document.querySelectorAll('[data-testid="case-photo"]').length === 2)
        assert.equal(await np.locator('[data-testid="case-photo"][data-stage="handling"]').count(), 1)

        const state = await act(np, 'feedback', async (dialog) => {
          await dialog.getByTestId('action-reason').fill('已清理完毕，地面已冲洗')
        })
        assert.deepEqual(state, { state: 'feedback', name: '待核查' })
        assert.ok((await np.locator('[data-testid="timeline-item"][data-action="feedback"]').innerText()).includes('已清理完毕，地面已冲洗'))
        await sanitation.shot('cases-sanitation', 'after-feedback')
      })
      // 交通 still has nothing to do with it.
      await cannotSee(traffic, 'traffic-after-dispatch')

      // ---- 核查通过: the officer of the grid ------------------------------------------------
      await withShotOnFailure(officer, dir, 'cases-check', async () => {
        assert.ok((await openList(op, 'mine')).includes(number), 'the officer has the check to do')
        await op.locator(`[data-testid="case-item"][data-number="${number}"]`).click()
        await op.getByTestId('case-header').waitFor()
        await op.getByTestId('case-add-photo').waitFor() // photos at the check stage
        assert.deepEqual(await act(op, 'check_pass'), { state: 'checked', name: '待结案' })
      })

      // The officer waits on the list; the next notification arrives by WebSocket, not a reload.
      await op.goto('/cases?view=all')
      await op.getByTestId('page-cases').waitFor()
      await listedNumbers(op)
      await op.waitForTimeout(500) // the socket is open
      const unreadBefore = await tabBadge(op)
      const navigations = []
      op.on('framenavigated', (f) => {
        if (f === op.mainFrame()) navigations.push(f.url())
      })

      // ---- 结案: the supervision centre -----------------------------------------------------
      await withShotOnFailure(supervision, dir, 'cases-close', async () => {
        await openCase(sp, caseId)
        assert.deepEqual(await act(sp, 'close'), { state: 'closed', name: '已结案' })
      })

      // ---- 评价: the officer, from the notification ------------------------------------------
      await withShotOnFailure(officer, dir, 'cases-rate', async () => {
        await op.waitForFunction(
          (n) => {
            const b = document.querySelector('[data-testid="tab-cases"] .van-badge')
            return b && Number(b.textContent.trim()) > n
          },
          unreadBefore,
          { timeout: 15_000 },
        )
        assert.deepEqual(navigations, [], 'the badge came without a reload')
        const bell = op.getByTestId('notifications-unread')
        assert.ok(Number(await bell.getAttribute('data-count')) > unreadBefore)
        await officer.shot('cases-officer', 'badge')
        await op.getByTestId('notifications-open').click()
        const list = op.getByTestId('notification-list')
        await list.waitFor()
        const note = list.locator(`[data-testid="notification-item"][data-case-id="${caseId}"]`).filter({ hasText: '请评价' })
        await note.waitFor()
        assert.equal(await note.getAttribute('data-new'), 'true')
        assert.ok((await note.innerText()).includes(`案件 ${number} 已结案，请评价`))
        // Opening the list marks everything read.
        await op.waitForFunction(() => !document.querySelector('[data-testid="tab-cases"] .van-badge'))
        await op.waitForTimeout(300)
        await officer.shot('cases-officer', 'notifications')
        const notes = await pageFetch(op, '/api/v1/notifications')
        assert.ok(notes.body.items.every((n) => n.read), 'all notifications read on the server')

        await note.click()
        await waitForPath(op, `/cases/${caseId}`)
        await op.getByTestId('case-header').waitFor()
        assert.deepEqual(await shownState(op), { state: 'closed', name: '已结案' })
        await op.getByTestId('case-action-reopen').waitFor()
        const state = await act(op, 'rate', async (dialog) => {
          await dialog.getByTestId('action-rating').locator('.van-rate__item').nth(4).click()
          assert.equal(await dialog.getByTestId('action-rating').getAttribute('data-value'), '5')
          await officer.shot('cases-officer', 'rate-dialog')
        })
        assert.deepEqual(state, { state: 'closed', name: '已结案' })
        assert.equal(await op.getByTestId('case-rating').getAttribute('data-rating'), '5')
        assert.equal(await op.getByTestId('case-action-rate').count(), 0, 'rated once')
        assert.ok((await op.locator('[data-testid="timeline-item"][data-action="rate"]').innerText()).includes('5 星'))
        await officer.shot('cases-officer', 'rated')
      })

      // The whole history, in order, by whom.
      const final = await pageFetch(op, `/api/v1/cases/${caseId}`)
      assert.deepEqual(
        final.body.timeline.map((e) => `${e.action}:${e.actor_name}`),
        [
          'report:网格员 李敏',
          'evidence:网格员 李敏',
          'register:监督中心 周静',
          'dispatch:指挥中心 刘洋',
          'accept:环卫处置 黄伟',
          'evidence:环卫处置 黄伟',
          'feedback:环卫处置 黄伟',
          'check_pass:网格员 李敏',
          'close:监督中心 周静',
          'rate:网格员 李敏',
        ],
      )
      assert.deepEqual(final.body.evidence.map((e) => e.media_type), ['image/jpeg', 'image/jpeg'])

      for (const p of phones) {
        for (const r of p.apiRequests.filter((r) => r.method !== 'GET')) {
          assert.equal(r.headers['x-palmgrid-client'], 'web', `${r.method} ${r.path}`)
        }
        p.assertClean(assert)
      }
    } finally {
      for (const p of phones) await p.close().catch(() => {})
    }
  })

  it('the 事件 pages in English: list, report form, a case', SLOW, async () => {
    const p = await phoneOf('supervision')
    const { page } = p
    try {
      await withShotOnFailure(p, dir, 'cases-english', async () => {
        await page.getByTestId('tab-me').click()
        await page.getByTestId('lang-en').click()
        await page.getByTestId('tab-cases').click()
        await page.getByTestId('page-cases').waitFor()
        await page.getByTestId('case-view-mine').waitFor()
        assert.equal((await page.getByTestId('case-view-mine').innerText()).trim(), 'For me')
        const numbers = await listedNumbers(page)
        assert.ok(numbers.length > 0, 'the demo has cases for the supervision centre')
        await page.getByTestId('case-item').first().click()
        await page.getByTestId('case-header').waitFor()
        await page.getByTestId('case-timeline').getByText('Reported').first().waitFor()
        await p.shot('cases-english', 'case')
        await page.goto('/cases/new')
        await page.getByTestId('report-submit').waitFor()
        assert.equal((await page.getByTestId('report-submit').innerText()).trim(), 'Submit')
        // Nothing filled in: the form says what is missing instead of sending.
        await page.getByTestId('report-submit').click()
        await page.locator('.van-toast__text', { hasText: 'Choose a category' }).waitFor()
        await p.shot('cases-english', 'report')
        p.assertClean(assert)
      })
    } finally {
      await page.evaluate(() => localStorage.removeItem('palmgrid.locale')).catch(() => {})
      await p.close()
    }
  })
}

onBothBackends('cases ', 'cases', backendSuite)
