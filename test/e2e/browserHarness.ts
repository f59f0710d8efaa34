// The harness the browser end-to-end files share: Debian's Chromium (a failure under CI=true when it is
// missing, a loud skip elsewhere), `glyphdesk serve` on a free port with its own data folder, and a headless
// persistent Chromium context with the flags this machine's closed network needs.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const ROOT = resolve(import.meta.dirname, '..', '..')

/** Whether Chromium is here; under CI a missing browser throws (npm test installs it), elsewhere it warns. */
export function requireChromium(what: string): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env['CI'])
    throw new Error(
      `${CHROMIUM} is missing under CI=true: ${what} cannot run. Install Debian's chromium (scripts/install-chromium.sh)`
    )
  const line = '!'.repeat(100)
  console.warn(
    `\n${line}\n!! SKIPPING ${what.toUpperCase()}: ${CHROMIUM} is missing. Install it with scripts/install-chromium.sh (Debian's chromium).\n${line}\n`
  )
  return false
}

/** Starts browser mode on a free port with `dataDir` as its data folder; resolves with the URL it prints (token included). */
export async function startBrowserMode(dataDir: string): Promise<{ server: ChildProcess; url: string }> {
  const server = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'glyphdesk.mjs'), 'serve', '--port', '0', '--data-dir', dataDir, '--no-build'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }
  )
  let log = ''
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`glyphdesk serve printed no URL in 60 s:\n${log}`)), 60_000)
    const onData = (b: Buffer) => {
      log += b.toString()
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+/.exec(log)
      if (m) {
        clearTimeout(timer)
        ok(m[0])
      }
    }
    server.stdout!.on('data', onData)
    server.stderr!.on('data', onData)
    server.once('exit', (code) => fail(new Error(`glyphdesk serve exited (${code}):\n${log}`)))
  })
  return { server, url }
}

/** Headless Chromium with a fresh profile, 1440×900, downloads accepted; page errors are logged. */
export async function launchChromium(profileDir: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync'
    ],
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true
  })
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (e) => console.error('page error:', e.message))
  return { context, page }
}
