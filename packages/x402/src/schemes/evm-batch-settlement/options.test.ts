import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it, vi } from 'vitest'
import { createPaywall } from '../../engine/paywall.js'
import { TollgateError } from '../../errors.js'
import type { Facilitator } from '../../facilitator/types.js'
import { batchSettlement, type BatchSettlementOptions } from './options.js'

const base: BatchSettlementOptions = {
  price: '$0.001',
  network: 'base-sepolia',
  payTo: '0x2222222222222222222222222222222222222222',
  receiverAuthorizer: '0x4444444444444444444444444444444444444444',
}

function refused(options: unknown): TollgateError {
  try {
    batchSettlement(options as BatchSettlementOptions)
  } catch (error) {
    return error as TollgateError
  }
  throw new Error('accepted')
}

describe('batchSettlement()', () => {
  it("builds the spec's offer: the price, the receiver authorizer, the withdraw delay and the token's EIP-712 domain", () => {
    const option = batchSettlement({ ...base, withdrawDelay: 3600 })
    expect(option.requirements).toEqual({
      scheme: 'batch-settlement',
      network: 'eip155:84532',
      amount: '1000',
      asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
      payTo: base.payTo,
      maxTimeoutSeconds: 300,
      extra: { receiverAuthorizer: '0x4444444444444444444444444444444444444444', withdrawDelay: 3600, name: 'USDC', version: '2' },
    })
    expect(option.scheme?.charge).toBe('at-most')
    expect(option.scheme?.local).toBeDefined()
    expect(batchSettlement({ ...base, price: undefined, maxPrice: '0.01' }).scheme?.charge).toBe('usage')
  })

  it('takes an account as receiver authorizer (the seller signs) and offers its address', () => {
    const account = privateKeyToAccount(`0x${'01'.padStart(64, '0')}`)
    expect(batchSettlement({ ...base, receiverAuthorizer: account }).requirements.extra?.receiverAuthorizer).toBe(account.address)
  })

  it.each([
    [{ ...base, maxPrice: '0.01' }, 'maxPrice'],
    [{ ...base, price: undefined }, 'price'],
    [{ ...base, withdrawDelay: 60 }, 'withdrawDelay'],
    [{ ...base, withdrawDelay: 40 * 86_400 }, 'withdrawDelay'],
    [{ ...base, receiverAuthorizer: '0x12' }, 'receiverAuthorizer'],
    [{ ...base, receiverAuthorizer: { address: base.payTo } }, 'receiverAuthorizer'],
    [{ ...base, asset: '0x3333333333333333333333333333333333333333' }, 'asset.name'],
    [{ ...base, stateTtlSeconds: 0 }, 'stateTtlSeconds'],
    [{ ...base, withdrawDelays: 900 }, 'withdrawDelays'],
    [{ ...base, claims: { periodMs: 1000 } }, 'claims.periodMs'],
    [{ ...base, claims: { periodicMs: -1 } }, 'claims.periodicMs'],
    [{ ...base, claims: { onWithdrawal: 'yes' } }, 'claims.onWithdrawal'],
    [{ ...base, claims: { maxClaimsPerBatch: 0 } }, 'claims.maxClaimsPerBatch'],
    [{ ...base, claims: { client: 'http://localhost:8545' } }, 'claims.client'],
  ])('refuses bad options at construction (%#: %s)', (options, path) => {
    const error = refused(options)
    expect(error.code).toBe('invalid_payment_option')
    expect(error.details.path).toBe(path)
  })

  it('needs a receiver authorizer from the option or the facilitator when the paywall is built', () => {
    const facilitator: Facilitator = { name: 'plain', verify: async () => ({ isValid: false }), settle: async () => ({ success: false, transaction: '', network: '' }) }
    const { receiverAuthorizer: _, ...withoutAuthorizer } = base
    expect(() => createPaywall({ routes: { 'GET /a': batchSettlement(withoutAuthorizer) }, facilitator })).toThrow(/receiverAuthorizer/)
    const offering: Facilitator = { ...facilitator, offerExtra: ({ scheme }) => (scheme === 'batch-settlement' ? { receiverAuthorizer: base.receiverAuthorizer } : undefined) }
    expect(() => createPaywall({ routes: { 'GET /a': batchSettlement(withoutAuthorizer) }, facilitator: offering })).not.toThrow()
  })

  it('starts one claim service per offer, and refuses a Store that keeps no sets unless claims: false', async () => {
    const facilitator: Facilitator = { name: 'plain', verify: async () => ({ isValid: false }), settle: vi.fn(async () => ({ success: false, transaction: '', network: '' })) }
    expect(refused({ ...base, claims: { threshold: '1.5' } }).details).toMatchObject({ path: 'claims.threshold' })
    const plain = { get: async () => undefined, set: async () => {}, add: async () => true, delete: async () => {} }
    expect(() => createPaywall({ routes: { 'GET /a': batchSettlement(base) }, facilitator, store: plain })).toThrow(/claims need a Store that keeps sets/)
    expect(() => createPaywall({ routes: { 'GET /a': batchSettlement({ ...base, claims: false }) }, facilitator, store: plain })).not.toThrow()
    // Two routes paying the same account share one service: close() lists the channels once and, owing nothing, sends nothing.
    const paywall = createPaywall({ routes: { 'GET /a': batchSettlement(base), 'GET /b': batchSettlement({ ...base, price: '$0.01' }) }, facilitator })
    await paywall.close()
    expect(facilitator.settle).not.toHaveBeenCalled()
  })
})
