// Invites and verification of newcomers in a real browser against the real palmgrid binary.
//
// The grid officer opens 社区 › 成员, adds a building (新增楼栋) and issues an invite for 3栋
// 2单元301室: the code is shown once with a QR code of the join link, drawn on a canvas (not
// blank). A fresh browser (no session) reaches /join from the login page's link, then opens the
// join link: the code is filled in from ?code=. A wrong code and a user name already taken are
// refused with their messages; then the newcomer registers and is told the staff must verify
// them — signed in, they see no 社区 tab. The officer finds them under 待核验 with 3栋 2单元301室
// and verifies them; the member list shows them in 3栋. The newcomer, after a reload, has the
// 社区 tab and sees 牛角巷社区. Once on SQLite and once on PostgreSQL. See e2e/README.md.
//
// PALMGRID_E2E_URL=http://127.0.0.1:5173 runs the tests against a server already running (for
// instance Vite's dev server in front of `palmgrid demo`) instead of starting the binary. They add
// a member and a building to 牛角巷社区, so tests/community.test.mjs (which counts members) needs
// another fresh demo.
import assert from 'node:assert/strict'
import { demoSuite, onBothBackends } from '../lib/suites.mjs'
import { WEB, bodyText, clickAndPost, login, loginAndWaitHome, noToast, pageFetch, settle, waitForPath, withShotOnFailure } from '../lib/pages.mjs'
import { COMMUNITY, NEWCOMER_PASSWORD, openCommunity } from '../lib/community.mjs'

const SLOW = { timeout: 300_000 }

/** How much of a canvas is dark and how much light (a QR code has plenty of both). */
async function canvasInk(locator) {
  return locator.evaluate((canvas) => {
    const { data, width, height } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
    let dark = 0
    let light = 0
    for (let i = 0; i < data.length; i += 4) {
      const luma = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]
      if (luma < 64) dark++
      else if (luma > 192) light++
    }
    const total = width * height
    return { width, height, dark: dark / total, light: light / total }
  })
}

