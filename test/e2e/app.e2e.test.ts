// End to end in real headless Chromium against `glyphdesk serve` (browser mode) with the real
// main-process services: open the sample, correct by keyboard, undo/redo, split/merge, retrain,
// export, the Lab's experiment reports. Saves a screenshot of each main view to docs/screenshots/. Then loads the built Electron
// main process under Node with a stand-in for the electron module (no Electron binary can be had
// here) to check the window hardening, the menu and the IPC registry of the real bundle.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildIsStale, buildRenderer } from '../../src/main/server/browserMode.ts'
import { ExperimentReportSchema } from '../../src/shared/labReport.ts'

const CHROMIUM = '/usr/bin/chromium'
const ROOT = resolve(import.meta.dirname, '..', '..')
// The committed screenshots are refreshed only on request (npm run screenshots), so a test run leaves the tree clean.
const SHOTS = process.env['GLYPHDESK_SCREENSHOTS'] === '1' ? join(ROOT, 'docs', 'screenshots') : mkdtempSync(join(tmpdir(), 'glyphdesk-shots-'))
const haveChromium = existsSync(CHROMIUM)

if (!haveChromium) {
  const line = '!'.repeat(100)
  console.warn(`\n${line}\n!! SKIPPING THE END-TO-END TESTS: ${CHROMIUM} is missing. Install it with scripts/install-chromium.sh (Debian's chromium).\n${line}\n`)
}

let server: ChildProcess
let url = ''
let dataDir: string
let profileDir: string
let context: BrowserContext
let page: Page

const boxCount = async () => Number(await page.locator('[data-testid="page-canvas"] canvas').getAttribute('data-boxes'))
const lineTexts = async () => page.locator('[data-testid="line-text"]').allInnerTexts()
const selectedBox = async () => page.locator('[data-testid="glyph-strip"] .cell.selected').first().getAttribute('data-box')
const charOf = (id: string) => page.locator(`[data-testid="text-panel"] .ch[data-box="${id}"]`)
const idle = async () => {
  await page.waitForFunction(() => !document.querySelector('[data-testid="status"] .busy'), undefined, { timeout: 60_000 })
}
const shot = async (name: string) => {
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, name) })
}

// One build for both suites below (they run in order, in this file).
let built = false
function ensureBuilt(): void {
  if (!built && buildIsStale()) buildRenderer()
  built = true
}

