// localFacilitator's EIP-3009 payments (exact, the way USDC is paid in x402): the chain's checks (nonce unused,
// balance, a simulated transfer; a smart-contract wallet asked, ERC-1271/6492) and the transferWithAuthorization.
import { isAddressEqual, parseAbi, parseEventLogs, type Address, type Hash, type Hex, type TransactionReceipt } from 'viem'
import { getCode, readContract, waitForTransactionReceipt } from 'viem/actions'
import type { SettleRequest, SettleResult, VerifyRequest, VerifyResult } from '../facilitator/types.js'
import { EIP3009_ABI } from './abi.js'
import { estimateTransfer, isContractRejection, revertReason, rpcFailure, settleFailure, transferCall, withAbort } from './chain-calls.js'
import { checkContractSignature, type WalletDeployment } from './contract-signature.js'
import type { Permit2Context } from './permit2-settle.js'
import { proofParts, refusal } from './proof-kind.js'
import { sendSettlement } from './settle-send.js'
import { EXACT_EVM_REASONS as REASONS, parseExactEvmPayload, type ExactEvmPayload } from './scheme.js'
import type { SettlementEvent } from './settlement-events.js'
import { authorizationKey, authorizationOf, reconcile, type ExactAuthorization, type PendingPayment, type ReconcileContext } from './settlement-reconcile.js'
import { isAnsweredPending, settlementTracker, type TrackedSettlement } from './settlement-tracker.js'
import { eip3009Payment, watchContextOf, watchSettlement } from './settlement-watch.js'
import { transferredAmount } from './permit2-pending.js'
import { checkExactOffline, readExactTerms, type ExactOfflineCheck, type ExactTerms } from './verify.js'

/** What localFacilitator lends the EIP-3009 path: what it lends Permit2's, the wallet factories and its kind check. */
export interface Eip3009Context extends Permit2Context {
  erc6492Factories: readonly Address[]
  /** localFacilitator's `onEvent`, made safe (local-options.ts). */
  emit: (event: SettlementEvent) => void
  /** Blocks a delivered settlement is watched for a reorganisation. */
  finalityDepth: number
  /** The generation, scheme and network check every payment passes first (proof-kind.ts): a refusal, or undefined. */
  checkKind(request: VerifyRequest, signal: AbortSignal): Promise<VerifyResult | undefined>
}

export interface Verified {
  result: VerifyResult
  /**
   * Set when the payment is valid: what settle submits, the gas its simulation used (absent when not simulated),
   * and the wallet it must deploy first (ERC-6492).
   */
  payment?: { payload: ExactEvmPayload; terms: ExactTerms; deployment?: WalletDeployment; gas?: bigint }
}

