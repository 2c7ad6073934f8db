// Moderation of comments and 矛盾调处 (mediation) in a real browser against the real palmgrid
// binary, each step by the account whose step it is.
//
// Moderation: two newcomers join 牛角巷社区 with invites the grid officer issues and verifies (the
// demo has only two members who take part, and a comment is hidden after three reports). One of
// them writes an abusive comment on a topic; the demo resident reports it in the browser, the
// property manager through the API (the officer then sees "2 人举报" on the comment, still
// shown), the other newcomer in the browser — the third report hides it: the resident then sees
// only that it is hidden, pending review, with no count. Its author still sees the text and
// appeals (once), and sees the appeal. The officer sees it under review with its report count,
// its text and the author's appeal,
// removes it naming the rule it broke, and everyone sees it removed for that rule; the auditor
// finds the hiding, the appeal and the removal with its rule in the audit log. The officer also
// removes a harmless comment and restores it.
//
// Mediation: the officer registers, from 社区 › 调解, a dispute between the resident and the
// property manager with the community secretary as mediator, choosing all three from the member
// list; the officer (who does not mediate) no longer sees it — its URL shows 调解不存在 — and the
// auditor gets 404 too. The secretary, whose list marks it 我调解, records a session (调解) and
// the agreement (协议) in the browser; the resident, a party (当事人 in the list), sees them with
// who recorded each and may record nothing. Once on SQLite and once on
// PostgreSQL. See e2e/README.md.
//
// PALMGRID_E2E_URL=http://127.0.0.1:5173 runs the tests against a server already running (for
// instance Vite's dev server in front of `palmgrid demo`) instead of starting the binary. They add
// members to 牛角巷社区, so tests/community.test.mjs (which counts them) needs another fresh demo.
import assert from 'node:assert/strict'
import { UUID } from '../lib/config.mjs'
import { demoSuite, onBothBackends } from '../lib/suites.mjs'
import { WEB, bodyText, clickAndPost, pageFetch, pageRequest, settle, waitForPath, withShotOnFailure } from '../lib/pages.mjs'
import { COMMUNITY, NEWCOMER_PASSWORD, commentOn, openCommunity, openNotification, openTopic, verifiedResident } from '../lib/community.mjs'

const SLOW = { timeout: 420_000 }

/** The comment that breaks the rules, and the rule the officer names (as the app sends it: in Chinese). */
const ABUSE = '楼下那家人素质太差，天天吵，真是没教养'
const RULE = '人身攻击或辱骂'
/** The author's appeal. */
const APPEAL = '我只是反映噪音问题，言辞过激了，愿意修改'

/** Waits for the sheet to have slid in (for its screenshot). */
async function slidIn(page) {
  await page.waitForTimeout(400)
}

// ---------------------------------------------------------------------------------------------
// The suite, once per backend

