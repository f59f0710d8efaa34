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
import type { WorkerMessage, WorkerRequest } from './trainWorker.ts'

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

/** Finished jobs whose status stays available to jobs.status. */
export const KEEP_FINISHED = 20

interface Job {
  status: JobStatus
  worker: Worker | null
  done: Promise<JobStatus>
}

export class JobRunner {
  private jobs = new Map<string, Job>()
  private counter = 0
  private idle: Worker | null = null
  private disposed = false
  /** Training worker threads started so far (tests: sequential jobs share one). */
  workersStarted = 0

  constructor(
    private readonly events: EventBus,
    private readonly onModelSaved?: (name: string) => void,
    private readonly keepFinished = KEEP_FINISHED
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
    const worker = this.takeWorker()
    let settle!: (s: JobStatus) => void
    const job: Job = { status, worker, done: new Promise((r) => (settle = r)) }
    this.jobs.set(id, job)
    const publish = (patch: Partial<JobStatus>) => {
      job.status = { ...job.status, ...patch, seq: job.status.seq + 1 }
      this.events.emit('job.progress', job.status)
      if (job.status.state !== 'running' && job.status.state !== 'queued') {
        settle(job.status)
        this.forgetOldJobs()
      }
    }
    // reusable: the worker answered (done, cancelled or a caught error) and can take the next job.
    const finish = (patch: Partial<JobStatus>, reusable = false) => {
      if (job.status.state !== 'running') return
      publish(patch)
      job.worker = null
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
      this.releaseWorker(worker, reusable)
    }
    const onMessage = (m: WorkerMessage) => {
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
            finish({ state: 'done', result: m.result, message: `saved ${m.result.model}` }, true)
          } else finish({ state: 'cancelled', message: 'cancelled: no model was saved' }, true)
          break
        case 'error':
          finish({ state: 'failed', error: `${m.name}: ${m.message}` }, true)
          break
      }
    }
    const onError = (err: Error) => finish({ state: 'failed', error: `${err.name}: ${err.message}` })
    const onExit = (code: number) =>
      finish({ state: 'failed', error: `the training worker stopped unexpectedly (exit code ${code})` })
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
    // Typed arrays are copied into the worker by the structured clone; the spec is small otherwise.
    const req: WorkerRequest = { type: 'run', spec }
    worker.postMessage(req)
    this.events.emit('job.progress', status)
    return id
  }

  /**
   * The idle training worker, or a new one. One worker is kept between jobs: a new worker thread (and its
   * gemm helper thread) per retrain grew the process by ~7 MB a retrain in the soak run (memory the C
   * allocator kept for each new thread), and the soak's RSS stayed flat with the threads reused.
   */
  private takeWorker(): Worker {
    const w = this.idle
    if (w) {
      this.idle = null
      w.off('exit', this.forgetIdle)
      w.ref()
      return w
    }
    const { file, execArgv } = trainWorkerEntry()
    this.workersStarted++
    return new Worker(file, { execArgv })
  }

  private releaseWorker(w: Worker, reusable: boolean): void {
    if (reusable && !this.idle && !this.disposed) {
      this.idle = w
      w.once('exit', this.forgetIdle)
      w.unref()
    } else void w.terminate()
  }

  private readonly forgetIdle = () => {
    this.idle = null
  }

  /**
   * Keeps the last `keepFinished` finished jobs (their status, curves and result) and forgets older ones: a
   * long session of retrains otherwise kept every job's state for the life of the process (the soak run grew
   * the heap by ~30 kB a retrain). Running jobs are always kept.
   */
  private forgetOldJobs(): void {
    const finished = [...this.jobs].filter(([, j]) => j.status.state !== 'running' && j.status.state !== 'queued')
    for (const [id] of finished.slice(0, Math.max(0, finished.length - this.keepFinished))) this.jobs.delete(id)
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
    this.disposed = true
    for (const job of this.jobs.values()) await job.worker?.terminate()
    const idle = this.idle
    this.idle = null
    await idle?.terminate()
  }
}
