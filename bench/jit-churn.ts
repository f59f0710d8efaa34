// How much optimising-compiler work V8 still does while Glyphdesk reads an archive (issue 15): a batch of --pages
// pages (the sample pages in turn) is read by `glyphdesk transcribe --manifest … --out-dir … --workers 1` in one
// process started with `--trace-opt --trace-deopt`, and its trace is summed: TurboFan compile jobs and their
// milliseconds (V8's own timings, on its background threads or the main one) per page, the functions that cost
// most, and the deoptimisations by function and reason. Wall and CPU time of the process come from GNU time.
// A function compiled again page after page is a closure made anew on every call, or one whose optimised code was
// thrown away ("wrong map": objects of a shape it had not seen); either costs CPU on V8's threads and leaves the
// page's code in the slower tiers meanwhile. Compare the per-page figures of two checkouts run alike (the first
// pages of any batch compile everything once; more pages dilute that).
//   npx tsx bench/jit-churn.ts [--pages 40] [--top 12] [--samples resources/samples] [--model M] [--keep]
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { sampleArchive } from './sampleArchive.ts'

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '40' },
    top: { type: 'string', default: '12' },
    samples: { type: 'string', default: 'resources/samples' },
    model: { type: 'string' },
    keep: { type: 'boolean', default: false }
  }
})
const ROOT = resolve(import.meta.dirname, '..')
const BIN = join(ROOT, 'bin', 'glyphdesk.mjs')
const N = Math.max(2, Number(values.pages))
const TOP = Math.max(1, Number(values.top))
const scratch = mkdtempSync(join(tmpdir(), 'glyphdesk-jit-'))

const { samples, manifest } = sampleArchive(values.samples, N, scratch)

// The bundle is built (or found current) by a first, untraced call, so the traced run reads pages only.
spawnSync(process.execPath, [BIN, '--help'], { cwd: ROOT, stdio: 'ignore' })
const timeFile = join(scratch, 'time.txt')
const cmd = [
  process.execPath,
  '--trace-opt',
  '--trace-deopt',
  BIN,
  'transcribe',
  '--manifest',
  manifest,
  '--out-dir',
  join(scratch, 'out'),
  '--workers',
  '1',
  ...(values.model ? ['--model', values.model] : [])
]
const argv = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%e %U %S', '-o', timeFile, ...cmd] : cmd
const t0 = performance.now()
const run = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 })
const wallMs = performance.now() - t0
if (run.status !== 0) throw new Error(`the batch failed (${run.status}): ${run.stderr.slice(-2000)}`)

interface Job {
  name: string
  ms: number
  osr: boolean
}
const jobs: Job[] = []
const deopts = new Map<string, number>()
for (const line of run.stdout.split('\n')) {
  const c =
    /^\[completed compiling 0x[0-9a-f]+ <JSFunction ([^ >]*) ?\(sfi[^>]*>.*?( OSR)? - took ([\d.]+), ([\d.]+), ([\d.]+) ms\]/.exec(
      line
    )
  if (c) {
    jobs.push({ name: c[1] || '(anonymous)', ms: Number(c[3]) + Number(c[4]) + Number(c[5]), osr: c[2] !== undefined })
    continue
  }
  const d = /^\[bailout \(kind: [^,]+, reason: ([^)]*)\): begin\. deoptimizing 0x[0-9a-f]+ <JSFunction ([^ >]*)/.exec(
    line
  )
  if (d) {
    const key = `${d[2] || '(anonymous)'}: ${d[1]}`
    deopts.set(key, (deopts.get(key) ?? 0) + 1)
  }
}
const total = jobs.reduce((s, j) => s + j.ms, 0)
const byName = new Map<string, { ms: number; n: number; osr: number }>()
for (const j of jobs) {
  const e = byName.get(j.name) ?? { ms: 0, n: 0, osr: 0 }
  e.ms += j.ms
  e.n++
  if (j.osr) e.osr++
  byName.set(j.name, e)
}
let timing = ''
if (existsSync(timeFile)) {
  const [e, u, s] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-3).map(Number)
  timing = `wall ${(e * 1000).toFixed(0)} ms, CPU ${((u + s) * 1000).toFixed(0)} ms (${(((u + s) * 1000) / N).toFixed(0)} ms a page)`
} else timing = `wall ${wallMs.toFixed(0)} ms`

const out: string[] = []
out.push(
  `${cpus()[0]?.model.split(' ')[0] ?? 'cpu'} ×${cpus().length}, Node ${process.version}; ${N} pages (${samples.join(', ')} in turn); load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`
)
out.push(`whole process: ${timing}`)
out.push(
  `TurboFan: ${jobs.length} compile jobs, ${total.toFixed(0)} ms (${(total / N).toFixed(1)} ms and ${(jobs.length / N).toFixed(1)} jobs a page); ` +
    `OSR jobs ${jobs.filter((j) => j.osr).length}`
)
out.push('', '| function | compile jobs | of them OSR | ms | ms a page |', '|---|---:|---:|---:|---:|')
for (const [name, e] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, TOP))
  out.push(`| ${name} | ${e.n} | ${e.osr} | ${e.ms.toFixed(0)} | ${(e.ms / N).toFixed(1)} |`)
out.push('', '| deoptimised function: reason | times |', '|---|---:|')
for (const [key, n] of [...deopts].sort((a, b) => b[1] - a[1]).slice(0, TOP)) out.push(`| ${key} | ${n} |`)
process.stdout.write(out.join('\n') + '\n')
if (!values.keep) rmSync(scratch, { recursive: true, force: true })
else process.stdout.write(`scratch kept: ${scratch}\n`)
