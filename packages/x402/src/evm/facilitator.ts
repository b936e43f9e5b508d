// localFacilitator: verifies exact and upto EVM payments in-process and settles them on a chain with viem. This
// file wires the parts: options (local-options.ts), the first checks (proof-kind.ts), EIP-3009 payments
// (eip3009-payments.ts), Permit2 payments (permit2-settle.ts), how transactions are signed and sent (submission-queue.ts).
import { getChainId } from 'viem/actions'
import { BATCH_SETTLEMENT_SCHEME } from './batch-settlement/constants.js'
import { batchSettlementPayments } from './batch-settlement/facilitator-payments.js'
import { withDiscovery, type DiscoveryCatalog } from '../extensions/bazaar/catalog.js'
import type { Facilitator, PaymentKind } from '../facilitator/types.js'
import { eip155Network, toV1Network } from '../requirements/networks.js'
import { rpcFailure, settleFailure, withAbort } from './chain-calls.js'
import { eip3009Payments } from './eip3009-payments.js'
import { resolveLocalOptions, type LocalFacilitatorOptions } from './local-options.js'
import { permit2KindOf, UPTO_SCHEME } from './permit2.js'
import { permit2Payments } from './permit2-settle.js'
import { carriedExtensions, checkPaymentKind, proofParts } from './proof-kind.js'
import { EXACT_EVM_REASONS as REASONS, EXACT_SCHEME } from './scheme.js'
import { settlerLease } from './settler-lease.js'
import { submissionLane } from './submission-queue.js'
import { gasFunds } from './gas-funds.js'
import { sponsoredExtensions } from './permit2-sponsor.js'

export type { LocalFacilitatorOptions } from './local-options.js'

/**
 * A Facilitator for schemes `exact` (EIP-3009, or Permit2 for any ERC-20) and `upto` (Permit2) on the EVM chain
 * behind `rpcUrl`/`client`: verification runs here, settlement is sent from `settler` (signed here, with nonces
 * kept here, pipelined) and waits for the receipt. For `upto`, `settler` is the facilitator the payer names in the permit.
 * Scheme `batch-settlement` (payment channels) is verified and settled by `batch-settlement/facilitator-payments.ts`.
 * `discovery` lists the routes whose verified payments declared bazaar metadata (the spec's discovery list).
 */
export function localFacilitator(options: LocalFacilitatorOptions): Facilitator & { discovery: DiscoveryCatalog } {
  const settings = resolveLocalOptions(options)
  const { client, settler } = settings

  let chainIdPromise: Promise<number> | undefined
  function chainId(): Promise<number> {
    if (client.chain) return Promise.resolve(client.chain.id)
    chainIdPromise ??= getChainId(client).catch((error: unknown) => {
      chainIdPromise = undefined
      throw rpcFailure('eth_chainId', error)
    })
    return chainIdPromise
  }

  const checkKind: Parameters<typeof eip3009Payments>[0]['checkKind'] = (request, signal) => checkPaymentKind(request, signal, chainId)
  // Authorizations being settled right now: a second settle of one would only burn gas on a revert.
  const lease = settings.settlerLease && settlerLease(settings.settlerLease, chainId, settler.address)
  const { send, submitInTurn } = submissionLane(client, settler, chainId, lease)
  const gas = gasFunds(client, settler, settings.lowBalanceThreshold, settings.emit)
  const shared = { ...settings, send, submitInTurn, inFlight: new Set<string>(), gas }
  const permit2 = permit2Payments(shared)
  const eip3009 = eip3009Payments({ ...shared, checkKind })
  const batch = batchSettlementPayments({ ...shared, chainId })
  // Gas sponsoring, on the Permit2 kinds (exact, upto) of an EVM chain; batch-settlement takes none.
  const sponsoring = sponsoredExtensions(settings.approvalSponsoring)
  const sponsoredOn = (kind: { scheme: string; network: string }) => (kind.scheme === EXACT_SCHEME || kind.scheme === UPTO_SCHEME) && kind.network.startsWith('eip155:')

  return withDiscovery({
    name: 'local',
    // A paywall with an explicit outbox keeps delivered settlements there until final: the watch survives a restart.
    watchesSettlements: settings.finalityDepth > 1,
    offerExtra(kind) {
      // upto permits name the facilitator that may settle them: this one's settler.
      if (kind.scheme === BATCH_SETTLEMENT_SCHEME) return batch.kind(kind.network).extra
      return kind.scheme === UPTO_SCHEME ? { facilitatorAddress: settler.address } : undefined
    },
    supportedExtensions: (kind) => (sponsoredOn(kind) ? sponsoring : []),
    async verify(request, signal) {
      if (request.requirements.scheme === BATCH_SETTLEMENT_SCHEME) return batch.verify(request, signal)
      if (permit2KindOf(request.requirements)) {
        const refused = await checkKind(request, signal)
        return refused ?? permit2.verify(request.requirements, proofParts(request.proof).payload, signal, carriedExtensions(request.proof))
      }
      return (await eip3009.verify(request, signal)).result
    },
    async settle(request, signal) {
      if (request.requirements.scheme === BATCH_SETTLEMENT_SCHEME) return batch.settle(request, signal)
      if (permit2KindOf(request.requirements)) {
        const refused = await checkKind(request, signal)
        if (refused) {
          const { invalidReason, invalidMessage, payer } = refused
          return settleFailure(request.requirements.network)(invalidReason ?? REASONS.invalidScheme, invalidMessage ?? 'The payment is not valid.', payer)
        }
        return permit2.settle(request.requirements, proofParts(request.proof).payload, request.amount, signal, carriedExtensions(request.proof), request.pendingTransaction)
      }
      return eip3009.settle(request, signal)
    },
    async supported(signal) {
      const id = await withAbort(chainId(), signal)
      const network = eip155Network(id)
      const kinds: PaymentKind[] = [
        { x402Version: 2, scheme: EXACT_SCHEME, network },
        { x402Version: 2, scheme: UPTO_SCHEME, network, extra: { facilitatorAddress: settler.address } },
        batch.kind(network),
      ]
      const v1Name = toV1Network(network)
      if (v1Name) kinds.push({ x402Version: 1, scheme: EXACT_SCHEME, network: v1Name })
      return kinds
    },
  })
}
