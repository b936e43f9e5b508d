// The test process's side of the contract: one HTTP server on 127.0.0.1 where the test facilitator answers
// (`POST /facilitator/verify|settle`) and where streaming handlers wait for the test (`GET /gate/:key`).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { SettleRequest, VerifyRequest } from '@tollgate/x402'
import type { TestFacilitator } from '@tollgate/x402/testing'

export interface Control {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** Lets the handler waiting on gate `key` go on (also when it asks later). */
  release(key: string): void
  close(): Promise<void>
}

/** A gate that was never released opens by itself after this long, so a broken test cannot hang a server. */
const GATE_FAILSAFE_MS = 20_000

export async function startControl(facilitator: TestFacilitator): Promise<Control> {
  const gates = new Map<string, { opened: Promise<void>; open: () => void }>()
  const gate = (key: string) => {
    let entry = gates.get(key)
    if (!entry) {
      let open!: () => void
      const opened = new Promise<void>((resolve) => (open = resolve))
      entry = { opened, open }
      gates.set(key, entry)
    }
    return entry
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error) => answer(response, 500, { error: String(error) }))
  })

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? '/'
    if (request.method === 'GET' && path.startsWith('/gate/')) {
      const key = decodeURIComponent(path.slice('/gate/'.length))
      const failsafe = new Promise<void>((resolve) => setTimeout(resolve, GATE_FAILSAFE_MS).unref())
      await Promise.race([gate(key).opened, failsafe])
      return answer(response, 200, { opened: key })
    }
    const step = path === '/facilitator/verify' ? 'verify' : path === '/facilitator/settle' ? 'settle' : undefined
    if (request.method !== 'POST' || !step) return answer(response, 404, { error: 'not found' })
    const body = JSON.parse(await readBody(request)) as SettleRequest
    // The server gave up (its deadline) when the connection closes early: let a hanging fault end too.
    const controller = new AbortController()
    response.once('close', () => response.writableFinished || controller.abort())
    try {
      const result = step === 'verify' ? await facilitator.verify(body as VerifyRequest, controller.signal) : await facilitator.settle(body, controller.signal)
      answer(response, 200, result)
    } catch (error) {
      answer(response, 500, { error: String(error) })
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    release: (key) => gate(key).open(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const entry of gates.values()) entry.open()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
