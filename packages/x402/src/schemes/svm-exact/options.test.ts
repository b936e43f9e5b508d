import { describe, expect, it } from 'vitest'
import { SOLANA_DEVNET, SOLANA_MAINNET, USDC_MINTS } from '../../svm/constants.js'
import { exact, svmExact } from './options.js'
import { svmExactScheme } from './scheme.js'

const payTo = '2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4'

describe('svmExact', () => {
  it('builds the spec offer: CAIP-2 network, USDC of the network, atomic amount', () => {
    const option = svmExact({ price: '$0.01', network: 'solana', payTo })
    expect(option.requirements).toEqual({ scheme: 'exact', network: SOLANA_MAINNET, amount: '10000', asset: USDC_MINTS[SOLANA_MAINNET], payTo, maxTimeoutSeconds: 60, extra: {} })
    expect(option.scheme).toBe(svmExactScheme)
    expect(option.singleUse).toBe(true)
    expect(svmExact({ amount: 5n, network: 'solana-devnet', payTo }).requirements.asset).toBe(USDC_MINTS[SOLANA_DEVNET])
  })

  it('takes any solana:<genesis> network with an asset, a mint with its decimals, a memo and a fee payer', () => {
    const option = svmExact({
      price: '1.5',
      network: 'solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z',
      payTo,
      asset: { address: 'So11111111111111111111111111111111111111112', decimals: 9 },
      extra: { memo: 'invoice-7', feePayer: payTo },
    })
    expect(option.requirements).toMatchObject({ amount: '1500000000', network: 'solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z', extra: { memo: 'invoice-7', feePayer: payTo } })
  })

  it('refuses bad options at start-up, naming the field', () => {
    expect(() => svmExact({ price: '$0.01', network: 'base', payTo })).toThrow(/Solana network/)
    expect(() => svmExact({ price: '$0.01', network: 'solana', payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C' })).toThrow(/payTo must be a Solana address/)
    expect(() => svmExact({ price: '$0.01', network: 'solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z', payTo })).toThrow(/asset is required/)
    expect(() => svmExact({ price: '$0.01', amount: 1, network: 'solana', payTo })).toThrow(/exactly one/)
    expect(() => svmExact({ price: '$0.01', network: 'solana', payTo, extra: { memo: 'x'.repeat(257) } })).toThrow(/256 bytes/)
    expect(() => svmExact({ price: '$0.01', network: 'solana', payTo, feePayer: payTo } as never)).toThrow(/unknown option "feePayer"/)
  })

  it('exact() from @tollgate/x402/svm builds EVM and Solana offers alike', () => {
    expect(exact({ price: '$0.01', network: 'solana-devnet', payTo }).scheme).toBe(svmExactScheme)
    expect(exact({ price: '$0.01', network: SOLANA_MAINNET, payTo }).requirements.network).toBe(SOLANA_MAINNET)
    expect(exact({ price: '$0.01', network: 'base-sepolia', payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C' }).requirements.network).toBe('eip155:84532')
  })
})
