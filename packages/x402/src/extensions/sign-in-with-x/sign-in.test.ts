// sign-in-with-x end to end in process: a buyer pays once, then signs in instead of paying again; every refusal
// (not paid, replayed, expired, wrong origin or resource, bad signature, malformed) is a 402 with its reason and
// charges nothing. Interop: the message text is the reference's byte for byte, and the reference client hook
// (@x402/extensions createSIWxClientHook) signs in to a Tollgate route.
import { createSIWxClientHook, formatSIWEMessage } from '@x402/extensions/sign-in-with-x'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { beforeEach, describe, expect, it } from 'vitest'
import { decodePaymentRequired } from '../../codec/headers.js'
import type { PaymentRequired } from '../../codec/types.js'
import { createPaywall } from '../../engine/paywall.js'
import type { PaywallEvent } from '../../engine/types.js'
import { defaultAsset } from '../../requirements/assets.js'
import { exact } from '../../requirements/options.js'
import { createTestFacilitator, type TestFacilitator } from '../../testing/facilitator.js'
import { testPayer } from '../../client/test-support.js'
import { walletSignIn } from '../../client/sign-in-with-x.js'
import { wrapFetch } from '../../client/wrap-fetch.js'
import { bytesToBase64 } from '../../codec/base64.js'
import { SIGN_IN_WITH_X, siweMessage, type SignInChallenge, type SignInProof } from './message.js'
import { signInWithX } from './server.js'
import { memoryStore } from '../../store/memory.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const NETWORK = 'eip155:84532'
const USDC = defaultAsset(NETWORK)!.address
const URL_REPORT = 'http://api.test/report'
const buyer = privateKeyToAccount(generatePrivateKey())
const stranger = privateKeyToAccount(generatePrivateKey())

let facilitator: TestFacilitator
let events: PaywallEvent[]
let app: (request: Request) => Promise<Response>

beforeEach(() => {
  facilitator = createTestFacilitator()
  facilitator.fund(buyer.address, 1_000_000n, { asset: USDC })
  events = []
  const paywall = createPaywall({
    facilitator,
    onEvent: (event) => events.push(event),
    routes: {
      'GET /report': {
        accepts: exact({ price: '$0.01', network: NETWORK, payTo: PAY_TO }),
        extensions: [signInWithX({ accessMs: 60_000, statement: 'Sign in to read the report' })],
      },
      'GET /other': { accepts: exact({ price: '$0.01', network: NETWORK, payTo: PAY_TO }), extensions: [signInWithX({ accessMs: 60_000 })] },
    },
  })
  app = paywall.protect((_request, ctx) => Response.json({ payer: ctx.payer ?? null, paid: ctx.payment !== undefined }))
})

const balance = () => facilitator.balance(buyer.address, { asset: USDC })
const paidOnce = () => wrapFetch(app, { payers: [testPayer(facilitator, buyer.address)] })(URL_REPORT)

async function challengeOf(url = URL_REPORT): Promise<{ paymentRequired: PaymentRequired; challenge: SignInChallenge }> {
  const response = await app(new Request(url))
  expect(response.status).toBe(402)
  const decoded = decodePaymentRequired(response.headers.get('PAYMENT-REQUIRED')!)
  if (!decoded.ok) throw decoded.error
  return { paymentRequired: decoded.value, challenge: decoded.value.extensions![SIGN_IN_WITH_X] as SignInChallenge }
}

/** A sign-in for `info` (altered as a test needs), signed by `signer` for `address`. */
async function signed(info: SignInChallenge['info'], signer = buyer, address: string = buyer.address): Promise<string> {
  const message = siweMessage(info, address, 84532)
  const proof: SignInProof = { ...info, address, chainId: NETWORK, type: 'eip191', signature: await signer.signMessage({ message }) }
  return bytesToBase64(new TextEncoder().encode(JSON.stringify(proof)))
}

