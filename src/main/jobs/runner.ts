// Jobs: long work (retraining) runs in a worker thread; the runner keeps each job's state, numbers
// its progress events (seq) and publishes them on the event bus. A view that missed events asks
// jobs.status for the whole state. Cancelling stops training after the current batch.
import { NotFoundError } from '../core/errors.ts'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { JobStatus } from '../../shared/contract.ts'
import type { EventBus } from '../core/events.ts'
import type { RetrainSpec } from './retrain.ts'
import type { WorkerMessage } from './trainWorker.ts'

export class JobNotFoundError extends NotFoundError {
  override name = 'JobNotFoundError'
}

/**
 * The worker's entry file. Under tsx (CLI, tests) it is a bootstrap that registers tsx and
 * imports the TypeScript source next to this file; in the electron-vite build it is out/main/trainWorker.js next to the bundle.
 */
export function trainWorkerEntry(): { file: string; execArgv: string[] } {
  const here = import.meta.url
  if (here.endsWith('.ts')) return { file: fileURLToPath(new URL('./trainWorker.dev.mjs', here)), execArgv: [] }
  const built = fileURLToPath(new URL('./trainWorker.js', here))
  if (!existsSync(built)) throw new Error(`the training worker ${built} is missing; rebuild with electron-vite build`)
  return { file: built, execArgv: [] }
}

interface Job {
  status: JobStatus
  worker: Worker | null
  done: Promise<JobStatus>
}

export class JobRunner {
  private jobs = new Map<string, Job>()
  private counter = 0

  constructor(
    private readonly events: EventBus,
    private readonly onModelSaved?: (name: string) => void
  ) {}

  startRetrain(spec: RetrainSpec): string {
    const id = `train-${Date.now().toString(36)}-${++this.counter}`
    const status: JobStatus = {
      id,
      kind: 'train',
      state: 'running',
      seq: 0,
      epoch: 0,
      epochs: spec.config.epochs,
      batch: 0,
      batches: 0,
      lastLoss: null,
      curves: []
    }
    const { file, execArgv } = trainWorkerEntry()
    // Typed arrays are copied into the worker by the structured clone; the spec is small otherwise.
    const worker = new Worker(file, { workerData: spec, execArgv })
    let settle!: (s: JobStatus) => void
    const job: Job = { status, worker, done: new Promise((r) => (settle = r)) }
    this.jobs.set(id, job)
    const publish = (patch: Partial<JobStatus>) => {
      job.status = { ...job.status, ...patch, seq: job.status.seq + 1 }
      this.events.emit('job.progress', job.status)
      if (job.status.state !== 'running' && job.status.state !== 'queued') settle(job.status)
    }
    const finish = (patch: Partial<JobStatus>) => {
      if (job.status.state !== 'running') return
      publish(patch)
      job.worker = null
      void worker.terminate()
    }
    worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'epoch':
          publish({
            epoch: m.epoch,
            epochs: m.epochs,
            curves: [...job.status.curves, m.stats],
            lastLoss: m.stats.trainLoss
          })
          break
        case 'batch':
          publish({ epoch: m.epoch, batch: m.batch, batches: m.batches, lastLoss: m.loss })
          break
        case 'message':
          publish({ message: m.message })
          break
        case 'done':
          if (m.result) {
            this.onModelSaved?.(m.result.model)
            finish({ state: 'done', result: m.result, message: `saved ${m.result.model}` })
          } else finish({ state: 'cancelled', message: 'cancelled: no model was saved' })
          break
        case 'error':
          finish({ state: 'failed', error: `${m.name}: ${m.message}` })
          break
      }
    })
    worker.on('error', (err) => finish({ state: 'failed', error: `${err.name}: ${err.message}` }))
    worker.on('exit', (code) =>
      finish({ state: 'failed', error: `the training worker stopped unexpectedly (exit code ${code})` })
    )
    this.events.emit('job.progress', status)
    return id
  }

  status(id: string): JobStatus {
    const job = this.jobs.get(id)
    if (!job) throw new JobNotFoundError(`no job "${id}" in this run`)
    return job.status
  }

  /** Resolves when the job has finished, failed or been cancelled. */
  wait(id: string): Promise<JobStatus> {
    const job = this.jobs.get(id)
    if (!job) throw new JobNotFoundError(`no job "${id}" in this run`)
    return job.done
  }

  cancel(id: string): JobStatus {
    const job = this.jobs.get(id)
    if (!job) throw new JobNotFoundError(`no job "${id}" in this run`)
    job.worker?.postMessage({ type: 'cancel' })
    return job.status
  }

  async dispose(): Promise<void> {
    for (const job of this.jobs.values()) await job.worker?.terminate()
  }
}
