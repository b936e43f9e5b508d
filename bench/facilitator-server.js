// A standard x402 facilitator (POST /verify, POST /settle, GET /supported) on loopback, in its own process: P3
// measures what Tollgate adds around real HTTP calls to it; P7 gives it a round trip (`node facilitator-server.js
// <ms>`: verify and settle each answer after that long) and reads how many calls it got (GET /calls).
import { createServer } from 'node:http'
import { NETWORK, PAYER, TX } from './lib/fixtures.js'

const answers = {
  '/verify': () => ({ isValid: true, payer: PAYER }),
  '/settle': () => ({ success: true, transaction: TX, network: NETWORK, payer: PAYER }),
  '/supported': () => ({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK }], extensions: [], signers: {} }),
}

const delayMs = Number(process.argv[2] ?? 0)
const calls = { verify: 0, settle: 0 }
answers['/calls'] = () => calls

const server = createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    const answer = answers[request.url]
    const body = JSON.stringify(answer ? answer() : { error: 'not found' })
    const send = () => {
      response.writeHead(answer ? 200 : 404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      response.end(body)
    }
    const step = request.url.slice(1)
    if (step in calls) calls[step]++
    if (delayMs > 0 && step in calls) setTimeout(send, delayMs)
    else send()
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }))
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0))
})
process.on('disconnect', () => process.exit(0))
