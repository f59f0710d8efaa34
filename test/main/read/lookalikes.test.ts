import { describe, expect, it } from 'vitest'
import { CLASSES } from '../../../src/shared/classes.ts'
import { PageDocSchema } from '../../../src/shared/pagedoc.ts'
import { loadClassifier } from '../../../src/main/recognize/models.ts'
import { transcribe } from '../../../src/main/read/transcribe.ts'
import { loadImage } from '../../../src/main/vision/image.ts'
import { adaptLookalikes, type EmbedGlyphs, type ReadGlyph } from '../../../src/main/read/lookalikes.ts'

const idx = (c: string) => CLASSES.indexOf(c)

/** Class probabilities: the given classes with their p, the rest sharing what is left. */
function probs(spec: Record<string, number>): Float32Array {
  const p = new Float32Array(CLASSES.length)
  const given = Object.values(spec).reduce((a, b) => a + b, 0)
  p.fill((1 - given) / (CLASSES.length - Object.keys(spec).length))
  for (const [c, v] of Object.entries(spec)) p[idx(c)] = v
  return p
}

/** A page of tokens: each glyph a label, sure unless given probabilities, and a 2-d feature (its "shape"). */
function page(tokens: { line: number; text: string; probs?: (Float32Array | null)[]; shape?: number[][] }[]) {
  const glyphs: ReadGlyph[] = []
  const features: number[][] = []
  const words = new Map<number, number>()
  for (const t of tokens) {
    const word = words.get(t.line) ?? 0
    words.set(t.line, word + 1)
    ;[...t.text].forEach((c, k) => {
      glyphs.push({ line: t.line, word, label: c, probs: t.probs?.[k] ?? probs({ [c]: 0.97 }) })
      features.push(t.shape?.[k] ?? [0, 0])
    })
  }
  const asked: number[][] = []
  const embed: EmbedGlyphs = async (indices) => {
    asked.push([...indices])
    const data = new Float32Array(indices.length * 2)
    indices.forEach((g, r) => data.set(features[g], r * 2))
    return { data, dim: 2 }
  }
  return { glyphs, embed, asked }
}

const LEXICON = new Set(['ROOM', 'SCHOOL', 'BOOK'])
const RING_O = [1, 0] // this page's O
const RING_0 = [0.8, 0.6] // this page's 0 (cosine to RING_O 0.8)
const unsure = (letter: string, digit: string, pl: number) => probs({ [letter]: pl, [digit]: 0.9 - pl })

