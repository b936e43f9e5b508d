// Serve the example on Bun: `bun src/bun.ts`. The same app; Bun.serve takes Hono's fetch as it is.
import { appConfigFromEnv } from '@tollgate/contract/app-env'
import { createApp } from './app.js'

declare const Bun: { serve(options: { fetch: (request: Request) => Response | Promise<Response>; hostname: string; port: number }): { port: number } }

const app = createApp(appConfigFromEnv(process.env))
const server = Bun.serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
console.log(`listening on http://127.0.0.1:${server.port}`)
