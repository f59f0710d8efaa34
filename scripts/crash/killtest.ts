// kill -9 test of every save Glyphdesk makes: a model save, a fine-tune, a project save and the
// autosave. For each, N trials: a child process (scripts/crash/child.ts) saves over and over, is killed
// with SIGKILL after a random (seeded) delay, then what the next start does runs (cleanStaleTemporaries
// on the folder) and the check: the state on disk loads and is the last save the child reported or the
// one it was making, and no temporary is left anywhere under the folder. Not part of `npm test`.
//   node --import tsx scripts/crash/killtest.ts [--trials 20] [--seed 1] [--only model,project,autosave,finetune]
//     [--window finetune=8000]
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cleanStaleTemporaries, parseTemporary } from '../../src/main/core/atomicDirs.ts'
import { Rng } from '../../src/main/nn/rng.ts'
import { loadMlp } from '../../src/main/nn/serialise.ts'
import { loadProject } from '../../src/main/project/projectFile.ts'
import { checkOutputDir } from '../../src/main/learn/finetune.ts'

const args = process.argv.slice(2)
const opt = (name: string, d: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : d
}
const trials = Number(opt('trials', '20'))
const rng = new Rng(Number(opt('seed', '1')))
const modes = opt('only', 'model,project,autosave,finetune').split(',')
// Kill windows after "ready": long enough to land in many different saves, in the middle of one or between.
const WINDOW_MS: Record<string, number> = { model: 400, project: 200, autosave: 200, finetune: 1500 }
// --window finetune=8000,model=800: wider windows on a loaded machine, where a save takes longer and kills
// inside a short window all land before the first save finished.
for (const kv of opt('window', '').split(',').filter(Boolean)) {
  const [mode, ms] = kv.split('=')
  WINDOW_MS[mode] = Number(ms)
}

function temporariesUnder(dir: string): string[] {
  const found: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (parseTemporary(e.name) || e.name.endsWith('.tmp')) found.push(join(dir, e.name))
    else if (e.isDirectory()) found.push(...temporariesUnder(join(dir, e.name)))
  }
  return found
}

async function trial(
  mode: string
): Promise<{ ok: boolean; saved: number; found: number | string; cleaned: number; why?: string }> {
  const root = mkdtempSync(join(tmpdir(), `glyphdesk-kill-${mode}-`))
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/crash/child.ts', mode, root], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let saved = 0
    let err = ''
    child.stderr.on('data', (c) => {
      err += c
    })
    const exited = new Promise<void>((ok) => child.on('exit', () => ok()))
    await new Promise<void>((ok, fail) => {
      let buf = ''
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString()
        for (;;) {
          const nl = buf.indexOf('\n')
          if (nl < 0) break
          const line = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          if (line === 'ready')
            setTimeout(() => {
              child.kill('SIGKILL')
              ok()
            }, rng.uniform() * WINDOW_MS[mode])
          const m = /^saved (\d+)$/.exec(line)
          if (m) saved = Number(m[1])
        }
      })
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') fail(new Error(`${mode} child exited ${code}: ${err}`))
      })
    })
    await exited
    // The next start.
    const cleaned = (await cleanStaleTemporaries(root)).length
    const left = temporariesUnder(root)
    if (left.length) return { ok: false, saved, found: '-', cleaned, why: `temporaries left: ${left.join(', ')}` }
    let found: number | string
    try {
      if (mode === 'model') found = Number((await loadMlp(join(root, 'model'))).card['i'])
      else if (mode === 'project') found = Number((await loadProject(join(root, 'work.glyphdesk'))).models[0].slice(1))
      else if (mode === 'autosave')
        found = Number((await loadProject(join(root, 'autosave.glyphdesk'))).models[0].slice(1))
      else {
        // Every finished fine-tune loads; the one being made is absent (and may be made again) or whole.
        for (let i = 1; i <= saved; i++) await loadMlp(join(root, `ft-${i}`))
        const next = join(root, `ft-${saved + 1}`)
        if (existsSync(next)) {
          await loadMlp(next)
          found = saved + 1
        } else {
          checkOutputDir(next)
          found = saved
        }
      }
    } catch (e) {
      return { ok: false, saved, found: 'error', cleaned, why: (e as Error).message }
    }
    const ok = found === saved || found === saved + 1
    return { ok, saved, found, cleaned, ...(ok ? {} : { why: `on disk save ${found}, child reported ${saved}` }) }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

const summary: Record<string, { trials: number; passed: number; newer: number; cleaned: number; afterSave: number }> =
  {}
for (const mode of modes) {
  const s = (summary[mode] = { trials: 0, passed: 0, newer: 0, cleaned: 0, afterSave: 0 })
  for (let k = 0; k < trials; k++) {
    const r = await trial(mode)
    s.trials++
    if (r.ok) s.passed++
    if (r.found === r.saved + 1) s.newer++
    s.cleaned += r.cleaned
    if (r.saved > 0) s.afterSave++
    process.stdout.write(
      `${mode} #${k + 1}: ${r.ok ? 'ok' : 'FAILED'} reported ${r.saved}, on disk ${r.found}, temporaries cleaned ${r.cleaned}${r.why ? ` — ${r.why}` : ''}\n`
    )
  }
}
process.stdout.write(
  '\nmode      trials  state loads  killed after ≥ 1 save  in-flight save landed  temporaries cleaned at next start\n'
)
for (const [mode, s] of Object.entries(summary)) {
  process.stdout.write(
    `${mode.padEnd(9)} ${String(s.trials).padStart(6)}  ${String(s.passed).padStart(11)}  ${String(s.afterSave).padStart(21)}  ${String(s.newer).padStart(21)}  ${String(s.cleaned).padStart(9)}\n`
  )
}
process.exitCode = Object.values(summary).every((s) => s.passed === s.trials) ? 0 : 1
