import { describe, it, expect } from 'vitest'
import { TollgateError } from '../errors.js'
import { KNOWN_NETWORKS, chainIdOf, eip155ChainId, eip155Network, fromV1Network, isCaip2, toCaip2, toV1Network } from './networks.js'

const PAIRS: [string, string][] = [
  ['base', 'eip155:8453'],
  ['base-sepolia', 'eip155:84532'],
  ['avalanche', 'eip155:43114'],
  ['avalanche-fuji', 'eip155:43113'],
  ['polygon', 'eip155:137'],
  ['polygon-amoy', 'eip155:80002'],
]

describe('toCaip2', () => {
  it.each(PAIRS)('translates %s to %s', (name, caip2) => {
    expect(toCaip2(name)).toBe(caip2)
  })

  it('keeps any eip155 chain id as it is', () => {
    expect(toCaip2('eip155:84532')).toBe('eip155:84532')
    expect(toCaip2('eip155:999999')).toBe('eip155:999999')
  })

  it('knows a few more names as input', () => {
    expect(toCaip2('ethereum')).toBe('eip155:1')
    expect(toCaip2('sepolia')).toBe('eip155:11155111')
    expect(toCaip2('optimism')).toBe('eip155:10')
    expect(toCaip2('arbitrum')).toBe('eip155:42161')
    expect(toCaip2('Base-Sepolia')).toBe('eip155:84532')
  })

  it.each(['basee', '', 'eip155:', 'eip155:0', 'eip155:01', 'eip155:abc', 'solana:mainnet', '8453', 'eip155:99999999999999999999'])(
    'refuses %j with unknown_network',
    (network) => {
      let caught: unknown
      try {
        toCaip2(network, 'routes["/a"].network')
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(TollgateError)
      expect((caught as TollgateError).code).toBe('unknown_network')
      expect((caught as TollgateError).details.path).toBe('routes["/a"].network')
    },
  )
})

describe('toV1Network', () => {
  it.each(PAIRS)('names %s for %s', (name, caip2) => {
    expect(toV1Network(caip2)).toBe(name)
  })

  it('has no v1 name for chains the v1 list lacks', () => {
    expect(toV1Network('eip155:1')).toBeUndefined()
    expect(toV1Network('eip155:424242')).toBeUndefined()
    expect(toV1Network('stripe')).toBeUndefined()
  })

  it('passes a v1 name through', () => {
    expect(toV1Network('base-sepolia')).toBe('base-sepolia')
  })
})

describe('chainIdOf', () => {
  it('reads eip155 ids and known names', () => {
    expect(chainIdOf('eip155:84532')).toBe(84532)
    expect(chainIdOf('base')).toBe(8453)
    expect(chainIdOf('eip155:31337')).toBe(31337)
  })

  it('is undefined for anything else', () => {
    expect(chainIdOf('solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')).toBeUndefined()
    expect(chainIdOf('stripe')).toBeUndefined()
  })
})

describe('isCaip2', () => {
  it('recognises CAIP-2 ids of any namespace', () => {
    expect(isCaip2('eip155:8453')).toBe(true)
    expect(isCaip2('solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')).toBe(true)
    expect(isCaip2('base-sepolia')).toBe(false)
    expect(isCaip2('EIP155:1')).toBe(false)
    expect(isCaip2('eip155:')).toBe(false)
  })
})

describe('Solana, as the x402 specs name it', () => {
  const MAINNET = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'
  const DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1'

  it('translates the v1 names both ways and keeps the CAIP-2 ids', () => {
    expect(toCaip2('solana')).toBe(MAINNET)
    expect(toCaip2('Solana-Devnet')).toBe(DEVNET)
    expect(toCaip2(MAINNET)).toBe(MAINNET)
    expect(toV1Network(MAINNET)).toBe('solana')
    expect(toV1Network(DEVNET)).toBe('solana-devnet')
    expect(fromV1Network('solana-devnet')).toBe(DEVNET)
  })

  it('has no chain id: it is not an EVM network', () => {
    expect(chainIdOf('solana')).toBeUndefined()
    expect(eip155ChainId(DEVNET)).toBeUndefined()
  })
})

describe('the table', () => {
  it('holds each CAIP-2 id and each name once, every id well formed', () => {
    const ids = KNOWN_NETWORKS.map((network) => network.caip2)
    const names = KNOWN_NETWORKS.map((network) => network.name)
    expect(new Set(ids).size).toBe(ids.length)
    expect(new Set(names).size).toBe(names.length)
    for (const id of ids) expect(isCaip2(id)).toBe(true)
  })

  it('round-trips every v1 name, and gives no v1 name to an input alias', () => {
    for (const network of KNOWN_NETWORKS) {
      expect(toCaip2(network.name)).toBe(network.caip2)
      expect(toV1Network(network.caip2)).toBe(network.v1 ? network.name : undefined)
      expect(fromV1Network(network.name)).toBe(network.v1 ? network.caip2 : undefined)
    }
  })

  it('writes and reads eip155 ids', () => {
    expect(eip155Network(84532)).toBe('eip155:84532')
    expect(eip155ChainId('eip155:84532')).toBe(84532)
    expect(eip155ChainId('base-sepolia')).toBeUndefined()
    expect(eip155ChainId('eip155:01')).toBeUndefined()
  })
})
