import { readVector } from '../test-support/vectors.js'
import { describe, it, expect } from 'vitest'
import { createTestFacilitator, type TestFacilitator, type TestFault } from './facilitator.js'
import { decodeBase64Json, encodeBase64Json } from '../codec/base64.js'
import type { PaymentPayload, PaymentPayloadV1, PaymentRequirements, X402Version } from '../codec/types.js'
import type { SettleRequest, VerifyRequest, VerifyResult } from '../facilitator/types.js'
import { isTollgateError } from '../errors.js'
import { proofOf } from '../test-support/proof.js'

const vector = readVector

const v2 = vector('x402-v2.json')
const nvm = vector('nevermined.json')
const exactOffer: PaymentRequirements = v2.paymentRequired.accepts[0]
const planOffer: PaymentRequirements = nvm.paymentRequired.accepts[0]
const USDC = exactOffer.asset as string
const PLAN = planOffer.planId as string
const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

function verifyRequest(token: string, requirements: PaymentRequirements, amount: string, x402Version: X402Version = 2): VerifyRequest {
  const proof = proofOf(token, x402Version)
  return {
    x402Version,
    token,
    proof,
    requirements,
    paymentRequired: { x402Version: 2, resource: { url: 'https://api.example.com/premium' }, accepts: [requirements] },
    amount,
  }
}

function settleRequest(request: VerifyRequest, verification: VerifyResult): SettleRequest {
  return { ...request, verification }
}

const signal = () => new AbortController().signal

/** Verify then settle, as the engine does. */
async function pay(facilitator: TestFacilitator, request: VerifyRequest) {
  const verification = await facilitator.verify(request, signal())
  const settlement = await facilitator.settle(settleRequest(request, verification), signal())
  return { verification, settlement }
}

