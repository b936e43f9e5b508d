import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'node',
  treeshake: true,
  // The framework and the core are the user's: never bundled.
  external: ['fastify', 'fastify-plugin', '@tollgate/x402'],
})
