// Worker-thread entry of a batch `glyphdesk transcribe` (batch.ts): loads the model and OpenCV
// once, then reads the pages it is sent, one at a time, writing each output atomically.
import { parentPort, workerData } from 'node:worker_threads'
import { z } from 'zod'
import { PageExportFormatSchema } from '../../shared/contract.ts'
import { loadClassifier } from '../recognize/models.ts'
import { PageWorkerTask, type PageWorkerReply } from './batch.ts'
import { readPageToFile } from '../read/pageFile.ts'

const port = parentPort
if (!port) throw new Error('batchWorker.ts runs as a worker thread')
const config = z
  .object({
    model: z.string().optional(),
    format: PageExportFormatSchema,
    lm: z.boolean(),
    lmWeight: z.number().optional(),
    touching: z.boolean().optional(),
    pairs: z.boolean().optional(),
    segmentScore: z.boolean().optional(),
    orientation: z.boolean().optional()
  })
  .parse(workerData)
const post = (m: PageWorkerReply) => port.postMessage(m)

try {
  const classifier = await loadClassifier(config.model)
  port.on('message', async (raw: unknown) => {
    const task = PageWorkerTask.parse(raw)
    const started = performance.now()
    try {
      // The config is a PageReading (lm, lmWeight, touching) with the model and format beside it.
      const { chars, warnings } = await readPageToFile(
        task.input,
        task.output,
        classifier,
        config.format,
        config,
        task.page
      )
      post({ type: 'done', id: task.id, chars, ms: performance.now() - started, warnings })
    } catch (e) {
      post({ type: 'failed', id: task.id, message: e instanceof Error ? e.message : String(e) })
    }
  })
  post({ type: 'ready', model: classifier.name })
} catch (e) {
  post({ type: 'fatal', message: e instanceof Error ? e.message : String(e) })
}
