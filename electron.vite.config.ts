import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { defineConfig, externalizeDepsPlugin } from 'electron-vite'
import type { Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

/**
 * The services find resources/, package.json and opencv's wasm relative to their own source file
 * (import.meta.url), which is right under tsx (CLI, tests, browser mode). Bundled into
 * out/main/index.js those paths would point outside the project, so in the main bundle each such
 * module keeps its source location. The Electron entry and the jobs (which locate the bundled
 * worker next to the bundle) are left alone.
 */
function keepSourceLocation(): Plugin {
  return {
    name: 'glyphdesk-keep-source-location',
    transform(code: string, id: string) {
      if (!id.includes('/src/main/') || id.endsWith('/src/main/index.ts') || id.includes('/src/main/jobs/')) return null
      if (!code.includes('import.meta.url')) return null
      return { code: code.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(id).href)), map: null }
    }
  }
}

// Three builds, one per process: main (Node), preload (sandboxed bridge), renderer (Vue).
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin(), keepSourceLocation()],
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          // The retrain job's worker thread, found by jobs/runner.ts next to the bundle.
          trainWorker: resolve(__dirname, 'src/main/jobs/trainWorker.ts'),
          // Page decoding and segmentation off the main thread, found by vision/readPage.ts next to the bundle.
          pageWorker: resolve(__dirname, 'src/main/vision/pageWorker.ts')
        }
      }
    }
  },
  preload: {
    // A sandboxed preload can require only electron and a few Node built-ins: bundle zod in.
    plugins: [externalizeDepsPlugin({ exclude: ['zod'] })],
    // Sandboxed preloads cannot be ES modules: emit CommonJS.
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    resolve: { alias: { '@shared': resolve(__dirname, 'src/shared') } },
    plugins: [vue()],
    build: { rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } } }
  }
})
