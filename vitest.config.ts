import { defineConfig } from 'vitest/config'
import { redisSuitesRun } from './scripts/redis-suites.js'

// One run over every package: each package keeps its own vitest.config.ts. The Redis suites start a real
// redis-server: where there is none they are left out (npm test's preflight says so in one line), except where they
// are required (CI=true, TOLLGATE_REQUIRE_REDIS=1), so that CI fails on a missing server.
export default defineConfig({
  test: {
    projects: ['packages/*', 'examples/*', 'scripts', ...(redisSuitesRun() ? [] : ['!packages/redis'])],
  },
})
