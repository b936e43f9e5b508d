import { describe, expect, it } from 'vitest'
import { KNOWN_NETWORKS, eip155ChainId, toV1Network } from '../requirements/networks.js'
import { V1_NETWORK_CHAIN_IDS, caip2Network, chainIdOfNetwork, parseEip155Network, v1NetworkName } from './networks.js'

describe('the deprecated EVM network names read the one table', () => {
  it('lists the v1 EVM names and their chain ids, and no other', () => {
    expect(V1_NETWORK_CHAIN_IDS).toEqual({
      base: 8453,
      'base-sepolia': 84532,
      avalanche: 43114,
      'avalanche-fuji': 43113,
      polygon: 137,
      'polygon-amoy': 80002,
    })
    for (const network of KNOWN_NETWORKS) {
      const chainId = eip155ChainId(network.caip2)
      if (network.v1 && chainId !== undefined) expect(V1_NETWORK_CHAIN_IDS[network.name]).toBe(chainId)
    }
  })

  it('translates as before', () => {
    expect(parseEip155Network('eip155:84532')).toBe(84532)
    expect(parseEip155Network('base-sepolia')).toBeUndefined()
    expect(parseEip155Network('solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')).toBeUndefined()
    expect(chainIdOfNetwork('base-sepolia')).toBe(84532)
    expect(chainIdOfNetwork('eip155:31337')).toBe(31337)
    expect(chainIdOfNetwork('ethereum')).toBeUndefined() // not a v1 name
    expect(chainIdOfNetwork('solana')).toBeUndefined()
    expect(caip2Network(8453)).toBe('eip155:8453')
    expect(v1NetworkName(84532)).toBe('base-sepolia')
    expect(v1NetworkName(31337)).toBeUndefined()
    expect(v1NetworkName(1)).toBe(toV1Network('eip155:1'))
  })
})
