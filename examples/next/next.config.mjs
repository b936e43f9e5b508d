import { fileURLToPath } from 'node:url'

// The monorepo's root, where node_modules and the workspace packages live.
const root = fileURLToPath(new URL('../../', import.meta.url))

/** @type {import('next').NextConfig} */
export default {
  // The contract's app settings ship as TypeScript source.
  transpilePackages: ['@tollgate/contract'],
  outputFileTracingRoot: root,
  turbopack: { root },
}
