// The one corrections service (recognize/corrections.ts#labelledGlyphs): the app (open page sessions) and the
// CLI (PageDocs and images on disk) get the same glyphs for the same corrected page, and both refuse pixels
// that are not the ones the page was made from.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GLYPH_PIXELS } from '../../../src/shared/classes.ts'
import type { PageDoc } from '../../../src/shared/pagedoc.ts'
import { collectGlyphs } from '../../../src/main/project/glyphDataset.ts'
import { PageSessions } from '../../../src/main/project/pageSessions.ts'
import { loadClassifier } from '../../../src/main/recognize/models.ts'
import { transcribe } from '../../../src/main/read/transcribe.ts'
import { loadImage } from '../../../src/main/vision/image.ts'
import { multiPageTiff } from '../helpers/multiPageTiff.ts'
import {
  collectCorrections,
  CorrectionsInputError,
  readPageDocs,
  resolvePageImage
} from '../../../src/main/learn/corrections.ts'

const root = resolve(__dirname, '../../..')
const fixture = join(root, 'test/fixtures/corrections/02_letters.json')

let scratch: string
let doc: PageDoc
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'glyphdesk-corrections-'))
  const [src] = readPageDocs(fixture)
  // The app keeps absolute image paths: the same page as a PageDoc the app would hold.
  doc = { ...src.doc, image: { ...src.doc.image, path: resolvePageImage(src) } }
})
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/**
 * A page read by transcribe with every box confirmed by a person (so every box is a correction), saved as `name`:
 * the CLI (the PageDoc on disk) and the app (page sessions) cut exactly the glyphs transcribe read.
 */
async function cutAsRead(read: Awaited<ReturnType<typeof transcribe>>, name: string) {
  const confirmed: PageDoc = { ...read.doc, boxes: read.doc.boxes.map((b) => ({ ...b, userLabel: b.label })) }
  const json = join(scratch, name)
  writeFileSync(json, JSON.stringify(confirmed))
  const cli = await collectCorrections(readPageDocs(json))
  const app = await collectGlyphs(new PageSessions(), [confirmed], true)
  expect(cli.n).toBe(read.doc.boxes.length)
  expect(Array.from(cli.x)).toEqual(Array.from(read.glyphs))
  expect(Array.from(app.x)).toEqual(Array.from(read.glyphs))
  return { cli, app }
}

describe('one corrections service for the app and the CLI', () => {
  it('gives the same glyphs, labels and rows from open page sessions as from the files on disk', async () => {
    const cli = await collectCorrections(readPageDocs(fixture))
    const app = await collectGlyphs(new PageSessions(), [doc], true)
    expect(cli.n).toBe(doc.boxes.filter((b) => b.userLabel).length)
    expect(app.n).toBe(cli.n)
    expect(Array.from(app.y)).toEqual(Array.from(cli.y))
    expect(app.rows.map((r) => [r.boxId, r.label, r.by, r.predicted])).toEqual(
      cli.rows.map((r) => [r.boxId, r.label, r.by, r.predicted])
    )
    let maxDiff = 0
    for (let i = 0; i < cli.n * GLYPH_PIXELS; i++) maxDiff = Math.max(maxDiff, Math.abs(app.x[i] - cli.x[i]))
    expect(maxDiff).toBe(0)
    // Every row is a person's label; `changed` counts those that differ from the model's reading.
    expect(cli.changed).toBe(cli.rows.filter((r) => r.predicted !== undefined && r.predicted !== r.label).length)
  }, 60_000)

  it('cuts a page read turned (lying sideways) from the page turned, in the app as in the CLI, as transcribe read it', async () => {
    const file = join(scratch, 'sideways.png')
    writeFileSync(
      file,
      await sharp(join(root, 'resources', 'samples', '02_letters.jpg'))
        .rotate(90)
        .png()
        .toBuffer()
    )
    const bytes = readFileSync(file)
    const read = await transcribe(await loadImage(bytes), await loadClassifier(), { path: file, fileBytes: bytes })
    expect(read.doc.image.turn).toBe(270)
    await cutAsRead(read, 'sideways.json')
  }, 120_000)

  it("cuts a multi-page TIFF's second page from that page, in the app as in the CLI, as transcribe read it", async () => {
    const samples = join(root, 'resources', 'samples')
    const file = join(scratch, 'stack.tif')
    writeFileSync(
      file,
      await multiPageTiff([join(samples, '04_deep.jpg'), join(samples, '02_letters.jpg')], 1600, 1150)
    )
    const bytes = readFileSync(file)
    const read = await transcribe(await loadImage(bytes, { page: 1 }), await loadClassifier(), {
      path: file,
      fileBytes: bytes
    })
    expect(read.doc.image.page).toBe(1)
    const { cli } = await cutAsRead(read, 'stack.json')
    expect(cli.rows.every((r) => r.filePage === 1)).toBe(true)
  }, 120_000)

  it('refuses an image that is not the one the page was made from, in the app as in the CLI', async () => {
    // Same size, different pixels: only the SHA-256 tells them apart.
    const img = join(scratch, 'changed.jpg')
    const original = doc.image.path
    const { data, info } = await sharp(original).raw().toBuffer({ resolveWithObject: true })
    for (let i = 0; i < 3000; i++) data[i] = 255 - data[i]
    await sharp(data, { raw: info }).jpeg().toFile(img)
    const changed: PageDoc = { ...doc, image: { ...doc.image, path: img } }
    await expect(collectGlyphs(new PageSessions(), [changed], true)).rejects.toThrow(CorrectionsInputError)
    await expect(collectGlyphs(new PageSessions(), [changed], true)).rejects.toThrow(/SHA-256 differs/)
    const json = join(scratch, 'changed.json')
    writeFileSync(json, JSON.stringify(changed))
    await expect(collectCorrections(readPageDocs(json))).rejects.toThrow(/SHA-256 differs/)
    // Without a recorded hash the size still has to match.
    const small = join(scratch, 'small.jpg')
    await sharp(original).resize(200).jpeg().toFile(small)
    const noHash: PageDoc = { ...doc, image: { path: small, width: doc.image.width, height: doc.image.height } }
    await expect(collectGlyphs(new PageSessions(), [noHash], true)).rejects.toThrow(/but the page says/)
    // The untouched image still works after a refusal.
    copyFileSync(original, join(scratch, 'copy.jpg'))
    const copy: PageDoc = { ...doc, image: { ...doc.image, path: join(scratch, 'copy.jpg') } }
    expect((await collectGlyphs(new PageSessions(), [copy], true)).n).toBeGreaterThan(0)
  }, 60_000)
})
