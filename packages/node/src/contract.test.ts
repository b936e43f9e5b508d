// The adapter contract through a real node:http server on 127.0.0.1, serving the example app (toNodeHandler).
import { runCloseContract, runContract } from '@tollgate/contract'
import { paywall, toNodeHandler } from './index.js'
import { createApp } from '../../../examples/node/src/app.js'
import { serve } from './test-support.js'

// The handler that throws is the suite's own test hook: no need to log it.
runContract({ name: 'node:http', start: ({ config }) => serve(createApp(config, { onError: () => {} })) })

runCloseContract({ name: 'node:http toNodeHandler', open: async (options) => toNodeHandler(options, (_req, res) => void res.end()) })
runCloseContract({ name: 'node middleware', open: async (options) => paywall(options) })
