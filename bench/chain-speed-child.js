// P8's processes (see chain-speed.js), one per role, each telling the parent { port } over IPC when listening:
//   relay <rpcUrl> <holdMs>                  a JSON-RPC relay that holds every call for holdMs (a hosted endpoint)
//   tollgate <rpcUrl> <settlerKey> <config>  Hono + @tollgate/hono, the demo's exact route, localFacilitator
//   reference <rpcUrl> <settlerKey> <config> @x402/hono with the reference facilitator (@x402/core + @x402/evm)
// <config> is JSON: { chainId, asset, payTo, amount } (amount: atomic units of $0.001, the demo's GET /weather).
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createServer } from 'node:http'
import { built } from './lib/build.js'

const [role, rpcUrl, ...rest] = process.argv.slice(2)

// The paid requests' time in this server, arrival to answer, in ms: what the buyer's latency leaves to the harness.
const paidTimes = []

function listening(server) {
  const { port } = server.address()
  process.send({ port })
  process.on('message', (message) => {
    if (message === 'stop') process.send({ paidTimes }, () => process.exit(0))
  })
}

if (role === 'relay') {
  const holdMs = Number(rest[0])
  const server = createServer((request, response) => {
    const chunks = []
    request.on('data', (chunk) => chunks.push(chunk))
    request.on('end', () => {
      setTimeout(async () => {
        try {
          const answer = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) })
          response.writeHead(answer.status, { 'content-type': 'application/json' }).end(Buffer.from(await answer.arrayBuffer()))
        } catch (error) {
          response.writeHead(502).end(String(error))
        }
      }, holdMs)
    })
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => listening(server))
} else {
  const [settlerKey, configJson] = rest
  const { chainId, asset, payTo, amount } = JSON.parse(configJson)
  const network = `eip155:${chainId}`
  const app = new Hono()
  app.use(async (c, next) => {
    const paid = c.req.header('payment-signature') !== undefined
    const started = performance.now()
    await next()
    if (paid) paidTimes.push(performance.now() - started)
  })
  if (role === 'tollgate') {
    // As the demo builds it (examples/demo/server-setup.js and routes.js): the exact route, the local facilitator.
    const { paywall, exact } = await import(built('hono'))
    const { localFacilitator } = await import(built('evm'))
    const facilitator = localFacilitator({ rpcUrl, settler: settlerKey, pollingIntervalMs: 100 })
    const asUsdc = { address: asset, name: 'USDC', version: '2', decimals: 6 }
    app.use(paywall({ routes: { 'GET /weather': exact({ price: '$0.001', network, payTo, asset: asUsdc }) }, facilitator }))
  } else {
    const { paymentMiddleware, x402ResourceServer } = await import('@x402/hono')
    const { x402Facilitator } = await import('@x402/core/facilitator')
    const { toFacilitatorEvmSigner } = await import('@x402/evm')
    const { ExactEvmScheme: FacilitatorScheme } = await import('@x402/evm/exact/facilitator')
    const { ExactEvmScheme: ServerScheme } = await import('@x402/evm/exact/server')
    const { createWalletClient, http, publicActions } = await import('viem')
    const { privateKeyToAccount } = await import('viem/accounts')
    const account = privateKeyToAccount(settlerKey)
    const chain = { id: chainId, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } }
    const wallet = createWalletClient({ account, chain, transport: http(rpcUrl), pollingInterval: 100 }).extend(publicActions)
    const signer = toFacilitatorEvmSigner(Object.assign(wallet, { address: account.address }), { confirmationTimeoutMs: 30_000 })
    const facilitator = new x402Facilitator().register(network, new FacilitatorScheme(signer))
    const client = {
      verify: (payload, requirements) => facilitator.verify(payload, requirements),
      settle: (payload, requirements) => facilitator.settle(payload, requirements),
      getSupported: async () => facilitator.getSupported(),
    }
    const resourceServer = new x402ResourceServer(client).register(network, new ServerScheme())
    const accepts = { scheme: 'exact', network, payTo, price: { amount, asset, extra: { name: 'USDC', version: '2' } } }
    app.use(paymentMiddleware({ 'GET /weather': { accepts } }, resourceServer))
  }
  app.get('/weather', (c) => c.json({ city: 'Lisbon', forecast: 'sunny', temperatureC: 21 }))
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => listening(server))
}
