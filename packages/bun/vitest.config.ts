import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'bun',
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