describe.skipIf(!haveChromium)('Glyphdesk in Chromium (browser mode)', () => {
  beforeAll(async () => {
    ensureBuilt()
    dataDir = mkdtempSync(join(tmpdir(), 'glyphdesk-e2e-data-'))
    profileDir = mkdtempSync(join(tmpdir(), 'glyphdesk-e2e-profile-'))
    server = spawn(process.execPath, [join(ROOT, 'bin', 'glyphdesk.mjs'), 'serve', '--port', '0', '--data-dir', dataDir, '--no-build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let log = ''
    url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`glyphdesk serve printed no URL in 60 s:\n${log}`)), 60_000)
      const onData = (b: Buffer) => {
        log += b.toString()
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+/.exec(log)
        if (m) { clearTimeout(timer); ok(m[0]) }
      }
      server.stdout!.on('data', onData)
      server.stderr!.on('data', onData)
      server.once('exit', (code) => fail(new Error(`glyphdesk serve exited (${code}):\n${log}`)))
    })
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 900 },
      acceptDownloads: true
    })
    page = context.pages()[0] ?? (await context.newPage())
    page.on('pageerror', (e) => console.error('page error:', e.message))
  }, 240_000)

  afterAll(async () => {
    await context?.close()
    server?.kill('SIGTERM')
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
    if (profileDir) rmSync(profileDir, { recursive: true, force: true })
  })

  it('opens the bundled sample already transcribed: boxes on the canvas, text and glyphs', async () => {
    await page.goto(url)
    await page.waitForSelector('[data-testid="line-text"]', { timeout: 90_000 })
    await idle()
    expect(await boxCount()).toBeGreaterThan(80)
    const text = (await lineTexts()).join('\n')
    expect(text).toMatch(/L.ST/)
    expect(text.split('\n').length).toBeGreaterThanOrEqual(8)
    expect(await page.locator('[data-testid="glyph-strip"] .cell').count()).toBe(await boxCount())
    // The token left the address bar; the page still works from this tab's storage.
    expect(page.url()).toContain('127.0.0.1')
    await page.waitForTimeout(300)
    await shot('01-page-view.png')
  })

  it('corrects a letter by keyboard and undoes and redoes it', async () => {
    await page.keyboard.press('Tab')
    const id = (await selectedBox())!
    expect(id).toBeTruthy()
    const before = await charOf(id).innerText()
    const letter = before === 'X' ? 'Y' : 'X'
    await page.keyboard.press(letter)
    await expect.poll(() => charOf(id).innerText()).toBe(letter)
    expect(await charOf(id).getAttribute('class')).toContain('person')
    await page.keyboard.press('Control+z')
    await expect.poll(() => charOf(id).innerText()).toBe(before)
    await page.keyboard.press('Control+Shift+z')
    await expect.poll(() => charOf(id).innerText()).toBe(letter)
    // The review queue moved on to the next lowest-confidence glyph.
    expect(await selectedBox()).not.toBe(id)
    await shot('02-review.png')
  })

  it('splits a box in two and merges them back, re-reading the boxes', async () => {
    const n = await boxCount()
    const first = page.locator('[data-testid="text-panel"] .ch').nth(3)
    const id = (await first.getAttribute('data-box'))!
    await first.click()
    await page.keyboard.press('/')
    await expect.poll(boxCount).toBe(n + 1)
    await page.waitForFunction(() => !document.querySelector('[data-testid="status"] .busy'))
    const parts = await page.locator('[data-testid="glyph-strip"] .cell.selected').evaluateAll((els) => els.map((e) => e.getAttribute('data-box')))
    expect(parts.length).toBe(2)
    expect(parts).not.toContain(id)
    // Both halves got a reading from the model.
    for (const p of parts) await expect.poll(() => charOf(p!).innerText()).toMatch(/^[A-Z0-9]$/)
    await page.keyboard.press('+')
    await expect.poll(boxCount).toBe(n)
    const merged = (await selectedBox())!
    expect(parts).not.toContain(merged)
    await expect.poll(() => charOf(merged).innerText()).toMatch(/^[A-Z0-9]$/)
    await page.keyboard.press('Control+z')
    await expect.poll(boxCount).toBe(n + 1)
    await page.keyboard.press('Control+z')
    await expect.poll(boxCount).toBe(n)
  })

  it('retrains on the corrections with a live curve and lists the new model', async () => {
    // Confirm a dozen readings (Enter) and correct two: enough to hold some out.
    await page.keyboard.press('Tab')
    for (let i = 0; i < 12; i++) await page.keyboard.press(i % 6 === 5 ? 'K' : 'Enter')
    await page.getByTestId('tab-retrain').click()
    await expect.poll(async () => Number(await page.getByTestId('corrections').innerText())).toBeGreaterThanOrEqual(12)
    await page.locator('input[name="epochs"]').fill('4')
    await page.locator('input[name="replay"]').fill('5')
    await page.locator('input[name="name"]').fill('e2e-tuned')
    await page.locator('input[name="glyphSetDir"]').fill(join(ROOT, 'test', 'fixtures', 'synth-mini'))
    await page.getByTestId('train-start').click()
    await page.waitForSelector('[data-testid="train-job"]:is([data-state="done"], [data-state="failed"], [data-state="cancelled"])', { timeout: 90_000 })
      .catch(async (e) => { await shot('debug-retrain.png'); throw e })
    const job = page.getByTestId('train-job')
    expect(await job.getAttribute('data-state'), await job.innerText()).toBe('done')
    await expect.poll(() => page.locator('[data-testid="train-curve"] canvas').count()).toBeGreaterThan(0)
    expect(await page.getByTestId('new-model').innerText()).toBe('e2e-tuned')
    expect(await page.getByTestId('train-result').innerText()).toMatch(/before →/)
    // Re-read the page with the new model: a side-by-side comparison, nothing changed until accepted.
    const textBefore = await page.evaluate(() => [...document.querySelectorAll('[data-testid="glyph-strip"] .letter')].map((e) => e.textContent).join(''))
    await page.getByRole('button', { name: 'Re-read the page with it' }).click()
    await expect.poll(() => page.getByTestId('comparison').innerText(), { timeout: 30_000 }).toMatch(/read differently by e2e-tuned/)
    expect(await page.evaluate(() => [...document.querySelectorAll('[data-testid="glyph-strip"] .letter')].map((e) => e.textContent).join(''))).toBe(textBefore)
    await expect.poll(() => page.locator('[data-testid="confusion"] canvas').count()).toBeGreaterThan(0)
    await page.getByTestId('train-job').scrollIntoViewIfNeeded()
    await page.waitForTimeout(400)
    await shot('03-retrain.png')
    await page.getByTestId('comparison').scrollIntoViewIfNeeded()
    await shot('04-compare.png')
    await page.getByRole('button', { name: 'Keep the current one' }).click()
    await page.getByTestId('tab-models').click()
    await expect.poll(() => page.locator('[data-model="e2e-tuned"]').count()).toBe(1)
    await page.locator('[data-model="e2e-tuned"]').click()
    // The base is the page's model, the default cnn-best: its new head is a 'cnn-head' user model.
    await expect.poll(() => page.getByTestId('model-card').innerText()).toMatch(/Kind\s+cnn-head[\s\S]*Based on\s+cnn-best/)
    await shot('05-models.png')
    // The shipped default's card shows its look-alike calibration (glyphdesk calibrate) and what it did.
    await page.locator('[data-model="cnn-best"]').click()
    await expect.poll(() => page.getByTestId('model-card').innerText()).toMatch(/Look-alike offsets\s+0 \+0\.45, 1 \+0\.40, 2 −0\.45 \(test 97\.95% → 98\.10%\)/)
  }, 150_000)

  it('exports the text, and the file holds the page as the text panel shows it', async () => {
    await page.getByTestId('tab-text').click()
    const expected = (await lineTexts()).join('\n') + '\n'
    await page.getByTestId('tab-export').click()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-page').click()])
    expect(download.suggestedFilename()).toBe('01_list.txt')
    const file = await download.path()
    expect(readFileSync(file, 'utf8')).toBe(expected)
    await shot('06-export.png')
  })

  it('restores the work after the window goes away (autosave), with nothing lost', async () => {
    await page.getByTestId('tab-text').click()
    const before = await lineTexts()
    await expect.poll(() => page.getByTestId('save-state').innerText(), { timeout: 20_000 }).toBe('autosaved')
    await page.reload()
    await page.waitForSelector('[data-testid="line-text"]', { timeout: 90_000 })
    await idle()
    expect(await lineTexts()).toEqual(before)
    expect(await page.locator('[data-testid="text-panel"] .ch.person').count()).toBeGreaterThanOrEqual(12)
  }, 120_000)

  it('stays smooth with 1000 boxes: a project of 1000 boxes loads, and a redraw takes well under a frame', async () => {
    // 40×25 boxes over the sample page, saved as a project and opened through the UI.
    const sample = join(ROOT, 'resources', 'samples', '01_list.jpg')
    const boxes = Array.from({ length: 1000 }, (_, i) => ({
      id: `g${i + 1}`, x: 20 + (i % 40) * 39, y: 20 + Math.floor(i / 40) * 44, w: 30, h: 38, line: Math.floor(i / 40), word: Math.floor((i % 40) / 5),
      label: 'A', confidence: (i % 100) / 100, source: 'detector'
    }))
    const lines = Array.from({ length: 25 }, (_, l) => ({ index: l, x: 20, y: 20 + l * 44, w: 40 * 39, h: 38 }))
    const project = { format: 'glyphdesk-project', version: 1, current: 0, models: [], pages: [{ doc: { version: 1, image: { path: sample, width: 1600, height: 1150 }, boxes, lines } }] }
    const file = join(dataDir, 'thousand.glyphdesk')
    writeFileSync(file, JSON.stringify(project))
    page.once('dialog', (d) => void d.accept(file))
    await page.getByRole('button', { name: 'Project…' }).click()
    await expect.poll(boxCount, { timeout: 60_000 }).toBe(1000)
    await idle()
    expect(await page.locator('[data-testid="glyph-strip"] .cell').count()).toBe(1000)
    const canvas = page.locator('[data-testid="page-canvas"] canvas')
    const box = (await canvas.boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    const times: number[] = []
    for (let i = 0; i < 24; i++) {
      await page.mouse.wheel(0, i < 12 ? -120 : 120)
      await page.waitForTimeout(20)
      times.push(Number(await canvas.getAttribute('data-draw-ms')))
    }
    times.sort((a, b) => a - b)
    const median = times[times.length >> 1]
    console.log(`1000 boxes: median redraw ${median.toFixed(2)} ms, worst ${times[times.length - 1].toFixed(2)} ms`)
    expect(median).toBeLessThan(16)
    // Select everything with a frame and nudge it: one edit, one undo.
    await page.keyboard.press('Control+0')
    await page.mouse.move(box.x + 2, box.y + 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width - 2, box.y + box.height - 2, { steps: 4 })
    await page.mouse.up()
    await expect.poll(() => page.locator('[data-testid="glyph-strip"] .cell.selected').count()).toBe(1000)
    // g1000 sits at x = 20 + 39×39 = 1541; Shift+→ moves all 1000 by 10 px and re-reads them.
    expect(await page.getByTestId('status').innerText()).toMatch(/g1000 at 1541,/)
    await page.keyboard.press('Shift+ArrowRight')
    await expect.poll(() => page.getByTestId('status').innerText()).toMatch(/g1000 at 1551,/)
    await page.keyboard.press('Control+z')
    await expect.poll(() => page.getByTestId('status').innerText()).toMatch(/g1000 at 1541,/)
    await page.keyboard.press('Escape')
    await shot('08-thousand-boxes.png')
  }, 180_000)

  it('shows the keyboard shortcuts on ?', async () => {
    await page.locator('body').click({ position: { x: 5, y: 890 } })
    await page.keyboard.press('?')
    await expect.poll(() => page.getByTestId('help').isVisible()).toBe(true)
    expect(await page.getByTestId('help').innerText()).toMatch(/review queue/)
    await shot('07-help.png')
    await page.keyboard.press('Escape')
  })
  it('shows every committed experiment report in the Lab, each chart drawn by echarts from the report', async () => {
    // Runs on its own too (vitest -t Lab): the page may not be open yet.
    if (!page.url().startsWith('http')) await page.goto(url)
    await page.getByTestId('nav-lab').click()
    await page.waitForSelector('[data-testid="lab-report"]', { timeout: 30_000 })
    const dir = join(ROOT, 'docs', 'experiments')
    const committed = readdirSync(dir).filter((n) => existsSync(join(dir, n, 'report.json')))
    const listed = await page.locator('[data-testid^="lab-entry-"] .name').allInnerTexts()
    expect([...listed].sort()).toEqual([...committed].sort())
    expect(listed[0]).toBe('lr-sweep')
    for (const name of listed) {
      const report = ExperimentReportSchema.parse(JSON.parse(readFileSync(join(dir, name, 'report.json'), 'utf8')))
      await page.getByTestId(`lab-entry-${name}`).click()
      const view = page.locator(`[data-testid="lab-report"][data-experiment="${name}"]`)
      await view.waitFor()
      expect(await view.locator('h2').innerText()).toBe(report.title)
      for (const chart of report.charts) {
        const fig = view.locator(`[data-testid="lab-chart"][data-chart="${chart.id}"]`)
        // echarts writes its own accessible description from the option it drew: it names the title.
        await expect.poll(() => fig.locator('[aria-label]').first().getAttribute('aria-label'), { timeout: 10_000 }).toContain(chart.title)
        // Something is painted: the canvas is not one flat colour.
        const colours = await fig.locator('canvas').first().evaluate((c: HTMLCanvasElement) => {
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
          const seen = new Set<number>()
          for (let i = 0; i < d.length && seen.size < 50; i += 4 * 7) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2])
          return seen.size
        })
        expect(colours, `${name}/${chart.id}`).toBeGreaterThan(5)
      }
      for (const img of report.images) {
        const el = view.locator(`[data-testid="lab-image"][data-image="${img.id}"] img`)
        await expect.poll(() => el.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), { timeout: 10_000 }).toBe(true)
      }
      expect(await view.locator('[data-testid="lab-table"]').count()).toBe(report.tables.length)
      expect(await view.locator('[data-testid="lab-summary"] li').count()).toBe(report.summary.length)
    }
    await page.getByTestId('lab-entry-lr-sweep').click()
    await page.locator('[data-testid="lab-report"][data-experiment="lr-sweep"] canvas').first().waitFor()
    await page.waitForTimeout(300)
    await shot('09-lab.png')
    await page.getByTestId('nav-pages').click()
  }, 90_000)
})

