// The adapter contract through real servers: the example app on @hono/node-server (this process) and on Bun.
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { runCloseContract, runContract, startChild } from '@tollgate/contract'
import { paywall } from './index.js'
import { createApp } from '../../../examples/hono/src/app.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))

runContract({
  name: 'hono on @hono/node-server',
  async start({ config }) {
    const app = createApp(config)
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started))
    })
    const { port } = server.address() as AddressInfo
    return {
      url: `http://127.0.0.1:${port}`,
      stop: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          if ('closeAllConnections' in server) server.closeAllConnections()
        }),
    }
  },
})

runContract({
  name: 'hono on Bun.serve (bun runtime)',
  start: ({ vars }) => startChild(`${root}node_modules/.bin/bun`, ['examples/hono/src/bun.ts'], { cwd: root, env: vars }),
})

runCloseContract({ name: 'hono', open: async (options) => paywall(options) })
