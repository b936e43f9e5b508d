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
  // The user's node-redis and the core are resolved at run time, never bundled.
  external: ['redis', '@tollgate/x402', /^node:/],
})
