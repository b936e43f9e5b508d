import { describe, it, expect, afterEach } from 'vitest'
import { TollgateError } from '../../errors.js'
import { plan } from './options.js'

function errorOf(fn: () => unknown): TollgateError {
  try {
    fn()
  } catch (error) {
    if (error instanceof TollgateError) return error
    throw error
  }
  throw new Error('expected a TollgateError')
}

describe('plan()', () => {
  const saved = process.env.NVM_ENVIRONMENT
  afterEach(() => {
    if (saved === undefined) delete process.env.NVM_ENVIRONMENT
    else process.env.NVM_ENVIRONMENT = saved
  })

  it("builds Nevermined's reference offer", () => {
    delete process.env.NVM_ENVIRONMENT
    const option = plan({ planId: '1234567890123456789', agentId: '987654321', httpVerb: 'POST' })
    expect(JSON.stringify(option.requirements)).toBe(
      JSON.stringify({
        scheme: 'nvm:erc4337',
        network: 'eip155:84532',
        planId: '1234567890123456789',
        extra: { version: '1', agentId: '987654321', httpVerb: 'POST' },
      }),
    )
    expect(option.amount).toBe('1')
    expect(option.amountOnWire).toBe(false)
    expect(option.singleUse).toBe(false)
    expect(Object.isFrozen(option)).toBe(true)
    expect(Object.isFrozen(option.requirements.extra)).toBe(true)
  })

  it('omits empty optional keys', () => {
    const option = plan({ planId: 42n })
    expect(option.requirements.planId).toBe('42')
    expect(option.requirements.extra).toEqual({ version: '1' })
  })

  it('takes credits as a number, a decimal string or a function', () => {
    expect(plan({ planId: '1', credits: 5 }).amount).toBe('5')
    expect(plan({ planId: '1', credits: '12' }).amount).toBe('12')
    const byLength = (request: Request) => (request.headers.get('x-size') === 'big' ? 10 : 1)
    expect(plan({ planId: '1', credits: byLength }).amount).toBe(byLength)
  })

  it('upper-cases httpVerb', () => {
    expect(plan({ planId: '1', httpVerb: 'post' }).requirements.extra).toEqual({ version: '1', httpVerb: 'POST' })
  })

  it('picks the network from NVM_ENVIRONMENT', () => {
    process.env.NVM_ENVIRONMENT = 'live'
    expect(plan({ planId: '1' }).requirements.network).toBe('eip155:8453')
    process.env.NVM_ENVIRONMENT = 'sandbox'
    expect(plan({ planId: '1' }).requirements.network).toBe('eip155:84532')
  })

  it('prefers an explicit network, as CAIP-2', () => {
    process.env.NVM_ENVIRONMENT = 'live'
    expect(plan({ planId: '1', network: 'base-sepolia' }).requirements.network).toBe('eip155:84532')
  })

  it('works where there is no process (edge runtimes) or env access throws (Deno)', () => {
    const realProcess = globalThis.process
    const global = globalThis as { process?: unknown }
    try {
      global.process = undefined
      expect(plan({ planId: '1' }).requirements.network).toBe('eip155:84532')
      global.process = {
        get env(): never {
          throw new Error('PermissionDenied')
        },
      }
      expect(plan({ planId: '1' }).requirements.network).toBe('eip155:84532')
    } finally {
      global.process = realProcess
    }
  })

  it('takes the card-delegation scheme with a provider network', () => {
    const option = plan({ planId: '7', scheme: 'nvm:card-delegation' })
    expect(option.requirements).toEqual({ scheme: 'nvm:card-delegation', network: 'stripe', planId: '7', extra: { version: '1' } })
    expect(plan({ planId: '7', scheme: 'nvm:card-delegation', network: 'visa' }).requirements.network).toBe('visa')
  })

  it.each([
    ['a missing planId', {}, 'planId', 'invalid_payment_option'],
    ['a numeric planId (loses precision)', { planId: 1234567890123456789 }, 'planId', 'invalid_payment_option'],
    ['a non-decimal planId', { planId: 'did:nv:abc' }, 'planId', 'invalid_payment_option'],
    ['zero credits', { planId: '1', credits: 0 }, 'credits', 'invalid_price'],
    ['fractional credits', { planId: '1', credits: 1.5 }, 'credits', 'invalid_price'],
    ['an unknown scheme', { planId: '1', scheme: 'exact' }, 'scheme', 'invalid_payment_option'],
    ['an unknown network', { planId: '1', network: 'nowhere' }, 'network', 'unknown_network'],
    ['a bad httpVerb', { planId: '1', httpVerb: 'GET /a' }, 'httpVerb', 'invalid_payment_option'],
    ['a misspelt option', { planId: '1', agentID: '2' }, 'agentID', 'invalid_payment_option'],
  ])('refuses %s, naming the field', (_label, options, path, code) => {
    const error = errorOf(() => plan(options as never))
    expect(error.code).toBe(code)
    expect(error.details.path).toBe(path)
  })
})
