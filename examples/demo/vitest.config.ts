import { defineConfig } from 'vitest/config'
import { redisSuitesRun } from '../../scripts/redis-suites.js'

export default defineConfig({
  test: {
    name: 'demo',
    include: ['*.test.ts'],
    // redis.test.ts starts a real redis-server: left out where there is none and it is not required (vitest.config.ts).
    exclude: redisSuitesRun() ? [] : ['redis.test.ts'],
    environment: 'node',
    // The end-to-end tests start anvil and a server as child processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
