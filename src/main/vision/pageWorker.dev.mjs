// Worker bootstrap when Glyphdesk runs from its TypeScript sources (CLI, browser mode, tests):
// registers tsx in the worker thread, then runs the real entry. The electron-vite build runs
// out/main/pageWorker.js instead.
import { register } from 'tsx/esm/api'

register()
await import('./pageWorker.ts')
