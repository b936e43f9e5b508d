// localFacilitator against a real anvil chain: real signatures, real TestUSDC, real balances.
import { createPublicClient, createTestClient, custom, http, zeroAddress, type Address, type Hex, type PrivateKeyAccount } from 'viem'
import { describe, expect, it } from 'vitest'
import type { PaymentRequirements, PaymentRequirementsV1 } from '../codec/types.js'
import { encodePaymentSignature } from '../codec/headers.js'
import { isTollgateError } from '../errors.js'
import type { Facilitator, SettleRequest } from '../facilitator/types.js'
import { anvilClient, freePort, usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import { TEST_USDC_ABI } from './test-usdc.artifact.js'
import { createExactPayment, type CreateExactPaymentOptions, type ExactPayment } from './signer.js'
import { requestFor as requestOf } from '../test-support/exact-chain.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'

// Base Sepolia's chain id, so that v1's network name `base-sepolia` means this chain.
const CHAIN_ID = 84532
const PRICE = 10_000n // $0.01 at 6 decimals

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address
let facilitator: Facilitator
let requirements: PaymentRequirements

useUsdcChain({
  chainId: CHAIN_ID,
  price: PRICE,
  ready: (chain) => {
    ;({ anvil, owner, buyer, payTo, token, requirements } = chain)
    facilitator = localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]! })
  },
})

const nowSeconds = () => Math.floor(Date.now() / 1000)

function pay(options: Partial<CreateExactPaymentOptions> = {}): Promise<ExactPayment> {
  return createExactPayment({ account: buyer, requirements, ...options })
}

/** What the engine would hand the facilitator for this payment (of `requirements` unless told otherwise). */
function requestFor(payment: ExactPayment, offer: PaymentRequirements = requirements, extra: Partial<SettleRequest> = {}): SettleRequest {
  return requestOf(payment, offer, extra)
}

async function balances(...holders: Address[]): Promise<bigint[]> {
  return Promise.all(holders.map((holder) => usdcBalance(owner, token, holder)))
}

const live = () => new AbortController().signal

