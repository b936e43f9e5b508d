import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'cli',
    include: ['src/**/*.test.ts'],
    environment: 'node',
    // The tests run the built CLI as a child process against anvil: give them room.
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
})
