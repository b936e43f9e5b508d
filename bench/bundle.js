// P5: bundle sizes as a user's bundler would ship them: esbuild, minified, browser-neutral, then gzip.
// Beside ours: the reference packages for the same job, and ours with the wording of messages taken out.
import { build } from 'esbuild'
import { gzipSync } from 'node:zlib'
import { CORE, ROOT } from './lib/build.js'
import { stripMessages } from './lib/strip-messages.js'

const HONO = `${ROOT}/packages/hono/src/index.ts`

export const BUNDLES = {
  'core main entry (export *)': `export * from '${CORE}/index.ts'`,
  'core minimal (createPaywall + exact)': `export { createPaywall, exact } from '${CORE}/index.ts'`,
  'hono adapter + exact': `export { paywall, exact } from '${HONO}'`,
}

// The reference's Hono middleware with its exact EVM server scheme: what an app imports for the same route.
const REFERENCE_HONO = `export { paymentMiddleware } from '@x402/hono'
export { x402ResourceServer } from '@x402/core/server'
export { ExactEvmScheme } from '@x402/evm/exact/server'`

export async function bundleSize(contents, { plugins = [], resolveDir = ROOT } = {}) {
  const result = await build({
    stdin: { contents, resolveDir, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['import'],
    write: false,
    alias: { '@tollgate/x402': `${CORE}/index.ts` },
    // Hono is the app's own dependency, not the adapter's weight. The reference's extensions import Node's
    // `url` and `crypto`; they are left out rather than counted.
    external: ['hono', 'hono/*', 'url', 'crypto', 'node:*'],
    plugins,
    logLevel: 'error',
  })
  const code = result.outputFiles[0].contents
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length }
}

export async function runBundles() {
  const sizes = {}
  for (const [name, contents] of Object.entries(BUNDLES)) sizes[name] = await bundleSize(contents)
  sizes['core main entry, without message wording'] = await bundleSize(BUNDLES['core main entry (export *)'], { plugins: [stripMessages] })
  sizes['hono adapter + exact, without message wording'] = await bundleSize(BUNDLES['hono adapter + exact'], { plugins: [stripMessages] })
  sizes['reference @x402/hono + exact'] = await bundleSize(REFERENCE_HONO, { resolveDir: `${ROOT}/bench` })
  return sizes
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runBundles())
