// End to end in real headless Chromium against `glyphdesk serve` (browser mode): Open… with Tesseract's
// hOCR of a sample page and the page photo together imports it (boxes with Tesseract's labels, marked as
// Tesseract's), a hostile file is refused with its one line and changes nothing, and the imported page
// exports as PAGE XML that validates against the official 2019-07-15 schema; a scanner's multi-page TIFF opens as one
// page per page of the file. Same harness as app.e2e.test.ts.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, requireChromium, ROOT, startBrowserMode } from './browserHarness.ts'
import { buildIsStale, buildRenderer } from '../../src/main/server/browserMode.ts'
import { importOcrFile, readOcrFile } from '../../src/main/interchange/import.ts'
import { loadClassifier } from '../../src/main/recognize/models.ts'
import { assembleText } from '../../src/shared/pagedoc.ts'
import { validateAgainst } from '../main/helpers/xsd.ts'
import { multiPageTiff } from '../main/helpers/multiPageTiff.ts'

const HOCR = join(ROOT, 'test', 'fixtures', 'interchange', 'tesseract', '04_deep.hocr')
const IMAGE = join(ROOT, 'resources', 'samples', '04_deep.jpg')
const haveChromium = requireChromium('the interchange end-to-end test')
// The committed screenshot is refreshed only on request (npm run screenshots), so a test run leaves the tree clean.
const SHOTS = process.env['GLYPHDESK_SCREENSHOTS'] === '1' ? join(ROOT, 'docs', 'screenshots') : null

let server: ChildProcess
let url = ''
let dataDir: string
let profileDir: string
let scratch: string
let context: BrowserContext
let page: Page

const boxCount = async () => Number(await page.locator('[data-testid="page-canvas"] canvas').getAttribute('data-boxes'))
const lineTexts = async () => page.locator('[data-testid="line-text"]').allInnerTexts()
const idle = async () => {
  await page.waitForFunction(() => !document.querySelector('[data-testid="status"] .busy'), undefined, {
    timeout: 60_000
  })
}

describe.skipIf(!haveChromium)("importing another tool's OCR file in the app (browser mode, Chromium)", () => {
  beforeAll(async () => {
    if (buildIsStale()) buildRenderer()
    dataDir = mkdtempSync(join(tmpdir(), 'glyphdesk-e2e-import-data-'))
    profileDir = mkdtempSync(join(tmpdir(), 'glyphdesk-e2e-import-profile-'))
    scratch = mkdtempSync(join(tmpdir(), 'glyphdesk-e2e-import-files-'))
    ;({ server, url } = await startBrowserMode(dataDir))
    ;({ context, page } = await launchChromium(profileDir))
    await page.goto(url)
    await page.waitForSelector('[data-testid="line-text"]', { timeout: 90_000 })
    await idle()
  }, 240_000)

  afterAll(async () => {
    await context?.close()
    server?.kill('SIGTERM')
    for (const d of [dataDir, profileDir, scratch]) if (d) rmSync(d, { recursive: true, force: true })
  })

  it('refuses an entity bomb picked with Open… in one line, and the open page stays as it was', async () => {
    const before = await lineTexts()
    const bomb = join(scratch, 'bomb.xml')
    writeFileSync(
      bomb,
      '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx"><!ENTITY y "&x;&x;&x;">]><alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">&y;</alto>'
    )
    await page.setInputFiles('[data-testid="open-input"]', [bomb, IMAGE])
    await expect
      .poll(() => page.locator('body').innerText(), { timeout: 30_000 })
      .toContain('declares XML entities in its DOCTYPE')
    await idle()
    expect(await lineTexts()).toEqual(before)
  })

  it("opens Tesseract's hOCR with the page photo: its words as boxes carrying Tesseract's labels", async () => {
    const source = await readOcrFile(HOCR)
    await page.setInputFiles('[data-testid="open-input"]', [HOCR, IMAGE])
    await expect.poll(() => page.locator('body').innerText(), { timeout: 60_000 }).toContain('from tesseract 5.3.0')
    await idle()
    const texts = await lineTexts()
    expect(texts).toHaveLength(source.lines.length)
    expect(await boxCount()).toBeGreaterThan(20)
    // The text panel shows Tesseract's reading (upper-cased, punctuation dropped, "?" where its words could
    // not be aligned), exactly as the import makes it outside the app, not the model's.
    const { doc } = await importOcrFile(HOCR, IMAGE, { classifier: await loadClassifier() })
    expect(texts).toEqual(assembleText(doc).split('\n'))
    expect(texts.join(' ')).toContain('LEARNING')
    if (SHOTS) {
      await page.keyboard.press('Tab') // the review queue starts at the least certain of Tesseract's labels
      await page.waitForTimeout(300)
      await page.screenshot({ path: join(SHOTS, '07-import.png') })
    }
  })

  it('exports the imported page as PAGE XML that validates against the official schema and names Tesseract', async () => {
    await page.getByTestId('tab-export').click()
    await page.getByTestId('fmt-page').check()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-page').click()])
    expect(download.suggestedFilename()).toMatch(/04_deep\.page\.xml$/)
    const xml = readFileSync(await download.path(), 'utf8')
    expect(xml).toContain('<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"')
    expect(xml).toContain('imported from hocr written by tesseract 5.3.0')
    expect(xml).toMatch(/comments="reading of tesseract 5\.3\.0"/)
    const r = await validateAgainst('page-2019-07-15', { 'export.page.xml': xml })
    expect(r['export.page.xml']).toEqual({ valid: true, errors: [] })
  })

  it("opens a scanner's multi-page TIFF picked with Open… as one page per page of the file", async () => {
    const samples = join(ROOT, 'resources', 'samples')
    const tif = join(scratch, 'stack.tif')
    writeFileSync(tif, await multiPageTiff([join(samples, '02_letters.jpg'), join(samples, '04_deep.jpg')], 1600, 1150))
    await page.setInputFiles('[data-testid="open-input"]', [tif])
    const picker = page.getByLabel('Open pages')
    const names = () => picker.locator('option').allInnerTexts()
    await expect
      .poll(names, { timeout: 90_000 })
      .toEqual(expect.arrayContaining(['stack.tif · page 1', 'stack.tif · page 2']))
    await idle()
    await page.getByTestId('tab-text').click()
    // The second page read last is shown; each page shows its own text.
    expect(await lineTexts()).toContain('DEEP LEARNING')
    const options = await names()
    await picker.selectOption(String(options.indexOf('stack.tif · page 1')))
    await expect.poll(lineTexts).toContain('ABCDEFG')
    expect(await lineTexts()).not.toContain('DEEP LEARNING')
  }, 180_000)
})
