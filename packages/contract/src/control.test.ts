// The test process's control server and the facilitator that reaches it from another process.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { exact } from '@tollgate/x402'
import { createTestFacilitator } from '@tollgate/x402/testing'
import { remoteTestFacilitator } from './app-env.js'
import { startControl, type Control } from './control.js'
import { BUYER, PAY_TO, USDC } from './fixture.js'

const facilitator = createTestFacilitator()
let control: Control
beforeAll(async () => (control = await startControl(facilitator)))
afterAll(() => control.close())

const offer = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO }).requirements

function verifyRequest(token: string) {
  return { x402Version: 2 as const, token, proof: {} as never, requirements: offer, paymentRequired: {} as never, amount: '10000' }
}

it('answers verify and settle with the test facilitator, over HTTP', async () => {
  facilitator.fund(BUYER, 10_000, { asset: USDC })
  const remote = remoteTestFacilitator(`${control.url}/facilitator`)
  const token = facilitator.mint({ payer: BUYER, requirements: offer })
  const verification = await remote.verify(verifyRequest(token), AbortSignal.timeout(5_000))
  expect(verification).toMatchObject({ isValid: true, payer: BUYER })
  const settled = await remote.settle({ ...verifyRequest(token), verification }, AbortSignal.timeout(5_000))
  expect(settled).toMatchObject({ success: true })
  expect(facilitator.balance(BUYER, { asset: USDC })).toBe(0n)
})

it('passes faults on: a throw rejects, a hang lasts until the caller gives up', async () => {
  const remote = remoteTestFacilitator(`${control.url}/facilitator`)
  facilitator.fail('verify', { type: 'throw' }, { times: 1 })
  await expect(remote.verify(verifyRequest('x'), AbortSignal.timeout(5_000))).rejects.toThrow(/HTTP 500/)
  facilitator.fail('verify', { type: 'hang' }, { times: 1 })
  await expect(remote.verify(verifyRequest('x'), AbortSignal.timeout(200))).rejects.toThrow()
  await expect.poll(() => facilitator.verifyCalls().at(-1)?.outcome.status).toBe('rejected')
})

it('holds a gate until the test releases it', async () => {
  let opened = false
  const waiting = fetch(`${control.url}/gate/g1`).then(() => (opened = true))
  await new Promise((resolve) => setTimeout(resolve, 50))
  expect(opened).toBe(false)
  control.release('g1')
  await waiting
  expect(opened).toBe(true)
})
