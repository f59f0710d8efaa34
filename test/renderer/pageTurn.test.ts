// A page read turned (PageDoc image.turn: scanned sideways or upside down) keeps its boxes in the file's pixels,
// where the person sees the characters; its text, its review queue and the edits that place boxes by reading
// direction work as on the same page lying upright.
import { describe, expect, it } from 'vitest'
import { assembleText, PageDocSchema, readingFrame, turnRect, type PageDoc } from '../../src/shared/pagedoc.ts'
import { addBox, joinWords, moveToLine, reviewItems, splitBox, splitWord } from '../../src/shared/pageEdits.ts'
import { smallDoc } from './helpers.ts'

/** The upright page as a file that lies turned: the page was read after turning the file clockwise by `deg`. */
function lyingTurned(doc: PageDoc, deg: 90 | 180 | 270): PageDoc {
  const { width: W, height: H } = doc.image
  const back = (360 - deg) as 90 | 180 | 270
  const odd = deg !== 180
  return PageDocSchema.parse({
    ...doc,
    image: { ...doc.image, width: odd ? H : W, height: odd ? W : H, turn: deg },
    boxes: doc.boxes.map((b) => turnRect(b, W, H, back)),
    lines: doc.lines.map((l) => turnRect(l, W, H, back))
  })
}

describe('a page read turned', () => {
  for (const deg of [90, 180, 270] as const) {
    const upright = smallDoc()
    const file = lyingTurned(upright, deg)
    const asRead = (d: PageDoc) => readingFrame(d).doc

    it(`(${deg}°) is, in the frame it was read in, the upright page`, () => {
      expect(asRead(file).boxes).toEqual(upright.boxes)
      expect(asRead(file).image).toEqual(upright.image)
      // The boxes lie elsewhere in the file: a sideways page's 20 × 30 boxes are 30 wide and 20 high there.
      if (deg !== 180) expect(file.boxes.every((b) => b.w === 30 && b.h === 20)).toBe(true)
    })

    it(`(${deg}°) reads its text in reading order, not the file's left to right`, () => {
      // Boxes listed backwards, so the order comes from their places alone.
      const shuffled = { ...file, boxes: [...file.boxes].reverse() }
      expect(assembleText(shuffled)).toBe(assembleText(upright))
      expect(assembleText({ ...shuffled, image: { ...file.image, turn: undefined } })).not.toBe(assembleText(upright))
    })

    it(`(${deg}°) splits a box across its line, adds a box beside its neighbour, moves boxes between lines`, () => {
      const split = splitBox(file, 'b3')
      expect(asRead(split.doc).boxes).toEqual(splitBox(upright, 'b3').doc.boxes)
      expect(split.touched).toEqual(['p1', 'p2'])
      const rect = { x: 130, y: 12, w: 18, h: 28 }
      const W = upright.image.width,
        H = upright.image.height
      const added = addBox(file, turnRect(rect, W, H, (360 - deg) as 90 | 180 | 270))
      expect(asRead(added.doc).boxes).toEqual(addBox(upright, rect).doc.boxes)
      expect(asRead(added.doc).lines).toEqual(addBox(upright, rect).doc.lines)
      expect(asRead(moveToLine(file, ['b4'], 0).doc).boxes).toEqual(moveToLine(upright, ['b4'], 0).doc.boxes)
      // Text-only edits follow the reading order too.
      expect(assembleText(joinWords(file, ['b2', 'b3']).doc)).toBe(assembleText(joinWords(upright, ['b2', 'b3']).doc))
      expect(assembleText(splitWord(file, 'b2').doc)).toBe(assembleText(splitWord(upright, 'b2').doc))
    })

    it(`(${deg}°) keeps the boxes an edit did not touch, and the file's frame`, () => {
      const r = splitBox(file, 'b3')
      expect(r.doc.boxes[0]).toBe(file.boxes[0])
      expect(r.doc.image).toBe(file.image)
      PageDocSchema.parse(r.doc)
      // An edit that changes nothing gives the page back as it was.
      expect(moveToLine(file, ['b1'], 0).doc).toBe(file)
    })

    it(`(${deg}°) flags the same boxes for review, by their width along the line`, () => {
      const wide = { ...upright, boxes: upright.boxes.map((b) => (b.id === 'b3' ? { ...b, w: 60 } : b)) }
      const items = reviewItems(lyingTurned(wide, deg))
      expect(items.map((it) => it.reasons)).toEqual(reviewItems(wide).map((it) => it.reasons))
      expect(items.map((it) => it.box.id)).toEqual(wide.boxes.map((b) => b.id))
      expect(items.find((it) => it.box.id === 'b3')!.reasons[0]).toMatch(/as wide as this line/)
    })
  }
})
