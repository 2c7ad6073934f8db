// Registers a backend suite once on SQLite and once on PostgreSQL, the same way in every test
// file: a failed preflight (no binary, no Chromium) is one failing test; without
// PALMGRID_TEST_PG the PostgreSQL run is skipped with the reason, or fails when
// PALMGRID_REQUIRE_PG=1 (CI).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { REQUIRE_PG, TEST_PG, assertBinary, assertChromium } from './config.mjs'
import { createFreshDatabase } from './postgres.mjs'

/**
 * `suite(backend, prepareDatabase)` is called inside `describe('<prefix>sqlite')` and
 * `describe('<prefix>postgresql')`; `prepareDatabase()` creates a fresh PostgreSQL database
 * (named after `dbLabel`) and returns `{url, drop()}`.
 */
export function onBothBackends(prefix, dbLabel, suite) {
  try {
    assertBinary()
    assertChromium()
  } catch (e) {
    test('preflight: the palmgrid binary and Chromium are present', () => {
      throw e
    })
    return
  }
  describe(`${prefix}sqlite`, () => suite('sqlite'))
  if (TEST_PG) {
    describe(`${prefix}postgresql`, () => suite('postgresql', () => createFreshDatabase(TEST_PG, dbLabel)))
  } else if (REQUIRE_PG) {
    describe(`${prefix}postgresql`, () => {
      test('PostgreSQL e2e required', () => {
        assert.fail('PALMGRID_REQUIRE_PG=1 but PALMGRID_TEST_PG is not set (e.g. postgres://postgres@127.0.0.1:5432/test)')
      })
    })
  } else {
    console.log(`skipping ${prefix}PostgreSQL e2e: PALMGRID_TEST_PG not set`)
    test(`${prefix}postgresql`, { skip: 'skipping PostgreSQL e2e: PALMGRID_TEST_PG not set' }, () => {})
  }
}
