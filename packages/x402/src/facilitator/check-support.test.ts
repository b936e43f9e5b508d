import { describe, expect, it } from 'vitest'
import { TollgateError } from '../errors.js'
import { exact, plan } from '../requirements/options.js'
import { checkSupport } from './check-support.js'
import type { Facilitator, PaymentKind } from './types.js'
import { rejection } from '../test-support/rejection.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const testnet = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })
const mainnet = exact({ price: '$0.01', network: 'base', payTo: PAY_TO })
const credits = plan({ planId: '123', credits: 1, network: 'eip155:84532' })

function listing(kinds: PaymentKind[] | (() => Promise<PaymentKind[]>)): Facilitator {
  return {
    name: 'stub',
    verify: async () => ({ isValid: true }),
    settle: async () => ({ success: true, transaction: '', network: '' }),
    supported: typeof kinds === 'function' ? kinds : async () => kinds,
  }
}


describe('checkSupport', () => {
  const both = listing([
    { x402Version: 2, scheme: 'exact', network: 'eip155:84532' },
    { x402Version: 1, scheme: 'exact', network: 'base-sepolia' },
  ])

  it('passes routes, route configs, option lists and plain requirements the facilitator lists', async () => {
    const routes = { 'GET /a': testnet, 'POST /b': { accepts: [testnet], description: 'b' } }
    expect(await checkSupport(both, routes)).toEqual({ checked: true, needed: [{ x402Version: 2, scheme: 'exact', network: 'eip155:84532' }] })
    expect((await checkSupport(both, [testnet])).checked).toBe(true)
    expect((await checkSupport(both, testnet.requirements)).checked).toBe(true)
  })

  it('needs v1 kinds only when asked, and only for offers v1 can express', async () => {
    const v2only = listing([{ x402Version: 2, scheme: 'exact', network: 'eip155:84532' }])
    expect((await checkSupport(v2only, { 'GET /a': testnet })).checked).toBe(true)
    const error = await rejection(checkSupport(v2only, { 'GET /a': testnet }, { versions: [1, 2] }))
    expect(error.message).toContain('exact on base-sepolia (x402 v1)')
    const unnamed = exact({ price: '$0.01', network: 'eip155:31337', payTo: PAY_TO, asset: { address: PAY_TO, name: 'T', version: '1', decimals: 6 } })
    const local = listing([{ x402Version: 2, scheme: 'exact', network: 'eip155:31337' }])
    expect((await checkSupport(local, [unnamed], { versions: [1, 2] })).needed).toHaveLength(1)
  })

  it('names every missing kind, where it is used, and what the facilitator offers', async () => {
    const error = await rejection(checkSupport(both, { 'GET /a': testnet, 'GET /b': [mainnet, credits] }))
    expect(error.code).toBe('unsupported_payment_kind')
    expect(error.status).toBe(500)
    expect(error.message).toContain('stub does not support exact on eip155:8453 (x402 v2), accepted by routes["GET /b"][0]')
    expect(error.message).toContain('nvm:erc4337 on eip155:84532 (x402 v2), accepted by routes["GET /b"][1]')
    expect(error.message).toContain('It supports: exact on eip155:84532 (x402 v2); exact on base-sepolia (x402 v1)')
    expect(error.details.missing).toEqual([
      { x402Version: 2, scheme: 'exact', network: 'eip155:8453', where: 'routes["GET /b"][0]' },
      { x402Version: 2, scheme: 'nvm:erc4337', network: 'eip155:84532', where: 'routes["GET /b"][1]' },
    ])
  })

  it('accepts a listed network pattern such as eip155:*', async () => {
    const wildcard = listing([{ x402Version: 2, scheme: 'exact', network: 'eip155:*' }])
    expect((await checkSupport(wildcard, [testnet, mainnet])).checked).toBe(true)
    expect((await rejection(checkSupport(wildcard, [credits]))).code).toBe('unsupported_payment_kind')
  })

  it('reports checked: false for a facilitator that cannot list what it supports', async () => {
    const { supported: _, ...silent } = both
    expect(await checkSupport(silent, [mainnet])).toEqual({ checked: false, needed: [{ x402Version: 2, scheme: 'exact', network: 'eip155:8453' }] })
  })

  it('passes on the facilitator failure, and wraps foreign errors', async () => {
    const down = listing(async () => {
      throw new TollgateError('facilitator_error', 'down')
    })
    expect((await rejection(checkSupport(down, [testnet]))).message).toBe('down')
    const odd = listing(async () => {
      throw new Error('socket hang up')
    })
    expect((await rejection(checkSupport(odd, [testnet]))).code).toBe('facilitator_error')
  })

  it('refuses a target that is not routes or options', async () => {
    expect((await rejection(checkSupport(both, { 'GET /a': { price: '$1' } } as never))).code).toBe('invalid_options')
  })
})
