// PageDoc edits as pure functions: geometry, ids, reading order and what must be re-read.
import { describe, expect, it } from 'vitest'
import { PageDocSchema, assembleText } from '../../src/shared/pagedoc.ts'
import {
  addBox,
  applyPredictions,
  clampRect,
  deleteBoxes,
  joinWords,
  mergeBoxes,
  moveBoxes,
  moveToLine,
  reviewItems,
  reviewOrder,
  setLineWords,
  setUserLabel,
  splitBox,
  splitWord
} from '../../src/shared/pageEdits.ts'
import { exportText as pageText } from '../../src/main/export/pageText.ts'
import { exportAlto as toAlto, exportHocr as toHocr } from '../../src/main/export/xml.ts'
import { smallDoc } from './helpers.ts'

describe('page edits', () => {
  it('splits a box into two halves that keep its line and word and need reading', () => {
    const r = splitBox(smallDoc(), 'b3')
    const parts = r.doc.boxes.filter((b) => r.touched.includes(b.id))
    expect(parts.map((b) => [b.x, b.w])).toEqual([
      [100, 10],
      [110, 10]
    ])
    expect(parts.every((b) => b.line === 0 && b.word === 1 && b.source === 'person' && b.label === undefined)).toBe(
      true
    )
    expect(r.doc.boxes.map((b) => b.id)).toEqual(['b1', 'b2', 'p1', 'p2', 'b4', 'b5'])
    PageDocSchema.parse(r.doc)
  })

  it('merges boxes into one covering them, where the first was read', () => {
    const r = mergeBoxes(smallDoc(), ['b1', 'b2'])
    expect(r.doc.boxes[0]).toMatchObject({ id: 'p1', x: 10, y: 10, w: 50, h: 30, line: 0, word: 0 })
    expect(r.touched).toEqual(['p1'])
    expect(r.doc.boxes).toHaveLength(4)
  })

  it('keeps moved boxes inside the image and leaves untouched boxes identical', () => {
    const doc = smallDoc()
    const r = moveBoxes(doc, ['b1'], -50, 0)
    expect(r.doc.boxes[0].x).toBe(0)
    expect(r.doc.boxes[1]).toBe(doc.boxes[1])
    expect(clampRect(doc, { x: 395, y: 190, w: 20, h: 30 })).toEqual({ x: 380, y: 170, w: 20, h: 30 })
  })

  it('adds a drawn box to the line it sits on, after its left neighbour', () => {
    const r = addBox(smallDoc(), { x: 70, y: 62, w: 18, h: 28 })
    expect(r.doc.boxes.map((b) => b.id)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5', 'p1'])
    expect(r.doc.boxes[5]).toMatchObject({ line: 1, word: 0, source: 'person' })
    // Drawn on the paper well past the line's last word: a word of its own, not glued to "C".
    const apart = addBox(smallDoc(), { x: 200, y: 12, w: 18, h: 28 })
    expect(apart.doc.boxes.find((b) => b.id === 'p1')).toMatchObject({ line: 0, word: 2 })
    expect(
      assembleText({ ...apart.doc, boxes: apart.doc.boxes.map((b) => (b.id === 'p1' ? { ...b, label: 'X' } : b)) })
    ).toBe('AB C X\nDE')
    const far = addBox(smallDoc(), { x: 10, y: 150, w: 18, h: 28 })
    expect(far.doc.lines).toHaveLength(3)
  })

  it('deletes boxes and shrinks their line', () => {
    const r = deleteBoxes(smallDoc(), ['b3'])
    expect(assembleText(r.doc)).toBe('AB\nDE')
    expect(r.doc.lines[0].w).toBe(50)
  })

  it("sets and clears the person's label without touching the prediction", () => {
    const a = setUserLabel(smallDoc(), ['b1'], 'K').doc
    expect(a.boxes[0]).toMatchObject({ label: 'A', userLabel: 'K' })
    expect(setUserLabel(a, ['b1'], null).doc.boxes[0].userLabel).toBeUndefined()
  })

  it('applies a prediction only to a box still where it was read', () => {
    const doc = smallDoc()
    const moved = moveBoxes(doc, ['b1'], 3, 0).doc
    const geometry = new Map([['b1', { x: 10, y: 10, w: 20, h: 30 }]])
    expect(applyPredictions(moved, [{ id: 'b1', label: 'Z', confidence: 0.7 }], geometry)).toBe(moved)
    expect(applyPredictions(doc, [{ id: 'b1', label: 'Z', confidence: 0.7 }], geometry).boxes[0].label).toBe('Z')
  })

  it('orders the review queue lowest confidence first, unread boxes before all', () => {
    const r = splitBox(smallDoc(), 'b5')
    expect(reviewOrder(r.doc).map((b) => b.id)).toEqual(['p1', 'p2', 'b2', 'b4', 'b3', 'b1'])
  })

  it('joins two words of a line into one and splits them again; every export follows', () => {
    const doc = smallDoc()
    expect(assembleText(doc)).toBe('AB C\nDE')
    const joined = joinWords(doc, ['b2', 'b3']).doc
    expect(assembleText(joined)).toBe('ABC\nDE')
    expect(joined.boxes.find((b) => b.id === 'b3')!.word).toBe(0)
    expect(joined.boxes[3]).toBe(doc.boxes[3]) // other lines keep their identity
    expect(pageText(joined)).toBe('ABC\nDE\n')
    expect(toHocr(joined).match(/class="ocrx_word"/g)).toHaveLength(2)
    expect(toAlto(joined)).toContain('CONTENT="ABC"')
    expect(toAlto(joined)).not.toContain('CONTENT="AB"')
    const split = splitWord(joined, 'b2').doc
    expect(assembleText(split)).toBe('A BC\nDE')
    expect(splitWord(split, 'b2').doc).toBe(split) // already starts a word: nothing changes
    expect(assembleText(splitWord(doc, 'b1').doc)).toBe('AB C\nDE')
  })

  it('takes word boundaries from a retyped line, and refuses one whose characters do not pair with the boxes', () => {
    const doc = smallDoc()
    expect(assembleText(setLineWords(doc, 0, 'A BC')!.doc)).toBe('A BC\nDE')
    expect(assembleText(setLineWords(doc, 0, 'ABC')!.doc)).toBe('ABC\nDE')
    expect(setLineWords(doc, 0, 'AB')).toBeNull()
  })

  it('moves a box to another line, next to its nearest box there', () => {
    const r = moveToLine(smallDoc(), ['b3'], 1)
    expect(r.doc.boxes.find((b) => b.id === 'b3')).toMatchObject({ line: 1, word: 0 })
    expect(assembleText(r.doc)).toBe('AB\nDEC')
    expect(r.doc.lines[0]).toMatchObject({ x: 10, w: 50 }) // line 0 shrank to A B
    expect(moveToLine(smallDoc(), ['b3'], 5).doc.boxes).toEqual(smallDoc().boxes)
  })

  it("ranks a box twice as wide as its line's characters first in the review queue, with the reason, even when read at 87%", () => {
    const doc = smallDoc()
    const wide = {
      ...doc,
      boxes: doc.boxes.map((b) =>
        b.id === 'b3'
          ? {
              ...b,
              w: 44,
              label: 'M',
              confidence: 0.87,
              top3: [
                { label: 'M', p: 0.87 },
                { label: 'N', p: 0.05 }
              ]
            }
          : b
      )
    }
    expect(reviewOrder(wide)[0].id).toBe('b3')
    expect(reviewItems(wide).find((i) => i.box.id === 'b3')!.reasons[0]).toMatch(
      /2\.2× as wide as this line's characters: two merged\?/
    )
    // A close second reading is a suspect too.
    const close = {
      ...doc,
      boxes: doc.boxes.map((b) =>
        b.id === 'b5'
          ? {
              ...b,
              top3: [
                { label: 'E', p: 0.5 },
                { label: 'F', p: 0.45 }
              ]
            }
          : b
      )
    }
    expect(reviewItems(close).find((i) => i.box.id === 'b5')!.score).toBeCloseTo(0.35, 6)
  })
})
