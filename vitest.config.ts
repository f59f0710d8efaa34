import { resolve } from 'node:path'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

// Tests split by environment: main-process code and the end-to-end run (real Chromium) under node,
// renderer stores and components under a DOM (happy-dom).
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: numeric tests are CPU-bound, more workers only contend.
    maxWorkers: 2,
    globalSetup: ['test/globalSetup.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['test/**/*.test.ts'], exclude: ['test/renderer/**'], environment: 'node' }
      },
      {
        extends: true,
        plugins: [vue()],
        resolve: { alias: { '@shared': resolve(__dirname, 'src/shared') } },
        test: { name: 'renderer', include: ['test/renderer/**/*.test.ts'], environment: 'happy-dom' }
      }
    ]
  }
})
