// Cloudflare Workers: the apps bundled as a Worker and run by workerd (miniflare 4) with no nodejs_compat. The
// paywalls are built in global scope, where workerd refuses randomness, timers and I/O.
import { runContract } from '@tollgate/contract'
import { bundleApp } from './bundle.js'
import { startWorkerd } from './servers.js'
import { weatherCases } from './weather-cases.js'

weatherCases('Cloudflare workerd', async (env) => startWorkerd(await bundleApp('weather-app', env)))

runContract({
  name: 'hono on Cloudflare workerd (miniflare, no nodejs_compat)',
  start: async ({ vars }) => {
    const server = await startWorkerd(await bundleApp('contract-app', vars))
    // workerd gzips text for clients that accept it, and gzip holds small chunks back: ask for the body as is,
    // so that the streaming case sees the handler's first chunk when it is sent.
    const plain = (path: string, init?: RequestInit) => {
      const headers = new Headers(init?.headers)
      headers.set('accept-encoding', 'identity')
      return fetch(server.url + path, { ...init, headers })
    }
    return { ...server, fetch: plain }
  },
  startTimeoutMs: 60_000,
})
