import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'evm/index': 'src/evm/index.ts',
    'nevermined/index': 'src/nevermined/index.ts',
    'client/index': 'src/client/index.ts',
    // Node only: starts a local chain (anvil) and deploys the test token, for demos and tests.
    'anvil/index': 'src/evm/anvil.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  treeshake: true,
  // viem is an optional peer: only the ./evm entry imports it.
  external: ['viem', /^node:/],
})
