// End to end in real headless Chromium against `glyphdesk serve` (browser mode) with the real
// main-process services: open the sample, correct by keyboard, undo/redo, split/merge, retrain,
// export, the Lab's experiment reports. Saves a screenshot of each main view to docs/screenshots/. Then loads the built Electron
// main process under Node with a stand-in for the electron module (no Electron binary can be had
// here) to check the window hardening, the menu and the IPC registry of the real bundle.
import { spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, requireChromium, ROOT, startBrowserMode } from './browserHarness.ts'
import { buildIsStale, buildRenderer } from '../../src/main/server/browserMode.ts'
import { ExperimentReportSchema } from '../../src/shared/labReport.ts'

// The committed screenshots are refreshed only on request (npm run screenshots), so a test run leaves the tree clean.
const SHOTS =
  process.env['GLYPHDESK_SCREENSHOTS'] === '1'
    ? join(ROOT, 'docs', 'screenshots')
    : mkdtempSync(join(tmpdir(), 'glyphdesk-shots-'))
const haveChromium = requireChromium('the end-to-end tests')

let server: ChildProcess
let url = ''
let dataDir: string
let profileDir: string
let context: BrowserContext
let page: Page

const boxCount = async () => Number(await page.locator('[data-testid="page-canvas"] canvas').getAttribute('data-boxes'))
const lineTexts = async () => page.locator('[data-testid="line-text"]').allInnerTexts()
const selectedBox = async () =>
  page.locator('[data-testid="glyph-strip"] .cell.selected').first().getAttribute('data-box')
