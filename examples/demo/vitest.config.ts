import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'demo',
    include: ['*.test.ts'],
    environment: 'node',
    // The end-to-end tests start anvil and a server as child processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
