// onnxruntime-node's telemetry client is switched off (recognize/ortTelemetry.ts): the variable's rule, and on
// Linux what the client leaves behind — /tmp/mat-debug-<pid>.log for every process that creates a session — is
// absent after Glyphdesk's own commands, for one page and for batch reading over worker threads, while a bare
// onnxruntime session in the same kind of process still leaves it (so the check can fail).
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { disableOrtTelemetry } from '../../../src/main/recognize/ortTelemetry.ts'

const root = resolve(import.meta.dirname, '..', '..', '..')
const bin = join(root, 'bin', 'glyphdesk.mjs')
const samples = join(root, 'resources', 'samples')

describe('disableOrtTelemetry', () => {
  it('sets ORT_DISABLE_TELEMETRY=1 when it is unset or empty, and leaves a value the person set', () => {
    const unset: NodeJS.ProcessEnv = {}
    expect(disableOrtTelemetry(unset)).toBe('1')
    expect(unset['ORT_DISABLE_TELEMETRY']).toBe('1')
    const empty: NodeJS.ProcessEnv = { ORT_DISABLE_TELEMETRY: '' }
    expect(disableOrtTelemetry(empty)).toBe('1')
    const chosen: NodeJS.ProcessEnv = { ORT_DISABLE_TELEMETRY: '0' }
    expect(disableOrtTelemetry(chosen)).toBe('0')
    expect(chosen['ORT_DISABLE_TELEMETRY']).toBe('0')
  })
})

describe.runIf(process.platform === 'linux')('onnxruntime leaves nothing in /tmp', () => {
  const work = mkdtempSync(join(tmpdir(), 'glyphdesk-telemetry-'))
  const made: string[] = []
  afterAll(() => {
    rmSync(work, { recursive: true, force: true })
    for (const f of made) rmSync(f, { force: true })
  })
  // The person's environment without the variable, as a fresh install has it; and without CI, which the library
  // reads too (CI=true or 1 keeps its client off by itself, so under CI the control below would not see the file).
  const env = { ...process.env }
  delete env['ORT_DISABLE_TELEMETRY']
  delete env['CI']
  // Whether the process with this pid wrote its trace file. /tmp keeps files of earlier processes (hundreds on a
  // machine that ran onnxruntime before the switch), and pids are reused, so a file that is merely there may be
  // another process's: the library opens it with O_TRUNC, which stamps its mtime, so ours is one written since
  // `since` (less a second for the kernel's coarse file clock). Only files this test made are removed afterwards.
  const wroteTrace = (pid: number | undefined, since: number) => {
    expect(pid).toBeGreaterThan(0)
    const f = `/tmp/mat-debug-${pid}.log`
    if (!existsSync(f) || statSync(f).mtimeMs < since - 1000) return false
    made.push(f)
    return true
  }

  it('a bare onnxruntime session writes /tmp/mat-debug-<pid>.log (what the switch is for)', () => {
    const script = `const ort = require('onnxruntime-node'); ort.InferenceSession.create(${JSON.stringify(
      join(root, 'test', 'fixtures', 'onnx', 'tiny.onnx')
    )}).then(() => process.stdout.write('ok'))`
    const since = Date.now()
    const r = spawnSync(process.execPath, ['-e', script], { cwd: root, env, encoding: 'utf8', timeout: 60_000 })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toBe('ok')
    expect(wroteTrace(r.pid, since), 'onnxruntime no longer writes its trace file: re-check ortTelemetry.ts').toBe(true)
  })

  it('glyphdesk transcribe, one page and a batch over two worker threads, does not', () => {
    const oneSince = Date.now()
    const one = spawnSync(process.execPath, [bin, 'transcribe', join(samples, '02_letters.jpg')], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 300_000
    })
    expect(one.status, one.stderr).toBe(0)
    expect(one.stdout.trim().length).toBeGreaterThan(0)
    expect(wroteTrace(one.pid, oneSince)).toBe(false)

    const pages = join(work, 'pages')
    mkdirSync(pages)
    for (const n of ['02_letters', '03_haiku']) copyFileSync(join(samples, `${n}.jpg`), join(pages, `${n}.jpg`))
    const batchSince = Date.now()
    const batch = spawnSync(
      process.execPath,
      [bin, 'transcribe', pages, '--out-dir', join(work, 'out'), '--workers', '2', '--model', 'cnn-compact'],
      { cwd: root, env, encoding: 'utf8', timeout: 300_000 }
    )
    expect(batch.status, batch.stderr).toBe(0)
    expect(existsSync(join(work, 'out', '03_haiku.txt'))).toBe(true)
    expect(wroteTrace(batch.pid, batchSince)).toBe(false)
  })
})
