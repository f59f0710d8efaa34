// Batch reading for `glyphdesk transcribe`: many images, folders and manifest files in one warm
// process. Pages are spread over worker threads (batchWorker.ts, one per core by default); each
// worker writes its page's output atomically (temporary file + rename) as soon as it is read, so
// an output that exists is complete. A rerun therefore skips pages whose output exists (unless
// forced), and a crash, kill or Ctrl-C loses at most the pages in flight. `--shard I/N` keeps the
// pages whose position in the list is I modulo N, so N machines (a Kubernetes indexed Job, a Ray
// pool, GNU parallel) split an archive with no coordination: the N shards are disjoint and their
// union is the whole list.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { Worker } from 'node:worker_threads'
import { z } from 'zod'
import { beforeV8FlagsChange } from '../core/v8Flags.ts'
import type { PageExportFormat } from '../export/index.ts'
import { UsageError } from './args.ts'
import { ATOMIC_TMP } from '../core/atomicFile.ts'
import { removeStaleTemporaries } from '../core/atomicDirs.ts'
import { tiffPageCount } from '../vision/tiffPages.ts'

export const PAGE_IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.bmp', '.webp'])
export const OUTPUT_EXT: Record<PageExportFormat, string> = {
  txt: '.txt',
  json: '.json',
  hocr: '.hocr',
  alto: '.xml',
  page: '.page.xml'
}

/** One page of a batch: the image, and where its output goes relative to --out-dir. */
export interface BatchPage {
  input: string
  /** Output path relative to the output folder, without the format's extension. */
  name: string
  /** Which page of a multi-page TIFF, from 0 (absent: the file's only page). */
  page?: number
}

/**
 * The pages of one image file: a multi-page TIFF (a scanner's stack) gives one page per directory, named
 * NAME-p1 … NAME-pN (numbers padded to N's width, so they sort in order); every other file is one page.
 */
export function filePages(input: string, name: string): BatchPage[] {
  const ext = extname(input).toLowerCase()
  const n = ext === '.tif' || ext === '.tiff' ? tiffPageCount(input) : 1
  if (n === 1) return [{ input, name }]
  const width = String(n).length
  return Array.from({ length: n }, (_, k) => ({
    input,
    name: `${name}-p${String(k + 1).padStart(width, '0')}`,
    page: k
  }))
}

/** How a page is named in messages: its file, and for a page of a multi-page TIFF which page. */
export function pageLabel(p: BatchPage): string {
  return p.page === undefined ? p.input : `${p.input} (page ${p.page + 1})`
}

export interface Shard {
  index: number
  count: number
}

/** Parses "I/N" (0 ≤ I < N), the form a Kubernetes indexed Job fills in from $JOB_COMPLETION_INDEX. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  if (!m) throw new UsageError(`--shard takes I/N with 0 ≤ I < N (e.g. 0/4), got "${text}"`)
  const index = Number(m[1]),
    count = Number(m[2])
  if (count < 1 || index >= count) throw new UsageError(`--shard ${text}: need N ≥ 1 and 0 ≤ I < N`)
  return { index, count }
}

/** The pages of shard I of N: every N-th page starting at I, in list order. */
export function shardPages<T>(pages: readonly T[], shard: Shard | undefined): T[] {
  if (!shard || shard.count === 1) return [...pages]
  return pages.filter((_, i) => i % shard.count === shard.index)
}

function imagesUnder(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    )
    for (const e of entries) {
      if (e.name.startsWith('.')) continue
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (PAGE_IMAGE_EXT.has(extname(e.name).toLowerCase())) out.push(p)
    }
  }
  walk(dir)
  return out
}

const stem = (p: string) => p.slice(0, p.length - extname(p).length)
const slashes = (p: string) => p.split(sep).join('/')

/**
 * The page list, in a fixed order: each argument in turn — an image file (output named after the
 * file), a folder (its images, recursively, sorted by name; outputs mirror the folder's tree) — then
 * each manifest's lines (one image path per line, relative to the manifest's folder; blank lines and
 * lines starting with # are skipped; outputs mirror the relative paths). Two pages may not share an output name.
 */
