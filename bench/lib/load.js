// Load against 127.0.0.1 with autocannon: a warm-up, then several timed runs per target, interleaved so that
// a slow moment of a shared machine hits every target alike; the median of the runs is reported.
import autocannon from 'autocannon'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const SERVER = fileURLToPath(new URL('../server.js', import.meta.url))
const BUN_SERVER = fileURLToPath(new URL('../bun-server.js', import.meta.url))
/** The Bun runtime the `bun` npm package installs. */
export const BUN = fileURLToPath(new URL('../../node_modules/.bin/bun', import.meta.url))

/**
 * Starts `server.js <variant>` in a child process (`bun-server.js` on Bun for the `bun-*` variants); resolves with
 * its base URL and a stop function.
 */
export async function startServer(variant, { execPath, execArgv, env } = {}) {
  const onBun = variant.startsWith('bun-')
  const child = fork(onBun ? BUN_SERVER : SERVER, [variant], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execPath: onBun ? BUN : execPath,
    execArgv: onBun ? [] : execArgv,
    env,
  })
  const port = await new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message.port))
    child.once('exit', (code) => reject(new Error(`server ${variant} exited with ${code}`)))
  })
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    /** The server process's CPU time so far (user + system, all its threads), in microseconds. */
    cpu: () =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve(message.cpu.user + message.cpu.system))
        child.send('cpu')
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve)
        child.send('stop')
      }),
  }
}

/**
 * One autocannon run; resolves with requests per second, the server's CPU time per request (when the target
 * has `cpu`) and the count of unexpected statuses. CPU per request does not depend on whether the server or the
 * load generator was the bottleneck: on 2 cores they compete, and req/s alone cannot say which one limited.
 */
export async function fire({ url, headers = {}, expect = 200, seconds, connections, cpu }) {
  const before = await cpu?.()
  const result = await autocannon({ url, headers, duration: seconds, connections, pipelining: 1 })
  const cpuUs = cpu ? ((await cpu()) - before) / result.requests.total : undefined
  return { rps: result.requests.mean, cpuUs, p50: result.latency.p50, errors: result.errors + result.timeouts + countWrong(result, expect) }
}

function countWrong(result, expect) {
  const bucket = `${String(expect)[0]}xx`
  return result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'] - result[bucket]
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * Measures every target: one warm-up run each, then `runs` rounds in which every target runs once.
 * Returns { [name]: { rps (median), runs: [...] } }; runs[i] of every target come from the same round i.
 */
export async function measureAll(targets, { runs, seconds, warmupSeconds, connections }) {
  for (const target of targets) await fire({ ...target, seconds: warmupSeconds, connections })
  const samples = Object.fromEntries(targets.map((target) => [target.name, []]))
  for (let round = 0; round < runs; round++) {
    for (const target of targets) {
      const sample = await fire({ ...target, seconds, connections })
      if (sample.errors > 0) throw new Error(`${target.name}: ${sample.errors} responses were not ${target.expect ?? 200} or failed`)
      samples[target.name].push(sample)
    }
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, list]) => [
      name,
      { rps: median(list.map((s) => s.rps)), runs: list.map((s) => Math.round(s.rps)), p50: median(list.map((s) => s.p50)), cpuUs: list[0].cpuUs === undefined ? undefined : median(list.map((s) => s.cpuUs)) },
    ]),
  )
}

/** The median over rounds of a / b, each round's pair measured back to back: steadier than a ratio of medians. */
export function pairedRatio(a, b) {
  return median(a.runs.map((value, i) => value / b.runs[i]))
}
