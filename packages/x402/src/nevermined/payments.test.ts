import { describe, expect, it, vi } from 'vitest'
import { rejection } from '../test-support/rejection.js'
import { TollgateError } from '../errors.js'
import type { SettleRequest, VerifyRequest } from '../facilitator/types.js'
import { fromPayments, type NvmPaymentsLike } from './payments.js'
import { vector } from './test-backend.js'

const token: string = vector.accessToken

function verifyRequest(amount = '1'): VerifyRequest {
  return {
    x402Version: 2,
    token,
    proof: { x402Version: 2, header: 'PAYMENT-SIGNATURE', raw: token, payload: vector.accessTokenDecoded },
    requirements: vector.paymentRequired.accepts[0],
    paymentRequired: vector.paymentRequired,
    amount,
  }
}

function settleRequest(verification: Record<string, unknown> = vector.verifyResponse): SettleRequest {
  return { ...verifyRequest(), verification: verification as SettleRequest['verification'] }
}

function fakePayments(verify: () => Promise<unknown> = async () => vector.verifyResponse, settle: () => Promise<unknown> = async () => vector.settleResponse) {
  const verifyPermissions = vi.fn<(params: any) => Promise<unknown>>(verify)
  const settlePermissions = vi.fn<(params: any) => Promise<unknown>>(settle)
  return { payments: { facilitator: { verifyPermissions, settlePermissions } }, verifyPermissions, settlePermissions }
}

/** What the SDK 1.x throws: a PaymentsError with a code (a backend code, `http_<status>` (`HTTP <status>` before 1.4), or network_error). */
function paymentsError(code: string, message = 'Permission verification failed') {
  return Object.assign(new Error(message), { name: 'PaymentsError', code })
}

const signal = () => new AbortController().signal

