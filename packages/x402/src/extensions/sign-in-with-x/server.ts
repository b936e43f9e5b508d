// signInWithX(): a route lets a wallet that already paid for it come back by signing in (CAIP-122 / SIWE) instead
// of paying again, within a window the seller sets. The 402 carries a fresh challenge whose nonce the Store keeps
// for the challenge's life; a SIGN-IN-WITH-X proof is checked (fields, chain, a nonce this server issued for this
// resource, signature: EOA, or ERC-1271/6492 with a verifier), then the Store is asked whether its address paid for
// this resource, and its nonce is spent there once (memory, or Redis across instances).
import type { Address, Hex } from 'viem'
import { TollgateError } from '../../errors.js'
import type { Admission, Extension, PaymentToRead, SettledPayment, UnpaidRequest } from '../contract.js'
import { extensionSteps } from '../steps.js'
import { evmChainNumber, SIGN_IN_WITH_X, SIGN_IN_WITH_X_HEADER, signInSchema, siweMessage, type SignInChain, type SignInChallenge, type SignInProof } from './message.js'
import { checkFields, readSignInHeader } from './proof.js'

/** Checks a message signature on chain: viem's `publicClient.verifyMessage` (ERC-1271, ERC-6492 and EOAs). */
export type MessageVerifier = (args: { address: Address; message: string; signature: Hex }) => Promise<boolean>

export interface SignInWithXOptions {
  /** How long after paying a payer may sign in instead of paying again, in ms. */
  accessMs: number
  /** Shown to the wallet's user in the message it signs. */
  statement?: string
  /** CAIP-2 EVM chains to accept sign-ins on. Default: the eip155 networks the route's offers are on. */
  networks?: readonly string[]
  /** How long a challenge may be answered, in seconds. Default 300 (the spec's). */
  challengeSeconds?: number
  /**
   * Smart-contract wallets (ERC-1271, ERC-6492): a chain check such as viem's `publicClient.verifyMessage`, asked
   * when the signature does not recover the address. Without it only plain accounts (EOA) can sign in.
   */
  verifyMessage?: MessageVerifier
  /** The public origin the challenge binds to (`https://api.example.com`). Default: the resource URL's origin. */
  origin?: string
}

const DEFAULT_CHALLENGE_SECONDS = 300

/** The sign-in-with-x extension for a route: `{ accepts, extensions: [signInWithX({ accessMs: 86_400_000 })] }`. */
export function signInWithX(options: SignInWithXOptions): Extension {
  const { accessMs, statement, networks, verifyMessage } = checkOptions(options)
  const challengeMs = (options.challengeSeconds ?? DEFAULT_CHALLENGE_SECONDS) * 1000
  const fixedOrigin = options.origin === undefined ? undefined : new URL(options.origin)

  const originOf = (resourceUrl: string) => fixedOrigin ?? new URL(new URL(resourceUrl).origin)

  /** The chains a route takes sign-ins on: the option, else the EVM networks of its offers. */
  const chainsOf = ({ paymentRequired }: UnpaidRequest) =>
    networks ?? [...new Set(paymentRequired.accepts.map((offer) => offer.network))].filter((n) => evmChainNumber(n) !== undefined)

  async function challenge(input: UnpaidRequest): Promise<SignInChallenge> {
    const { resourceUrl, store } = input
    const origin = originOf(resourceUrl)
    const resource = new URL(resourceUrl)
    const uri = origin.origin + resource.pathname + resource.search
    const now = Date.now()
    const nonce = randomNonce()
    // The spec's nonce is the server's: kept for the challenge's life, bound to this resource, spent on sign-in.
    await store.set(ISSUED_PREFIX + nonce, resourceOf(resourceUrl), challengeMs + CLOCK_MARGIN_MS)
    const info: SignInChallenge['info'] = {
      domain: origin.host,
      uri,
      version: '1',
      nonce,
      issuedAt: new Date(now).toISOString(),
      expirationTime: new Date(now + challengeMs).toISOString(),
      resources: [uri],
    }
    if (statement !== undefined) info.statement = statement
    const supportedChains: SignInChain[] = chainsOf(input).map((chainId) => ({ chainId, type: 'eip191' }))
    return { info, supportedChains, schema: signInSchema() }
  }

  function admit(input: UnpaidRequest): Promise<Admission | undefined> | undefined {
    const header = input.headers.get(SIGN_IN_WITH_X_HEADER)
    if (header === null) return undefined
    return check(header, input)
  }

  async function check(header: string, input: UnpaidRequest): Promise<Admission> {
    const { resourceUrl, store } = input
    const read = readSignInHeader(header)
    if (!read.ok) return refused(read.reason, read.message)
    const resource = new URL(resourceUrl)
    const fields = checkFields(read.proof, { origin: originOf(resourceUrl), pathname: resource.pathname, maxAgeMs: challengeMs, now: Date.now() })
    if (!fields.ok) return refused(fields.reason, fields.message)
    const proof = fields.proof
    const chainNumber = evmChainNumber(proof.chainId)
    if (chainNumber === undefined || proof.type !== 'eip191' || !chainsOf(input).includes(proof.chainId)) {
      return refused('invalid_siwx_unsupported_chain', `This route does not accept sign-ins on ${proof.chainId} (${proof.type}).`)
    }
    // Before the signature is checked: a nonce this server did not issue for this resource is refused cheaply.
    const issuedFor = NONCE.test(proof.nonce) ? await store.get(ISSUED_PREFIX + proof.nonce) : undefined
    if (issuedFor !== resourceOf(resourceUrl)) {
      const why = issuedFor === undefined ? 'was not issued by this server, or its challenge expired' : 'was issued for another resource'
      return refused('invalid_siwx_nonce', `The sign-in's nonce ${why}: sign the challenge of a new 402 from this resource.`)
    }
    if (!(await signatureHolds(proof, chainNumber))) {
      return refused('invalid_siwx_signature', `The signature is not ${proof.address}'s for this sign-in message.`)
    }
    if (!(await store.get(paidKey(resourceUrl, proof.address)))) {
      const message = `${proof.address} has no payment on record for ${resource.origin}${resource.pathname}: pay for it first.`
      return refused('sign_in_not_paid', message)
    }
    // Spent once, atomically (Store.add), whatever instance sees it first.
    if (!(await store.add(NONCE_PREFIX + proof.nonce, 1, challengeMs + CLOCK_MARGIN_MS))) {
      return refused('invalid_siwx_nonce', "The sign-in's nonce was already used: sign the challenge of a new 402 from this resource.")
    }
    return { payer: proof.address }
  }

  async function signatureHolds(proof: SignInProof, chainNumber: number): Promise<boolean> {
    const address = proof.address as Address
    const signature = proof.signature as Hex
    const message = siweMessage(proof, proof.address, chainNumber)
    try {
      // viem is loaded when a sign-in comes, so that the extensions entry does not need it to load.
      const { verifyMessage: verifyEoaMessage } = await import('viem')
      if (await verifyEoaMessage({ address, message, signature })) return true
    } catch {
      // Not an ECDSA signature (a smart wallet's): its wallet may still accept it.
    }
    if (!verifyMessage) return false
    try {
      return await verifyMessage({ address, message, signature })
    } catch {
      return false
    }
  }

  async function settled({ resourceUrl, store, payer }: SettledPayment): Promise<undefined> {
    if (payer !== undefined) await store.set(paidKey(resourceUrl, payer), 1, accessMs)
    return undefined
  }

  return { key: SIGN_IN_WITH_X, challenge, admit, settled, steps: extensionSteps }
}

