// A page of a multi-page TIFF through the interchange formats: the exports say which page (hOCR `ppageno`, ALTO
// `PHYSICAL_IMG_NR`), and importing one of them with the TIFF reads that page back. A page number beside an image
// of one page (a tool numbering the pages of a run across files) is ignored.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assembleText, type PageDoc } from '../../../src/shared/pagedoc.ts'
import { exportAlto, exportHocr } from '../../../src/main/export/index.ts'
import { importOcrFile } from '../../../src/main/interchange/import.ts'
import { loadClassifier } from '../../../src/main/recognize/models.ts'
import { transcribe } from '../../../src/main/read/transcribe.ts'
import { loadImage } from '../../../src/main/vision/image.ts'
import { multiPageTiff } from '../helpers/multiPageTiff.ts'

const samples = resolve(__dirname, '../../../resources/samples')
const work = mkdtempSync(join(tmpdir(), 'glyphdesk-multipage-'))
const tif = join(work, 'stack.tif')
let second: PageDoc
beforeAll(async () => {
  writeFileSync(tif, await multiPageTiff([join(samples, '04_deep.jpg'), join(samples, '02_letters.jpg')], 1600, 1150))
  const bytes = readFileSync(tif)
  second = (
    await transcribe(await loadImage(bytes, { page: 1 }), await loadClassifier(), { path: tif, fileBytes: bytes })
  ).doc
}, 120_000)
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe("a multi-page TIFF's page in hOCR and ALTO", () => {
  it('is named by the exports and read back from that page on import', async () => {
    expect(second.image.page).toBe(1)
    expect(assembleText(second)).toMatch(/^ABCDEFG$/m)
    const hocr = exportHocr(second)
    // Words without their glyphs (as most tools write them): the words are cut into glyphs on the page named.
    const files = {
      hocr,
      words: hocr.replace(/<span class="ocrx_cinfo"[^>]*>([^<]*)<\/span>/g, '$1'),
      alto: exportAlto(second)
    }
    expect(files.words).not.toMatch(/class="ocrx_cinfo"/)
    expect(files.hocr).toMatch(/ppageno 1"/)
    expect(files.alto).toMatch(/PHYSICAL_IMG_NR="2"/)
    // Page 2 on its own, to import the words-only file against: the TIFF's page must give what this file gives.
    const alone = join(work, 'page2.png')
    writeFileSync(alone, await sharp(tif, { page: 1 }).png().toBuffer())
    const wordsOcr = join(work, 'page2.words.hocr')
    writeFileSync(wordsOcr, files.words)
    const wordsAlone = (await importOcrFile(wordsOcr, alone)).doc
    const rects = (d: PageDoc) => d.boxes.map((b) => [b.x, b.y, b.w, b.h, b.label])
    for (const [format, text] of Object.entries(files)) {
      const ocr = join(work, `stack.${format === 'words' ? 'words.hocr' : format}`)
      writeFileSync(ocr, text)
      const { doc } = await importOcrFile(ocr, tif)
      expect(doc.image.page, format).toBe(1)
      if (format === 'words') {
        // Cut into glyphs on page 2, exactly as on that page alone.
        expect(rects(doc)).toEqual(rects(wordsAlone))
        expect(doc.boxes.length).toBeGreaterThan(20)
      } else {
        // The glyphs the file gives, where page 2 was read.
        expect(assembleText(doc), format).toBe(assembleText(second))
        expect(rects(doc), format).toEqual(rects(second))
      }
    }
  }, 120_000)

  it('ignores a page number beside an image of one page', async () => {
    const png = join(work, 'one.png')
    writeFileSync(png, readFileSync(join(samples, '02_letters.jpg')))
    const bytes = readFileSync(png)
    const one = (await transcribe(await loadImage(bytes), await loadClassifier(), { path: png, fileBytes: bytes })).doc
    expect(one.image.page).toBeUndefined()
    const ocr = join(work, 'one.hocr')
    writeFileSync(ocr, exportHocr(one).replace('ppageno 0', 'ppageno 3'))
    const { doc } = await importOcrFile(ocr, png)
    expect(doc.image.page).toBeUndefined()
    expect(assembleText(doc)).toBe(assembleText(one))
  }, 120_000)
})
