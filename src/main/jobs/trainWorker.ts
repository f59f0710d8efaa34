// Worker-thread entry of retrain jobs: runs runRetrain off the main thread so the window (or the HTTP
// server) stays responsive, and reports progress as messages. The runner keeps the worker between jobs
// ('run' messages, one job at a time). A 'cancel' message stops training after the batch in flight
// (trainMlp checks its AbortSignal between batches).
import { parentPort } from 'node:worker_threads'
import type { EpochStats } from '../nn/train.ts'
import { runRetrain, type RetrainSpec } from './retrain.ts'

export type WorkerMessage =
  | {
      type: 'epoch'
      epoch: number
      epochs: number
      stats: EpochStats
    }
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number }
  | { type: 'message'; message: string }
  | { type: 'done'; result: Awaited<ReturnType<typeof runRetrain>> }
  | { type: 'error'; name: string; message: string }

/** Messages to the worker: a job to run (one at a time), or cancel the one running. */
export type WorkerRequest = { type: 'run'; spec: RetrainSpec } | { type: 'cancel' }

const port = parentPort
if (!port) throw new Error('trainWorker.ts runs as a worker thread')
const post = (m: WorkerMessage) => port.postMessage(m)
let running: AbortController | null = null

function run(spec: RetrainSpec): void {
  const controller = new AbortController()
  running = controller
  let lastBatch = 0
  runRetrain(spec, {
    signal: controller.signal,
    onEpoch: (stats, epochs) => post({ type: 'epoch', epoch: stats.epoch, epochs, stats: { ...stats } }),
    onBatch: (epoch, batch, batches, loss) => {
      const now = Date.now()
      if (now - lastBatch < 200 && batch + 1 < batches) return
      lastBatch = now
      post({ type: 'batch', epoch, batch: batch + 1, batches, loss })
    },
    onMessage: (message) => post({ type: 'message', message })
  })
    .then((result) => post({ type: 'done', result }))
    .catch((err: Error) => post({ type: 'error', name: err.name, message: err.message }))
    .finally(() => {
      if (running === controller) running = null
    })
}

port.on('message', (m: WorkerRequest) => {
  if (m.type === 'cancel') running?.abort()
  else run(m.spec)
})