export function eip3009Payments(ctx: Eip3009Context) {
  const { client, settler, now, confirmations, receiptTimeoutMs, send, inFlight, erc6492Factories, checkKind } = ctx
  const watchContext = watchContextOf(ctx)
  // Authorizations with a transaction out: later settle calls for them are answered from here (settlement-reconcile.ts).
  const tracker = settlementTracker()
  /** Watches `key`'s transactions; the authorization stays in flight until the watch ends. */
  function watch(key: string, tracked: TrackedSettlement, payload: ExactEvmPayload, terms: ExactTerms): void {
    inFlight.add(key)
    watchSettlement(watchContext, { tracked, payment: eip3009Payment(client, payload, terms), done: (outcome) => (inFlight.delete(key), tracker.end(key, outcome)) })
  }
  const reconciling: ReconcileContext = { client, tracker, finalityDepth: ctx.finalityDepth, receiptTimeoutMs }
  const pendingPayment = ({ key, payload, terms }: ExactAuthorization): PendingPayment => ({
    key,
    network: terms.network,
    payer: payload.authorization.from,
    target: terms.asset,
    expiredReason: REASONS.transactionState,
    // Only a transaction that used this very authorization (its AuthorizationUsed) and moved its funds is adopted.
    settledAmount: (receipt) =>
      usedAuthorization(receipt, terms.asset, payload.authorization.from, payload.authorization.nonce)
        ? transferredAmount(receipt, terms.asset, payload.authorization.from, payload.authorization.to)
        : undefined,
    watch: (tracked) => watch(key, tracked, payload, terms),
  })

  async function read<T>(step: string, call: () => Promise<T>): Promise<{ value: T } | { rejected: string }> {
    try {
      return { value: await call() }
    } catch (error) {
      if (isContractRejection(error)) return { rejected: `${step} was refused by the token contract: ${revertReason(error)}` }
      throw rpcFailure(step, error)
    }
  }

  /**
   * A signature that does not recover `from` may still be good: from a smart-contract wallet (ERC-1271). Every
   * other offline check passed when the signature is what failed, so only the wallet is left to ask.
   */
  async function orContractSigner(
    failed: ExactOfflineCheck & { isValid: false },
    rawPayload: unknown,
    requirements: VerifyRequest['requirements'],
  ): Promise<ExactOfflineCheck & { deployment?: WalletDeployment }> {
    if (failed.invalidReason !== REASONS.signature) return failed
    const parsed = parseExactEvmPayload(rawPayload)
    const terms = readExactTerms(requirements)
    if (!parsed.ok || !terms) return failed
    const check = await checkContractSignature(client, parsed.payload, terms, { erc6492Factories, read })
    if (!check.accepted) return check.contract ? { ...failed, invalidMessage: check.message } : failed
    // What the token is given: the wallet's own signature, without an ERC-6492 wrapper.
    const payload = { ...parsed.payload, signature: check.signature }
    return { isValid: true, payer: payload.authorization.from, payload, terms, deployment: check.deployment }
  }

  async function verifyPayment(request: VerifyRequest, signal: AbortSignal): Promise<Verified> {
    const refused = await checkKind(request, signal)
    if (refused) return { result: refused }
    const { requirements } = request
    const parts = proofParts(request.proof)
    const refuse = (invalidReason: string, invalidMessage: string, payer?: string): Verified => ({ result: refusal(invalidReason, invalidMessage, payer) })

    const checked = await checkExactOffline({ payload: parts.payload, requirements, now: now() })
    const offline: ExactOfflineCheck & { deployment?: WalletDeployment } = checked.isValid
      ? checked
      : await withAbort(orContractSigner(checked, parts.payload, requirements), signal)
    if (!offline.isValid) return refuse(offline.invalidReason, offline.invalidMessage, offline.payer)
    const { payload, terms, payer } = offline
    const deployment = offline.deployment
    const { nonce } = payload.authorization
    // A transaction of ours is out for it (settlement_pending): valid, and settle answers about that transaction.
    if (isAnsweredPending(tracker.get(authorizationKey(terms, payload)))) return { result: { isValid: true, payer, network: terms.network }, payment: { payload, terms } }

    signal.throwIfAborted()
    // The chain's three answers at once, one round trip. A wallet that is not deployed yet cannot be asked by a
    // simulated transfer: the universal validator has already deployed it inside an eth_call and asked it.
    const [used, balance, simulated] = await withAbort(
      Promise.all([
        read('authorizationState', () =>
          readContract(client, { address: terms.asset, abi: EIP3009_ABI, functionName: 'authorizationState', args: [payer, nonce] }),
        ),
        read('balanceOf', () => readContract(client, { address: terms.asset, abi: EIP3009_ABI, functionName: 'balanceOf', args: [payer] })),
        deployment ? undefined : read('the simulated transfer', () => estimateTransfer(client, settler, payload, terms.asset)),
      ]),
      signal,
    )
    if ('rejected' in used) return refuse(REASONS.transactionState, used.rejected, payer)
    if (used.value) return refuse(REASONS.nonceUsed, `The authorization nonce ${nonce} of ${payer} was already used.`, payer)
    if ('rejected' in balance) return refuse(REASONS.transactionState, balance.rejected, payer)
    if (balance.value < terms.amount) {
      return refuse(REASONS.insufficientFunds, `${payer} holds ${balance.value} of ${terms.asset}, needs ${terms.amount}.`, payer)
    }
    if (simulated && 'rejected' in simulated) return refuse(REASONS.transactionState, simulated.rejected, payer)
    const gas = simulated?.value

    return { result: { isValid: true, payer, network: terms.network }, payment: { payload, terms, deployment, gas } }
  }

  async function settlePayment(request: SettleRequest, signal: AbortSignal): Promise<SettleResult> {
    const failed = settleFailure(request.requirements.network)
    const auth = authorizationOf(request)
    const known = auth && (await reconcile(reconciling, request.pendingTransaction, pendingPayment(auth), signal))
    if (known) return known

    const verified = await verifyPayment(request, signal)
    if (!verified.payment) {
      const { invalidReason, invalidMessage, payer } = verified.result
      return failed(invalidReason ?? REASONS.transactionState, invalidMessage ?? 'The payment is not valid.', payer)
    }
    const { payload, terms, deployment, gas } = verified.payment
    const payer = payload.authorization.from
    const value = payload.authorization.value

    // exact moves the authorised value or nothing: a lower charge cannot be settled.
    if (!/^(?:0|[1-9][0-9]*)$/.test(request.amount) || BigInt(request.amount) !== BigInt(value)) {
      return failed(
        REASONS.partialSettlement,
        `The exact scheme settles the authorised value ${value} only, not ${JSON.stringify(request.amount)}.`,
        payer,
      )
    }

    const key = authorizationKey(terms, payload)
    if (inFlight.has(key)) {
      return failed(REASONS.nonceUsed, `The authorization nonce ${payload.authorization.nonce} of ${payer} is being settled already.`, payer)
    }
    inFlight.add(key)
    let watched = false
    try {
      if (deployment) {
        const refused = await deployWallet(deployment, payer, signal, failed)
        if (refused) return refused
      }
      return await sendSettlement(ctx, {
        what: 'transfer',
        call: { ...transferCall(payload, terms.asset), ...(gas === undefined ? {} : { gas }) },
        network: terms.network,
        payer,
        amount: BigInt(value).toString(),
        failReason: REASONS.transactionState,
        failed,
        resends: request.pendingTransaction,
        out: (sent, receipt) => {
          // Watched until final (delivered) or mined (pending), in flight meanwhile (settlement-watch.ts).
          watched = true
          watch(key, tracker.track(key, { sends: [sent], mined: receipt, reorged: false, answeredPending: !receipt }), payload, terms)
        },
      }, signal)
    } finally {
      if (!watched) inFlight.delete(key)
    }
  }


  /** Runs an ERC-6492 wallet's factory call (unless someone deployed it since); a failure answer, or undefined. */
  async function deployWallet(
    deployment: WalletDeployment,
    wallet: Address,
    signal: AbortSignal,
    failed: (errorReason: string, errorMessage: string, payer?: string) => SettleResult,
  ): Promise<SettleResult | undefined> {
    const hasCode = async () => {
      const code = await withAbort(getCode(client, { address: wallet }), signal).catch((error: unknown) => {
        if (signal.aborted) throw signal.reason
        throw rpcFailure('getCode', error)
      })
      return code !== undefined && code !== '0x'
    }
    if (await hasCode()) return undefined
    signal.throwIfAborted()
    let hash: Hash
    try {
      ;({ hash } = await send(signal, { to: deployment.factory, data: deployment.calldata }))
    } catch (error) {
      if (signal.aborted) throw signal.reason
      if (isContractRejection(error)) return failed(REASONS.transactionState, `Deploying the wallet ${wallet} was refused: ${revertReason(error)}`, wallet)
      throw rpcFailure('the wallet deployment', error)
    }
    const receipt = await withAbort(waitForTransactionReceipt(client, { hash, confirmations, timeout: receiptTimeoutMs }), signal)
    if (receipt.status !== 'success' || !(await hasCode())) {
      return failed(REASONS.transactionState, `Deploying the wallet ${wallet} with its factory ${deployment.factory} did not work (${hash}).`, wallet)
    }
    return undefined
  }

  return { verify: verifyPayment, settle: settlePayment }
}

const AUTHORIZATION_USED = parseAbi(['event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)'])

/** Whether `receipt` used `authorizer`'s EIP-3009 authorization `nonce` on `token`. */
function usedAuthorization(receipt: TransactionReceipt, token: Address, authorizer: Address, nonce: Hex): boolean {
  return parseEventLogs({ abi: AUTHORIZATION_USED, logs: receipt.logs, eventName: 'AuthorizationUsed', strict: true }).some(
    (log) => isAddressEqual(log.address, token) && isAddressEqual(log.args.authorizer, authorizer) && log.args.nonce.toLowerCase() === nonce.toLowerCase(),
  )
}
