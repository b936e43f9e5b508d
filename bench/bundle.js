// P5: bundle sizes as a user's bundler would ship them: esbuild, minified, browser-neutral, then gzip.
import { build } from 'esbuild'
import { gzipSync } from 'node:zlib'
import { CORE, ROOT } from './lib/build.js'

const HONO = `${ROOT}/packages/hono/src/index.ts`

export const BUNDLES = {
  'core main entry (export *)': `export * from '${CORE}/index.ts'`,
  'core minimal (createPaywall + exact)': `export { createPaywall, exact } from '${CORE}/index.ts'`,
  'hono adapter + exact': `export { paywall, exact } from '${HONO}'`,
}

export async function bundleSize(contents) {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    write: false,
    alias: { '@tollgate/x402': `${CORE}/index.ts` },
    // Hono is the app's own dependency, not the adapter's weight.
    external: ['hono', 'hono/*'],
    logLevel: 'error',
  })
  const code = result.outputFiles[0].contents
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length }
}

export async function runBundles() {
  const sizes = {}
  for (const [name, contents] of Object.entries(BUNDLES)) sizes[name] = await bundleSize(contents)
  return sizes
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runBundles())
