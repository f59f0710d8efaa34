// The real desktop app, wherever an Electron binary is installed (npm start fetches it; this machine
// cannot): builds, starts Electron (under xvfb-run when there is no display) with GLYPHDESK_SMOKE=1,
// and requires the window to show the transcribed sample page through the sandboxed bridge with no
// Node in the page. Skipped, loudly, where there is no binary.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const require = createRequire(import.meta.url)
const electronDir = dirname(require.resolve('electron/package.json'))
const pathFile = join(electronDir, 'path.txt')
const binary = existsSync(pathFile) ? join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null
const haveElectron = binary !== null && existsSync(binary)

if (!haveElectron) {
  console.warn(
    "\n!! SKIPPING THE ELECTRON SMOKE TEST: no Electron binary (run `npm start` where Electron's download host is reachable).\n"
  )
}

describe.skipIf(!haveElectron)('the desktop app in real Electron', () => {
  it('opens the sample page transcribed, sandboxed, with the frozen bridge and no Node in the page', () => {
    const build = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
      { cwd: ROOT, encoding: 'utf8' }
    )
    expect(build.status, build.stderr).toBe(0)
    const args = [ROOT, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])]
    const headless = process.platform === 'linux' && !process.env['DISPLAY']
    const cmd = headless ? 'xvfb-run' : binary!
    const r = spawnSync(cmd, headless ? ['-a', binary!, ...args] : args, {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, GLYPHDESK_SMOKE: '1' }
    })
    expect(r.stdout, r.stderr).toMatch(/glyphdesk smoke: ok bridge=true node=false boxes=\d+/)
    expect(r.status).toBe(0)
  }, 180_000)
})
