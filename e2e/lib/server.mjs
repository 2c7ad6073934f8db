// Starts `palmgrid demo` on a free port and stops it again.
import { spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { DEMO_PASSWORD, PALMGRID_BIN } from './config.mjs'

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g
const LISTENING = /Listening on (https?:\/\/[^\s"'<>]+)/

const running = new Set()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/**
 * `keepDataDir` keeps a fresh data directory after stop or kill, for a restart on it;
 * `dataDir` restarts on such a directory, which this server's stop then removes.
 * @param {{ databaseUrl?: string, logFile?: string, startTimeoutMs?: number, dataDir?: string, keepDataDir?: boolean }} options
 * @returns {Promise<{ url: string, dataDir: string, output: () => string, stop: () => Promise<void>, kill9: () => Promise<number> }>}
 */
export async function startPalmgrid({ databaseUrl, logFile, startTimeoutMs = 120_000, dataDir: reuse, keepDataDir = false } = {}) {
  const dataDir = reuse ?? mkdtempSync(join(tmpdir(), 'palmgrid-e2e-'))
  const removeOnStop = !reuse && !keepDataDir
  const args = ['demo', '--listen', '127.0.0.1:0', '--data-dir', dataDir]
  if (databaseUrl) args.push('--database-url', databaseUrl)

  const child = spawn(PALMGRID_BIN, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', RUST_BACKTRACE: '1' },
  })
  running.add(child)
  const log = logFile ? createWriteStream(logFile) : null
  log?.write(`$ ${PALMGRID_BIN} ${args.join(' ')}\n`)
  let output = ''
  let exited = null
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal }
      running.delete(child)
      resolve(exited)
    })
  })

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`palmgrid did not print "Listening on http://…" within ${startTimeoutMs / 1000} s.\nOutput so far:\n${tail(output)}`))
    }, startTimeoutMs)
    // The binary prints the line on stdout; stderr is read too so a logger on stderr still works.
    const buffered = { stdout: '', stderr: '' }
    const onData = (stream) => (chunk) => {
      const text = chunk.toString('utf8')
      output += text
      log?.write(text)
      buffered[stream] += text.replace(ANSI, '')
      const m = LISTENING.exec(buffered[stream])
      if (m) {
        clearTimeout(timer)
        resolve(m[1].replace(/[.,;]+$/, '').replace(/\/+$/, ''))
      }
    }
    child.stdout.on('data', onData('stdout'))
    child.stderr.on('data', onData('stderr'))
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(new Error(`could not start ${PALMGRID_BIN}: ${e.message}`))
    })
    exitPromise.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`palmgrid exited (code ${code}, signal ${signal}) before listening.\nOutput:\n${tail(output)}`))
    })
  })

  async function stop() {
    if (!exited) {
      child.kill('SIGTERM')
      let timer
      const timeout = new Promise((r) => (timer = setTimeout(r, 10_000, 'timeout')))
      const outcome = await Promise.race([exitPromise, timeout])
      clearTimeout(timer)
      if (outcome === 'timeout') {
        child.kill('SIGKILL')
        await exitPromise
      }
    }
    log?.end()
    if (removeOnStop || reuse) rmSync(dataDir, { recursive: true, force: true })
  }

  /** SIGKILL, as a crash or `kill -9` would; keeps the data directory. Returns the time of the kill. */
  async function kill9() {
    const at = Date.now()
    child.kill('SIGKILL')
    await exitPromise
    log?.end()
    return at
  }

  try {
    await waitHealthy(url, () => exited, () => output)
  } catch (e) {
    await stop()
    throw e
  }
  return { url, dataDir, output: () => output, stop, kill9 }
}

async function waitHealthy(url, exited, output, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`palmgrid exited while waiting for /healthz.\nOutput:\n${tail(output())}`)
    try {
      const res = await fetch(`${url}/healthz`)
      if (res.status === 200) return
      last = `HTTP ${res.status}`
    } catch (e) {
      last = e.cause?.code || e.message
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`${url}/healthz did not answer 200 within ${timeoutMs / 1000} s (last: ${last})`)
}

function tail(text, lines = 40) {
  return text.split('\n').slice(-lines).join('\n')
}

/** A bearer token for the API of the server at `baseUrl`, signed in as a demo account. */
export async function apiToken(baseUrl, username, password = DEMO_PASSWORD) {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Palmgrid-Client': 'web' },
    body: JSON.stringify({ username, password }),
  })
  assert.equal(res.status, 200, `API login as ${username}`)
  return (await res.json()).token
}
