// The demo imports @tollgate/x402 (and, for --framework and --redis, the adapters and @tollgate/redis) by name,
// which resolve to packages/*/dist: build them first on a fresh clone. Done here rather than in the npm script, so that `npm run demo` runs node directly and a SIGTERM
// sent to npm reaches the demo (a `build && node` chain puts a shell in between that does not pass it on).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'

const require = createRequire(import.meta.url)
/** The entries the demo loads. */
const ENTRIES = ['index.js', 'evm/index.js', 'anvil/index.js', 'nevermined/index.js']
/** The other workspace packages it loads, each with one entry. */
const OTHERS = ['@tollgate/hono', '@tollgate/fastify', '@tollgate/next', '@tollgate/bun', '@tollgate/express', '@tollgate/node', '@tollgate/redis', '@tollgate/mcp']

/** True when every entry of @tollgate/x402 that the demo loads is built. */
export function coreIsBuilt(packageDir = corePackageDir()) {
  return ENTRIES.every((entry) => existsSync(join(packageDir, 'dist', entry)))
}

function corePackageDir() {
  return packageDir('@tollgate/x402')
}

/** @param {string} name */
function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`))
}

/** The workspace packages the demo loads that are not built yet. */
function unbuiltPackages() {
  const core = coreIsBuilt() ? [] : ['@tollgate/x402']
  return [...core, ...OTHERS.filter((name) => !existsSync(join(packageDir(name), 'dist', 'index.js')))]
}

/**
 * Builds the packages the demo loads with turbo (its output goes to stderr, stdout stays the demo's) when they are
 * not built.
 *
 * @param {(line: string) => void} log
 */
export function ensureCoreBuilt(log) {
  const missing = unbuiltPackages()
  if (missing.length === 0) return
  log(`${missing.join(', ')} not built yet: building (once) ...`)
  const root = resolve(corePackageDir(), '..', '..')
  const turbo = require.resolve('turbo/bin/turbo')
  const filters = missing.map((name) => `--filter=${name}`)
  const result = spawnSync(process.execPath, [turbo, 'run', 'build', ...filters, '--output-logs=errors-only'], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
    env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env },
  })
  if (result.status !== 0 || unbuiltPackages().length > 0) {
    throw new Error(`Building ${missing.join(', ')} failed (exit ${result.status ?? result.signal}); run \`npm run build\` and look at its output.`)
  }
}
