// localFacilitator's Permit2 payments (upto, and exact over Permit2): the chain's checks (proxy deployed, nonce
// unused, balance, the payer's approval of Permit2, a simulated settle) and the settlement through the x402 proxy.
import { encodeFunctionData, hashTypedData, isAddressEqual, type Abi, type Account, type Address, type Client } from 'viem'
import { estimateContractGas, getCode, readContract, writeContract, type EstimateContractGasParameters, type WriteContractParameters } from 'viem/actions'
import type { PaymentRequirements } from '../codec/types.js'
import type { SettleResult, VerifyResult } from '../facilitator/types.js'
import { isContractRejection, revertReason, rpcFailure, settleFailure, withAbort } from './chain-calls.js'
import { ERC20_ABI, EXACT_PROXY_ABI, PERMIT2_ABI, UPTO_PROXY_ABI } from './permit2-abi.js'
import { PERMIT2_ADDRESS, PERMIT2_REASONS as REASONS, parsePermit2Payload, permit2TypedData, proxyFor, type Permit2Payload } from './permit2.js'
import { askWallet } from './contract-signature.js'
import type { SubmissionLane } from './submission-queue.js'
import type { GasFunds } from './gas-funds.js'
import { sendSettlement } from './settle-send.js'
import type { SettlementEvent } from './settlement-events.js'
import { watchContextOf, type WatchedPayment } from './settlement-watch.js'
import { permit2AuthorizationOf, permit2Key, permit2Pending } from './permit2-pending.js'
import { reconcile } from './settlement-reconcile.js'
import { settlementTracker } from './settlement-tracker.js'
import { checkPermit2Offline, readPermit2Terms, type Permit2OfflineCheck, type Permit2Terms } from './permit2-verify.js'
import { checkSponsorship, readSponsorship, submitApproval, type ApprovalSponsoringOptions, type Sponsorship } from './permit2-sponsor.js'

/** What localFacilitator lends the Permit2 path: its chain, its settler and its one-at-a-time submission. */
export interface Permit2Context {
  client: Client
  settler: Account
  now: () => number
  confirmations: number
  receiptTimeoutMs: number
  submitInTurn<T>(signal: AbortSignal, submit: () => Promise<T>): Promise<T>
  /** Signs and sends from the settler, pipelined with the others (submission-queue.ts). */
  send: SubmissionLane['send']
  /** Permits being settled right now (a second settle of one would only burn gas on a revert). */
  inFlight: Set<string>
  /** The settler's gas money: a 502 naming it when it has too little, events (gas-funds.ts). */
  gas: GasFunds
  /** localFacilitator's `onEvent`, made safe (local-options.ts). */
  emit: (event: SettlementEvent) => void
  /** Blocks a delivered settlement is watched for a reorganisation. */
  finalityDepth: number
  /** Gasless Permit2: the caps on funding a payer's signed approval; undefined funds none (permit2-sponsor.ts). */
  approvalSponsoring: Required<ApprovalSponsoringOptions> | undefined
}

type Refusal = { isValid: false; invalidReason: string; invalidMessage: string; payer?: string }
/**
 * `gas`: what the simulated settle of the full amount used (the settle of less uses no more). `permit`: the payer's
 * EIP-2612 permit sent with the settle; `approval`: its signed approval, to fund and broadcast before the settle.
 */
export type Permit2Verified =
  | { ok: true; payer: Address; payload: Permit2Payload; terms: Permit2Terms; gas: bigint; permit?: Sponsorship & { kind: 'permit' }; approval?: { sponsorship: Sponsorship & { kind: 'approval' }; funding: bigint } }
  | { ok: false; result: Refusal }

const UINT_DECIMAL = /^(?:0|[1-9][0-9]*)$/

function refuse(invalidReason: string, invalidMessage: string, payer?: string): Permit2Verified {
  return { ok: false, result: { isValid: false, invalidReason, invalidMessage, ...(payer === undefined ? {} : { payer }) } }
}

