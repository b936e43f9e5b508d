// CommonJS apps get one core for every subpath: an error thrown by one entry is the root entry's TollgateError.
// Reads the built package (dist), as `require('@tollgate/x402/testing')` in a CJS app does.
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

const require = createRequire(import.meta.url)

describe('the CommonJS build', () => {
  it('shares one TollgateError between the root entry and /testing', async () => {
    const root = require('@tollgate/x402') as typeof import('./index.js')
    const testing = require('@tollgate/x402/testing') as typeof import('./testing/index.js')
    expect(require.resolve('@tollgate/x402/testing')).toMatch(/\.cjs$/)
    const error = await testing.payFor(new Response('free'), testing.createTestFacilitator(), { payer: 'buyer' }).catch((caught: unknown) => caught)
    expect(root.isTollgateError(error)).toBe(true)
    expect(error).toBeInstanceOf(root.TollgateError)
    expect((error as InstanceType<typeof root.TollgateError>).code).toBe('invalid_options')
  })

  it.each(['@tollgate/x402', '@tollgate/x402/testing', '@tollgate/x402/evm', '@tollgate/x402/nevermined', '@tollgate/x402/client', '@tollgate/x402/anvil'])(
    'loads %s (no import.meta left in the CommonJS chunks)',
    (entry) => {
      expect(Object.keys(require(entry) as object).length).toBeGreaterThan(0)
    },
  )

  it('resolves files next to its own module under require (the anvil binary of @foundry-rs/anvil)', () => {
    const { anvilBinary } = require('@tollgate/x402/anvil') as typeof import('./evm/anvil.js')
    expect(anvilBinary()).toMatch(/@foundry-rs\/anvil-[^/]+\/bin\/anvil/)
  })

  it('shares one core between the root entry and /client', () => {
    const root = require('@tollgate/x402') as typeof import('./index.js')
    const client = require('@tollgate/x402/client') as Record<string, unknown>
    const shared = Object.keys(client).filter((name) => name in root && typeof client[name] === 'function')
    for (const name of shared) expect(client[name], name).toBe((root as Record<string, unknown>)[name])
  })
})
