import { describe, it, expect } from 'vitest'
import { TollgateError } from '../../errors.js'
import { exact } from './options.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

function errorOf(fn: () => unknown): TollgateError {
  try {
    fn()
  } catch (error) {
    if (error instanceof TollgateError) return error
    throw error
  }
  throw new Error('expected a TollgateError')
}

describe('exact()', () => {
  it('builds the reference offer from a dollar price', () => {
    const option = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })
    expect(JSON.stringify(option.requirements)).toBe(
      JSON.stringify({
        scheme: 'exact',
        network: 'eip155:84532',
        amount: '10000',
        asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
        payTo: PAY_TO,
        maxTimeoutSeconds: 300,
        extra: { name: 'USDC', version: '2' },
      }),
    )
    expect(option.amount).toBe('10000')
    expect(option.amountOnWire).toBe(true)
    expect(option.singleUse).toBe(true)
    expect(option.decimals).toBe(6)
  })

  it('is frozen', () => {
    const option = exact({ price: '$0.01', network: 'eip155:8453', payTo: PAY_TO })
    expect(Object.isFrozen(option)).toBe(true)
    expect(Object.isFrozen(option.requirements)).toBe(true)
    expect(Object.isFrozen(option.requirements.extra)).toBe(true)
  })

  it('uses the USDC domain of mainnet Base', () => {
    const option = exact({ price: 1, network: 'eip155:8453', payTo: PAY_TO })
    expect(option.requirements.asset).toBe('0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913')
    expect(option.requirements.extra).toEqual({ name: 'USD Coin', version: '2' })
    expect(option.amount).toBe('1000000')
  })

  it('keeps the payTo case the user gave', () => {
    const lower = PAY_TO.toLowerCase()
    expect(exact({ price: '$1', network: 'base', payTo: lower }).requirements.payTo).toBe(lower)
  })

  it('takes atomic units as amount', () => {
    expect(exact({ amount: '10000', network: 'base', payTo: PAY_TO }).amount).toBe('10000')
    expect(exact({ amount: 25n, network: 'base', payTo: PAY_TO }).requirements.amount).toBe('25')
  })

  it('keeps an amount function for per-request evaluation and leaves amount off the offer', () => {
    const perRequest = (request: Request) => (request.method === 'POST' ? '20000' : '10000')
    const option = exact({ amount: perRequest, network: 'base-sepolia', payTo: PAY_TO })
    expect(option.amount).toBe(perRequest)
    expect(option.requirements).not.toHaveProperty('amount')
    expect(Object.keys(option.requirements)).toEqual(['scheme', 'network', 'asset', 'payTo', 'maxTimeoutSeconds', 'extra'])
  })

  it('takes a full asset, converting the price with its decimals', () => {
    const option = exact({
      price: '0.5',
      network: 'eip155:1',
      payTo: PAY_TO,
      asset: { address: '0x6B175474E89094C44Da98b954EedeAC495271d0F', name: 'Dai Stablecoin', version: '1', decimals: 18 },
    })
    expect(option.requirements.amount).toBe('500000000000000000')
    expect(option.requirements.extra).toEqual({ name: 'Dai Stablecoin', version: '1' })
    expect(option.decimals).toBe(18)
  })

  it('takes a bare asset address with the domain in extra and 6 decimals by default', () => {
    const option = exact({
      price: '$0.01',
      network: 'eip155:31337',
      payTo: PAY_TO,
      asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      extra: { name: 'Test USD', version: '1' },
    })
    expect(option.requirements.asset).toBe('0x5FbDB2315678afecb367f032d93F642f64180aa3')
    expect(option.requirements.amount).toBe('10000')
    expect(option.requirements.extra).toEqual({ name: 'Test USD', version: '1' })
  })

  it('merges extra over the default domain', () => {
    const option = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO, extra: { memo: 'x' } })
    expect(option.requirements.extra).toEqual({ name: 'USDC', version: '2', memo: 'x' })
  })

  it('takes maxTimeoutSeconds', () => {
    expect(exact({ price: '$0.01', network: 'base', payTo: PAY_TO, maxTimeoutSeconds: 60 }).requirements.maxTimeoutSeconds).toBe(60)
  })

  it.each([
    ['price and amount both', { price: '$0.01', amount: '10000' }, 'amount', 'invalid_payment_option'],
    ['neither price nor amount', {}, 'price', 'invalid_payment_option'],
    ['a bad price', { price: '$0.0000001' }, 'price', 'invalid_price'],
    ['a zero price', { price: '0' }, 'price', 'invalid_price'],
    ['a human amount', { amount: '$0.01' }, 'amount', 'invalid_price'],
    ['an unknown network', { price: '$1', network: 'basee' }, 'network', 'unknown_network'],
    ['a short payTo', { price: '$1', payTo: '0x1234' }, 'payTo', 'invalid_payment_option'],
    ['payTo without 0x', { price: '$1', payTo: PAY_TO.slice(2) }, 'payTo', 'invalid_payment_option'],
    ['the zero address as payTo', { price: '$1', payTo: `0x${'0'.repeat(40)}` }, 'payTo', 'invalid_payment_option'],
    ['no asset on a network without default', { price: '$1', network: 'eip155:1' }, 'asset', 'invalid_payment_option'],
    ['a bad asset address', { price: '$1', asset: 'usdc' }, 'asset', 'invalid_payment_option'],
    ['a bare asset without a domain', { price: '$1', network: 'eip155:1', asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3' }, 'extra.name', 'invalid_payment_option'],
    ['an asset object without name', { price: '$1', asset: { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', version: '1' } }, 'asset.name', 'invalid_payment_option'],
    ['decimals disagreeing with the asset', { price: '$1', asset: { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', name: 'T', version: '1', decimals: 18 }, decimals: 6 }, 'decimals', 'invalid_payment_option'],
    ['maxTimeoutSeconds of zero', { price: '$1', maxTimeoutSeconds: 0 }, 'maxTimeoutSeconds', 'invalid_payment_option'],
    ['fractional maxTimeoutSeconds', { price: '$1', maxTimeoutSeconds: 1.5 }, 'maxTimeoutSeconds', 'invalid_payment_option'],
    ['extra that is not an object', { price: '$1', extra: 'USDC' }, 'extra', 'invalid_payment_option'],
    ['a misspelt option', { price: '$1', maxTimeoutSecond: 60 }, 'maxTimeoutSecond', 'invalid_payment_option'],
  ])('refuses %s, naming the field', (_label, overrides, path, code) => {
    const options = { network: 'base-sepolia', payTo: PAY_TO, ...overrides }
    const error = errorOf(() => exact(options as never))
    expect(error.code).toBe(code)
    expect(error.details.path).toBe(path)
    expect(error.message).toContain(path.split('.').pop())
  })

  it('refuses a missing options object', () => {
    expect(errorOf(() => exact(undefined as never)).code).toBe('invalid_payment_option')
  })
})

describe('exact() over Permit2', () => {
  it('exact names Permit2 as the spec does and takes a bare token address', () => {
    const option = exact({ price: '$0.02', network: 'eip155:8453', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3', assetTransferMethod: 'permit2' })
    expect(option.requirements.extra).toEqual({ assetTransferMethod: 'permit2' })
    expect(() => exact({ price: '$0.02', network: 'eip155:8453', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', assetTransferMethod: 'permit3' as 'permit2' })).toThrow(/assetTransferMethod/)
  })
})

describe('exact() and upto() networks', () => {
  it('refuses a network that is not an EVM chain, naming it, before the Solana scheme exists', async () => {
    const { upto } = await import('../evm-upto/options.js')
    const payTo = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
    const asset = { address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', name: 'USDC', version: '2' }
    for (const build of [() => exact({ price: '$0.01', network: 'solana', payTo, asset }), () => upto({ maxPrice: '$0.01', network: 'solana-devnet', payTo, asset })]) {
      expect(build).toThrow(expect.objectContaining({ code: 'invalid_payment_option', details: expect.objectContaining({ path: 'network' }) }))
      expect(build).toThrow(/pays on EVM chains \(eip155:<chain id>\), got "solana/)
    }
    expect(exact({ price: '$0.01', network: 'base-sepolia', payTo }).requirements.network).toBe('eip155:84532')
  })
})
