// `npm run bench`: P1..P9 of the performance issues, as ratios measured in this one run on this machine, with
// PASS/FAIL per target. Options: --quick (shorter runs, for a smoke test), --only=P1,P4 (a subset).
import { buildSources } from './lib/build.js'
import { runHttp } from './http.js'
import { runLatency } from './latency.js'
import { runVerify } from './verify.js'
import { runBundles } from './bundle.js'
import { runMemory } from './memory.js'
import { runEndToEnd } from './end-to-end.js'
import { runOwnCost } from './own-cost.js'
import { runChainSpeed } from './chain-speed.js'
import { runBatchSpeed } from './batch-speed.js'
import { pairedRatio } from './lib/load.js'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args.find((arg) => arg.startsWith('--only='))?.slice(7).split(',')
const wanted = (id) => !only || only.includes(id)

const rows = []
const row = (id, what, measured, target = '', pass) => rows.push({ id, what, measured, target, result: pass === undefined ? '' : pass ? 'PASS' : 'FAIL' })
const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

const started = Date.now()
await buildSources()

if (wanted('P1') || wanted('P2')) {
  const http = await runHttp(quick ? { runs: 1, seconds: 2, warmupSeconds: 1 } : {})
  const r = (a, b) => pairedRatio(http[a], http[b])
  for (const [name, result] of Object.entries(http)) {
    row('', `  ${name}: req/s, median (runs ${result.runs.join(', ')}; server CPU ${fmt(result.cpuUs, 1)} µs per request)`, fmt(result.rps))
  }
  // The server's CPU time per request, bare over ours: the same question as req/s, but not limited by autocannon.
  const c = (a, b) => http[b].cpuUs / http[a].cpuUs
  // The paywall's own server CPU per paid request: ours minus the same bytes sent with no paywall.
  const own = (paid, ceiling) => http[paid].cpuUs - http[ceiling].cpuUs
  const onBun = 'bun tollgate paid' in http
  if (wanted('P1')) {
    const ownUs = own('tollgate paid', 'bare paid bytes')
    row('P1', `paywall's own server CPU per paid request, Hono on Node (paid ${fmt(http['tollgate paid'].cpuUs, 1)} µs - bare paid bytes ${fmt(http['bare paid bytes'].cpuUs, 1)} µs)`, `${fmt(ownUs, 1)} µs`, '<= 5 µs', ownUs <= 5)
    row('P1', '  or: paid req/s / bare paid bytes req/s (the ceiling)', `${fmt(r('tollgate paid', 'bare paid bytes'), 2)}x`, '>= 0.85x', r('tollgate paid', 'bare paid bytes') >= 0.85)
    row('', '  the same by server CPU per request (ceiling µs / paid µs)', `${fmt(c('tollgate paid', 'bare paid bytes'), 2)}x`)
    row('P1', 'paid / reference @x402/hono paid', `${fmt(r('tollgate paid', 'reference paid'), 2)}x`, '>= 5x', r('tollgate paid', 'reference paid') >= 5)
    // What a paywall that cost nothing would show: the bytes alone against the reference, in the same run.
    row('', '  bare paid bytes / reference paid (the most any paywall sending these bytes can reach here)', `${fmt(r('bare paid bytes', 'reference paid'), 2)}x`)
    row('', '  paid (cached verify) / bare Hono (for scale)', `${fmt(r('tollgate paid', 'bare'), 2)}x`)
    row('', '  bare paid bytes / bare Hono (what the receipt\'s bytes cost any paywall)', `${fmt(r('bare paid bytes', 'bare'), 2)}x`)
    row('', '  bare + request.signal and request.headers / bare Hono (what the Hono adapter does not do)', `${fmt(r('bare + fetch objects', 'bare'), 2)}x`)
    if (onBun) {
      const bunOwn = own('bun tollgate paid', 'bun bare paid bytes')
      row('P1', `Bun: paywall's own server CPU per paid request, @tollgate/bun (paid ${fmt(http['bun tollgate paid'].cpuUs, 1)} µs - bare paid bytes ${fmt(http['bun bare paid bytes'].cpuUs, 1)} µs)`, `${fmt(bunOwn, 1)} µs`, '<= 5 µs', bunOwn <= 5)
      row('P1', '  Bun: or: paid req/s / bare paid bytes req/s', `${fmt(r('bun tollgate paid', 'bun bare paid bytes'), 2)}x`, '>= 0.85x', r('bun tollgate paid', 'bun bare paid bytes') >= 0.85)
      row('', '  Bun: paid / bare Bun.serve (for scale)', `${fmt(r('bun tollgate paid', 'bun bare'), 2)}x`)
      row('', '  Bun: paid / Hono on Node paid', `${fmt(r('bun tollgate paid', 'tollgate paid'), 2)}x`)
    }
  }
  if (wanted('P2')) {
    row('P2', 'unpaid 402 / the same 402 bytes from a plain handler (the ceiling)', `${fmt(r('tollgate 402', 'bare 402 bytes'), 2)}x`, '>= 1.0x', r('tollgate 402', 'bare 402 bytes') >= 1)
    row('', '  the same by server CPU per request (ceiling µs / 402 µs)', `${fmt(c('tollgate 402', 'bare 402 bytes'), 2)}x`)
    row('P2', 'unpaid 402 / reference @x402/hono 402', `${fmt(r('tollgate 402', 'reference 402'), 2)}x`, '>= 4x', r('tollgate 402', 'reference 402') >= 4)
    row('', '  bare 402 bytes / reference 402 (the most any paywall sending these bytes can reach here)', `${fmt(r('bare 402 bytes', 'reference 402'), 2)}x`)
    row('', '  unpaid 402 / bare Hono (for scale)', `${fmt(r('tollgate 402', 'bare'), 2)}x`)
    if (onBun) {
      row('P2', 'Bun: unpaid 402 / the same 402 bytes from a plain handler', `${fmt(r('bun tollgate 402', 'bun bare 402 bytes'), 2)}x`, '>= 1.0x', r('bun tollgate 402', 'bun bare 402 bytes') >= 1)
      row('', '  Bun: the same by server CPU per request', `${fmt(c('bun tollgate 402', 'bun bare 402 bytes'), 2)}x`)
    }
  }
}
if (wanted('P1') || wanted('P2')) {
  // The same question in one process with no sockets: the rest of the machine disturbs it far less.
  const cost = await runOwnCost(quick ? { perRound: 3000, rounds: 8 } : {})
  for (const [runtime, label] of [['node', 'Hono on Node, @hono/node-server\'s listener'], ['bun', '@tollgate/bun on Bun, the Bun.serve handler']]) {
    const measured = cost[runtime]
    if (!measured) continue
    const ownUs = measured.tollgate - measured.ceiling
    if (wanted('P1')) row('P1', `in process, ${label}: paywall's own CPU per paid request (paid ${fmt(measured.tollgate, 2)} µs - bare paid bytes ${fmt(measured.ceiling, 2)} µs; bare ${fmt(measured.bare, 2)} µs)`, `${fmt(ownUs, 1)} µs`, '<= 5 µs', ownUs <= 5)
    if (wanted('P1') && measured.reference) {
      const ratio = measured.reference / measured.tollgate
      row('P1', `  in process: reference @x402/hono paid CPU / ours (${fmt(measured.reference, 1)} / ${fmt(measured.tollgate, 2)} µs)`, `${fmt(ratio, 1)}x`, '>= 5x', ratio >= 5)
    }
    if (wanted('P2')) {
      const ratio = measured.ceiling402 / measured.tollgate402
      // For reading, not a target: P2 is the HTTP ratio; in process the plain handler's 402 is one Response and nothing else.
      row('', `  in process, ${label}: the same 402 bytes from a plain handler / our 402 (${fmt(measured.ceiling402, 2)} / ${fmt(measured.tollgate402, 2)} µs)`, `${fmt(ratio, 2)}x`)
      if (measured.reference402) {
        const versus = measured.reference402 / measured.tollgate402
        row('P2', `  in process: reference 402 CPU / ours (${fmt(measured.reference402, 1)} / ${fmt(measured.tollgate402, 2)} µs)`, `${fmt(versus, 1)}x`, '>= 4x', versus >= 4)
      }
    }
  }
}
if (wanted('P3')) {
  const latency = await runLatency(quick ? { requests: 500, warmup: 100 } : {})
  row('P3', `added latency p50 (p90 ${fmt(latency.p90, 3)}, facilitator p50 ${fmt(latency.facilitatorP50, 3)} ms)`, `${fmt(latency.p50, 3)} ms`, '<= 0.3 ms', latency.p50 <= 0.3)
}
if (wanted('P4')) {
  const verify = await runVerify(quick ? { cold: 300, hits: 50_000 } : {})
  row('P4', 'exact EVM verify, cold, one core', `${fmt(verify.coldPerSecond)}/s`, '>= 1,000/s', verify.coldPerSecond >= 1000)
  row('', '  without the native secp256k1: @noble/curves recovery alone (the JS floor)', `${fmt(verify.recoverOnlyPerSecond)}/s`, '')
  row('P4', 'exact EVM verify, cache hits', `${fmt(verify.hitsPerSecond)}/s`, '>= 200,000/s', verify.hitsPerSecond >= 200_000)
}
if (wanted('P5')) {
  const sizes = await runBundles()
  const kb = (bytes) => `${fmt(bytes / 1000, 1)} kB`
  const core = sizes['core main entry (export *)'].gzipped
  const hono = sizes['hono adapter + exact'].gzipped
  row('', '  core main entry, min+gzip', kb(core), '')
  row('', '  core main entry without the wording of messages (what the code alone weighs)', kb(sizes['core main entry, without message wording'].gzipped), '')
  row('', '  core minimal (createPaywall + exact), min+gzip', kb(sizes['core minimal (createPaywall + exact)'].gzipped), '')
  const reference = sizes['reference @x402/hono + exact'].gzipped
  row('P5', `hono adapter + exact, min+gzip (${kb(hono)}) / the reference's`, `${fmt(hono / reference, 3)}x`, '<= 0.25x', hono <= 0.25 * reference)
  row('', '  hono adapter + exact, min+gzip', kb(hono), '')
  row('', '  hono adapter + exact without the wording of messages', kb(sizes['hono adapter + exact, without message wording'].gzipped), '')
  row('', `  reference @x402/hono + @x402/core server + exact EVM server scheme (${fmt(reference / hono, 1)}x ours)`, kb(reference), '')
}
if (wanted('P6')) {
  const memory = await runMemory({ tokens: quick ? 100_000 : 1_000_000 })
  row('P6', `RSS growth, ${fmt(memory.tokens)} distinct tokens (${fmt(memory.seconds, 0)} s; heap after GC ${fmt(memory.heapGrowthMB, 1)} MB)`, `${fmt(memory.rssGrowthMB, 1)} MB`, '<= 64 MB', memory.rssGrowthMB <= 64)
  row('', `  the same requests with no paywall (the control; heap after GC ${fmt(memory.bare.heapGrowthMB, 1)} MB)`, `${fmt(memory.bare.rssGrowthMB, 1)} MB`)
}

