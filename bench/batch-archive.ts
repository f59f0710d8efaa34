// Reading an archive with `glyphdesk transcribe --out-dir` (issue 15): throughput on 1 and 2 worker
// threads, and a crash check. An "archive" of --pages pages is the sample pages repeated (symbolic links
// in a scratch folder, listed in a manifest), so every page's right output is known: the output of
// its sample page, read once first.
//
//   npx tsx bench/batch-archive.ts throughput [--pages 200] [--workers 1,2] [--rounds 1] [--model M]
//     Whole-process wall time of one batch per worker count (rounds interleave the counts), pages/s,
//     pages/s per worker, the ratio to the first count from the same round, CPU seconds per page (GNU time:
//     equal CPU per page means the workers add no serial work, so an idle machine scales with the cores);
//     load average around it.
//   npx tsx bench/batch-archive.ts kill [--pages 200] [--workers 2] [--model M]
//     Starts a batch, kill -9s it once a third of the outputs exist, checks that every output present is
//     complete, reruns the same command, and checks that every page then has exactly one complete
//     output and no temporary file is left. Exits 1 if any check fails.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { sampleArchive } from './sampleArchive.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pages: { type: 'string', default: '200' },
    workers: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    model: { type: 'string' },
    samples: { type: 'string', default: 'resources/samples' },
    keep: { type: 'boolean', default: false }
  }
})
const mode = positionals[0]
if (mode !== 'throughput' && mode !== 'kill') {
  process.stderr.write(
    'usage: npx tsx bench/batch-archive.ts throughput|kill [--pages 200] [--workers 1,2] [--rounds 1] [--model M]\n'
  )
  process.exit(2)
}
const ROOT = resolve(import.meta.dirname, '..')
const BIN = join(ROOT, 'bin', 'glyphdesk.mjs')
const N = Math.max(1, Number(values.pages))
const modelArgs = values.model ? ['--model', values.model] : []
const scratch = mkdtempSync(join(tmpdir(), 'glyphdesk-archive-'))
const cleanup = () => {
  if (!values.keep) rmSync(scratch, { recursive: true, force: true })
}

// The archive: page-0000_01_list.jpg → the sample, …, in a manifest.
const { samplesDir, samples, manifest, sourceOf } = sampleArchive(values.samples, N, scratch)

// The right output of every sample page: one batch over the samples.
const refDir = join(scratch, 'reference')
const ref = spawnSync(process.execPath, [BIN, 'transcribe', samplesDir, '--out-dir', refDir, ...modelArgs], {
  cwd: ROOT,
  encoding: 'utf8'
})
if (ref.status !== 0) throw new Error(`reference run failed: ${ref.stderr}`)
const expected = new Map(
  samples.map((s) => [
    s.replace(/\.[^.]+$/, ''),
    readFileSync(join(refDir, s.replace(/\.[^.]+$/, '') + '.txt'), 'utf8')
  ])
)

/** One batch as a whole process; CPU seconds (user + system) from GNU time when /usr/bin/time exists. */
function runBatch(
  outDir: string,
  workers: number
): Promise<{ seconds: number; cpu: number | null; code: number | null; stderr: string }> {
  return new Promise((done) => {
    const t0 = performance.now()
    const timeFile = join(scratch, `time-${workers}.txt`)
    const cmd = [
      process.execPath,
      BIN,
      'transcribe',
      '--manifest',
      manifest,
      '--out-dir',
      outDir,
      '--workers',
      String(workers),
      ...modelArgs
    ]
    const argv = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%U %S', '-o', timeFile, ...cmd] : cmd
    const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.on('exit', (code) => {
      let cpu: number | null = null
      if (existsSync(timeFile)) {
        const [u, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number)
        if (Number.isFinite(u + sys)) cpu = u + sys
      }
      done({ seconds: (performance.now() - t0) / 1000, cpu, code, stderr })
    })
  })
}

