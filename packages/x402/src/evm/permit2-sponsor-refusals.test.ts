// Gasless Permit2 refusals on anvil: a permit or a signed approval that is not what the payment needs is refused
// at verify and at settle with a reason that names it, nothing moves, and the settler funds nothing beyond its cap.
import { encodeFunctionData, parseAbi, type Address, type Hex, type PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeBase64Json } from '../codec/base64.js'
import type { PaymentRequirements } from '../codec/types.js'
import type { Facilitator, SettleRequest } from '../facilitator/types.js'
import { createPaywall, exact, type Paywall } from '../index.js'
import { eip2612GasSponsoring } from '../extensions/gas-sponsoring/index.js'
import { proofOf } from '../test-support/proof.js'
import { deployTestToken, fundUsdc, startUsdcChain, usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import { MAX_UINT256 } from './permit2-approve.js'
import { PERMIT2_ADDRESS } from './permit2.js'
import { createPermit2Payment } from './permit2-signer.js'
import { SPONSOR_REASONS as R } from './permit2-sponsor.js'

const AMOUNT = 20_000n
const TOKEN_ABI = parseAbi(['function approve(address spender, uint256 value) returns (bool)', 'function transfer(address to, uint256 value) returns (bool)'])
const PERMIT_TYPES = {
  Permit: [
    { name: 'owner', type: 'address' },
    { name: 'spender', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const

let anvil: AnvilInstance
let owner: AnvilClient
let payTo: Address
let usdc: Address
let plainToken: Address
let settler: Address
let sponsoring: Facilitator
let notSponsoring: Facilitator

beforeAll(async () => {
  ;({ anvil, owner, payTo, token: usdc } = await startUsdcChain({ permit: true }))
  plainToken = await deployTestToken(owner)
  settler = anvil.accounts[5]!.address
  const base = { rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50 }
  sponsoring = localFacilitator({ ...base, approvalSponsoring: { maxFundingWei: 10n ** 14n, maxGas: 90_000n } })
  notSponsoring = localFacilitator(base)
}, 30_000)

afterAll(async () => {
  await anvil?.stop()
})

const live = () => new AbortController().signal
const offer = (asset: Address): PaymentRequirements => ({
  scheme: 'exact',
  network: `eip155:${anvil.chainId}`,
  amount: AMOUNT.toString(),
  asset,
  payTo,
  maxTimeoutSeconds: 300,
  extra: { assetTransferMethod: 'permit2', ...(asset === usdc ? { name: 'USDC', version: '2' } : {}) },
})

async function brokeBuyer(token: Address): Promise<PrivateKeyAccount> {
  const buyer = privateKeyToAccount(generatePrivateKey())
  await fundUsdc(owner, token, buyer.address, 100_000n)
  return buyer
}

/** A Permit2 payment from `buyer` carrying `extensions`, as the engine hands it to the facilitator. */
async function request(buyer: PrivateKeyAccount, requirements: PaymentRequirements, extensions: Record<string, unknown>): Promise<SettleRequest> {
  const payment = await createPermit2Payment({ account: buyer, requirements })
  const token = encodeBase64Json({ ...payment.payload, extensions })
  const paymentRequired = { x402Version: 2 as const, resource: { url: 'http://localhost/x' }, accepts: [requirements] }
  return { x402Version: 2, token, proof: proofOf(token, 2), requirements, paymentRequired, amount: requirements.amount!, verification: { isValid: true } }
}

interface PermitFields {
  spender?: Address
  value?: bigint
  nonce?: bigint
  deadline?: bigint
  signer?: PrivateKeyAccount
  info?: Record<string, string>
}

async function permitInfo(buyer: PrivateKeyAccount, fields: PermitFields = {}) {
  const deadline = fields.deadline ?? BigInt(Math.floor(Date.now() / 1000) + 300)
  const message = { owner: buyer.address, spender: fields.spender ?? PERMIT2_ADDRESS, value: fields.value ?? AMOUNT, nonce: fields.nonce ?? 0n, deadline }
  const domain = { name: 'USDC', version: '2', chainId: anvil.chainId, verifyingContract: usdc }
  const signature = await (fields.signer ?? buyer).signTypedData({ domain, types: PERMIT_TYPES, primaryType: 'Permit', message })
  const info = { from: buyer.address, asset: usdc, spender: message.spender, amount: message.value.toString(), nonce: message.nonce.toString(), deadline: deadline.toString(), signature, version: '1', ...fields.info }
  return { eip2612GasSponsoring: { info } }
}

interface ApprovalFields {
  to?: Address
  data?: Hex
  gas?: bigint
  maxFeePerGas?: bigint
  nonce?: number
  signer?: PrivateKeyAccount
}

async function approvalInfo(buyer: PrivateKeyAccount, fields: ApprovalFields = {}) {
  const data = fields.data ?? encodeFunctionData({ abi: TOKEN_ABI, functionName: 'approve', args: [PERMIT2_ADDRESS, MAX_UINT256] })
  const signedTransaction = await (fields.signer ?? buyer).signTransaction({
    type: 'eip1559',
    chainId: anvil.chainId,
    nonce: fields.nonce ?? 0,
    to: fields.to ?? plainToken,
    data,
    gas: fields.gas ?? 70_000n,
    maxFeePerGas: fields.maxFeePerGas ?? 2_000_000_000n,
    maxPriorityFeePerGas: 1_000_000n,
  })
  return { erc20ApprovalGasSponsoring: { info: { from: buyer.address, asset: plainToken, spender: PERMIT2_ADDRESS, amount: MAX_UINT256.toString(), signedTransaction, version: '1' } } }
}

/** Refused at verify and at settle with `reason`; nothing moved, and the settler sent nothing. */
async function expectRefused(facilitator: Facilitator, buyer: PrivateKeyAccount, settle: SettleRequest, reason: string, message?: RegExp) {
  const token = settle.requirements.asset as Address
  const settlerBefore = await owner.getBalance({ address: settler })
  const verdict = await facilitator.verify(settle, live())
  expect(verdict).toMatchObject({ isValid: false, invalidReason: reason, payer: buyer.address })
  if (message) expect(verdict.invalidMessage).toMatch(message)
  expect(await facilitator.settle(settle, live())).toMatchObject({ success: false, errorReason: reason })
  expect(await usdcBalance(owner, token, buyer.address)).toBe(100_000n)
  expect(await owner.getBalance({ address: settler })).toBe(settlerBefore)
  expect(await owner.getBalance({ address: buyer.address })).toBe(0n)
}

describe('EIP-2612 permits that are refused', () => {
  it('a permit for another spender than Permit2', async () => {
    const buyer = await brokeBuyer(usdc)
    await expectRefused(sponsoring, buyer, await request(buyer, offer(usdc), await permitInfo(buyer, { spender: payTo })), R.permitSpender, /only Permit2/)
  })

  it('a permit for another token than the offer', async () => {
    const buyer = await brokeBuyer(usdc)
    await expectRefused(sponsoring, buyer, await request(buyer, offer(usdc), await permitInfo(buyer, { info: { asset: plainToken } })), R.permitAsset)
  })

  it('an expired permit', async () => {
    const buyer = await brokeBuyer(usdc)
    const past = BigInt(Math.floor(Date.now() / 1000) - 60)
    await expectRefused(sponsoring, buyer, await request(buyer, offer(usdc), await permitInfo(buyer, { deadline: past })), R.permitDeadline, /expired/)
  })

  it('a permit signed by another key', async () => {
    const buyer = await brokeBuyer(usdc)
    const stranger = privateKeyToAccount(generatePrivateKey())
    await expectRefused(sponsoring, buyer, await request(buyer, offer(usdc), await permitInfo(buyer, { signer: stranger })), R.permitRefused, /invalid signature/)
  })

  it('a permit signed with a stale nonce', async () => {
    const buyer = await brokeBuyer(usdc)
    await expectRefused(sponsoring, buyer, await request(buyer, offer(usdc), await permitInfo(buyer, { nonce: 3n })), R.permitNonce, /nonce 3/)
  })

  it('a permit for less than the permitted amount', async () => {
    const buyer = await brokeBuyer(usdc)
    await expectRefused(sponsoring, buyer, await request(buyer, offer(usdc), await permitInfo(buyer, { value: AMOUNT - 1n })), R.permitAmount)
  })

  it('a malformed permit info', async () => {
    const buyer = await brokeBuyer(usdc)
    await expectRefused(sponsoring, buyer, await request(buyer, offer(usdc), await permitInfo(buyer, { info: { nonce: '-1' } })), R.permitFormat, /info\.nonce/)
  })
})

describe('signed approvals that are refused', () => {
  it('a transaction that transfers instead of approving', async () => {
    const buyer = await brokeBuyer(plainToken)
    const data = encodeFunctionData({ abi: TOKEN_ABI, functionName: 'transfer', args: [payTo, 100_000n] })
    await expectRefused(sponsoring, buyer, await request(buyer, offer(plainToken), await approvalInfo(buyer, { data })), R.approvalCalldata)
  })

  it('an approve of another spender', async () => {
    const buyer = await brokeBuyer(plainToken)
    const data = encodeFunctionData({ abi: TOKEN_ABI, functionName: 'approve', args: [payTo, MAX_UINT256] })
    await expectRefused(sponsoring, buyer, await request(buyer, offer(plainToken), await approvalInfo(buyer, { data })), R.approvalSpender)
  })

  it('a transaction to another contract', async () => {
    const buyer = await brokeBuyer(plainToken)
    await expectRefused(sponsoring, buyer, await request(buyer, offer(plainToken), await approvalInfo(buyer, { to: usdc })), R.approvalTarget)
  })

  it('a transaction signed by another key', async () => {
    const buyer = await brokeBuyer(plainToken)
    const stranger = privateKeyToAccount(generatePrivateKey())
    await expectRefused(sponsoring, buyer, await request(buyer, offer(plainToken), await approvalInfo(buyer, { signer: stranger })), R.approvalSigner)
  })

  it('a transaction at a nonce the payer is not at', async () => {
    const buyer = await brokeBuyer(plainToken)
    await expectRefused(sponsoring, buyer, await request(buyer, offer(plainToken), await approvalInfo(buyer, { nonce: 7 })), R.approvalTerms, /nonce 7/)
  })

  it('a transaction asking for more gas, or more gas money, than the settler gives', async () => {
    const buyer = await brokeBuyer(plainToken)
    await expectRefused(sponsoring, buyer, await request(buyer, offer(plainToken), await approvalInfo(buyer, { gas: 95_000n })), R.approvalTerms, /cap of 90000/)
    // 70,000 gas at 10 gwei is 7 * 10^14 wei, above the cap of 10^14.
    await expectRefused(sponsoring, buyer, await request(buyer, offer(plainToken), await approvalInfo(buyer, { maxFeePerGas: 10_000_000_000n })), R.approvalTerms, /cap of 100000000000000/)
  })

  it('any signed approval, by a facilitator that does not fund approvals', async () => {
    const buyer = await brokeBuyer(plainToken)
    await expectRefused(notSponsoring, buyer, await request(buyer, offer(plainToken), await approvalInfo(buyer)), R.approvalNotSponsored)
  })
})

describe('through the paywall', () => {
  let paywall: Paywall

  afterAll(async () => {
    await paywall?.close()
  })

  it('a malformed sponsoring info is a 400 invalid_extension, and a refused permit a 402 naming it; nothing charged', async () => {
    const requirements = offer(usdc)
    paywall = createPaywall({ facilitator: sponsoring, routes: { 'GET /x': { accepts: exact({ amount: AMOUNT.toString(), network: requirements.network, payTo, asset: { address: usdc, name: 'USDC', version: '2', decimals: 6 }, assetTransferMethod: 'permit2' }), extensions: [eip2612GasSponsoring()] } } })
    const app = paywall.protect(() => Response.json({ ok: true }))
    const challenge = JSON.parse(atob((await app(new Request('http://localhost/x'))).headers.get('PAYMENT-REQUIRED')!))
    const buyer = await brokeBuyer(usdc)
    const send = async (extensions: Record<string, unknown>) => {
      const payment = await createPermit2Payment({ account: buyer, requirements: challenge.accepts[0], resource: challenge.resource })
      return app(new Request('http://localhost/x', { headers: { 'PAYMENT-SIGNATURE': encodeBase64Json({ ...payment.payload, extensions }) } }))
    }
    const malformed = await send({ eip2612GasSponsoring: { info: { from: buyer.address } } })
    expect(malformed.status).toBe(400)
    expect(await malformed.text()).toContain('invalid_extension')
    const expired = await send(await permitInfo(buyer, { deadline: 1n }))
    expect(expired.status).toBe(402)
    expect(JSON.parse(atob(expired.headers.get('PAYMENT-REQUIRED')!)).error).toContain(R.permitDeadline)
    expect(await usdcBalance(owner, usdc, buyer.address)).toBe(100_000n)
  })
})
