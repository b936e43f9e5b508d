// The paying fetch and payers that keep state: each proof's outcome is told once (with the answer, or none), and a
// 402 that corrected the payer is paid once more, never more than that.
import { encodeBase64Json } from '../codec/base64.js'
import { PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE } from '../codec/headers.js'
import { describe, expect, it } from 'vitest'
import type { Payer, ProofOutcome } from './types.js'
import { wrapFetch } from './wrap-fetch.js'

const accepts = [{ scheme: 'test', network: 'eip155:1', amount: '10', asset: '0x0000000000000000000000000000000000000001', payTo: '0x0000000000000000000000000000000000000002', maxTimeoutSeconds: 60 }]
const required = () => new Response('{}', { status: 402, headers: { [PAYMENT_REQUIRED]: encodeBase64Json({ x402Version: 2, resource: { url: 'https://a.test/' }, accepts }) } })
const ok = () => new Response('ok', { headers: { [PAYMENT_RESPONSE]: encodeBase64Json({ success: true, transaction: '', network: 'eip155:1' }) } })

function statefulPayer(correct: (n: number) => boolean) {
  const outcomes: Array<Pick<ProofOutcome, 'proof'> & { status: number | undefined; receipt: boolean }> = []
  let proofs = 0
  let corrections = 0
  const payer: Payer = {
    name: 'stateful',
    canPay: () => true,
    pay: async () => `proof-${(proofs += 1)}`,
    afterPayment: ({ proof, response, receipt }) => void outcomes.push({ proof, status: response?.status, receipt: receipt !== undefined }),
    correct: async () => correct((corrections += 1)),
  }
  return { payer, outcomes, proofs: () => proofs }
}

describe('wrapFetch with a payer that keeps state', () => {
  it('tells it the outcome of its proof once, with the receipt', async () => {
    const { payer, outcomes } = statefulPayer(() => false)
    const send = async (request: Request) => (request.headers.has(PAYMENT_SIGNATURE) ? ok() : required())
    expect((await wrapFetch(send, { payers: [payer] })('https://a.test/')).status).toBe(200)
    expect(outcomes).toEqual([{ proof: 'proof-1', status: 200, receipt: true }])
  })

  it('tells it no answer came when sending failed', async () => {
    const { payer, outcomes } = statefulPayer(() => false)
    const send = async (request: Request) => {
      if (request.headers.has(PAYMENT_SIGNATURE)) throw new TypeError('fetch failed')
      return required()
    }
    await expect(wrapFetch(send, { payers: [payer] })('https://a.test/')).rejects.toThrow('fetch failed')
    expect(outcomes).toEqual([{ proof: 'proof-1', status: undefined, receipt: false }])
  })

  it('pays once more after a 402 that corrected it, and refuses a second 402 after that', async () => {
    const { payer, outcomes, proofs } = statefulPayer(() => true)
    const send = async () => required()
    const error = await wrapFetch(send, { payers: [payer] })('https://a.test/', { method: 'POST', body: 'x' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'payment_refused' })
    expect(proofs()).toBe(2)
    expect(outcomes.map((o) => [o.proof, o.status])).toEqual([['proof-1', 402], ['proof-2', 402]])
  })

  it('does not pay again when the 402 corrected nothing', async () => {
    const { payer, proofs } = statefulPayer(() => false)
    const error = await wrapFetch(async () => required(), { payers: [payer] })('https://a.test/').catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'payment_refused' })
    expect(proofs()).toBe(1)
  })

  it('resends the body with the second proof', async () => {
    const bodies: string[] = []
    const { payer } = statefulPayer(() => true)
    let paid = 0
    const send = async (request: Request) => {
      if (!request.headers.has(PAYMENT_SIGNATURE)) return required()
      bodies.push(await request.text())
      return (paid += 1) === 1 ? required() : ok()
    }
    expect((await wrapFetch(send, { payers: [payer] })('https://a.test/', { method: 'POST', body: 'hello' })).status).toBe(200)
    expect(bodies).toEqual(['hello', 'hello'])
  })
})
