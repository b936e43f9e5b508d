import { defineConfig } from 'vitest/config'

// This app has no tests of its own (packages/next runs the contract against it); never look into .next.
export default defineConfig({
  test: {
    name: 'example-next',
    include: ['tests/**/*.test.ts'],
    passWithNoTests: true,
  },
})