async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('localFacilitator on anvil', () => {
  it('verifies a fresh payment and names the payer', async () => {
    const payment = await pay()
    expect(await facilitator.verify(requestFor(payment), live())).toEqual({ isValid: true, payer: buyer.address, network: `eip155:${CHAIN_ID}` })
  })

  it('settles exactly the price, once: the same authorization again is nonce_already_used', async () => {
    const payment = await pay()
    const [buyerBefore, payToBefore] = await balances(buyer.address, payTo)
    const settled = await facilitator.settle(requestFor(payment), live())
    expect(settled).toEqual({
      success: true,
      transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      network: `eip155:${CHAIN_ID}`,
      payer: buyer.address,
      amount: PRICE.toString(),
    })
    const receipt = await owner.getTransactionReceipt({ hash: settled.transaction as `0x${string}` })
    expect(receipt.status).toBe('success')
    expect(await balances(buyer.address, payTo)).toEqual([buyerBefore! - PRICE, payToBefore! + PRICE])

    const again = await facilitator.verify(requestFor(payment), live())
    expect(again).toMatchObject({ isValid: false, invalidReason: 'nonce_already_used', payer: buyer.address })
    const settledAgain = await facilitator.settle(requestFor(payment), live())
    expect(settledAgain).toMatchObject({ success: false, errorReason: 'nonce_already_used', transaction: '' })
    expect(await balances(buyer.address, payTo)).toEqual([buyerBefore! - PRICE, payToBefore! + PRICE])
  })

  describe('refuses, with the right reason and without moving money,', () => {
    const now = nowSeconds()
    const cases: Array<[string, string, () => Promise<SettleRequest>]> = [
      ['an expired authorization', 'invalid_exact_evm_payload_authorization_valid_before', async () => requestFor(await pay({ now: now - 1000 }))],
      ['an authorization not yet valid', 'invalid_exact_evm_payload_authorization_valid_after', async () => requestFor(await pay({ now: now + 1000 }))],
      ['a wrong amount', 'invalid_exact_evm_payload_authorization_value_mismatch', async () =>
        requestFor(await pay({ requirements: { ...requirements, amount: '9999' } }))],
      ['a wrong recipient', 'invalid_exact_evm_payload_recipient_mismatch', async () =>
        requestFor(await pay({ requirements: { ...requirements, payTo: anvil.accounts[3]!.address } }))],
      ['an offer on another chain', 'invalid_network', async () => {
        const elsewhere = { ...requirements, network: 'eip155:8453' }
        return requestFor(await pay({ requirements: elsewhere }), elsewhere)
      }],
      ['a proof for another network than the offer', 'invalid_network', async () => {
        const payment = await pay()
        if (payment.x402Version === 2) {
          payment.payload.accepted = { ...requirements, network: 'eip155:8453' }
          payment.header = encodePaymentSignature(payment.payload) // what such a client sends
        }
        return requestFor(payment)
      }],
      ['a signature by another key', 'invalid_exact_evm_payload_signature', async () =>
        requestFor(await pay({ account: { address: buyer.address, signTypedData: anvil.accounts[3]!.signTypedData } }))],
      ['a payer without the funds', 'insufficient_funds', async () => requestFor(await pay({ account: anvil.accounts[6]! }))],
      ['another scheme', 'invalid_scheme', async () => requestFor(await pay(), { ...requirements, scheme: 'upto' })],
      ['a transfer the token would revert (to the zero address)', 'invalid_transaction_state', async () => {
        const offer = { ...requirements, payTo: zeroAddress }
        return requestFor(await pay({ requirements: offer }), offer)
      }],
      ['an asset that is not a token contract', 'invalid_transaction_state', async () => {
        const offer = { ...requirements, asset: anvil.accounts[7]!.address }
        return requestFor(await pay({ requirements: offer }), offer)
      }],
    ]
    for (const [what, reason, makeRequest] of cases) {
      it(what, async () => {
        const request = await makeRequest()
        const before = await balances(buyer.address, payTo, anvil.accounts[6]!.address)
        const verdict = await facilitator.verify(request, live())
        expect(verdict).toMatchObject({ isValid: false, invalidReason: reason, invalidMessage: expect.any(String) })
        const settled = await facilitator.settle(request, live())
        expect(settled).toMatchObject({ success: false, errorReason: reason, transaction: '', network: request.requirements.network })
        expect(await balances(buyer.address, payTo, anvil.accounts[6]!.address)).toEqual(before)
      })
    }
  })

  it('will not settle less than the authorised value (exact has no partial settlement)', async () => {
    const payment = await pay()
    const before = await balances(buyer.address, payTo)
    const settled = await facilitator.settle(requestFor(payment, requirements, { amount: '5000' }), live())
    expect(settled).toMatchObject({ success: false, errorReason: 'partial_settlement_unsupported', payer: buyer.address })
    expect(await balances(buyer.address, payTo)).toEqual(before)
    // The authorization is untouched and still settles in full.
    expect(await facilitator.settle(requestFor(payment), live())).toMatchObject({ success: true })
  })

  it('verifies and settles a v1 X-PAYMENT proof (network base-sepolia)', async () => {
    const payment = await pay({ x402Version: 1 })
    expect(payment.payload).toMatchObject({ network: 'base-sepolia' })
    const requirementsV1: PaymentRequirementsV1 = {
      scheme: 'exact', network: 'base-sepolia', maxAmountRequired: PRICE.toString(), asset: token, payTo,
      resource: 'http://localhost/premium', description: '', mimeType: 'application/json', maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2' },
    }
    const request = requestFor(payment, requirements, { requirementsV1 })
    expect(await facilitator.verify(request, live())).toMatchObject({ isValid: true, payer: buyer.address })
    const [payToBefore] = await balances(payTo)
    expect(await facilitator.settle(request, live())).toMatchObject({ success: true, network: `eip155:${CHAIN_ID}` })
    expect(await balances(payTo)).toEqual([payToBefore! + PRICE])

    const wrongNetwork = await pay({ x402Version: 1, v1Network: 'base' })
    expect(await facilitator.verify(requestFor(wrongNetwork), live())).toMatchObject({ isValid: false, invalidReason: 'invalid_network' })
  })

  it('refuses a proof whose generation differs from the request', async () => {
    const request = requestFor(await pay())
    expect(await facilitator.verify({ ...request, x402Version: 1 }, live())).toMatchObject({ isValid: false, invalidReason: 'invalid_x402_version' })
  })

  it('settles two payments at once from one settler, and one of two racing settlements of the same payment', async () => {
    const [first, second] = [await pay(), await pay()]
    const [payToBefore] = await balances(payTo)
    const both = await Promise.all([facilitator.settle(requestFor(first), live()), facilitator.settle(requestFor(second), live())])
    expect(both.map((s) => s.success)).toEqual([true, true])
    expect(await balances(payTo)).toEqual([payToBefore! + 2n * PRICE])

    const third = await pay()
    const racing = await Promise.all([facilitator.settle(requestFor(third), live()), facilitator.settle(requestFor(third), live())])
    expect(racing.filter((s) => s.success)).toHaveLength(1)
    expect(racing.find((s) => !s.success)).toMatchObject({ errorReason: expect.stringMatching(/^(nonce_already_used|invalid_transaction_state)$/) })
    expect(await balances(payTo)).toEqual([payToBefore! + 3n * PRICE])
  })

  it('answers success:false when its transfer reverts on chain, and refuses a second settle while one is in flight', async () => {
    const chain = createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) })
    const quick = localFacilitator({ client: createPublicClient({ transport: http(anvil.rpcUrl), pollingInterval: 50 }), settler: anvil.accounts[5]! })
    const relayer = anvilClient(anvil, anvil.accounts[9]!)
    const payment = await pay()
    const signature = (payment.payload.payload as { signature: Hex }).signature
    const a = payment.authorization
    const [payToBefore] = await balances(payTo)
    await chain.setAutomine(false)
    try {
      const settling = quick.settle(requestFor(payment), live())
      await until(async () => (await owner.getBlockTransactionCount({ blockTag: 'pending' })) === 1)
      expect(await quick.settle(requestFor(payment), live())).toMatchObject({ success: false, errorReason: 'nonce_already_used' })
      // Someone else submits the same authorization with a higher tip, so theirs is mined first.
      await relayer.writeContract({
        address: token, abi: TEST_USDC_ABI, functionName: 'transferWithAuthorization',
        args: [a.from, a.to, BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce, signature],
        gas: 200_000n, maxFeePerGas: 200n * 10n ** 9n, maxPriorityFeePerGas: 100n * 10n ** 9n,
      })
      await chain.mine({ blocks: 1 })
      const settled = await settling
      expect(settled).toMatchObject({ success: false, errorReason: 'invalid_transaction_state', transaction: '', payer: buyer.address })
      const reverted = await owner.getTransactionReceipt({ hash: settled.revertedTransaction as Hex })
      expect(reverted.status).toBe('reverted')
    } finally {
      await chain.setAutomine(true)
    }
    expect(await balances(payTo)).toEqual([payToBefore! + PRICE])
  })

  it('takes a viem client and an Account instead of an RPC URL and a key', async () => {
    const client = createPublicClient({ transport: http(anvil.rpcUrl) })
    const viaClient = localFacilitator({ client, settler: anvil.accounts[8]! })
    expect(await viaClient.supported?.(live())).toEqual([
      { x402Version: 2, scheme: 'exact', network: `eip155:${CHAIN_ID}` },
      { x402Version: 2, scheme: 'upto', network: `eip155:${CHAIN_ID}`, extra: { facilitatorAddress: anvil.accounts[8]!.address } },
      { x402Version: 2, scheme: 'batch-settlement', network: `eip155:${CHAIN_ID}`, extra: { receiverAuthorizer: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/) } },
      { x402Version: 1, scheme: 'exact', network: 'base-sepolia' },
    ])
    expect(await viaClient.settle(requestFor(await pay()), live())).toMatchObject({ success: true, payer: buyer.address })
  })

  it('judges the time window by its own clock when given one', async () => {
    const payment = await pay()
    const later = localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, now: () => nowSeconds() + 3600 })
    expect(await later.verify(requestFor(payment), live())).toMatchObject({ invalidReason: 'invalid_exact_evm_payload_authorization_valid_before' })
  })

  it('stops when the signal is aborted, before any money moves', async () => {
    const payment = await pay()
    const controller = new AbortController()
    controller.abort(new Error('client went away'))
    const before = await balances(buyer.address)
    await expect(facilitator.verify(requestFor(payment), controller.signal)).rejects.toThrow('client went away')
    await expect(facilitator.settle(requestFor(payment), controller.signal)).rejects.toThrow('client went away')
    expect(await balances(buyer.address)).toEqual(before)
  })

  it('does not send a settlement whose caller gave up while it waited for its turn (no charge after a 504)', async () => {
    // A node that takes 1.5 s to accept each transaction. The second settlement starts once the first is being
    // sent, so it waits behind it for its turn, and its caller gives up meanwhile.
    const node = createPublicClient({ transport: http(anvil.rpcUrl) })
    let firstIsSending!: () => void
    const sending = new Promise<void>((resolve) => (firstIsSending = resolve))
    const slow = createPublicClient({
      pollingInterval: 50,
      transport: custom({
        async request({ method, params }) {
          if (method === 'eth_sendRawTransaction') {
            firstIsSending()
            await new Promise((resolve) => setTimeout(resolve, 1500))
          }
          return node.request({ method, params } as never)
        },
      }),
    })
    const queued = localFacilitator({ client: slow, settler: anvil.privateKeys[7]! })
    const [first, second] = [await pay(), await pay()]
    const [buyerBefore] = await balances(buyer.address)
    const gaveUp = new AbortController()
    const settlingFirst = queued.settle(requestFor(first), live())
    await sending
    const settlingSecond = queued.settle(requestFor(second), gaveUp.signal)
    setTimeout(() => gaveUp.abort(new Error('the engine gave up: 504')), 700)
    await expect(settlingSecond).rejects.toThrow('the engine gave up: 504')
    expect(await settlingFirst).toMatchObject({ success: true })
    // The second was never sent: its authorization is unused, and the buyer paid once.
    const secondUsed = await owner.readContract({ address: token, abi: TEST_USDC_ABI, functionName: 'authorizationState', args: [buyer.address, second.authorization.nonce] })
    expect(secondUsed).toBe(false)
    expect(await balances(buyer.address)).toEqual([buyerBefore! - PRICE])
  })

  it('rejects with facilitator_error when the chain does not answer', async () => {
    const deadPort = await freePort()
    const dead = localFacilitator({ rpcUrl: `http://127.0.0.1:${deadPort}`, settler: anvil.privateKeys[5]! })
    const error = await dead.verify(requestFor(await pay()), live()).catch((e: unknown) => e)
    expect(isTollgateError(error) && error.code).toBe('facilitator_error')
  })

  it('fails fast on bad options', () => {
    for (const bad of [{ settler: anvil.privateKeys[5]! }, { rpcUrl: anvil.rpcUrl, settler: '0x1234' as const }]) {
      let error: unknown
      try {
        localFacilitator(bad)
      } catch (e) {
        error = e
      }
      expect(isTollgateError(error) && error.code, JSON.stringify(bad)).toBe('invalid_options')
    }
  })
})
