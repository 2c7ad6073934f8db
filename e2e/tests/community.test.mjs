// 掌上社区 in a real browser against the real palmgrid binary: from a demo case to a decision
// carried out, each step by the account whose step it is, through the pages a person would use.
// The grid officer opens a demo case of 牛角巷社区 and 发起议题 with a camera's masked picture;
// the topic shows it; the resident comments; the officer moves the topic to discussion and opens
// a single-choice vote with a 50 % quorum; the resident votes (1 of the 2 participating members:
// the quorum is met); the officer records the decision with an action item owned by the property
// manager, chosen from the community's members; the property manager posts 40 % progress; the
// resident's 监督 board shows the item at 40 % and the vote per option. A second test covers 公告
// (a notice to the community, its read receipt) and 聊天 (a live message with an @mention). A third
// covers 对邻居匿名 (set in 我的: neighbours see an alias in comments and chat, staff the name),
// 慢速模式 on a topic (a second comment too soon is refused with the wait shown, the draft kept)
// and the 监督 tab's 摄像头调阅情况 (the topic's camera counted under 议题). Once on SQLite and once
// on PostgreSQL. See e2e/README.md.
//
// PALMGRID_E2E_URL=http://127.0.0.1:5173 runs the tests against a server already running (for
// instance Vite's dev server in front of `palmgrid demo`) instead of starting the binary; the
// demo data must be fresh enough that the first demo case is still there.
import assert from 'node:assert/strict'
import { UUID } from '../lib/config.mjs'
import { demoSuite, onBothBackends } from '../lib/suites.mjs'
import {
  WEB,
  bodyText,
  clickAndPost,
  drawnPicture,
  imageLoaded,
  pageFetch,
  pageRequest,
  responseTo,
  settle,
  shotImagePreview,
  waitForPath,
  withShotOnFailure,
} from '../lib/pages.mjs'
import { COMMUNITY, openChat, openCommunity } from '../lib/community.mjs'

const SLOW = { timeout: 420_000 }

const COMMUNITY_NAME = '牛角巷社区'
/** A demo case the officer reported in 牛角巷第一网格 (seeded by `palmgrid demo`). */
const DEMO_CASE = '垃圾桶旁堆放生活垃圾约两平方米'
/** The cameras of 牛角巷社区 the officer may see (those of 牛角巷第一网格). */
const OFFICER_CAMERAS = ['牛角巷北口', '牛角巷垃圾站']
/** The demo property manager of 牛角巷社区, who carries out the decision. */
const PROPERTY_NAME = '物业经理 吴敏'
/** 我的 › 社区 as it starts: named, no quiet hours, no digest. */
const PREFS_OFF = { anonymous: false, quiet_from: null, quiet_to: null, digest: 'off' }

// ---------------------------------------------------------------------------------------------
// Helpers

/** The topic page's phase (data-phase of its header). */
async function shownPhase(page) {
  return page.getByTestId('topic-header').getAttribute('data-phase')
}

async function waitPhase(page, phase) {
  await page.waitForFunction(
    (p) => document.querySelector('[data-testid="topic-header"]')?.getAttribute('data-phase') === p,
    phase,
  )
}

// ---------------------------------------------------------------------------------------------
// The suite, once per backend

