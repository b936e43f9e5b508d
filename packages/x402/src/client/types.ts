// The buyer's vocabulary: offers read from a 402, payers that can pay some of them, and what was paid.
import type {
  PaymentRequired,
  PaymentRequirements,
  PaymentRequirementsV1,
  ResourceInfo,
  SettleResponse,
  X402Version,
} from '../codec/types.js'

/** One way to pay that a 402 offered, in one shape whichever generation the server speaks. */
export interface Offer {
  /** The generation of the 402 it came from; the proof is sent in that generation's header. */
  x402Version: X402Version
  /**
   * The offer in v2 shape (CAIP-2 network, `amount`). For a v2 server this is the entry of `accepts`
   * itself, which a v2 proof copies verbatim into `accepted`.
   */
  requirements: PaymentRequirements
  /** The entry of `accepts` exactly as the server wrote it (v1 shape for a v1 server). */
  raw: PaymentRequirements | PaymentRequirementsV1
  /** What is being paid for. */
  resource: ResourceInfo
  /** Position in the server's `accepts` (its own order of preference). */
  index: number
}

/** Everything a 402 asked for, read from the PAYMENT-REQUIRED header (v2) or the JSON body (v1). */
export interface PaymentDemand {
  x402Version: X402Version
  /** Where it was read from. */
  source: 'header' | 'body'
  /** The server's `error` field ("Payment required", or why a payment was refused). */
  error: string | undefined
  resource: ResourceInfo
  offers: Offer[]
  /** The decoded object as the server sent it, v2 shape only when the server speaks v2. */
  paymentRequired: PaymentRequired | { x402Version: 1; error?: string; accepts: PaymentRequirementsV1[] }
}

/** What a payer is asked to pay for. */
export interface PayInput {
  offer: Offer
  /** The request being paid for (already read as needed: do not consume its body). */
  request: Request
  /** The request's abort signal. */
  signal: AbortSignal
  /**
   * The spend cap that applies to this offer, in its atomic units. The offer's own amount is already within it; a
   * payer that may take more than that amount from the wallet (a batch-settlement deposit) keeps to it.
   */
  maxAmount?: bigint
  /** The 402's `extensions` (v2): what the route offers beyond payment, such as gasless Permit2. */
  extensions?: Record<string, unknown>
}

/** What came of a proof a payer made: told to payers that keep state between requests (batch-settlement channels). */
export interface ProofOutcome {
  offer: Offer
  /** The proof header value `pay` returned. */
  proof: string
  /** The server's answer to the paid request; undefined when none came (network error, abort). */
  response: Response | undefined
  /** The decoded PAYMENT-RESPONSE of that answer, when it had one. */
  receipt: SettleResponse | undefined
}

/** A paid request answered 402: the payer may read a correction of its state in it (see `Payer.correct`). */
export interface CorrectionInput {
  offer: Offer
  /** The proof that was refused. */
  proof: string
  /** What the 402 answering it asks. */
  demand: PaymentDemand
  request: Request
}

/**
 * Something that can pay some offers: the exact EVM signer (`exactPayer` from `@tollgate/x402/evm`), a
 * Nevermined plan (`nvmPayer`), or your own.
 */
export interface Payer {
  /** A short name, for errors and receipts (`exact-evm`, `nevermined`). */
  readonly name: string
  /**
   * The x402 schemes it pays (`['exact']`, `['nvm:erc4337', 'nvm:card-delegation']`): `wrapFetch` asks `canPay` only
   * about offers of these schemes on its `networks`, by the rule the server's scheme registry uses. Undeclared:
   * every offer is asked about.
   */
  readonly schemes?: readonly string[]
  /** The networks it pays on, as CAIP-2 patterns (`eip155:*`, `eip155:8453`) or `*`; default `*`. */
  readonly networks?: readonly string[]
  /**
   * Its proof is sealed as a whole (a Nevermined access token): `wrapFetch` adds nothing to it. Otherwise a v2
   * proof gets the 402's `extensions` echoed, with a payment id where the route declares payment-identifier.
   */
  readonly sealed?: boolean
  /** Whether this payer can pay the offer at all (scheme, network, asset, generation). Must not throw. */
  canPay(offer: Offer): boolean
  /** The proof header value for the offer (base64 JSON): sent as PAYMENT-SIGNATURE (v2) or X-PAYMENT (v1). */
  pay(input: PayInput): Promise<string>
  /**
   * Optional, for payers that keep state between requests: called once for every proof `pay` returned, with the
   * server's answer and receipt (or none). Called before the paying fetch returns or throws; what it throws is ignored
   * (the answer was paid for).
   */
  afterPayment?(outcome: ProofOutcome): void | Promise<void>
  /**
   * Optional: a paid request was answered 402. Resolve true when that 402 corrected the payer's own state
   * (batch-settlement's corrective 402, checked first), so that paying once more is expected: the paying fetch
   * then asks `pay` once more. Throw to refuse the correction; nothing more is paid then.
   */
  correct?(input: CorrectionInput): Promise<boolean>
}

/** What the paying fetch paid for one response, readable with `getPayment(response)`. */
export interface PaymentRecord {
  /** The offer paid. */
  offer: Offer
  /** The payer's name. */
  payer: string
  /** The proof header sent (`PAYMENT-SIGNATURE` or `X-PAYMENT`). */
  header: 'PAYMENT-SIGNATURE' | 'X-PAYMENT'
  /** The decoded PAYMENT-RESPONSE / X-PAYMENT-RESPONSE, when the server sent one. */
  receipt: SettleResponse | undefined
}

export type { PaymentRequired, PaymentRequirements, PaymentRequirementsV1, ResourceInfo, SettleResponse, X402Version }
