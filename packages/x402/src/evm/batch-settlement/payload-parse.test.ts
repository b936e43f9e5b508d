// The one reader of the batch-settlement wire (the facilitator's and the seller's): its limits, where the two
// readers it replaced differed, are the stricter ones.
import { describe, expect, it } from 'vitest'
import { parseBatchPayload } from './payload-parse.js'

const ADDRESS = '0x' + '11'.repeat(20)
const BYTES32 = '0x' + '22'.repeat(32)
const SIGNATURE = '0x' + '33'.repeat(65)
const config = { payer: ADDRESS, payerAuthorizer: ADDRESS, receiver: ADDRESS, receiverAuthorizer: ADDRESS, token: ADDRESS, withdrawDelay: 900, salt: BYTES32 }
const voucher = { channelId: BYTES32, maxClaimableAmount: '1000', signature: SIGNATURE }
const erc3009Authorization = { validAfter: '0', validBefore: '9999999999', salt: BYTES32, signature: SIGNATURE }
const reason = (name: string) => `invalid_batch_settlement_evm_${name}`
const UINT128_MAX = ((1n << 128n) - 1n).toString() // 39 digits

describe('parseBatchPayload', () => {
  it('reads a voucher, a deposit and a refund a buyer sends', () => {
    expect(parseBatchPayload({ type: 'voucher', channelConfig: config, voucher }, 'verify')).toMatchObject({ type: 'voucher' })
    const deposit = { type: 'deposit', channelConfig: config, voucher, deposit: { amount: '5000', authorization: { erc3009Authorization } } }
    expect(parseBatchPayload(deposit, 'verify')).toMatchObject({ type: 'deposit' })
    expect(parseBatchPayload({ type: 'refund', channelConfig: config, voucher, amount: '10' }, 'verify')).toMatchObject({ type: 'refund' })
    expect(parseBatchPayload({ type: 'voucher', channelConfig: config, voucher: { ...voucher, maxClaimableAmount: UINT128_MAX } }, 'verify')).toMatchObject({ type: 'voucher' })
  })

  it('refuses an amount longer than a uint128 can be, in a voucher, a deposit, a refund or a claim row', () => {
    const long = '1' + '0'.repeat(39) // 40 digits
    expect(parseBatchPayload({ type: 'voucher', channelConfig: config, voucher: { ...voucher, maxClaimableAmount: long } }, 'verify')).toMatchObject({ refused: reason('voucher_payload'), path: 'voucher.maxClaimableAmount' })
    const deposit = { type: 'deposit', channelConfig: config, voucher, deposit: { amount: long, authorization: { erc3009Authorization } } }
    expect(parseBatchPayload(deposit, 'settle')).toMatchObject({ refused: reason('deposit_payload'), path: 'deposit.amount' })
    expect(parseBatchPayload({ type: 'refund', channelConfig: config, voucher, amount: long }, 'verify')).toMatchObject({ refused: reason('refund_payload'), path: 'amount' })
    const row = { voucher: { channel: config, maxClaimableAmount: '1000' }, signature: SIGNATURE, totalClaimed: long }
    expect(parseBatchPayload({ type: 'claim', claims: [row] }, 'settle')).toMatchObject({ refused: reason('claim_payload') })
  })

  it('still takes a uint256 where the contract has one (a deposit authorization validBefore)', () => {
    const validBefore = ((1n << 256n) - 1n).toString()
    const deposit = { type: 'deposit', channelConfig: config, voucher, deposit: { amount: '5000', authorization: { erc3009Authorization: { ...erc3009Authorization, validBefore } } } }
    expect(parseBatchPayload(deposit, 'verify')).toMatchObject({ type: 'deposit' })
  })

  it('refuses a deposit of nothing, an empty signature and a withdraw delay out of range', () => {
    const deposit = { type: 'deposit', channelConfig: config, voucher, deposit: { amount: '0', authorization: { erc3009Authorization } } }
    expect(parseBatchPayload(deposit, 'verify')).toMatchObject({ refused: reason('deposit_payload'), path: 'deposit.amount' })
    expect(parseBatchPayload({ type: 'voucher', channelConfig: config, voucher: { ...voucher, signature: '0x' } }, 'verify')).toMatchObject({ refused: reason('voucher_payload'), path: 'voucher.signature' })
    expect(parseBatchPayload({ type: 'voucher', channelConfig: { ...config, withdrawDelay: -1 }, voucher }, 'verify')).toMatchObject({ refused: reason('voucher_payload') })
    expect(parseBatchPayload({ type: 'voucher', channelConfig: { ...config, withdrawDelay: 2 ** 40 }, voucher }, 'verify')).toMatchObject({ refused: reason('voucher_payload') })
  })

  it('refuses a deposit whose authorization is not exactly one of the two kinds, or is malformed', () => {
    const depositWith = (authorization: unknown) => ({ type: 'deposit', channelConfig: config, voucher, deposit: { amount: '5000', authorization } })
    expect(parseBatchPayload(depositWith({}), 'verify')).toMatchObject({ refused: reason('deposit_payload') })
    expect(parseBatchPayload(depositWith({ erc3009Authorization: { validAfter: '0' } }), 'verify')).toMatchObject({ refused: reason('deposit_payload') })
  })
})
