// P1's "paywall's own cost" measured in one process with no sockets (own-cost-child.js), on Node and on Bun:
// steadier than the HTTP rows on a loaded machine, because nothing but the code under test runs in the round.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { BUN } from './lib/load.js'

const CHILD = fileURLToPath(new URL('./own-cost-child.js', import.meta.url))
const run = promisify(execFile)

export async function runOwnCost({ perRound = 10_000, rounds = 14 } = {}) {
  const measure = async (runtime, ...only) => JSON.parse((await run(runtime, [CHILD, String(perRound), String(rounds), ...only], { maxBuffer: 1 << 20 })).stdout)
  const result = { node: await measure(process.execPath) }
  // The reference in a process of its own: its garbage would slow the rounds of the others.
  Object.assign(result.node, await measure(process.execPath, 'reference'))
  if (existsSync(BUN)) result.bun = await measure(BUN)
  return result
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { buildSources } = await import('./lib/build.js')
  await buildSources()
  console.log(await runOwnCost())
}
