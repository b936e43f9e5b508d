import type { PaymentDemand } from '@tollgate/x402/client'
import { describe, expect, it } from 'vitest'
import { offersTable } from './format.js'

const resource = { url: 'https://api.example.com/weather' }

function demand(...networks: string[]): PaymentDemand {
  const offers = networks.map((network, index) => {
    const requirements = { scheme: 'exact', network, amount: '10000', asset: 'TOKEN', payTo: 'PAYEE', maxTimeoutSeconds: 60 }
    return { x402Version: 2 as const, requirements, raw: requirements, resource, index }
  })
  return { x402Version: 2, source: 'header', error: undefined, resource, offers, paymentRequired: { x402Version: 2, resource, accepts: offers.map((offer) => offer.requirements) } }
}

describe('offersTable: networks by the one vocabulary', () => {
  it('shows the CAIP-2 id with its v1 name, EVM and Solana alike, and the id alone when v1 has no name', () => {
    const table = offersTable(demand('eip155:84532', 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp', 'eip155:1'))
    expect(table).toContain('eip155:84532 (base-sepolia)')
    expect(table).toContain('solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp (solana)')
    expect(table).toContain('eip155:1 ')
    expect(table).not.toContain('eip155:1 (')
  })
})
