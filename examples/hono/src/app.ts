// A paid Hono API: one route paid by a routes map, one by inline options, one free.
import { Hono } from 'hono'
import { exact, paywall, plan } from '@tollgate/hono'
import { waitForGate, type ContractAppConfig } from '@tollgate/contract/app-env'

export function createApp(config: ContractAppConfig): Hono {
  const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: config.payTo })
  const credits = plan({ planId: config.planId, credits: 5 })
  const policies = { facilitator: config.facilitator, verifyTimeoutMs: config.verifyTimeoutMs, settleTimeoutMs: config.settleTimeoutMs }

  const app = new Hono()
  // App-wide, with a routes map: paths not in the map pass untouched.
  app.use(paywall({ ...policies, routes: { '/paid': [usdc, credits] } }))

  app.get('/paid', (c) => {
    const ctx = c.get('payment')
    // Test hooks (the contract suite): a failing handler is never charged.
    if (c.req.query('throw')) throw new Error('the handler failed')
    const status = c.req.query('status')
    if (status) return c.text(`handler said ${status}`, Number(status) as 404)
    // Usage price: settle only the credits this request used.
    const used = c.req.query('used')
    if (used) ctx.charge(used)
    return c.json({ paid: true, payer: ctx.payment?.payer, scheme: ctx.payment?.scheme, charged: ctx.charged })
  })
  app.options('/paid', (c) => c.body(null, 204))

  // One route's options inline: the middleware guards whatever it is mounted on.
  app.get('/stream', paywall({ ...policies, accepts: usdc }), (c) => {
    const encoder = new TextEncoder()
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('first\n'))
        waitForGate(config, c.req.raw).then(
          () => (controller.enqueue(encoder.encode('second\n')), controller.close()),
          (error) => controller.error(error),
        )
      },
    })
    return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8' } })
  })

  app.get('/free', (c) => c.text('free'))
  return app
}
