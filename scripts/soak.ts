// Soak test: many page reads and retrains in one process, through the same registry the app and
// browser mode use. Reports failures, memory (heap and RSS) after warm-up and at the end, and latency
// percentiles. Not part of `npm test`.
//   node --expose-gc --import tsx scripts/soak.ts [--reads 1000] [--retrains 50] [--warmup 100] [--check-every 50]
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
  warmup = opt('warmup', 100)
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
const trainMs: number[] = []
// Memory at checkpoints, after a forced GC: main-thread heap (the page and training workers have their
// own heaps, which end with them or are measured through RSS) and the whole process's RSS.
const checkpoints: { reads: number; retrains: number; heapMb: number; rssMb: number }[] = []
let doc: PageDoc | null = null
let retrainsDone = 0

async function retrain(i: number): Promise<void> {
  if (!doc) return
  const labelled = { ...doc, boxes: doc.boxes.map((b, k) => (k < 40 && b.label ? { ...b, userLabel: b.label } : b)) }
  const t0 = performance.now()
  const started = await registry.invoke('train.start', {
    config: { baseModel: 'mlp-baseline', epochs: 1, replayPerClass: 0, heldOut: 0.25, seed: i + 1 },
    docs: [labelled]
  })
  if (!started.ok) {
    failures++
    process.stderr.write(`retrain ${i}: ${started.error.message}\n`)
    return
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

// Reads and retrains interleaved (a retrain after every reads/retrains page reads), so that the warm-up
// covers both: the first retrain starts a training worker and loads its model, which a reads-then-retrains
// order would count as growth.
const every = retrains > 0 ? Math.max(1, Math.floor(reads / retrains)) : Infinity
const checkEvery = opt('check-every', 50)
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
  if ((i + 1) % every === 0 && retrainsDone < retrains) await retrain(retrainsDone++)
  if ((i + 1) % checkEvery === 0 || i + 1 === warmup) {
    const m = mem()
    checkpoints.push({ reads: i + 1, retrains: retrainsDone, ...m })
    process.stdout.write(
      `reads ${i + 1}, retrains ${retrainsDone}: read p50 ${pct(readMs, 0.5).toFixed(0)} ms, heap ${m.heapMb.toFixed(1)} MB, rss ${m.rssMb.toFixed(0)} MB\n`
    )
  }
}
while (retrainsDone < retrains) {
  await retrain(retrainsDone++)
  if (retrainsDone % 5 === 0) {
    const m = mem()
    process.stdout.write(`retrains ${retrainsDone}: heap ${m.heapMb.toFixed(1)} MB, rss ${m.rssMb.toFixed(0)} MB\n`)
  }
}
const afterWarmup = checkpoints.find((c) => c.reads === warmup) ?? checkpoints[0] ?? { ...mem(), reads: 0, retrains: 0 }
const afterReads = mem()
// Least-squares slope of RSS over the checkpoints after warm-up: a leak keeps climbing, a warm-up levels off.
const late = checkpoints.filter((c) => c.reads > warmup)
const slope = (() => {
  if (late.length < 3) return NaN
  const mx = late.reduce((a, c) => a + c.reads, 0) / late.length
  const my = late.reduce((a, c) => a + c.rssMb, 0) / late.length
  const num = late.reduce((a, c) => a + (c.reads - mx) * (c.rssMb - my), 0)
  const den = late.reduce((a, c) => a + (c.reads - mx) ** 2, 0)
  return (num / den) * 100
})()
const end = mem()
await ctx.jobs.dispose()
await stopPageWorker()
rmSync(dataDir, { recursive: true, force: true })
const growth = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)}%`
const maxRss = Math.max(...late.map((c) => c.rssMb))
process.stdout.write(
  `\nsoak: ${reads} page reads, ${retrains} retrains, ${failures} failures\n` +
    `page read ms: p50 ${pct(readMs, 0.5).toFixed(0)}, p95 ${pct(readMs, 0.95).toFixed(0)}, max ${Math.max(...readMs).toFixed(0)}\n` +
    (trainMs.length ? `retrain ms: p50 ${pct(trainMs, 0.5).toFixed(0)}, p95 ${pct(trainMs, 0.95).toFixed(0)}\n` : '') +
    `warm-up: ${afterWarmup.reads} reads and ${afterWarmup.retrains} retrains\n` +
    `heap after warm-up ${afterWarmup.heapMb.toFixed(1)} MB, after all reads ${afterReads.heapMb.toFixed(1)} MB (${growth(afterWarmup.heapMb, afterReads.heapMb)}), at the end ${end.heapMb.toFixed(1)} MB (${growth(afterWarmup.heapMb, end.heapMb)})\n` +
    `rss after warm-up ${afterWarmup.rssMb.toFixed(0)} MB, highest checkpoint after ${maxRss.toFixed(0)} MB (${growth(afterWarmup.rssMb, maxRss)}), at the end ${end.rssMb.toFixed(0)} MB (${growth(afterWarmup.rssMb, end.rssMb)}); slope after warm-up ${slope.toFixed(2)} MB per 100 reads\n`
)
process.exitCode = failures ? 1 : 0
