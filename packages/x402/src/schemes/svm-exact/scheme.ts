// The Solana `exact` scheme (SPL token TransferChecked in a transaction the buyer signs and the facilitator's fee
// payer co-signs), as the engine sees it: the amount offered is the amount settled, and every payment is single-use,
// named by the buyer's signature. Registered when `@tollgate/x402/svm` is loaded: an EVM-only app carries none of it.
import type { DecodedProof, PaymentRequirements } from '../../codec/types.js'
import { decodeSvmTransaction, toBase58, type SvmTransaction } from '../../svm/wire.js'
import type { ReplayFacts, Scheme } from '../contract.js'
import { invalidOption } from '../option-checks.js'
import { registerScheme } from '../registry.js'

/** How long a settled payment's mark is kept: its blockhash is dead long before (about 90 s). */
const USED_MARK_MS = 10 * 60_000

// payer, replay and checkPayload each read the transaction of one request: decode it once.
const decoded = new WeakMap<DecodedProof, SvmTransaction | undefined>()

function transactionOf(proof: DecodedProof): SvmTransaction | undefined {
  if (decoded.has(proof)) return decoded.get(proof)
  const tx = decodeSvmTransaction((proof.payload.payload as { transaction?: unknown } | undefined)?.transaction)
  decoded.set(proof, tx)
  return tx
}

export const svmExactScheme: Scheme = registerScheme({
  name: 'svm-exact',
  schemes: ['exact'],
  networks: ['solana:*'],
  charge: 'fixed',
  acceptedFields: ['amount', 'asset', 'payTo'],
  // The buyer signs second: the first signature is the fee payer's.
  payer: (proof) => transactionOf(proof)?.accounts[1],
  replay(proof): ReplayFacts {
    const tx = transactionOf(proof)
    const signature = tx && tx.signers > 1 ? tx.signatures[1] : undefined
    // Unreadable: the header's bytes name it, and the facilitator refuses it.
    return signature ? { id: `svm:${toBase58(signature)}`, expiresAt: Date.now() + USED_MARK_MS } : { expiresAt: Date.now() + USED_MARK_MS }
  },
  checkPayload(proof) {
    return transactionOf(proof) ? undefined : 'the payload has no readable Solana transaction (payload.transaction, base64)'
  },
  describePayment(requirements, into) {
    if (requirements.asset !== undefined) into.asset = requirements.asset
  },
  checkOffer(requirements: PaymentRequirements, { facilitator, path }) {
    const feePayer = requirements.extra?.feePayer
    if (typeof feePayer !== 'string' || !/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(feePayer)) {
      throw invalidOption(
        `${path}.extra.feePayer`,
        `a Solana offer needs the fee payer's address in extra.feePayer; ${facilitator} names none (use localSvmFacilitator, or a facilitator whose /supported lists one: await httpFacilitator's supported() before createPaywall; or give extra.feePayer)`,
        'a base58 address',
      )
    }
  },
})
