// 掌上社区, continued: chat pictures, sub-tasks with weighted progress, and notices to a building,
// each through the pages a person would use, in a real browser against the real palmgrid binary.
// 聊天: the resident sends a JPEG with a caption and the property manager, on the chat already,
// gets it live as a thumbnail that loads and opens in the preview; the property manager's PNG is
// sent as a JPEG. 子任务: the officer gives an action item to the property manager, who splits it
// into two sub-tasks of weights 1 and 3 and ticks the weight-3 one: the item shows 75 %, the
// progress form offers that value read-only and posts it, and the resident sees the checklist with
// who ticked what but cannot tick. 公告 to a building: the officer posts to 1栋, the resident (who
// lives in 1栋) gets it tagged 1栋, the property manager (no home) does not. Once on SQLite and once
// on PostgreSQL. See e2e/README.md.
//
// PALMGRID_E2E_URL=http://127.0.0.1:5173 runs the tests against a server already running (for
// instance Vite's dev server in front of a fresh `palmgrid demo`) instead of starting the binary.
import assert from 'node:assert/strict'
import { UUID } from '../lib/config.mjs'
import { demoSuite, onBothBackends } from '../lib/suites.mjs'
import {
  WEB,
  bodyText,
  clickAndSend,
  drawnPicture,
  imageLoaded,
  pageFetch,
  pageRequest,
  settle,
  shotImagePreview,
  waitForPath,
  withShotOnFailure,
} from '../lib/pages.mjs'
import { COMMUNITY, openChat, openCommunity } from '../lib/community.mjs'

const SLOW = { timeout: 300_000 }

/** The demo property manager of 牛角巷社区 (no home: no building). */
const PROPERTY_NAME = '物业经理 吴敏'
/** The demo resident's building (crates/palmgrid-app/src/demo.rs DEMO_BUILDINGS). */
const HOME_BUILDING = '1栋'

// ---------------------------------------------------------------------------------------------
// The suite, once per backend

