// Importing another tool's words for a phone photo of a sheet: the app's import segments the page as Glyphdesk
// reads it (vision/sheet.ts#segmentScan: the flattened sheet), so the glyphs it finds inside each word must be
// mapped from the flat sheet onto the photo before they are matched with the file's words.
import { describe, expect, it } from 'vitest'
import { buildDoc } from '../../../src/main/interchange/import.ts'
import type { ImportedLine } from '../../../src/main/interchange/read.ts'
import { mapRect } from '../../../src/main/vision/geometry.ts'
import { segmentScan } from '../../../src/main/vision/sheet.ts'
import { assembleText } from '../../../src/shared/pagedoc.ts'
import { craftedPhoto, craftedSheet } from '../helpers/craftedPhoto.ts'

describe('importing words on a photo of a sheet', () => {
  it('cuts each word into the glyphs found on the flat sheet, in the photo where they lie', async () => {
    const text = ['SHEET ON A DESK', 'ROOM 101 4B']
    const sheet = craftedSheet(text)
    const { photo, toPhoto } = craftedPhoto(sheet, 9, 5)
    const seg = await segmentScan(photo)
    expect(seg.sheet).toBeDefined()
    // The words as another tool would write them: each word's box in the photo's pixels (around its characters'
    // boxes mapped through the sheet's perspective, grown by 4 px), its text, no glyph boxes.
    let k = 0
    const lines: ImportedLine[] = text.map((line) => {
      const words = line.split(' ').map((word) => {
        const boxes = sheet.chars.slice(k, k + word.length).map((c) => mapRect(toPhoto, c.box))
        k += word.length
        const x0 = Math.min(...boxes.map((b) => b.x)) - 4,
          y0 = Math.min(...boxes.map((b) => b.y)) - 4
        const x1 = Math.max(...boxes.map((b) => b.x + b.w)) + 4,
          y1 = Math.max(...boxes.map((b) => b.y + b.h)) + 4
        return { rect: { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, text: word, glyphs: [] }
      })
      const x0 = Math.min(...words.map((w) => w.rect.x)),
        y0 = Math.min(...words.map((w) => w.rect.y))
      const x1 = Math.max(...words.map((w) => w.rect.x + w.rect.w)),
        y1 = Math.max(...words.map((w) => w.rect.y + w.rect.h))
      return { rect: { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, words }
    })
    expect(k).toBe(sheet.chars.length)
    const image = {
      ...photo,
      originalWidth: photo.width,
      originalHeight: photo.height,
      scale: 1,
      format: 'png',
      pages: 1,
      page: 0,
      warnings: []
    }
    const page = {
      format: 'hocr' as const,
      version: 'hOCR',
      tool: 'another tool',
      glyphdesk: false,
      lines,
      unit: 'pixel' as const,
      width: photo.width,
      height: photo.height
    }
    const { doc, report } = buildDoc(page, image, seg, { ocrPath: 'page.hocr', imagePath: 'page.png' })
    expect(report.words).toBe(7)
    expect(report.alignedWords).toBe(7)
    expect(report.unalignedWords).toBe(0)
    expect(assembleText(doc)).toBe(text.join('\n'))
    // Every glyph box lies on its character in the photo.
    const truth = sheet.chars.map((c) => mapRect(toPhoto, c.box))
    for (const b of doc.boxes) {
      const cx = b.x + b.w / 2,
        cy = b.y + b.h / 2
      expect(truth.some((t) => cx >= t.x && cx <= t.x + t.w && cy >= t.y && cy <= t.y + t.h)).toBe(true)
    }
  }, 60_000)
})
