// tollgate discover, run in process against a paywall over the test facilitator: a route's declaration, a route
// that declares nothing, and a facilitator's discovery list.
import { createPaywall, exact } from '@tollgate/x402'
import { bazaar, paymentIdentifier, withDiscovery } from '@tollgate/x402/extensions'
import { createTestFacilitator } from '@tollgate/x402/testing'
import { describe, expect, it } from 'vitest'
import type { CliIO } from '../io.js'
import { run } from '../run.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const accepts = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })
const facilitator = withDiscovery(createTestFacilitator())
const paywall = createPaywall({
  facilitator,
  baseUrl: 'https://api.example.com',
  routes: {
    'GET /weather/:city': {
      accepts,
      description: 'Weather by city',
      extensions: [paymentIdentifier({ required: true }), bazaar({ input: { query: { example: { units: 'metric' } } }, output: { example: { weather: 'sunny' } } })],
    },
    'POST /search': { accepts, extensions: [bazaar({ input: { body: { example: { q: 'x402' } } } })] },
    'GET /plain': accepts,
  },
})
const app = paywall.protect(() => Response.json({ ok: true }))

function io(fetchImpl: (request: Request) => Response | Promise<Response>) {
  const out: string[] = []
  const cli: CliIO = { stdout: (text) => out.push(text), stderr: () => {}, env: {}, fetch: ((input: RequestInfo | URL, init?: RequestInit) => Promise.resolve(fetchImpl(new Request(input, init)))) as typeof fetch }
  return { cli, out }
}

describe('tollgate discover', () => {
  it("prints a route's declaration: how to call it, what it answers, the extensions it speaks", async () => {
    const { cli, out } = io(app)
    expect(await run(['discover', 'https://api.example.com/weather/lisbon'], cli)).toBe(0)
    expect(out.join('\n')).toBe(
      [
        'resource: https://api.example.com/weather/lisbon',
        'description: Weather by city',
        'call: GET /weather/:city',
        'query example: {"units":"metric"}',
        'output example: {"weather":"sunny"}',
        'extensions: payment-identifier (required)',
      ].join('\n'),
    )
  })

  it('a body route, and --json with the extensions as declared', async () => {
    const { cli, out } = io(app)
    expect(await run(['discover', 'https://api.example.com/search', '-X', 'POST', '--json'], cli)).toBe(0)
    const document = JSON.parse(out[0]!) as { status: number; extensions: { bazaar: { info: { input: unknown } } } }
    expect(document.status).toBe(402)
    expect(document.extensions.bazaar.info.input).toEqual({ type: 'http', method: 'POST', bodyType: 'json', body: { q: 'x402' } })
  })

  it('says when a route declares nothing', async () => {
    const { cli, out } = io(app)
    expect(await run(['discover', 'https://api.example.com/plain'], cli)).toBe(0)
    expect(out.join('\n')).toContain('discovery: none declared')
  })

  it("lists a facilitator's discovery list", async () => {
    const list = { x402Version: 2, items: [{ resource: 'https://api.example.com/weather/:city', type: 'http', description: 'Weather by city', extensions: { bazaar: { info: { input: { type: 'http', method: 'GET' } } } } }], pagination: { limit: 100, offset: 0, total: 1 } }
    const { cli, out } = io(() => Response.json(list))
    expect(await run(['discover', 'https://facilitator.example.com/discovery/resources'], cli)).toBe(0)
    expect(out.join('\n')).toBe('GET https://api.example.com/weather/:city: Weather by city')
  })
})
