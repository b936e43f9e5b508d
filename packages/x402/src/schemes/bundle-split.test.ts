// An app bundles the schemes it imports and no other: each scheme module registers itself only when loaded.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const CORE = fileURLToPath(new URL('../index.ts', import.meta.url))

/** The source files that put code into the bundle of `contents` (tree-shaken ones left out). */
async function shipped(contents: string): Promise<string[]> {
  const result = await build({
    stdin: { contents, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  const inputs = Object.values(result.metafile.outputs)[0]!.inputs
  return Object.entries(inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path)
}

describe('scheme modules in an app bundle', () => {
  it('an EVM app (createPaywall + exact) ships neither upto nor the Nevermined plan scheme', async () => {
    const files = await shipped(`export { createPaywall, exact } from ${JSON.stringify(CORE)}`)
    expect(files.some((path) => path.includes('schemes/evm-exact/scheme.ts'))).toBe(true)
    expect(files.filter((path) => /schemes\/(nvm-plan|evm-upto)\/|nevermined\//.test(path))).toEqual([])
  })

  it('an EVM app ships no Solana code (the svm-exact scheme and @solana/kit load with @tollgate/x402/svm only)', async () => {
    const files = await shipped(`export { createPaywall, exact } from ${JSON.stringify(CORE)}`)
    expect(files.filter((path) => /schemes\/svm-exact\/|\/svm\/|@solana/.test(path))).toEqual([])
  })

  it('a Nevermined app (createPaywall + plan) ships no EVM scheme module', async () => {
    const files = await shipped(`export { createPaywall, plan } from ${JSON.stringify(CORE)}`)
    expect(files.some((path) => path.includes('schemes/nvm-plan/scheme.ts'))).toBe(true)
    expect(files.filter((path) => /schemes\/evm-(exact|upto)\/(scheme|options|asset-options)\.ts|\/evm\//.test(path))).toEqual([])
  })
})
