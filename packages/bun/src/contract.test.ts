// The adapter contract through Bun.serve, under the bun runtime from npm.
import { fileURLToPath } from 'node:url'
import { runContract, startChild } from '@tollgate/contract'

const root = fileURLToPath(new URL('../../../', import.meta.url))

runContract({
  name: 'bun (Bun.serve routes and fetch)',
  start: ({ vars }) => startChild(`${root}node_modules/.bin/bun`, ['examples/bun/src/server.ts'], { cwd: root, env: vars }),
})
