// --framework next: next-app/ (App Router route handlers with @tollgate/next), built once and served by
// `next start` in its own process, with the demo's settings in its environment.
import { freePort } from '@tollgate/x402/anvil'
import { configToEnv } from '../server-setup.js'
import { startChildServer } from './child.js'
import { NEXT_APP, ensureNextBuild, nextCommand } from './next-build.js'

/**
 * @param {import('../server-setup.js').ServerConfig} config
 * @param {{ port: number, log: (line: string) => void, onExit?: (code: number | null, signal: NodeJS.Signals | null) => void }} options
 */
export async function startNextServer(config, { port, log, onExit }) {
  await ensureNextBuild((line) => log(`[demo] ${line}`))
  // next start cannot listen on port 0.
  const chosen = port === 0 ? await freePort() : port
  const { command, args } = nextCommand(['start', '--hostname', '127.0.0.1', '--port', String(chosen)])
  return startChildServer(command, args, {
    name: 'next',
    cwd: NEXT_APP,
    env: { ...configToEnv(config), TOLLGATE_DEMO_BASE_URL: `http://127.0.0.1:${chosen}`, NEXT_TELEMETRY_DISABLED: '1', NEXT_MANUAL_SIG_HANDLE: '1' },
    ready: /Ready in/,
    url: `http://127.0.0.1:${chosen}`,
    log,
    ...(onExit ? { onExit } : {}),
  })
}
