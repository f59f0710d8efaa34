import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadCharLm } from '../../../src/main/read/charLm.ts'
import { applyDecoderContext, userWords } from '../../../src/main/read/docContext.ts'
import { assembleText, type PageBox, type PageDoc } from '../../../src/shared/pagedoc.ts'

type Guess = [label: string, p: number][]

/** One line of words; each glyph its top-3 guesses; `user` gives a person's label by box index. */
function page(words: Guess[][], user: Record<number, string> = {}): PageDoc {
  const boxes: PageBox[] = []
  words.forEach((word, w) =>
    word.forEach((top3) => {
      const id = boxes.length
      boxes.push({
        id: `b${id}`,
        x: id * 10,
        y: 0,
        w: 8,
        h: 10,
        line: 0,
        word: w,
        source: 'detector',
        label: top3[0][0],
        confidence: top3[0][1],
        top3: top3.map(([label, p]) => ({ label, p })),
        ...(user[id] ? { userLabel: user[id] } : {})
      })
    })
  )
  return {
    version: 1,
    image: { path: 'x.png', width: 200, height: 20 },
    boxes,
    lines: [{ index: 0, x: 0, y: 0, w: 200, h: 10 }]
  }
}
const sure = (c: string): Guess => [
  [c, 0.97],
  ['X', 0.02],
  ['Y', 0.01]
]
const unsure = (a: string, b: string): Guess => [
  [a, 0.5],
  [b, 0.45],
  ['X', 0.01]
]
const lm = loadCharLm(join(import.meta.dirname, '../../../resources/lm/char5.json.gz'))

describe('rereading an edited page with the decoder', () => {
  it('resolves hesitant look-alikes by their line and keeps words, confident readings and the person’s labels', () => {
    // "TO 1900 QZ": the O of TO read 0 (0.5) / O (0.45); the second 0 of 1900 read O (0.5) / 0 (0.45).
    const doc = page([
      [sure('T'), unsure('0', 'O')],
      [sure('1'), sure('9'), sure('0'), unsure('O', '0')],
      [sure('Q'), sure('Z')]
    ])
    const out = applyDecoderContext(doc, lm)
    expect(assembleText(out)).toBe('TO 1900 QZ')
    expect(out.boxes[1].confidence).toBeCloseTo(0.45, 6)
    // A person's label is never changed, even where the model would prefer another.
    const labelled = applyDecoderContext(page([[sure('T'), unsure('0', 'O')]], { 1: '0' }), lm)
    expect(labelled.boxes[1].label).toBe('0')
    expect(labelled.boxes[1].userLabel).toBe('0')
  })

  it('collects the words a person labelled whole', () => {
    const doc = page([[sure('A'), sure('B')], [sure('C'), sure('D'), sure('E')], [sure('F')]], {
      0: 'Q',
      1: 'R',
      2: 'S',
      5: 'F'
    })
    // QR is whole; C D E has one labelled box of three; F is one letter.
    expect(userWords([doc])).toEqual(['QR'])
  })
})
