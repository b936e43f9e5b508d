// The contract app (examples/hono) built in global scope, as a Worker or a Deno server module is written. Its
// settings are baked in at bundle time (`__TOLLGATE_ENV__`): a Worker has no environment in global scope.
import { appConfigFromEnv } from '@tollgate/contract/app-env'
import { createApp } from 'tollgate-example-hono/src/app.js'

declare const __TOLLGATE_ENV__: Record<string, string>

export default createApp(appConfigFromEnv(__TOLLGATE_ENV__))
