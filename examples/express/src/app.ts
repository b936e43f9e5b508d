// A paid Express API: one route paid with its options inline, one through an app-wide routes map, one free.
import express, { type ErrorRequestHandler, type Express } from 'express'
import { exact, paywall, plan } from '@tollgate/express'
import { waitForGate, type ContractAppConfig } from '@tollgate/contract/app-env'

/** `framework` is Express 5 unless given (the contract suite also serves this app with Express 4). */
export function createApp(config: ContractAppConfig, framework: () => Express = express): Express {
  const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: config.payTo })
  const credits = plan({ planId: config.planId, credits: 5 })
  const policies = { facilitator: config.facilitator, verifyTimeoutMs: config.verifyTimeoutMs, settleTimeoutMs: config.settleTimeoutMs }

  const app = framework()
  // App-wide, with a routes map: the paths it lists are paid, the rest pass free.
  app.use(paywall({ ...policies, routes: { 'GET /stream': usdc } }))

  // One route's payment options inline: the middleware guards whatever it is mounted on.
  const paid = paywall({ ...policies, accepts: [usdc, credits] })
  app.get('/paid', paid, (req, res) => {
    // Test hooks (the contract suite): a failing handler is never charged.
    if (req.query.throw) throw new Error('the handler failed')
    if (req.query.status) return void res.status(Number(req.query.status)).type('text/plain').send(`handler said ${req.query.status}`)
    // Usage price: settle only the credits this request used.
    if (req.query.used) req.payment.charge(String(req.query.used))
    const { payment, charged } = req.payment
    res.json({ paid: true, payer: payment?.payer, scheme: payment?.scheme, charged })
  })
  app.options('/paid', paid, (_req, res) => void res.status(204).end())

  // A stream: the first chunk goes out (with the receipt) before the handler is done.
  app.get('/stream', async (req, res) => {
    res.type('text/plain; charset=utf-8')
    res.write('first\n')
    await waitForGate(config, new Request(`http://localhost${req.originalUrl}`))
    res.end('second\n')
  })

  app.get('/free', (_req, res) => void res.send('free'))

  // Faults that are not payment problems reach Express's error handler, as any other error would.
  const onError: ErrorRequestHandler = (_error, _req, res, _next) => void res.status(500).json({ error: 'internal_error' })
  app.use(onError)
  return app
}