function withPlan(credits = 10) {
  return createTestFacilitator({ plans: [{ planId: PLAN, credits }] })
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

describe('ledger', () => {
  it('gives every payer the plan credits, and fund adds to them', () => {
    const facilitator = withPlan(10)
    expect(facilitator.balance(ALICE, { planId: PLAN })).toBe(10n)
    expect(facilitator.fund(ALICE, 5, { planId: PLAN })).toBe(15n)
    expect(facilitator.balance(ALICE, { planId: PLAN })).toBe(15n)
    expect(facilitator.balance('bob', { planId: PLAN })).toBe(10n)
  })

  it('keeps asset balances apart from plan credits, and ignores the case of addresses', () => {
    const facilitator = withPlan(10)
    facilitator.fund(ALICE.toLowerCase(), '1000000', { asset: USDC.toUpperCase().replace('0X', '0x') })
    expect(facilitator.balance(ALICE, { asset: USDC })).toBe(1_000_000n)
    expect(facilitator.balance(ALICE, { planId: PLAN })).toBe(10n)
    expect(facilitator.balance(ALICE, { asset: '0x0000000000000000000000000000000000000001' })).toBe(0n)
  })

  it('refuses to fund or read an unknown plan, naming addPlan', () => {
    const facilitator = createTestFacilitator()
    expect(() => facilitator.fund(ALICE, 1, { planId: 'nope' })).toThrow(/plan "nope" is unknown.*addPlan/)
    expect(() => facilitator.balance(ALICE, { planId: 'nope' })).toThrow(/plan "nope" is unknown/)
  })

  it('refuses a target with neither or both of planId and asset, and amounts that are not whole', () => {
    const facilitator = withPlan()
    expect(() => facilitator.fund(ALICE, 1, {})).toThrow(/exactly one of \{ planId \} or \{ asset \}/)
    expect(() => facilitator.fund(ALICE, 1, { planId: PLAN, asset: USDC })).toThrow(/exactly one/)
    for (const amount of [-1, 1.5, '1.5', '-3', 'ten']) {
      expect(() => facilitator.fund(ALICE, amount, { asset: USDC })).toThrow(/fund.amount must be a non-negative whole number/)
    }
    expect(() => facilitator.addPlan({ planId: '' })).toThrow(/planId must be a non-empty string/)
  })
})

describe('mint', () => {
  it('makes a v2 PaymentPayload carrying the offer verbatim', () => {
    const facilitator = withPlan()
    const token = facilitator.mint({ payer: ALICE, requirements: planOffer })
    const decoded = decodeBase64Json(token) as PaymentPayload
    expect(decoded.x402Version).toBe(2)
    expect(decoded.accepted).toEqual(planOffer)
    expect(decoded.payload).toMatchObject({ payer: ALICE, singleUse: false })
    expect(decoded.payload.testToken).toEqual(expect.any(String))
    expect(token).toMatch(/^[A-Za-z0-9+/]+=*$/)
  })

  it('makes a v1 payload with the v1 network name', () => {
    const facilitator = createTestFacilitator()
    const decoded = decodeBase64Json(facilitator.mint({ payer: ALICE, requirements: exactOffer, x402Version: 1 })) as PaymentPayloadV1
    expect(decoded).toMatchObject({ x402Version: 1, scheme: 'exact', network: 'base-sepolia' })
    expect(decoded.payload).toMatchObject({ payer: ALICE, singleUse: true, amount: '10000' })
  })

  it('mints a unique token each time', () => {
    const facilitator = withPlan()
    expect(facilitator.mint({ payer: ALICE, requirements: planOffer })).not.toBe(facilitator.mint({ payer: ALICE, requirements: planOffer }))
  })

  it('picks the option from accepts by index', () => {
    const facilitator = withPlan()
    const token = facilitator.mint({ payer: ALICE, accepts: [exactOffer, planOffer], optionIndex: 1 })
    expect((decodeBase64Json(token) as PaymentPayload).accepted).toEqual(planOffer)
  })

  it('explains misuse: unknown plan, no offer, bad index, no payer, an offer it cannot charge', () => {
    const facilitator = createTestFacilitator()
    expect(() => facilitator.mint({ payer: ALICE, requirements: planOffer })).toThrow(/plan "1234567890123456789" is unknown.*addPlan/)
    expect(() => facilitator.mint({ payer: ALICE } as never)).toThrow(/give the offer to pay/)
    expect(() => facilitator.mint({ payer: ALICE, accepts: [exactOffer], optionIndex: 3 })).toThrow(/optionIndex 3 is out of range; accepts has 1/)
    expect(() => facilitator.mint({ payer: '', requirements: exactOffer })).toThrow(/payer must be a non-empty string/)
    expect(() => facilitator.mint({ payer: ALICE, requirements: { scheme: 'other', network: 'eip155:1' } })).toThrow(/neither planId nor asset/)
    const error = (() => {
      try {
        facilitator.mint({ payer: ALICE, requirements: planOffer })
      } catch (e) {
        return e
      }
    })()
    expect(isTollgateError(error) && error.code).toBe('invalid_options')
  })
})

describe('verify', () => {
  it('accepts a token it minted, says who paid, and moves no money', async () => {
    const facilitator = withPlan(10)
    const token = facilitator.mint({ payer: ALICE, requirements: planOffer })
    const result = await facilitator.verify(verifyRequest(token, planOffer, '1'), signal())
    expect(result).toMatchObject({ isValid: true, payer: ALICE, network: 'eip155:84532' })
    expect(result.testRequestId).toEqual(expect.stringMatching(/^treq_/))
    expect(facilitator.balance(ALICE, { planId: PLAN })).toBe(10n)
  })

  it('refuses forged, altered and foreign tokens as invalid_signature', async () => {
    const facilitator = withPlan(10)
    const forged = facilitator.forge({ payer: ALICE, requirements: planOffer })
    const alsoForged = facilitator.mint({ payer: ALICE, requirements: planOffer, valid: false })
    const genuine = decodeBase64Json(facilitator.mint({ payer: ALICE, requirements: planOffer })) as PaymentPayload
    const altered = encodeBase64Json({ ...genuine, payload: { ...genuine.payload, payer: '0xmallory' } })
    for (const token of [forged, alsoForged, altered, nvm.accessToken as string]) {
      const result = await facilitator.verify(verifyRequest(token, planOffer, '1'), signal())
      expect(result).toMatchObject({ isValid: false, invalidReason: 'invalid_signature' })
    }
  })

  it('refuses a token that is not base64 JSON as invalid_payload', async () => {
    const facilitator = withPlan()
    const request = { ...verifyRequest(facilitator.mint({ payer: ALICE, requirements: planOffer }), planOffer, '1'), token: 'not base64!' }
    expect(await facilitator.verify(request, signal())).toMatchObject({ isValid: false, invalidReason: 'invalid_payload' })
  })

  it('refuses a token paid for another offer, naming the field', async () => {
    const facilitator = withPlan(10)
    facilitator.addPlan({ planId: 'other-plan', credits: 10 })
    facilitator.fund(ALICE, 1_000_000, { asset: USDC })
    const exactToken = facilitator.mint({ payer: ALICE, requirements: exactOffer })
    const planToken = facilitator.mint({ payer: ALICE, requirements: planOffer })
    const cases: Array<[string, PaymentRequirements, string]> = [
      [exactToken, { ...exactOffer, scheme: 'upto' }, 'invalid_scheme'],
      [exactToken, { ...exactOffer, network: 'eip155:8453' }, 'invalid_network'],
      [exactToken, { ...exactOffer, payTo: '0x0000000000000000000000000000000000000bad' }, 'invalid_pay_to'],
      [exactToken, { ...exactOffer, asset: '0x0000000000000000000000000000000000000bad' }, 'invalid_asset'],
      [planToken, { ...planOffer, planId: 'other-plan' }, 'invalid_plan'],
    ]
    for (const [token, offer, reason] of cases) {
      const result = await facilitator.verify(verifyRequest(token, offer, '1'), signal())
      expect(result, reason).toMatchObject({ isValid: false, invalidReason: reason, payer: ALICE })
    }
    // Addresses match whatever their case.
    const lowerCase = { ...exactOffer, payTo: (exactOffer.payTo as string).toLowerCase(), asset: USDC.toLowerCase() }
    expect(await facilitator.verify(verifyRequest(exactToken, lowerCase, '10000'), signal())).toMatchObject({ isValid: true })
  })

  it('refuses a token sent under the other x402 version', async () => {
    const facilitator = withPlan()
    const token = facilitator.mint({ payer: ALICE, requirements: planOffer, x402Version: 1 })
    expect(await facilitator.verify(verifyRequest(token, planOffer, '1', 2), signal())).toMatchObject({ invalidReason: 'invalid_x402_version' })
    expect(await facilitator.verify(verifyRequest(token, planOffer, '1', 1), signal())).toMatchObject({ isValid: true })
  })

  it('refuses an expired token, by the injected clock', async () => {
    let time = 1_000
    const facilitator = createTestFacilitator({ plans: [{ planId: PLAN, credits: 5 }], now: () => time })
    const token = facilitator.mint({ payer: ALICE, requirements: planOffer, expiresAt: 2_000 })
    expect(await facilitator.verify(verifyRequest(token, planOffer, '1'), signal())).toMatchObject({ isValid: true })
    time = 2_000
    expect(await facilitator.verify(verifyRequest(token, planOffer, '1'), signal())).toMatchObject({ isValid: false, invalidReason: 'authorization_expired' })
  })

  it('refuses when the balance does not cover the amount', async () => {
    const facilitator = withPlan(2)
    const token = facilitator.mint({ payer: ALICE, requirements: planOffer })
    expect(await facilitator.verify(verifyRequest(token, planOffer, '2'), signal())).toMatchObject({ isValid: true })
    const result = await facilitator.verify(verifyRequest(token, planOffer, '3'), signal())
    expect(result).toMatchObject({ isValid: false, invalidReason: 'insufficient_funds' })
    expect(result.invalidMessage).toMatch(/holds 2 .* needs 3/)
  })

  it('refuses more than the token authorises, and amounts that are not whole numbers', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(ALICE, 1_000_000, { asset: USDC })
    const token = facilitator.mint({ payer: ALICE, requirements: exactOffer })
    expect(await facilitator.verify(verifyRequest(token, exactOffer, '10001'), signal())).toMatchObject({ invalidReason: 'amount_exceeds_authorization' })
    expect(await facilitator.verify(verifyRequest(token, exactOffer, '1.5'), signal())).toMatchObject({ invalidReason: 'invalid_amount' })
    expect(await facilitator.verify(verifyRequest(token, exactOffer, '10000'), signal())).toMatchObject({ isValid: true })
  })

  it('checks a v1 token against the offer in v2 shape', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(ALICE, 10_000, { asset: USDC })
    const token = facilitator.mint({ payer: ALICE, requirements: exactOffer, x402Version: 1 })
    expect(await facilitator.verify(verifyRequest(token, exactOffer, '10000', 1), signal())).toMatchObject({ isValid: true, payer: ALICE })
  })
})