describe("look-alikes read against the page's own examples", () => {
  it('moves an undecided ring toward the member whose examples on the page it resembles', async () => {
    // ROOM gives examples of O, 4096 of 0; the code X0Y has a ring read 0 (0.5 / 0.4) drawn like this page's O.
    const { glyphs, embed } = page([
      { line: 0, text: 'ROOM', shape: [[0, 1], RING_O, RING_O, [0, 1]] },
      { line: 0, text: '4096', shape: [[1, 1], RING_0, [1, 1], [1, 1]] },
      { line: 1, text: 'X0Y', probs: [null, unsure('O', '0', 0.4), null], shape: [[0, 1], RING_O, [0, 1]] },
      { line: 1, text: 'Q0W', probs: [null, unsure('O', '0', 0.4), null], shape: [[0, 1], RING_0, [0, 1]] }
    ])
    const moved = await adaptLookalikes(glyphs, embed, LEXICON, { weight: 40, maxShift: 4 })
    const x0y = 8 + 1,
      q0w = 11 + 1
    expect([...moved.keys()].sort((a, b) => a - b)).toEqual([x0y, q0w])
    const m = moved.get(x0y)!
    expect([m.letter, m.digit, m.letterSimilarity, m.digitSimilarity]).toEqual(['O', '0', 1, expect.closeTo(0.8, 6)])
    const p = m.probs
    // Resemblance 1 to the O's and 0.8 to the 0's: ln odds +4 (capped), O now ahead of 0.
    const odds = Math.log(0.4 / 0.5) + 4
    expect(p[idx('O')]).toBeCloseTo(0.9 / (1 + Math.exp(-odds)), 5)
    expect(p[idx('O')] + p[idx('0')]).toBeCloseTo(0.9, 6)
    expect(p[idx('O')]).toBeGreaterThan(p[idx('0')])
    // Every other class as it was.
    for (const c of CLASSES) if (c !== 'O' && c !== '0') expect(p[idx(c)]).toBe(glyphs[x0y].probs[idx(c)])
    // Drawn like the page's 0: pushed further toward 0.
    const q = moved.get(q0w)!.probs
    expect(q[idx('0')] / q[idx('O')]).toBeGreaterThan(0.5 / 0.4)
  })

  it('moves by the resemblance difference times the weight, below the cap', async () => {
    const mid = [0.9, Math.sqrt(1 - 0.81)] // cosine 0.9 to RING_O, 0.72 + 0.26 to RING_0
    const { glyphs, embed } = page([
      { line: 0, text: 'BOOK', shape: [[0, 1], RING_O, RING_O, [0, 1]] },
      { line: 0, text: '505', shape: [[1, 1], RING_0, [1, 1]] },
      { line: 1, text: 'A0', probs: [null, unsure('O', '0', 0.45)], shape: [[0, 1], mid] }
    ])
    const moved = await adaptLookalikes(glyphs, embed, LEXICON, { weight: 10, maxShift: 100, minToken: 3 })
    const p = moved.get(8)!.probs
    const cos0 = 0.9 * 0.8 + mid[1] * 0.6
    const odds = Math.log(0.45 / 0.45) + 10 * (0.9 - cos0)
    expect(p[idx('O')]).toBeCloseTo(0.9 / (1 + Math.exp(-odds)), 5)
  })

  it('leaves the examples themselves, pages without both members, and weight 0 alone', async () => {
    const one = page([
      { line: 0, text: 'ROOM', shape: [[0, 1], RING_O, RING_O, [0, 1]] },
      { line: 1, text: 'X0Y', probs: [null, unsure('O', '0', 0.4), null], shape: [[0, 1], RING_O, [0, 1]] }
    ])
    // No 0 inside a run of digits on this page: nothing to compare with, and no features asked.
    expect((await adaptLookalikes(one.glyphs, one.embed, LEXICON)).size).toBe(0)
    expect(one.asked).toEqual([])
    const both = page([
      { line: 0, text: 'ROOM', shape: [[0, 1], RING_O, RING_O, [0, 1]] },
      { line: 0, text: '4096', shape: [[1, 1], RING_0, [1, 1], [1, 1]] },
      { line: 1, text: 'X0Y', probs: [null, unsure('O', '0', 0.4), null], shape: [[0, 1], RING_O, [0, 1]] }
    ])
    expect((await adaptLookalikes(both.glyphs, both.embed, LEXICON, { weight: 0 })).size).toBe(0)
    const moved = await adaptLookalikes(both.glyphs, both.embed, LEXICON)
    // Only the code's ring moves; the O's of ROOM and the 0 of 4096 are examples.
    expect([...moved.keys()]).toEqual([9])
    // Features were asked for the look-alikes only: the ring, the O's of ROOM and the 0 of 4096.
    expect(both.asked).toHaveLength(1)
    expect([...both.asked[0]].sort((a, b) => a - b)).toEqual([1, 2, 5, 9])
  })

  it('takes a ring in a word outside the lexicon, or beside a digit of its own pair only, as undecided', async () => {
    const { glyphs, embed } = page([
      { line: 0, text: 'ROOM', shape: [[0, 1], RING_O, RING_O, [0, 1]] },
      { line: 0, text: '4096', shape: [[1, 1], RING_0, [1, 1], [1, 1]] },
      // Not a word: its O is not an example, so it may move (drawn like the 0s here).
      {
        line: 1,
        text: 'ROOX',
        probs: [null, null, unsure('O', '0', 0.5), null],
        shape: [[0, 1], RING_O, RING_0, [0, 1]]
      },
      // 000: the other two are the pair's own digit, which does not say what the first is.
      { line: 2, text: '000', probs: [unsure('O', '0', 0.3), unsure('O', '0', 0.3), unsure('O', '0', 0.3)] }
    ])
    const moved = await adaptLookalikes(glyphs, embed, LEXICON)
    expect(moved.has(8 + 1)).toBe(true) // ROOX's first O is not an example either (ROOX is no word)
    expect(moved.get(8 + 2)!.probs[idx('0')]).toBeGreaterThan(glyphs[8 + 2].probs[idx('0')])
    for (const g of [12, 13, 14]) expect(moved.has(g)).toBe(true)
  })
})

describe('look-alikes with features that are not numbers', () => {
  it('leaves every glyph as it was read', async () => {
    const { glyphs } = page([
      { line: 0, text: 'ROOM' },
      { line: 0, text: '4096' },
      { line: 1, text: 'X0Y', probs: [null, unsure('O', '0', 0.4), null] }
    ])
    const nan: EmbedGlyphs = async (indices) => ({ data: new Float32Array(indices.length * 2).fill(NaN), dim: 2 })
    expect((await adaptLookalikes(glyphs, nan, LEXICON)).size).toBe(0)
  })
})

describe('look-alikes in a whole reading (transcribe)', () => {
  it('records what moved in the JSON decoding record, and nothing with the step off', async () => {
    const classifier = await loadClassifier()
    // A committed evaluation page of mixed letter–digit tokens in one of the reserved fonts.
    const image = await loadImage('test/fixtures/hard-pages/mixed-01.png')
    const on = (await transcribe(image, classifier)).doc
    const moves = on.decoding?.lookalikes ?? []
    expect(moves.length).toBeGreaterThan(0)
    for (const m of moves) {
      // The pair's letter share moves the way the resemblance says (ln odds shifted by 40 × the difference).
      // (At most equal where float rounding leaves a share already at 0 or 1; never the other way.)
      const toward = Math.sign(m.letterSimilarity - m.digitSimilarity)
      expect((m.after - m.before) * toward, `${m.letter}/${m.digit} at ${m.x},${m.y}`).toBeGreaterThanOrEqual(0)
      expect(m.x + m.w).toBeLessThanOrEqual(on.image.width)
    }
    expect(PageDocSchema.parse(JSON.parse(JSON.stringify(on)))).toEqual(on)
    const off = (await transcribe(image, classifier, { lookalike: { weight: 0 } })).doc
    expect(off.decoding?.lookalikes).toBeUndefined()
  }, 60_000)
})
