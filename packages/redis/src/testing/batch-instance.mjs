// A paywall serving one batch-settlement route with a shared Redis store, in a process of its own (the two-process
// channel test starts two of these). Plain JavaScript on the built packages: node runs it as it is.
// Env: REDIS_URL, NAME. Prints "READY <url>" once listening; each paid request is logged as "SERVED <n>".
import { serve } from '@hono/node-server'
import { createPaywall } from '@tollgate/x402'
import { batchSettlement } from '@tollgate/x402/evm'
import { createClient } from 'redis'
import { redisStore } from '../../dist/index.js'

const NETWORK = 'eip155:84532'
const TOKEN = '0x3333333333333333333333333333333333333333'
const PAY_TO = '0x2222222222222222222222222222222222222222'
const RECEIVER_AUTHORIZER = '0x4444444444444444444444444444444444444444'
// The chain as a facilitator would report it: a funded channel with nothing claimed.
const snapshot = { balance: '100000000', totalClaimed: '0', withdrawRequestedAt: 0, refundNonce: '0' }

const client = createClient({ url: process.env.REDIS_URL })
client.on('error', () => {})
await client.connect()
const facilitator = {
  name: 'scripted',
  verify: async (request) => ({ isValid: true, payer: request.proof.payload.payload.channelConfig.payer, extra: snapshot }),
  settle: async () => ({ success: true, transaction: '0xdeposit', network: NETWORK, amount: '0', extra: { channelState: snapshot } }),
}
const option = batchSettlement({ price: '0.001', network: NETWORK, payTo: PAY_TO, asset: { address: TOKEN, name: 'USDC', version: '2' }, receiverAuthorizer: RECEIVER_AUTHORIZER })
const paywall = createPaywall({ routes: { 'GET /data': option }, facilitator, store: redisStore({ client }), idempotency: false, baseUrl: 'https://api.example.com' })
let served = 0
const handler = async () => {
  // Long enough for the other process's request on the channel to arrive meanwhile.
  await new Promise((resolve) => setTimeout(resolve, 15))
  served++
  process.stdout.write(`SERVED ${served}\n`)
  return Response.json({ servedBy: process.env.NAME })
}
const server = serve({ fetch: paywall.protect(handler), hostname: '127.0.0.1', port: 0 }, (info) => process.stdout.write(`READY http://127.0.0.1:${info.port}\n`))
process.on('SIGTERM', () => {
  server.close()
  client.destroy()
  process.exit(0)
})
