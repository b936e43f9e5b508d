import { describe, expect, it } from 'vitest'
import { exact, plan, upto } from '../requirements/options.js'
import { describeRequirements, networkMatches, schemeFor, serves } from './registry.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

describe('the scheme registry', () => {
  it('matches networks by CAIP-2 pattern', () => {
    expect(networkMatches('*', 'stripe')).toBe(true)
    expect(networkMatches('eip155:*', 'eip155:8453')).toBe(true)
    expect(networkMatches('eip155:*', 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')).toBe(false)
    expect(networkMatches('eip155:*', 'eip155')).toBe(false)
    expect(networkMatches('eip155:8453', 'eip155:8453')).toBe(true)
    expect(networkMatches('eip155:8453', 'eip155:84532')).toBe(false)
  })

  it('finds the scheme of an offer by its wire name and network, as the factories carry it', () => {
    const options = [
      exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO }),
      upto({ maxPrice: '$0.05', network: 'base-sepolia', payTo: PAY_TO }),
      plan({ planId: '5', network: 'eip155:84532' }),
      plan({ planId: '5', scheme: 'nvm:card-delegation' }),
    ]
    for (const option of options) expect(schemeFor(option.requirements.scheme, option.requirements.network)).toBe(option.scheme)
    expect(options.map((option) => option.scheme?.name)).toEqual(['evm-exact', 'evm-upto', 'nvm-plan', 'nvm-plan'])
    // An EVM scheme does not answer for the same name on another namespace.
    expect(schemeFor('exact', 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')).toBeUndefined()
    expect(schemeFor('unknown', 'eip155:8453')).toBeUndefined()
  })

  it('tells whether a declaration serves a scheme on a network', () => {
    const kind = { schemes: ['exact'], networks: ['eip155:8453'] }
    expect(serves(kind, 'exact', 'eip155:8453')).toBe(true)
    expect(serves(kind, 'exact', 'eip155:84532')).toBe(false)
    expect(serves(kind, 'upto', 'eip155:8453')).toBe(false)
  })

  it('describes an offer in its scheme words when it has some', () => {
    expect(describeRequirements(plan({ planId: '99', network: 'eip155:84532' }).requirements)).toBe('nvm:erc4337 plan 99 on eip155:84532')
    expect(describeRequirements({ scheme: 'exact', network: 'eip155:8453', payTo: PAY_TO })).toBe(`exact on eip155:8453 to ${PAY_TO}`)
  })
})
