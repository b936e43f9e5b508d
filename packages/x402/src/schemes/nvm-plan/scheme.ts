// Nevermined plans (`nvm:erc4337`, `nvm:card-delegation`), as the engine sees them: the handler may burn fewer
// credits than verified, never more. An access token of version 1 or 2 is reusable (the verification cache serves
// it); a v3 token carries `authorization.nonce` and settles once, so the engine guards it like a signed payment.
import type { Scheme } from '../contract.js'
import { registerScheme } from '../registry.js'

interface NvmPayload {
  authorization?: { from?: unknown; nonce?: unknown }
  /** A test token's payer (createTestFacilitator). */
  payer?: unknown
}

export const nvmPlan: Scheme = registerScheme({
  name: 'nvm-plan',
  schemes: ['nvm:erc4337', 'nvm:card-delegation'],
  // Crypto plans on their chain (CAIP-2), card plans on a provider's name (`stripe`).
  networks: ['*'],
  charge: 'at-most',
  payer(proof) {
    const payload = proof.payload.payload as NvmPayload
    const from = payload.authorization?.from ?? payload.payer
    return typeof from === 'string' ? from : undefined
  },
  // Read on every paid request of a plan route: no object made for a reusable token.
  replay(proof, network) {
    const authorization = (proof.payload.payload as NvmPayload).authorization
    const nonce = authorization?.nonce
    if (typeof nonce !== 'string' || nonce === '') return undefined
    const from = authorization!.from
    return { id: `nvm:${network}:${typeof from === 'string' ? from.toLowerCase() : ''}:${nonce}` }
  },
  describe: (requirements) => `${requirements.scheme} plan ${String(requirements.planId)} on ${requirements.network}`,
  describePayment(requirements, into) {
    if (requirements.planId !== undefined) into.planId = requirements.planId
  },
})