export function collectPages(
  inputs: readonly string[],
  manifests: readonly string[] = []
): { pages: BatchPage[]; sourceDirs: string[] } {
  const pages: BatchPage[] = []
  const sourceDirs: string[] = []
  for (const input of inputs) {
    if (!existsSync(input)) throw new UsageError(`${input} does not exist`)
    if (statSync(input).isDirectory()) {
      sourceDirs.push(resolve(input))
      const found = imagesUnder(input)
      if (found.length === 0) throw new UsageError(`${input} has no page images (${[...PAGE_IMAGE_EXT].join(' ')})`)
      for (const f of found) pages.push(...filePages(f, slashes(stem(relative(input, f)))))
    } else {
      sourceDirs.push(resolve(dirname(input)))
      pages.push(...filePages(input, stem(basename(input))))
    }
  }
  for (const manifest of manifests) {
    if (!existsSync(manifest)) throw new UsageError(`manifest ${manifest} does not exist`)
    const base = dirname(manifest)
    sourceDirs.push(resolve(base))
    readFileSync(manifest, 'utf8')
      .split(/\r?\n/)
      .forEach((raw, i) => {
        const line = raw.trim()
        if (!line || line.startsWith('#')) return
        const input = isAbsolute(line) ? line : join(base, line)
        if (!existsSync(input)) throw new UsageError(`${manifest}:${i + 1}: ${line} does not exist`)
        const rel = isAbsolute(line) ? basename(line) : relative(base, input)
        if (rel.startsWith('..'))
          throw new UsageError(`${manifest}:${i + 1}: ${line} is outside the manifest's folder; list pages below it`)
        pages.push(...filePages(input, slashes(stem(rel))))
      })
  }
  const seen = new Map<string, string>()
  for (const p of pages) {
    const other = seen.get(p.name)
    if (other !== undefined)
      throw new UsageError(
        `${other} and ${pageLabel(p)} would both be written as ${p.name}: give them different names or folders`
      )
    seen.set(p.name, pageLabel(p))
  }
  return { pages, sourceDirs }
}

/**
 * Removes temporary files (writeFileAtomic's `.NAME.PID.HEX.tmp`) left in the output folders by a
 * process that no longer runs — a batch killed mid-write. A running process's are left alone. Done once, at the
 * start: the workers' writes skip writeFileAtomic's own sweep, which lists the folder at every write. Returns how
 * many were removed.
 */
export async function sweepOutputFolders(dirs: Iterable<string>): Promise<number> {
  let removed = 0
  for (const dir of new Set(dirs))
    removed += (await removeStaleTemporaries(dir, (name) => ATOMIC_TMP.test(name))).length
  return removed
}

/**
 * Memory set aside for each batch worker when the worker count is not given, in MB: about twice what one takes.
 * Peak resident memory of a whole batch (`/usr/bin/time`, 2026-12-07): the sample pages (1.8 MP), 1 worker 380 MB
 * and 2 workers 622 MB; the same page enlarged to 11.5 MP, 378 and 567 MB — ~150 MB for the process and ~240 MB
 * a worker, whatever the page size, since segmentation works on a reduced copy.
 */
export const WORKER_MEMORY_MB = 512
/** Memory kept for the process itself and the system when the worker count is chosen, in MB. */
const BATCH_BASE_MEMORY_MB = 256

/**
 * How many workers a batch starts when `--workers` is not given: one per core, but no more than the available
 * memory holds at WORKER_MEMORY_MB each (at least one), so that an archive on a many-core machine with little
 * memory is read more slowly instead of running out of memory. `limitedBy` says which bound chose it.
 */