function backendSuite(backend, prepareDatabase) {
  const run = demoSuite(backend, prepareDatabase, {
    setup: `palmgrid demo starts (${backend}) with the join routes, and Chromium launches`,
    timeout: SLOW.timeout,
    logName: 'server-join',
    async check(baseUrl) {
      const shell = await (await fetch(`${baseUrl}/join?code=X`)).text()
      assert.match(shell, /<div id="app">/, 'GET /join is not the web app: rebuild palmgrid with npm available so build.rs embeds web/')
      for (const path of [`/api/v1/communities/${COMMUNITY}/join-requests`, `/api/v1/communities/${COMMUNITY}/buildings`]) {
        const r = await fetch(`${baseUrl}${path}`, { headers: WEB })
        assert.equal(r.status, 401, `GET ${path} exists and needs a session`)
      }
    },
  })
  const { dir, it, phoneOf } = run

  it('the officer invites 3栋 2单元301室 with a QR code, the newcomer registers from it, is verified and sees the community', SLOW, async (phones) => {
    const tag = Date.now().toString(36)
    const username = `e2e-sun-${tag}`
    const displayName = '居民 孙悦'
    // ---- 社区 › 成员 › 邀请居民: the officer ------------------------------------------------------
    const officer = await phoneOf('officer')
    phones.push(officer)
    const op = officer.page
    let joinUrl
    let code
    await withShotOnFailure(officer, dir, 'join-invite', async () => {
      await openCommunity(op, 'members', COMMUNITY)
      await op.getByTestId('members-panel').waitFor()
      await op.getByTestId('member-list').waitFor()
      await settle(op)
      await officer.shot('join-officer', 'members')

      await op.getByTestId('invite-open').click()
      const dialog = op.getByTestId('invite-dialog')
      await dialog.waitFor()
      await dialog.locator('[data-testid="invite-building"][data-building="3栋"]').waitFor()
      const names = await dialog.getByTestId('invite-building').evaluateAll((els) => els.map((e) => e.getAttribute('data-building')))
      for (const b of ['1栋', '2栋', '3栋', '5栋']) assert.ok(names.includes(b), `the demo building ${b} is offered: ${names}`)
      assert.deepEqual(names.slice(0, 5), ['', '1栋', '2栋', '3栋', '5栋'], 'no building first, then in natural order')

      // 新增楼栋: added and chosen.
      const newBuilding = `${tag}栋`
      await dialog.getByTestId('invite-new-building').locator('input').fill(newBuilding)
      const added = await clickAndPost(op, dialog.getByTestId('invite-add-building'), new RegExp(`^/api/v1/communities/${COMMUNITY}/buildings$`))
      assert.equal(added.status(), 201, await bodyText(added))
      assert.deepEqual(JSON.parse(added.request().postData()), { name: newBuilding })
      await dialog.locator(`[data-testid="invite-building"][data-building="${newBuilding}"].van-button--primary`).waitFor()

      // The invite is for 3栋.
      const buildings = (await pageFetch(op, `/api/v1/communities/${COMMUNITY}/buildings`)).body.items
      const third = buildings.find((b) => b.name === '3栋')
      assert.ok(third, JSON.stringify(buildings))
      await dialog.locator('[data-testid="invite-building"][data-building="3栋"]').click()
      await dialog.locator('[data-testid="invite-building"][data-building="3栋"].van-button--primary').waitFor()
      await dialog.getByTestId('invite-address').locator('input').fill('2单元301室')
      await noToast(op)
      await officer.shot('join-officer', 'invite-form')
      const issued = await clickAndPost(op, dialog.getByTestId('invite-submit'), new RegExp(`^/api/v1/communities/${COMMUNITY}/invites$`))
      assert.equal(issued.status(), 201, await bodyText(issued))
      assert.deepEqual(JSON.parse(issued.request().postData()), { address: '2单元301室', building_id: third.id })
      const invite = await issued.json()

      const result = dialog.getByTestId('invite-result')
      await result.waitFor()
      code = (await result.getByTestId('invite-code').innerText()).trim()
      assert.equal(code, invite.code)
      assert.match(code, /^[A-Z0-9]{16}$/)
      joinUrl = (await result.getByTestId('invite-url').innerText()).trim()
      assert.equal(joinUrl, `${new URL(op.url()).origin}${invite.join_url}`)
      assert.equal(new URL(joinUrl).searchParams.get('code'), code)
      assert.equal((await result.getByTestId('invite-for').innerText()).trim(), '3栋 2单元301室')

      // The QR code: drawn on a canvas, with plenty of dark and light modules.
      const canvas = result.locator('[data-testid="qr-canvas"][data-drawn="true"]')
      await canvas.waitFor()
      const ink = await canvasInk(canvas)
      assert.ok(ink.width >= 200 && ink.height === ink.width, JSON.stringify(ink))
      assert.ok(ink.dark > 0.2 && ink.light > 0.3, `the QR canvas is not blank: ${JSON.stringify(ink)}`)
      await noToast(op)
      await officer.shot('join-officer', 'invite-code')
      await result.getByTestId('invite-close').click()
      await settle(op)
    })

    // ---- a fresh browser: the login page's link, then the join link --------------------------
    const newcomer = await run.newPhone()
    phones.push(newcomer)
    const np = newcomer.page
    await withShotOnFailure(newcomer, dir, 'join-register', async () => {
      await np.goto('/login')
      const link = np.getByTestId('login-join-link')
      assert.equal((await link.innerText()).trim(), '有邀请码？加入社区')
      await link.click()
      await waitForPath(np, '/join')
      await np.getByTestId('page-join').waitFor()
      assert.equal(await np.getByTestId('join-code').locator('input').inputValue(), '')

      await np.goto(joinUrl)
      await np.getByTestId('page-join').waitFor()
      assert.equal(await np.getByTestId('join-code').locator('input').inputValue(), code, 'the code comes from ?code=')
      await np.getByTestId('join-username').locator('input').fill(username)
      await np.getByTestId('join-display-name').locator('input').fill(displayName)
      await np.getByTestId('join-password').locator('input').fill(NEWCOMER_PASSWORD)
      await np.getByTestId('join-confirm').locator('input').fill(NEWCOMER_PASSWORD)
      await newcomer.shot('join-newcomer', 'form')

      // A wrong code: 422, said plainly; nothing registered.
      await np.getByTestId('join-code').locator('input').fill('WRONGCODE0000000')
      let sent = await clickAndPost(np, np.getByTestId('join-submit'), /^\/api\/v1\/join$/)
      assert.equal(sent.status(), 422, await bodyText(sent))
      assert.ok((await np.getByTestId('join-error').innerText()).includes('邀请码无效'))
      await newcomer.shot('join-newcomer', 'wrong-code')

      // A user name taken: 409, said plainly; the invite is still good.
      await np.getByTestId('join-code').locator('input').fill(code)
      await np.getByTestId('join-username').locator('input').fill('resident')
      sent = await clickAndPost(np, np.getByTestId('join-submit'), /^\/api\/v1\/join$/)
      assert.equal(sent.status(), 409, await bodyText(sent))
      assert.ok((await np.getByTestId('join-error').innerText()).includes('该用户名已被使用'))

      await np.getByTestId('join-username').locator('input').fill(username)
      sent = await clickAndPost(np, np.getByTestId('join-submit'), /^\/api\/v1\/join$/)
      assert.equal(sent.status(), 201, await bodyText(sent))
      assert.deepEqual(JSON.parse(sent.request().postData()), { code, username, display_name: displayName, password: NEWCOMER_PASSWORD })
      const joined = await sent.json()
      assert.equal(joined.status, 'pending')
      const pending = np.getByTestId('join-pending')
      await pending.waitFor()
      const said = await pending.innerText()
      assert.ok(said.includes('等待核验') && said.includes(username) && said.includes('社区工作人员核验'), said)
      await newcomer.shot('join-newcomer', 'pending')

      // Signing in before verification shows no community. This server answers GET /me with
      // 403 for an account without a role, which the login page explains; should it let the
      // account in, the home page must have no 社区 tab.
      await np.getByTestId('join-to-login').click()
      await waitForPath(np, '/login')
      await login(np, username, NEWCOMER_PASSWORD)
      const outcome = np.locator('[data-testid="page-home"], [data-testid="login-error"]').first()
      await outcome.waitFor()
      if ((await outcome.getAttribute('data-testid')) === 'login-error') {
        assert.ok((await outcome.innerText()).includes('请等社区工作人员核验'), await outcome.innerText())
        await newcomer.shot('join-newcomer', 'login-unverified')
      } else {
        assert.equal(await np.getByTestId('tab-community').count(), 0, 'no community before verification')
        await settle(np)
        await newcomer.shot('join-newcomer', 'home-unverified')
      }
    })

    // ---- 待核验: the officer verifies them; the member list shows them in 3栋 ---------------------
    await withShotOnFailure(officer, dir, 'join-verify', async () => {
      await op.reload()
      await op.getByTestId('members-panel').waitFor()
      const request = op.locator(`[data-testid="join-request"][data-username="${username}"]`)
      await request.waitFor()
      assert.equal(await request.getAttribute('data-state'), 'pending')
      assert.equal((await request.getByTestId('join-request-home').innerText()).trim(), '3栋 2单元301室')
      assert.ok((await request.innerText()).includes(displayName))
      assert.ok(Number(await op.getByTestId('join-pending-count').getAttribute('data-count')) >= 1)
      await request.scrollIntoViewIfNeeded()
      await settle(op)
      await officer.shot('join-officer', 'requests')
      const decided = await clickAndPost(op, request.getByTestId('join-verify'), /^\/api\/v1\/join-requests\/[^/]+\/decision$/)
      assert.equal(decided.status(), 204, await bodyText(decided))
      assert.deepEqual(JSON.parse(decided.request().postData()), { verify: true })
      await op.locator(`[data-testid="join-request"][data-username="${username}"][data-state="verified"]`).waitFor()
      assert.equal((await request.getByTestId('join-request-state').innerText()).trim(), '已核验')
      assert.equal(await request.getByTestId('join-verify').count(), 0)

      const member = op.locator(`[data-testid="member-row"][data-username="${username}"]`)
      await member.waitFor()
      assert.equal(await member.getAttribute('data-building'), '3栋')
      const row = await member.innerText()
      assert.ok(row.includes(displayName) && row.includes('3栋 2单元301室') && row.includes('居民'), row)
      await member.scrollIntoViewIfNeeded()
      await settle(op)
      await officer.shot('join-officer', 'verified')
    })

    // ---- the newcomer now has the 社区 tab ----------------------------------------------------------
    await withShotOnFailure(newcomer, dir, 'join-community', async () => {
      if (new URL(np.url()).pathname === '/login') await loginAndWaitHome(np, username, NEWCOMER_PASSWORD)
      else await np.reload()
      await np.getByTestId('tabbar').waitFor()
      await np.getByTestId('tab-community').click()
      await np.getByTestId('page-community').waitFor()
      await np.locator(`[data-testid="community-name"][data-code="${COMMUNITY}"]`).waitFor()
      assert.ok((await np.getByTestId('community-name').innerText()).includes('牛角巷社区'))
      assert.equal(await np.getByTestId('community-tab-members').count(), 0, '成员 is only for the staff')
      await settle(np)
      await newcomer.shot('join-newcomer', 'community')
    })

    // A resident gets 403/404 for the staff's lists.
    const byResident = (await pageFetch(np, `/api/v1/communities/${COMMUNITY}/join-requests`)).status
    assert.ok([403, 404].includes(byResident), `join requests for a resident: ${byResident}`)
  })
}

onBothBackends('join e2e, ', 'join', backendSuite)
