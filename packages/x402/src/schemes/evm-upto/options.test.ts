// upto(): the option and the facilitator it needs (moved from evm/upto-paywall.test.ts with the factory).
import { describe, expect, it } from 'vitest'
import { createPaywall } from '../../engine/paywall.js'
import type { Facilitator } from '../../facilitator/types.js'
import { upto } from './options.js'

describe('upto options', () => {
  it('needs a facilitator that names itself, or facilitatorAddress', () => {
    const unnamed: Facilitator = { verify: async () => ({ isValid: true }), settle: async () => ({ success: true, transaction: '', network: 'eip155:1' }) }
    const route = upto({ maxPrice: '$0.05', network: 'eip155:8453', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' })
    expect(() => createPaywall({ facilitator: unnamed, routes: { '/g': route } })).toThrow(/must name the facilitator that settles it/)
    const named = upto({ maxPrice: '$0.05', network: 'eip155:8453', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', facilitatorAddress: '0x90F79bf6EB2c4f870365E785982E1f101E93b906' })
    expect(() => createPaywall({ facilitator: unnamed, routes: { '/g': named } })).not.toThrow()
    expect(named.requirements).toMatchObject({ scheme: 'upto', amount: '50000', extra: { name: 'USD Coin', version: '2', assetTransferMethod: 'permit2' } })
  })
})
