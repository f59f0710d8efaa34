// Decoding and segmentation of a page in a worker thread with a time and a memory limit, cancellable.
// One worker is kept (OpenCV loads once); pages queue for it. A page that runs past the time limit,
// or past the memory limit, or is cancelled, ends its worker (the next page starts a fresh one) and
// fails with a PageWorkError that says why; every other request keeps being answered meanwhile.
import { GlyphdeskError, InvalidInputError, type ErrorCategory } from '../core/errors.ts'
import { existsSync } from 'node:fs'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { LoadedImage } from './image.ts'
import type { PageWorkRequest } from './pageWorker.ts'
import type { PageSegmentation } from './sheet.ts'

/** A page could not be read within the limits (or was cancelled). */
export class PageWorkError extends InvalidInputError {
  override name = 'PageWorkError'
}

export interface ReadPageLimits {
  /** Wall-clock limit per page (default 120 s). */
  timeoutMs?: number
  /** Heap limit of the worker (default 1536 MB). */
  maxHeapMb?: number
  signal?: AbortSignal
  /** Which page of a multi-page TIFF to read, from 0 (default: the first, with a warning when there are more). */
  page?: number
}

type Reply =
  | { id: number; ok: true; image: LoadedImage; seg: PageSegmentation }
  | { id: number; ok: false; name: string; message: string; category: ErrorCategory }

function workerEntry(): string {
  const here = import.meta.url
  if (here.endsWith('.ts')) return fileURLToPath(new URL('./pageWorker.dev.mjs', here))
  const built = fileURLToPath(new URL('./pageWorker.js', here))
  if (!existsSync(built)) throw new Error(`the page worker ${built} is missing; rebuild with electron-vite build`)
  return built
}

let worker: Worker | null = null
let queue: Promise<unknown> = Promise.resolve()
let nextId = 1

/** An error the worker raised for the page itself (bad image, noise), re-raised with its name, message and category. */
class PageReadError extends GlyphdeskError {
  constructor(
    readonly category: ErrorCategory,
    name: string,
    message: string
  ) {
    super(message)
    this.name = name
  }
}

function rebuild(r: Extract<Reply, { ok: false }>): Error {
  return new PageReadError(r.category, r.name, r.message)
}

function run(
  bytes: Uint8Array,
  name: string,
  limits: ReadPageLimits
): Promise<{ image: LoadedImage; seg: PageSegmentation }> {
  const timeoutMs = limits.timeoutMs ?? 120_000
  const maxHeapMb = limits.maxHeapMb ?? 1536
  const w = (worker ??= new Worker(workerEntry(), { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } }))
  w.unref()
  const id = nextId++
  const file = basename(name)
  return new Promise((resolve, reject) => {
    const finish = (fn: () => void, kill: boolean) => {
      clearTimeout(timer)
      w.off('message', onMessage)
      w.off('error', onError)
      w.off('exit', onExit)
      limits.signal?.removeEventListener('abort', onAbort)
      if (kill) {
        if (worker === w) worker = null
        void w.terminate()
      }
      fn()
    }
    const onMessage = (r: Reply) => {
      if (r.id !== id) return
      finish(() => (r.ok ? resolve({ image: r.image, seg: r.seg }) : reject(rebuild(r))), false)
    }
    const onError = (e: Error) =>
      finish(
        () =>
          reject(
            new PageWorkError(
              (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'
                ? `${file} needs more than ${maxHeapMb} MB to read; is this a photo of text? Crop it to the handwriting`
                : `${file} could not be read (${e.message})`
            )
          ),
        true
      )
    const onExit = () =>
      finish(() => reject(new PageWorkError(`${file} could not be read (the page reader stopped)`)), true)
    const onAbort = () => finish(() => reject(new PageWorkError(`reading ${file} was cancelled`)), true)
    const timer = setTimeout(
      () =>
        finish(
          () =>
            reject(
              new PageWorkError(
                `${file} took longer than ${Math.round(timeoutMs / 1000)} s to read; is this a photo of text? Crop it to the handwriting`
              )
            ),
          true
        ),
      timeoutMs
    )
    w.on('message', onMessage)
    w.on('error', onError)
    w.on('exit', onExit)
    if (limits.signal?.aborted) return onAbort()
    limits.signal?.addEventListener('abort', onAbort)
    const req: PageWorkRequest = { id, bytes, name, ...(limits.page !== undefined ? { page: limits.page } : {}) }
    w.postMessage(req)
  })
}

/** Loads and segments a page image in the page worker; one page at a time, in call order. */
export function readPage(
  bytes: Uint8Array,
  name: string,
  limits: ReadPageLimits = {}
): Promise<{ image: LoadedImage; seg: PageSegmentation }> {
  const mine = queue.then(() => run(bytes, name, limits))
  queue = mine.catch(() => undefined)
  return mine
}

/** Ends the page worker (tests, shutdown). */
export async function stopPageWorker(): Promise<void> {
  const w = worker
  worker = null
  if (w) await w.terminate()
}
