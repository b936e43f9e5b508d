// The reference @x402/evm 2.27 against our contracts at the canonical addresses: its client's channel id, ERC-3009
// deposit and cumulative vouchers are taken by our x402BatchSettlement, and its facilitator (reading channels
// through our Multicall3) verifies and settles a deposit, a claim, a settle and a refund on it.
import { computeChannelId, createBatchSettlementEIP3009DepositPayload, signVoucher } from '@x402/evm/batch-settlement/client'
import { BatchSettlementEvmScheme as ReferenceBatchFacilitator } from '@x402/evm/batch-settlement/facilitator'
import { getAddress, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { anvilClient, type AnvilClient, type AnvilInstance } from '../anvil.js'
import { eventsOf, randomSalt, send, tokenBalance } from '../../test-support/batch-channel.js'
import { referenceFacilitator } from '../../test-support/reference-facilitator.js'
import { useUsdcChain } from '../../test-support/usdc-chain.js'
import {
  BATCH_SETTLEMENT_ABI,
  BATCH_SETTLEMENT_ADDRESS,
  channelIdOf,
  ERC3009_DEPOSIT_COLLECTOR_ADDRESS,
  erc3009CollectorData,
  readChannel,
  verifyVoucherSignature,
  type ChannelConfig,
} from './index.js'

let anvil: AnvilInstance
let owner: AnvilClient
let token: Address
let relayer: AnvilClient
let receiverClient: AnvilClient

useUsdcChain({
  fund: 1_000_000n,
  ready: (chain) => {
    ;({ anvil, owner, token } = chain)
    relayer = anvilClient(anvil, anvil.accounts[5]!)
    receiverClient = anvilClient(anvil, anvil.accounts[2]!)
  },
})

describe('the reference batch-settlement client against our contract', () => {
  it('its channel id, ERC-3009 deposit and vouchers are accepted as ours are', async () => {
    const network = `eip155:${anvil.chainId}` as const
    const payer = anvil.accounts[1]!
    const voucherSigner = privateKeyToAccount(anvil.privateKeys[4]!)
    const receiver = anvil.accounts[2]!.address
    const config: ChannelConfig = {
      payer: payer.address,
      payerAuthorizer: voucherSigner.address,
      receiver,
      receiverAuthorizer: anvil.accounts[3]!.address,
      token: getAddress(token),
      withdrawDelay: 900,
      salt: randomSalt(),
    }
    const channelId = computeChannelId(config, network) as Hex
    expect(channelId).toBe(channelIdOf(config, anvil.chainId))
    expect(await owner.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: BATCH_SETTLEMENT_ABI, functionName: 'getChannelId', args: [config] })).toBe(channelId)

    const requirements = { scheme: 'batch-settlement', network, amount: '1000', asset: token, payTo: receiver, maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2', receiverAuthorizer: config.receiverAuthorizer, withdrawDelay: 900 } }
    const { payload } = await createBatchSettlementEIP3009DepositPayload(payer, 2, requirements as never, config, '50000', '1000', voucherSigner)
    const deposit = (payload as unknown as { deposit: { amount: string; authorization: { erc3009Authorization: { validAfter: string; validBefore: string; salt: string; signature: Hex } } } }).deposit
    const auth = deposit.authorization.erc3009Authorization
    const payerBefore = await tokenBalance(owner, token, payer.address)
    const data = erc3009CollectorData({ validAfter: BigInt(auth.validAfter), validBefore: BigInt(auth.validBefore), salt: BigInt(auth.salt) }, auth.signature)
    const receipt = await send(relayer, 'deposit', [config, BigInt(deposit.amount), ERC3009_DEPOSIT_COLLECTOR_ADDRESS, data])
    expect(eventsOf(receipt, 'ChannelCreated')).toHaveLength(1)
    expect(await tokenBalance(owner, token, payer.address)).toBe(payerBefore - 50_000n)

    // Its first voucher (in the deposit payload) and a later cumulative one pass our verifier and our claim.
    const firstVoucher = (payload as unknown as { voucher: { maxClaimableAmount: string; signature: Hex } }).voucher
    const later = await signVoucher(voucherSigner, channelId, '3000', network)
    for (const voucher of [firstVoucher, later]) {
      expect(await verifyVoucherSignature({ channelId, maxClaimableAmount: BigInt(voucher.maxClaimableAmount), signature: voucher.signature as Hex, signer: voucherSigner.address, chainId: anvil.chainId })).toBe(true)
      const amount = BigInt(voucher.maxClaimableAmount)
      await send(receiverClient, 'claim', [[{ voucher: { channel: config, maxClaimableAmount: amount }, signature: voucher.signature, totalClaimed: amount }]])
    }
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: 50_000n, totalClaimed: 3_000n })
    const receiverBefore = await tokenBalance(owner, token, receiver)
    await send(relayer, 'settle', [receiver, token])
    expect(await tokenBalance(owner, token, receiver)).toBe(receiverBefore + 3_000n)
  })

  it('its facilitator verifies and settles a deposit, then claims, settles and refunds, on our contract', async () => {
    const network = `eip155:${anvil.chainId}` as const
    const payer = anvil.accounts[1]!
    const receiver = anvil.accounts[2]!.address
    const authorizer = privateKeyToAccount(anvil.privateKeys[3]!)
    const { facilitator } = referenceFacilitator(anvil, anvil.accounts[5]!, network, (signer) => new ReferenceBatchFacilitator(signer, authorizer) as never)
    const config: ChannelConfig = { payer: payer.address, payerAuthorizer: payer.address, receiver, receiverAuthorizer: authorizer.address, token: getAddress(token), withdrawDelay: 900, salt: randomSalt() }
    const channelId = channelIdOf(config, anvil.chainId)
    const requirements = { scheme: 'batch-settlement', network, amount: '1000', asset: getAddress(token), payTo: receiver, maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2', receiverAuthorizer: authorizer.address, withdrawDelay: 900 } }
    const { payload } = await createBatchSettlementEIP3009DepositPayload(payer, 2, requirements as never, config, '20000', '1000', payer)
    const paymentPayload = { x402Version: 2, accepted: requirements, payload } as never
    const verified = await facilitator.verify(paymentPayload, requirements as never)
    expect(verified).toMatchObject({ isValid: true })
    const deposited = await facilitator.settle(paymentPayload, requirements as never)
    expect(deposited).toMatchObject({ success: true })
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: 20_000n, totalClaimed: 0n })

    const voucher = await signVoucher(payer, channelId, '1000', network)
    const claim = { type: 'claim', claims: [{ voucher: { channel: config, maxClaimableAmount: '1000' }, signature: voucher.signature, totalClaimed: '1000' }] }
    const claimed = await facilitator.settle({ x402Version: 2, accepted: requirements, payload: claim } as never, requirements as never)
    expect(claimed).toMatchObject({ success: true })
    expect((await readChannel(owner, channelId)).totalClaimed).toBe(1_000n)
    const receiverBefore = await tokenBalance(owner, token, receiver)
    const settled = await facilitator.settle({ x402Version: 2, accepted: requirements, payload: { type: 'settle', receiver, token: getAddress(token) } } as never, requirements as never)
    expect(settled).toMatchObject({ success: true })
    expect(await tokenBalance(owner, token, receiver)).toBe(receiverBefore + 1_000n)

    // The payer asks for its money back after 2,500 was charged: the facilitator signs as receiver authorizer and
    // sends claimWithSignature (the zero-charge voucher) and refundWithSignature in one multicall.
    const zeroCharge = await signVoucher(payer, channelId, '2500', network)
    const refund = {
      type: 'refund',
      channelConfig: config,
      voucher: { channelId, maxClaimableAmount: '2500', signature: zeroCharge.signature },
      amount: '17500',
      refundNonce: '0',
      claims: [{ voucher: { channel: config, maxClaimableAmount: '2500' }, signature: zeroCharge.signature, totalClaimed: '2500' }],
    }
    const payerBefore = await tokenBalance(owner, token, payer.address)
    const refunded = await facilitator.settle({ x402Version: 2, accepted: requirements, payload: refund } as never, requirements as never)
    expect(refunded).toMatchObject({ success: true })
    expect(await tokenBalance(owner, token, payer.address)).toBe(payerBefore + 17_500n)
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: 2_500n, totalClaimed: 2_500n, refundNonce: 1n })
  }, 30_000)
})
