// bazaar: a route's discovery metadata in its 402, read back by the reference @x402/extensions readers exactly as
// declared, and the facilitator's catalog of what verified payments declared.
import { extractDiscoveryInfo, validateDiscoveryExtension, validateDiscoveryExtensionSpec, type DiscoveryExtension } from '@x402/extensions/bazaar'
import { describe, expect, it } from 'vitest'
import type { PaymentPayload, PaymentRequired } from '../../codec/types.js'
import { BUYER, ORIGIN, setup, usdcOption } from '../../engine/test-setup.js'
import { paidRequest, readPaymentRequired } from '../../testing/requests.js'
import { bazaar, withDiscovery } from './index.js'

const citySchema = { properties: { city: { type: 'string' } }, required: ['city'] }
const weatherOutput = { example: { city: 'Lisbon', weather: 'sunny', temperature: 21 }, schema: { properties: { weather: { type: 'string' } }, required: ['weather'] } }
const searchBody = { type: 'json' as const, example: { query: 'x402' }, schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } }

function paywall() {
  const fixture = setup({
    routes: {
      'GET /weather': { accepts: usdcOption, description: 'Weather by city', mimeType: 'application/json', extensions: [bazaar({ input: { query: { example: { city: 'Lisbon' }, schema: citySchema } }, output: weatherOutput })] },
      'POST /search': { accepts: usdcOption, extensions: [bazaar({ input: { body: searchBody }, output: { example: { results: [] } } })] },
      'GET /users/:id': { accepts: usdcOption, extensions: [bazaar()] },
      '/any': { accepts: usdcOption, extensions: [bazaar({ method: 'DELETE' })] },
    },
  })
  return fixture
}

async function declared(app: (request: Request) => Promise<Response>, url: string, method = 'GET'): Promise<PaymentRequired> {
  const response = await app(new Request(url, { method }))
  expect(response.status).toBe(402)
  return (await readPaymentRequired(response)).v2!
}

/** What a buyer that echoes the 402's extensions (as the reference client does) pays with. */
function echo(paymentRequired: PaymentRequired): PaymentPayload {
  return { x402Version: 2, resource: paymentRequired.resource, accepted: paymentRequired.accepts[0]!, payload: {}, extensions: paymentRequired.extensions! }
}

