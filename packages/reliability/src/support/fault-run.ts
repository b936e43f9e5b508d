// Part (1) of the suite: paid requests through a real server (@hono/node-server) while the facilitator, the
// handler and the clients misbehave. Records what every client saw, what the server answered and every
// facilitator call, for the books (books.ts) to check.
import type { HttpBindings } from '@hono/node-server'
import { createPaywall, exact, plan, type PaymentContext, type PaywallEvent, type SettleResponse, type VerifyRequest } from '@tollgate/x402'
import { createTestFacilitator, readReceipt, type TestFacilitator } from '@tollgate/x402/testing'
import { injectFaults, type FacilitatorCall } from './fault-facilitator.js'
import { seeded } from './random.js'
import { startServer } from './server.js'
import { ISSUE_MIX, planTraffic, type RequestPlan, type TrafficMix } from './traffic.js'

export const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
export const PLAN_ID = '1234567890123456789'
export const exactOption = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })
export const planOption = plan({ planId: PLAN_ID, agentId: '987654321', credits: 2 })
export const ASSET = exactOption.requirements.asset as string
/** What one delivered request costs: atomic USDC units (exact) or plan credits. */
export const PRICE = { exact: 10_000n, plan: 2n } as const
/** A request still unanswered after this long counts as stuck: the run must finish by itself. */
const STUCK_MS = 20_000
const PLAN_CREDITS = 1_000_000_000n

export interface RunOptions {
  requests: number
  seed: number
  /** Requests in flight at once. Default 32. */
  concurrency?: number
  /** Share of facilitator calls (verify and settle alike) that misbehave. Default 0.1. */
  faultRate?: number
  payers?: number
  mix?: TrafficMix
  /** verify and settle deadlines, ms. Default 100. */
  deadlineMs?: number
  /**
   * Read `request.signal` before the paywall does. @hono/node-server creates a request's AbortController on the
   * first read of `signal`, so an abort that comes before that read is lost (see client-abort.test.ts).
   */
  readSignalEarly: boolean
  onEvent?: (event: PaywallEvent) => void
  /** Called with every token the run mints. */
  onToken?: (token: string) => string
}

export interface ClientSeen {
  /** Set once the status line and headers arrived. */
  status?: number
  receipt?: SettleResponse
  /** The client aborted before any header came back. */
  abortedBeforeHeaders: boolean
  /** The client had the status and headers, then aborted (before or while reading the body). */
  abortedAfterHeaders: boolean
  /** Anything else that went wrong on the client: a stuck request, a network error, an unreadable receipt. */
  error?: string
}

export interface ServerSeen {
  /** The Response the paywall returned (the client may never have received it). */
  status?: number
  receipt?: SettleResponse
  handlerStarted: boolean
  /** When (in run order) the server saw the connection close before its response was finished. */
  closedAt?: number
  threw?: string
}

export interface Balances {
  asset: bigint
  credits: bigint
}

export interface Run {
  plans: RequestPlan[]
  client: Map<string, ClientSeen>
  server: Map<string, ServerSeen>
  calls: FacilitatorCall[]
  facilitator: TestFacilitator
  before: Map<string, Balances>
  after: Map<string, Balances>
  durationMs: number
}

