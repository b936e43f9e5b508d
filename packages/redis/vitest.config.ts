import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'redis',
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