describe('settle', () => {
  it('debits plan credits and answers a SettleResponse', async () => {
    const facilitator = withPlan(10)
    const token = facilitator.mint({ payer: ALICE, requirements: planOffer })
    const { settlement } = await pay(facilitator, verifyRequest(token, planOffer, '3'))
    expect(settlement).toMatchObject({ success: true, network: 'eip155:84532', payer: ALICE, amount: '3' })
    expect(settlement.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(facilitator.balance(ALICE, { planId: PLAN })).toBe(7n)
  })

  it('debits atomic units of the asset for exact', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(ALICE, 25_000, { asset: USDC })
    const token = facilitator.mint({ payer: ALICE, requirements: exactOffer })
    const { settlement } = await pay(facilitator, verifyRequest(token, exactOffer, '10000'))
    expect(settlement.success).toBe(true)
    expect(facilitator.balance(ALICE, { asset: USDC })).toBe(15_000n)
  })

  it('settles a single-use token once only', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(ALICE, 100_000, { asset: USDC })
    const token = facilitator.mint({ payer: ALICE, requirements: exactOffer })
    const request = verifyRequest(token, exactOffer, '10000')
    const { verification, settlement } = await pay(facilitator, request)
    expect(settlement.success).toBe(true)
    expect(facilitator.isUsed(token)).toBe(true)
    const again = await facilitator.settle(settleRequest(request, verification), signal())
    expect(again).toMatchObject({ success: false, errorReason: 'nonce_already_used', transaction: '' })
    expect(await facilitator.verify(request, signal())).toMatchObject({ isValid: false, invalidReason: 'nonce_already_used' })
    expect(facilitator.balance(ALICE, { asset: USDC })).toBe(90_000n)
  })

  it('lets only one of two concurrent settles of a single-use token through', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(ALICE, 100_000, { asset: USDC })
    const token = facilitator.mint({ payer: ALICE, requirements: exactOffer })
    const request = verifyRequest(token, exactOffer, '10000')
    const verification = await facilitator.verify(request, signal())
    const results = await Promise.all([1, 2].map(() => facilitator.settle(settleRequest(request, verification), signal())))
    expect(results.map((r) => r.success).sort()).toEqual([false, true])
    expect(facilitator.balance(ALICE, { asset: USDC })).toBe(90_000n)
  })

  it('settles a reusable plan token again and again, debiting each time', async () => {
    const facilitator = withPlan(10)
    const token = facilitator.mint({ payer: ALICE, requirements: planOffer })
    for (let i = 0; i < 3; i++) expect((await pay(facilitator, verifyRequest(token, planOffer, '2'))).settlement.success).toBe(true)
    expect(facilitator.isUsed(token)).toBe(false)
    expect(facilitator.balance(ALICE, { planId: PLAN })).toBe(4n)
  })

  it('refuses a settle whose verification did not come from verify, and moves nothing', async () => {
    const facilitator = withPlan(10)
    const token = facilitator.mint({ payer: ALICE, requirements: planOffer })
    const request = verifyRequest(token, planOffer, '1')
    const result = await facilitator.settle(settleRequest(request, { isValid: true, payer: ALICE }), signal())
    expect(result).toMatchObject({ success: false, errorReason: 'unverified_request', transaction: '' })
    expect(facilitator.balance(ALICE, { planId: PLAN })).toBe(10n)
    // The check can be turned off for tests that call settle directly.
    const lenient = createTestFacilitator({ plans: [{ planId: PLAN, credits: 10 }], settleRequiresVerify: false })
    const lenientToken = lenient.mint({ payer: ALICE, requirements: planOffer })
    const ok = await lenient.settle(settleRequest(verifyRequest(lenientToken, planOffer, '1'), { isValid: true }), signal())
    expect(ok.success).toBe(true)
  })

  it('fails without moving money when the balance ran out between verify and settle', async () => {
    const facilitator = withPlan(3)
    const first = facilitator.mint({ payer: ALICE, requirements: planOffer })
    const second = facilitator.mint({ payer: ALICE, requirements: planOffer })
    const request = verifyRequest(second, planOffer, '2')
    const verification = await facilitator.verify(request, signal())
    expect((await pay(facilitator, verifyRequest(first, planOffer, '2'))).settlement.success).toBe(true)
    const result = await facilitator.settle(settleRequest(request, verification), signal())
    expect(result).toMatchObject({ success: false, errorReason: 'insufficient_funds', transaction: '', network: 'eip155:84532' })
    expect(facilitator.balance(ALICE, { planId: PLAN })).toBe(1n)
  })

  it('settles a charged amount below the verified one', async () => {
    const facilitator = withPlan(10)
    const token = facilitator.mint({ payer: ALICE, requirements: planOffer })
    const verified = verifyRequest(token, planOffer, '5')
    const verification = await facilitator.verify(verified, signal())
    const settlement = await facilitator.settle(settleRequest({ ...verified, amount: '2' }, verification), signal())
    expect(settlement).toMatchObject({ success: true, amount: '2' })
    expect(facilitator.balance(ALICE, { planId: PLAN })).toBe(8n)
  })
})

