// Steps through 社区 that several test files take, and newcomers let into the demo community.
import assert from 'node:assert/strict'
import { WEB, pageFetch, pageRequest, waitForPath } from './pages.mjs'

/** 牛角巷社区, the demo community of the officer, the resident and the property manager. */
export const COMMUNITY = '430407001001'
/** The password of the newcomers the tests register. */
export const NEWCOMER_PASSWORD = 'e2e-newcomer-password'

/** Opens the 社区 tab on part `tab` (of `community` when given, else the one the app picks). */
export async function openCommunity(page, tab, community) {
  await page.goto(`/community?tab=${tab}${community ? `&c=${community}` : ''}`)
  await page.getByTestId('page-community').waitFor()
  await page.locator(`.van-tab--active [data-testid="community-tab-${tab}"]`).waitFor()
}

/** Opens the chat and waits for its socket. */
export async function openChat(page) {
  await openCommunity(page, 'chat')
  await page.locator('[data-testid="chat-panel"][data-state="live"]').waitFor()
}

/** Opens a topic's page and waits for its comments. */
export async function openTopic(page, topicId) {
  await page.goto(`/community/topics/${topicId}`)
  await page.getByTestId('topic-header').waitFor()
  await page.getByTestId('comments').waitFor()
}

/** The comment `id` on a topic page. */
export function commentOn(page, id) {
  return page.locator(`[data-testid="comment"][data-id="${id}"]`)
}

/**
 * Opens the notifications (事件 › bell), taps the one of `kind` about `subject` and waits for
 * `path`: notifications not about a case open what their subject names.
 */
export async function openNotification(page, kind, subject, path, label) {
  await page.goto('/cases')
  await page.getByTestId('notifications-open').click()
  const list = page.getByTestId('notification-list')
  await list.waitFor()
  const note = list.locator(`[data-testid="notification-item"][data-kind="${kind}"][data-subject="${subject}"]`).first()
  await note.waitFor()
  assert.ok((await note.innerText()).includes(label), await note.innerText())
  await note.click()
  await waitForPath(page, path)
}

/**
 * A newcomer joins the community: the staff (on `staffPage`) issue an invite, the newcomer
 * registers with its code at `baseUrl` (no session), and the staff verify the request, which
 * makes them a resident of the community. Their password is NEWCOMER_PASSWORD.
 */
export async function verifiedResident(baseUrl, staffPage, username, displayName, address) {
  const invite = await pageRequest(staffPage, 'POST', `/api/v1/communities/${COMMUNITY}/invites`, { address })
  assert.equal(invite.status, 201, JSON.stringify(invite.body))
  const joined = await fetch(`${baseUrl}/api/v1/join`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...WEB },
    body: JSON.stringify({ code: invite.body.code, username, display_name: displayName, password: NEWCOMER_PASSWORD }),
  })
  assert.equal(joined.status, 201, await joined.text())
  const requests = await pageFetch(staffPage, `/api/v1/communities/${COMMUNITY}/join-requests`)
  assert.equal(requests.status, 200)
  const request = requests.body.items.find((r) => r.username === username && r.state === 'pending')
  assert.ok(request, `the join request of ${username}: ${JSON.stringify(requests.body.items)}`)
  const decided = await pageRequest(staffPage, 'POST', `/api/v1/join-requests/${request.id}/decision`, { verify: true })
  assert.equal(decided.status, 204, JSON.stringify(decided.body))
}
