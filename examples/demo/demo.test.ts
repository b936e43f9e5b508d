// `npm run demo` end to end: a child process that starts anvil and the API, pays twice and stops everything.
import { createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilPid, isRunning, startDemo, type DemoProcess } from './demo-process.js'

/** The rows of the balances tables: label, address, before, after, change (decimal USDC strings). */
function balanceRows(output: string, label: 'buyer' | 'seller'): { before: string; after: string; change: string }[] {
  const row = new RegExp(`│ ${label}\\s+│ 0x[0-9a-fA-F]{40} │ ([\\d.]+)\\s+│ ([\\d.]+)\\s+│ ([-+][\\d.]+)\\s+│`, 'g')
  return [...output.matchAll(row)].map((m) => ({ before: m[1] ?? '', after: m[2] ?? '', change: m[3] ?? '' }))
}

/** "9.999000" -> 9999000n */
function atomic(decimal: string): bigint {
  const [whole = '0', fraction = ''] = decimal.replace(/^[-+]/, '').split('.')
  const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'))
  return decimal.startsWith('-') ? -value : value
}

describe('npm run demo', () => {
  let demo: DemoProcess
  let result: { code: number | null; signal: NodeJS.Signals | null }
  let output: string

  beforeAll(async () => {
    demo = startDemo()
    result = await demo.exited
    output = demo.stdout()
  })
  afterAll(async () => {
    await demo?.stop()
  })

  it('exits 0', () => {
    expect(result, demo.stderr()).toEqual({ code: 0, signal: null })
  })

  it('shows the 402 as a table of what is asked', () => {
    expect(output).toContain('<- 402 Payment Required')
    expect(output).toMatch(/│ scheme\s+│ exact\s+│/)
    expect(output).toMatch(/│ network\s+│ eip155:31337\s+│/)
    expect(output).toMatch(/│ asset\s+│ 0x[0-9a-fA-F]{40} \(USDC\)\s+│/)
    expect(output).toMatch(/│ amount\s+│ 1000 atomic = \$0\.001\s+│/)
    expect(output).toMatch(/│ amount\s+│ 10000 atomic = \$0\.01\s+│/)
    expect(output).toMatch(/│ scheme\s+│ upto\s+│/)
    expect(output).toMatch(/│ amount\s+│ at most 50000 atomic = \$0\.05\s+│/)
    expect(output).toMatch(/│ payTo\s+│ 0x[0-9a-fA-F]{40}\s+│/)
  })

  it('gets a 200 with a receipt and a transaction hash for each paid route', () => {
    expect(output).toMatch(/<- 200 \{"city":"Lisbon"/)
    expect(output).toMatch(/<- 200 \{"insight":/)
    const hashes = [...output.matchAll(/│ transaction\s+│ (0x[0-9a-f]{64})\s+│/g)].map((m) => m[1])
    expect(hashes).toHaveLength(3)
    expect(new Set(hashes).size).toBe(3)
    expect(output).toMatch(/│ success\s+│ true\s+│/)
  })

  it('moves the balances by exactly the prices', () => {
    const buyer = balanceRows(output, 'buyer')
    const seller = balanceRows(output, 'seller')
    // The metered route last: 16 output tokens at 100 each, well under its $0.05 maximum.
    expect(buyer.map((row) => atomic(row.after) - atomic(row.before))).toEqual([-1000n, -10000n, -1600n])
    expect(seller.map((row) => atomic(row.after) - atomic(row.before))).toEqual([1000n, 10000n, 1600n])
    expect(buyer.map((row) => atomic(row.change))).toEqual([-1000n, -10000n, -1600n])
    expect(buyer[0]?.before).toBe('10.000000')
    expect(buyer[1]?.after).toBe('9.989000')
  })

  it('pays the metered route what it used: the maximum authorised and the amount settled, after a visible Permit2 approval', () => {
    expect(output).toMatch(/-> approved Permit2 \(0x000000000022D473030F116dDEE9F6B43aC78BA3\) to move the buyer's USDC, once \(0x[0-9a-f]{64}\)/)
    expect(output).toContain('"outputTokens":16,"charged":"1600"')
    expect(output).toContain('Maximum authorised: 50000 atomic units ($0.05); amount settled: 1600 ($0.0016), what the answer used.')
  })

  it('pays for GET /premium once, then signs in with the wallet (sign-in-with-x): 200 with no payment', () => {
    const paidOnce = output.indexOf('<- 402: sign-in refused (sign_in_not_paid), so the buyer pays')
    const signedIn = output.indexOf('== GET', paidOnce)
    expect(paidOnce).toBeGreaterThan(0)
    expect(output.slice(signedIn)).toMatch(/^== GET http:\/\/127\.0\.0\.1:\d+\/premium again \(sign-in-with-x: paid once, now the wallet signs in\)\n-> signing in with the buyer's wallet \(SIGN-IN-WITH-X: a SIWE message for 127\.0\.0\.1:\d+\), no payment\n<- 200 \{"insight":"[^"]+","paidBy":"0x[0-9a-fA-F]{40}","signedIn":true\}\nSigned in as 0x[0-9a-fA-F]{40}: no payment, no receipt, the buyer's balance unchanged \(\$9\.989\)\./)
  })

  it('sells GET /quote by channel: one deposit, fifty requests with no other transaction, one claim, one settle, the receiver paid', () => {
    expect(output).toMatch(/│ scheme\s+│ batch-settlement\s+│/)
    expect(output).toMatch(/│ amount\s+│ 1000 atomic = \$0\.001 a request, from a channel\s+│/)
    expect(output).toMatch(/request 1: the deposit went with the first voucher, transaction 0x[0-9a-f]{64}\n/)
    expect(output).toContain('request 50: a voucher for 50000 in all, no transaction')
    expect(output).toMatch(/Chain: block (\d+) before, \d+ after: 50 paid requests, 1 transaction \(the deposit\)\./)
    expect(output).toMatch(/Channel 0x[0-9a-f]{64}: deposited 50000 \(\$0\.05\), charged 50000; the seller holds the vouchers, nothing claimed yet\./)
    expect(output).toMatch(/-> claim  0x[0-9a-f]{64}\n-> settle 0x[0-9a-f]{64}\n/)
    expect(output).toMatch(/│ payer\s+│ 0x[0-9a-fA-F]{40} │ [\d.]+\s+│ [\d.]+\s+│ -0\.050000\s+│/)
    expect(output).toMatch(/│ receiver\s+│ 0x[0-9a-fA-F]{40} │ [\d.]+\s+│ [\d.]+\s+│ \+0\.050000\s+│/)
    expect(output).toContain('The payer deposited 50000 ($0.05); the receiver got 50000 ($0.05) for 50 requests, in 3 transactions.')
    // The claim and the settle went out while the API stopped, before anvil did.
    const err = demo.stderr()
    expect(err.indexOf('[api] batch.settled')).toBeGreaterThan(err.indexOf('[api] batch.claimed'))
    expect(err.indexOf('[api] batch.settled')).toBeLessThan(err.indexOf('stopped anvil'))
  })

  it('leaves no anvil running', () => {
    const pid = anvilPid(output)
    expect(isRunning(pid)).toBe(false)
    expect(demo.stderr()).toContain(`stopped anvil (pid ${pid})`)
  })
})

describe('npm run demo, when something fails', () => {
  let busy: Server
  let busyPort: number

  beforeAll(async () => {
    busy = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const address = busy.address()
    busyPort = typeof address === 'object' && address ? address.port : 0
  })
  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve))
  })

  it('exits non-zero and still stops the anvil it started', async () => {
    // The API cannot listen on a taken port: this fails after anvil is up.
    const demo = startDemo(['--port', String(busyPort)])
    const result = await demo.exited
    expect(result.code).toBe(1)
    expect(demo.stderr()).toContain('The demo failed')
    const pid = anvilPid(demo.stdout())
    expect(isRunning(pid)).toBe(false)
  })

  it('refuses bad arguments with the usage and exit code 2', async () => {
    const demo = startDemo(['--port', 'eighty'])
    const result = await demo.exited
    expect(result.code).toBe(2)
    expect(demo.stderr()).toContain('--port must be a whole number')
    expect(demo.stderr()).toContain('Usage: npm run demo')
  })
})
