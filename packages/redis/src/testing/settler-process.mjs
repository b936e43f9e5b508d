// One server instance of the settler-lease test, in its own process: a localFacilitator on the test chain whose
// settler key is leased in the shared Redis. Told { settle: [requests] } over IPC, it settles them all at once
// and answers { results }: each a SettleResult, or { error: code, reason, message } when it threw.
// argv: <rpcUrl> <settlerKey> <redisUrl>
import { localFacilitator } from '@tollgate/x402/evm'
import { createClient } from 'redis'
import { redisStore } from '../../dist/index.js'

const [rpcUrl, settler, redisUrl] = process.argv.slice(2)
const client = createClient({ url: redisUrl })
client.on('error', () => {})
await client.connect()
const facilitator = localFacilitator({ rpcUrl, settler, pollingIntervalMs: 50, settlerLease: redisStore({ client }), finalityDepth: 0 })

process.on('message', async (message) => {
  if (message === 'stop') {
    client.destroy()
    process.exit(0)
  }
  const results = await Promise.all(
    message.settle.map((request) =>
      facilitator.settle(request, new AbortController().signal).catch((error) => ({ error: error.code, reason: error.details?.reason, message: error.message })),
    ),
  )
  process.send({ results })
})
process.send('ready')
