import { describe, expect, it } from 'vitest'
import { groupLines, layoutPage, wordGapThreshold, type Rect } from '../../../src/main/vision/layout.ts'

// Boxes 40 px tall, 30 wide, letter gap 12, word gap 50, along y = y0 + slope·x.
function row(words: string[], x0: number, y0: number, slope = 0, h = 40): Rect[] {
  const out: Rect[] = []
  let x = x0
  words.forEach((w, wi) => {
    if (wi > 0) x += 50 - 12
    for (let i = 0; i < w.length; i++) {
      out.push({ x, y: Math.round(y0 + slope * (x - x0)), w: 30, h })
      x += 42
    }
  })
  return out
}

describe('layoutPage', () => {
  it('keeps a slanted line whole even when its ends are more than a line height apart', () => {
    const boxes = [...row(['SLANTEDLINEOFTEXT'], 0, 0, 0.1), ...row(['NEXT'], 0, 120)]
    const lines = groupLines(boxes)
    expect(lines.map((l) => l.length)).toEqual([17, 4])
  })

  it('splits two lines written close together that one tall letter chained into one', () => {
    // Lines 1.3 character heights apart. The last letter of the upper line's first word reaches down into the line
    // below (a long-legged R), and the nearest box to its right that overlaps it enough is the lower line's letter
    // under the word gap, not the next word of its own line: the two lines chain into one.
    const upper = [...row(['TOMATO'], 0, 0), ...row(['INSIDE'], 352, 0)]
    const lower = row(['BLUECOATS', 'AGO'], 0, 52)
    upper[5] = { ...upper[5], h: 68 }
    const lines = groupLines([...upper, ...lower])
    expect(lines.map((l) => l.length)).toEqual([12, 12])
    expect(lines[0].every((k) => k < 12)).toBe(true)
    expect(lines[1].every((k) => k >= 12)).toBe(true)
  })

  it('leaves a chain whole when a part of it is no line: its boxes at scattered heights (clutter)', () => {
    // The two rows of the test above, the upper one's boxes jumping up and down by 0.4 of their height: no
    // baseline, as a chain of desk clutter has none. (Without the spread test it is split into the two rows.)
    const upper = [...row(['TOMATO'], 0, 0), ...row(['INSIDE'], 352, 0)].map((b, i) => ({ ...b, y: i % 2 ? 16 : 0 }))
    const lower = row(['BLUECOATS', 'AGO'], 0, 52)
    upper[5] = { ...upper[5], y: 0, h: 68 }
    const lines = groupLines([...upper, ...lower])
    expect(lines.some((l) => l.some((k) => k < 12) && l.some((k) => k >= 12))).toBe(true)
  })

  it('keeps a long line written on a slope as one line, however far apart its ends', () => {
    // Centres rising 2.6 character heights from end to end: its higher and lower parts follow each other.
    const boxes = row(['AFTERNOONS', 'WALKING', 'BY', 'THE', 'RIVERSIDE'], 0, 0, 0.09)
    expect(groupLines(boxes).map((l) => l.length)).toEqual([boxes.length])
  })

  it('joins a low-sitting "1" to its line', () => {
    const boxes = row(['1234567890'], 0, 100)
    boxes[0] = { x: 0, y: 125, w: 8, h: 40 } // thin and 25 px low
    const layout = layoutPage([...boxes, ...row(['VWXYZ'], 0, 0)])
    expect(layout.lines.map((l) => l.boxCount)).toEqual([5, 10])
    expect(layout.boxes[5].box.w).toBe(8)
  })

  it("keeps a broken letter's lower piece in its line, not on a line of its own", () => {
    // `TWO COW` of a generated page of broken strokes: the W's last stroke broke into an upper piece (I) and a
    // lower one (V) that overlaps it 7 px; the V-shaped left half of the W takes the upper piece as its
    // neighbour, and the lower piece, chained to nothing, was read as a line of its own under this one.
    const line: Rect[] = [
      { x: 769, y: 512, w: 34, h: 50 },
      { x: 814, y: 511, w: 61, h: 55 },
      { x: 886, y: 511, w: 45, h: 53 },
      { x: 974, y: 519, w: 40, h: 45 },
      { x: 1029, y: 511, w: 40, h: 51 },
      { x: 1086, y: 508, w: 42, h: 54 }
    ]
    const upper = { x: 1137, y: 508, w: 20, h: 35 },
      lower = { x: 1123, y: 536, w: 16, h: 27 }
    const next = row(['CAPITAL'], 79, 627, 0, 50)
    const boxes = [...line, upper, lower, ...next]
    expect(groupLines(boxes).map((l) => l.length)).toEqual([8, 7])
    // Off, the piece is a line of its own, as before.
    expect(groupLines(boxes, { fragmentInside: 0 }).map((l) => l.length)).toEqual([7, 1, 7])
    // A mark between two lines, in neither's band, stays apart.
    const between = { x: 900, y: 575, w: 16, h: 30 }
    expect(groupLines([...line, between, ...next]).map((l) => l.length)).toEqual([6, 1, 7])
  })

  it('reads a larger title line first and lines top to bottom, boxes left to right', () => {
    const title = row(['TO', 'DO'], 100, 0, 0, 60)
    const body = row(['MAKE', 'A', 'LIST'], 0, 110)
    const shuffled = [...body, ...title].reverse()
    const layout = layoutPage(shuffled)
    expect(layout.lines.map((l) => l.boxCount)).toEqual([4, 9])
    const xs = layout.boxes.filter((b) => b.line === 1).map((b) => b.box.x)
    expect(xs).toEqual([...xs].sort((a, b) => a - b))
    expect(layout.lines.map((l) => l.wordCount)).toEqual([2, 3])
  })

  it('joins a far-right word to its own line', () => {
    const boxes = [...row(['LEFT'], 0, 0), { x: 900, y: 2, w: 30, h: 40 }]
    expect(groupLines(boxes).map((l) => l.length)).toEqual([5])
  })

  it("splits words from the page's own gap statistics", () => {
    const layout = layoutPage([...row(['HAIKUS', 'ARE', 'EASY'], 0, 0), ...row(['BUT', 'SOMETIMES'], 0, 100)])
    expect(layout.lines.map((l) => l.wordCount)).toEqual([3, 2])
  })

  it('does not split an evenly spaced letter chart into words', () => {
    expect(wordGapThreshold([0.9, 1.0, 1.1, 0.8, 1.2, 1.05, 0.95, 1.6])).toBeGreaterThan(1.6)
  })

  it('handles an empty page', () => {
    expect(layoutPage([])).toEqual({ boxes: [], lines: [], wordGapThreshold: expect.any(Number) })
  })
})
