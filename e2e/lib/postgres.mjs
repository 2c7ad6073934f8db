// A fresh PostgreSQL database per run, created and dropped with psql.
import { execFileSync } from 'node:child_process'

function psql(serverUrl, sql) {
  const u = new URL(serverUrl)
  const args = [
    '-h', u.hostname || '127.0.0.1',
    '-p', u.port || '5432',
    '-U', decodeURIComponent(u.username || 'postgres'),
    '-d', decodeURIComponent(u.pathname.replace(/^\//, '') || 'postgres'),
    '-v', 'ON_ERROR_STOP=1', '-X', '-q',
    '-c', sql,
  ]
  const env = { ...process.env }
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password)
  try {
    execFileSync('psql', args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 })
  } catch (e) {
    const detail = e.stderr?.toString().trim() || e.message
    throw new Error(`psql ${args.join(' ')} failed: ${detail}`)
  }
}

/** Creates a new empty database on the server of `serverUrl`; returns its URL and a drop function. */
export function createFreshDatabase(serverUrl, label) {
  const name = `palmgrid_e2e_${label}_${process.pid}_${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_')
  psql(serverUrl, `CREATE DATABASE "${name}"`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop() {
      psql(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    },
  }
}
