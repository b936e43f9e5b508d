// localFacilitator with Permit2 payments on a real anvil chain: our Permit2 and x402 proxies at their canonical
// addresses, TestUSDC for upto and TestToken (no EIP-3009) for exact over Permit2; balances and nonces read on chain.
import { type Address, type PrivateKeyAccount } from 'viem'
import { describe, expect, it } from 'vitest'
import type { PaymentRequirements } from '../codec/types.js'
import type { Facilitator, SettleRequest } from '../facilitator/types.js'
import { proofOf } from '../test-support/proof.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import { deployTestWallet, fundUsdc, usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import { ERC20_ABI, PERMIT2_ABI } from './permit2-abi.js'
import { MAX_UINT256 } from './permit2-approve.js'
import { PERMIT2_ADDRESS, X402_UPTO_PERMIT2_PROXY } from './permit2.js'
import { installPermit2 } from './permit2-chain.js'
import type { ExactPayerAccount } from './signer.js'
import { createPermit2Payment, type CreatePermit2PaymentOptions, type Permit2Payment } from './permit2-signer.js'

const MAX = 50_000n // $0.05
let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let usdc: Address
let plainToken: Address
let settlerAddress: Address
let facilitator: Facilitator

useUsdcChain({
  plainToken: 1_000_000n,
  permit2Approved: true,
  ready: (chain) => {
    ;({ anvil, owner, buyer, payTo, token: usdc, plainToken } = chain)
    facilitator = localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50 })
    settlerAddress = anvil.accounts[5]!.address
  },
})

const live = () => new AbortController().signal

function uptoOffer(overrides: Partial<PaymentRequirements> = {}): PaymentRequirements {
  return {
    scheme: 'upto',
    network: `eip155:${anvil.chainId}`,
    amount: MAX.toString(),
    asset: usdc,
    payTo,
    maxTimeoutSeconds: 300,
    extra: { name: 'USDC', version: '2', assetTransferMethod: 'permit2', facilitatorAddress: settlerAddress },
    ...overrides,
  }
}

function exactPermit2Offer(amount = 20_000n): PaymentRequirements {
  return { scheme: 'exact', network: `eip155:${anvil.chainId}`, amount: amount.toString(), asset: plainToken, payTo, maxTimeoutSeconds: 300, extra: { assetTransferMethod: 'permit2' } }
}

function pay(requirements: PaymentRequirements, options: Partial<CreatePermit2PaymentOptions> = {}): Promise<Permit2Payment> {
  return createPermit2Payment({ account: buyer, requirements, ...options })
}

/** What the engine hands the facilitator: at settle, an upto offer carries the amount to settle. */
function requestFor(payment: Permit2Payment, offer: PaymentRequirements, amount = offer.amount!): SettleRequest {
  return {
    x402Version: 2,
    token: payment.header,
    proof: proofOf(payment.header, 2),
    requirements: offer.scheme === 'upto' ? { ...offer, amount } : offer,
    paymentRequired: { x402Version: 2, resource: { url: 'http://localhost/generate' }, accepts: [offer] },
    amount,
    verification: { isValid: true },
  }
}

const balanceOf = (token: Address, holder: Address) => usdcBalance(owner, token, holder)
async function nonceUsed(nonce: string): Promise<boolean> {
  const n = BigInt(nonce)
  const word = await owner.readContract({ address: PERMIT2_ADDRESS, abi: PERMIT2_ABI, functionName: 'nonceBitmap', args: [buyer.address, n >> 8n] })
  return ((word >> (n & 255n)) & 1n) === 1n
}

