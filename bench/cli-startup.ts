// Benchmark: how long the `glyphdesk` command takes to start (issue 15). Each repetition, interleaved so
// that load from other processes hits every measurement alike, times whole processes from outside:
//  - `node -e 0`: Node's own start, the floor under any command;
//  - `node bin/glyphdesk.mjs --help`;
//  - a cold `node bin/glyphdesk.mjs transcribe PAGE` (a new process: Node, the bundle, the model, OpenCV, the page);
// and, in this process, the same page read warm (model and OpenCV loaded, the page read once untimed first):
// load the image + transcribe + export, which is the part a cold run cannot avoid. The figure of merit is
// cold − warm per repetition (the start-up cost). Wall and CPU (user + system) time are reported; the
// children's CPU comes from GNU time (/usr/bin/time) when it exists. `--npx` adds `npx glyphdesk --help`
// (npm's own start-up included); `--compare-source` adds the same two commands run from the TypeScript sources
// through tsx (GLYPHDESK_CLI_FROM_SOURCE=1, how the command ran before it had a bundle). The load average is
// printed before and after.
//   npx tsx bench/cli-startup.ts [--reps 10] [--page resources/samples/01_list.jpg] [--model MODEL] [--npx] [--compare-source] [--json]
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadPageFile, readLoadedPage } from '../src/main/read/pageFile.ts'
import { loadClassifier } from '../src/main/recognize/models.ts'
import { loadOpenCv } from '../src/main/vision/segment.ts'
import { SpawnHelper } from './spawnHelper.ts'

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '10' },
    page: { type: 'string', default: 'resources/samples/01_list.jpg' },
    model: { type: 'string' },
    npx: { type: 'boolean', default: false },
    'compare-source': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false }
  }
})
const REPS = Math.max(1, Number(values.reps))
const ROOT = resolve(import.meta.dirname, '..')
const BIN = join(ROOT, 'bin', 'glyphdesk.mjs')
const PAGE = resolve(values.page)
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null
const scratch = mkdtempSync(join(tmpdir(), 'glyphdesk-startup-'))

interface Sample {
  wall: number
  cpu: number | null
}

// Commands run from a helper process started before the model and OpenCV are loaded here: a spawn from this
// process would fork it, and the warm read right after would pay for the fork (bench/spawnHelper.ts).
const helper = new SpawnHelper()

/** Runs a command to completion; wall time from the helper, CPU (user + system) from GNU time's report. */
async function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Sample> {
  const report = join(scratch, 'time.txt')
  const argv = GNU_TIME ? [GNU_TIME, '-f', '%U %S', '-o', report, cmd, ...args] : [cmd, ...args]
  const r = await helper.run(argv[0], argv.slice(1), { cwd: ROOT, env, readAfter: GNU_TIME ? report : undefined })
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.error ?? r.stderr}`)
  let cpu: number | null = null
  if (r.after) {
    const [u, s] = r.after.trim().split(/\s+/).slice(-2).map(Number)
    cpu = u + s
  }
  return { wall: r.ms / 1000, cpu }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const transcribeArgs = ['transcribe', PAGE, ...(values.model ? ['--model', values.model] : [])]
const load0 = loadavg()
// Makes sure the bundle is built and current before anything is timed.
await helper.run(process.execPath, [BIN, '--help'], { cwd: ROOT })

const classifier = await loadClassifier(values.model)
await loadOpenCv()
const warmRead = async (): Promise<Sample> => {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const page = await loadPageFile(PAGE)
  await readLoadedPage(page, classifier, 'txt', { lm: true })
  const wall = (performance.now() - t0) / 1000
  const c = process.cpuUsage(c0)
  return { wall, cpu: (c.user + c.system) / 1e6 }
}
await warmRead()
await warmRead()

const rows: Record<string, Sample[]> = {
  'node -e 0': [],
  '--help': [],
  'transcribe cold': [],
  'transcribe warm (in process)': []
}
if (values.npx) rows['npx glyphdesk --help'] = []
const fromSource = { ...process.env, GLYPHDESK_CLI_FROM_SOURCE: '1' }
if (values['compare-source']) {
  rows['--help, sources through tsx'] = []
  rows['transcribe cold, sources through tsx'] = []
}
for (let r = 0; r < REPS; r++) {
  rows['node -e 0'].push(await timeCommand(process.execPath, ['-e', '0']))
  rows['--help'].push(await timeCommand(process.execPath, [BIN, '--help']))
  if (values.npx) rows['npx glyphdesk --help'].push(await timeCommand('npx', ['glyphdesk', '--help']))
  rows['transcribe cold'].push(await timeCommand(process.execPath, [BIN, ...transcribeArgs]))
  rows['transcribe warm (in process)'].push(await warmRead())
  if (values['compare-source']) {
    rows['--help, sources through tsx'].push(await timeCommand(process.execPath, [BIN, '--help'], fromSource))
    rows['transcribe cold, sources through tsx'].push(
      await timeCommand(process.execPath, [BIN, ...transcribeArgs], fromSource)
    )
  }
  process.stderr.write(`rep ${r + 1}/${REPS}\r`)
}
const load1 = loadavg()
rmSync(scratch, { recursive: true, force: true })
helper.close()

const startupWall = rows['transcribe cold'].map((c, i) => c.wall - rows['transcribe warm (in process)'][i].wall)
const startupCpu = rows['transcribe cold'].map(
  (c, i) => (c.cpu ?? NaN) - (rows['transcribe warm (in process)'][i].cpu ?? NaN)
)
const summary = {
  machine: `${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, Node ${process.version}`,
  loadAverage: { before: load0.map((v) => +v.toFixed(2)), after: load1.map((v) => +v.toFixed(2)) },
  page: values.page,
  model: classifier.name,
  reps: REPS,
  rows: Object.fromEntries(
    Object.entries(rows).map(([k, xs]) => [
      k,
      {
        wallMin: Math.min(...xs.map((x) => x.wall)),
        wallMedian: median(xs.map((x) => x.wall)),
        cpuMedian: xs[0].cpu === null ? null : median(xs.map((x) => x.cpu ?? 0))
      }
    ])
  ),
  coldMinusWarm: { wallMin: Math.min(...startupWall), wallMedian: median(startupWall), cpuMedian: median(startupCpu) }
}
if (values.json) process.stdout.write(JSON.stringify(summary, null, 1) + '\n')
else {
  const f = (v: number | null) => (v === null || Number.isNaN(v) ? '—' : `${(v * 1000).toFixed(0)} ms`)
  process.stdout.write(`${summary.machine}; model ${summary.model}; page ${summary.page}; ${REPS} interleaved reps\n`)
  process.stdout.write(
    `load average before ${summary.loadAverage.before.join(' ')}, after ${summary.loadAverage.after.join(' ')}\n\n`
  )
  process.stdout.write('| what | wall min | wall median | CPU median |\n|---|---:|---:|---:|\n')
  for (const [k, v] of Object.entries(summary.rows))
    process.stdout.write(`| ${k} | ${f(v.wallMin)} | ${f(v.wallMedian)} | ${f(v.cpuMedian)} |\n`)
  const d = summary.coldMinusWarm
  process.stdout.write(`| **cold − warm** (per rep) | ${f(d.wallMin)} | ${f(d.wallMedian)} | ${f(d.cpuMedian)} |\n`)
}