describe('fromPayments()', () => {
  it('calls verifyPermissions with paymentRequired, the token verbatim and maxAmount as a bigint', async () => {
    const { payments, verifyPermissions } = fakePayments()
    const result = await fromPayments(payments).verify(verifyRequest('5'), signal())
    expect(verifyPermissions).toHaveBeenCalledWith({ paymentRequired: vector.paymentRequired, x402AccessToken: token, maxAmount: 5n })
    expect(result).toEqual(vector.verifyResponse)
  })

  it('keeps `this` on the SDK object', async () => {
    class FacilitatorApi {
      readonly seen: unknown[] = []
      async verifyPermissions(params: unknown) {
        this.seen.push(params)
        return vector.verifyResponse
      }
      async settlePermissions(params: unknown) {
        this.seen.push(params)
        return vector.settleResponse
      }
    }
    const api = new FacilitatorApi()
    await fromPayments({ facilitator: api }).verify(verifyRequest(), signal())
    expect(api.seen).toHaveLength(1)
  })

  it('calls settlePermissions with the same paymentRequired and verify’s agentRequestId', async () => {
    const { payments, verifyPermissions, settlePermissions } = fakePayments()
    const facilitator = fromPayments(payments)
    const verification = await facilitator.verify(verifyRequest(), signal())
    const result = await facilitator.settle({ ...verifyRequest(), verification }, signal())
    expect(settlePermissions).toHaveBeenCalledWith({
      paymentRequired: vector.paymentRequired,
      x402AccessToken: token,
      maxAmount: 1n,
      agentRequestId: 'req_abc123',
    })
    expect(settlePermissions.mock.calls[0]?.[0].paymentRequired).toEqual(verifyPermissions.mock.calls[0]?.[0].paymentRequired)
    expect(result).toEqual(vector.settleResponse)
  })

  it('passes settle options (batch, marginPercent) to settlePermissions verbatim', async () => {
    const { payments, settlePermissions } = fakePayments()
    await fromPayments(payments, { settle: { batch: true, marginPercent: 3 } }).settle(settleRequest(), signal())
    expect(settlePermissions.mock.calls[0]?.[0]).toMatchObject({ batch: true, marginPercent: 3, maxAmount: 1n })
  })

  it('resolves success:false when the SDK answers success:false', async () => {
    const { payments } = fakePayments(undefined, async () => ({ success: false, errorReason: 'insufficient_credits', transaction: '', network: 'eip155:84532' }))
    expect(await fromPayments(payments).settle(settleRequest(), signal())).toMatchObject({ success: false, errorReason: 'insufficient_credits' })
  })

  it.each([
    ['http_402', 'http_402'],
    ['http_403', 'http_403'],
    ['http_409', 'http_409'],
    ['HTTP 402', 'http_402'],
    ['HTTP 403', 'http_403'],
    ['BCK.X402.0059', 'BCK.X402.0059'],
  ])('turns a thrown %s into isValid:false / success:false', async (code, reason) => {
    const { payments } = fakePayments(
      async () => {
        throw paymentsError(code)
      },
      async () => {
        throw paymentsError(code)
      },
    )
    const facilitator = fromPayments(payments)
    expect(await facilitator.verify(verifyRequest(), signal())).toMatchObject({ isValid: false, invalidReason: reason })
    expect(await facilitator.settle(settleRequest(), signal())).toMatchObject({ success: false, errorReason: reason })
  })

  it.each(['http_500', 'http_401', 'http_429', 'HTTP 500', 'HTTP 401', 'network_error'])('rejects with facilitator_error on a thrown %s', async (code) => {
    const { payments } = fakePayments(async () => {
      throw paymentsError(code, `failed for ${token}`)
    })
    const error = await rejection(fromPayments(payments).verify(verifyRequest(), signal()))
    expect(error.code).toBe('facilitator_error')
    expect(error.message).not.toContain(token)
  })

  it('rejects with facilitator_bad_response when the SDK returns something else', async () => {
    const { payments } = fakePayments(async () => ({ success: true }))
    expect((await rejection(fromPayments(payments).verify(verifyRequest(), signal()))).code).toBe('facilitator_bad_response')
  })

  it('stops waiting when the signal aborts', async () => {
    const { payments } = fakePayments(() => new Promise(() => {}))
    const controller = new AbortController()
    const pending = fromPayments(payments).verify(verifyRequest(), controller.signal)
    controller.abort(new TollgateError('facilitator_timeout', 'deadline'))
    expect((await rejection(pending)).code).toBe('facilitator_timeout')
  })

  it('refuses something that is not a Payments instance', () => {
    expect(() => fromPayments({} as never)).toThrowError(TollgateError)
    expect(() => fromPayments({ facilitator: { verifyPermissions() {} } } as never)).toThrowError(/settlePermissions/)
  })
})

// Compile-time: the SDK 1.x declares its methods with these types (facts from its public source); an instance
// must be accepted as it is, without a cast.
interface SdkScheme {
  scheme: string
  network: string
  planId: string
  extra?: { version?: string; agentId?: string; httpVerb?: string }
}
interface SdkPaymentRequired {
  x402Version: number
  error?: string
  resource: { url: string; description?: string; mimeType?: string }
  accepts: SdkScheme[]
  extensions: Record<string, unknown>
}
declare class SdkFacilitatorApi {
  verifyPermissions(params: { paymentRequired: SdkPaymentRequired; x402AccessToken: string; maxAmount?: bigint }): Promise<{ isValid: boolean }>
  settlePermissions(params: {
    paymentRequired: SdkPaymentRequired
    x402AccessToken: string
    maxAmount?: bigint
    agentRequestId?: string
    batch?: boolean
    marginPercent?: number
  }): Promise<{ success: boolean; transaction: string; network: string }>
}
type SdkPayments = { facilitator: SdkFacilitatorApi; x402: unknown }
export type _SdkInstanceFits = SdkPayments extends NvmPaymentsLike ? true : never
export const _sdkInstanceFits: _SdkInstanceFits = true
