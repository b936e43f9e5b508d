// The Next.js Edge runtime: the docs' weather app as an edge route handler (next-app/), built with `next build`
// and served by `next start`, its paywalls built when the route module loads.
import { fileURLToPath } from 'node:url'
import { freePort, runToEnd, startChild } from '@tollgate/contract'
import { weatherCases } from './weather-cases.js'

const app = fileURLToPath(new URL('../next-app', import.meta.url))
const next = fileURLToPath(new URL('../../../node_modules/.bin/next', import.meta.url))

weatherCases(
  'the Next.js Edge runtime (next build + next start)',
  async (settings) => {
    // The route reads its settings when its module loads, which `next build` does too.
    const env = { TOLLGATE_WEATHER_ENV: JSON.stringify(settings), NEXT_TELEMETRY_DISABLED: '1' }
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
  300_000,
)
