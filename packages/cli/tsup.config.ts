import { defineConfig } from 'tsup'

export default defineConfig([
  // The library entry (run() for programs and tests), both module formats.
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    external: ['@tollgate/x402', '@tollgate/mcp', '@modelcontextprotocol/sdk', 'zod', 'viem', 'cli-table3'],
  },
  // The executable: dist/cli.js, with a shebang so npm can link it as `tollgate`.
  {
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    external: ['@tollgate/x402', '@tollgate/mcp', '@modelcontextprotocol/sdk', 'zod', 'viem', 'cli-table3'],
  },
])