export function defaultBatchWorkers(
  cores: number,
  availableBytes: number
): { workers: number; limitedBy: 'cores' | 'memory' } {
  const byMemory = Math.max(1, Math.floor((availableBytes / 2 ** 20 - BATCH_BASE_MEMORY_MB) / WORKER_MEMORY_MB))
  const c = Math.max(1, Math.floor(cores))
  return byMemory < c ? { workers: byMemory, limitedBy: 'memory' } : { workers: c, limitedBy: 'cores' }
}

/**
 * The first old-generation size of each page worker's V8 heap, in MB. V8 starts a heap small and grows its limit
 * slowly, so a worker reading pages ran about one full mark-compact a page, its marking on V8's helper threads; with
 * every core reading, those helpers took the readers' cores. At 128 MB: 80 sample pages on 2 workers 15–21% faster,
 * on 1 worker unchanged within noise, peak memory ~+100 MB (docs/BENCHMARKS.md, "Batch workers start with a larger
 * heap"). Outputs are unchanged (only when the collector runs changes).
 */
export const WORKER_INITIAL_HEAP_MB = 128

/** The worker's entry: under tsx a bootstrap that registers tsx; in the CLI bundle batchWorker.js next to it. */
export function batchWorkerEntry(): string {
  const here = import.meta.url
  if (here.endsWith('.ts')) return fileURLToPath(new URL('./batchWorker.dev.mjs', here))
  const built = fileURLToPath(new URL('./batchWorker.js', here))
  if (!existsSync(built))
    throw new Error(`the page worker ${built} is missing; rebuild the CLI bundle (npm run build:cli)`)
  return built
}

export interface PageWorkerConfig {
  model?: string
  format: PageExportFormat
  /** The decoder's language model on or off, and its weight (pageFile.ts#PageReading). */
  lm: boolean
  lmWeight?: number
  touching?: boolean
  pairs?: boolean
  segmentScore?: boolean
  orientation?: boolean
}

export const PageWorkerReply = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), model: z.string() }),
  z.object({
    type: z.literal('done'),
    id: z.number(),
    chars: z.number(),
    ms: z.number(),
    warnings: z.array(z.string())
  }),
  z.object({ type: z.literal('failed'), id: z.number(), message: z.string() }),
  z.object({ type: z.literal('fatal'), message: z.string() })
])
export type PageWorkerReply = z.infer<typeof PageWorkerReply>
export const PageWorkerTask = z.object({
  id: z.number(),
  input: z.string(),
  page: z.number().int().min(0).optional(),
  output: z.string()
})
export type PageWorkerTask = z.infer<typeof PageWorkerTask>

export interface BatchOptions extends PageWorkerConfig {
  outDir: string
  workers: number
  force: boolean
  log: (line: string) => void
  /** Aborting stops handing out pages and ends the workers; the pages in flight are lost, nothing else. */
  signal?: AbortSignal
}

export interface BatchResult {
  total: number
  skipped: number
  read: number
  failed: { input: string; message: string }[]
  interrupted: boolean
  seconds: number
  workers: number
  model: string
}

export function outputPath(outDir: string, page: BatchPage, format: PageExportFormat): string {
  return join(outDir, ...page.name.split('/')) + OUTPUT_EXT[format]
}

