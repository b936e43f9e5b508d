import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'hono',
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
