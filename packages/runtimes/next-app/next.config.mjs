import { fileURLToPath } from 'node:url'

// The monorepo's root, where node_modules and the workspace packages live.
const root = fileURLToPath(new URL('../../../', import.meta.url))

/** @type {import('next').NextConfig} */
export default {
  outputFileTracingRoot: root,
  turbopack: { root },
}
