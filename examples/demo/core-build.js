// The demo imports @tollgate/x402 by name, which resolves to packages/x402/dist: build it first on a fresh
// clone. Done here rather than in the npm script, so that `npm run demo` runs node directly and a SIGTERM
// sent to npm reaches the demo (a `build && node` chain puts a shell in between that does not pass it on).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'

const require = createRequire(import.meta.url)
/** The entries the demo loads. */
const ENTRIES = ['index.js', 'evm/index.js', 'anvil/index.js', 'nevermined/index.js']

/** True when every entry of @tollgate/x402 that the demo loads is built. */
export function coreIsBuilt(packageDir = corePackageDir()) {
  return ENTRIES.every((entry) => existsSync(join(packageDir, 'dist', entry)))
}

function corePackageDir() {
  return dirname(require.resolve('@tollgate/x402/package.json'))
}

/**
 * Builds @tollgate/x402 with turbo (its output goes to stderr, stdout stays the demo's) when it is not built.
 *
 * @param {(line: string) => void} log
 */
export function ensureCoreBuilt(log) {
  const packageDir = corePackageDir()
  if (coreIsBuilt(packageDir)) return
  log('@tollgate/x402 is not built yet: building it (once) ...')
  const root = resolve(packageDir, '..', '..')
  const turbo = require.resolve('turbo/bin/turbo')
  const result = spawnSync(process.execPath, [turbo, 'run', 'build', '--filter=@tollgate/x402', '--output-logs=errors-only'], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
    env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env },
  })
  if (result.status !== 0 || !coreIsBuilt(packageDir)) {
    throw new Error(`Building @tollgate/x402 failed (exit ${result.status ?? result.signal}); run \`npm run build\` and look at its output.`)
  }
}
