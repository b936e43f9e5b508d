// --framework hono: a Hono app with the `paywall` middleware of @tollgate/hono, served by @hono/node-server.
import { paywall } from '@tollgate/hono'
import { Hono } from 'hono'
import { NOT_FOUND } from '../routes.js'
import { listen } from './node-listen.js'

/**
 * @param {import('../server-setup.js').ServerSetup} setup
 * @param {number} port
 */
export function startHonoServer(setup, port) {
  const app = new Hono()
  // App-wide, with the routes map: the paths it lists are paid, the rest pass free.
  const paid = paywall(setup.paywallOptions)
  app.use(paid)
  for (const endpoint of setup.endpoints) {
    app.on(endpoint.method, endpoint.path, async (c) => {
      const body = c.req.method === 'POST' ? await c.req.json().catch(() => undefined) : undefined
      return c.json(endpoint.answer({ paidBy: c.get('payment')?.payment?.payer ?? null, body, ctx: c.get('payment') }))
    })
  }
  app.notFound((c) => c.json(NOT_FOUND, 404))
  return listen(app.fetch, port).then((server) => ({ ...server, paywall: paid }))
}