/** Reads the pages over `workers` worker threads; returns when all are done, failed or the signal aborted. */
export async function runBatch(pages: readonly BatchPage[], opts: BatchOptions): Promise<BatchResult> {
  const started = performance.now()
  const outputs = pages.map((p) => outputPath(opts.outDir, p, opts.format))
  await sweepOutputFolders(outputs.map((o) => dirname(o)))
  const todo: number[] = []
  pages.forEach((_, i) => {
    if (opts.force || !existsSync(outputs[i])) todo.push(i)
  })
  const result: BatchResult = {
    total: pages.length,
    skipped: pages.length - todo.length,
    read: 0,
    failed: [],
    interrupted: false,
    seconds: 0,
    workers: 0,
    model: opts.model ?? 'default'
  }
  if (result.skipped)
    opts.log(
      `${result.skipped} of ${pages.length} pages already have an output in ${opts.outDir}; skipping them (--force reads them again)`
    )
  if (todo.length === 0) return { ...result, seconds: (performance.now() - started) / 1000 }

  const workers = Math.max(1, Math.min(opts.workers, todo.length))
  result.workers = workers
  // onnxruntime's intra-op threads share the cores with the other workers: split the cores between them.
  const onnxThreads = String(Math.max(1, Math.floor(availableParallelism() / workers)))
  const entry = batchWorkerEntry()
  const config: PageWorkerConfig = {
    model: opts.model,
    format: opts.format,
    lm: opts.lm,
    ...(opts.lmWeight !== undefined ? { lmWeight: opts.lmWeight } : {}),
    ...(opts.touching === false ? { touching: false } : {}),
    ...(opts.pairs === false ? { pairs: false } : {}),
    ...(opts.segmentScore === false ? { segmentScore: false } : {}),
    ...(opts.orientation === false ? { orientation: false } : {})
  }
  let next = 0
  let finished = 0
  const live = new Set<Worker>()
  // Read by V8 when an isolate's heap is configured, so it applies to the workers made below, not to this thread.
  beforeV8FlagsChange()
  setFlagsFromString(`--initial-heap-size=${WORKER_INITIAL_HEAP_MB}`)

  await new Promise<void>((resolveAll) => {
    let fatal = false
    const stopAll = () => {
      for (const w of live) void w.terminate()
    }
    const onAbort = () => {
      result.interrupted = true
      stopAll()
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    const settle = () => {
      if (live.size === 0) {
        opts.signal?.removeEventListener('abort', onAbort)
        resolveAll()
      }
    }
    for (let k = 0; k < workers; k++) {
      const env = {
        ...process.env,
        GLYPHDESK_ONNX_THREADS: process.env['GLYPHDESK_ONNX_THREADS'] ?? onnxThreads,
        // An MLP's gemms get a helper thread only when the workers leave a core free.
        GLYPHDESK_GEMM_THREADS: process.env['GLYPHDESK_GEMM_THREADS'] ?? (Number(onnxThreads) >= 2 ? '2' : '1')
      }
      const worker = new Worker(entry, { workerData: config, env })
      live.add(worker)
      const inFlight = new Map<number, number>()
      const feed = () => {
        if (result.interrupted || fatal || next >= todo.length) {
          void worker.terminate()
          return
        }
        const i = todo[next++]
        inFlight.set(i, performance.now())
        const { input, page } = pages[i]
        worker.postMessage({
          id: i,
          input,
          ...(page !== undefined ? { page } : {}),
          output: outputs[i]
        } satisfies PageWorkerTask)
      }
      worker.on('message', (raw: unknown) => {
        const m = PageWorkerReply.parse(raw)
        switch (m.type) {
          case 'ready':
            result.model = m.model
            feed()
            break
          case 'done':
            inFlight.delete(m.id)
            result.read++
            finished++
            for (const w of m.warnings) opts.log(`warning: ${pageLabel(pages[m.id])}: ${w}`)
            opts.log(
              `[${finished + result.skipped}/${pages.length}] ${pageLabel(pages[m.id])} → ${outputs[m.id]} (${m.chars} characters, ${Math.round(m.ms)} ms)`
            )
            feed()
            break
          case 'failed':
            inFlight.delete(m.id)
            finished++
            result.failed.push({ input: pageLabel(pages[m.id]), message: m.message })
            opts.log(`[${finished + result.skipped}/${pages.length}] ${pageLabel(pages[m.id])}: FAILED: ${m.message}`)
            feed()
            break
          case 'fatal':
            // The model or OpenCV did not load: every page would fail the same way.
            fatal = true
            result.failed.push({ input: '(worker)', message: m.message })
            stopAll()
            break
        }
      })
      worker.on('error', (e) => {
        fatal = true
        result.failed.push({ input: '(worker)', message: e.message })
        stopAll()
      })
      worker.on('exit', () => {
        live.delete(worker)
        settle()
      })
    }
  })
  result.seconds = (performance.now() - started) / 1000
  return result
}