function backendSuite(backend, prepareDatabase) {
  const run = demoSuite(backend, prepareDatabase, {
    setup: `palmgrid demo starts (${backend}) with the moderation and mediation routes, and Chromium launches`,
    timeout: SLOW.timeout,
    logName: 'server-moderation',
    async check(baseUrl) {
      for (const path of ['/community/mediations/new', '/community/mediations/00000000-0000-4000-8000-000000000000']) {
        const shell = await (await fetch(`${baseUrl}${path}`)).text()
        assert.match(shell, /<div id="app">/, `GET ${path} is not the web app: rebuild palmgrid with npm available so build.rs embeds web/`)
      }
      const anonymous = [
        ['GET', '/api/v1/mediations'],
        ['GET', `/api/v1/communities/${COMMUNITY}/members`],
        ['POST', '/api/v1/comments/00000000-0000-4000-8000-000000000000/reports'],
      ]
      for (const [method, path] of anonymous) {
        const r = await fetch(`${baseUrl}${path}`, {
          method,
          headers: { ...WEB, 'Content-Type': 'application/json' },
          ...(method === 'POST' ? { body: JSON.stringify({ reason: 'x' }) } : {}),
        })
        assert.equal(r.status, 401, `${method} ${path} exists and needs a session`)
      }
    },
  })
  const { dir, it, phoneOf, apiToken } = run

  it('a comment reported three times is hidden, its author appeals, and the officer removes it naming the rule (audited)', SLOW, async (phones) => {
    const tag = Date.now().toString(36)
    // ---- the officer sets a topic and lets two newcomers in ----------------------------------
    const officer = await phoneOf('officer')
    phones.push(officer)
    const op = officer.page
    const made = await pageRequest(op, 'POST', `/api/v1/communities/${COMMUNITY}/topics`, {
      title: `晚上十点后广场舞音量怎么管？（e2e ${tag}）`,
      body: '有居民反映晚上广场舞音量太大，请大家说说看法。',
    })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    const topicId = made.body.id
    const authorName = '居民 赵磊'
    const reporterName = '居民 钱敏'
    const authorUser = `e2e-zhao-${tag}`
    const reporterUser = `e2e-qian-${tag}`
    await verifiedResident(run.baseUrl, op, authorUser, authorName, '牛角巷 3 栋 2 单元 402')
    await verifiedResident(run.baseUrl, op, reporterUser, reporterName, '牛角巷 5 栋 1 单元 301')

    // ---- the newcomer writes the abusive comment ---------------------------------------------
    const author = await phoneOf(authorUser, NEWCOMER_PASSWORD)
    phones.push(author)
    const ap = author.page
    let commentId
    await withShotOnFailure(author, dir, 'moderation-comment', async () => {
      await openTopic(ap, topicId)
      await ap.getByTestId('comment-input').locator('textarea').fill(ABUSE)
      const posted = await clickAndPost(ap, ap.getByTestId('comment-submit'), new RegExp(`^/api/v1/topics/${topicId}/comments$`))
      assert.equal(posted.status(), 201, await bodyText(posted))
      commentId = (await posted.json()).id
      assert.match(commentId, UUID)
      await commentOn(ap, commentId).waitFor()
      // No 举报 on one's own comment.
      assert.equal(await commentOn(ap, commentId).getAttribute('data-own'), 'true')
      assert.equal(await commentOn(ap, commentId).getByTestId('comment-report').count(), 0)
    })

    // ---- the demo resident: a harmless comment, then the first report ------------------------
    const resident = await phoneOf('resident')
    phones.push(resident)
    const rp = resident.page
    let harmlessId
    await withShotOnFailure(resident, dir, 'moderation-report', async () => {
      await openTopic(rp, topicId)
      await rp.getByTestId('comment-input').locator('textarea').fill('建议晚上九点半以后把音量调小一些')
      const posted = await clickAndPost(rp, rp.getByTestId('comment-submit'), new RegExp(`^/api/v1/topics/${topicId}/comments$`))
      assert.equal(posted.status(), 201, await bodyText(posted))
      harmlessId = (await posted.json()).id
      await commentOn(rp, harmlessId).waitFor()
      assert.equal(await commentOn(rp, harmlessId).getByTestId('comment-report').count(), 0, 'no 举报 on one’s own comment')

      const abusive = commentOn(rp, commentId)
      assert.ok((await abusive.innerText()).includes(ABUSE))
      assert.equal(await abusive.getAttribute('data-state'), 'visible')
      await abusive.getByTestId('comment-report').click()
      const dialog = rp.locator('[data-testid="moderation-dialog"][data-mode="report"]')
      await dialog.waitFor()
      assert.ok((await dialog.getByTestId('moderation-quote').innerText()).includes(ABUSE))
      const rules = await dialog.getByTestId('moderation-rule').evaluateAll((els) => els.map((e) => e.innerText.trim()))
      assert.deepEqual(rules, ['人身攻击或辱骂', '泄露他人隐私', '广告或垃圾信息', '散布不实信息', '违法违规内容', '与议题无关', '其他'])
      await dialog.locator('[data-testid="moderation-rule"][data-rule="abuse"]').click()
      await slidIn(rp)
      await resident.shot('moderation-resident', 'report-dialog')
      const reported = await clickAndPost(rp, dialog.getByTestId('moderation-submit'), new RegExp(`^/api/v1/comments/${commentId}/reports$`))
      assert.equal(reported.status(), 200, await bodyText(reported))
      assert.deepEqual(JSON.parse(reported.request().postData()), { reason: RULE })
      assert.deepEqual(await reported.json(), { reports: 1, hidden: false })
      await abusive.getByTestId('comment-reported').waitFor()
      assert.equal(await abusive.getAttribute('data-state'), 'visible', 'one report does not hide it')
      // Once per member.
      const again = await pageRequest(rp, 'POST', `/api/v1/comments/${commentId}/reports`, { reason: RULE })
      assert.equal(again.status, 409, JSON.stringify(again.body))
      await settle(rp)
      await resident.shot('moderation-resident', 'reported')
    })

    // ---- the property manager reports it too (API) --------------------------------------------
    const property = await phoneOf('property')
    const second = await pageRequest(property.page, 'POST', `/api/v1/comments/${commentId}/reports`, { reason: '与议题无关' })
    await property.close()
    assert.equal(second.status, 200, JSON.stringify(second.body))
    assert.deepEqual(second.body, { reports: 2, hidden: false })

    // ---- the officer sees the two reports on the comment, still shown -------------------------
    await withShotOnFailure(officer, dir, 'moderation-reported-visible', async () => {
      await openTopic(op, topicId)
      const abusive = op.locator(`[data-testid="comment"][data-id="${commentId}"][data-state="visible"]`)
      await abusive.waitFor()
      assert.equal(await abusive.getByTestId('comment-reports').getAttribute('data-count'), '2')
      assert.equal((await abusive.getByTestId('comment-reports').innerText()).trim(), '2 人举报')
      assert.equal(await op.getByTestId('moderation-pending').count(), 0, 'nothing hidden yet')
    })
    // Members are told nothing of the count (the server sends 0).
    const seenByAuthor = (await pageFetch(ap, `/api/v1/topics/${topicId}`)).body.comments.find((c) => c.id === commentId)
    assert.equal(seenByAuthor.reports, 0)
    assert.equal(seenByAuthor.mine, true)

    // ---- the other newcomer's report is the third: the comment is hidden ------------------------
    const reporter = await phoneOf(reporterUser, NEWCOMER_PASSWORD)
    phones.push(reporter)
    const qp = reporter.page
    await withShotOnFailure(reporter, dir, 'moderation-third-report', async () => {
      await openTopic(qp, topicId)
      const abusive = commentOn(qp, commentId)
      await abusive.getByTestId('comment-report').click()
      const dialog = qp.locator('[data-testid="moderation-dialog"][data-mode="report"]')
      await dialog.waitFor()
      await dialog.locator('[data-testid="moderation-rule"][data-rule="other"]').click()
      await dialog.getByTestId('moderation-other').locator('input').fill('辱骂邻居，影响团结')
      await slidIn(qp)
      await reporter.shot('moderation-reporter', 'report-other')
      const reported = await clickAndPost(qp, dialog.getByTestId('moderation-submit'), new RegExp(`^/api/v1/comments/${commentId}/reports$`))
      assert.equal(reported.status(), 200, await bodyText(reported))
      assert.deepEqual(JSON.parse(reported.request().postData()), { reason: '辱骂邻居，影响团结' })
      assert.deepEqual(await reported.json(), { reports: 3, hidden: true })
      await qp.locator(`[data-testid="comment"][data-id="${commentId}"][data-state="pending"]`).waitFor()
      assert.equal(await abusive.getAttribute('data-hidden'), 'true')
      // Members are not told how many reported it; the staff are.
      assert.equal((await abusive.getByTestId('comment-hidden-notice').innerText()).trim(), '该评论被多位成员举报，已隐藏待审核')
      assert.equal(await abusive.getByTestId('comment-reports').count(), 0)
      assert.ok(!(await abusive.innerText()).includes(ABUSE), 'the text is gone for other members')
      await settle(qp)
      await reporter.shot('moderation-reporter', 'hidden')
    })

    // ---- the resident sees it hidden after a reload; the server sends no text -------------------
    await withShotOnFailure(resident, dir, 'moderation-hidden', async () => {
      await rp.reload()
      await rp.getByTestId('comments').waitFor()
      const abusive = rp.locator(`[data-testid="comment"][data-id="${commentId}"][data-state="pending"]`)
      await abusive.waitFor()
      assert.ok((await abusive.innerText()).includes('待审核'))
      assert.ok(!(await abusive.innerText()).includes(ABUSE))
      assert.equal(await abusive.getByTestId('comment-reply').count(), 0, 'no reply to a hidden comment')
      assert.equal(await abusive.getByTestId('comment-report').count(), 0)
      const seen = (await pageFetch(rp, `/api/v1/topics/${topicId}`)).body.comments.find((c) => c.id === commentId)
      assert.equal(seen.body, '')
      assert.equal(seen.hidden, true)
      await abusive.scrollIntoViewIfNeeded()
      await settle(rp)
      await resident.shot('moderation-resident', 'hidden')
    })

    // ---- its author still sees the text, and appeals once -------------------------------------
    await withShotOnFailure(author, dir, 'moderation-appeal', async () => {
      await ap.reload()
      const own = ap.locator(`[data-testid="comment"][data-id="${commentId}"][data-state="pending"][data-own="true"]`)
      await own.waitFor()
      assert.equal((await own.getByTestId('comment-body').innerText()).trim(), ABUSE)
      assert.ok((await own.innerText()).includes('原文仅作者和社区工作人员可见'))
      await settle(ap)
      await author.shot('moderation-author', 'hidden-own')
      await own.getByTestId('comment-appeal').click()
      const dialog = ap.locator('[data-testid="moderation-dialog"][data-mode="appeal"]')
      await dialog.waitFor()
      await dialog.getByTestId('moderation-text').locator('textarea').fill(APPEAL)
      await slidIn(ap)
      await author.shot('moderation-author', 'appeal-dialog')
      const appealed = await clickAndPost(ap, dialog.getByTestId('moderation-submit'), new RegExp(`^/api/v1/comments/${commentId}/appeal$`))
      assert.equal(appealed.status(), 204, await bodyText(appealed))
      assert.deepEqual(JSON.parse(appealed.request().postData()), { body: APPEAL })
      await own.getByTestId('comment-appealed').waitFor()
      // The author sees their appeal under the comment.
      const mine = own.getByTestId('comment-appeal-text')
      await mine.waitFor()
      assert.ok((await mine.innerText()).includes('我的申诉') && (await mine.innerText()).includes(APPEAL), await mine.innerText())
      assert.equal(await own.getByTestId('comment-appeal').count(), 0)
      const again = await pageRequest(ap, 'POST', `/api/v1/comments/${commentId}/appeal`, { body: '再申诉一次' })
      assert.equal(again.status, 409, 'one appeal per comment')
      await settle(ap)
      await author.shot('moderation-author', 'appealed')
    })

    // ---- the officer reviews: under review, 3 reports, the text; 删除 naming the rule -----------
    await withShotOnFailure(officer, dir, 'moderation-remove', async () => {
      await openTopic(op, topicId)
      const pending = op.getByTestId('moderation-pending')
      await pending.waitFor()
      assert.equal(await pending.getAttribute('data-count'), '1')
      assert.ok((await pending.innerText()).includes('有 1 条评论被举报隐藏，待您审核'))
      const abusive = commentOn(op, commentId)
      assert.equal(await abusive.getAttribute('data-state'), 'pending')
      assert.equal((await abusive.getByTestId('comment-pending').innerText()).trim(), '待审核')
      assert.equal(await abusive.getByTestId('comment-reports').getAttribute('data-count'), '3')
      assert.equal((await abusive.getByTestId('comment-reports').innerText()).trim(), '3 人举报')
      assert.equal((await abusive.getByTestId('comment-body').innerText()).trim(), ABUSE)
      // The author's appeal, for the moderator to weigh.
      const appeal = await abusive.getByTestId('comment-appeal-text').innerText()
      assert.ok(appeal.includes('作者申诉') && appeal.includes(APPEAL), appeal)
      assert.equal(await abusive.getByTestId('comment-report').count(), 0, 'staff remove rather than report')
      await abusive.getByTestId('comment-restore').waitFor()
      await abusive.scrollIntoViewIfNeeded()
      await settle(op)
      await officer.shot('moderation-officer', 'review')

      await abusive.getByTestId('comment-remove').click()
      const dialog = op.locator('[data-testid="moderation-dialog"][data-mode="remove"]')
      await dialog.waitFor()
      await dialog.locator('[data-testid="moderation-rule"][data-rule="abuse"]').click()
      await slidIn(op)
      await officer.shot('moderation-officer', 'remove-dialog')
      const removed = await clickAndPost(op, dialog.getByTestId('moderation-submit'), new RegExp(`^/api/v1/comments/${commentId}/moderation$`))
      assert.equal(removed.status(), 204, await bodyText(removed))
      assert.deepEqual(JSON.parse(removed.request().postData()), { action: 'remove', rule: RULE })
      await op.locator(`[data-testid="comment"][data-id="${commentId}"][data-state="removed"]`).waitFor()
      assert.equal((await abusive.getByTestId('comment-removed').innerText()).trim(), '已删除')
      assert.equal((await abusive.getByTestId('comment-hidden-notice').innerText()).trim(), `该评论因“${RULE}”已被删除`)
      assert.equal(await abusive.getByTestId('comment-remove').count(), 0)
      assert.equal(await op.getByTestId('moderation-pending').count(), 0, 'nothing waits for review')
      await settle(op)
      await officer.shot('moderation-officer', 'removed')

      // A harmless comment removed by mistake is restored (with the fixed wording when none is written).
      const harmless = commentOn(op, harmlessId)
      await harmless.getByTestId('comment-remove').click()
      const removeDialog = op.locator('[data-testid="moderation-dialog"][data-mode="remove"]')
      await removeDialog.waitFor()
      await removeDialog.locator('[data-testid="moderation-rule"][data-rule="offtopic"]').click()
      const removedToo = await clickAndPost(op, removeDialog.getByTestId('moderation-submit'), new RegExp(`^/api/v1/comments/${harmlessId}/moderation$`))
      assert.equal(removedToo.status(), 204, await bodyText(removedToo))
      await op.locator(`[data-testid="comment"][data-id="${harmlessId}"][data-state="removed"]`).waitFor()
      await settle(op)
      await harmless.getByTestId('comment-restore').click()
      const restoreDialog = op.locator('[data-testid="moderation-dialog"][data-mode="restore"]')
      await restoreDialog.waitFor()
      await slidIn(op)
      await officer.shot('moderation-officer', 'restore-dialog')
      const restored = await clickAndPost(op, restoreDialog.getByTestId('moderation-submit'), new RegExp(`^/api/v1/comments/${harmlessId}/moderation$`))
      assert.equal(restored.status(), 204, await bodyText(restored))
      assert.deepEqual(JSON.parse(restored.request().postData()), { action: 'restore', rule: '经审核未违反社区公约' })
      await op.locator(`[data-testid="comment"][data-id="${harmlessId}"][data-state="visible"]`).waitFor()
    })

    // ---- everyone else sees it removed for that rule; the harmless one is back -------------------
    await withShotOnFailure(resident, dir, 'moderation-removed', async () => {
      await rp.reload()
      const abusive = rp.locator(`[data-testid="comment"][data-id="${commentId}"][data-state="removed"]`)
      await abusive.waitFor()
      assert.equal((await abusive.getByTestId('comment-hidden-notice').innerText()).trim(), `该评论因“${RULE}”已被删除`)
      assert.ok(!(await abusive.innerText()).includes(ABUSE))
      await rp.locator(`[data-testid="comment"][data-id="${harmlessId}"][data-state="visible"]`).waitFor()
      await abusive.scrollIntoViewIfNeeded()
      await settle(rp)
      await resident.shot('moderation-resident', 'removed')
    })

    // ---- the author is told (a moderation notification), which opens the topic ---------------------
    await withShotOnFailure(author, dir, 'moderation-notification', async () => {
      await openNotification(ap, 'moderation', `topic:${topicId}`, `/community/topics/${topicId}`, '评论审核')
      await ap.locator(`[data-testid="comment"][data-id="${commentId}"][data-state="removed"][data-own="true"]`).waitFor()
    })

    // ---- the audit log: hidden by reports, appealed, removed with its rule, restored -------------
    const token = await apiToken('auditor')
    const audit = await fetch(`${run.baseUrl}/api/v1/audit?action=moderation.&limit=200`, { headers: { Authorization: `Bearer ${token}` } })
    assert.equal(audit.status, 200)
    const entries = (await audit.json()).items
    const about = (id, action) => entries.filter((e) => e.target === `comment:${id}` && e.action === action)
    const hide = about(commentId, 'moderation.hide')
    assert.equal(hide.length, 1, JSON.stringify(entries).slice(0, 1500))
    assert.equal(hide[0].details.reports, 3)
    assert.equal(about(commentId, 'moderation.appeal').length, 1)
    const removal = about(commentId, 'moderation.remove')
    assert.equal(removal.length, 1, JSON.stringify(entries).slice(0, 1500))
    assert.equal(removal[0].details.rule, RULE)
    assert.equal(removal[0].actor_role, 'grid_officer')
    assert.equal(removal[0].details.topic, topicId)
    assert.equal(about(harmlessId, 'moderation.remove')[0]?.details.rule, '与议题无关')
    assert.equal(about(harmlessId, 'moderation.restore')[0]?.details.rule, '经审核未违反社区公约')
  })

  it('矛盾调处: the officer registers a mediation, the mediator records 调解 and 协议, and only parties and mediator see it', SLOW, async (phones) => {
    const tag = Date.now().toString(36)
    const title = `楼上漏水纠纷（e2e ${tag}）`
    const officer = await phoneOf('officer')
    phones.push(officer)
    const op = officer.page
    const members = await pageFetch(op, `/api/v1/communities/${COMMUNITY}/members`)
    assert.equal(members.status, 200)
    const idOf = (username) => members.body.items.find((m) => m.username === username)?.user_id
    const [residentId, propertyId, secretaryId] = ['resident', 'property', 'secretary'].map(idOf)
    for (const id of [residentId, propertyId, secretaryId]) assert.match(id ?? '', UUID, JSON.stringify(members.body.items))

    // ---- 社区 › 调解 › 登记调解: the officer --------------------------------------------------
    let mediationId
    await withShotOnFailure(officer, dir, 'mediation-register', async () => {
      await openCommunity(op, 'mediation')
      await op.getByTestId('mediation-panel').waitFor()
      await op.getByTestId('mediation-new').click()
      await waitForPath(op, '/community/mediations/new')
      await op.getByTestId('page-mediation-new').waitFor()
      assert.equal(await op.getByTestId('mediation-community').getAttribute('data-code'), COMMUNITY)
      await op.getByTestId('mediation-title').locator('input').fill(title)
      await op.getByTestId('mediation-summary').locator('textarea').fill('物业管理的 5 栋 602 水管渗漏，楼下居民王芳家天花板受损，双方对维修费用分担有争议。')

      const picker = op.locator('[data-testid="member-picker"][data-state="ready"]')
      for (const [username, search] of [['resident', '王芳'], ['property', '吴敏']]) {
        await op.getByTestId('mediation-add-party').click()
        await picker.waitFor()
        assert.ok((await picker.innerText()).includes('选择当事人'))
        await picker.getByTestId('member-search').locator('input').fill(search)
        await picker.locator(`[data-testid="member-option"][data-username="${username}"]`).click()
        await picker.waitFor({ state: 'hidden' })
      }
      const parties = await op.getByTestId('mediation-party').evaluateAll((els) => els.map((e) => e.getAttribute('data-user-id')))
      assert.deepEqual(parties, [residentId, propertyId])

      await op.getByTestId('mediation-mediator').click()
      await picker.waitFor()
      assert.ok((await picker.innerText()).includes('选择调解员'))
      // Parties already chosen are not ticked here: this picks the mediator.
      assert.equal(await picker.locator('[data-testid="member-option"][data-selected="true"]').count(), 0)
      await slidIn(op)
      await officer.shot('mediation-officer', 'pick-mediator')
      await picker.locator('[data-testid="member-option"][data-username="secretary"]').click()
      await picker.waitFor({ state: 'hidden' })
      assert.equal(await op.getByTestId('mediation-mediator').getAttribute('data-user-id'), secretaryId)
      assert.equal((await op.getByTestId('mediation-mediator-name').innerText()).trim(), '社区书记 陈刚')
      await settle(op)
      await officer.shot('mediation-officer', 'form')

      const created = await clickAndPost(op, op.getByTestId('mediation-submit'), new RegExp(`^/api/v1/communities/${COMMUNITY}/mediations$`))
      assert.equal(created.status(), 201, await bodyText(created))
      assert.deepEqual(JSON.parse(created.request().postData()), {
        title,
        summary: '物业管理的 5 栋 602 水管渗漏，楼下居民王芳家天花板受损，双方对维修费用分担有争议。',
        parties: [residentId, propertyId],
        mediator_id: secretaryId,
      })
      mediationId = (await created.json()).id
      assert.match(mediationId, UUID)
      // Not the officer's to see any more: back to the list, where it is not.
      await op.locator('.van-tab--active [data-testid="community-tab-mediation"]').waitFor()
      await op.locator('[data-testid="mediation-empty"], [data-testid="mediation-list"]').first().waitFor()
      assert.equal(await op.locator(`[data-testid="mediation-item"][data-id="${mediationId}"]`).count(), 0)
    })

    // ---- the officer (a member, not a party) gets 404 on its URL; so does the auditor -------------
    await withShotOnFailure(officer, dir, 'mediation-not-party', async () => {
      const direct = await pageFetch(op, `/api/v1/mediations/${mediationId}`)
      assert.equal(direct.status, 404)
      await op.goto(`/community/mediations/${mediationId}`)
      const gone = op.getByTestId('mediation-not-found')
      await gone.waitFor()
      assert.ok((await gone.innerText()).includes('调解不存在，或您无权查看'))
      assert.equal(await op.getByTestId('mediation-header').count(), 0)
      await settle(op)
      await officer.shot('mediation-officer', 'not-found')
    })
    const auditorToken = await apiToken('auditor')
    const byAuditor = await fetch(`${run.baseUrl}/api/v1/mediations/${mediationId}`, { headers: { Authorization: `Bearer ${auditorToken}` } })
    assert.equal(byAuditor.status, 404, 'auditors do not see mediations')

    // ---- the mediator records a session (调解), then the agreement (协议) ----------------------
    const secretary = await phoneOf('secretary')
    phones.push(secretary)
    const sp = secretary.page
    await withShotOnFailure(secretary, dir, 'mediation-steps', async () => {
      await openCommunity(sp, 'mediation')
      const item = sp.locator(`[data-testid="mediation-item"][data-id="${mediationId}"]`)
      await item.waitFor()
      assert.equal(await item.getAttribute('data-state'), 'registered')
      assert.equal(await item.getAttribute('data-mediator'), 'true')
      assert.equal((await item.getByTestId('mediation-role').innerText()).trim(), '我调解')
      await settle(sp)
      await secretary.shot('mediation-secretary', 'list')
      await item.click()
      await waitForPath(sp, `/community/mediations/${mediationId}`)
      const header = sp.getByTestId('mediation-header')
      await header.waitFor()
      assert.equal(await header.getAttribute('data-state'), 'registered')
      assert.equal((await sp.getByTestId('mediation-state').innerText()).trim(), '登记受理')
      assert.equal(await sp.getByTestId('mediation-path').getAttribute('data-active'), '0')
      assert.deepEqual(
        await sp.getByTestId('mediation-path').locator('.van-step').evaluateAll((els) => els.map((e) => e.innerText.trim())),
        ['登记受理', '调解', '协议', '回访'],
      )
      const offered = await sp.getByTestId('mediation-actions').locator('button').evaluateAll((els) => els.map((e) => e.innerText.trim()))
      assert.deepEqual(offered, ['记录调解', '移交上级', '终止调解'])
      await secretary.shot('mediation-secretary', 'registered')

      // 调解
      await sp.getByTestId('mediation-step-session').click()
      let dialog = sp.locator('[data-testid="mediation-step-dialog"][data-step="session"]')
      await dialog.waitFor()
      const sessionNotes = '双方到社区调解室当面沟通，物业承认水管老化，王芳出示天花板受损照片。'
      await dialog.getByTestId('mediation-notes').locator('textarea').fill(sessionNotes)
      await slidIn(sp)
      await secretary.shot('mediation-secretary', 'session-dialog')
      let stepped = await clickAndPost(sp, dialog.getByTestId('mediation-step-submit'), new RegExp(`^/api/v1/mediations/${mediationId}/steps$`))
      assert.equal(stepped.status(), 204, await bodyText(stepped))
      assert.deepEqual(JSON.parse(stepped.request().postData()), { step: 'session', notes: sessionNotes, to: null })
      await sp.locator('[data-testid="mediation-header"][data-state="mediating"]').waitFor()
      assert.equal((await sp.getByTestId('mediation-state').innerText()).trim(), '调解中')
      assert.equal(await sp.getByTestId('mediation-path').getAttribute('data-active'), '1')
      await sp.getByTestId('mediation-step-agreement').waitFor()

      // 协议
      await settle(sp)
      await sp.getByTestId('mediation-step-agreement').click()
      dialog = sp.locator('[data-testid="mediation-step-dialog"][data-step="agreement"]')
      await dialog.waitFor()
      const agreement = '物业于两周内更换 5 栋 602 水管并承担王芳家天花板修复费用 1500 元。'
      await dialog.getByTestId('mediation-notes').locator('textarea').fill(agreement)
      stepped = await clickAndPost(sp, dialog.getByTestId('mediation-step-submit'), new RegExp(`^/api/v1/mediations/${mediationId}/steps$`))
      assert.equal(stepped.status(), 204, await bodyText(stepped))
      assert.deepEqual(JSON.parse(stepped.request().postData()), { step: 'agreement', notes: agreement, to: null })
      await sp.locator('[data-testid="mediation-header"][data-state="agreed"]').waitFor()
      assert.equal((await sp.getByTestId('mediation-state').innerText()).trim(), '已达成协议')
      assert.equal(await sp.getByTestId('mediation-path').getAttribute('data-active'), '2')
      assert.equal((await sp.getByTestId('mediation-agreement').innerText()).trim(), agreement)
      assert.deepEqual(
        await sp.getByTestId('mediation-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind'))),
        ['session', 'agreement'],
      )
      // Next: only the follow-up (回访).
      const next = await sp.getByTestId('mediation-actions').locator('button').evaluateAll((els) => els.map((e) => e.innerText.trim()))
      assert.deepEqual(next, ['记录回访'])
      await settle(sp)
      await sp.getByTestId('mediation-agreement').scrollIntoViewIfNeeded()
      await secretary.shot('mediation-secretary', 'agreed')
    })

    // ---- a party sees it all and may record nothing ---------------------------------------------
    const resident = await phoneOf('resident')
    phones.push(resident)
    const rp = resident.page
    await withShotOnFailure(resident, dir, 'mediation-party', async () => {
      // Told when it was registered: the notification opens it.
      await openNotification(rp, 'mediation', `mediation:${mediationId}`, `/community/mediations/${mediationId}`, '调解')
      await rp.locator(`[data-testid="mediation-header"][data-id="${mediationId}"]`).waitFor()
      await openCommunity(rp, 'mediation')
      assert.equal(await rp.getByTestId('mediation-new').count(), 0, 'residents do not register mediations')
      const item = rp.locator(`[data-testid="mediation-item"][data-id="${mediationId}"]`)
      await item.waitFor()
      assert.equal(await item.getAttribute('data-state'), 'agreed')
      assert.equal(await item.getAttribute('data-mediator'), 'false')
      assert.equal((await item.getByTestId('mediation-role').innerText()).trim(), '当事人')
      await settle(rp)
      await resident.shot('mediation-resident', 'list')
      await item.click()
      await rp.locator('[data-testid="mediation-header"][data-state="agreed"]').waitFor()
      const parties = await rp.getByTestId('mediation-parties').innerText()
      assert.ok(parties.includes('居民 王芳') && parties.includes('物业经理 吴敏'), parties)
      assert.ok((await rp.getByTestId('mediation-mediator').innerText()).includes('社区书记 陈刚'))
      assert.equal(await rp.getByTestId('mediation-entry').count(), 2)
      // Each entry says who recorded it.
      const authors = await rp.getByTestId('mediation-entry-author').evaluateAll((els) => els.map((e) => e.innerText))
      assert.ok(authors.length === 2 && authors.every((a) => a.includes('社区书记 陈刚')), JSON.stringify(authors))
      assert.equal(await rp.getByTestId('mediation-actions').count(), 0, 'only the mediator records steps')
      assert.ok((await rp.getByTestId('mediation-wait').innerText()).includes('社区书记 陈刚'))
      const refused = await pageRequest(rp, 'POST', `/api/v1/mediations/${mediationId}/steps`, { step: 'follow_up', notes: '我来回访', to: null })
      assert.equal(refused.status, 403, JSON.stringify(refused.body))
      await settle(rp)
      await resident.shot('mediation-resident', 'detail')
    })
  })
}

onBothBackends('moderation and mediation e2e, ', 'moderation', backendSuite)
