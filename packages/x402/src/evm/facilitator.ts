// localFacilitator: verifies exact EVM payments in-process and settles them on a chain with viem.
import { createPublicClient, http, type Account, type Address, type Client, type Hash, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { getChainId, getCode, readContract, sendTransaction, waitForTransactionReceipt } from 'viem/actions'
import type { DecodedProof } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import type { Facilitator, PaymentKind, SettleRequest, SettleResult, VerifyRequest, VerifyResult } from '../facilitator/types.js'
import { EIP3009_ABI } from './abi.js'
import { isContractRejection, receiptOf, revertReason, rpcFailure, settleFailure, simulateTransfer, submitTransfer, withAbort } from './chain-calls.js'
import { checkContractSignature, type WalletDeployment } from './contract-signature.js'
import { eip155Network, fromV1Network, toV1Network } from '../requirements/networks.js'
import { ADDRESS, EXACT_EVM_REASONS as REASONS, EXACT_SCHEME, parseExactEvmPayload, type ExactEvmPayload } from './scheme.js'
import { checkExactOffline, readExactTerms, unixNow, type ExactOfflineCheck, type ExactTerms } from './verify.js'
import { permit2KindOf, UPTO_SCHEME } from './permit2.js'
import { permit2Payments } from './permit2-settle.js'

export interface LocalFacilitatorOptions {
  /** JSON-RPC endpoint of the chain to verify and settle on (or give `client`). */
  rpcUrl?: string
  /** A viem client for the chain (public or wallet); used instead of `rpcUrl`. */
  client?: Client
  /** Who submits `transferWithAuthorization` and pays the gas: a viem Account or a private key. */
  settler: Account | Hex
  /** Unix seconds for the time-window checks (tests fix it); defaults to the system clock. */
  now?: () => number
  /** Blocks to wait for after inclusion before a settlement counts (default 1: the including block). */
  confirmations?: number
  /** How long to wait for the receipt, in ms (default 120 000). */
  receiptTimeoutMs?: number
  /** How often the client made from `rpcUrl` polls for receipts, in ms (default 1000; `client` keeps its own). */
  pollingIntervalMs?: number
  /**
   * Smart-wallet factories this facilitator will call, paying the gas, to deploy a payer's wallet that does not
   * exist yet (its ERC-6492 signature carries the call) before settling. Default none: such payments are refused.
   */
  erc6492Factories?: readonly Address[]
}

interface Verified {
  result: VerifyResult
  /** Set when the payment is valid: what settle submits (and the wallet it must deploy first, ERC-6492). */
  payment?: { payload: ExactEvmPayload; terms: ExactTerms; deployment?: WalletDeployment }
}

const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/

function checkFactories(value: unknown): readonly Address[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string' && ADDRESS.test(entry))) {
    throw optionsError('erc6492Factories', 'localFacilitator: erc6492Factories must be a list of contract addresses.', 'an array of 0x-prefixed 20-byte addresses')
  }
  return value as Address[]
}

function optionsError(path: string, message: string, expected: string): TollgateError {
  return new TollgateError('invalid_options', message, { path: `localFacilitator.${path}`, expected })
}

function toAccount(settler: Account | Hex): Account {
  if (typeof settler !== 'string') return settler
  if (!PRIVATE_KEY.test(settler)) {
    throw optionsError('settler', 'localFacilitator: settler is not a private key.', 'a viem Account or a 0x-prefixed 32-byte private key')
  }
  return privateKeyToAccount(settler)
}

/** The scheme, network and scheme payload of a proof, whichever generation sent it. */
function proofParts(proof: DecodedProof): { scheme: unknown; network: unknown; payload: unknown } {
  if (proof.x402Version === 2) {
    const accepted = proof.payload.accepted as Partial<Record<string, unknown>> | undefined
    return { scheme: accepted?.scheme, network: accepted?.network, payload: proof.payload.payload }
  }
  return { scheme: proof.payload.scheme, network: proof.payload.network, payload: proof.payload.payload }
}

/**
 * A Facilitator for schemes `exact` (EIP-3009, or Permit2 for any ERC-20) and `upto` (Permit2) on the EVM chain
 * behind `rpcUrl`/`client`: verification runs here, settlement is sent from `settler` (one transaction at a time)
 * and waits for the receipt. For `upto`, `settler` is the facilitator the payer names in the permit.
 */