const NONCE_PREFIX = 'tg:siwx:nonce:'
const ISSUED_PREFIX = 'tg:siwx:issued:'
/** The nonces this server issues: 32 hex digits, as the spec writes. */
const NONCE = /^[0-9a-f]{32}$/
// An issued or spent nonce is kept a little past its challenge's life, for clocks that differ between instances.
const CLOCK_MARGIN_MS = 60_000

/** A resource as sign-in knows it: its origin and path (a query string does not make another resource). */
const resourceOf = (resourceUrl: string) => {
  const url = new URL(resourceUrl)
  return url.origin + url.pathname
}

/** Who paid for a resource. */
export function paidKey(resourceUrl: string, payer: string): string {
  return `tg:siwx:paid:${resourceOf(resourceUrl)}|${payer.toLowerCase()}`
}

/** Record in a Store that `payer` paid for `resourceUrl`, for `accessMs` (a payment made elsewhere, a migration). */
export function recordSignInAccess(store: PaymentToRead['store'], resourceUrl: string, payer: string, accessMs: number): Promise<void> {
  return store.set(paidKey(resourceUrl, payer), 1, accessMs)
}

function refused(reason: string, message: string): Admission {
  // Refused like a missing payment (402, nothing charged), with the spec's reason on the 402's `error`.
  return { refused: new TollgateError('payment_required', message, { reason }) }
}

function randomNonce(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('')
}

function checkOptions(options: SignInWithXOptions): SignInWithXOptions {
  const bad = (path: string, expected: string): never => {
    throw new TollgateError('invalid_options', `signInWithX: option "${path}" is invalid; expected ${expected}.`, { path, expected })
  }
  if (!options || typeof options !== 'object') bad('options', 'an object { accessMs, ... }')
  if (typeof options.accessMs !== 'number' || !(options.accessMs > 0) || !Number.isFinite(options.accessMs)) bad('accessMs', 'a positive number of ms')
  if (options.challengeSeconds !== undefined && !(typeof options.challengeSeconds === 'number' && options.challengeSeconds > 0)) bad('challengeSeconds', 'a positive number of seconds')
  if (options.networks !== undefined && !(Array.isArray(options.networks) && options.networks.every((n) => evmChainNumber(n) !== undefined))) {
    bad('networks', "a list of EVM chains like 'eip155:8453'")
  }
  if (options.verifyMessage !== undefined && typeof options.verifyMessage !== 'function') bad('verifyMessage', 'a function like publicClient.verifyMessage')
  if (options.origin !== undefined) {
    let url: URL | undefined
    try {
      url = new URL(options.origin)
    } catch {
      bad('origin', "an origin like 'https://api.example.com'")
    }
    if (url!.pathname !== '/' || url!.search || url!.hash) bad('origin', "an origin without a path, like 'https://api.example.com'")
  }
  if (options.statement !== undefined && (typeof options.statement !== 'string' || options.statement.includes('\n'))) bad('statement', 'one line of text')
  return options
}