if (wanted('P7')) {
  const e2e = await runEndToEnd(quick ? { requests: 60, warmup: 10 } : {})
  const ms = (n) => `${fmt(n, 1)} ms`
  // r and h as they really took in this run (timers fire late on a loaded machine): the targets use those.
  const r = e2e.facilitatorAlone
  const h = e2e.handlerAlone
  const freshTarget = Math.max(r, h) + r + 5
  const reusableTarget = h + r + 3
  row('', `  nominal r = ${e2e.rttMs} ms (verify, settle), h = ${e2e.handlerMs} ms; ${e2e.requests} sequential paid requests per path, p50`, '')
  row('', '  measured r: one facilitator call as the server makes it', ms(r))
  row('', '  measured h: the handler alone through the same server (no paywall)', ms(h))
  if (e2e.handlerInServer !== undefined) row('', `  of which the handler timed in the server ${ms(e2e.handlerInServer)}, and the client's own hop`, ms(e2e.clientHop))
  row('P7', `fresh single-use payment, GET (speculative): p50 (max(r, h) + r + 5 = ${fmt(freshTarget, 1)})`, ms(e2e.fresh), `<= ${fmt(freshTarget, 1)} ms`, e2e.fresh <= freshTarget)
  row('', '  reference @x402/hono, the same fresh payments (r + h + r)', ms(e2e.referenceFresh))
  row('P7', `reusable payment, cached verification: p50 (h + r + 3 = ${fmt(reusableTarget, 1)})`, ms(e2e.reusable), `<= ${fmt(reusableTarget, 1)} ms`, e2e.reusable <= reusableTarget)
  row('P7', `unpaid 402: p50 (facilitator calls during the run: ${e2e.unpaidFacilitatorCalls})`, ms(e2e.unpaid), '<= 2 ms, 0 calls', e2e.unpaid <= 2 && e2e.unpaidFacilitatorCalls === 0)
  row('', '  reference 402', ms(e2e.referenceUnpaid))
}