describe('bazaar: the declaration in the 402', () => {
  it('a GET route: query parameters with their schema, the output example, as the spec writes them', async () => {
    const { app } = paywall()
    const required = await declared(app, `${ORIGIN}/weather`)
    expect(required.extensions!.bazaar).toEqual({
      info: { input: { type: 'http', method: 'GET', queryParams: { city: 'Lisbon' } }, output: { type: 'json', example: weatherOutput.example } },
      schema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: {
          input: {
            type: 'object',
            properties: { type: { type: 'string', const: 'http' }, method: { type: 'string', enum: ['GET'] }, queryParams: { type: 'object', ...citySchema } },
            required: ['type', 'method'],
            additionalProperties: false,
          },
          output: { type: 'object', properties: { type: { type: 'string' }, example: weatherOutput.schema }, required: ['type'] },
        },
        required: ['input'],
      },
    })
  })

  it('the reference readers validate it and extract exactly what was declared', async () => {
    const { app } = paywall()
    for (const [url, method, expected] of [
      [`${ORIGIN}/weather`, 'GET', { input: { type: 'http', method: 'GET', queryParams: { city: 'Lisbon' } }, output: { type: 'json', example: weatherOutput.example } }],
      [`${ORIGIN}/search`, 'POST', { input: { type: 'http', method: 'POST', bodyType: 'json', body: { query: 'x402' } }, output: { type: 'json', example: { results: [] } } }],
      [`${ORIGIN}/users/7`, 'GET', { input: { type: 'http', method: 'GET' } }],
      [`${ORIGIN}/any`, 'DELETE', { input: { type: 'http', method: 'DELETE' } }],
    ] as const) {
      const required = await declared(app, url, method)
      const extension = required.extensions!.bazaar as DiscoveryExtension
      expect(validateDiscoveryExtension(extension)).toEqual({ valid: true })
      expect(validateDiscoveryExtensionSpec(extension as unknown as Record<string, unknown>)).toEqual({ valid: true })
      const found = extractDiscoveryInfo(echo(required) as never, required.accepts[0] as never)
      expect(found).toMatchObject({ discoveryInfo: expected, method, x402Version: 2 })
    }
  })

  it('a route with parameters publishes its template; the reference reader catalogs it under the template', async () => {
    const { app } = paywall()
    const required = await declared(app, `${ORIGIN}/users/7`)
    expect(required.extensions!.bazaar).toMatchObject({ routeTemplate: '/users/:id' })
    expect(extractDiscoveryInfo(echo(required) as never, required.accepts[0] as never)).toMatchObject({ resourceUrl: `${ORIGIN}/users/:id`, routeTemplate: '/users/:id' })
  })

  it('an MCP tool: its name, input schema and example, as the reference reads MCP declarations', () => {
    const inputSchema = { type: 'object', properties: { ticker: { type: 'string' } }, required: ['ticker'] }
    const extension = bazaar({ tool: { name: 'analyse', description: 'Analyse a ticker', inputSchema, example: { ticker: 'AAPL' } }, output: { example: { score: 8 } } })
    const declaration = extension.declare!({ route: '/mcp', method: undefined, path: '/mcp', resource: { url: `${ORIGIN}/mcp` }, accepts: [] }) as DiscoveryExtension
    expect(declaration.info).toEqual({
      input: { type: 'mcp', toolName: 'analyse', description: 'Analyse a ticker', inputSchema, example: { ticker: 'AAPL' } },
      output: { type: 'json', example: { score: 8 } },
    })
    expect(validateDiscoveryExtension(declaration)).toEqual({ valid: true })
    const payload = { x402Version: 2, resource: { url: `${ORIGIN}/mcp` }, accepted: usdcOption.requirements, payload: {}, extensions: { bazaar: declaration } }
    expect(extractDiscoveryInfo(payload as never, usdcOption.requirements as never)).toMatchObject({ toolName: 'analyse', resourceUrl: `${ORIGIN}/mcp` })
  })

  it('refuses bad options when the route is written', () => {
    expect(() => bazaar({ input: {} as never })).toThrow(/input/)
    expect(() => bazaar({ input: { query: { example: 'city=Lisbon' as never } } })).toThrow(/input\.query\.example/)
    expect(() => bazaar({ input: { body: { type: 'xml' as never } } })).toThrow(/input\.body\.type/)
    expect(() => bazaar({ tool: { name: '', inputSchema: {} } })).toThrow(/tool\.name/)
    expect(() => bazaar({ input: { query: {} }, method: 'POST' })).toThrow(/method/)
  })
})

describe('bazaar: the facilitator catalog', () => {
  it('lists what verified payments declared, as the spec discovery list; refused payments are not listed', async () => {
    const fixture = setup()
    const facilitator = withDiscovery(fixture.facilitator)
    facilitator.fund(BUYER, 1_000_000, { asset: usdcOption.requirements.asset as string })
    const { app } = setup({
      facilitator,
      routes: { 'GET /weather': { accepts: usdcOption, description: 'Weather by city', extensions: [bazaar({ input: { query: { example: { city: 'Lisbon' } } } })] } },
    })
    expect(facilitator.discovery.list().items).toEqual([])
    await app(paidRequest(`${ORIGIN}/weather`, facilitator.forge({ payer: BUYER, requirements: usdcOption.requirements })))
    expect(facilitator.discovery.list().items).toEqual([])
    const paid = await app(paidRequest(`${ORIGIN}/weather?city=Lisbon`, facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })))
    expect(paid.status).toBe(200)
    const list = facilitator.discovery.list()
    expect(list).toMatchObject({ x402Version: 2, pagination: { limit: 100, offset: 0, total: 1 } })
    expect(list.items[0]).toMatchObject({
      resource: `${ORIGIN}/weather`,
      type: 'http',
      x402Version: 2,
      description: 'Weather by city',
      accepts: [usdcOption.requirements],
      extensions: { bazaar: { info: { input: { type: 'http', method: 'GET', queryParams: { city: 'Lisbon' } } } } },
    })
    expect(facilitator.discovery.list({ type: 'mcp' }).items).toEqual([])
    expect(facilitator.name).toBe(fixture.facilitator.name)
  })
})
