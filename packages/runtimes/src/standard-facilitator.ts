// A standard x402 facilitator on 127.0.0.1 (POST /verify, POST /settle, GET /supported: the API httpFacilitator
// speaks), answered by a test facilitator in this process, so an app on another runtime can be paid and checked.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { PaymentPayload, PaymentRequirements, VerifyRequest } from '@tollgate/x402'
import { createTestFacilitator, type TestFacilitator } from '@tollgate/x402/testing'

export interface StandardFacilitator {
  /** `http://127.0.0.1:<port>`, for `httpFacilitator({ url })`. */
  url: string
  /** The books behind it: mint with `payFor`, read with `balance`. */
  facilitator: TestFacilitator
  close(): Promise<void>
}

interface StandardBody {
  x402Version: 2
  paymentPayload: PaymentPayload
  paymentRequirements: PaymentRequirements
}

export async function startStandardFacilitator(): Promise<StandardFacilitator> {
  // The standard API does not carry verify's answer to settle, so settle cannot insist on it.
  const facilitator = createTestFacilitator({ name: 'loopback', settleRequiresVerify: false })
  const server = createServer((request, response) => {
    answer(request, response).catch((error) => send(response, 500, { error: String(error) }))
  })

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method === 'GET' && request.url === '/supported') {
      return send(response, 200, { kinds: [{ x402Version: 2, scheme: 'exact', network: 'eip155:84532' }], extensions: [], signers: {} })
    }
    const step = request.url === '/verify' ? 'verify' : request.url === '/settle' ? 'settle' : undefined
    if (request.method !== 'POST' || !step) return send(response, 404, { error: 'not found' })
    const body = JSON.parse(await readBody(request)) as StandardBody
    const verifyRequest = toVerifyRequest(body)
    const signal = new AbortController().signal
    const result =
      step === 'verify' ? await facilitator.verify(verifyRequest, signal) : await facilitator.settle({ ...verifyRequest, verification: { isValid: true } }, signal)
    send(response, 200, result)
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    facilitator,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** The engine's view of a standard request: the token is the payload encoded again (the test facilitator reads it). */
function toVerifyRequest(body: StandardBody): VerifyRequest {
  const token = Buffer.from(JSON.stringify(body.paymentPayload)).toString('base64')
  return {
    x402Version: 2,
    token,
    proof: { x402Version: 2, header: 'PAYMENT-SIGNATURE', raw: token, payload: body.paymentPayload },
    requirements: body.paymentRequirements,
    paymentRequired: { x402Version: 2, resource: { url: '' }, accepts: [body.paymentRequirements] },
    amount: body.paymentRequirements.amount ?? '',
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
