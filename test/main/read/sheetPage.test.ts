// Reading a phone photo of a sheet on a desk (issue 12, point 1): only the sheet is read, its boxes land on
// the characters in the photo's own pixels, and an empty desk reads as no text — exit code 0 from the CLI.
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadClassifier } from '../../../src/main/recognize/models.ts'
import type { Classifier } from '../../../src/main/recognize/classifier.ts'
import { transcribe } from '../../../src/main/read/transcribe.ts'
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

  it('transcribes photos of an empty desk and of a blank sheet to empty text with exit code 0', () => {
    for (const f of ['no-text-01.jpg', 'no-text-02.jpg']) {
      const r = spawnSync(
        process.execPath,
        [join(root, 'bin', 'glyphdesk.mjs'), 'transcribe', join(root, 'test', 'fixtures', 'hard-pages', f)],
        { cwd: root, encoding: 'utf8', timeout: 120_000 }
      )
      expect(r.status, r.stderr).toBe(0)
      expect(r.stdout.trim()).toBe('')
      expect(r.stderr).toMatch(/^0 characters/m)
    }
  }, 240_000)
})
