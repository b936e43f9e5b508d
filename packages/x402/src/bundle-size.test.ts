// Bundle budgets: what an app ships for the core and for the Hono adapter, bundled as a user's bundler would
// (esbuild, minified, ESM, hono left to the app) and gzipped. A size, not a timing, so it is stable enough for CI.
//
// The performance issue asks for <= 8 kB (core main entry) and <= 15 kB (Hono + exact). Today's sizes are well
// above that (docs/performance.md says what they are made of), so these limits are ceilings just above the sizes
// measured when they were set: a change that grows a bundle must raise its limit on purpose, in review.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

const CORE = fileURLToPath(new URL('./index.ts', import.meta.url))
const HONO = fileURLToPath(new URL('../../hono/src/index.ts', import.meta.url))

// History, in short: raised for upto/Permit2, the paid path's memos and speculative handling; lowered for P5 (Hono +
// exact <= 0.25x the reference, 19,143 bytes) by many small steps (docs/performance.md); raised for issue 19 (phase
// two, schemes as plug-ins, the network table: Hono + exact 20,130); lowered when the paid path stopped bundling
// valibot (proof-check.ts) and settlement became a closure of the session again.
// Measured when last set: main entry 29,297 (it carries both the schemas and proof-check), createPaywall + exact
// 18,229, Hono + exact 18,730 bytes (with ctx.payer, the lazy lock owner and exact()'s EVM network check).
// Raised for issue 24 (faults): settlement_pending in the session (not delivered, queued with its transaction)
// and the outbox worker reconciling against a transaction and keeping delivered settlements watched: main entry
// 29,636, createPaywall + exact 18,496, Hono + exact 18,995 bytes, within the session's 19.5 kB.
// Raised for issue 20: the extension hook (exta: a route's declarations, payments read by their extensions; main
// entry 29,970, createPaywall + exact 18,782, Hono + exact 19,305) and its per-request steps (extc: a sign-in
// before payment, a fresh 402, a receipt's additions; the steps themselves ship with the extensions that bring
// them, the engine keeps only the calls and the two offer-receipt error codes): main entry 30,158, createPaywall +
// exact 18,959, Hono + exact 19,489 bytes, within the session's 19.5 kB.
// Then the size work after issues 20 and 24 (the error table in two lists, a few dead computations): main entry
// 30,179, createPaywall + exact 18,859, Hono + exact 19,365 bytes (0.2529x the reference: the 0.25x target is not met;
// docs/performance.md says what the rest is made of). The main entry's limit keeps ~150 B of room for merges.
// After the merges of that session (Hono + exact 19,424) and the extension steps found once per route: main entry
// 30,258, createPaywall + exact 18,874, Hono + exact 19,377 bytes (0.2531x); the limits stay, each still above
// these figures by less than ~150 B.
// extlocal (a payment id freed when its payment charged nothing: the engine hands the extensions' readings back on
// every uncharged end): main entry 30,345, createPaywall + exact 18,946, Hono + exact 19,467; the main entry's
// limit is raised by 30 B for it, the others stay.
// Then size3 won back what that session's merges added to an exact-only app (a helper used once inlined, the lock
// owner's words unmapped, declared class fields, base64's check once, a Blob joining chunks): main entry 30,276,
// createPaywall + exact 18,876, Hono + exact 19,391 bytes; the main entry's limit is 30,330 again.
const BUDGETS = {
  coreMainEntry: 30_330,
  coreMinimal: 19_000,
  honoWithExact: 19_500,
}

async function bundle(contents: string) {
  const result = await build({
    stdin: { contents, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
    alias: { '@tollgate/x402': CORE },
    external: ['hono', 'hono/*'],
    logLevel: 'silent',
  })
  const code = result.outputFiles[0]!.contents
  // What made it into the output: a module whose code was all tree-shaken is still among the metafile's inputs.
  const output = Object.values(result.metafile.outputs)[0]!
  const shipped = Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path)
  return { gzipped: gzipSync(code, { level: 9 }).length, inputs: Object.keys(result.metafile.inputs), shipped }
}

describe('bundle budgets (minified + gzipped)', () => {
  it('the core main entry, everything it exports', async () => {
    const { gzipped, inputs } = await bundle(`export * from ${JSON.stringify(CORE)}`)
    expect(gzipped).toBeLessThanOrEqual(BUDGETS.coreMainEntry)
    // The main entry is for every runtime: no viem, no Node built-ins; and valibot is its only dependency.
    expect(inputs.filter((path) => path.includes('node_modules/viem') || path.startsWith('node:'))).toEqual([])
    const dependencies = new Set(inputs.filter((path) => path.includes('node_modules/')).map((path) => path.split('node_modules/')[1]!.split('/')[0]))
    expect([...dependencies]).toEqual(['valibot'])
  })

  it('the core as a minimal app imports it (createPaywall + exact)', async () => {
    const { gzipped } = await bundle(`export { createPaywall, exact } from ${JSON.stringify(CORE)}`)
    expect(gzipped).toBeLessThanOrEqual(BUDGETS.coreMinimal)
  })

  it('the Hono adapter with exact pricing', async () => {
    const { gzipped, inputs, shipped } = await bundle(`export { paywall, exact } from ${JSON.stringify(HONO)}`)
    expect(gzipped).toBeLessThanOrEqual(BUDGETS.honoWithExact)
    expect(inputs.some((path) => path.endsWith('hono/src/index.ts'))).toBe(true)
    // A server reads payment proofs with proof-check.ts: valibot is for the main entry's schemas and the client.
    expect(shipped.filter((path) => path.includes('node_modules/valibot'))).toEqual([])
  })
})
