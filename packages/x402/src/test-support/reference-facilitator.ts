// Test-only: the reference x402 facilitator (@x402/core + a @x402/evm facilitator scheme) in-process, sending from
// one of anvil's accounts through a viem wallet client, for interop tests on anvil.
import { x402Facilitator } from '@x402/core/facilitator'
import type { FacilitatorClient } from '@x402/core/server'
import { toFacilitatorEvmSigner } from '@x402/evm'
import type { PrivateKeyAccount } from 'viem'
import { anvilClient, type AnvilInstance } from '../evm/anvil.js'

type FacilitatorSigner = ReturnType<typeof toFacilitatorEvmSigner>
type Scheme = Parameters<x402Facilitator['register']>[1]

/** The reference facilitator for `network`, with the scheme `makeScheme` builds for a signer sending as `account`. */
export function referenceFacilitator(anvil: AnvilInstance, account: PrivateKeyAccount, network: `${string}:${string}`, makeScheme: (signer: FacilitatorSigner) => Scheme) {
  const wallet = anvilClient(anvil, account)
  const signer = toFacilitatorEvmSigner(Object.assign(wallet, { address: account.address }) as unknown as Parameters<typeof toFacilitatorEvmSigner>[0], {
    confirmationTimeoutMs: 20_000,
  })
  const facilitator = new x402Facilitator().register(network, makeScheme(signer))
  /** The same, as the client @x402/hono's resource server talks to. */
  const client: FacilitatorClient = {
    verify: (payload, requirements) => facilitator.verify(payload, requirements),
    settle: (payload, requirements) => facilitator.settle(payload, requirements),
    getSupported: async () => facilitator.getSupported() as Awaited<ReturnType<FacilitatorClient['getSupported']>>,
  }
  return { facilitator, client }
}
