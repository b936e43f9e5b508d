// The adapter contract through a real Fastify server (listen on 127.0.0.1), and through inject for the
// cases that need no socket.
import Fastify from 'fastify'
import { runCloseContract, runContract } from '@tollgate/contract'
import { fastifyPaywall } from './index.js'
import { buildApp } from '../../../examples/fastify/src/app.js'

runContract({
  name: 'fastify listen',
  async start({ config }) {
    const app = await buildApp(config)
    const url = await app.listen({ host: '127.0.0.1', port: 0 })
    return { url, stop: () => app.close() }
  },
})

runContract({
  name: 'fastify inject',
  // inject buffers whole replies: the streaming case needs a socket.
  streaming: false,
  async start({ config }) {
    const app = await buildApp(config)
    await app.ready()
    return {
      url: 'http://localhost',
      async fetch(path, init = {}) {
        const reply = await app.inject({
          method: (init.method ?? 'GET') as 'GET',
          url: path,
          headers: Object.fromEntries(new Headers(init.headers)),
        })
        const headers = new Headers()
        for (const [name, value] of Object.entries(reply.headers)) {
          for (const item of Array.isArray(value) ? value : [value]) if (item !== undefined) headers.append(name, String(item))
        }
        const empty = init.method === 'HEAD' || reply.statusCode === 204
        return new Response(empty ? null : new Uint8Array(reply.rawPayload), { status: reply.statusCode, headers })
      },
      stop: () => app.close(),
    }
  },
})

// The plugin has no close of its own: the app's close (Fastify's onClose hook) closes its paywalls.
runCloseContract({
  name: 'fastify (app.close)',
  async open(options) {
    const app = Fastify()
    await app.register(fastifyPaywall, options)
    await app.ready()
    return { close: () => app.close() }
  },
})
runCloseContract({
  name: 'fastify (app.close, a route config)',
  async open({ routes, ...options }) {
    const app = Fastify()
    await app.register(fastifyPaywall, options)
    app.get('/paid', { config: { paywall: routes['GET /paid'] as never } }, async () => 'paid')
    await app.ready()
    return { close: () => app.close() }
  },
})
