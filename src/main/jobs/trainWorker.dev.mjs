// Worker bootstrap when Glyphdesk runs from its TypeScript sources (CLI, browser mode, tests):
// registers tsx in the worker thread, then runs the real entry. The electron-vite build runs
// out/main/trainWorker.js instead.
import { register } from 'tsx/esm/api'

register()
await import('./trainWorker.ts')
