// Bundles the benchmarked code from source with esbuild, so that `npm run bench` measures the sources as they
// are now (no `npm run build` first) and can reach engine internals (the verification cache) for P4 and P6.
import { build } from 'esbuild'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const CORE = join(ROOT, 'packages/x402/src')
const OUT = join(ROOT, 'bench/.build')

const ENTRIES = {
  core: `export * from '${CORE}/index.ts'`,
  hono: `export * from '${ROOT}/packages/hono/src/index.ts'`,
  bun: `export * from '${ROOT}/packages/bun/src/index.ts'`,
  evm: `export * from '${CORE}/evm/index.ts'`,
  anvil: `export * from '${CORE}/evm/anvil.ts'`,
  internals: [
    `export { createVerifier } from '${CORE}/engine/verifier.ts'`,
    `export { createProofReader } from '${CORE}/engine/proof-reader.ts'`,
    `export { hashToken } from '${CORE}/engine/hash.ts'`,
    `export { memoryStore } from '${CORE}/store/memory.ts'`,
  ].join('\n'),
  // P9: the seller's server (the Hono paywall, exact, batch-settlement and localFacilitator in one copy of the core),
  // and the buyer's side the bench signs with (channel payloads, vouchers, the chain with the contracts installed).
  'batch-server': [
    `export { paywall, exact, createPaywall, memoryStore } from '${ROOT}/packages/hono/src/index.ts'`,
    `export { localFacilitator, batchSettlement } from '${CORE}/evm/index.ts'`,
    `export { prepareVoucherCheck } from '${CORE}/evm/batch-settlement/voucher-verify.ts'`,
  ].join('\n'),
  batch: [
    `export * from '${CORE}/evm/batch-settlement/index.ts'`,
    `export { voucherKeccakKind } from '${CORE}/evm/batch-settlement/voucher-keccak.ts'`,
    `export { batchKit, wire } from '${CORE}/test-support/batch-facilitator.ts'`,
    `export { startUsdcChain } from '${CORE}/evm/anvil.ts'`,
    `export { localFacilitator, exactPayer } from '${CORE}/evm/index.ts'`,
    `export { encodePaymentSignature } from '${CORE}/codec/headers.ts'`,
    `export { readPaymentDemand, readReceiptHeader } from '${CORE}/client/offers.ts'`,
  ].join('\n'),
}

/** Writes bench/.build/<name>.mjs for every entry and returns their file URLs. */
export async function buildSources() {
  mkdirSync(OUT, { recursive: true })
  const urls = {}
  for (const [name, contents] of Object.entries(ENTRIES)) {
    const outfile = join(OUT, `${name}.mjs`)
    await build({
      stdin: { contents, resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outfile,
      // Resolve @tollgate/x402 to its source too, so the adapter and the core are one copy.
      alias: { '@tollgate/x402': `${CORE}/index.ts` },
      external: ['hono', 'hono/*', 'valibot', 'viem', 'viem/*'],
      logLevel: 'error',
    })
    urls[name] = pathToFileURL(outfile).href
  }
  return urls
}

/** The file URL of a bundle written by buildSources. */
export function built(name) {
  return pathToFileURL(join(OUT, `${name}.mjs`)).href
}
