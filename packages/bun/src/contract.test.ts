// The adapter contract through Bun.serve, under the bun runtime from npm.
import { fileURLToPath } from 'node:url'
import { runCloseContract, runContract, startChild } from '@tollgate/contract'
import { withPaywall } from './index.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))

runContract({
  name: 'bun (Bun.serve routes and fetch)',
  start: ({ vars }) => startChild(`${root}node_modules/.bin/bun`, ['examples/bun/src/server.ts'], { cwd: root, env: vars }),
})

// withPaywall is fetch-shaped: its close() is checked in this process.
runCloseContract({ name: 'bun withPaywall', open: async (options) => withPaywall(() => new Response('ok'), options) })