export async function runFaultInjection(options: RunOptions): Promise<Run> {
  const random = seeded(options.seed)
  const deadlineMs = options.deadlineMs ?? 100
  let order = 0
  const tick = () => ++order
  const keep = options.onToken ?? ((token: string) => token)

  const payers = Array.from({ length: options.payers ?? 40 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`)
  const inner = createTestFacilitator({ plans: [{ planId: PLAN_ID, credits: PLAN_CREDITS }] })
  for (const payer of payers) inner.fund(payer, PRICE.exact * BigInt(options.requests), { asset: ASSET })
  const balances = () => new Map(payers.map((payer) => [payer, { asset: inner.balance(payer, { asset: ASSET }), credits: inner.balance(payer, { planId: PLAN_ID }) }]))
  const before = balances()

  const { facilitator, calls } = injectFaults(inner, { rate: options.faultRate ?? 0.1, random, ridOf: (request: VerifyRequest) => ridOf(request.paymentRequired.resource.url), tick })
  const paywall = createPaywall({
    routes: { 'GET /paid/:rid': [exactOption, planOption] },
    facilitator,
    verifyTimeoutMs: deadlineMs,
    settleTimeoutMs: deadlineMs,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  })

  const plans = planTraffic(options.requests, payers, random, options.mix ?? ISSUE_MIX)
  const byRid = new Map(plans.map((plan) => [plan.rid, plan]))
  const client = new Map<string, ClientSeen>()
  const server = new Map<string, ServerSeen>()
  const closed = new Map<string, Promise<void>>()
  const abortHooks = new Map<string, () => void>()
  let inFlight = 0

  const handler = async (request: Request, _ctx: PaymentContext): Promise<Response> => {
    const rid = ridOf(request.url)
    const plan = byRid.get(rid)!
    server.get(rid)!.handlerStarted = true
    if (plan.abort === 'in-handler') {
      abortHooks.get(rid)?.()
      // Work on until the server has seen the client leave, as a slow handler would.
      await Promise.race([closed.get(rid), sleep(1_000)])
    } else {
      await sleep(plan.handlerMs)
    }
    if (plan.handler === 'throw') throw new Error(`handler failed on purpose (${rid})`)
    if (plan.handler === 'not-found') return Response.json({ error: 'not found' }, { status: 404 })
    return Response.json({ rid, weather: 'sunny' })
  }
  const app = paywall.protect(handler)

  const running = await startServer(async (request: Request, env: HttpBindings) => {
    const rid = ridOf(request.url)
    const seen: ServerSeen = { handlerStarted: false }
    server.set(rid, seen)
    let markClosed!: () => void
    closed.set(rid, new Promise<void>((resolve) => (markClosed = resolve)))
    env.outgoing.once('close', () => {
      if (env.outgoing.writableFinished) return
      seen.closedAt = tick()
      markClosed()
    })
    if (options.readSignalEarly) void request.signal.aborted
    inFlight++
    try {
      const response = await app(request)
      seen.status = response.status
      seen.receipt = readReceipt(response)
      return response
    } catch (error) {
      seen.threw = String(error)
      throw error
    } finally {
      inFlight--
    }
  })

  const planTokens = new Map<string, string>()
  const proofFor = (plan: RequestPlan): Record<string, string> => {
    switch (plan.pay) {
      case 'exact-v2':
        return { 'PAYMENT-SIGNATURE': keep(inner.mint({ payer: plan.payer, requirements: exactOption.requirements })) }
      case 'exact-v1':
        return { 'X-PAYMENT': keep(inner.mint({ payer: plan.payer, requirements: exactOption.requirements, x402Version: 1 })) }
      case 'forged':
        return { 'PAYMENT-SIGNATURE': keep(inner.forge({ payer: plan.payer, requirements: exactOption.requirements })) }
      case 'plan-v2': {
        // A plan token is reusable: one per payer for the whole run.
        let token = planTokens.get(plan.payer)
        if (!token) planTokens.set(plan.payer, (token = keep(inner.mint({ payer: plan.payer, requirements: planOption.requirements }))))
        return { 'PAYMENT-SIGNATURE': token }
      }
    }
  }

  async function send(plan: RequestPlan): Promise<void> {
    const seen: ClientSeen = { abortedBeforeHeaders: false, abortedAfterHeaders: false }
    client.set(plan.rid, seen)
    const controller = new AbortController()
    let aborted = false
    const abort = () => {
      aborted = true
      controller.abort()
    }
    let stuck = false
    const guard = setTimeout(() => {
      stuck = true
      controller.abort()
    }, STUCK_MS)
    let early: ReturnType<typeof setTimeout> | undefined
    if (plan.abort === 'early') early = setTimeout(abort, plan.abortAfterMs)
    if (plan.abort === 'in-handler') abortHooks.set(plan.rid, abort)
    try {
      const response = await fetch(`${running.origin}/paid/${plan.rid}`, { headers: proofFor(plan), signal: controller.signal })
      seen.status = response.status
      try {
        seen.receipt = readReceipt(response)
      } catch (error) {
        seen.error = `unreadable receipt: ${String(error)}`
      }
      if (plan.abort === 'after-headers') abort()
      await response.text()
    } catch (error) {
      if (stuck) seen.error = `stuck: no answer within ${STUCK_MS} ms`
      else if (!aborted) seen.error = `network error: ${String(error)}`
      else if (seen.status === undefined) seen.abortedBeforeHeaders = true
      else seen.abortedAfterHeaders = true
    } finally {
      clearTimeout(guard)
      clearTimeout(early)
      abortHooks.delete(plan.rid)
    }
  }

  const started = Date.now()
  let next = 0
  const worker = async () => {
    while (next < plans.length) await send(plans[next++]!)
  }
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 32 }, worker))
    // Clients that left do not wait for the server: let it finish (bounded) before reading the books.
    for (let waited = 0; inFlight > 0 && waited < STUCK_MS; waited += 10) await sleep(10)
  } finally {
    await running.close()
  }
  return { plans, client, server, calls, facilitator: inner, before, after: balances(), durationMs: Date.now() - started }
}

export function ridOf(url: string): string {
  return new URL(url).pathname.split('/').pop() ?? ''
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
