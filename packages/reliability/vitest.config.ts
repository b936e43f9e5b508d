import { defineConfig } from 'vitest/config'

// The full run (RELIABILITY_FULL=1, `npm run test:reliability`) takes minutes; CI runs a smaller size.
export default defineConfig({
  test: {
    name: 'reliability',
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 60_000,
  },
})
