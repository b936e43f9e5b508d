// The paying MCP client with batchPayer (@tollgate/x402/evm), against a scripted batch-settlement tool: the first call
// deposits, the next signs a cumulative voucher, and a corrective payment-required result carrying our own last
// voucher is checked and paid once more, as over HTTP.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { batchPayer } from '@tollgate/x402/evm'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { withPayments } from './buyer.js'
import { PAYMENT_META_KEY, PAYMENT_RESPONSE_META_KEY, paymentRequiredResult } from './wire.js'

const buyer = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const CHAIN_ID = 84532
const accepted = (extra: Record<string, unknown> = {}) => ({
  scheme: 'batch-settlement',
  network: `eip155:${CHAIN_ID}`,
  amount: '1000',
  asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
  payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  maxTimeoutSeconds: 300,
  extra: { receiverAuthorizer: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', withdrawDelay: 900, name: 'USDC', version: '2', minDeposit: '10000', ...extra },
})
/** The part of a batch-settlement payload this test reads. */
interface BatchPayloadWire {
  type: string
  voucher: { channelId: `0x${string}`; maxClaimableAmount: string }
}
/** The chain: the channel holds what was deposited (nothing until the first deposit went through). */
let deposited = 0n
const chain = { readContract: (async ({ functionName }: { functionName: string }) => (functionName === 'channels' ? [deposited, 0n] : functionName === 'pendingWithdrawals' ? [0n, 0] : 0n)) as never }
const required = (extra?: Record<string, unknown>, error = 'Payment required') => paymentRequiredResult({ x402Version: 2, error, resource: { url: 'mcp://tool/weather' }, accepts: [accepted(extra)] })
const delivered = (chargedAmount: string) => ({ content: [{ type: 'text', text: 'sunny' }], _meta: { [PAYMENT_RESPONSE_META_KEY]: { success: true, transaction: '', network: `eip155:${CHAIN_ID}`, extra: { chargedAmount } } } })

/** An MCP client whose tools/call answers from a script: payment required without a payment, else the next answer. */
function scriptedClient(answers: Array<(payload: BatchPayloadWire) => unknown>) {
  const payloads: BatchPayloadWire[] = []
  const client = {
    request: async ({ params }: { params: { _meta?: Record<string, unknown> } }) => {
      const payment = params._meta?.[PAYMENT_META_KEY] as { payload: BatchPayloadWire } | undefined
      if (payment === undefined) return required()
      payloads.push(payment.payload)
      if (payment.payload.type === 'deposit') deposited += BigInt((payment.payload as unknown as { deposit: { amount: string } }).deposit.amount)
      return (answers.shift() ?? (() => delivered('1000')))(payment.payload)
    },
  } as unknown as Client
  return { client, payloads }
}

describe('withPayments + batchPayer', () => {
  it('deposits on the first call, signs cumulative vouchers after, and adopts a corrective result it can check', async () => {
    // The seller says it charged 6000, with our own voucher for 6000 (signed here as if by an earlier run of ours).
    const corrective = async ({ voucher: { channelId } }: BatchPayloadWire) => {
      const signature = await buyer.signTypedData({
        domain: { name: 'x402 Batch Settlement', version: '1', chainId: CHAIN_ID, verifyingContract: '0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003' },
        types: { Voucher: [{ name: 'channelId', type: 'bytes32' }, { name: 'maxClaimableAmount', type: 'uint128' }] },
        primaryType: 'Voucher',
        message: { channelId, maxClaimableAmount: 6000n },
      })
      const channelState = { channelId, balance: '10000', totalClaimed: '0', withdrawRequestedAt: 0, refundNonce: '0', chargedCumulativeAmount: '6000' }
      return required({ channelState, voucherState: { signedMaxClaimable: '6000', signature } }, 'invalid_batch_settlement_evm_cumulative_amount_mismatch')
    }
    const { client, payloads } = scriptedClient([() => delivered('1000'), () => delivered('1000'), corrective])
    const paying = withPayments(client, { payers: [batchPayer({ account: buyer, client: chain })] })
    for (let i = 0; i < 3; i += 1) expect((await paying.callTool({ name: 'weather', arguments: {} })).content).toEqual([{ type: 'text', text: 'sunny' }])
    expect(payloads.map((p) => [p.type, p.voucher.maxClaimableAmount])).toEqual([
      ['deposit', '1000'],
      ['voucher', '2000'],
      ['voucher', '3000'],
      ['voucher', '7000'],
    ])
  })
})
