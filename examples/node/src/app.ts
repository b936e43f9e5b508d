// A paid node:http API, no framework: toNodeHandler with a routes map, and a handler that routes by path.
import type { RequestListener } from 'node:http'
import { exact, plan, toNodeHandler, type NodeHandlerOptions } from '@tollgate/node'
import { waitForGate, type ContractAppConfig } from '@tollgate/contract/app-env'

export function createApp(config: ContractAppConfig, options: NodeHandlerOptions = {}): RequestListener {
  const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: config.payTo })
  const credits = plan({ planId: config.planId, credits: 5 })
  const paywall = {
    facilitator: config.facilitator,
    verifyTimeoutMs: config.verifyTimeoutMs,
    settleTimeoutMs: config.settleTimeoutMs,
    // Paths not in the map (/free) run free.
    routes: { '/paid': [usdc, credits], 'GET /stream': usdc },
  }

  return toNodeHandler(
    paywall,
    async (req, res, payment) => {
      const url = new URL(req.url ?? '/', 'http://localhost')
      const query = url.searchParams
      if (url.pathname === '/paid' && req.method === 'OPTIONS') return void res.writeHead(204).end()
      if (url.pathname === '/paid' && req.method === 'GET') {
        // Test hooks (the contract suite): a failing handler is never charged.
        if (query.has('throw')) throw new Error('the handler failed')
        const status = query.get('status')
        if (status) return void res.writeHead(Number(status), { 'content-type': 'text/plain' }).end(`handler said ${status}`)
        // Usage price: settle only the credits this request used.
        const used = query.get('used')
        if (used) payment.charge(used)
        const body = { paid: true, payer: payment.payment?.payer, scheme: payment.payment?.scheme, charged: payment.charged }
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      }
      if (url.pathname === '/stream' && req.method === 'GET') {
        // A stream: the first chunk goes out (with the receipt) before the handler is done.
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
        res.write('first\n')
        await waitForGate(config, new Request(`http://localhost${req.url}`))
        return void res.end('second\n')
      }
      if (url.pathname === '/free') return void res.end('free')
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found' }))
    },
    options,
  )
}