describe('faults', () => {
  function setup() {
    const facilitator = withPlan(10)
    const token = facilitator.mint({ payer: ALICE, requirements: planOffer })
    return { facilitator, request: verifyRequest(token, planOffer, '1') }
  }

  it('delay: answers correctly after the delay', async () => {
    const { facilitator, request } = setup()
    facilitator.fail('verify', { type: 'delay', ms: 40 })
    const started = performance.now()
    const result = await facilitator.verify(request, signal())
    expect(performance.now() - started).toBeGreaterThanOrEqual(35)
    expect(result).toMatchObject({ isValid: true, payer: ALICE })
  })

  it('delay: gives up with the signal reason when aborted first, and settles nothing', async () => {
    const { facilitator, request } = setup()
    const verification = await facilitator.verify(request, signal())
    facilitator.fail('settle', { type: 'delay', ms: 10_000 })
    const controller = new AbortController()
    const reason = new Error('deadline')
    setTimeout(() => controller.abort(reason), 10)
    expect(await rejection(facilitator.settle(settleRequest(request, verification), controller.signal))).toBe(reason)
    expect(facilitator.balance(ALICE, { planId: PLAN })).toBe(10n)
  })

  it('hang: never answers until the signal aborts, then rejects with its reason', async () => {
    const { facilitator, request } = setup()
    facilitator.fail('verify', { type: 'hang' })
    const controller = new AbortController()
    const call = facilitator.verify(request, controller.signal)
    const early = await Promise.race([call.then(() => 'answered', () => 'rejected'), new Promise((r) => setTimeout(() => r('still waiting'), 30))])
    expect(early).toBe('still waiting')
    expect(facilitator.verifyCalls()[0]?.outcome).toEqual({ status: 'pending' })
    const reason = new Error('too slow')
    controller.abort(reason)
    expect(await rejection(call)).toBe(reason)
    expect(facilitator.verifyCalls()[0]?.outcome).toEqual({ status: 'rejected', error: reason })
  })

  it('hang with ignoreSignal: does not answer even after the signal aborts', async () => {
    const { facilitator, request } = setup()
    facilitator.fail('verify', { type: 'hang', ignoreSignal: true })
    const controller = new AbortController()
    const call = facilitator.verify(request, controller.signal)
    controller.abort(new Error('too slow'))
    const first = await Promise.race([call.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r('still hanging'), 30))])
    expect(first).toBe('still hanging')
  })

  it('throw: rejects like a network error, until healed', async () => {
    const { facilitator, request } = setup()
    facilitator.fail('verify', { type: 'throw', message: 'connection refused' })
    for (let i = 0; i < 2; i++) {
      const error = await rejection(facilitator.verify(request, signal()))
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toBe('connection refused')
    }
    facilitator.heal()
    expect(await facilitator.verify(request, signal())).toMatchObject({ isValid: true })
  })

  it('garbage: resolves with something that is not a VerifyResponse', async () => {
    const { facilitator, request } = setup()
    facilitator.fail('verify', { type: 'garbage' }, { times: 1 })
    facilitator.fail('verify', { type: 'garbage', value: '<html>502 Bad Gateway</html>' }, { times: 1 })
    expect(await facilitator.verify(request, signal())).toEqual({ hello: 'world' })
    expect(await facilitator.verify(request, signal())).toBe('<html>502 Bad Gateway</html>')
  })

  it('invalid: verify says isValid false with the reason', async () => {
    const { facilitator, request } = setup()
    facilitator.fail('verify', { type: 'invalid', reason: 'invalid_exact_evm_payload_signature' })
    expect(await facilitator.verify(request, signal())).toEqual({ isValid: false, invalidReason: 'invalid_exact_evm_payload_signature' })
  })

  it('settle-failure: settle says success false, and the token stays unused', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(ALICE, 10_000, { asset: USDC })
    const token = facilitator.mint({ payer: ALICE, requirements: exactOffer })
    facilitator.fail('settle', { type: 'settle-failure', reason: 'transaction_reverted' }, { times: 1 })
    const { settlement } = await pay(facilitator, verifyRequest(token, exactOffer, '10000'))
    expect(settlement).toMatchObject({ success: false, errorReason: 'transaction_reverted', transaction: '', network: 'eip155:84532' })
    expect(facilitator.isUsed(token)).toBe(false)
    expect(facilitator.balance(ALICE, { asset: USDC })).toBe(10_000n)
  })

  it('never changes a balance on a faulty settle', async () => {
    const faults: TestFault[] = [
      { type: 'hang' },
      { type: 'throw' },
      { type: 'garbage' },
      { type: 'settle-failure', reason: 'nope' },
      { type: 'delay', ms: 5_000 },
    ]
    for (const fault of faults) {
      const { facilitator, request } = setup()
      const verification = await facilitator.verify(request, signal())
      facilitator.fail('settle', fault)
      const controller = new AbortController()
      const call = facilitator.settle(settleRequest(request, verification), controller.signal)
      setTimeout(() => controller.abort(new Error('deadline')), 10)
      await call.catch(() => undefined)
      expect(facilitator.balance(ALICE, { planId: PLAN }), fault.type).toBe(10n)
    }
  })

  it('times: fails that many calls, then heals', async () => {
    const { facilitator, request } = setup()
    facilitator.fail('verify', { type: 'throw' }, { times: 1 })
    await expect(facilitator.verify(request, signal())).rejects.toThrow(TypeError)
    expect(await facilitator.verify(request, signal())).toMatchObject({ isValid: true })
  })

  it("'both' shares one count between verify and settle", async () => {
    const { facilitator, request } = setup()
    facilitator.fail('both', { type: 'throw' }, { times: 2 })
    await expect(facilitator.verify(request, signal())).rejects.toThrow(TypeError)
    await expect(facilitator.settle(settleRequest(request, { isValid: true }), signal())).rejects.toThrow(TypeError)
    const { settlement } = await pay(facilitator, request)
    expect(settlement.success).toBe(true)
  })

  it('heal(method) leaves the other method failing', async () => {
    const { facilitator, request } = setup()
    facilitator.fail('both', { type: 'throw' })
    facilitator.heal('verify')
    const verification = await facilitator.verify(request, signal())
    expect(verification.isValid).toBe(true)
    await expect(facilitator.settle(settleRequest(request, verification), signal())).rejects.toThrow(TypeError)
  })

  it('rejects at once when the signal is already aborted', async () => {
    const { facilitator, request } = setup()
    const controller = new AbortController()
    const reason = new Error('client went away')
    controller.abort(reason)
    expect(await rejection(facilitator.verify(request, controller.signal))).toBe(reason)
  })

  it('explains a misused fail()', () => {
    const facilitator = createTestFacilitator()
    expect(() => facilitator.fail('settle', { type: 'invalid' })).toThrow(/'invalid' fault applies to verify only/)
    expect(() => facilitator.fail('both', { type: 'settle-failure' })).toThrow(/'settle-failure' fault applies to settle only/)
    expect(() => facilitator.fail('verify', { type: 'explode' } as never)).toThrow(/unknown fault type "explode"/)
    expect(() => facilitator.fail('verify', { type: 'delay', ms: -1 })).toThrow(/needs ms >= 0/)
    expect(() => facilitator.fail('verify', { type: 'throw' }, { times: 0 })).toThrow(/times must be a positive integer/)
    expect(() => facilitator.fail('supported' as never, { type: 'throw' })).toThrow(/'verify', 'settle' or 'both'/)
  })
})

