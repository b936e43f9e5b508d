// A standard x402 facilitator (POST /verify, POST /settle, GET /supported) that answers at once, on loopback,
// in its own process: P3 measures what Tollgate adds around real HTTP calls to it.
import { createServer } from 'node:http'
import { NETWORK, PAYER, TX } from './lib/fixtures.js'

const answers = {
  '/verify': () => ({ isValid: true, payer: PAYER }),
  '/settle': () => ({ success: true, transaction: TX, network: NETWORK, payer: PAYER }),
  '/supported': () => ({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK }], extensions: [], signers: {} }),
}

const server = createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    const answer = answers[request.url]
    const body = JSON.stringify(answer ? answer() : { error: 'not found' })
    response.writeHead(answer ? 200 : 404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    response.end(body)
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }))
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0))
})
process.on('disconnect', () => process.exit(0))
