// What every contract app is configured with, and how an app in another process (Next, Bun) reads it from
// its environment. Web APIs only: this file runs under Node, Bun and Next's Edge runtime.
import type { Facilitator, SettleRequest, SettleResult, VerifyRequest, VerifyResult } from '@tollgate/x402'

/**
 * The contract app every adapter serves:
 * - `GET /paid`: accepts $0.01 USDC (exact) or 5 credits (plan). Answers `{ paid, payer, scheme, charged }`.
 *   Test hooks: `?used=n` charges n credits (usage price), `?status=n` answers status n, `?throw=1` throws.
 * - `OPTIONS /paid`: 204, through the paywall (never charged).
 * - `GET /stream`: accepts $0.01 USDC; streams `first\n`, waits until `${gateUrl}/${?gate}` answers, then `second\n`.
 * - `GET /free`: `free`, not behind the paywall.
 */
export interface ContractAppConfig {
  facilitator: Facilitator
  payTo: string
  planId: string
  /** The streaming handler waits on `${gateUrl}/${key}` between its two chunks. */
  gateUrl: string
  verifyTimeoutMs: number
  settleTimeoutMs: number
}

/** The environment variables an app in another process reads (see `appConfigFromEnv`). */
export const ENV = {
  facilitatorUrl: 'TOLLGATE_FACILITATOR_URL',
  gateUrl: 'TOLLGATE_GATE_URL',
  payTo: 'TOLLGATE_PAY_TO',
  planId: 'TOLLGATE_PLAN_ID',
  verifyTimeoutMs: 'TOLLGATE_VERIFY_TIMEOUT_MS',
  settleTimeoutMs: 'TOLLGATE_SETTLE_TIMEOUT_MS',
} as const

export function appConfigFromEnv(env: Record<string, string | undefined>): ContractAppConfig {
  const read = (name: string): string => {
    const value = env[name]
    if (!value) throw new Error(`The contract app needs the environment variable ${name}.`)
    return value
  }
  return {
    facilitator: remoteTestFacilitator(read(ENV.facilitatorUrl)),
    gateUrl: read(ENV.gateUrl),
    payTo: read(ENV.payTo),
    planId: read(ENV.planId),
    verifyTimeoutMs: Number(read(ENV.verifyTimeoutMs)),
    settleTimeoutMs: Number(read(ENV.settleTimeoutMs)),
  }
}

/**
 * A Facilitator that forwards whole verify/settle requests to a test facilitator in the test process, so
 * a test can inject faults into a server it does not run. (The standard HTTP API would lose the credits
 * amount and the verify answer settle needs, hence this tiny protocol of its own.)
 */
export function remoteTestFacilitator(url: string): Facilitator {
  const base = url.replace(/\/+$/, '')
  async function call<T>(step: 'verify' | 'settle', request: VerifyRequest, signal: AbortSignal): Promise<T> {
    const response = await fetch(`${base}/${step}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
      signal,
    })
    if (!response.ok) throw new Error(`The test facilitator's ${step} answered HTTP ${response.status}.`)
    return (await response.json()) as T
  }
  return {
    name: 'remote-test',
    verify: (request, signal) => call<VerifyResult>('verify', request, signal),
    settle: (request: SettleRequest, signal) => call<SettleResult>('settle', request, signal),
  }
}

/** The streaming handler's pause: resolves when the test opens the gate named by `?gate=` (at once without one). */
export async function waitForGate(config: Pick<ContractAppConfig, 'gateUrl'>, request: Request): Promise<void> {
  const key = new URL(request.url).searchParams.get('gate')
  if (key) await (await fetch(`${config.gateUrl}/${encodeURIComponent(key)}`)).text()
}
