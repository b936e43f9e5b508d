// The adapter contract through a real Next.js server: examples/next, built with `next build` (once, here)
// and served by `next start`. /paid runs on the Node runtime, /stream on the Edge runtime.
import { fileURLToPath } from 'node:url'
import { freePort, runCloseContract, runContract, runToEnd, startChild } from '@tollgate/contract'
import { withPaywall } from './index.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const app = `${root}examples/next`
const next = `${root}node_modules/.bin/next`

runContract({
  name: 'next (next build + next start)',
  startTimeoutMs: 300_000,
  async start({ vars }) {
    // The routes read their settings when their modules load, which `next build` does too.
    const env = { ...vars, NEXT_TELEMETRY_DISABLED: '1' }
    await runToEnd(next, ['build'], { cwd: app, env })
    const port = await freePort() // next start cannot listen on port 0
    return startChild(next, ['start', '--hostname', '127.0.0.1', '--port', String(port)], {
      cwd: app,
      env,
      ready: /Ready in/,
      url: `http://127.0.0.1:${port}`,
      timeoutMs: 60_000,
    })
  },
})

// withPaywall is fetch-shaped: its close() is checked in this process, without a Next build.
runCloseContract({ name: 'next withPaywall', open: async (options) => withPaywall(() => new Response('ok'), options) })
