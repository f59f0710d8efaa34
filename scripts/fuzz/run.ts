// The long fuzz run: ≥ 10 000 seeded cases per target (scripts/fuzz/targets.ts), each target in its own
// process so that a native crash or a hang is seen from outside. Reports per target: cases, crashes
// (anything but the target's own error, or the process dying), hangs (a case over 5 s, or the process
// silent past its time box), the slowest case and the process's peak memory (max RSS).
//   node --import tsx scripts/fuzz/run.ts [--cases 10000] [--seed 1] [--only bmp8,png] [--minutes 30]
import { spawn } from 'node:child_process'
import { fuzzTargets, runTarget } from './targets.ts'

const args = process.argv.slice(2)
const opt = (name: string, d: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : d
}
const cases = Number(opt('cases', '10000'))
const seed = Number(opt('seed', '1'))
const boxMs = Number(opt('minutes', '30')) * 60_000

if (args[0] === '--child') {
  const t = (await fuzzTargets()).find((x) => x.name === args[1])!
  const r = await runTarget(t, Number(args[2]), Number(args[3]))
  process.stdout.write(JSON.stringify({ ...r, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n')
  process.exit(0)
}

const names = opt('only', '') ? opt('only', '').split(',') : (await fuzzTargets()).map((t) => t.name)
const rows: string[] = []
let bad = false
for (const name of names) {
  const t0 = Date.now()
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/fuzz/run.ts', '--child', name, String(cases), String(seed)],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  let out = '',
    err = ''
  child.stdout.on('data', (c) => {
    out += c
  })
  child.stderr.on('data', (c) => {
    err += c
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), boxMs)
  const code = await new Promise<number | null>((ok) => child.on('exit', (c, s) => ok(s ? -1 : c)))
  clearTimeout(timer)
  const secs = ((Date.now() - t0) / 1000).toFixed(0)
  const line = out.trim().split('\n').pop() ?? ''
  if (code !== 0 || !line.startsWith('{')) {
    bad = true
    rows.push(
      `${name.padEnd(15)} process ${code === -1 ? 'killed (time box or hang)' : `died (exit ${code})`} after ${secs} s: ${err.slice(-300)}`
    )
    continue
  }
  const r = JSON.parse(line) as {
    cases: number
    crashes: number
    hangs: number
    slowestMs: number
    maxRssMb: number
    firstCrash?: string
  }
  if (r.crashes || r.hangs || r.maxRssMb >= 1024) bad = true
  rows.push(
    `${name.padEnd(15)} ${String(r.cases).padStart(6)} ${String(r.crashes).padStart(7)} ${String(r.hangs).padStart(5)} ${r.slowestMs.toFixed(0).padStart(10)} ${String(r.maxRssMb).padStart(12)} ${secs.padStart(6)}${r.firstCrash ? `  first crash: ${r.firstCrash}` : ''}`
  )
  process.stdout.write(rows[rows.length - 1] + '\n')
}
process.stdout.write(
  `\nseed ${seed}\ntarget           cases crashes hangs slowest ms peak RSS MB  secs\n${rows.join('\n')}\n`
)
process.exitCode = bad ? 1 : 0
