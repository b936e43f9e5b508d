// A JSON-RPC relay in front of anvil that misbehaves like a flapping hosted endpoint: each call, chosen by a seeded
// RNG, fails before it reaches the node (HTTP 503: nothing happened there) or stalls before it is passed on.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { seeded } from './random.js'

export interface RelayFaults {
  /** Share of calls answered 503 without reaching the node. */
  failRate: number
  /** Share of calls held this long before they are passed on. */
  stallRate: number
  stallMs: number
  seed: number
}

export interface RpcRelay {
  url: string
  /** Calls passed on, failed, stalled so far, by JSON-RPC method. */
  readonly counts: { passed: number; failed: number; stalled: number; failedByMethod: Record<string, number> }
  close(): Promise<void>
}

export async function startRpcRelay(target: string, faults: RelayFaults): Promise<RpcRelay> {
  const random = seeded(faults.seed)
  const counts = { passed: 0, failed: 0, stalled: 0, failedByMethod: {} as Record<string, number> }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const roll = random.next()
      if (roll < faults.failRate) {
        counts.failed++
        const method = methodOf(body)
        counts.failedByMethod[method] = (counts.failedByMethod[method] ?? 0) + 1
        res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream unavailable')
        return
      }
      const stall = roll < faults.failRate + faults.stallRate
      if (stall) counts.stalled++
      setTimeout(() => {
        counts.passed++
        fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
          .then(async (answer) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()))
          .catch(() => res.writeHead(502).end())
      }, stall ? faults.stallMs : 0)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function methodOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { method?: string } | Array<{ method?: string }>
    return (Array.isArray(parsed) ? parsed.map((call) => call.method).join('+') : parsed.method) ?? '?'
  } catch {
    return '?'
  }
}
