// Environment of the e2e suite. Paths are relative to e2e/ unless absolute.
import { existsSync, accessSync, constants } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const E2E_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const REPO_DIR = resolve(E2E_DIR, '..')
/** Screenshots and server logs: artifacts/ (or PALMGRID_E2E_ARTIFACTS, e.g. to keep another run's apart). */
export const ARTIFACTS_DIR = resolve(E2E_DIR, process.env.PALMGRID_E2E_ARTIFACTS || 'artifacts')

/** PALMGRID_BIN, default ../target/debug/palmgrid (relative to e2e/). */
export const PALMGRID_BIN = resolve(E2E_DIR, process.env.PALMGRID_BIN || '../target/debug/palmgrid')

/** PALMGRID_TEST_PG: a PostgreSQL server URL such as postgres://postgres@127.0.0.1:5432/test. */
export const TEST_PG = process.env.PALMGRID_TEST_PG || ''
export const REQUIRE_PG = process.env.PALMGRID_REQUIRE_PG === '1'

export const CHROMIUM = process.env.PALMGRID_CHROMIUM || '/usr/bin/chromium'

export const DEMO_PASSWORD = 'palmgrid-demo'

/** PALMGRID_E2E_URL: a server already running (e.g. Vite in front of `palmgrid demo`), for the files that accept one. */
export const EXTERNAL_URL = (process.env.PALMGRID_E2E_URL || '').replace(/\/+$/, '')

/** An id as the server writes it. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** The tabs each demo account must see (the server decides; these are the agreed lists). */
export const EXPECTED_TABS = {
  admin: ['home', 'video', 'cases', 'community', 'me'],
  officer: ['home', 'video', 'cases', 'community', 'me'],
  resident: ['home', 'cases', 'community', 'me'],
}

export const TAB_ORDER = ['home', 'video', 'cases', 'community', 'me']

/** Throws a clear error unless the palmgrid binary exists and is executable. */
export function assertBinary() {
  if (!existsSync(PALMGRID_BIN)) {
    throw new Error(
      `palmgrid binary not found at ${PALMGRID_BIN}\n` +
        '  Build it first (from the repository root: cargo build -p palmgrid) or set PALMGRID_BIN to its path.',
    )
  }
  try {
    accessSync(PALMGRID_BIN, constants.X_OK)
  } catch {
    throw new Error(`palmgrid binary at ${PALMGRID_BIN} is not executable`)
  }
}

export function assertChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}\n  Install Debian's Chromium (apt-get install -y chromium) or set PALMGRID_CHROMIUM.`,
    )
  }
}
