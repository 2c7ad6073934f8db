import { defineConfig } from 'vitest/config'

// Unit tests are plain TypeScript (no DOM): i18n completeness, tab logic, API error mapping.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
