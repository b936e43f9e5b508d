// The seller's reading of a batch-settlement proof: the facilitator's reader (payload-parse.ts), v2 only, with the
// spec's reasons the seller answers in its 402.
import { describe, expect, it } from 'vitest'
import type { DecodedProof } from '../../codec/types.js'
import { readBatchPayload } from './payload.js'

const ADDRESS = '0x' + '11'.repeat(20)
const BYTES32 = '0x' + '22'.repeat(32)
const SIGNATURE = '0x' + '33'.repeat(65)
const config = { payer: ADDRESS, payerAuthorizer: ADDRESS, receiver: ADDRESS, receiverAuthorizer: ADDRESS, token: ADDRESS, withdrawDelay: 900, salt: BYTES32 }
const voucher = { channelId: BYTES32, maxClaimableAmount: '1000', signature: SIGNATURE }
const proofOf = (payload: unknown, x402Version: 1 | 2 = 2) => ({ x402Version, header: '', raw: '', payload: { payload } }) as unknown as DecodedProof
const refused = (name: string) => ({ ok: false, reason: `invalid_batch_settlement_evm_${name}` })

describe('readBatchPayload (the seller)', () => {
  it('returns the payload as the buyer sent it, fields it does not know kept', () => {
    const payload = { type: 'voucher', channelConfig: config, voucher, note: 'kept' }
    expect(readBatchPayload(proofOf(payload))).toEqual({ ok: true, payload })
  })

  it('refuses a v1 proof, an unknown type and a claim (the seller takes none) with payload_type', () => {
    expect(readBatchPayload(proofOf({ type: 'voucher', channelConfig: config, voucher }, 1))).toEqual(refused('payload_type'))
    expect(readBatchPayload(proofOf({ type: 'nope' }))).toEqual(refused('payload_type'))
    expect(readBatchPayload(proofOf({ type: 'claim', claims: [] }))).toEqual(refused('payload_type'))
  })

  it("answers a malformed payload with its type's reason, and a refund amount that is none with refund_amount_invalid", () => {
    expect(readBatchPayload(proofOf({ type: 'voucher', channelConfig: config, voucher: { ...voucher, signature: '0x' } }))).toEqual(refused('voucher_payload'))
    expect(readBatchPayload(proofOf({ type: 'refund', channelConfig: { ...config, salt: '0x12' }, voucher, amount: 'x' }))).toEqual(refused('refund_payload'))
    expect(readBatchPayload(proofOf({ type: 'refund', channelConfig: config, voucher, amount: '-5' }))).toEqual(refused('refund_amount_invalid'))
    expect(readBatchPayload(proofOf({ type: 'refund', channelConfig: config, voucher }))).toMatchObject({ ok: true })
    const zero = { type: 'deposit', channelConfig: config, voucher, deposit: { amount: '0', authorization: { erc3009Authorization: {} } } }
    expect(readBatchPayload(proofOf(zero))).toEqual(refused('deposit_payload'))
  })
})
