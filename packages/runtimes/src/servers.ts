// Start a bundled app on a runtime users deploy to: workerd (through miniflare, no nodejs_compat) or Deno.
import { Log, LogLevel, Miniflare } from 'miniflare'
import { existsSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { freePort, startChild, type ChildServer } from '@tollgate/contract'
import type { Bundled } from './bundle.js'

/** The newest date this workerd knows; no compatibility flags, so no `nodejs_compat`. */
export const COMPATIBILITY_DATE = '2026-05-03'

export async function startWorkerd(bundle: Bundled): Promise<ChildServer> {
  const worker = new Miniflare({
    modules: true,
    script: bundle.code,
    modulesRoot: dirname(bundle.path),
    scriptPath: bundle.path,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: [],
    host: '127.0.0.1',
    port: 0,
    log: new Log(LogLevel.WARN),
  })
  try {
    const url = await worker.ready
    return { url: url.origin, stop: () => worker.dispose() }
  } catch (error) {
    await worker.dispose().catch(() => {})
    throw error
  }
}

/** `deno serve` on a free port, with network access only. */
export async function startDeno(bundle: Bundled): Promise<ChildServer> {
  const port = await freePort()
  const home = await mkdtemp(join(tmpdir(), 'tollgate-deno-'))
  return startChild(denoBinary(), ['serve', '--allow-net', '--no-config', '--host', '127.0.0.1', '--port', String(port), bundle.path], {
    cwd: dirname(bundle.path),
    env: { DENO_DIR: home, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    ready: /Listening on (http:\/\/[\d.:]+)/,
  })
}

/** The binary the `deno` npm package ships (its install script links it; without that, its installer finds it). */
function denoBinary(): string {
  const require = createRequire(import.meta.url)
  const linked = join(dirname(require.resolve('deno/package.json')), process.platform === 'win32' ? 'deno.exe' : 'deno')
  if (existsSync(linked)) return linked
  return (require('deno/install_api.cjs') as { runInstall(): string }).runInstall()
}
