// Worker bootstrap when Glyphdesk runs from its TypeScript sources (tests, GLYPHDESK_CLI_FROM_SOURCE=1):
// registers tsx in the worker thread, then runs the real entry. The CLI bundle runs batchWorker.js instead.
import { register } from 'tsx/esm/api'

register()
await import('./batchWorker.ts')
