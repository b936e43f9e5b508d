// Reading the batch-settlement payloads (wire.ts) from untrusted JSON: the shape, then the channel config as the
// contract takes it. A payload of the wrong shape is answered with its type's `_payload` reason. The one reader of
// the wire: the facilitator's verify and settle, and the seller's scheme before any lock or facilitator call.
import * as v from 'valibot'
import { getAddress, type Address } from 'viem'
import type { ChannelConfig, VoucherClaim } from './constants.js'
import { BATCH_REASONS as REASONS } from './reasons.js'
import type {
  ChannelConfigWire,
  ClaimPayloadWire,
  DepositPayloadWire,
  EnrichedRefundPayloadWire,
  RefundPayloadWire,
  SettlePayloadWire,
  VoucherClaimWire,
  VoucherPayloadWire,
} from './wire.js'

const address = v.pipe(v.string(), v.regex(/^0x[0-9a-fA-F]{40}$/))
const bytes32 = v.pipe(v.string(), v.regex(/^0x[0-9a-fA-F]{64}$/))
const signature = v.pipe(v.string(), v.regex(/^0x(?:[0-9a-fA-F]{2})+$/))
/** A decimal string of at most 78 digits: a uint256 (nonces, deadlines, times, a permit's amount) fits, checked where used. */
const uint = v.pipe(v.string(), v.regex(/^(?:0|[1-9][0-9]{0,77})$/))
/**
 * An amount of the contract's (uint128): at most 39 digits. The seller's reader and the facilitator's had 39 and 78;
 * the stricter holds, as a longer amount can never fit the contract and would only fail later (encoding, a revert).
 */
const amount = v.pipe(v.string(), v.regex(/^(?:0|[1-9][0-9]{0,38})$/))

const channelConfig = v.object({
  payer: address,
  payerAuthorizer: address,
  receiver: address,
  receiverAuthorizer: address,
  token: address,
  withdrawDelay: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 40 - 1)),
  salt: bytes32,
})
const voucher = v.object({ channelId: bytes32, maxClaimableAmount: amount, signature })
const claimRow = v.object({ voucher: v.object({ channel: channelConfig, maxClaimableAmount: amount }), signature, totalClaimed: amount })

const erc3009Authorization = v.object({ validAfter: uint, validBefore: uint, salt: v.union([uint, v.pipe(v.string(), v.regex(/^0x[0-9a-fA-F]{1,64}$/))]), signature })
const permit2Authorization = v.object({
  from: address,
  permitted: v.object({ token: address, amount: uint }),
  spender: address,
  nonce: uint,
  deadline: uint,
  witness: v.object({ channelId: bytes32 }),
  signature,
})

const SCHEMAS = {
  deposit: v.object({
    type: v.literal('deposit'),
    channelConfig,
    voucher,
    deposit: v.object({
      // Nothing to deposit is no deposit (the seller's reader refused it first; the facilitator's later).
      amount: v.pipe(amount, v.notValue('0')),
      authorization: v.object({ erc3009Authorization: v.optional(erc3009Authorization), permit2Authorization: v.optional(permit2Authorization) }),
    }),
  }),
  voucher: v.object({ type: v.literal('voucher'), channelConfig, voucher }),
  refund: v.object({ type: v.literal('refund'), channelConfig, voucher, amount: v.optional(amount) }),
  enrichedRefund: v.object({
    type: v.literal('refund'),
    channelConfig,
    voucher,
    amount,
    refundNonce: uint,
    claims: v.array(claimRow),
    refundAuthorizerSignature: v.optional(signature),
    claimAuthorizerSignature: v.optional(signature),
  }),
  claim: v.object({ type: v.literal('claim'), claims: v.pipe(v.array(claimRow), v.minLength(1)), claimAuthorizerSignature: v.optional(signature) }),
  settle: v.object({ type: v.literal('settle'), receiver: address, token: address }),
}

/** What the buyer's payloads (verify) and the seller's (settle) parse to. */
export type ParsedPayload =
  | { type: 'deposit'; payload: DepositPayloadWire }
  | { type: 'voucher'; payload: VoucherPayloadWire }
  | { type: 'refund'; payload: RefundPayloadWire }
  | { type: 'enrichedRefund'; payload: EnrichedRefundPayloadWire }
  | { type: 'claim'; payload: ClaimPayloadWire }
  | { type: 'settle'; payload: SettlePayloadWire }

/** `path`: where a malformed payload first fails ('' for its type, or its top level), as `amount` or `voucher.signature`. */
export type ParseOutcome = ParsedPayload | { refused: string; message: string; path: string }

const MALFORMED: Record<string, string> = {
  deposit: REASONS.depositPayload,
  voucher: REASONS.voucherPayload,
  refund: REASONS.refundPayload,
  claim: REASONS.claimPayload,
  settle: REASONS.settlePayload,
}

/**
 * Parses a payload for `phase`: verify takes the buyer's deposit, voucher and refund; settle takes a deposit, the
 * seller's claim and settle, and a refund completed with its nonce and claims (an incomplete refund is malformed).
 */
export function parseBatchPayload(raw: unknown, phase: 'verify' | 'settle'): ParseOutcome {
  const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined
  const allowed = phase === 'verify' ? ['deposit', 'voucher', 'refund'] : ['deposit', 'claim', 'settle', 'refund']
  if (typeof type !== 'string' || !allowed.includes(type)) {
    return { refused: REASONS.payloadType, message: `A batch-settlement ${phase} takes a payload of type ${allowed.join(', ')}; this one has type ${JSON.stringify(type)}.`, path: '' }
  }
  const key = type === 'refund' && phase === 'settle' ? 'enrichedRefund' : (type as keyof typeof SCHEMAS)
  const result = v.safeParse(SCHEMAS[key], raw)
  if (!result.success) {
    const issue = result.issues[0]
    const path = (issue.path ?? []).map((item) => String(item.key)).join('.')
    return { refused: MALFORMED[type]!, message: `The ${type} payload is malformed at ${path || 'its top level'}: ${issue.message}`, path }
  }
  if (key === 'deposit') {
    const { erc3009Authorization: erc3009, permit2Authorization: permit2 } = (result.output as DepositPayloadWire).deposit.authorization as Record<string, unknown>
    if ((erc3009 === undefined) === (permit2 === undefined)) {
      return { refused: REASONS.depositPayload, message: 'A deposit carries exactly one of erc3009Authorization and permit2Authorization.', path: 'deposit.authorization' }
    }
  }
  return { type: key, payload: result.output } as ParsedPayload
}

/** The config as the contract takes it (checksummed addresses). */
export function toChannelConfig(config: ChannelConfigWire): ChannelConfig {
  return {
    payer: getAddress(config.payer),
    payerAuthorizer: getAddress(config.payerAuthorizer),
    receiver: getAddress(config.receiver),
    receiverAuthorizer: getAddress(config.receiverAuthorizer),
    token: getAddress(config.token),
    withdrawDelay: config.withdrawDelay,
    salt: config.salt,
  }
}

/** Claim rows as the contract takes them. */
export function toVoucherClaims(rows: readonly VoucherClaimWire[]): VoucherClaim[] {
  return rows.map((row) => ({
    voucher: { channel: toChannelConfig(row.voucher.channel), maxClaimableAmount: BigInt(row.voucher.maxClaimableAmount) },
    signature: row.signature,
    totalClaimed: BigInt(row.totalClaimed),
  }))
}

export const sameAddress = (a: Address | string, b: Address | string) => a.toLowerCase() === b.toLowerCase()