if (mode === 'throughput') {
  const counts = (values.workers ?? '1,2').split(',').map(Number)
  const rounds = Math.max(1, Number(values.rounds))
  const load0 = loadavg()
  process.stdout.write(
    `${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, Node ${process.version}; ${N} pages (${samples.join(', ')} repeated); model ${values.model ?? 'default'}\n`
  )
  process.stdout.write(
    `load average before: ${load0.map((v) => v.toFixed(2)).join(' ')}\n\n| round | workers | wall | pages/s | pages/s per worker | speed vs ${counts[0]} worker(s) | CPU s per page | load avg (1 min) after |\n|---|---:|---:|---:|---:|---:|---:|---:|\n`
  )
  const ratios: number[] = []
  for (let r = 0; r < rounds; r++) {
    let base = 0
    for (const w of counts) {
      const outDir = join(scratch, `out-${r}-${w}`)
      const res = await runBatch(outDir, w)
      if (res.code !== 0) throw new Error(`batch on ${w} workers exited ${res.code}: ${res.stderr.slice(-2000)}`)
      const done = readdirSync(outDir).filter((f) => f.endsWith('.txt')).length
      if (done !== N) throw new Error(`batch on ${w} workers wrote ${done} of ${N} outputs`)
      const rate = N / res.seconds
      if (w === counts[0]) base = rate
      else ratios.push(rate / base)
      process.stdout.write(
        `| ${r + 1} | ${w} | ${res.seconds.toFixed(1)} s | ${rate.toFixed(2)} | ${(rate / w).toFixed(2)} | ${(rate / base).toFixed(2)}× | ${res.cpu === null ? '—' : (res.cpu / N).toFixed(3)} | ${loadavg()[0].toFixed(2)} |\n`
      )
      rmSync(outDir, { recursive: true, force: true })
    }
  }
  if (ratios.length) {
    const s = [...ratios].sort((a, b) => a - b)
    process.stdout.write(
      `\nspeed-up ${counts.at(-1)} vs ${counts[0]} worker(s): min ${s[0].toFixed(2)}×, median ${s[s.length >> 1].toFixed(2)}× over ${rounds} round(s)\n`
    )
  }
  cleanup()
} else {
  const workers = Number(values.workers ?? '2')
  const outDir = join(scratch, 'out')
  const failures: string[] = []
  const outputs = () => (existsSync(outDir) ? readdirSync(outDir) : [])
  const check = (when: string, requireAll: boolean) => {
    const files = outputs()
    const temps = files.filter((f) => f.endsWith('.tmp'))
    const done = files.filter((f) => f.endsWith('.txt'))
    let incomplete = 0
    for (const f of done) {
      const page = basename(f, '.txt')
      const src = sourceOf.get(page)
      if (!src) {
        failures.push(`${when}: unexpected output ${f}`)
        continue
      }
      if (readFileSync(join(outDir, f), 'utf8') !== expected.get(src)) {
        incomplete++
        failures.push(`${when}: ${f} differs from ${src}'s output`)
      }
    }
    if (requireAll) {
      for (const page of sourceOf.keys())
        if (!done.includes(`${page}.txt`)) failures.push(`${when}: ${page} has no output`)
      if (temps.length) failures.push(`${when}: temporary files left: ${temps.join(', ')}`)
    }
    process.stdout.write(
      `${when}: ${done.length} outputs, ${incomplete} incomplete or wrong, ${temps.length} temporary files\n`
    )
    return done.length
  }
  const child = spawn(
    process.execPath,
    [BIN, 'transcribe', '--manifest', manifest, '--out-dir', outDir, '--workers', String(workers), ...modelArgs],
    { cwd: ROOT, stdio: 'ignore' }
  )
  const target = Math.ceil(N / 3)
  await new Promise<void>((done) => {
    const poll = setInterval(() => {
      if (outputs().filter((f) => f.endsWith('.txt')).length >= target || child.exitCode !== null) {
        clearInterval(poll)
        child.kill('SIGKILL')
        child.once('exit', () => done())
        if (child.exitCode !== null) done()
      }
    }, 20)
  })
  const before = check(`after kill -9 (target ${target} of ${N})`, false)
  if (before >= N) failures.push('the batch finished before it could be killed: use more --pages')
  const rerun = await runBatch(outDir, workers)
  if (rerun.code !== 0) failures.push(`rerun exited ${rerun.code}: ${rerun.stderr.slice(-1000)}`)
  const skipped = /(\d+) of \d+ pages already have an output/.exec(rerun.stderr)
  process.stdout.write(`rerun: skipped ${skipped ? skipped[1] : 0} pages already done, ${rerun.seconds.toFixed(1)} s\n`)
  if (!skipped || Number(skipped[1]) !== before)
    failures.push(`rerun skipped ${skipped ? skipped[1] : 0} pages, expected ${before}`)
  check('after rerun', true)
  cleanup()
  if (failures.length) {
    process.stdout.write(`FAILED:\n${failures.map((f) => `  ${f}`).join('\n')}\n`)
    process.exit(1)
  }
  process.stdout.write(`ok: every one of ${N} pages has exactly one complete output\n`)
}
