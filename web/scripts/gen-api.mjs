// Generates src/api/schema.d.ts from openapi.json (the server's OpenAPI document, kept
// current by a Rust test). Writes only when the output changes, so the cargo build, which
// watches src/, does not rebuild the web app on every run.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tmp = join(root, 'node_modules', '.tmp', 'schema.d.ts')
const out = join(root, 'src', 'api', 'schema.d.ts')
mkdirSync(dirname(tmp), { recursive: true })
execFileSync(join(root, 'node_modules', '.bin', 'openapi-typescript'), [join(root, 'openapi.json'), '-o', tmp], {
  stdio: ['ignore', 'ignore', 'inherit'],
})
const fresh = readFileSync(tmp)
if (!existsSync(out) || !readFileSync(out).equals(fresh)) {
  writeFileSync(out, fresh)
  console.log('src/api/schema.d.ts updated')
}