/** The proxy's settle call, typed loosely: the two proxies' ABIs differ and viem cannot type a union of them. */
interface SettleCall {
  address: Address
  abi: Abi
  functionName: 'settle' | 'settleWithPermit'
  args: readonly unknown[]
}

/** The proxy's settle call, with the payer's EIP-2612 permit for Permit2 first when it sent one (gasless Permit2). */
function settleCall(payload: Permit2Payload, terms: Permit2Terms, amount: bigint, permit?: Sponsorship & { kind: 'permit' }): SettleCall {
  const call = proxySettleCall(payload, terms, amount)
  return permit ? { ...call, functionName: 'settleWithPermit', args: [permit.permit2612, ...call.args] } : call
}

/** The proxy's settle arguments; for upto with the amount to move (the maximum when simulating at verify). */
function proxySettleCall(payload: Permit2Payload, terms: Permit2Terms, amount: bigint): SettleCall {
  const a = payload.permit2Authorization
  const permit = { permitted: { token: a.permitted.token, amount: BigInt(a.permitted.amount) }, nonce: BigInt(a.nonce), deadline: BigInt(a.deadline) }
  const validAfter = BigInt(a.witness.validAfter)
  if (terms.kind === 'upto') {
    const witness = { to: a.witness.to, facilitator: a.witness.facilitator as Address, validAfter }
    return { address: proxyFor('upto'), abi: UPTO_PROXY_ABI, functionName: 'settle', args: [permit, amount, a.from, witness, payload.signature] } as const
  }
  const witness = { to: a.witness.to, validAfter }
  return { address: proxyFor('exact'), abi: EXACT_PROXY_ABI, functionName: 'settle', args: [permit, a.from, witness, payload.signature] } as const
}

