// Runs commands for a benchmark from a helper process, never from the benchmark's own process. Every spawn forks
// the spawning process, and after a fork each of its pages faults once on its next write (copy on write): with
// OpenCV and a model loaded that is ~15 000 faults, which doubled the time of the next page read in process
// (165 → 338 ms per sample page), a cost that only the measurement paid. Start the helper before loading
// anything, then time commands through it; the helper measures each command's wall time itself.
import { spawn } from 'node:child_process'

export interface HelperResult {
  /** Wall time of the command, measured in the helper. */
  ms: number
  status: number | null
  error: string | null
  stdout: string
  stderr: string
  /** Contents of `readAfter` once the command has ended (GNU time's report), or null. */
  after: string | null
}

const HELPER = `
const { spawnSync } = require('node:child_process')
const { readFileSync } = require('node:fs')
process.on('message', ({ cmd, args, cwd, env, readAfter }) => {
  const t0 = performance.now()
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 })
  const ms = performance.now() - t0
  let after = null
  if (readAfter) { try { after = readFileSync(readAfter, 'utf8') } catch {} }
  process.send({ ms, after, status: r.status, error: r.error ? r.error.message : null, stdout: r.stdout ?? '', stderr: r.stderr ?? '' })
})`

export class SpawnHelper {
  private readonly child = spawn(process.execPath, ['-e', HELPER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  private pending: { resolve: (r: HelperResult) => void; reject: (e: Error) => void } | null = null

  constructor() {
    this.child.on('message', (m) => {
      const p = this.pending
      this.pending = null
      p?.resolve(m as HelperResult)
    })
    this.child.on('exit', (code) => this.pending?.reject(new Error(`the benchmark's spawn helper exited (${code})`)))
  }

  /** Runs one command to completion in the helper (one at a time). */
  run(
    cmd: string,
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv; readAfter?: string } = {}
  ): Promise<HelperResult> {
    if (this.pending) return Promise.reject(new Error('SpawnHelper.run: one command at a time'))
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject }
      this.child.send({ cmd, args, cwd: options.cwd, env: options.env ?? process.env, readAfter: options.readAfter })
    })
  }

  close(): void {
    this.child.disconnect()
  }
}
