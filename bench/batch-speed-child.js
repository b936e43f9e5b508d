// P9's seller (see batch-speed.js), in its own process: Hono on Node with three routes answering the same JSON,
//   GET /free   no paywall: the handler alone
//   GET /batch  batchSettlement({ price: '$0.001', ... }): vouchers checked here, deposits through the facilitator
//   GET /exact  exact({ price: '$0.001', ... }): each payment settled on chain before the answer
// with localFacilitator({ rpcUrl, settler, receiverAuthorizer }), its chain calls through the 40 ms relay.
//   node batch-speed-child.js <rpcUrl> <settlerKey> <receiverAuthorizerKey> <config>
// <config> is JSON: { chainId, asset, payTo }. Tells the parent { port } over IPC when listening; on 'stop' it
// answers { times, cpuTimes }, each { free, batch, exact }: each request's time in this server, arrival to answer,
// and this process's CPU time meanwhile, in ms.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { privateKeyToAccount } from 'viem/accounts'
import { built } from './lib/build.js'

const [rpcUrl, settlerKey, authorizerKey, configJson] = process.argv.slice(2)
const { chainId, asset, payTo } = JSON.parse(configJson)
const network = `eip155:${chainId}`
const { paywall, exact, batchSettlement, localFacilitator } = await import(built('batch-server'))

const facilitator = localFacilitator({ rpcUrl, settler: settlerKey, receiverAuthorizer: authorizerKey, pollingIntervalMs: 100 })
const usdc = { address: asset, name: 'USDC', version: '2', decimals: 6 }
const routes = {
  'GET /batch': batchSettlement({ price: '$0.001', network, payTo, asset: usdc, receiverAuthorizer: privateKeyToAccount(authorizerKey).address }),
  'GET /exact': exact({ price: '$0.001', network, payTo, asset: usdc }),
}
const paid = paywall({ routes, facilitator })

const times = { free: [], batch: [], exact: [] }
const cpuTimes = { free: [], batch: [], exact: [] }
const app = new Hono()
// Timed before anything else runs, so a path's time here is its whole cost in this server. The bench sends one
// request at a time, so this process's CPU time meanwhile is the request's (what load on the machine moves least).
app.use(async (c, next) => {
  const started = performance.now()
  const cpu = process.cpuUsage()
  await next()
  const path = c.req.path.slice(1)
  if (times[path] && c.res.status === 200) {
    const { user, system } = process.cpuUsage(cpu)
    times[path].push(performance.now() - started)
    cpuTimes[path].push((user + system) / 1000)
  }
})
app.use('/batch', paid)
app.use('/exact', paid)
const answer = (c) => c.json({ city: 'Lisbon', forecast: 'sunny', temperatureC: 21 })
app.get('/free', answer)
app.get('/batch', answer)
app.get('/exact', answer)

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
  process.send({ port: server.address().port })
  process.on('message', (message) => {
    if (message === 'stop') process.send({ times, cpuTimes }, () => process.exit(0))
  })
})
