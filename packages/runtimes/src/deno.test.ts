// Deno: the same apps under `deno serve`, built in module scope as a Deno server module is written.
import { runContract } from '@tollgate/contract'
import { bundleApp } from './bundle.js'
import { startDeno } from './servers.js'
import { weatherCases } from './weather-cases.js'

weatherCases('Deno (deno serve)', async (env) => startDeno(await bundleApp('weather-app', env)))

runContract({
  name: 'hono on Deno (deno serve)',
  start: async ({ vars }) => startDeno(await bundleApp('contract-app', vars)),
  startTimeoutMs: 60_000,
})