export function permit2Payments(ctx: Permit2Context) {
  const { client, settler } = ctx
  // Permits with a transaction out: later settle calls for them are answered about it (permit2-pending.ts).
  const pending = permit2Pending({ ...watchContextOf(ctx), inFlight: ctx.inFlight }, settlementTracker(), (payload, terms, amount) => permit2Payment(payload, terms, amount))
  const reconciling = { client, tracker: pending.tracker, finalityDepth: ctx.finalityDepth, receiptTimeoutMs: ctx.receiptTimeoutMs }

  async function read<T>(step: string, signal: AbortSignal, call: () => Promise<T>): Promise<{ value: T } | { rejected: string }> {
    try {
      return { value: await withAbort(call(), signal) }
    } catch (error) {
      if (signal.aborted) throw signal.reason
      if (isContractRejection(error)) return { rejected: `${step} was refused: ${revertReason(error)}` }
      throw rpcFailure(step, error)
    }
  }

  /**
   * A signature that does not recover `from` may be a smart-contract wallet's (ERC-1271): every other offline check
   * passed when the signature is what failed, so the wallet is asked, as Permit2 itself will ask it on chain. A
   * wallet that is not deployed yet (ERC-6492) is not taken for Permit2 payments.
   */
  async function orWalletSigner(failed: Permit2OfflineCheck & { isValid: false }, rawPayload: unknown, requirements: PaymentRequirements, signal: AbortSignal): Promise<Permit2OfflineCheck> {
    if (failed.invalidReason !== REASONS.signature || failed.payer === undefined) return failed
    const terms = readPermit2Terms(requirements)
    const parsed = terms ? parsePermit2Payload(rawPayload, terms.kind) : undefined
    if (!terms || !parsed?.ok) return failed
    const wallet = failed.payer
    const code = await read('getCode', signal, () => getCode(client, { address: wallet }))
    if ('rejected' in code || code.value === undefined || code.value === '0x') return failed
    const digest = hashTypedData(permit2TypedData(terms.kind, terms.chainId, parsed.payload.permit2Authorization))
    const answer = await askWallet(client, wallet, digest, parsed.payload.signature, { read: (step, call) => read(step, signal, call) })
    if (!answer.accepted) return 'message' in answer ? { ...failed, invalidMessage: answer.message } : failed
    return { isValid: true, payer: wallet, payload: parsed.payload, terms }
  }

  /**
   * Offline checks, then the chain's: the proxy is there, the nonce unused, the balance and the payer's approval
   * of Permit2 cover the permit, and the settle (for the permit's full amount) goes through in a dry run.
   */
  async function verify(requirements: PaymentRequirements, rawPayload: unknown, signal: AbortSignal, phase: 'verify' | 'settle', extensions?: unknown): Promise<Permit2Verified> {
    // At settlement an upto offer carries the amount to settle, not the maximum signed: that is checked by settle.
    const kindIsUpto = requirements.scheme === 'upto'
    const expectAmount = phase === 'settle' && kindIsUpto ? undefined : BigInt(requirements.amount ?? '-1')
    const checked = await checkPermit2Offline({ payload: rawPayload, requirements, now: ctx.now(), expectAmount })
    const offline = checked.isValid ? checked : await orWalletSigner(checked, rawPayload, requirements, signal)
    if (!offline.isValid) return refuse(offline.invalidReason, offline.invalidMessage, offline.payer)
    const { payer, payload, terms } = offline
    if (terms.facilitator !== undefined && !isAddressEqual(terms.facilitator, settler.address)) {
      return refuse(REASONS.facilitatorMismatch, `The offer names the facilitator ${terms.facilitator}, but this one settles as ${settler.address}.`, payer)
    }
    const auth = payload.permit2Authorization
    // A settle of ours is out for it (settlement_pending): valid, and settle answers about that transaction.
    if (phase === 'verify' && pending.answeredPending(permit2Key(terms.chainId, payer, auth.nonce))) return { ok: true, payer, payload, terms, gas: 0n }
    const maximum = BigInt(auth.permitted.amount)
    const proxy = proxyFor(terms.kind)
    const sponsorship = await readSponsorship(extensions, payer, terms, maximum, ctx.now())
    if (sponsorship && 'refused' in sponsorship) return refuse(sponsorship.refused.reason, sponsorship.refused.message, payer)
    const permit = sponsorship?.kind === 'permit' ? sponsorship : undefined

    signal.throwIfAborted()
    // Every chain read at once, one round trip; the answers are judged in the reference's order.
    const nonce = BigInt(auth.nonce)
    const call = settleCall(payload, terms, maximum, permit)
    const [codes, word, balance, allowance, simulated] = await Promise.all([
      read('getCode', signal, () => Promise.all([getCode(client, { address: proxy }), getCode(client, { address: PERMIT2_ADDRESS })])),
      read('nonceBitmap', signal, () => readContract(client, { address: PERMIT2_ADDRESS, abi: PERMIT2_ABI, functionName: 'nonceBitmap', args: [payer, nonce >> 8n] })),
      read('balanceOf', signal, () => readContract(client, { address: terms.asset, abi: ERC20_ABI, functionName: 'balanceOf', args: [payer] })),
      read('allowance', signal, () => readContract(client, { address: terms.asset, abi: ERC20_ABI, functionName: 'allowance', args: [payer, PERMIT2_ADDRESS] })),
      read('the simulated settle', signal, () => estimateContractGas(client, { ...call, account: settler, blockTag: 'latest' } as unknown as EstimateContractGasParameters)),
    ])
    if ('rejected' in codes) throw rpcFailure('getCode', codes.rejected)
    const [proxyCode, permit2Code] = codes.value
    if (!proxyCode || proxyCode === '0x' || !permit2Code || permit2Code === '0x') {
      return refuse(REASONS.proxyNotDeployed, `There is no ${!permit2Code || permit2Code === '0x' ? `Permit2 at ${PERMIT2_ADDRESS}` : `x402 ${terms.kind} Permit2 proxy at ${proxy}`} on ${terms.network}.`, payer)
    }

    if ('rejected' in word) return refuse(REASONS.simulationFailed, word.rejected, payer)
    if ((word.value >> (nonce & 255n)) & 1n) return refuse(REASONS.nonceUsed, `The Permit2 nonce ${auth.nonce} of ${payer} was already used.`, payer)

    if ('rejected' in balance) return refuse(REASONS.simulationFailed, balance.rejected, payer)
    if (balance.value < maximum) return refuse(REASONS.insufficientBalance, `${payer} holds ${balance.value} of ${terms.asset}, the permit needs ${maximum}.`, payer)

    if ('rejected' in allowance) return refuse(REASONS.simulationFailed, allowance.rejected, payer)
    // Gasless Permit2: the permit or the signed approval stands for the allowance the payer lacks.
    const sponsored = allowance.value < maximum && sponsorship ? await checkSponsorship(ctx, sponsorship, payer, terms, signal) : undefined
    if (sponsored && 'refused' in sponsored) return refuse(sponsored.refused.reason, sponsored.refused.message, payer)
    if (sponsored && sponsorship?.kind === 'approval') return { ok: true, payer, payload, terms, gas: 0n, approval: { sponsorship, funding: sponsored.funding } }
    if (allowance.value < maximum && !sponsored) {
      return refuse(
        REASONS.allowanceRequired,
        `${payer} has approved Permit2 (${PERMIT2_ADDRESS}) for ${allowance.value} of ${terms.asset}, the permit needs ${maximum}: ` +
          `approve Permit2 once (token.approve(${PERMIT2_ADDRESS}, amount); exactPayer/uptoPayer({ approve: 'max' }) or tollgate pay --approve-permit2 does it).`,
        payer,
      )
    }

    if ('rejected' in simulated) return refuse(REASONS.simulationFailed, `The settle through ${proxy} would fail: ${simulated.rejected.replace(/^the simulated settle was refused: /, '')}`, payer)
    return { ok: true, payer, payload, terms, gas: simulated.value, ...(permit ? { permit } : {}) }
  }

  async function verifyResult(requirements: PaymentRequirements, rawPayload: unknown, signal: AbortSignal, extensions?: unknown): Promise<VerifyResult> {
    const checked = await verify(requirements, rawPayload, signal, 'verify', extensions)
    return checked.ok ? { isValid: true, payer: checked.payer, network: checked.terms.network } : checked.result
  }

  /**
   * Re-verifies, then moves `amount` (upto: 0 to the maximum, 0 sends nothing; exact: the signed amount only). A
   * permit with a transaction out (a retry, or the outbox's `pendingTransaction`) is answered about that one.
   */
  async function settle(requirements: PaymentRequirements, rawPayload: unknown, amountText: string, signal: AbortSignal, extensions?: unknown, pendingTransaction?: string): Promise<SettleResult> {
    const failed = settleFailure(requirements.network)
    const authorized = UINT_DECIMAL.test(amountText) ? permit2AuthorizationOf(requirements, rawPayload) : undefined
    const known = authorized && (await reconcile(reconciling, pendingTransaction, pending.pendingPayment(authorized, BigInt(amountText)), signal))
    if (known) return known
    let checked = await verify(requirements, rawPayload, signal, 'settle', extensions)
    if (!checked.ok) return failed(checked.result.invalidReason, checked.result.invalidMessage, checked.result.payer)
    // The amount is judged before a sponsored approval: a settle refused for it costs the settler no funding.
    const maximum = BigInt(checked.payload.permit2Authorization.permitted.amount)
    if (!UINT_DECIMAL.test(amountText)) return failed(REASONS.settlementExceedsAmount, `The amount to settle ${JSON.stringify(amountText)} is not atomic units.`, checked.payer)
    const amount = BigInt(amountText)
    if (checked.terms.kind === 'exact' && amount !== maximum) {
      return failed(REASONS.partialSettlement, `exact over Permit2 settles the signed amount ${maximum} only, not ${amount}.`, checked.payer)
    }
    if (amount > maximum) {
      return failed(REASONS.settlementExceedsAmount, `The amount to settle ${amount} is above the maximum ${maximum} the payer authorised.`, checked.payer)
    }
    // Zero needs no transaction (nor an approval): the permit simply expires unused.
    if (amount === 0n) return { success: true, transaction: '', network: checked.terms.network, payer: checked.payer, amount: '0' }
    // A sponsored approval goes first (permit2-sponsor.ts); then the payment is checked again, now approved.
    if (checked.approval) {
      const refused = await sponsorApproval(checked.payer, checked.approval, requirements.network, signal)
      checked = refused ? { ok: false, result: { isValid: false, invalidReason: refused.reason, invalidMessage: refused.message, payer: checked.payer } } : await verify(requirements, rawPayload, signal, 'settle', extensions)
      if (!checked.ok) return failed(checked.result.invalidReason, checked.result.invalidMessage, checked.result.payer)
    }
    const { payer, payload, terms, gas, permit } = checked
    const auth = payload.permit2Authorization

    const key = permit2Key(terms.chainId, payer, auth.nonce)
    if (ctx.inFlight.has(key)) return failed(REASONS.nonceUsed, `The Permit2 nonce ${auth.nonce} of ${payer} is being settled already.`, payer)
    ctx.inFlight.add(key)
    let watched = false
    try {
      const authorized = { key, payload, terms }
      return await sendSettlement(ctx, {
        what: 'settle',
        call: { to: proxyFor(terms.kind), data: encodeFunctionData(settleCall(payload, terms, amount, permit)), gas },
        network: terms.network,
        payer,
        amount: amount.toString(),
        failReason: REASONS.transactionFailed,
        failed,
        resends: pendingTransaction,
        out: (sent, receipt) => {
          // Watched until final (delivered) or mined (pending), in flight meanwhile (settlement-watch.ts), as EIP-3009 transfers.
          watched = true
          pending.watch(authorized, pending.tracker.track(key, { sends: [sent], mined: receipt, reorged: false, answeredPending: !receipt }), amount)
        },
      }, signal)
    } finally {
      if (!watched) ctx.inFlight.delete(key)
    }
  }

  /** One sponsored approval per payer at a time: a second would fund the same nonce again. */
  async function sponsorApproval(payer: Address, approval: NonNullable<Extract<Permit2Verified, { ok: true }>['approval']>, network: string, signal: AbortSignal) {
    const key = `approval:${payer}`.toLowerCase()
    if (ctx.inFlight.has(key)) return { reason: REASONS.nonceUsed, message: `An approval of ${payer} is being sponsored already; pay again once it is mined.` }
    ctx.inFlight.add(key)
    try {
      return (await submitApproval({ ...ctx, settler }, approval.sponsorship, payer, approval.funding, signal))?.refused
    } catch (error) {
      throw (await ctx.gas.outOfFunds(error, network)) ?? error
    } finally {
      ctx.inFlight.delete(key)
    }
  }

  /** A Permit2 payment, as the watch sees it: its nonce bit, its deadline, the same settle sent anew. */
  function permit2Payment(payload: Permit2Payload, terms: Permit2Terms, amount: bigint): WatchedPayment {
    const auth = payload.permit2Authorization
    const nonce = BigInt(auth.nonce)
    return {
      network: terms.network,
      payer: auth.from,
      used: async () => {
        const word = await readContract(client, { address: PERMIT2_ADDRESS, abi: PERMIT2_ABI, functionName: 'nonceBitmap', args: [auth.from, nonce >> 8n] })
        return ((word >> (nonce & 255n)) & 1n) === 1n
      },
      validBefore: BigInt(auth.deadline),
      sendAnew: (account) => writeContract(client, { ...settleCall(payload, terms, amount), account, chain: client.chain ?? null } as unknown as WriteContractParameters),
    }
  }

  return { verify: verifyResult, settle }
}
