import { describe, it, expect } from 'vitest'
import { defaultAsset, networksWithDefaultAsset } from './assets.js'

describe('defaultAsset', () => {
  it.each([
    ['eip155:8453', '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', 'USD Coin'],
    ['eip155:84532', '0x036CbD53842c5426634e7929541eC2318f3dCF7e', 'USDC'],
    ['eip155:43114', '0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E', 'USD Coin'],
    ['eip155:43113', '0x5425890298aed601595a70AB815c96711a31Bc65', 'USD Coin'],
    ['eip155:137', '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359', 'USD Coin'],
    ['eip155:80002', '0x41E94Eb019C0762f9Bfcf9Fb1E58725BfB0e7582', 'USDC'],
  ])('is USDC on %s', (network, address, name) => {
    expect(defaultAsset(network)).toEqual({ address, name, version: '2', decimals: 6 })
  })

  it('is undefined where there is no default', () => {
    expect(defaultAsset('eip155:1')).toBeUndefined()
    expect(defaultAsset('base')).toBeUndefined()
    expect(defaultAsset('constructor')).toBeUndefined()
  })

  it('cannot be changed by a caller', () => {
    const asset = defaultAsset('eip155:8453')!
    expect(Object.isFrozen(asset)).toBe(true)
    expect(networksWithDefaultAsset()).toHaveLength(6)
  })
})