if (wanted('P8')) {
  const speed = await runChainSpeed()
  const s = (n) => `${fmt(n, 2)} s`
  const failures = (r) => (Object.keys(r.failures).length ? `; not paid: ${Object.entries(r.failures).map(([why, n]) => `${n} x ${why}`).join(', ')}` : '')
  const figures = (label, r) => [
    [`${label}: paid answers${failures(r)}`, `${r.paid}/${r.total}`],
    [`${label}: latency p50 (p95 ${s(r.p95)}; the paid request in the server alone: p50 ${s(r.serverP50)})`, s(r.p50)],
    [`${label}: settlements per block, max (mean ${fmt(r.perBlockMean, 1)} over ${r.blocks} blocks)`, fmt(r.perBlockMax)],
  ]
  const t = speed.tollgate
  row('', `  anvil mining a block every ${speed.blockSeconds} s; ${speed.buyers} buyers x ${speed.payments} payments at once, reference client; facilitator's chain calls held ${speed.holdMs} ms by a relay`, '')
  const [paidRow, p50Row, blockRow] = figures('Tollgate', t)
  row('P8', paidRow[0], paidRow[1], `${t.total}/${t.total}`, t.paid === t.total)
  row('P8', p50Row[0], p50Row[1], '<= 2.6 s', t.p50 <= 2.6)
  row('P8', blockRow[0], blockRow[1], '>= 40', t.perBlockMax >= 40)
  for (const [what, measured] of figures('  reference facilitator', speed.reference)) row('', what, measured)
  for (const [what, measured] of figures('  without the relay: Tollgate', speed.tollgateDirect)) row('', what, measured)
  for (const [what, measured] of figures('  without the relay: reference facilitator', speed.referenceDirect)) row('', what, measured)
}

