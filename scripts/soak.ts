// Soak test: many page reads and retrains in one process, through the same registry the app and
// browser mode use. Reports failures, memory (heap and RSS) after warm-up and at the end, and latency
// percentiles. Not part of `npm test`.
//   node --expose-gc --import tsx scripts/soak.ts [--reads 1000] [--retrains 50] [--warmup 50]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAppContext } from '../src/main/ipc/context.ts'
import { createAppRegistry } from '../src/main/ipc/index.ts'
import { RESOURCES_DIR } from '../src/main/recognize/models.ts'
import type { PageDoc } from '../src/shared/pagedoc.ts'
import { stopPageWorker } from '../src/main/vision/readPage.ts'

const args = process.argv.slice(2)
const opt = (name: string, d: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : d
}
const reads = opt('reads', 1000),
  retrains = opt('retrains', 50),
  warmup = opt('warmup', 50)
const dataDir = mkdtempSync(join(tmpdir(), 'glyphdesk-soak-'))
const ctx = createAppContext({ mode: 'browser', userDataDir: dataDir, imageUrl: async () => '' })
const registry = createAppRegistry(ctx)
const pages = ['01_list.jpg', '02_letters.jpg', '03_haiku.jpg', '04_deep.jpg'].map((f) =>
  join(RESOURCES_DIR, 'samples', f)
)
const gcNow = (globalThis as { gc?: () => void }).gc
const mem = () => {
  gcNow?.()
  const m = process.memoryUsage()
  return { heapMb: m.heapUsed / 2 ** 20, rssMb: m.rss / 2 ** 20 }
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]
}

let failures = 0
const readMs: number[] = []
let afterWarmup = mem()
let doc: PageDoc | null = null
for (let i = 0; i < reads; i++) {
  // pages.open reads and segments the page afresh (a new session each time the bytes are read).
  ctx.pages['byId'].clear()
  ctx.pages['byPath'].clear()
  const t0 = performance.now()
  const r = await registry.invoke('pages.open', { path: pages[i % pages.length] })
  readMs.push(performance.now() - t0)
  if (!r.ok) {
    failures++
    process.stderr.write(`read ${i}: ${r.error.message}\n`)
  } else doc ??= (r.value as { doc: PageDoc }).doc
  if (i + 1 === warmup) afterWarmup = mem()
  if ((i + 1) % 100 === 0)
    process.stdout.write(`reads ${i + 1}: p50 ${pct(readMs, 0.5).toFixed(0)} ms, heap ${mem().heapMb.toFixed(0)} MB\n`)
}
const afterReads = mem()

const trainMs: number[] = []
if (doc) {
  const labelled = { ...doc, boxes: doc.boxes.map((b, k) => (k < 40 && b.label ? { ...b, userLabel: b.label } : b)) }
  for (let i = 0; i < retrains; i++) {
    const t0 = performance.now()
    const started = await registry.invoke('train.start', {
      config: { baseModel: 'mlp-baseline', epochs: 1, replayPerClass: 0, heldOut: 0.25, seed: i + 1 },
      docs: [labelled]
    })
    if (!started.ok) {
      failures++
      process.stderr.write(`retrain ${i}: ${started.error.message}\n`)
      continue
    }
    const id = (started.value as { jobId: string }).jobId
    for (;;) {
      await new Promise((r) => setTimeout(r, 100))
      const s = await registry.invoke('jobs.status', { id })
      const state = s.ok ? (s.value as { state: string }).state : 'failed'
      if (state === 'running' || state === 'queued') continue
      if (state !== 'done') {
        failures++
        process.stderr.write(`retrain ${i}: ${state} ${JSON.stringify(s).slice(0, 300)}\n`)
      }
      break
    }
    trainMs.push(performance.now() - t0)
  }
}
const end = mem()
await ctx.jobs.dispose()
await stopPageWorker()
rmSync(dataDir, { recursive: true, force: true })
const growth = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)}%`
process.stdout.write(
  `\nsoak: ${reads} page reads, ${retrains} retrains, ${failures} failures\n` +
    `page read ms: p50 ${pct(readMs, 0.5).toFixed(0)}, p95 ${pct(readMs, 0.95).toFixed(0)}, max ${Math.max(...readMs).toFixed(0)}\n` +
    (trainMs.length ? `retrain ms: p50 ${pct(trainMs, 0.5).toFixed(0)}, p95 ${pct(trainMs, 0.95).toFixed(0)}\n` : '') +
    `heap after ${warmup} reads ${afterWarmup.heapMb.toFixed(1)} MB, after all reads ${afterReads.heapMb.toFixed(1)} MB (${growth(afterWarmup.heapMb, afterReads.heapMb)}), at the end ${end.heapMb.toFixed(1)} MB (${growth(afterWarmup.heapMb, end.heapMb)})\n` +
    `rss after warm-up ${afterWarmup.rssMb.toFixed(0)} MB, at the end ${end.rssMb.toFixed(0)} MB (${growth(afterWarmup.rssMb, end.rssMb)})\n`
)
process.exitCode = failures ? 1 : 0