const charOf = (id: string) => page.locator(`[data-testid="text-panel"] .ch[data-box="${id}"]`)
const idle = async () => {
  await page.waitForFunction(() => !document.querySelector('[data-testid="status"] .busy'), undefined, {
    timeout: 60_000
  })
}
/** Saves a one-page project holding `doc` and opens it through the UI, until all its boxes are drawn and read. */
const openProject = async (name: string, doc: { boxes: unknown[] } & Record<string, unknown>) => {
  const file = join(dataDir, `${name}.glyphdesk`)
  writeFileSync(
    file,
    JSON.stringify({ format: 'glyphdesk-project', version: 1, current: 0, models: [], pages: [{ doc }] })
  )
  page.once('dialog', (d) => void d.accept(file))
  await page.getByRole('button', { name: 'Project…' }).click()
  await expect.poll(boxCount, { timeout: 60_000 }).toBe(doc.boxes.length)
  await idle()
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
    ;({ server, url } = await startBrowserMode(dataDir))
    ;({ context, page } = await launchChromium(profileDir))
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
    // One half selected (typing a letter labels that half only); both halves got a reading from the model.
    const selected = await page
      .locator('[data-testid="glyph-strip"] .cell.selected')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-box')))
    expect(selected.length).toBe(1)
    const parts = await page.evaluate((first) => {
      const ids = [...document.querySelectorAll('[data-testid="text-panel"] .ch')].map((e) =>
        e.getAttribute('data-box')
      )
      const at = ids.indexOf(first)
      return [ids[at], ids[at + 1]]
    }, selected[0])
    expect(parts).not.toContain(id)
    for (const p of parts) await expect.poll(() => charOf(p!).innerText()).toMatch(/^[A-Z0-9]$/)
    await charOf(parts[1]!).click({ modifiers: ['Shift'] })
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

  it('every correction trains: 9 confirmed glyphs, all trained on, read right, scores that say what they measured', async () => {
    await page.getByTestId('tab-text').click()
    // Start from no corrections: clear the label the keyboard test left.
    for (const el of await page.locator('[data-testid="text-panel"] .ch.person').all()) {
      await el.click()
      await page.keyboard.press('Control+Backspace')
    }
    await expect.poll(() => page.locator('[data-testid="text-panel"] .ch.person').count()).toBe(0)
    await page.keyboard.press('Escape')
    await page.keyboard.press('Tab')
    for (let i = 0; i < 9; i++) await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('[data-testid="text-panel"] .ch.person').count()).toBe(9)
    await page.getByTestId('tab-retrain').click()
    await expect.poll(async () => Number(await page.getByTestId('corrections').innerText())).toBe(9)
    await page.locator('input[name="epochs"]').fill('6')
    await page.locator('input[name="name"]').fill('e2e-tuned')
    // No glyph set folder: the replay set shipped with the models is used.
    expect(await page.locator('input[name="glyphSetDir"]').inputValue()).toBe('')
    await page.getByTestId('train-start').click()
    await page
      .waitForSelector(
        '[data-testid="train-job"]:is([data-state="done"], [data-state="failed"], [data-state="cancelled"])',
        { timeout: 120_000 }
      )
      .catch(async (e) => {
        await shot('debug-retrain.png')
        throw e
      })
    const job = page.getByTestId('train-job')
    expect(await job.getAttribute('data-state'), await job.innerText()).toBe('done')
    expect(await page.getByTestId('guard').count()).toBe(0) // 9 confirmations of confident readings: nothing to question
    await expect.poll(() => page.locator('[data-testid="train-curve"] canvas').count()).toBeGreaterThan(0)
    expect(await page.getByTestId('new-model').innerText()).toBe('e2e-tuned')
    expect(await page.getByTestId('train-summary').innerText()).toMatch(
      /all 9 of your 9 corrections \(repeated\) \+ 1080 replayed glyphs/
    )
    const scores = page.getByTestId('train-scores')
    expect(await scores.locator('[data-score="trained"]').innerText()).toMatch(
      /your 9 corrections, as trained on\s+\d+\.\d%\s+100\.0%\s+a fit, not a test/
    )
    expect(await scores.locator('[data-score="cv"]').innerText()).toMatch(
      /5-fold cross-validation\s+\d+\.\d%\s+\d+\.\d%\s+each glyph read by a model trained the same way without its fold \(5 models\)/
    )
    expect(await scores.locator('[data-score="check"]').innerText()).toMatch(
      /720 shipped glyphs\s+\d+\.\d%\s+\d+\.\d%\s+never trained on/
    )
    expect(await scores.locator('[data-score="heldout"]').count()).toBe(0)
    await page.getByTestId('train-job').scrollIntoViewIfNeeded()
    await page.waitForTimeout(400)
    await shot('03-retrain.png')
    // Every open page read with it first; accept: the page takes its reading and it becomes the default.
    await page.getByTestId('compare-new').click()
    await expect
      .poll(() => page.getByTestId('comparison').innerText(), { timeout: 30_000 })
      .toMatch(/would change with e2e-tuned on 1 open page/)
    await page.getByTestId('diff-accept').click()
    await expect
      .poll(() => page.locator('[data-testid="status"]').innerText(), { timeout: 30_000 })
      .toMatch(/model e2e-tuned/)
    // The 9 glyphs it trained on are read as the person labelled them.
    const cells = await page
      .locator('[data-testid="glyph-strip"] .cell.person')
      .evaluateAll((els) =>
        els.map((e) => [e.querySelector('.letter')?.textContent ?? '', e.getAttribute('title') ?? ''])
      )
    expect(cells).toHaveLength(9)
    for (const [letter, title] of cells)
      expect(title).toBe(`corrected by you (model said ${letter.replace(/[^A-Z0-9]/g, '')})`)
    await page.getByTestId('tab-models').click()
    const listed = page.locator('[data-model="e2e-tuned"] .acc')
    await expect.poll(() => listed.innerText()).toMatch(/^\d+\.\d%$/)
    expect(await listed.innerText()).not.toBe('0.0%')
    expect(await listed.getAttribute('title')).toMatch(/replay check: 720 shipped glyphs never trained on/)
    await page.locator('[data-model="e2e-tuned"]').click()
    await expect
      .poll(() => page.getByTestId('model-card').innerText())
      .toMatch(/Kind\s+cnn-head[\s\S]*Based on\s+cnn-best[\s\S]*Rest of the alphabet\s+\d/)
    await shot('05-models.png')
    // One click back to the previous model.
    await page.getByTestId('tab-retrain').click()
    await page.getByTestId('return-previous').click()
    await expect
      .poll(() => page.locator('[data-testid="status"]').innerText(), { timeout: 30_000 })
      .toMatch(/model cnn-best/)
    await page.getByTestId('tab-models').click()
    await expect.poll(() => page.locator('[data-model="cnn-best"] .tag.def').count()).toBe(1)
    // The shipped default's card shows its look-alike calibration (glyphdesk calibrate) and what it did.
    await page.locator('[data-model="cnn-best"]').click()
    await expect
      .poll(() => page.getByTestId('model-card').innerText())
      .toMatch(/Look-alike offsets\s+0 \+0\.25, 1 −0\.10, 2 −0\.25, 5 \+1\.10, 6 \+0\.50 \(test 97\.95% → 98\.07%\)/)
    expect(await page.getByTestId('model-card').innerText()).toMatch(/Layers\s+ensemble of 2 CNNs/)
    // "Read this page with it" shows what would change first, and changes nothing until accepted.
    await page.locator('[data-model="e2e-tuned"]').click()
    await page.getByRole('button', { name: 'Read this page with it' }).click()
    await expect
      .poll(() => page.getByTestId('comparison').innerText(), { timeout: 30_000 })
      .toMatch(/would change with e2e-tuned on 1 open page/)
    await page.getByTestId('diff-discard').click()
    expect(await page.locator('[data-testid="status"]').innerText()).toMatch(/model cnn-best/)
    expect(await page.locator('[data-model="e2e-tuned"]').count()).toBe(1) // only a retrain's discard deletes
  }, 240_000)

  it('flags a wrong label before training; insisting shows every changed reading; discarding restores the previous model', async () => {
    await page.getByTestId('tab-text').click()
    const s = page.locator('[data-testid="text-panel"] [data-line="0"] .ch').nth(6)
    expect(await s.innerText()).toBe('S')
    const sId = (await s.getAttribute('data-box'))!
    await s.click()
    await page.keyboard.press('A')
    await expect.poll(() => charOf(sId).innerText()).toBe('A')
    await page.getByTestId('tab-retrain').click()
    await page.locator('input[name="name"]').fill('e2e-wrong')
    await page.getByTestId('train-start').click()
    const suspect = page.locator(`[data-testid="suspect"][data-box="${sId}"]`)
    await expect.poll(() => suspect.count(), { timeout: 30_000 }).toBe(1)
    // Flagged either because the model is confident it is S, or (when it is less sure) because it looks like no A.
    const reason = await suspect.getAttribute('data-reason')
    expect(['confident-other', 'unlike-label']).toContain(reason)
    expect(await suspect.innerText()).toMatch(
      reason === 'confident-other'
        ? /you typed A; the model is (9\d|100)% sure it is S/
        : /you typed A; it looks like none of the A examples \(the model reads S/
    )
    expect(await page.getByTestId('guard-train').isDisabled()).toBe(true) // each flagged correction needs a decision
    await page.getByTestId('guard').scrollIntoViewIfNeeded()
    await shot('10-guard.png')
    // The person insists.
    for (const keep of await page.getByTestId('suspect-keep').all()) await keep.click()
    await page.getByTestId('guard-train').click()
    await expect
      .poll(() => page.locator('[data-testid="new-model"]').allInnerTexts(), { timeout: 120_000 })
      .toEqual(['e2e-wrong'])
    // The second retrain of the session draws its curve too (its chart is a new element).
    await expect.poll(() => page.locator('[data-testid="train-curve"] canvas').count()).toBeGreaterThan(0)
    await page.getByTestId('compare-new').click()
    await expect
      .poll(() => page.getByTestId('comparison').innerText(), { timeout: 30_000 })
      .toMatch(/would change with e2e-wrong/)
    // Every changed reading is listed and outlined in the text (and on the page): the same boxes.
    const listedIds = await page
      .locator('[data-testid="comparison"] [data-page="0"] [data-testid="diff-changes"] li')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-box')).sort())
    const outlined = await page
      .locator('[data-testid="text-panel"] .ch.changing')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-box')).sort())
    expect(Number(await page.getByTestId('diff-count').innerText())).toBe(listedIds.length)
    await page.getByTestId('tab-text').click()
    expect(
      await page
        .locator('[data-testid="text-panel"] .ch.changing')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-box')).sort())
    ).toEqual(listedIds)
    void outlined
    await page.getByTestId('tab-retrain').click()
    await page.getByTestId('comparison').scrollIntoViewIfNeeded()
    await shot('04-compare.png')
    await page.getByTestId('diff-discard').click()
    await expect.poll(() => page.getByTestId('comparison').count()).toBe(0)
    expect(await page.locator('[data-testid="text-panel"] .ch.changing').count()).toBe(0)
    await page.getByTestId('tab-models').click()
    await expect.poll(() => page.locator('[data-model="e2e-wrong"]').count()).toBe(0)
    expect(await page.locator('[data-model="cnn-best"] .tag.def').count()).toBe(1)
    expect(await page.locator('[data-testid="status"]').innerText()).toMatch(/model cnn-best/)
    // Put the S back.
    await page.getByTestId('tab-text').click()
    await charOf(sId).click()
    await page.keyboard.press('Control+Backspace')
    await expect.poll(() => charOf(sId).innerText()).toBe('S')
  }, 240_000)

  it('ranks a merged two-letter box among the first five of the review queue', async () => {
    await page.getByTestId('tab-text').click()
    const line1 = page.locator('[data-testid="text-panel"] [data-line="1"] .ch')
    const m = (await line1.nth(1).getAttribute('data-box'))!,
      a = (await line1.nth(2).getAttribute('data-box'))!
    await line1.nth(1).click()
    await line1.nth(2).click({ modifiers: ['Shift'] })
    const n = await boxCount()
    await page.keyboard.press('+')
    await expect.poll(boxCount).toBe(n - 1)
    await idle()
    const merged = (await selectedBox())!
    expect([m, a]).not.toContain(merged)
    await page.keyboard.press('Escape')
    const first5: string[] = []
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab')
      first5.push((await selectedBox())!)
    }
    expect(first5).toContain(merged)
    expect(
      Number(
        await page
          .getByTestId('suspects')
          .innerText()
          .then((t) => t.split(' ')[0])
      )
    ).toBeGreaterThanOrEqual(1)
    await page.keyboard.press('Control+z')
    await expect.poll(boxCount).toBe(n)
  })

  it('re-reads a box when it is resized', async () => {
    const ch = page.locator('[data-testid="text-panel"] [data-line="2"] .ch').nth(3)
    const id = (await ch.getAttribute('data-box'))!
    await ch.click()
    const reread = page.waitForRequest(
      (r) => r.url().includes('/api/pages.recognize') && (r.postData() ?? '').includes(`"${id}"`),
      { timeout: 15_000 }
    )
    for (let i = 0; i < 6; i++) await page.keyboard.press('Alt+ArrowRight')
    await reread
    await idle()
    for (let i = 0; i < 6; i++) await page.keyboard.press('Control+z')
  })

  it('joins a word read as two, in the text panel and by key; the txt, JSON, hOCR and ALTO exports carry the one word', async () => {
    await page.getByTestId('tab-text').click()
    expect((await lineTexts())[0]).toBe('TO DO LIST')
    // Text panel: retype the line with the word gap where it belongs.
    await page.locator('[data-testid="text-panel"] [data-line="0"] [data-testid="line-text"]').dblclick()
    await page.locator('[data-testid="text-panel"] input.edit').fill('TODO LIST')
    await page.keyboard.press('Enter')
    await expect.poll(async () => (await lineTexts())[0]).toBe('TODO LIST')
    // Selection (as on the canvas) and the join key.
    const line0 = page.locator('[data-testid="text-panel"] [data-line="0"] .ch')
    await line0.nth(3).click()
    await line0.nth(4).click({ modifiers: ['Shift'] })
    await page.keyboard.press('_')
    await expect.poll(async () => (await lineTexts())[0]).toBe('TODOLIST')
    await page.getByTestId('tab-export').click()
    const exported: Record<string, string> = {}
    for (const f of ['txt', 'json', 'hocr', 'alto']) {
      await page.locator(`input[name="fmt"][value="${f}"]`).check()
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-page').click()])
      exported[f] = readFileSync((await download.path())!, 'utf8')
    }
    expect(exported['txt'].split('\n')[0]).toBe('TODOLIST')
    const doc = JSON.parse(exported['json']) as { boxes: { line: number; word: number }[] }
    expect(new Set(doc.boxes.filter((b) => b.line === 0).map((b) => b.word)).size).toBe(1)
    const firstLine = exported['hocr'].split('class="ocr_line"')[1]
    expect(firstLine.match(/class="ocrx_word"/g)).toHaveLength(1)
    expect(exported['alto']).toContain('CONTENT="TODOLIST"')
    expect(exported['alto'].split('<TextLine')[1].match(/<String /g)).toHaveLength(1)
    await page.getByTestId('tab-text').click()
    await page.keyboard.press('Control+z')
    await page.keyboard.press('Control+z')
    await expect.poll(async () => (await lineTexts())[0]).toBe('TO DO LIST')
  })

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
    expect(await page.locator('[data-testid="text-panel"] .ch.person').count()).toBeGreaterThanOrEqual(9)
  }, 120_000)

  it('stays smooth with 1000 boxes: a project of 1000 boxes loads, and a redraw takes well under a frame', async () => {
    // 40×25 boxes over the sample page, saved as a project and opened through the UI.
    const sample = join(ROOT, 'resources', 'samples', '01_list.jpg')
    const boxes = Array.from({ length: 1000 }, (_, i) => ({
      id: `g${i + 1}`,
      x: 20 + (i % 40) * 39,
      y: 20 + Math.floor(i / 40) * 44,
      w: 30,
      h: 38,
      line: Math.floor(i / 40),
      word: Math.floor((i % 40) / 5),
      label: 'A',
      confidence: (i % 100) / 100,
      source: 'detector'
    }))
    const lines = Array.from({ length: 25 }, (_, l) => ({ index: l, x: 20, y: 20 + l * 44, w: 40 * 39, h: 38 }))
    await openProject('thousand', { version: 1, image: { path: sample, width: 1600, height: 1150 }, boxes, lines })
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

  it('shows a page read turned (upside down) in its reading order, and says it was turned', async () => {
    // A page read after turning the file 180°: in the file its text runs right to left, bottom line first.
    const sample = join(ROOT, 'resources', 'samples', '01_list.jpg')
    const box = (id: string, x: number, y: number, line: number, word: number, label: string) => ({
      id,
      x,
      y,
      w: 40,
      h: 50,
      line,
      word,
      label,
      confidence: 0.9,
      source: 'detector'
    })
    const boxes = [
      box('t1', 900, 600, 0, 0, 'T'),
      box('t2', 850, 600, 0, 0, 'U'),
      box('t3', 800, 600, 0, 0, 'R'),
      box('t4', 750, 600, 0, 0, 'N'),
      box('t5', 900, 500, 1, 0, 'U'),
      box('t6', 850, 500, 1, 0, 'P')
    ]
    const lines = [
      { index: 0, x: 750, y: 600, w: 190, h: 50 },
      { index: 1, x: 850, y: 500, w: 90, h: 50 }
    ]
    await openProject('turned', {
      version: 1,
      image: { path: sample, width: 1600, height: 1150, turn: 180 },
      boxes,
      lines
    })
    await page.getByTestId('tab-text').click()
    expect(await lineTexts()).toEqual(['TURN', 'UP'])
    expect(await page.getByTestId('page-turn').innerText()).toBe('read turned 180°')
  }, 120_000)

  it('keeps the toolbar on one row at 1440×900 and 1280×720', async () => {
    const rows = () =>
      page.evaluate(() => {
        const bar = document.querySelector('header.toolbar') as HTMLElement
        const tops = new Set(
          [...bar.children]
            .filter((c) => (c as HTMLElement).offsetParent !== null)
            .map((c) =>
              Math.round(
                (c as HTMLElement).getBoundingClientRect().top + (c as HTMLElement).getBoundingClientRect().height / 2
              )
            )
        )
        return {
          centres: tops.size,
          height: bar.getBoundingClientRect().height,
          overflow: bar.scrollWidth - bar.clientWidth
        }
      })
    for (const size of [
      { width: 1440, height: 900 },
      { width: 1280, height: 720 }
    ]) {
      await page.setViewportSize(size)
      await page.waitForTimeout(200)
      const r = await rows()
      expect(r.centres, `toolbar rows at ${size.width}×${size.height}`).toBe(1)
      expect(r.overflow).toBeLessThanOrEqual(0)
      if (size.width === 1280) await shot('11-1280x720.png')
    }
    await page.setViewportSize({ width: 1440, height: 900 })
  })

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
        await expect
          .poll(() => fig.locator('[aria-label]').first().getAttribute('aria-label'), { timeout: 10_000 })
          .toContain(chart.title)
        // Something is painted: the canvas is not one flat colour.
        const colours = await fig
          .locator('canvas')
          .first()
          .evaluate((c: HTMLCanvasElement) => {
            const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
            const seen = new Set<number>()
            for (let i = 0; i < d.length && seen.size < 50; i += 4 * 7)
              seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2])
            return seen.size
          })
        expect(colours, `${name}/${chart.id}`).toBeGreaterThan(5)
      }
      for (const img of report.images) {
        const el = view.locator(`[data-testid="lab-image"][data-image="${img.id}"] img`)
        await expect
          .poll(() => el.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), { timeout: 10_000 })
          .toBe(true)
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
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          join(ROOT, 'test/e2e/electron-stub/register.mjs'),
          join(ROOT, 'test/e2e/electron-stub/run-main.mjs'),
          ROOT
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
          env: { ...process.env, GLYPHDESK_STUB_USERDATA: userData },
          timeout: 120_000
        }
      )
      expect(r.status, r.stderr).toBe(0)
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!)
      expect(out.webPreferences).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true
      })
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
      expect(out.accelerators).toEqual(
        expect.arrayContaining(['CmdOrCtrl+O', 'CmdOrCtrl+S', 'CmdOrCtrl+Z', 'Shift+CmdOrCtrl+Z', 'CmdOrCtrl+0'])
      )
    } finally {
      rmSync(userData, { recursive: true, force: true })
    }
  }, 240_000)
})
