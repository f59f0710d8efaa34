// Where segmentation's time goes (issue 15, item 5), measured without touching segment.ts: the sample
// pages are segmented warm (OpenCV loaded, every page once untimed) --reps times each, twice:
//  1. every OpenCV function segment.ts calls is wrapped with a timer (the module object is shared, so the
//     wrappers see every call): wall time per OpenCV function;
//  2. under V8's sampling CPU profiler (node:inspector), samples are charged to the src/main/vision
//     function they fell in, with "→ OpenCV" or "→ wasm kernel" when they were inside a call it made
//     (Glyphdesk's own SIMD median/closing kernels are wasm too), and the garbage collector.
// Shares of the profile are of wall time on this thread (a descheduled thread keeps its last stack).
//   npx tsx bench/segment-profile.ts [DIR] [--reps 10] [--interval-us 200]
import { readdirSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { cpus, loadavg } from 'node:os'
import { extname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadImage, type LoadedImage } from '../src/main/vision/image.ts'
import { loadOpenCv, segmentPage } from '../src/main/vision/segment.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { reps: { type: 'string', default: '10' }, 'interval-us': { type: 'string', default: '200' } }
})
const DIR = positionals[0] ?? 'resources/samples'
const REPS = Math.max(1, Number(values.reps))

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const pages: { name: string; image: LoadedImage }[] = []
for (const f of readdirSync(DIR)
  .filter((f) => ['.jpg', '.jpeg', '.png'].includes(extname(f).toLowerCase()))
  .sort()) {
  pages.push({ name: f, image: await loadImage(join(DIR, f)) })
}
const { cv } = await loadOpenCv()
for (const p of pages) await segmentPage(p.image)

// 1. OpenCV calls timed by wrappers.
const cvTime = new Map<string, { ms: number; calls: number }>()
// A profiling wrapper needs every member by name; OpenCv's interface lists only what Glyphdesk calls.
const cvObj = cv as unknown as Record<string, unknown>
const wrapped: [string, unknown][] = []
for (const key of Object.keys(cvObj)) {
  const f = cvObj[key]
  if (typeof f !== 'function' || !/^[a-z]/.test(key)) continue
  wrapped.push([key, f])
  const wrapper = function (this: unknown, ...a: unknown[]) {
    const t = performance.now()
    try {
      return (f as (...x: unknown[]) => unknown).apply(this, a)
    } finally {
      const e = cvTime.get(key) ?? { ms: 0, calls: 0 }
      e.ms += performance.now() - t
      e.calls++
      cvTime.set(key, e)
    }
  }
  // Embind's overload dispatcher looks its table up on the property it is stored in: keep it there.
  Object.assign(wrapper, f)
  cvObj[key] = wrapper
}
const tw = performance.now()
for (let r = 0; r < REPS; r++) for (const p of pages) await segmentPage(p.image)
const wrappedWall = performance.now() - tw
for (const [k, f] of wrapped) cvObj[k] = f

const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.setSamplingInterval', { interval: Number(values['interval-us']) })
await session.post('Profiler.start')
const t0 = performance.now(),
  c0 = process.cpuUsage()
for (let r = 0; r < REPS; r++) for (const p of pages) await segmentPage(p.image)
const wall = performance.now() - t0,
  cpu = process.cpuUsage(c0)
const { profile } = (await session.post('Profiler.stop')) as { profile: Profile }
session.disconnect()

// Self time per node, then charged to the nearest meaningful frame: a vision/*.ts function, or the
// OpenCV binding (opencv.js) that called into wasm, or a wasm function of our own kernels.
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const self = new Map<number, number>()
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))

function label(id: number): string {
  let opencv = false,
    wasmCode = false
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame
    if (f.functionName === '(garbage collector)') return '(garbage collector)'
    if (f.url.includes('/src/main/vision/'))
      return `${f.functionName || '(anonymous)'} (${f.url.split('/').pop()})${opencv ? ' → OpenCV' : wasmCode ? ' → own SIMD kernel' : ''}`
    // OpenCV's wasm is entered through its JS bindings (opencv.js); our SIMD kernels are called directly.
    if (f.url.includes('opencv-wasm')) opencv = true
    else if (f.url.startsWith('wasm://')) wasmCode = true
  }
  return '(other: runtime, event loop)'
}
const totals = new Map<string, number>()
for (const [id, us] of self) totals.set(label(id), (totals.get(label(id)) ?? 0) + us)
const sum = [...totals.values()].reduce((a, b) => a + b, 0)
const per = (us: number) => (us / 1000 / REPS).toFixed(1)
process.stdout.write(
  `${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, Node ${process.version}; load average ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}\n`
)
process.stdout.write(
  `segmentPage on ${pages.length} pages × ${REPS} reps: ${(wall / REPS).toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000 / REPS).toFixed(0)} ms CPU per pass over the pages\n\n`
)
process.stdout.write(
  `OpenCV calls, timed by wrappers (a separate pass, ${(wrappedWall / REPS).toFixed(0)} ms wall per pass):\n\n| OpenCV function | calls per pass | ms per pass | share of the pass |\n|---|---:|---:|---:|\n`
)
for (const [k, e] of [...cvTime].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15))
  process.stdout.write(
    `| cv.${k} | ${(e.calls / REPS).toFixed(0)} | ${(e.ms / REPS).toFixed(1)} | ${((100 * e.ms) / wrappedWall).toFixed(1)}% |\n`
  )
process.stdout.write(
  '\nSampling profile of the same work (self time, charged to the vision function that was running or had called):\n\n'
)
process.stdout.write('| function | ms per pass | share |\n|---|---:|---:|\n')
for (const [k, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 25))
  process.stdout.write(`| ${k} | ${per(us)} | ${((100 * us) / sum).toFixed(1)}% |\n`)
