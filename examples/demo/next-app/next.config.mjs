import { fileURLToPath } from 'node:url'

// The monorepo's root: node_modules, the workspace packages, and the demo's modules one level up.
const root = fileURLToPath(new URL('../../../', import.meta.url))

/** @type {import('next').NextConfig} */
export default {
  outputFileTracingRoot: root,
  turbopack: { root },
  // node-redis (with --redis) is loaded from node_modules at run time, not bundled.
  serverExternalPackages: ['redis', '@redis/client'],
}
