// Reading a phone photo of a sheet on a desk (issue 12, point 1): only the sheet is read, its boxes land on
// the characters in the photo's own pixels, and an empty desk reads as no text — exit code 0 from the CLI.
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadClassifier } from '../../../src/main/recognize/models.ts'
import type { Classifier } from '../../../src/main/recognize/classifier.ts'
import { pageBoxGlyphs, transcribe } from '../../../src/main/read/transcribe.ts'
import { loadImage } from '../../../src/main/vision/image.ts'
import { segmentScan } from '../../../src/main/vision/sheet.ts'
import { CLASSES } from '../../../src/shared/classes.ts'
import { applyH, insideConvex, mapRect } from '../../../src/main/vision/geometry.ts'
import { assembleText } from '../../../src/shared/pagedoc.ts'
import { craftedPhoto, craftedSheet } from '../helpers/craftedPhoto.ts'

const root = resolve(__dirname, '..', '..', '..')
let classifier: Classifier
beforeAll(async () => {
  classifier = await loadClassifier()
}, 60_000)

describe('reading the sheet of a photo', () => {
  for (const deg of [-9, 9]) {
    it(`puts every box on a character of a sheet turned by ${deg}°, none on the desk`, async () => {
      const sheet = craftedSheet(['SHEET ON A DESK', 'ROOM 101 4B', 'QUIET ZONE 2525'])
      const { photo, corners, toPhoto } = craftedPhoto(sheet, deg, deg > 0 ? 11 : 12)
      const { doc } = await transcribe(photo, classifier)
      expect(doc.image).toMatchObject({ width: photo.width, height: photo.height })
      const truth = sheet.chars.map((c) => mapRect(toPhoto, c.box))
      for (const b of doc.boxes) {
        const cx = b.x + b.w / 2,
          cy = b.y + b.h / 2
        expect(insideConvex(corners, cx, cy)).toBe(true)
        // The box's centre lies on one of the characters, in the photo's pixels.
        expect(truth.some((t) => cx >= t.x && cx <= t.x + t.w && cy >= t.y && cy <= t.y + t.h)).toBe(true)
      }
      // Every character is found, once, where it is.
      let found = 0
      for (const t of truth) {
        const [mx, my] = [t.x + t.w / 2, t.y + t.h / 2]
        if (doc.boxes.some((b) => mx >= b.x && mx <= b.x + b.w && my >= b.y && my <= b.y + b.h)) found++
      }
      expect(found).toBe(truth.length)
      expect(doc.boxes).toHaveLength(truth.length)
      // And read in order (printed capitals: the classifier reads them).
      expect(assembleText(doc).replace(/\s+/g, '')).toBe('SHEETONADESKROOM1014BQUIETZONE2525')
      // A corner of the flat sheet is a corner of the photographed one.
      expect(applyH(toPhoto, 0, 0)).toEqual(corners[0])
    }, 60_000)
  }

  it('cuts the same glyphs from a sheet photo for the app and the corrections service as the classifier read', async () => {
    // The app opens a page through the page worker (segmentScan) and the corrections service re-segments the
    // file the same way; both must find every box transcribe wrote on the photo and cut it from the flat sheet.
    const sheet = craftedSheet(['CUT THE SAME', 'GLYPHS 42'])
    const { photo } = craftedPhoto(sheet, 7, 21)
    const read = await transcribe(photo, classifier)
    expect(read.segmentation.sheet).toBeDefined()
    const n = read.doc.boxes.length
    expect(n).toBeGreaterThan(10)
    const again = pageBoxGlyphs(photo, await segmentScan(photo), read.doc.boxes)
    expect(again.fromDetector).toBe(n)
    expect(Array.from(again.glyphs)).toEqual(Array.from(read.glyphs))
    // A box a person drew on the photo (here: one character's box grown by 3 px) is cut from the flat sheet too:
    // through the sheet it lands on that character, so the classifier reads the same letter.
    const b = read.doc.boxes[0]
    const drawn = { x: b.x - 3, y: b.y - 3, w: b.w + 6, h: b.h + 6 }
    const own = pageBoxGlyphs(photo, read.segmentation, [drawn])
    expect(own.fromDetector).toBe(0)
    const p = await classifier.predict(own.glyphs, 1)
    expect(p.labels[0]).toBe(CLASSES.indexOf(b.label ?? ''))
  }, 120_000)

  it('reads a sheet of one narrow letter written over and over (72 tall boxes, one class) as text', async () => {
    // Sample 02's A (62 × 116: taller than 1.5 widths), brightened to paper and tiled in 6 regular lines of 12.
    const page = await loadImage(join(root, 'resources', 'samples', '02_letters.jpg'))
    const [cx, cy, cw, ch] = [84, 34, 82, 136]
    const crop = new Float64Array(cw * ch)
    for (let y = 0; y < ch; y++)
      for (let x = 0; x < cw; x++) crop[y * cw + x] = page.data[(cy + y) * page.width + cx + x]
    const paper = [...crop].sort((a, b) => a - b)[crop.length >> 1]
    const sheet = { width: 1600, height: 1200, data: new Uint8Array(1600 * 1200).fill(236) }
    for (let r = 0; r < 6; r++)
      for (let c = 0; c < 12; c++)
        for (let y = 0; y < ch; y++)
          for (let x = 0; x < cw; x++)
            sheet.data[(60 + r * 180 + y) * 1600 + 60 + c * 125 + x] = Math.min(
              255,
              Math.round((crop[y * cw + x] * 236) / paper)
            )
    const { doc } = await transcribe(sheet, classifier)
    expect(assembleText(doc).replace(/\s+/g, '')).toBe('A'.repeat(72))
  }, 60_000)

  it('transcribes photos of an empty desk and of a blank sheet to empty text with exit code 0', () => {
    // The last: a desk whose grain was read as 27 characters, 23 of them E (test/fixtures/clutter/README.md).
    const files = [
      join('hard-pages', 'no-text-01.jpg'),
      join('hard-pages', 'no-text-02.jpg'),
      join('clutter', 'grain-read-as-e.jpg')
    ]
    for (const f of files) {
      const r = spawnSync(
        process.execPath,
        [join(root, 'bin', 'glyphdesk.mjs'), 'transcribe', join(root, 'test', 'fixtures', f)],
        { cwd: root, encoding: 'utf8', timeout: 120_000 }
      )
      expect(r.status, r.stderr).toBe(0)
      expect(r.stdout.trim()).toBe('')
      expect(r.stderr).toMatch(/^0 characters/m)
    }
  }, 240_000)
})
