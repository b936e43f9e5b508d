// The build every library package shares: ESM + CJS + declarations, tree-shaken, dependencies left to the user.
import { defineConfig, type Options } from 'tsup'

export interface LibraryBuild {
  /** Entry name -> source file. Default `{ index: 'src/index.ts' }`. */
  entry?: Record<string, string>
  /** `neutral` for code that runs on edge runtimes too; `node` for Node-only packages. */
  platform: 'neutral' | 'node'
  /** Packages resolved at run time, never bundled (the core is always one of them). */
  external?: Options['external']
}

export function libraryConfig({ entry = { index: 'src/index.ts' }, platform, external = [] }: LibraryBuild) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    platform,
    treeshake: true,
    external: ['@tollgate/x402', /^node:/, ...external],
  })
}