async function refusal(header: string, url = URL_REPORT): Promise<string | undefined> {
  const before = balance()
  const response = await app(new Request(url, { headers: { 'SIGN-IN-WITH-X': header } }))
  expect(response.status).toBe(402)
  expect(balance()).toBe(before)
  const decoded = decodePaymentRequired(response.headers.get('PAYMENT-REQUIRED')!)
  if (!decoded.ok) throw decoded.error
  // A refused sign-in gets a fresh challenge to try again with.
  expect((decoded.value.extensions![SIGN_IN_WITH_X] as SignInChallenge).info.nonce).toMatch(/^[0-9a-f]{32}$/)
  return decoded.value.error
}

describe('sign-in-with-x on a Tollgate route', () => {
  it('declares a challenge bound to the origin and the resource, fresh for every 402', async () => {
    const { paymentRequired, challenge } = await challengeOf()
    expect(challenge.info).toMatchObject({ domain: 'api.test', uri: URL_REPORT, version: '1', resources: [URL_REPORT], statement: 'Sign in to read the report' })
    expect(challenge.supportedChains).toEqual([{ chainId: NETWORK, type: 'eip191' }])
    expect(Date.parse(challenge.info.expirationTime!) - Date.parse(challenge.info.issuedAt)).toBe(300_000)
    expect(paymentRequired.accepts).toHaveLength(1)
    expect((await challengeOf()).challenge.info.nonce).not.toBe(challenge.info.nonce)
  })

  it('lets a buyer that paid sign in instead of paying again (wrapFetch + walletSignIn), nothing charged', async () => {
    const fetchWithSignIn = wrapFetch(app, { payers: [testPayer(facilitator, buyer.address)], extensions: [walletSignIn(buyer)] })
    const first = await fetchWithSignIn(URL_REPORT)
    expect(await first.json()).toEqual({ payer: buyer.address, paid: true })
    const afterPaying = balance()
    expect(afterPaying).toBe(1_000_000n - 10_000n)

    const payer = testPayer(facilitator, buyer.address)
    const again = await wrapFetch(app, { payers: [payer], extensions: [walletSignIn(buyer)] })(URL_REPORT)
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ payer: buyer.address, paid: false })
    expect(again.headers.get('PAYMENT-RESPONSE')).toBeNull()
    expect(payer.paid).toEqual([])
    expect(balance()).toBe(afterPaying)
    expect(events.map((e) => e.type)).toContain('signin.accepted')
  })

  it('pays when the sign-in is refused (no payment on record for this resource), and only once', async () => {
    await paidOnce()
    const payer = testPayer(facilitator, buyer.address)
    const response = await wrapFetch(app, { payers: [payer], extensions: [walletSignIn(buyer)] })('http://api.test/other')
    expect(response.status).toBe(200)
    expect(payer.paid).toHaveLength(1)
  })

  it('the reference client hook (createSIWxClientHook) signs in to a Tollgate route', async () => {
    await paidOnce()
    const before = balance()
    const { paymentRequired } = await challengeOf()
    const hook = createSIWxClientHook(buyer)
    const signedIn = await hook({ paymentRequired, requestUrl: URL_REPORT } as Parameters<typeof hook>[0])
    expect(signedIn).toBeDefined()
    const response = await app(new Request(URL_REPORT, { headers: signedIn!.headers }))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ payer: buyer.address, paid: false })
    expect(balance()).toBe(before)
  })

  it('writes the EIP-4361 text as the reference does, with and without the optional fields', async () => {
    const { challenge } = await challengeOf()
    const complete = { ...challenge.info, chainId: NETWORK, type: 'eip191' as const }
    expect(siweMessage(challenge.info, buyer.address, 84532)).toBe(formatSIWEMessage(complete, buyer.address))
    const bare = { domain: 'api.test', uri: URL_REPORT, version: '1', nonce: 'a1b2c3d4e5f67890', issuedAt: '2026-01-15T10:30:00.000Z' }
    expect(siweMessage(bare, buyer.address, 8453)).toBe(formatSIWEMessage({ ...bare, chainId: 'eip155:8453', type: 'eip191' }, buyer.address))
    const full = { ...bare, notBefore: '2026-01-15T10:30:00.000Z', requestId: 'r-1', statement: 'Hi', resources: ['https://a.test/x', 'https://b.test/y'] }
    expect(siweMessage(full, buyer.address, 1)).toBe(formatSIWEMessage({ ...full, chainId: 'eip155:1', type: 'eip191' }, buyer.address))
  })

  it('refuses a valid sign-in from a wallet with no payment on record: 402 sign_in_not_paid', async () => {
    const { challenge } = await challengeOf()
    expect(await refusal(await signed(challenge.info))).toBe('sign_in_not_paid')
  })

  it('refuses a replayed sign-in: its nonce is spent once', async () => {
    await paidOnce()
    const { challenge } = await challengeOf()
    const header = await signed(challenge.info)
    expect((await app(new Request(URL_REPORT, { headers: { 'SIGN-IN-WITH-X': header } }))).status).toBe(200)
    expect(await refusal(header)).toBe('invalid_siwx_nonce')
  })

  it('refuses a nonce this server never issued, or issued for another resource: 402 invalid_siwx_nonce', async () => {
    await paidOnce()
    const { info } = (await challengeOf()).challenge
    const made = { ...info, nonce: 'a1b2c3d4e5f67890a1b2c3d4e5f67890' }
    expect(await refusal(await signed(made))).toBe('invalid_siwx_nonce')
    expect(await refusal(await signed({ ...info, nonce: 'not-a-nonce-of-ours' }))).toBe('invalid_siwx_nonce')
    const elsewhere = (await challengeOf('http://api.test/other')).challenge.info.nonce
    expect(await refusal(await signed({ ...info, nonce: elsewhere }))).toBe('invalid_siwx_nonce')
    // The challenge's own nonce still signs in: the refusals did not spend it.
    expect((await app(new Request(URL_REPORT, { headers: { 'SIGN-IN-WITH-X': await signed(info) } }))).status).toBe(200)
    const refused = events.filter((e) => e.type === 'signin.refused').map((e) => e.reason)
    expect(refused).toEqual(['invalid_siwx_nonce', 'invalid_siwx_nonce', 'invalid_siwx_nonce'])
  })

  it('keeps an issued nonce in the paywall\'s Store for the challenge\'s life, bound to the resource', async () => {
    const kept: { key: string; value: unknown; ttlMs: number }[] = []
    const store = memoryStore()
    const watched = { ...store, set: (key: string, value: unknown, ttlMs: number) => (kept.push({ key, value, ttlMs }), store.set(key, value, ttlMs)) }
    const route = { accepts: exact({ price: '$0.01', network: NETWORK, payTo: PAY_TO }), extensions: [signInWithX({ accessMs: 60_000, challengeSeconds: 120 })] }
    const paywall = createPaywall({ facilitator, store: watched, routes: { 'GET /report': route } })
    const response = await paywall.protect(() => new Response('ok'))(new Request(URL_REPORT + '?page=2'))
    const decoded = decodePaymentRequired(response.headers.get('PAYMENT-REQUIRED')!)
    const nonce = decoded.ok && (decoded.value.extensions![SIGN_IN_WITH_X] as SignInChallenge).info.nonce
    // 120 s of challenge and a minute for clocks that differ between instances.
    expect(kept).toEqual([{ key: `tg:siwx:issued:${nonce}`, value: URL_REPORT, ttlMs: 180_000 }])
  })

  it('a Store that cannot keep the nonce answers 503 rather than a challenge no sign-in could answer', async () => {
    const store = { ...memoryStore(), set: () => Promise.reject(new Error('down')) }
    const route = { accepts: exact({ price: '$0.01', network: NETWORK, payTo: PAY_TO }), extensions: [signInWithX({ accessMs: 60_000 })] }
    const response = await createPaywall({ facilitator, store, routes: { 'GET /report': route } }).protect(() => new Response('ok'))(new Request(URL_REPORT))
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: 'store_unavailable' })
  })

  it('refuses a chain the 402 did not offer, and a version other than "1"', async () => {
    await paidOnce()
    const { info } = (await challengeOf()).challenge
    const onMainnet = { ...info, address: buyer.address, chainId: 'eip155:1', type: 'eip191' as const }
    const proof: SignInProof = { ...onMainnet, signature: await buyer.signMessage({ message: siweMessage(info, buyer.address, 1) }) }
    expect(await refusal(btoa(JSON.stringify(proof)))).toBe('invalid_siwx_unsupported_chain')
    expect(await refusal(await signed({ ...info, version: '2' }))).toBe('invalid_siwx_header')
  })

  it('refuses expired, stale and not-yet-valid sign-ins', async () => {
    await paidOnce()
    const { info } = (await challengeOf()).challenge
    const past = new Date(Date.now() - 1000).toISOString()
    const future = new Date(Date.now() + 60_000).toISOString()
    expect(await refusal(await signed({ ...info, expirationTime: past }))).toBe('invalid_siwx_expired')
    expect(await refusal(await signed({ ...info, issuedAt: new Date(Date.now() - 301_000).toISOString() }))).toBe('invalid_siwx_issued_at_too_old')
    expect(await refusal(await signed({ ...info, issuedAt: future }))).toBe('invalid_siwx_issued_at_in_future')
    expect(await refusal(await signed({ ...info, notBefore: future }))).toBe('invalid_siwx_not_yet_valid')
  })

  it('refuses a sign-in for another origin or another resource', async () => {
    await paidOnce()
    const { info } = (await challengeOf()).challenge
    expect(await refusal(await signed({ ...info, domain: 'evil.test' }))).toBe('invalid_siwx_domain_mismatch')
    expect(await refusal(await signed({ ...info, uri: 'http://evil.test/report' }))).toBe('invalid_siwx_uri_mismatch')
    // Signed for /report, sent to /other: the same origin, another resource.
    expect(await refusal(await signed(info), 'http://api.test/other')).toBe('invalid_siwx_uri_mismatch')
  })

  it('refuses a signature that is not the address\'s, a chain the route does not take, and a malformed header', async () => {
    await paidOnce()
    const { info } = (await challengeOf()).challenge
    expect(await refusal(await signed(info, stranger, buyer.address))).toBe('invalid_siwx_signature')
    const onMainnet = JSON.parse(atob(await signed(info))) as SignInProof
    onMainnet.chainId = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'
    expect(await refusal(btoa(JSON.stringify(onMainnet)))).toBe('invalid_siwx_unsupported_chain')
    expect(await refusal('not base64 json!')).toBe('invalid_siwx_header')
    expect(await refusal(btoa(JSON.stringify({ domain: 'api.test' })))).toBe('invalid_siwx_header')
  })

  it('a buyer does not sign a challenge that names another origin than the one that sent it', async () => {
    await paidOnce()
    const { paymentRequired } = await challengeOf()
    const demand = { paymentRequired } as never
    expect(await walletSignIn(buyer).signIn!({ demand, request: new Request(URL_REPORT), url: 'http://elsewhere.test/report' })).toBeUndefined()
    expect(await walletSignIn(buyer).signIn!({ demand, request: new Request(URL_REPORT), url: URL_REPORT })).toHaveProperty('SIGN-IN-WITH-X')
  })

  it('checks its options when the paywall is built', () => {
    expect(() => signInWithX({ accessMs: 0 })).toThrow(/accessMs/)
    expect(() => signInWithX({ accessMs: 1000, networks: ['base'] })).toThrow(/networks/)
    expect(() => signInWithX({ accessMs: 1000, origin: 'https://a.test/path' })).toThrow(/origin/)
    expect(() => createPaywall({ facilitator, routes: { '/x': { accepts: exact({ price: '$0.01', network: NETWORK, payTo: PAY_TO }), extensions: [{}] as never } } })).toThrow(/extensions/)
  })
})