function backendSuite(backend, prepareDatabase) {
  const run = demoSuite(backend, prepareDatabase, {
    setup: `palmgrid demo starts (${backend}) with the chat picture, sub-task and building routes, and Chromium launches`,
    timeout: SLOW.timeout,
    logName: 'server-community-more',
    async check(baseUrl) {
      for (const path of ['/community', '/community/items/00000000-0000-4000-8000-000000000000']) {
        const shell = await (await fetch(`${baseUrl}${path}`)).text()
        assert.match(shell, /<div id="app">/, `GET ${path} is not the web app: rebuild palmgrid with npm available so build.rs embeds web/`)
      }
      for (const [method, path] of [
        ['GET', `/api/v1/communities/${COMMUNITY}/buildings`],
        ['POST', `/api/v1/communities/${COMMUNITY}/chat/images`],
        ['GET', '/api/v1/chat-images/00000000-0000-4000-8000-000000000000'],
        ['POST', '/api/v1/action-items/00000000-0000-4000-8000-000000000000/subtasks'],
        ['PUT', '/api/v1/action-subtasks/00000000-0000-4000-8000-000000000000'],
      ]) {
        const anonymous = await fetch(`${baseUrl}${path}`, { method, headers: WEB })
        assert.equal(anonymous.status, 401, `${method} ${path} exists and needs a session`)
      }
    },
  })
  const { dir, it, phoneOf } = run

  it('聊天: the resident sends a picture with a caption, the property manager sees it live and opens it; a PNG goes as a JPEG', SLOW, async (phones) => {
    const tag = Date.now().toString(36)
    const property = await phoneOf('property')
    phones.push(property)
    const pp = property.page
    const resident = await phoneOf('resident')
    phones.push(resident)
    const rp = resident.page
    const caption = `楼道堆物，请物业看看（${tag}）`
    let message

    await withShotOnFailure(resident, dir, 'chat-picture-send', async () => {
      await openChat(pp)
      await openChat(rp)
      // A JPEG drawn in the page, through the picture button's file input.
      const jpeg = await drawnPicture(rp, 'image/jpeg', '#d8a98f')
      await rp.getByTestId('chat-add-picture').waitFor()
      await rp.getByTestId('chat-picture-input').setInputFiles({ name: 'hallway.jpg', mimeType: 'image/jpeg', buffer: jpeg })
      await rp.getByTestId('chat-pending-picture').waitFor()
      assert.equal(await rp.getByTestId('chat-input').locator('input').getAttribute('placeholder'), '图片说明（选填）')
      await rp.getByTestId('chat-input').locator('input').fill(caption)
      await settle(rp)
      await resident.shot('more-resident', 'chat-picture-pending')
      const sent = await clickAndSend(rp, rp.getByTestId('chat-send'), 'POST', new RegExp(`^/api/v1/communities/${COMMUNITY}/chat/images$`))
      assert.equal(sent.status(), 201, await bodyText(sent))
      assert.equal(sent.request().headers()['content-type'], 'image/jpeg')
      assert.equal(new URL(sent.url()).searchParams.get('caption'), caption)
      message = await sent.json()
      assert.match(message.image_id ?? '', UUID, 'the message carries its picture')
      assert.equal(message.body, caption)
      await rp.getByTestId('chat-pending-picture').waitFor({ state: 'detached' })
      const own = rp.locator(`[data-testid="chat-message"][data-id="${message.id}"][data-mine="true"]`)
      await own.waitFor()
      const size = await imageLoaded(rp, `[data-testid="chat-message"][data-id="${message.id}"] [data-testid="chat-picture"] img`)
      assert.ok(size.width > 0)
      assert.ok((await own.getByTestId('chat-body').innerText()).includes(caption))
      await settle(rp)
      await resident.shot('more-resident', 'chat-picture-sent')
    })

    await withShotOnFailure(property, dir, 'chat-picture-seen', async () => {
      // Live, over the socket: the property manager did not reload.
      const theirs = pp.locator(`[data-testid="chat-message"][data-id="${message.id}"][data-mine="false"]`)
      await theirs.waitFor()
      assert.equal(await theirs.getByTestId('chat-picture').getAttribute('data-image-id'), message.image_id)
      const selector = `[data-testid="chat-message"][data-id="${message.id}"] [data-testid="chat-picture"] img`
      const size = await imageLoaded(pp, selector)
      assert.ok(size.width > 0 && size.height > 0, `the thumbnail loaded: ${JSON.stringify(size)}`)
      assert.equal(new URL(await pp.locator(selector).getAttribute('src'), run.baseUrl).pathname, `/api/v1/chat-images/${message.image_id}`)
      assert.ok((await theirs.getByTestId('chat-body').innerText()).includes(caption))
      assert.equal((await theirs.getByTestId('chat-author').innerText()).trim(), '居民 王芳')
      await pp.locator(selector).scrollIntoViewIfNeeded()
      await settle(pp)
      await property.shot('more-property', 'chat-picture')
      await shotImagePreview(property, theirs.getByTestId('chat-picture'), 'more-property', 'chat-picture-preview')

      // A PNG from the album is converted to a JPEG in the page; no caption.
      const png = await drawnPicture(pp, 'image/png', '#9fc59a')
      await pp.getByTestId('chat-picture-input').setInputFiles({ name: 'bins.png', mimeType: 'image/png', buffer: png })
      await pp.getByTestId('chat-pending-picture').waitFor()
      const sent = await clickAndSend(pp, pp.getByTestId('chat-send'), 'POST', new RegExp(`^/api/v1/communities/${COMMUNITY}/chat/images$`))
      assert.equal(sent.status(), 201, await bodyText(sent))
      assert.equal(sent.request().headers()['content-type'], 'image/jpeg')
      assert.equal(new URL(sent.url()).searchParams.get('caption'), null, 'no caption sent')
      const second = await sent.json()
      assert.match(second.image_id ?? '', UUID)
      assert.equal(second.body, '')
      // The resident gets it live too: a picture without a text bubble.
      const onResident = rp.locator(`[data-testid="chat-message"][data-id="${second.id}"]`)
      await onResident.waitFor()
      await imageLoaded(rp, `[data-testid="chat-message"][data-id="${second.id}"] [data-testid="chat-picture"] img`)
      assert.equal(await onResident.getByTestId('chat-body').count(), 0)
    })

    await withShotOnFailure(resident, dir, 'chat-picture-history', async () => {
      // From the history after a reload, and from the API.
      await openChat(rp)
      for (const id of [message.id]) {
        await imageLoaded(rp, `[data-testid="chat-message"][data-id="${id}"] [data-testid="chat-picture"] img`)
      }
      const history = await pageFetch(rp, `/api/v1/communities/${COMMUNITY}/chat`)
      assert.equal(history.status, 200)
      assert.equal(history.body.items.find((m) => m.id === message.id)?.image_id, message.image_id)
      const picture = await rp.evaluate(async (path) => {
        const r = await fetch(path)
        return { status: r.status, type: r.headers.get('content-type') }
      }, `/api/v1/chat-images/${message.image_id}`)
      assert.deepEqual(picture, { status: 200, type: 'image/jpeg' })
      await settle(rp)
      await resident.shot('more-resident', 'chat-pictures')
    })
  })

  it('子任务: the property manager adds sub-tasks of weights 1 and 3, ticks the weight-3 one, and the item shows 75 %', SLOW, async (phones) => {
    const tag = Date.now().toString(36)
    const property = await phoneOf('property')
    phones.push(property)
    const pp = property.page
    const propertyId = (await pageFetch(pp, '/api/v1/me')).body.user.id
    assert.match(propertyId, UUID)

    // ---- the officer gives an action item to the property manager (API) --------------------
    const officer = await phoneOf('officer')
    phones.push(officer)
    const title = `楼道环境整治（e2e ${tag}）`
    const created = await pageRequest(officer.page, 'POST', `/api/v1/communities/${COMMUNITY}/action-items`, {
      title,
      owner_id: propertyId,
      deadline: null,
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const itemId = created.body.id
    const small = '清理楼道堆物'
    const big = '安装分类垃圾桶'
    let bigId

    await withShotOnFailure(property, dir, 'subtasks', async () => {
      await openCommunity(pp, 'items')
      const row = pp.locator(`[data-testid="item-row"][data-id="${itemId}"]`)
      await row.waitFor()
      await row.click()
      await waitForPath(pp, `/community/items/${itemId}`)
      await pp.getByTestId('item-header').waitFor()
      await pp.locator('[data-testid="item-subtasks"][data-count="0"]').waitFor()
      // No sub-tasks yet: the owner sets the progress.
      assert.equal(await pp.getByTestId('item-progress-input').count(), 1)
      assert.equal(await pp.getByTestId('item-progress-computed').count(), 0)

      // Two sub-tasks: weight 1 (the default) and weight 3.
      await pp.getByTestId('item-subtask-title-input').locator('input').fill(small)
      const first = await clickAndSend(pp, pp.getByTestId('item-subtask-add'), 'POST', new RegExp(`^/api/v1/action-items/${itemId}/subtasks$`))
      assert.equal(first.status(), 201, await bodyText(first))
      assert.deepEqual(JSON.parse(first.request().postData()), { title: small, weight: 1 })
      assert.equal((await first.json()).progress, 0)
      await pp.locator('[data-testid="item-subtasks"][data-count="1"]').waitFor()

      await pp.getByTestId('item-subtask-title-input').locator('input').fill(big)
      const weight = pp.getByTestId('item-subtask-weight-input').locator('input')
      await weight.fill('3')
      await weight.blur()
      const second = await clickAndSend(pp, pp.getByTestId('item-subtask-add'), 'POST', new RegExp(`^/api/v1/action-items/${itemId}/subtasks$`))
      assert.equal(second.status(), 201, await bodyText(second))
      assert.deepEqual(JSON.parse(second.request().postData()), { title: big, weight: 3 })
      bigId = (await second.json()).subtask.id
      await pp.locator('[data-testid="item-subtasks"][data-count="2"]').waitFor()
      const weights = await pp.getByTestId('item-subtask').evaluateAll((els) =>
        els.map((e) => [e.querySelector('[data-testid="item-subtask-title"]').innerText, e.querySelector('[data-testid="item-subtask-weight"]').innerText.trim()]),
      )
      assert.deepEqual(weights, [[small, '权重 1 · 占 25%'], [big, '权重 3 · 占 75%']])
      // From now on the progress is computed: the slider gives way to the value.
      await pp.getByTestId('item-progress-computed').waitFor()
      assert.equal(await pp.getByTestId('item-progress-input').count(), 0)
      assert.equal(await pp.getByTestId('item-progress-computed').getAttribute('data-progress'), '0')
      await pp.getByTestId('item-subtasks').scrollIntoViewIfNeeded()
      await settle(pp)
      await property.shot('more-property', 'subtasks-added')

      // Tick the weight-3 one off: 3 of 4 → 75 %.
      const bigRow = pp.locator(`[data-testid="item-subtask"][data-id="${bigId}"]`)
      const ticked = await clickAndSend(pp, bigRow.getByTestId('item-subtask-check'), 'PUT', new RegExp(`^/api/v1/action-subtasks/${bigId}$`))
      assert.equal(ticked.status(), 200, await bodyText(ticked))
      assert.deepEqual(JSON.parse(ticked.request().postData()), { done: true })
      assert.equal((await ticked.json()).progress, 75)
      await pp.waitForFunction(() => document.querySelector('[data-testid="item-header"]')?.getAttribute('data-progress') === '75')
      assert.equal((await pp.getByTestId('item-header').getByTestId('item-progress').innerText()).trim(), '75%')
      await pp.locator(`[data-testid="item-subtask"][data-id="${bigId}"][data-done="true"]`).waitFor()
      assert.ok((await bigRow.getByTestId('item-subtask-by').innerText()).includes(PROPERTY_NAME), 'who ticked it')
      assert.equal(await pp.getByTestId('item-subtasks').getAttribute('data-done'), '1')
      assert.equal((await pp.getByTestId('item-subtask-count').innerText()).trim(), '已完成 1/2 项')
      assert.equal(await pp.getByTestId('item-progress-computed').getAttribute('data-progress'), '75')
      // Each change is in the timeline, in the server's words.
      const timeline = (await pp.getByTestId('item-update').allInnerTexts()).join('\n')
      assert.ok(timeline.includes(`完成子任务「${big}」`), timeline)
      assert.ok(timeline.includes(`新增子任务「${small}」（权重 1）`), timeline)
      // Ticking it again is a conflict.
      const again = await pageRequest(pp, 'PUT', `/api/v1/action-subtasks/${bigId}`, { done: true })
      assert.equal(again.status, 409)
      await pp.getByTestId('item-header').scrollIntoViewIfNeeded()
      await settle(pp)
      await property.shot('more-property', 'subtasks-75')

      // A progress update carries the computed 75 %.
      await pp.getByTestId('item-note').locator('textarea').fill('分类垃圾桶已安装，楼道清理下周进行')
      await pp.getByTestId('item-submit').scrollIntoViewIfNeeded()
      await settle(pp)
      await property.shot('more-property', 'progress-form-computed')
      const posted = await clickAndSend(pp, pp.getByTestId('item-submit'), 'POST', new RegExp(`^/api/v1/action-items/${itemId}/updates$`))
      assert.equal(posted.status(), 201, await bodyText(posted))
      assert.deepEqual(JSON.parse(posted.request().postData()), { body: '分类垃圾桶已安装，楼道清理下周进行', progress: 75 })
      await pp.locator('[data-testid="item-update"][data-progress="75"]').filter({ hasText: '分类垃圾桶已安装' }).waitFor()
      await pp.waitForFunction(() => document.querySelector('[data-testid="item-header"]')?.getAttribute('data-progress') === '75')
    })

    // ---- the resident sees the checklist, but may not tick --------------------------------
    const resident = await phoneOf('resident')
    phones.push(resident)
    const rp = resident.page
    await withShotOnFailure(resident, dir, 'subtasks-resident', async () => {
      await rp.goto(`/community/items/${itemId}`)
      await rp.locator('[data-testid="item-subtasks"][data-count="2"]').waitFor()
      assert.equal(await rp.getByTestId('item-header').getAttribute('data-progress'), '75')
      assert.equal(await rp.getByTestId('item-subtask-check').count(), 0, 'no ticking for residents')
      assert.equal(await rp.getByTestId('item-subtask-form').count(), 0, 'no adding for residents')
      assert.equal(await rp.getByTestId('item-form').count(), 0, 'no progress form for residents')
      assert.ok((await rp.locator(`[data-testid="item-subtask"][data-id="${bigId}"]`).getByTestId('item-subtask-by').innerText()).includes(PROPERTY_NAME))
      const detail = await pageFetch(rp, `/api/v1/action-items/${itemId}`)
      assert.equal(detail.body.may_work, false)
      const smallId = detail.body.subtasks.find((s) => s.title === small)?.id
      const refused = await pageRequest(rp, 'PUT', `/api/v1/action-subtasks/${smallId}`, { done: true })
      assert.equal(refused.status, 403)
      await rp.getByTestId('item-subtasks').scrollIntoViewIfNeeded()
      await settle(rp)
      await resident.shot('more-resident', 'subtasks')
    })
  })

  it('公告 to 1栋: the resident living there gets it tagged with the building, the property manager does not', SLOW, async (phones) => {
    const tag = Date.now().toString(36)
    const officer = await phoneOf('officer')
    phones.push(officer)
    const op = officer.page
    const buildings = await pageFetch(op, `/api/v1/communities/${COMMUNITY}/buildings`)
    assert.equal(buildings.status, 200)
    const home = buildings.body.items.find((b) => b.name === HOME_BUILDING)
    assert.ok(home, `${HOME_BUILDING} is a building of the community`)
    const title = `1栋电梯周三停运检修（e2e ${tag}）`
    let noticeId

    await withShotOnFailure(officer, dir, 'notice-building', async () => {
      await openCommunity(op, 'notices')
      await op.getByTestId('notice-post').click()
      const dialog = op.getByTestId('notice-dialog')
      await dialog.waitFor()
      await dialog.getByTestId('notice-title').locator('input').fill(title)
      await dialog.getByTestId('notice-body').locator('textarea').fill('周三 9:00–16:00 电梯检修停运，请走楼梯，注意安全。')
      await dialog.getByTestId('notice-kind-building').click()
      await dialog.getByTestId('notice-buildings').waitFor()
      // The buildings of the officer's grid, in order.
      const offered = await dialog.getByTestId('notice-building').evaluateAll((els) => els.map((e) => e.dataset.name))
      assert.deepEqual(offered, ['1栋', '2栋'])
      await dialog.locator(`[data-testid="notice-building"][data-name="${HOME_BUILDING}"]`).click()
      await op.waitForTimeout(300)
      await officer.shot('more-officer', 'notice-to-building')
      const posted = await clickAndSend(op, dialog.getByTestId('notice-submit'), 'POST', new RegExp(`^/api/v1/communities/${COMMUNITY}/notices$`))
      assert.equal(posted.status(), 201, await bodyText(posted))
      const sent = JSON.parse(posted.request().postData())
      assert.equal(sent.building_id, home.id)
      assert.equal(sent.target ?? null, null)
      const notice = await posted.json()
      noticeId = notice.id
      assert.equal(notice.building_id, home.id)
      const item = op.locator(`[data-testid="notice-item"][data-id="${noticeId}"]`)
      await item.waitFor()
      assert.equal((await item.getByTestId('notice-building-tag').innerText()).trim(), HOME_BUILDING)
      await settle(op)
      await officer.shot('more-officer', 'notices')
    })

    const resident = await phoneOf('resident')
    phones.push(resident)
    const rp = resident.page
    await withShotOnFailure(resident, dir, 'notice-building-resident', async () => {
      await openCommunity(rp, 'notices')
      const item = rp.locator(`[data-testid="notice-item"][data-id="${noticeId}"]`)
      await item.waitFor()
      assert.equal(await item.getAttribute('data-read'), 'false')
      assert.equal((await item.getByTestId('notice-building-tag').innerText()).trim(), HOME_BUILDING)
      await settle(rp)
      await resident.shot('more-resident', 'notices')
      await item.click()
      await waitForPath(rp, `/community/notices/${noticeId}`)
      await rp.getByTestId('notice-view').waitFor()
      assert.ok((await rp.getByTestId('notice-view').innerText()).includes('电梯检修'))
      const shown = rp.getByTestId('notice-view').getByTestId('notice-building-tag')
      await shown.waitFor()
      assert.equal((await shown.innerText()).trim(), HOME_BUILDING)
      await settle(rp)
      await resident.shot('more-resident', 'notice')
    })

    const property = await phoneOf('property')
    phones.push(property)
    const pp = property.page
    await withShotOnFailure(property, dir, 'notice-building-property', async () => {
      await openCommunity(pp, 'notices')
      await pp.locator('[data-testid="notice-list"], [data-testid="notices-empty"]').first().waitFor()
      assert.equal(await pp.locator(`[data-testid="notice-item"][data-id="${noticeId}"]`).count(), 0, 'not for the property manager')
      const list = await pageFetch(pp, `/api/v1/communities/${COMMUNITY}/notices`)
      assert.equal(list.status, 200)
      assert.ok(!list.body.items.some((n) => n.id === noticeId), 'not in the property manager’s list')
      await settle(pp)
      await property.shot('more-property', 'notices')
    })

    // The officer's receipts count the building's audience only.
    await withShotOnFailure(officer, dir, 'notice-building-receipts', async () => {
      await op.goto(`/community/notices/${noticeId}`)
      const receipts = op.getByTestId('notice-receipts')
      await receipts.waitFor()
      assert.equal(await receipts.getAttribute('data-read'), '1')
      const r = await pageFetch(op, `/api/v1/notices/${noticeId}/receipts`)
      assert.ok(r.body.readers.includes('居民 王芳'), JSON.stringify(r.body))
      assert.ok(!r.body.unread.includes(PROPERTY_NAME) && !r.body.readers.includes(PROPERTY_NAME), JSON.stringify(r.body))
      await settle(op)
      await officer.shot('more-officer', 'notice-receipts')
    })
  })
}

onBothBackends('community-more e2e, ', 'community_more', backendSuite)
