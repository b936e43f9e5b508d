import { describe, expect, it } from 'vitest'
import { balancesTable, dollars, eventLine, paymentRequiredTable, usdc } from './show.js'

const ASSET = '0x5fbdb2315678afecb367f032d93f642f64180aa3'
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

describe('amounts', () => {
  it('shows atomic units as dollars and as balances with every decimal', () => {
    expect(dollars('1000')).toBe('$0.001')
    expect(dollars(10_000_000n)).toBe('$10')
    expect(usdc(9_999_000n)).toBe('9.999000')
    expect(usdc(-1000n)).toBe('-0.001000')
    expect(usdc(0n)).toBe('0.000000')
  })
})

describe('paymentRequiredTable', () => {
  it('lists what each offer asks for', () => {
    const table = paymentRequiredTable({
      x402Version: 2,
      resource: { url: 'http://127.0.0.1/weather' },
      accepts: [
        { scheme: 'exact', network: 'eip155:31337', amount: '1000', asset: ASSET, payTo: PAY_TO, extra: { name: 'USDC', version: '2' } },
        { scheme: 'nvm:erc4337', network: 'eip155:84532', planId: '123', extra: { version: '1' } },
      ],
    })
    expect(table).toMatch(/│ 402 asks for │ offer 1\s+│ offer 2\s+│/)
    expect(table).toMatch(/│ scheme\s+│ exact\s+│ nvm:erc4337\s+│/)
    expect(table).toMatch(/│ amount\s+│ 1000 atomic = \$0\.001\s+│ credits, as the plan says\s+│/)
    expect(table).toContain(`${ASSET} (USDC)`)
    expect(table).toMatch(/│ plan\s+│ -\s+│ 123\s+│/)
    expect(table).not.toContain('\u001b[') // no colours
  })
})

describe('balancesTable', () => {
  it('shows the change with its sign', () => {
    const table = balancesTable([
      { label: 'buyer', address: PAY_TO, before: 10_000_000n, after: 9_999_000n },
      { label: 'seller', address: PAY_TO, before: 0n, after: 1000n },
    ])
    expect(table).toMatch(/│ buyer\s+│ 0x\w+ │ 10\.000000 │ 9\.999000 │ -0\.001000 │/)
    expect(table).toMatch(/│ seller\s+│ 0x\w+ │ 0\.000000\s+│ 0\.001000 │ \+0\.001000 │/)
  })
})

describe('eventLine', () => {
  it('says what happened without the token', () => {
    const line = eventLine({ type: 'settle.success', route: 'GET /weather', method: 'GET', path: '/weather', status: 200, x402Version: 2, payer: PAY_TO, amount: '1000', transaction: '0xabc', tokenHash: 'f00d', at: 0 })
    expect(line).toBe(`settle.success GET /weather 200 v2 payer=${PAY_TO} amount=1000 tx=0xabc`)
  })
})