describe('localFacilitator: upto', () => {
  it('lists upto with its settler as facilitatorAddress, and names it for offers', async () => {
    const kinds = await facilitator.supported!(live())
    expect(kinds).toContainEqual({ x402Version: 2, scheme: 'upto', network: `eip155:${anvil.chainId}`, extra: { facilitatorAddress: settlerAddress } })
    expect(facilitator.offerExtra?.({ scheme: 'upto', network: `eip155:${anvil.chainId}` })).toEqual({ facilitatorAddress: settlerAddress })
  })

  it('verifies the maximum, then settles the actual amount: balances move by it and the nonce is spent', async () => {
    const offer = uptoOffer()
    const payment = await pay(offer)
    expect(await facilitator.verify(requestFor(payment, offer), live())).toMatchObject({ isValid: true, payer: buyer.address })
    const before = [await balanceOf(usdc, buyer.address), await balanceOf(usdc, payTo)]
    expect(await nonceUsed(payment.authorization.nonce)).toBe(false)
    const result = await facilitator.settle(requestFor(payment, offer, '1234'), live())
    expect(result).toMatchObject({ success: true, amount: '1234', payer: buyer.address })
    expect(result.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect([await balanceOf(usdc, buyer.address), await balanceOf(usdc, payTo)]).toEqual([before[0]! - 1234n, before[1]! + 1234n])
    expect(await nonceUsed(payment.authorization.nonce)).toBe(true)
    // The same permit again: the nonce is spent, nothing moves.
    const again = await facilitator.settle(requestFor(payment, offer, '1'), live())
    expect(again).toMatchObject({ success: false, errorReason: 'permit2_invalid_nonce' })
    expect(await balanceOf(usdc, payTo)).toBe(before[1]! + 1234n)
  })

  it('settles 0 without a transaction, and the permit stays unspent', async () => {
    const offer = uptoOffer()
    const payment = await pay(offer)
    const before = await balanceOf(usdc, buyer.address)
    expect(await facilitator.settle(requestFor(payment, offer, '0'), live())).toEqual({
      success: true,
      transaction: '',
      network: offer.network,
      payer: buyer.address,
      amount: '0',
    })
    expect(await balanceOf(usdc, buyer.address)).toBe(before)
    expect(await nonceUsed(payment.authorization.nonce)).toBe(false)
  })

  it('refuses to settle above the maximum, and moves nothing', async () => {
    const offer = uptoOffer()
    const payment = await pay(offer)
    const before = await balanceOf(usdc, buyer.address)
    const result = await facilitator.settle(requestFor(payment, offer, (MAX + 1n).toString()), live())
    expect(result).toMatchObject({ success: false, errorReason: 'invalid_upto_evm_payload_settlement_exceeds_amount' })
    expect(await balanceOf(usdc, buyer.address)).toBe(before)
  })

  it.each([
    ['a witness naming another payee', { payTo: '0x00000000000000000000000000000000000000AA' as Address }, {}, 'invalid_permit2_recipient_mismatch'],
    ['a witness naming another facilitator', {}, { facilitator: '0x00000000000000000000000000000000000000BB' as Address }, 'upto_facilitator_mismatch'],
    ['an expired deadline', {}, { now: Math.floor(Date.now() / 1000) - 1000, validForSeconds: 300 }, 'permit2_deadline_expired'],
    ['a maximum below the offer\'s', { amount: '100' }, {}, 'permit2_amount_mismatch'],
    ['another token', { asset: '0x00000000000000000000000000000000000000CC' as Address }, {}, 'permit2_token_mismatch'],
  ] as const)('refuses %s at verify', async (_name, signedOverrides, options, reason) => {
    const offer = uptoOffer()
    const { facilitator: witnessFacilitator, ...signOptions } = options as { facilitator?: Address } & Partial<CreatePermit2PaymentOptions>
    const signedFor = uptoOffer({ ...signedOverrides, ...(witnessFacilitator ? { extra: { ...offer.extra, facilitatorAddress: witnessFacilitator } } : {}) })
    const payment = await pay(signedFor, signOptions)
    // The proof claims the real offer: what a tampering payer would send.
    const request = requestFor(payment, offer)
    expect(await facilitator.verify(request, live())).toMatchObject({ isValid: false, invalidReason: reason, payer: buyer.address })
  })

  it('refuses a signature by someone else than permit2Authorization.from', async () => {
    const offer = uptoOffer()
    const payment = await createPermit2Payment({ account: anvil.accounts[3]!, requirements: offer })
    const forged = { ...payment.payload, payload: { ...payment.payload.payload, permit2Authorization: { ...payment.authorization, from: buyer.address } } }
    const header = Buffer.from(JSON.stringify(forged)).toString('base64')
    const result = await facilitator.verify({ ...requestFor(payment, offer), token: header, proof: proofOf(header, 2) }, live())
    expect(result).toMatchObject({ isValid: false, invalidReason: 'invalid_permit2_signature' })
  })

  it('names the missing Permit2 approval', async () => {
    const stranger = anvil.accounts[4]!
    await fundUsdc(owner, usdc, stranger.address, 100_000n)
    const offer = uptoOffer()
    const payment = await createPermit2Payment({ account: stranger, requirements: offer })
    const result = await facilitator.verify(requestFor(payment, offer), live())
    expect(result).toMatchObject({ isValid: false, invalidReason: 'permit2_allowance_required', payer: stranger.address })
    expect(result.invalidMessage).toContain(`approved Permit2 (${PERMIT2_ADDRESS})`)
  })

  it('does not send a settlement whose caller already gave up', async () => {
    const offer = uptoOffer()
    const payment = await pay(offer)
    const controller = new AbortController()
    controller.abort(new Error('the engine gave up'))
    await expect(facilitator.settle(requestFor(payment, offer, '10'), controller.signal)).rejects.toThrow()
    expect(await nonceUsed(payment.authorization.nonce)).toBe(false)
  })

  it('sends two settlements at once one after the other: both land, each moving its own amount', async () => {
    const offer = uptoOffer()
    const [first, second] = await Promise.all([pay(offer), pay(offer)])
    const before = await balanceOf(usdc, payTo)
    const results = await Promise.all([facilitator.settle(requestFor(first, offer, '11'), live()), facilitator.settle(requestFor(second, offer, '22'), live())])
    expect(results.map((result) => [result.success, result.amount])).toEqual([
      [true, '11'],
      [true, '22'],
    ])
    expect(results[0]!.transaction).not.toBe(results[1]!.transaction)
    expect(await balanceOf(usdc, payTo)).toBe(before + 33n)
  })

  it('refuses when the proxy is not on the chain, and says which contract is missing', async () => {
    const offer = uptoOffer()
    const payment = await pay(offer)
    await owner.request({ method: 'anvil_setCode' as never, params: [X402_UPTO_PERMIT2_PROXY, '0x'] as never })
    try {
      const result = await facilitator.verify(requestFor(payment, offer), live())
      expect(result).toMatchObject({ isValid: false, invalidReason: 'permit2_proxy_not_deployed' })
      expect(result.invalidMessage).toContain(X402_UPTO_PERMIT2_PROXY)
    } finally {
      await installPermit2(owner)
    }
    expect(await facilitator.verify(requestFor(payment, offer), live())).toMatchObject({ isValid: true })
  })

  it('takes a smart-contract wallet (ERC-1271) that accepts its owner\'s signature, and refuses a stranger\'s', async () => {
    const walletOwner = anvil.accounts[8]!
    const wallet = await deployTestWallet(owner, walletOwner.address)
    await fundUsdc(owner, usdc, wallet, 100_000n)
    // The wallet approves Permit2 itself: here, as anvil lets us send from its address.
    await owner.request({ method: 'anvil_setBalance' as never, params: [wallet, '0xde0b6b3a7640000'] as never })
    await owner.request({ method: 'anvil_impersonateAccount' as never, params: [wallet] as never })
    const approval = await owner.writeContract({ account: wallet, address: usdc, abi: ERC20_ABI, functionName: 'approve', args: [PERMIT2_ADDRESS, MAX_UINT256], chain: owner.chain })
    await owner.waitForTransactionReceipt({ hash: approval })
    await owner.request({ method: 'anvil_stopImpersonatingAccount' as never, params: [wallet] as never })

    const offer = uptoOffer()
    const signedBy = (signer: PrivateKeyAccount): ExactPayerAccount => ({ address: wallet, signTypedData: (typedData) => signer.signTypedData(typedData) })
    const payment = await createPermit2Payment({ account: signedBy(walletOwner), requirements: offer })
    expect(await facilitator.verify(requestFor(payment, offer), live())).toMatchObject({ isValid: true, payer: wallet })
    expect(await facilitator.settle(requestFor(payment, offer, '500'), live())).toMatchObject({ success: true, amount: '500', payer: wallet })
    expect(await balanceOf(usdc, wallet)).toBe(100_000n - 500n)

    const forged = await createPermit2Payment({ account: signedBy(anvil.accounts[9]!), requirements: offer })
    const refused = await facilitator.verify(requestFor(forged, offer), live())
    expect(refused).toMatchObject({ isValid: false, invalidReason: 'invalid_permit2_signature' })
    expect(refused.invalidMessage).toContain(`smart-contract wallet ${wallet} does not accept the signature (ERC-1271)`)
  })

  it('answers a dead chain with a facilitator_error (502), not a refusal', async () => {
    const dead = localFacilitator({ rpcUrl: 'http://127.0.0.1:9', settler: anvil.privateKeys[5]! })
    const offer = uptoOffer()
    const payment = await pay(offer)
    await expect(dead.verify(requestFor(payment, offer), live())).rejects.toMatchObject({ code: 'facilitator_error', status: 502 })
  })
})

describe('localFacilitator: exact over Permit2 (a token without EIP-3009)', () => {
  it('settles exactly the signed amount of TestToken', async () => {
    const offer = exactPermit2Offer()
    const payment = await pay(offer)
    expect(await facilitator.verify(requestFor(payment, offer), live())).toMatchObject({ isValid: true })
    const before = [await balanceOf(plainToken, buyer.address), await balanceOf(plainToken, payTo)]
    const result = await facilitator.settle(requestFor(payment, offer), live())
    expect(result).toMatchObject({ success: true, amount: '20000' })
    expect([await balanceOf(plainToken, buyer.address), await balanceOf(plainToken, payTo)]).toEqual([before[0]! - 20_000n, before[1]! + 20_000n])
    expect(await nonceUsed(payment.authorization.nonce)).toBe(true)
  })

  it('refuses a lower amount (exact settles the signed amount or nothing)', async () => {
    const offer = exactPermit2Offer()
    const payment = await pay(offer)
    expect(await facilitator.settle(requestFor(payment, offer, '1'), live())).toMatchObject({ success: false, errorReason: 'partial_settlement_unsupported' })
  })

  it('refuses a permit signed for the upto proxy', async () => {
    const offer = exactPermit2Offer()
    const payment = await pay(uptoOffer({ asset: plainToken, amount: '20000' }))
    const header = Buffer.from(JSON.stringify({ ...payment.payload, accepted: offer })).toString('base64')
    const result = await facilitator.verify({ ...requestFor(payment, offer), token: header, proof: proofOf(header, 2) }, live())
    expect(result).toMatchObject({ isValid: false, invalidReason: 'invalid_permit2_spender' })
  })
})