describe('the built Electron main process (under Node, with a stand-in electron module)', () => {
  it('opens one hardened window, a menu with accelerators, and serves the routes over ipcMain', () => {
    ensureBuilt()
    const userData = mkdtempSync(join(tmpdir(), 'glyphdesk-electron-main-'))
    try {
      const r = spawnSync(process.execPath, ['--import', join(ROOT, 'test/e2e/electron-stub/register.mjs'), join(ROOT, 'test/e2e/electron-stub/run-main.mjs'), ROOT], {
        cwd: ROOT, encoding: 'utf8', env: { ...process.env, GLYPHDESK_STUB_USERDATA: userData }, timeout: 120_000
      })
      expect(r.status, r.stderr).toBe(0)
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!)
      expect(out.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true })
      expect(existsSync(out.webPreferences.preload)).toBe(true)
      expect(out.loaded).toBe('app://glyphdesk/index.html')
      expect(out.channels).toEqual(['glyphdesk:invoke'])
      expect(out.info).toMatchObject({ ok: true, value: { mode: 'electron', userDataDir: userData } })
      expect(out.bad).toMatchObject({ ok: false, error: { status: 400 } })
      expect(out.foreign).toMatchObject({ ok: false, error: { status: 403 } })
      expect(out.sample.boxes).toBeGreaterThan(80)
      expect(out.sample.glyphs).toBe(out.sample.boxes)
      expect(out.imageUrlPrefix).toBe('data:image/jpeg;base64,')
      expect(out.prevented.navigate).toBe(true)
      expect(out.opened).toEqual({ action: 'deny' })
      expect(out.permission).toBe(false)
      expect(out.accelerators).toEqual(expect.arrayContaining(['CmdOrCtrl+O', 'CmdOrCtrl+S', 'CmdOrCtrl+Z', 'Shift+CmdOrCtrl+Z', 'CmdOrCtrl+0']))
    } finally {
      rmSync(userData, { recursive: true, force: true })
    }
  }, 240_000)
})
