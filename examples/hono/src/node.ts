// Serve the example on Node: the settings come from the environment (see @tollgate/contract/app-env).
import { serve } from '@hono/node-server'
import { appConfigFromEnv } from '@tollgate/contract/app-env'
import { createApp } from './app.js'

const app = createApp(appConfigFromEnv(process.env))
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0) }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`)
})