describe('recorded calls', () => {
  it('records each call with its request, time, fault and outcome', async () => {
    let time = 5_000
    const facilitator = createTestFacilitator({ plans: [{ planId: PLAN, credits: 10 }], now: () => time })
    const token = facilitator.mint({ payer: ALICE, requirements: planOffer })
    const request = verifyRequest(token, planOffer, '1')
    facilitator.fail('verify', { type: 'throw' }, { times: 1 })
    await facilitator.verify(request, signal()).catch(() => undefined)
    time = 6_000
    const { verification } = await pay(facilitator, request)

    expect(facilitator.calls.map((c) => c.method)).toEqual(['verify', 'verify', 'settle'])
    const [failed, verified] = facilitator.verifyCalls()
    expect(failed).toMatchObject({ at: 5_000, fault: { type: 'throw' }, outcome: { status: 'rejected' } })
    expect(verified).toMatchObject({ at: 6_000, request, outcome: { status: 'answered', response: verification } })
    expect(verified?.fault).toBeUndefined()
    const [settled] = facilitator.settleCalls()
    expect(settled?.request.verification.testRequestId).toBe(verification.testRequestId)
    expect(settled?.outcome).toMatchObject({ status: 'answered', response: { success: true } })
  })

  it('clearCalls forgets calls only; reset returns to the options', async () => {
    const facilitator = withPlan(10)
    facilitator.addPlan({ planId: 'later' })
    const token = facilitator.mint({ payer: ALICE, requirements: planOffer })
    await pay(facilitator, verifyRequest(token, planOffer, '4'))
    facilitator.fail('verify', { type: 'throw' })

    facilitator.clearCalls()
    expect(facilitator.calls).toHaveLength(0)
    expect(facilitator.balance(ALICE, { planId: PLAN })).toBe(6n)

    facilitator.reset()
    expect(facilitator.balance(ALICE, { planId: PLAN })).toBe(10n)
    expect(() => facilitator.balance(ALICE, { planId: 'later' })).toThrow(/unknown/)
    // Tokens minted before reset are forgotten; faults are gone.
    expect(await facilitator.verify(verifyRequest(token, planOffer, '1'), signal())).toMatchObject({ invalidReason: 'invalid_signature' })
  })
})