if (wanted('P9')) {
  const b = await runBatchSpeed(quick ? { channels: 1, claimChannels: 100, exactPayments: 3, vouchers: 300, rounds: 4, ownCostPerRound: 200 } : {})
  const ms = (n) => `${fmt(n, 2)} ms`
  const added = b.batch - b.free
  const { gas: g, claimedChannels: n, verify: v } = b
  row('', `  anvil mining a block every ${b.blockSeconds} s; localFacilitator's chain calls held ${b.holdMs} ms by a relay; ${b.channels} channel(s) x ${b.requestsPerChannel} paid requests (a deposit, then vouchers), in blocks of 25 taking turns with the handler alone; p50 over loopback HTTP`, '')
  row('', '  the handler alone (GET /free, the same handler, no paywall)', ms(b.free))
  row('P9', `paid request on an open channel: p50 over the handler alone (${ms(b.batch)} - ${ms(b.free)}, ${b.samples} vouchers)`, ms(added), '<= 1 ms', added <= 1)
  row('', `  in the server, arrival to answer: p50 voucher ${ms(b.inServer.batch)}, handler alone ${ms(b.inServer.free)}; its CPU per request: voucher ${ms(b.cpuInServer.batch)}, handler alone ${ms(b.cpuInServer.free)}`, ms(b.inServer.batch - b.inServer.free))
  const own = b.ownCost
  row('', `  in process, no sockets (${own.pinnedTo === undefined ? 'not pinned' : `pinned to CPU ${own.pinnedTo}`}): the seller's CPU per voucher request ${fmt(own.voucher, 1)} µs - the handler alone ${fmt(own.handler, 1)} µs, of which the voucher check (verifyVoucherSignature) ${fmt(own.check, 1)} µs`, `${fmt(own.voucher - own.handler, 1)} µs`)
  row('', `  exact in the same run, the same price: p50 of ${b.exactPayments} paid requests one after another, each settled on chain first (one block)`, ms(b.exact))
  row('', '  the deposit request that opens a channel (settled on chain first: one block)', ms(b.deposit))
  const perChannel = g.deposit + g.claim / n + g.settle / n
  const perRequest = perChannel / b.requestsPerChannel
  row('P9', `gas per paid request at ${b.requestsPerChannel} per channel: (deposit ${fmt(g.deposit)} + claim ${fmt(g.claim)} / ${n} + settle ${fmt(g.settle)} / ${n}) / ${b.requestsPerChannel} = ${fmt(perRequest)} gas, of exact's ${fmt(g.exact)}`, `${fmt((perRequest / g.exact) * 100, 2)}%`, '<= 1%', perRequest <= g.exact * 0.01)
  row('', `  exact: an EIP-3009 transfer's gasUsed, p50 of ${b.exactPayments} (${fmt(g.exactRange[0])} to ${fmt(g.exactRange[1])}: the first to an empty balance costs more)`, fmt(g.exact))
  row('', `  deposit: p50 of the ${n} channels' deposits (ERC-3009; the run's first, into a contract holding none of the token yet: ${fmt(g.firstDeposit)})`, fmt(g.deposit))
  row('', '  requests per channel at which the gas per request reaches 1% of exact\'s (the deposit is most of it)', fmt(Math.ceil(perChannel / (g.exact * 0.01))))
  const f = g.floor
  const fresh = Object.entries(f.freshSlots).map(([where, count]) => `${count} in ${where === 'token' ? 'the token' : where}`).join(', ')
  row('', `  the floor the spec's deposit path sets, any implementation: base ${fmt(f.base)} + calldata ${fmt(f.bytes)} B (${fmt(f.zero)} zero) ${fmt(f.calldataGas)} + ${f.required} fresh slots (the ERC-3009 nonce, the channel's balance) x ${fmt(f.freshSlotGas)} = ${fmt(f.gas)} gas (this deposit wrote fresh: ${fresh}); per request at ${b.requestsPerChannel} per channel, of exact's`, `${fmt((f.gas / b.requestsPerChannel / g.exact) * 100, 2)}%`)
  row('', '  requests per channel at which that floor alone reaches 1% of exact\'s (no claim, no settle, no transfer counted)', fmt(Math.ceil(f.gas / (g.exact * 0.01))))
  row('P9', `one claim transaction (claimWithSignature through localFacilitator): channels covered (gasUsed ${fmt(g.claim)}, ${fmt(g.claim / n)} gas per channel; calldata ${fmt(g.claimBytes)} B, ${fmt(g.claimBytes / n)} B per channel)`, fmt(n), '>= 100', n >= 100)
  row('', `  the settle that swept the claimed ${fmt(Number(b.received))} units to the receiver: gasUsed`, fmt(g.settle))
  const where = v.pinnedTo === undefined ? 'not pinned (no taskset)' : `pinned to CPU ${v.pinnedTo}`
  const keccak = v.keccak === 'wasm' ? 'Keccak by hash-wasm' : 'Keccak by viem, hash-wasm not loaded'
  row('P9', `voucher verifications on one core (verifyVoucherSignature, ${v.vouchers} distinct vouchers, ${where}, ${keccak}; load average ${v.load.map((l) => l.toFixed(1)).join(' -> ')}): per second of its CPU, fastest of ${v.rounds} rounds (median ${fmt(v.cpuMedian)}/s)`, `${fmt(v.cpuFastest)}/s`, '>= 10,000/s', v.cpuFastest >= 10_000)
  row('', `  the same by the wall clock, fastest round (median ${fmt(v.wallMedian)}/s): other processes' turns on that core count`, `${fmt(v.wallFastest)}/s`)
  if (v.nativePerSecond) {
    row('', '  the native secp256k1 recovery alone on the same vouchers, rounds taking turns with the checks: per second of CPU, fastest (what this core allows now)', `${fmt(v.nativePerSecond)}/s`)
    row('', '  the check\'s rate as a share of the recovery\'s alone (what is left is the three Keccaks and the parsing)', `${fmt((v.cpuFastest / v.nativePerSecond) * 100)}%`)
  }
  row('', '  without the native secp256k1: viem\'s JavaScript recovery alone (the floor)', `${fmt(v.javascriptPerSecond)}/s`)
}

const widths = ['id', 'what', 'measured', 'target', 'result'].map((key) => Math.max(key.length, ...rows.map((r) => String(r[key]).length)))
const line = (cells) => '| ' + cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ') + ' |'
console.log(`\nTollgate benchmarks: node ${process.version}, ${(await import('node:os')).cpus().length} cores, ${fmt((Date.now() - started) / 1000)} s${quick ? ' (--quick)' : ''}\n`)
console.log(line(['id', 'what', 'measured', 'target', 'result']))
console.log(line(widths.map((w) => '-'.repeat(w))))
for (const r of rows) console.log(line([r.id, r.what, r.measured, r.target, r.result]))
const failed = rows.filter((r) => r.result === 'FAIL').length
console.log(`\n${rows.filter((r) => r.result === 'PASS').length} targets passed, ${failed} failed`)
