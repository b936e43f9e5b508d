#!/usr/bin/env node
// `npm run demo`: a paid API on a local chain, and a buyer that pays it. No keys, no network.
// `npm run demo -- --serve [--framework NAME] [--redis URL] ...`: keep it up for any x402 client. See args.js and docs/demo.md.
import { ensureCoreBuilt } from './core-build.js'

try {
  ensureCoreBuilt((line) => process.stderr.write(`[demo] ${line}\n`))
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
}
// Loaded only now: it imports the built package.
const { main } = await import('./main.js')
process.exitCode = await main(process.argv.slice(2))
