#!/usr/bin/env node
// `npm start`: open the desktop app when an Electron binary can be had, otherwise say so
// plainly and start browser mode (`glyphdesk serve`: the same renderer and services over
// http://127.0.0.1 with a per-run token), printing the URL to open.
//
// npm ci runs with ignore-scripts (see .npmrc), so Electron's own postinstall never fetched
// its binary. We try it here, once, with a time limit; a machine without access to Electron's
// download host falls back instead of failing.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const electronDir = dirname(require.resolve('electron/package.json'))

function electronBinary() {
  const pathFile = join(electronDir, 'path.txt')
  if (!existsSync(pathFile)) return null
  const bin = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(bin) ? bin : null
}

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts })
}

let bin = electronBinary()
let whyNot = ''
if (!bin && process.env.GLYPHDESK_NO_ELECTRON === '1') whyNot = 'GLYPHDESK_NO_ELECTRON=1 is set'
if (!bin && process.env.GLYPHDESK_NO_ELECTRON !== '1') {
  console.log('glyphdesk: the Electron binary is not installed yet; fetching it (electron/install.js)…')
  const r = run(process.execPath, [join(electronDir, 'install.js')], { timeout: 120_000, stdio: 'pipe' })
  bin = electronBinary()
  if (!bin) {
    const lines = (r.stderr?.toString() || r.error?.message || 'no binary after install').trim().split('\n')
    const why = (lines.find((l) => /Error|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|timed out/.test(l)) ?? lines[0]).trim()
    console.log(`glyphdesk: could not fetch the Electron binary (${why}).`)
    whyNot = `the Electron binary could not be fetched: ${why}`
  }
}

const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)
if (bin && hasDisplay) {
  console.log('glyphdesk: opening the desktop app (Electron).')
  const b = run(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'])
  if (b.status !== 0) process.exit(b.status ?? 1)
  process.exit(run(bin, [root]).status ?? 1)
}

if (bin && !hasDisplay) whyNot = 'Electron is installed but there is no display (DISPLAY and WAYLAND_DISPLAY are unset)'
console.log(`glyphdesk: not opening the desktop app (Electron) because ${whyNot || 'it is unavailable'}.`)
console.log(
  'glyphdesk: starting browser mode instead: the same app, served on 127.0.0.1 only. Open the URL printed below.\n'
)
const args = process.argv.slice(2)
const serve = run(process.execPath, [join(root, 'bin', 'glyphdesk.mjs'), 'serve', ...args])
process.exit(serve.status ?? 1)