export function localFacilitator(options: LocalFacilitatorOptions): Facilitator {
  if (!options.client && !options.rpcUrl) {
    throw optionsError('rpcUrl', 'localFacilitator needs a chain: give rpcUrl or client.', 'an RPC URL or a viem client')
  }
  const client: Client =
    options.client ?? createPublicClient({ transport: http(options.rpcUrl), pollingInterval: options.pollingIntervalMs ?? 1000 })
  const settler = toAccount(options.settler)
  const now = options.now ?? unixNow
  const confirmations = options.confirmations ?? 1
  const receiptTimeoutMs = options.receiptTimeoutMs ?? 120_000
  const erc6492Factories = checkFactories(options.erc6492Factories)

  let chainIdPromise: Promise<number> | undefined
  function chainId(): Promise<number> {
    if (client.chain) return Promise.resolve(client.chain.id)
    chainIdPromise ??= getChainId(client).catch((error: unknown) => {
      chainIdPromise = undefined
      throw rpcFailure('eth_chainId', error)
    })
    return chainIdPromise
  }

  // One submission at a time, so that two settlements never take the same account nonce. A settlement whose
  // caller gave up while it waited for its turn (the engine's deadline: the client already has its 504) is not
  // sent at all: sending it then would charge a payer for a request that failed.
  let submissions: Promise<unknown> = Promise.resolve()
  function submitInTurn<T>(signal: AbortSignal, submit: () => Promise<T>): Promise<T> {
    const inTurn = () => {
      signal.throwIfAborted()
      return submit()
    }
    const turn = submissions.then(inTurn, inTurn)
    submissions = turn.catch(() => undefined)
    return turn
  }

  // Authorizations being settled right now: a second settle of one would only burn gas on a revert.
  const inFlight = new Set<string>()
  const permit2 = permit2Payments({ client, settler, now, confirmations, receiptTimeoutMs, submitInTurn, inFlight })

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

  /** The checks every payment passes first: generation, scheme and network; a refusal, or undefined. */
  async function checkKind(request: VerifyRequest, signal: AbortSignal): Promise<Verified | undefined> {
    signal.throwIfAborted()
    const { requirements, proof } = request
    const parts = proofParts(proof)
    const refuse = (invalidReason: string, invalidMessage: string, payer?: string): Verified => ({
      result: { isValid: false, invalidReason, invalidMessage, ...(payer === undefined ? {} : { payer }) },
    })

    if (proof.x402Version !== request.x402Version) {
      return refuse(REASONS.invalidVersion, `The proof is x402 v${proof.x402Version} but the request says v${request.x402Version}.`)
    }
    if ((requirements.scheme !== EXACT_SCHEME && requirements.scheme !== UPTO_SCHEME) || parts.scheme !== requirements.scheme) {
      return refuse(
        REASONS.invalidScheme,
        `Scheme "${String(parts.scheme)}" paid for "${requirements.scheme}"; this facilitator handles "${EXACT_SCHEME}" and "${UPTO_SCHEME}".`,
      )
    }
    if (permit2KindOf(requirements) && proof.x402Version !== 2) {
      return refuse(REASONS.invalidVersion, `${requirements.scheme} over Permit2 is an x402 v2 payment; this proof is v${proof.x402Version}.`)
    }
    const ourChainId = await withAbort(chainId(), signal)
    const ourNetwork = eip155Network(ourChainId)
    if (requirements.network !== ourNetwork) {
      return refuse(REASONS.invalidNetwork, `The offer is on ${requirements.network}, but this facilitator's chain is ${ourNetwork}.`)
    }
    const proofNetworkMatches =
      proof.x402Version === 2
        ? parts.network === requirements.network
        : typeof parts.network === 'string' &&
          (request.requirementsV1 ? parts.network === request.requirementsV1.network : (parts.network === ourNetwork || fromV1Network(parts.network) === ourNetwork))
    if (!proofNetworkMatches) {
      return refuse(REASONS.invalidNetwork, `The proof is for network ${String(parts.network)}, but the offer is on ${requirements.network}.`)
    }
    return undefined
  }

  async function verifyPayment(request: VerifyRequest, signal: AbortSignal): Promise<Verified> {
    const refused = await checkKind(request, signal)
    if (refused) return refused
    const { requirements } = request
    const parts = proofParts(request.proof)
    const refuse = (invalidReason: string, invalidMessage: string, payer?: string): Verified => ({
      result: { isValid: false, invalidReason, invalidMessage, ...(payer === undefined ? {} : { payer }) },
    })

    const checked = await checkExactOffline({ payload: parts.payload, requirements, now: now() })
    const offline: ExactOfflineCheck & { deployment?: WalletDeployment } = checked.isValid
      ? checked
      : await withAbort(orContractSigner(checked, parts.payload, requirements), signal)
    if (!offline.isValid) return refuse(offline.invalidReason, offline.invalidMessage, offline.payer)
    const { payload, terms, payer } = offline
    const deployment = offline.deployment
    const { nonce } = payload.authorization

    signal.throwIfAborted()
    const used = await withAbort(
      read('authorizationState', () =>
        readContract(client, { address: terms.asset, abi: EIP3009_ABI, functionName: 'authorizationState', args: [payer, nonce] }),
      ),
      signal,
    )
    if ('rejected' in used) return refuse(REASONS.transactionState, used.rejected, payer)
    if (used.value) return refuse(REASONS.nonceUsed, `The authorization nonce ${nonce} of ${payer} was already used.`, payer)

    const balance = await withAbort(
      read('balanceOf', () => readContract(client, { address: terms.asset, abi: EIP3009_ABI, functionName: 'balanceOf', args: [payer] })),
      signal,
    )
    if ('rejected' in balance) return refuse(REASONS.transactionState, balance.rejected, payer)
    if (balance.value < terms.amount) {
      return refuse(REASONS.insufficientFunds, `${payer} holds ${balance.value} of ${terms.asset}, needs ${terms.amount}.`, payer)
    }

    // A wallet that is not deployed yet cannot be asked by a simulated transfer: the universal validator has
    // already deployed it inside an eth_call and asked it.
    if (!deployment) {
      const simulated = await withAbort(
        read('the simulated transfer', () => simulateTransfer(client, settler, payload, terms.asset)),
        signal,
      )
      if ('rejected' in simulated) return refuse(REASONS.transactionState, simulated.rejected, payer)
    }

    return { result: { isValid: true, payer, network: terms.network }, payment: { payload, terms, deployment } }
  }

  async function settlePayment(request: SettleRequest, signal: AbortSignal): Promise<SettleResult> {
    if (permit2KindOf(request.requirements)) {
      const refused = await checkKind(request, signal)
      if (refused) {
        const { invalidReason, invalidMessage, payer } = refused.result
        return settleFailure(request.requirements.network)(invalidReason ?? REASONS.invalidScheme, invalidMessage ?? 'The payment is not valid.', payer)
      }
      return permit2.settle(request.requirements, proofParts(request.proof).payload, request.amount, signal)
    }
    const failed = settleFailure(request.requirements.network)

    const verified = await verifyPayment(request, signal)
    if (!verified.payment) {
      const { invalidReason, invalidMessage, payer } = verified.result
      return failed(invalidReason ?? REASONS.transactionState, invalidMessage ?? 'The payment is not valid.', payer)
    }
    const { payload, terms, deployment } = verified.payment
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

    const key = `${terms.chainId}:${terms.asset}:${payer}:${payload.authorization.nonce}`.toLowerCase()
    if (inFlight.has(key)) {
      return failed(REASONS.nonceUsed, `The authorization nonce ${payload.authorization.nonce} of ${payer} is being settled already.`, payer)
    }
    inFlight.add(key)
    try {
      if (deployment) {
        const refused = await deployWallet(deployment, payer, signal, failed)
        if (refused) return refused
      }
      return await submitAndWait(payload, terms, signal, failed)
    } finally {
      inFlight.delete(key)
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
      hash = await submitInTurn(signal, () => sendTransaction(client, { account: settler, to: deployment.factory, data: deployment.calldata, chain: client.chain ?? null }))
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

  async function submitAndWait(
    payload: ExactEvmPayload,
    terms: ExactTerms,
    signal: AbortSignal,
    failed: (errorReason: string, errorMessage: string, payer?: string, extra?: Record<string, unknown>) => SettleResult,
  ): Promise<SettleResult> {
    const payer = payload.authorization.from
    signal.throwIfAborted()
    let hash: Hash
    try {
      hash = await submitInTurn(signal, () => submitTransfer(client, settler, payload, terms.asset))
    } catch (error) {
      if (signal.aborted) throw signal.reason
      if (isContractRejection(error)) return failed(REASONS.transactionState, `The transfer was refused: ${revertReason(error)}`, payer)
      throw rpcFailure('the transfer submission', error)
    }

    const receipt = await receiptOf(client, hash, { confirmations, timeout: receiptTimeoutMs }, signal, 'transfer')
    if (receipt.status !== 'success') {
      return failed(REASONS.transactionState, `The transfer ${hash} reverted on chain.`, payer, { revertedTransaction: hash })
    }
    return { success: true, transaction: hash, network: terms.network, payer, amount: BigInt(payload.authorization.value).toString() }
  }

  return {
    name: 'local',
    offerExtra(kind) {
      // upto permits name the facilitator that may settle them: this one's settler.
      return kind.scheme === UPTO_SCHEME ? { facilitatorAddress: settler.address } : undefined
    },
    async verify(request, signal) {
      if (permit2KindOf(request.requirements)) {
        const refused = await checkKind(request, signal)
        return refused ? refused.result : permit2.verify(request.requirements, proofParts(request.proof).payload, signal)
      }
      return (await verifyPayment(request, signal)).result
    },
    settle: settlePayment,
    async supported(signal) {
      const id = await withAbort(chainId(), signal)
      const network = eip155Network(id)
      const kinds: PaymentKind[] = [
        { x402Version: 2, scheme: EXACT_SCHEME, network },
        { x402Version: 2, scheme: UPTO_SCHEME, network, extra: { facilitatorAddress: settler.address } },
      ]
      const v1Name = toV1Network(network)
      if (v1Name) kinds.push({ x402Version: 1, scheme: EXACT_SCHEME, network: v1Name })
      return kinds
    },
  }
}
