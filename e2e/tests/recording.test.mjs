// Recording survives what a server goes through: after two minutes of the demo's continuous
// recording, a 60 s range plays in Chromium for 60 ± 1 s; after `kill -9` and a restart on the
// same data, everything older than 2 s before the kill still plays. Once on SQLite and once on
// PostgreSQL. See e2e/README.md.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ARTIFACTS_DIR, DEMO_PASSWORD } from '../lib/config.mjs'
import { startPalmgrid } from '../lib/server.mjs'
import { onBothBackends } from '../lib/suites.mjs'
import { launchBrowser, newPhone } from '../lib/browser.mjs'

const LONG = { timeout: 420_000 }
const iso = (ms) => new Date(ms).toISOString()

async function token(base) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'officer', password: DEMO_PASSWORD }),
  })
  assert.equal(res.status, 200)
  return (await res.json()).token
}

async function api(base, tok, path) {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${tok}` } })
  assert.equal(res.status, 200, `${path}: ${res.status}`)
  return res.json()
}

async function spans(base, tok, camera) {
  const now = Date.now()
  const v = await api(base, tok, `/api/v1/cameras/${camera}/timeline?start=${iso(now - 3_600_000)}&end=${iso(now + 60_000)}`)
  return v.items
}

/**
 * Plays recording.mp4 for [from, to) in a <video> of the logged-in page; returns its duration,
 * whether currentTime advanced by a second, and whether two sampled frames have varied pixels.
 */
async function playInChromium(page, camera, from, to) {
  const src = `/api/v1/cameras/${camera}/recording.mp4?start=${iso(from)}&end=${iso(to)}&purpose=${encodeURIComponent('证据调取')}`
  return page.evaluate(async (src) => {
    const v = document.createElement('video')
    v.muted = true
    v.playsInline = true
    v.src = src
    document.body.appendChild(v)
    await new Promise((ok, fail) => {
      v.onloadedmetadata = ok
      v.onerror = () => fail(new Error(`video error ${v.error?.code} ${v.error?.message}`))
    })
    const duration = v.duration
    await v.play()
    const t0 = v.currentTime
    const start = performance.now()
    while (v.currentTime < t0 + 1 && performance.now() - start < 20_000) await new Promise((r) => setTimeout(r, 100))
    const c = document.createElement('canvas')
    c.width = 64
    c.height = 36
    const ctx = c.getContext('2d')
    ctx.drawImage(v, 0, 0, 64, 36)
    const px = ctx.getImageData(0, 0, 64, 36).data
    let min = 255
    let max = 0
    for (let i = 0; i < px.length; i += 4) {
      const y = (px[i] + px[i + 1] + px[i + 2]) / 3
      min = Math.min(min, y)
      max = Math.max(max, y)
    }
    const advanced = v.currentTime - t0
    v.remove()
    return { duration, advanced, contrast: max - min }
  }, src)
}

function recordingSuite(backend, prepareDatabase) {
  const dir = join(ARTIFACTS_DIR, `recording-${backend}`)
  let server
  let browser
  let db

  test(`recording on ${backend}: 60 s of a 2-minute recording plays; kill -9 loses at most 2 s`, LONG, async () => {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    db = prepareDatabase?.()
    server = await startPalmgrid({ databaseUrl: db?.url, logFile: join(dir, 'server-1.log'), keepDataDir: true })
    browser = await launchBrowser()
    let tok = await token(server.url)
    const cams = (await api(server.url, tok, '/api/v1/cameras')).items
    const camera = cams.find((c) => c.recording)?.id
    assert.ok(camera, 'demo cameras are recorded from the start')

    // Two minutes of recording.
    let span
    const deadline = Date.now() + 200_000
    for (;;) {
      span = (await spans(server.url, tok, camera)).at(-1)
      if (span && span.end_ms - span.start_ms >= 125_000) break
      assert.ok(Date.now() < deadline, `not 2 min recorded in time: ${JSON.stringify(span)}`)
      await new Promise((r) => setTimeout(r, 5_000))
    }
    const phone = await newPhone(browser, server.url, dir)
    // The page logs in through the API; the session cookie then authorises <video src>.
    const login = await phone.context.request.post(`${server.url}/api/v1/auth/login`, {
      data: { username: 'officer', password: DEMO_PASSWORD },
    })
    assert.equal(login.status(), 200)
    await phone.page.goto('/')
    const to = span.end_ms - 5_000
    const played = await playInChromium(phone.page, camera, to - 60_000, to)
    assert.ok(Math.abs(played.duration - 60) <= 1, `60 s range lasts ${played.duration} s`)
    assert.ok(played.advanced >= 1, `playback advanced ${played.advanced} s`)
    assert.ok(played.contrast > 30, `frames are not blank (contrast ${played.contrast})`)

    // kill -9, then start again on the same data.
    const killedAt = await server.kill9()
    server = await startPalmgrid({ databaseUrl: db?.url, logFile: join(dir, 'server-2.log'), dataDir: server.dataDir })
    tok = await token(server.url)
    const before = (await spans(server.url, tok, camera)).filter((s) => s.start_ms < killedAt)
    const lastBefore = before.at(-1)
    assert.ok(lastBefore.end_ms >= killedAt - 2_000, `kept until ${killedAt - lastBefore.end_ms} ms before the kill`)
    const phone2 = await newPhone(browser, server.url, dir)
    const login2 = await phone2.context.request.post(`${server.url}/api/v1/auth/login`, {
      data: { username: 'officer', password: DEMO_PASSWORD },
    })
    assert.equal(login2.status(), 200)
    await phone2.page.goto('/')
    const tail = await playInChromium(phone2.page, camera, killedAt - 12_000, killedAt - 2_000)
    assert.ok(Math.abs(tail.duration - 10) <= 0.5, `the last 10 s before the kill last ${tail.duration} s`)
    assert.ok(tail.advanced >= 1 && tail.contrast > 30, JSON.stringify(tail))
    phone.assertClean(assert)
    phone2.assertClean(assert)
  })

  after(async () => {
    await browser?.close().catch(() => {})
    await server?.stop().catch(() => {})
    if (server) rmSync(server.dataDir, { recursive: true, force: true })
    try {
      db?.drop()
    } catch (e) {
      console.error(`# ${backend}: ${e.message}`)
    }
  })
}

onBothBackends('recording ', 'rec', recordingSuite)