function backendSuite(backend, prepareDatabase) {
  const run = demoSuite(backend, prepareDatabase, {
    setup: `palmgrid demo starts (${backend}) with the community routes, and Chromium launches`,
    timeout: SLOW.timeout,
    logName: 'server-community',
    async check(baseUrl) {
      for (const path of ['/community', '/community/topics/new', '/community/items/00000000-0000-4000-8000-000000000000']) {
        const shell = await (await fetch(`${baseUrl}${path}`)).text()
        assert.match(shell, /<div id="app">/, `GET ${path} is not the web app: rebuild palmgrid with npm available so build.rs embeds web/`)
      }
      for (const path of ['topics', 'board', 'members', 'action-items'].map((p) => `/api/v1/communities/${COMMUNITY}/${p}`)) {
        const anonymous = await fetch(`${baseUrl}${path}`, { headers: WEB })
        assert.equal(anonymous.status, 401, `GET ${path} exists and needs a session`)
      }
    },
  })
  const { dir, it, phoneOf } = run

  it('a topic from a case with a masked camera picture is voted, decided and carried out, and the board shows the progress', SLOW, async (phones) => {
    const tag = Date.now().toString(36)
    const title = `垃圾桶旁堆放垃圾怎么管？（e2e ${tag}）`
    // The property manager, signed in on their phone (their account id only checks the owner below).
    const property = await phoneOf('property')
    phones.push(property)
    const pp = property.page
    const propertyId = (await pageFetch(pp, '/api/v1/me')).body.user.id
    assert.match(propertyId, UUID)

    // ---- 发起议题 from a demo case: the grid officer -------------------------------------
    const officer = await phoneOf('officer')
    phones.push(officer)
    const op = officer.page
    let caseId
    let topicId
    await withShotOnFailure(officer, dir, 'community-new-topic', async () => {
      await op.goto('/cases?view=all')
      await op.getByTestId('page-cases').waitFor()
      const demoCase = op.getByTestId('case-item').filter({ hasText: DEMO_CASE })
      await demoCase.first().waitFor()
      caseId = await demoCase.first().getAttribute('data-case-id')
      await demoCase.first().click()
      await waitForPath(op, `/cases/${caseId}`)
      await op.getByTestId('case-header').waitFor()
      const newTopic = op.getByTestId('case-new-topic')
      await newTopic.waitFor()
      assert.equal(await newTopic.getAttribute('data-community'), COMMUNITY)
      assert.equal((await newTopic.innerText()).trim(), '发起议题')
      await newTopic.scrollIntoViewIfNeeded()
      await settle(officer.page)
      await officer.shot('community-officer', 'case-with-new-topic')
      await newTopic.click()

      await waitForPath(op, '/community/topics/new')
      await op.getByTestId('page-topic-new').waitFor()
      assert.equal(await op.getByTestId('topic-case').getAttribute('data-case-id'), caseId)
      assert.equal(await op.getByTestId('topic-community').getAttribute('data-code'), COMMUNITY)
      assert.ok((await op.getByTestId('topic-community').innerText()).includes(COMMUNITY_NAME))
      // Prefilled from the case: its category in the title, its description in the text.
      assert.match(await op.getByTestId('topic-title').locator('input').inputValue(), /暴露垃圾/)
      assert.ok((await op.getByTestId('topic-body').locator('textarea').inputValue()).includes(DEMO_CASE))
      await op.getByTestId('topic-title').locator('input').fill(title)

      // The community's cameras the officer may see; pick one and wait for its masked preview
      // (the simulated cameras may need a while to come online after the server starts).
      const cams = await op.getByTestId('topic-camera').evaluateAll((els) => els.map((e) => e.innerText))
      for (const name of OFFICER_CAMERAS) assert.ok(cams.some((c) => c.includes(name)), `camera ${name} offered: ${cams}`)
      const camera = op.getByTestId('topic-camera').filter({ hasText: OFFICER_CAMERAS[0] })
      const preview = op.getByTestId('topic-camera-preview')
      const deadline = Date.now() + 120_000
      for (;;) {
        await camera.click()
        await preview.waitFor()
        await op.waitForFunction(() => {
          const s = document.querySelector('[data-testid="topic-camera-preview"]')?.getAttribute('data-state')
          return s === 'ok' || s === 'error'
        }, null, { timeout: 30_000 })
        if ((await preview.getAttribute('data-state')) === 'ok') break
        assert.ok(Date.now() < deadline, 'the camera gave no masked picture within 2 minutes')
        await op.getByTestId('topic-camera-none').click()
        await op.waitForTimeout(3000)
      }
      const size = await imageLoaded(op, '[data-testid="topic-camera-preview"] img')
      assert.ok(size.width > 0 && size.height > 0)
      await preview.scrollIntoViewIfNeeded()
      await settle(officer.page)
      await officer.shot('community-officer', 'topic-form')

      const created = await clickAndPost(op, op.getByTestId('topic-submit'), new RegExp(`^/api/v1/communities/${COMMUNITY}/topics$`))
      assert.equal(created.status(), 201, await bodyText(created))
      const sent = JSON.parse(created.request().postData())
      assert.equal(sent.case_id, caseId)
      assert.match(sent.camera_id, UUID)
      const topic = await created.json()
      topicId = topic.id
      assert.equal(topic.has_evidence, true)
      await waitForPath(op, `/community/topics/${topicId}`)
      await op.getByTestId('topic-header').waitFor()
      assert.equal(await shownPhase(op), 'collect')
      assert.equal((await op.getByTestId('topic-header').getByTestId('topic-phase').innerText()).trim(), '征集意见')
      // The evidence: the masked picture, loaded from the topic's evidence URL.
      const evidence = await imageLoaded(op, '[data-testid="topic-evidence"]')
      assert.ok(evidence.width > 0)
      assert.equal(new URL(await op.getByTestId('topic-evidence').getAttribute('src'), run.baseUrl).pathname, `/api/v1/topics/${topicId}/evidence.png`)
      assert.equal(await op.getByTestId('topic-case-link').getAttribute('data-case-id'), caseId)
      await settle(officer.page)
      await officer.shot('community-officer', 'topic-with-evidence')
    })

    // ---- a resident comments while views are collected ------------------------------------
    const resident = await phoneOf('resident')
    phones.push(resident)
    const rp = resident.page
    await withShotOnFailure(resident, dir, 'community-comment', async () => {
      await openCommunity(rp, 'topics')
      assert.equal(await rp.getByTestId('community-name').getAttribute('data-code'), COMMUNITY)
      assert.ok((await rp.getByTestId('community-name').innerText()).includes(COMMUNITY_NAME))
      assert.equal(await rp.getByTestId('topic-new').count(), 0, 'residents do not set topics')
      const item = rp.locator(`[data-testid="topic-item"][data-id="${topicId}"]`)
      await item.waitFor()
      await settle(resident.page)
      await resident.shot('community-resident', 'topics')
      await item.click()
      await waitForPath(rp, `/community/topics/${topicId}`)
      await rp.getByTestId('topic-header').waitFor()
      await imageLoaded(rp, '[data-testid="topic-evidence"]') // residents see the masked picture too
      assert.equal(await rp.getByTestId('topic-actions').count(), 0, 'residents do not manage topics')
      await rp.getByTestId('comment-input').locator('textarea').fill('建议在垃圾站旁加装一个分类垃圾桶')
      const posted = await clickAndPost(rp, rp.getByTestId('comment-submit'), new RegExp(`^/api/v1/topics/${topicId}/comments$`))
      assert.equal(posted.status(), 201)
      await rp.getByTestId('comment').filter({ hasText: '分类垃圾桶' }).waitFor()
    })

    // ---- discussion, then the vote: the officer ------------------------------------------
    await withShotOnFailure(officer, dir, 'community-poll', async () => {
      await op.reload()
      await op.getByTestId('topic-header').waitFor()
      await op.getByTestId('comment').filter({ hasText: '分类垃圾桶' }).waitFor()
      const moved = await clickAndPost(op, op.getByTestId('topic-action-discuss'), new RegExp(`^/api/v1/topics/${topicId}/phase$`))
      assert.equal(moved.status(), 204)
      await waitPhase(op, 'discuss')
      await op.getByTestId('topic-action-poll').click()
      const dialog = op.getByTestId('poll-dialog')
      await dialog.waitFor()
      assert.equal(await dialog.getByTestId('poll-question').locator('textarea').inputValue(), title)
      const options = dialog.getByTestId('poll-option-input').locator('input')
      assert.deepEqual([await options.nth(0).inputValue(), await options.nth(1).inputValue()], ['同意', '不同意'])
      await dialog.getByTestId('poll-kind-single').click()
      await dialog.getByTestId('poll-quorum').locator('input').fill('50')
      await officer.shot('community-officer', 'poll-dialog')
      const opened = await clickAndPost(op, dialog.getByTestId('poll-open-submit'), new RegExp(`^/api/v1/topics/${topicId}/poll$`))
      assert.equal(opened.status(), 204, await bodyText(opened))
      const spec = JSON.parse(opened.request().postData())
      assert.deepEqual([spec.options, spec.multiple, spec.quorum_pct], [['同意', '不同意'], false, 50])
      await waitPhase(op, 'decide')
      await op.getByTestId('poll').waitFor()
      assert.equal(await op.getByTestId('poll').getAttribute('data-open'), 'true')
      assert.equal(await op.getByTestId('poll-submit').count(), 0, 'staff do not vote')
      assert.equal(await op.getByTestId('topic-decide-hint').getAttribute('data-ready'), 'false')
      await settle(officer.page)
      await officer.shot('community-officer', 'poll-open')
    })

    // ---- the resident votes --------------------------------------------------------------
    await withShotOnFailure(resident, dir, 'community-vote', async () => {
      await rp.reload()
      await rp.getByTestId('topic-header').waitFor()
      await rp.getByTestId('poll-choice-0').click()
      await settle(resident.page)
      await resident.shot('community-resident', 'vote')
      const voted = await clickAndPost(rp, rp.getByTestId('poll-submit'), new RegExp(`^/api/v1/topics/${topicId}/votes$`))
      assert.equal(voted.status(), 204, await bodyText(voted))
      assert.deepEqual(JSON.parse(voted.request().postData()), { choices: [0] })
      await rp.getByTestId('poll-mine').waitFor()
      const first = rp.locator('[data-testid="poll-option"][data-index="0"]')
      assert.equal(await first.getAttribute('data-count'), '1')
      assert.equal(await first.getAttribute('data-mine'), 'true')
      const turnout = rp.getByTestId('poll-turnout')
      assert.equal(await turnout.getAttribute('data-voters'), '1')
      assert.equal(await turnout.getAttribute('data-eligible'), '2', 'the resident and the property manager take part')
      assert.ok((await turnout.innerText()).includes('已达到'))
      await settle(resident.page)
      await resident.shot('community-resident', 'voted')
    })

    // ---- the decision, with an action item owned by the property manager -------------------
    let itemId
    await withShotOnFailure(officer, dir, 'community-decide', async () => {
      await op.reload()
      await op.getByTestId('topic-header').waitFor()
      assert.equal(await op.getByTestId('topic-decide-hint').getAttribute('data-ready'), 'true', 'the quorum is met')
      await op.getByTestId('topic-action-decide').click()
      const dialog = op.getByTestId('decision-dialog')
      await dialog.waitFor()
      await dialog.getByTestId('decision-text').locator('textarea').fill('同意在垃圾站旁加装分类垃圾桶，由物业负责采购安装')
      await dialog.getByTestId('decision-item-title').locator('input').fill(`加装分类垃圾桶（e2e ${tag}）`)
      // The owner, from the members of the topic's community: name, role and region.
      const members = op.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/communities/${COMMUNITY}/members`)
      members.catch(() => {})
      await dialog.getByTestId('decision-owner').click()
      assert.equal((await members).status(), 200)
      const picker = op.locator('[data-testid="member-picker"][data-state="ready"]')
      await picker.waitFor()
      const options = picker.getByTestId('member-option')
      await options.first().waitFor()
      // The officer is listed first, as 我.
      assert.ok((await options.first().innerText()).includes('网格员 李敏'), await options.first().innerText())
      const wu = options.filter({ hasText: PROPERTY_NAME })
      assert.equal(await wu.count(), 1, `${PROPERTY_NAME} is listed once`)
      const roles = await wu.getByTestId('member-roles').innerText()
      assert.ok(roles.includes('物业') && roles.includes(COMMUNITY_NAME), roles)
      await op.waitForTimeout(400) // the sheet has slid in
      await officer.shot('community-officer', 'member-picker')
      // Searching narrows the list.
      await picker.getByTestId('member-search').locator('input').fill('吴敏')
      await op.waitForFunction(() => document.querySelectorAll('[data-testid="member-option"]').length === 1)
      await wu.click()
      await picker.waitFor({ state: 'hidden' })
      const owner = dialog.getByTestId('decision-owner')
      assert.equal(await owner.getAttribute('data-user-id'), propertyId)
      assert.equal((await owner.getByTestId('decision-owner-name').innerText()).trim(), PROPERTY_NAME)
      await officer.shot('community-officer', 'decision-dialog')
      const decided = await clickAndPost(op, dialog.getByTestId('decision-submit'), new RegExp(`^/api/v1/topics/${topicId}/decision$`))
      assert.equal(decided.status(), 200, await bodyText(decided))
      const made = await decided.json()
      itemId = made.action_item.id
      assert.equal(made.action_item.owner_id, propertyId)
      assert.equal(made.action_item.progress, 0)
      await waitPhase(op, 'decided')
      assert.ok((await op.getByTestId('topic-decision').innerText()).includes('分类垃圾桶'))
      const link = op.getByTestId('topic-item-link')
      await link.waitFor()
      assert.equal(await link.getAttribute('data-item-id'), itemId)
      assert.ok((await link.getByTestId('topic-item-owner').innerText()).includes(PROPERTY_NAME))
      await op.getByTestId('comments-closed').waitFor()
      await link.evaluate((e) => e.scrollIntoView({ block: 'center' }))
      await settle(officer.page)
      await officer.shot('community-officer', 'decided')
    })

    // ---- the resident signs up to help (我来帮忙); staff may not ------------------------------
    await withShotOnFailure(resident, dir, 'community-volunteer', async () => {
      await rp.goto(`/community/items/${itemId}`)
      await rp.getByTestId('item-header').waitFor()
      const box = rp.getByTestId('item-volunteers')
      await box.waitFor()
      assert.equal(await box.getAttribute('data-count'), '0')
      assert.equal(await rp.getByTestId('item-form').count(), 0, 'a resident does not post progress')
      const signed = await clickAndPost(rp, rp.getByTestId('item-volunteer-button'), new RegExp(`^/api/v1/action-items/${itemId}/volunteers$`))
      assert.equal(signed.status(), 204, await bodyText(signed))
      await rp.locator('[data-testid="item-volunteers"][data-count="1"][data-mine="true"]').waitFor()
      assert.deepEqual(await rp.getByTestId('item-volunteer').allInnerTexts(), ['居民 王芳'])
      assert.equal((await rp.getByTestId('item-volunteer-count').innerText()).trim(), '1 人报名')
      assert.equal((await rp.getByTestId('item-unvolunteer').innerText()).trim(), '取消报名')
      await settle(rp)
      await resident.shot('community-resident', 'volunteered')
    })
    await withShotOnFailure(officer, dir, 'community-volunteer-staff', async () => {
      await op.goto(`/community/items/${itemId}`)
      await op.locator('[data-testid="item-volunteers"][data-count="1"]').waitFor()
      assert.deepEqual(await op.getByTestId('item-volunteer').allInnerTexts(), ['居民 王芳'])
      assert.equal(await op.getByTestId('item-volunteer-button').count(), 0, 'no 我来帮忙 for staff')
      const refused = await pageRequest(op, 'POST', `/api/v1/action-items/${itemId}/volunteers`, {})
      assert.equal(refused.status, 403, 'staff may not sign up')
    })

    // ---- the property manager posts 40 % with a photo ---------------------------------------
    await withShotOnFailure(property, dir, 'community-progress', async () => {
      await openCommunity(pp, 'items')
      const row = pp.locator(`[data-testid="item-row"][data-id="${itemId}"]`)
      await row.waitFor()
      assert.equal(await row.getAttribute('data-mine'), 'true')
      assert.equal(await row.getAttribute('data-progress'), '0')
      assert.ok((await row.getByTestId('item-owner-name').innerText()).includes(PROPERTY_NAME))
      await settle(property.page)
      await property.shot('community-property', 'items')
      await row.click()
      await waitForPath(pp, `/community/items/${itemId}`)
      await pp.getByTestId('item-header').waitFor()
      assert.equal(await pp.getByTestId('item-owner').getAttribute('data-owner-id'), propertyId)
      assert.equal((await pp.getByTestId('item-owner-name').innerText()).trim(), PROPERTY_NAME)
      assert.equal(await pp.getByTestId('item-volunteer-button').count(), 0, 'the owner carries it out, no 我来帮忙')
      const input = pp.getByTestId('item-progress-input').locator('input')
      await input.fill('40')
      await input.blur()
      await pp.getByTestId('item-note').locator('textarea').fill('已采购分类垃圾桶，下周安装')
      // One JPEG (drawn in the page) through the form's photo input.
      const jpeg = await drawnPicture(pp, 'image/jpeg', '#8fb8d8')
      await pp.getByTestId('item-photo-input').setInputFiles({ name: 'bins.jpg', mimeType: 'image/jpeg', buffer: jpeg })
      await pp.getByTestId('item-photo').waitFor()
      await pp.getByTestId('item-submit').scrollIntoViewIfNeeded()
      await settle(pp)
      await property.shot('community-property', 'progress-form')
      const photoPosted = responseTo(pp, 'POST', /^\/api\/v1\/action-updates\/[^/]+\/photo$/)
      const posted = await clickAndPost(pp, pp.getByTestId('item-submit'), new RegExp(`^/api/v1/action-items/${itemId}/updates$`))
      assert.equal(posted.status(), 201, await bodyText(posted))
      const photoUp = await photoPosted
      assert.equal(photoUp.status(), 201, await bodyText(photoUp))
      assert.equal(photoUp.request().headers()['content-type'], 'image/jpeg')
      const { sha256 } = await photoUp.json()
      assert.match(sha256, /^[0-9a-f]{64}$/)
      const updateId = new URL(photoUp.url()).pathname.split('/')[4]
      assert.deepEqual(JSON.parse(posted.request().postData()), { body: '已采购分类垃圾桶，下周安装', progress: 40 })
      await pp.waitForFunction(() => document.querySelector('[data-testid="item-header"]')?.getAttribute('data-progress') === '40')
      assert.equal(await pp.getByTestId('item-header').getAttribute('data-status'), 'in_progress')
      assert.equal((await pp.getByTestId('item-header').getByTestId('item-progress').innerText()).trim(), '40%')
      const update = pp.locator('[data-testid="item-update"][data-progress="40"]')
      assert.equal(await update.count(), 1)
      assert.equal((await update.getByTestId('item-update-author').innerText()).trim(), PROPERTY_NAME)
      assert.equal(await update.getAttribute('data-id'), updateId, 'the photo went to the new update')
      await pp.locator(`[data-testid="item-update"][data-id="${updateId}"][data-photo="true"]`).waitFor()
      await imageLoaded(pp, `[data-testid="item-update"][data-id="${updateId}"] [data-testid="item-update-photo"] img`)
      assert.equal(await pp.getByTestId('item-photo').count(), 0, 'the picker is cleared')
      await settle(property.page)
      await property.shot('community-property', 'progress-40')
      // The API has it too.
      const reread = await pageFetch(pp, `/api/v1/action-items/${itemId}`)
      const stored = reread.body.updates.find((u) => u.id === updateId)
      assert.equal(stored?.photo_sha256, sha256)
    })

    // ---- the resident sees the update's photo and opens it ---------------------------------
    await withShotOnFailure(resident, dir, 'community-update-photo', async () => {
      await rp.goto(`/community/items/${itemId}`)
      await rp.getByTestId('item-header').waitFor()
      const selector = '[data-testid="item-update"][data-progress="40"] [data-testid="item-update-photo"] img'
      await rp.locator(selector).waitFor()
      const size = await imageLoaded(rp, selector)
      assert.ok(size.width > 0 && size.height > 0, `the photo loaded: ${JSON.stringify(size)}`)
      assert.match(new URL(await rp.locator(selector).getAttribute('src'), run.baseUrl).pathname, /^\/api\/v1\/action-updates\/[^/]+\/photo\.jpg$/)
      assert.equal(await rp.locator('[data-testid="item-volunteers"]').getAttribute('data-count'), '1')
      await rp.locator(selector).scrollIntoViewIfNeeded()
      await settle(rp)
      await resident.shot('community-resident', 'update-photo')
      await shotImagePreview(resident, rp.locator('[data-testid="item-update"][data-progress="40"] [data-testid="item-update-photo"]'), 'community-resident', 'update-photo-preview')
    })

    // ---- the board, as the resident --------------------------------------------------------
    await withShotOnFailure(resident, dir, 'community-board', async () => {
      await openCommunity(rp, 'board')
      await rp.getByTestId('board').waitFor()
      const item = rp.locator(`[data-testid="board-item"][data-id="${itemId}"]`)
      await item.waitFor()
      assert.equal(await item.getAttribute('data-progress'), '40')
      assert.equal((await item.getByTestId('item-progress').innerText()).trim(), '40%')
      assert.equal((await item.getByTestId('item-status').innerText()).trim(), '进行中')
      assert.ok((await item.getByTestId('item-owner-name').innerText()).includes(PROPERTY_NAME))
      const topic = rp.locator(`[data-testid="board-topic"][data-id="${topicId}"]`)
      assert.equal(await topic.getAttribute('data-phase'), 'decided')
      // The vote per option: 同意 1 (leading), 不同意 0.
      const results = topic.getByTestId('board-option')
      assert.equal(await results.count(), 2)
      assert.deepEqual(
        await results.evaluateAll((els) => els.map((e) => [e.innerText.split(/\s/)[0], e.dataset.count, e.dataset.leading])),
        [['同意', '1', 'true'], ['不同意', '0', 'false']],
      )
      assert.ok((await rp.getByTestId('board-cases').innerText()).includes('暴露垃圾'), 'the demo case is on the board')
      assert.ok(!(await rp.getByTestId('board').innerText()).includes('网格员 李敏'), 'no reporter names on the board')
      await settle(resident.page)
      await resident.shot('community-resident', 'board')
      // 动态 has the decided topic and the item.
      await openCommunity(rp, 'feed')
      await rp.locator(`[data-testid="feed-item"][data-kind="item"][data-id="${itemId}"]`).waitFor()
      await rp.locator(`[data-testid="feed-item"][data-kind="topic"][data-id="${topicId}"]`).waitFor()
      await settle(resident.page)
      await resident.shot('community-resident', 'feed')
    })
  })

  it('公告 with a read receipt, and 聊天 live with an @mention', SLOW, async (phones) => {
    const tag = Date.now().toString(36)
    const officer = await phoneOf('officer')
    const resident = await phoneOf('resident')
    const property = await phoneOf('property')
    phones.push(officer, resident, property)
    const [op, rp, pp] = [officer.page, resident.page, property.page]

    // ---- a notice to the whole community -------------------------------------------------
    const noticeTitle = `周六上午停水通知（e2e ${tag}）`
    let noticeId
    await withShotOnFailure(officer, dir, 'community-notice', async () => {
      await openCommunity(op, 'notices')
      await op.getByTestId('notice-post').click()
      const dialog = op.getByTestId('notice-dialog')
      await dialog.waitFor()
      await dialog.getByTestId('notice-title').locator('input').fill(noticeTitle)
      await dialog.getByTestId('notice-body').locator('textarea').fill('因管道检修，本周六 8:00–12:00 停水，请提前储水。')
      await officer.shot('community-officer', 'notice-dialog')
      const posted = await clickAndPost(op, dialog.getByTestId('notice-submit'), new RegExp(`^/api/v1/communities/${COMMUNITY}/notices$`))
      assert.equal(posted.status(), 201, await bodyText(posted))
      noticeId = (await posted.json()).id
      await op.locator(`[data-testid="notice-item"][data-id="${noticeId}"]`).waitFor()
    })
    await withShotOnFailure(resident, dir, 'community-notice-read', async () => {
      await openCommunity(rp, 'notices')
      assert.equal(await rp.getByTestId('notice-post').count(), 0, 'residents do not post notices')
      const item = rp.locator(`[data-testid="notice-item"][data-id="${noticeId}"]`)
      await item.waitFor()
      assert.equal(await item.getAttribute('data-read'), 'false')
      await settle(resident.page)
      await resident.shot('community-resident', 'notices')
      await item.click()
      await rp.getByTestId('notice-view').waitFor()
      assert.ok((await rp.getByTestId('notice-view').innerText()).includes('停水'))
      assert.equal(await rp.getByTestId('notice-receipts').count(), 0, 'residents see no receipts')
      await rp.goBack()
      await rp.locator(`[data-testid="notice-item"][data-id="${noticeId}"][data-read="true"]`).waitFor()
    })
    await withShotOnFailure(officer, dir, 'community-receipts', async () => {
      await op.locator(`[data-testid="notice-item"][data-id="${noticeId}"]`).click()
      const receipts = op.getByTestId('notice-receipts')
      await receipts.waitFor()
      // The audience is the community's participating members (the resident and the property manager).
      assert.equal(await receipts.getAttribute('data-audience'), '2')
      // Only the audience's reads count (the officer opening it is not a reader).
      assert.equal(await receipts.getAttribute('data-read'), '1')
      assert.ok((await receipts.innerText()).includes('已读 1/2 人'))
      const receipt = await pageFetch(op, `/api/v1/notices/${noticeId}/receipts`)
      assert.ok(receipt.body.readers.includes('居民 王芳'), JSON.stringify(receipt.body))
      assert.deepEqual(receipt.body.unread, ['物业经理 吴敏'])
      assert.ok((await receipts.innerText()).includes('居民 王芳'))
      await settle(officer.page)
      await officer.shot('community-officer', 'notice-receipts')
    })

    // ---- chat: the property manager is on the chat when the resident mentions them ---------
    await withShotOnFailure(property, dir, 'community-chat', async () => {
      await openChat(pp)
      await openChat(rp)
      await rp.getByTestId('chat-mention').click()
      await rp.getByTestId('chat-input').locator('input').pressSequentially('property')
      await rp.getByTestId('chat-input').locator('input').pressSequentially(` 垃圾桶什么时候装好？${tag}`)
      const sent = await clickAndPost(rp, rp.getByTestId('chat-send'), new RegExp(`^/api/v1/communities/${COMMUNITY}/chat$`))
      assert.equal(sent.status(), 201, await bodyText(sent))
      assert.deepEqual(JSON.parse(sent.request().postData()), { body: `@property 垃圾桶什么时候装好？${tag}` })
      const mine = rp.locator('[data-testid="chat-message"][data-mine="true"]').filter({ hasText: tag })
      await mine.waitFor()
      await settle(resident.page)
      await resident.shot('community-resident', 'chat')
      // Pushed to the property manager without a reload, with the mention marked.
      const theirs = pp.locator('[data-testid="chat-message"][data-mine="false"]').filter({ hasText: tag })
      await theirs.waitFor()
      assert.ok((await theirs.innerText()).includes('提到了我'))
      assert.ok((await theirs.innerText()).includes('居民 王芳'))
      await settle(property.page)
      await property.shot('community-property', 'chat-mentioned')
      // The server tells the property manager with a notification (kind mention), pushed too.
      await pp.waitForFunction(() => document.querySelector('[data-testid="tab-cases"] .van-badge') !== null)
      await pp.goto('/cases')
      await pp.getByTestId('notifications-open').click()
      const note = pp.locator('[data-testid="notification-item"][data-kind="mention"]').filter({ hasText: '居民 王芳 在社区群聊中提到了你' })
      await note.first().waitFor()
      assert.ok((await note.first().innerText()).includes('提到我'))
      await pp.waitForTimeout(400) // the popup has slid in
      await property.shot('community-property', 'mention-notification')
      // It names the community (subject community:<code>), whose chat it opens.
      assert.equal(await note.first().getAttribute('data-subject'), `community:${COMMUNITY}`)
      await note.first().click()
      await waitForPath(pp, '/community')
      await pp.locator('.van-tab--active [data-testid="community-tab-chat"]').waitFor()
      assert.equal(new URL(pp.url()).searchParams.get('c'), COMMUNITY)
    })
  })

  it('对邻居匿名 in comments and chat, 慢速模式 on a topic, and camera access on the board', SLOW, async (phones) => {
    const tag = Date.now().toString(36)
    let rp
    try {
      const officer = await phoneOf('officer')
      const property = await phoneOf('property')
      const resident = await phoneOf('resident')
      phones.push(officer, property, resident)
      const op = officer.page
      const pp = property.page
      rp = resident.page
      // Named to everyone to begin with (a server reused through PALMGRID_E2E_URL may remember a choice).
      assert.equal((await pageRequest(rp, 'PUT', '/api/v1/me/community-prefs', PREFS_OFF)).status, 200)

      // ---- a topic with the masked picture of 牛角巷北口 (the form itself is covered above) -----
      const cameras = await pageFetch(op, '/api/v1/cameras')
      const camera = cameras.body.items.find((c) => c.name === OFFICER_CAMERAS[0])
      assert.ok(camera, `the officer sees ${OFFICER_CAMERAS[0]}`)
      const title = `楼道堆物要不要集中清理？（e2e ${tag}）`
      let topicId
      const deadline = Date.now() + 120_000
      for (;;) {
        const made = await pageRequest(op, 'POST', `/api/v1/communities/${COMMUNITY}/topics`, {
          title,
          body: '楼道里堆放杂物影响通行，大家看看要不要统一清理。',
          camera_id: camera.id,
        })
        if (made.status === 201) {
          topicId = made.body.id
          assert.equal(made.body.slow_mode_s, 0)
          break
        }
        // 503 camera_unavailable while the simulated camera comes online.
        assert.equal(made.status, 503, JSON.stringify(made.body))
        assert.ok(Date.now() < deadline, 'the camera gave no masked picture within 2 minutes')
        await op.waitForTimeout(3000)
      }

      // ---- 我的: the resident turns on 对邻居匿名 --------------------------------------------
      await withShotOnFailure(resident, dir, 'community-anonymous', async () => {
        await rp.goto('/me')
        await rp.getByTestId('page-me').waitFor()
        const section = rp.getByTestId('me-anonymous')
        await section.waitFor()
        const text = await section.innerText()
        assert.ok(text.includes('对邻居匿名'), text)
        assert.ok(text.includes('邻居 XXXX') && text.includes('社区工作人员始终能看到真实姓名'), text)
        const toggle = rp.getByTestId('anonymous-switch')
        await rp.locator('[data-testid="anonymous-switch"][data-on="false"]:not(.van-switch--disabled)').waitFor()
        const put = responseTo(rp, 'PUT', /^\/api\/v1\/me\/community-prefs$/)
        await toggle.click()
        const saved = await put
        assert.equal(saved.status(), 200, await bodyText(saved))
        // The whole set goes with each change (a PUT without quiet hours or digest would reset them).
        assert.deepEqual(JSON.parse(saved.request().postData()), { ...PREFS_OFF, anonymous: true })
        assert.deepEqual(await saved.json(), { ...PREFS_OFF, anonymous: true })
        await rp.locator('[data-testid="anonymous-switch"][data-on="true"]').waitFor()
        await settle(rp)
        await resident.shot('community-resident', 'anonymous-on')
        // Remembered by the server: a reload shows it on.
        await rp.reload()
        await rp.locator('[data-testid="anonymous-switch"][data-on="true"]:not(.van-switch--disabled)').waitFor()
      })

      // ---- 慢速模式: the officer sets 1 minute ------------------------------------------------
      await withShotOnFailure(officer, dir, 'community-slow-mode', async () => {
        await op.goto(`/community/topics/${topicId}`)
        await op.getByTestId('topic-header').waitFor()
        const cell = op.getByTestId('topic-slow-mode')
        await cell.waitFor()
        assert.equal(await cell.getAttribute('data-seconds'), '0')
        assert.ok((await cell.innerText()).includes('关闭'))
        assert.equal(await op.getByTestId('topic-slow-notice').count(), 0, 'no notice while slow mode is off')
        await cell.click()
        const option = op.locator('.slow-mode-option-60')
        await option.waitFor()
        const options = await op.locator('.slow-mode-option').evaluateAll((els) => els.map((e) => e.innerText.trim()))
        assert.deepEqual(options, ['关闭', '30 秒', '1 分钟', '5 分钟', '10 分钟'])
        await op.waitForTimeout(400) // the sheet has slid in
        await officer.shot('community-officer', 'slow-mode-sheet')
        const put = responseTo(op, 'PUT', new RegExp(`^/api/v1/topics/${topicId}/slow-mode$`))
        await option.click()
        const set = await put
        assert.equal(set.status(), 204, await bodyText(set))
        assert.deepEqual(JSON.parse(set.request().postData()), { seconds: 60 })
        await op.locator('[data-testid="topic-slow-mode"][data-seconds="60"]').waitFor()
        assert.ok((await cell.innerText()).includes('1 分钟'))
        const notice = op.getByTestId('topic-slow-notice')
        await notice.waitFor()
        assert.equal((await notice.innerText()).trim(), '慢速模式：每 1 分钟可发言一次')
        await settle(op)
        await officer.shot('community-officer', 'slow-mode-on')
      })

      // ---- the resident comments, then too soon again ----------------------------------------
      const first = `赞成统一清理，周末可以组织志愿者（${tag}）`
      const second = `再补充一句：清理前请提前通知（${tag}）`
      await withShotOnFailure(resident, dir, 'community-slow-comment', async () => {
        await rp.goto(`/community/topics/${topicId}`)
        await rp.getByTestId('topic-header').waitFor()
        const notice = rp.getByTestId('topic-slow-notice')
        await notice.waitFor()
        assert.equal((await notice.innerText()).trim(), '慢速模式：每 1 分钟可发言一次')
        assert.equal(await rp.getByTestId('topic-slow-mode').count(), 0, 'residents do not set slow mode')
        const input = rp.getByTestId('comment-input').locator('textarea')
        await input.fill(first)
        const posted = await clickAndPost(rp, rp.getByTestId('comment-submit'), new RegExp(`^/api/v1/topics/${topicId}/comments$`))
        assert.equal(posted.status(), 201, await bodyText(posted))
        const mine = rp.getByTestId('comment').filter({ hasText: first })
        await mine.waitFor()
        // Anonymity hides the name from neighbours, not from oneself.
        assert.equal((await mine.getByTestId('comment-author').innerText()).trim(), '居民 王芳')

        await input.fill(second)
        const refused = await clickAndPost(rp, rp.getByTestId('comment-submit'), new RegExp(`^/api/v1/topics/${topicId}/comments$`))
        assert.equal(refused.status(), 429, await bodyText(refused))
        assert.equal((await refused.json()).error, 'slow_mode')
        const retryAfter = Number(refused.headers()['retry-after'])
        assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`)
        const wait = rp.getByTestId('comment-wait')
        await wait.waitFor()
        const message = (await wait.innerText()).trim()
        const m = /^慢速模式：请 (\d+) 秒后再发言$/.exec(message)
        assert.ok(m, message)
        assert.ok(Number(m[1]) >= 1 && Number(m[1]) <= retryAfter, message)
        assert.equal(await input.inputValue(), second, 'the typed text is kept')
        assert.ok(await rp.getByTestId('comment-submit').isDisabled(), 'sending waits for the countdown')
        assert.equal(await rp.getByTestId('comment').filter({ hasText: second }).count(), 0)
        await rp.getByTestId('comment-submit').evaluate((e) => e.scrollIntoView({ block: 'center' }))
        await settle(rp)
        await resident.shot('community-resident', 'slow-mode-wait')
      })

      // ---- the property manager sees an alias, the officer the name ----------------------------
      let alias
      await withShotOnFailure(property, dir, 'community-alias', async () => {
        await pp.goto(`/community/topics/${topicId}`)
        await pp.getByTestId('topic-header').waitFor()
        const theirs = pp.getByTestId('comment').filter({ hasText: first })
        await theirs.waitFor()
        alias = (await theirs.getByTestId('comment-author').innerText()).trim()
        assert.match(alias, /^邻居 \S+$/)
        assert.ok(!(await pp.getByTestId('comments').innerText()).includes('王芳'), 'the name is not shown to neighbours')
        await theirs.scrollIntoViewIfNeeded()
        await settle(pp)
        await property.shot('community-property', 'anonymous-comment')
      })
      await withShotOnFailure(officer, dir, 'community-alias-staff', async () => {
        await op.reload()
        await op.getByTestId('topic-header').waitFor()
        const theirs = op.getByTestId('comment').filter({ hasText: first })
        await theirs.waitFor()
        assert.equal((await theirs.getByTestId('comment-author').innerText()).trim(), '居民 王芳', 'staff see the real name')
      })

      // ---- chat: the same alias, with a neutral avatar --------------------------------------
      await withShotOnFailure(property, dir, 'community-anonymous-chat', async () => {
        await openChat(pp)
        await openChat(rp)
        await rp.getByTestId('chat-input').locator('input').fill(`大家好，楼道清理我报名（${tag}）`)
        const sent = await clickAndPost(rp, rp.getByTestId('chat-send'), new RegExp(`^/api/v1/communities/${COMMUNITY}/chat$`))
        assert.equal(sent.status(), 201, await bodyText(sent))
        const own = rp.locator('[data-testid="chat-message"][data-mine="true"]').filter({ hasText: tag })
        await own.waitFor()
        assert.equal(await own.getAttribute('data-anonymous'), 'false')
        const theirs = pp.locator('[data-testid="chat-message"]').filter({ hasText: tag })
        await theirs.waitFor()
        assert.equal(await theirs.getAttribute('data-mine'), 'false')
        assert.equal(await theirs.getAttribute('data-anonymous'), 'true')
        assert.equal((await theirs.getByTestId('chat-author').innerText()).trim(), alias, 'the same alias as on the topic')
        assert.equal(await theirs.getByTestId('chat-anonymous').count(), 1, 'a neutral avatar')
        assert.ok(!(await theirs.innerText()).includes('王芳'))
        await settle(pp)
        await property.shot('community-property', 'anonymous-chat')
      })

      // ---- 监督: 摄像头调阅情况, as the resident --------------------------------------------
      await withShotOnFailure(resident, dir, 'community-camera-access', async () => {
        const report = responseTo(rp, 'GET', new RegExp(`^/api/v1/communities/${COMMUNITY}/camera-access$`))
        await openCommunity(rp, 'board')
        assert.equal((await report).status(), 200)
        const section = rp.getByTestId('camera-access')
        await section.waitFor()
        assert.equal(await section.getAttribute('data-days'), '30')
        assert.ok((await section.innerText()).includes('摄像头调阅情况'))
        const row = section.locator(`[data-testid="access-camera"][data-camera-id="${camera.id}"]`)
        await row.waitFor()
        assert.ok(Number(await row.getAttribute('data-views')) >= 1, 'the topic picture was an audited view')
        const topicPurpose = row.locator('[data-testid="access-purpose"][data-id="议题"]')
        assert.ok(Number(await topicPurpose.getAttribute('data-count')) >= 1)
        assert.ok((await topicPurpose.innerText()).startsWith('议题'))
        const officerRole = row.locator('[data-testid="access-role"][data-id="grid_officer"]')
        assert.ok((await officerRole.innerText()).startsWith('网格员'))
        assert.ok(Number(await row.locator('[data-testid="access-kind"][data-id="snapshot"]').getAttribute('data-count')) >= 1)
        assert.ok((await row.innerText()).includes(OFFICER_CAMERAS[0]))
        // Members see counts, never who viewed.
        assert.equal(await rp.getByTestId('access-viewers-toggle').count(), 0)
        const json = await pageFetch(rp, `/api/v1/communities/${COMMUNITY}/camera-access`)
        assert.ok(json.body.cameras.every((c) => c.viewers === null), 'no viewers for members')
        await row.scrollIntoViewIfNeeded()
        await settle(rp)
        await resident.shot('community-resident', 'camera-access')
        // The last 7 days hold the view too.
        const week = responseTo(rp, 'GET', new RegExp(`^/api/v1/communities/${COMMUNITY}/camera-access$`))
        await rp.getByTestId('access-period-7').click()
        const asked = await week
        assert.equal(asked.status(), 200)
        const from = new URL(asked.url()).searchParams.get('from')
        const days = (Date.now() - Date.parse(from)) / 86_400_000
        assert.ok(days > 6.9 && days < 7.1, `from ${from}`)
        await rp.locator('[data-testid="camera-access"][data-days="7"]').waitFor()
        await rp.locator('[data-testid="access-period-7"][data-active="true"]').waitFor()
        await rp.waitForFunction((id) => {
          const c = document.querySelector(`[data-testid="access-camera"][data-camera-id="${id}"] [data-testid="access-purpose"][data-id="议题"]`)
          return c && Number(c.getAttribute('data-count')) >= 1
        }, camera.id)
      })

      // An auditor's report names who viewed, when and why.
      const token = await run.apiToken('auditor')
      const audited = await fetch(`${run.baseUrl}/api/v1/communities/${COMMUNITY}/camera-access`, { headers: { Authorization: `Bearer ${token}` } })
      assert.equal(audited.status, 200)
      const viewed = (await audited.json()).cameras.find((c) => c.camera_id === camera.id)
      assert.ok(
        viewed.viewers.some((v) => v.name && v.role === 'grid_officer' && v.kind === 'snapshot' && v.purpose === '议题'),
        JSON.stringify(viewed.viewers),
      )
    } finally {
      // Named again for later tests and runs.
      if (rp) await pageRequest(rp, 'PUT', '/api/v1/me/community-prefs', PREFS_OFF).catch(() => {})
    }
  })
  it('服务执行: a resident files a 报修, the property manager accepts and completes it, the resident rates it, and the board counts it', SLOW, async (phones) => {
    const tag = Date.now().toString(36)
    const description = `楼道灯不亮，晚上回家看不见台阶（e2e ${tag}）`
    const address = '牛角巷 3 栋 2 单元'
    const reply = `已更换楼道灯泡，请查看（e2e ${tag}）`
    const resident = await phoneOf('resident')
    const property = await phoneOf('property')
    phones.push(resident, property)
    const rp = resident.page
    const pp = property.page
    const before = (await pageFetch(rp, `/api/v1/communities/${COMMUNITY}/board`)).body.service_requests
    assert.ok(before && typeof before.done === 'number', 'the board has service_requests')
    const kinds = (await pageFetch(rp, '/api/v1/service-kinds')).body.items
    assert.deepEqual(kinds.find((k) => k.key === 'repair'), { key: 'repair', name: '报修', desk: 'property' })

    // ---- the resident files it from 社区 › 服务 ----------------------------------------------
    let requestId
    await withShotOnFailure(resident, dir, 'service-file', async () => {
      await openCommunity(rp, 'service')
      await rp.getByTestId('service-panel').waitFor()
      // All eight parts of the 社区 tab fit side by side on the 390 px phone.
      const tabs = await rp.getByTestId('community-tabs').locator('.van-tab').evaluateAll((els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect()
          return { text: e.innerText.trim(), left: r.left, right: r.right }
        }),
      )
      assert.deepEqual(tabs.map((x) => x.text), ['动态', '公告', '聊天', '议事', '事项', '服务', '监督', '调解'])
      assert.ok(tabs.every((x) => x.left >= 0 && x.right <= 390), JSON.stringify(tabs))
      await rp.getByTestId('service-new').click()
      await waitForPath(rp, '/community/service/new')
      await rp.getByTestId('page-service-new').waitFor()
      assert.equal(await rp.getByTestId('service-community').getAttribute('data-code'), COMMUNITY)
      // The kinds under the desk each goes to: 报修 to 物业, 证明办理 to 居委会.
      const propertyDesk = rp.locator('[data-testid="service-desk-group"][data-desk="property"]')
      assert.ok((await propertyDesk.innerText()).includes('物业'))
      const repair = propertyDesk.locator('[data-testid="service-kind"][data-kind="repair"]')
      assert.equal((await repair.innerText()).trim(), '报修')
      const committeeDesk = rp.locator('[data-testid="service-desk-group"][data-desk="committee"]')
      assert.ok((await committeeDesk.innerText()).includes('居委会'))
      assert.equal(await committeeDesk.locator('[data-testid="service-kind"][data-kind="certificate"]').count(), 1)
      await repair.click()
      await rp.locator('[data-testid="service-kind"][data-kind="repair"][data-selected="true"]').waitFor()
      const goes = rp.getByTestId('service-goes-to')
      await goes.waitFor()
      assert.equal((await goes.innerText()).trim(), '“报修”将交由物业受理')
      await rp.getByTestId('service-description').locator('textarea').fill(description)
      await rp.getByTestId('service-address').locator('input').fill(address)
      await rp.getByTestId('service-submit').scrollIntoViewIfNeeded()
      await settle(rp)
      await resident.shot('service-resident', 'form')
      const filed = await clickAndPost(rp, rp.getByTestId('service-submit'), new RegExp(`^/api/v1/communities/${COMMUNITY}/service-requests$`))
      assert.equal(filed.status(), 201, await bodyText(filed))
      assert.deepEqual(JSON.parse(filed.request().postData()), { kind: 'repair', description, address })
      const made = await filed.json()
      requestId = made.id
      assert.match(requestId, UUID)
      assert.deepEqual([made.state, made.desk, made.mine, made.may_handle], ['open', 'property', true, false])
      await waitForPath(rp, `/community/service/${requestId}`)
      const header = rp.getByTestId('service-header')
      await header.waitFor()
      assert.equal(await header.getAttribute('data-state'), 'open')
      assert.equal((await rp.getByTestId('service-state').innerText()).trim(), '待受理')
      assert.equal((await rp.getByTestId('service-desk').innerText()).trim(), '物业')
      await rp.getByTestId('service-cancel').waitFor()
      assert.equal(await rp.getByTestId('service-accept').count(), 0, 'the requester does not accept')
      await settle(rp)
      await resident.shot('service-resident', 'filed')
    })

    // Staff run the desks and do not file.
    const token = await run.apiToken('officer')
    const refused = await fetch(`${run.baseUrl}/api/v1/communities/${COMMUNITY}/service-requests`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...WEB },
      body: JSON.stringify({ kind: 'repair', description: 'x', address: 'y' }),
    })
    assert.equal(refused.status, 403, 'staff do not file service requests')

    // ---- the property manager accepts it and marks it done with a reply ---------------------
    await withShotOnFailure(property, dir, 'service-handle', async () => {
      await openCommunity(pp, 'service')
      const row = pp.locator(`[data-testid="service-item"][data-id="${requestId}"]`)
      await row.waitFor()
      assert.equal(await row.getAttribute('data-state'), 'open')
      assert.equal(await row.getAttribute('data-waiting'), 'handle')
      const text = await row.innerText()
      assert.ok(text.includes('报修') && text.includes('楼道灯不亮') && text.includes('居民 王芳') && text.includes('待我处理'), text)
      assert.equal(await pp.getByTestId('service-new').count(), 1, 'the property manager may file too')
      await settle(pp)
      await property.shot('service-property', 'list')
      await row.click()
      await waitForPath(pp, `/community/service/${requestId}`)
      const header = pp.getByTestId('service-header')
      await header.waitFor()
      assert.equal(await header.getAttribute('data-may-handle'), 'true')
      assert.equal(await pp.getByTestId('service-cancel').count(), 0, 'the desk does not cancel')
      const accepted = await clickAndPost(pp, pp.getByTestId('service-accept'), new RegExp(`^/api/v1/service-requests/${requestId}/steps$`))
      assert.equal(accepted.status(), 200, await bodyText(accepted))
      assert.deepEqual(JSON.parse(accepted.request().postData()), { step: 'accept' })
      await pp.locator('[data-testid="service-header"][data-state="accepted"]').waitFor()
      assert.equal((await pp.getByTestId('service-handler').innerText()).includes('物业经理 吴敏'), true)
      assert.equal(await pp.getByTestId('service-accept').count(), 0)

      await pp.getByTestId('service-done').click()
      const dialog = pp.getByTestId('service-done-dialog')
      await dialog.waitFor()
      await dialog.getByTestId('service-reply-input').locator('textarea').fill(reply)
      await pp.waitForTimeout(400) // the sheet has slid in
      await property.shot('service-property', 'done-dialog')
      const done = await clickAndPost(pp, dialog.getByTestId('service-done-submit'), new RegExp(`^/api/v1/service-requests/${requestId}/steps$`))
      assert.equal(done.status(), 200, await bodyText(done))
      assert.deepEqual(JSON.parse(done.request().postData()), { step: 'done', reply })
      await pp.locator('[data-testid="service-header"][data-state="done"]').waitFor()
      assert.ok((await pp.getByTestId('service-reply').innerText()).includes(reply))
      assert.equal(await pp.getByTestId('service-actions').count(), 0, 'nothing left to do')
      await settle(pp)
      await property.shot('service-property', 'done')
    })

    // ---- the resident is told (服务), opens it from the notification and rates it 5 stars ---
    await withShotOnFailure(resident, dir, 'service-rate', async () => {
      await rp.goto('/cases')
      await rp.getByTestId('page-cases').waitFor()
      await rp.getByTestId('notifications-open').click()
      const note = rp.locator('[data-testid="notification-item"][data-kind="service_request"]').filter({ hasText: '您的报修请求已办结，请评价' })
      await note.first().waitFor()
      assert.ok((await note.first().innerText()).includes('服务'))
      const told = rp.locator('[data-testid="notification-item"][data-kind="service_request"]').filter({ hasText: '您的报修请求已受理' })
      assert.ok((await told.count()) >= 1, 'told when it was accepted too')
      await rp.waitForTimeout(400) // the popup has slid in
      await resident.shot('service-resident', 'notifications')
      // Each names its request (subject service_request:<id>), which a tap opens.
      assert.equal(await note.first().getAttribute('data-subject'), `service_request:${requestId}`)
      assert.ok((await told.evaluateAll((els) => els.map((e) => e.dataset.subject))).includes(`service_request:${requestId}`))
      await note.first().click()
      await waitForPath(rp, `/community/service/${requestId}`)
      const header = rp.getByTestId('service-header')
      await header.waitFor()
      assert.equal(await header.getAttribute('data-state'), 'done')
      assert.ok((await rp.getByTestId('service-reply').innerText()).includes(reply))
      assert.equal(await rp.getByTestId('service-cancel').count(), 0, 'a done request is not cancelled')
      const form = rp.getByTestId('service-rate-form')
      await form.waitFor()
      await form.locator('.van-rate__item').nth(4).click()
      await rp.locator('[data-testid="service-rate"][data-value="5"]').waitFor()
      await form.getByTestId('service-rate-comment').locator('textarea').fill('处理很及时，谢谢物业')
      await rp.getByTestId('service-rate-submit').scrollIntoViewIfNeeded()
      await settle(rp)
      await resident.shot('service-resident', 'rate')
      const rated = await clickAndPost(rp, rp.getByTestId('service-rate-submit'), new RegExp(`^/api/v1/service-requests/${requestId}/rating$`))
      assert.equal(rated.status(), 200, await bodyText(rated))
      assert.deepEqual(JSON.parse(rated.request().postData()), { rating: 5, comment: '处理很及时，谢谢物业' })
      const shown = rp.getByTestId('service-rating')
      await shown.waitFor()
      assert.equal(await shown.getAttribute('data-rating'), '5')
      assert.ok((await shown.innerText()).includes('处理很及时'))
      assert.equal(await rp.getByTestId('service-rate-form').count(), 0, 'rated once')
      await settle(rp)
      await resident.shot('service-resident', 'rated')
    })

    // ---- 监督: the board counts it, with the mean rating ------------------------------------
    await withShotOnFailure(resident, dir, 'service-board', async () => {
      const board = responseTo(rp, 'GET', new RegExp(`^/api/v1/communities/${COMMUNITY}/board$`))
      await openCommunity(rp, 'board')
      const stats = (await (await board).json()).service_requests
      assert.equal(stats.done, before.done + 1)
      assert.equal(stats.rated, before.rated + 1)
      const section = rp.getByTestId('board-service')
      await section.waitFor()
      assert.equal(await section.getAttribute('data-done'), String(stats.done))
      assert.equal(await rp.getByTestId('board-service-done').getAttribute('data-count'), String(stats.done))
      const mean = Math.round(stats.mean_rating * 10) / 10
      assert.equal(await section.getAttribute('data-mean'), String(mean))
      assert.equal((await rp.getByTestId('board-service-mean').innerText()).trim(), mean.toFixed(1))
      if (before.done === 0 && before.rated === 0) {
        // A fresh demo: this request alone.
        assert.equal(await section.getAttribute('data-done'), '1')
        assert.equal((await rp.getByTestId('board-service-mean').innerText()).trim(), '5.0')
      }
      const text = await section.innerText()
      assert.ok(text.includes('已办结') && text.includes('满意度') && !text.includes('王芳'), text)
      await section.evaluate((e) => e.scrollIntoView({ block: 'center' }))
      await settle(rp)
      await resident.shot('service-resident', 'board')
    })
  })

  it('我的: quiet hours 22:00–07:00 and a daily digest are kept after a reload', SLOW, async (phones) => {
    let rp
    try {
      const resident = await phoneOf('resident')
      phones.push(resident)
      rp = resident.page
      assert.equal((await pageRequest(rp, 'PUT', '/api/v1/me/community-prefs', PREFS_OFF)).status, 200)
      await withShotOnFailure(resident, dir, 'community-quiet-digest', async () => {
        await rp.goto('/me')
        await rp.getByTestId('page-me').waitFor()
        const quiet = rp.getByTestId('me-quiet')
        await quiet.waitFor()
        assert.ok((await quiet.innerText()).includes('免打扰时段'))
        await rp.locator('[data-testid="quiet-switch"][data-on="false"]:not(.van-switch--disabled)').waitFor()
        assert.equal(await rp.getByTestId('quiet-from').count(), 0, 'no times while off')

        // On: 22:00 to 07:00 the next morning, everything else kept.
        let put = responseTo(rp, 'PUT', /^\/api\/v1\/me\/community-prefs$/)
        await rp.getByTestId('quiet-switch').click()
        let saved = await put
        assert.equal(saved.status(), 200, await bodyText(saved))
        const quietOn = { ...PREFS_OFF, quiet_from: '22:00', quiet_to: '07:00' }
        assert.deepEqual(JSON.parse(saved.request().postData()), quietOn)
        assert.deepEqual(await saved.json(), quietOn)
        await rp.locator('[data-testid="quiet-switch"][data-on="true"]').waitFor()
        assert.equal(await rp.getByTestId('quiet-from').getAttribute('data-value'), '22:00')
        assert.ok((await rp.getByTestId('quiet-from').innerText()).includes('22:00'))
        assert.ok((await rp.getByTestId('quiet-to').innerText()).includes('次日 07:00'))

        // 社区摘要: 关闭 / 每日 20:00 / 每周日 20:00; pick 每日.
        const digest = rp.getByTestId('me-digest')
        const options = await digest.locator('[data-testid^="digest-"]').evaluateAll((els) => els.map((e) => e.innerText.trim()))
        assert.deepEqual(options, ['关闭', '每日 20:00', '每周日 20:00'])
        assert.equal(await digest.getAttribute('data-value'), 'off')
        await settle(rp)
        put = responseTo(rp, 'PUT', /^\/api\/v1\/me\/community-prefs$/)
        await rp.getByTestId('digest-daily').click()
        saved = await put
        assert.equal(saved.status(), 200, await bodyText(saved))
        assert.deepEqual(JSON.parse(saved.request().postData()), { ...quietOn, digest: 'daily' })
        await rp.locator('[data-testid="me-digest"][data-value="daily"]').waitFor()
        await digest.scrollIntoViewIfNeeded()
        await settle(rp)
        await resident.shot('community-resident', 'quiet-digest')

        // The time picker opens on the current end.
        await rp.getByTestId('quiet-to').click()
        const picker = rp.locator('[data-testid="quiet-picker"][data-end="to"]')
        await picker.waitFor()
        await rp.waitForTimeout(400) // the sheet has slid in
        await resident.shot('community-resident', 'quiet-picker')
        await picker.locator('.van-picker__cancel').click()
        await picker.waitFor({ state: 'hidden' })

        // Kept by the server.
        await rp.reload()
        await rp.locator('[data-testid="quiet-switch"][data-on="true"]:not(.van-switch--disabled)').waitFor()
        assert.equal(await rp.getByTestId('quiet-from').getAttribute('data-value'), '22:00')
        assert.equal(await rp.getByTestId('quiet-to').getAttribute('data-value'), '07:00')
        await rp.locator('[data-testid="me-digest"][data-value="daily"]').waitFor()
        assert.equal(await rp.getByTestId('digest-daily').getAttribute('data-selected'), 'true')
        assert.deepEqual((await pageFetch(rp, '/api/v1/me/community-prefs')).body, { ...quietOn, digest: 'daily' })
      })
    } finally {
      if (rp) await pageRequest(rp, 'PUT', '/api/v1/me/community-prefs', PREFS_OFF).catch(() => {})
    }
  })

}

onBothBackends('community e2e, ', 'community', backendSuite)
