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
    // Entries share their common code in chunks under CommonJS too (ESM always does): one core, so one
    // TollgateError class, for every subpath a CJS app requires.
    splitting: true,
    // CommonJS has no import.meta (split CJS chunks are converted from ESM, which would keep it): there, the file's
    // own path serves (createRequire takes either).
    esbuildOptions(options, { format }) {
      if (format === 'cjs') options.define = { ...options.define, 'import.meta.url': '__filename' }
    },
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    platform,
    treeshake: false,
    external: ['@tollgate/x402', /^node:/, ...external],
  })
}
