import { describe, expect, it } from 'vitest'
import { CLASSES, NUM_CLASSES } from '../../../src/shared/classes.ts'
import { decodeLines, type PreparedLines } from '../../../src/main/read/readLines.ts'
import type { LineLattice } from '../../../src/main/read/lattice.ts'
import { lexiconSplit, MAX_SPLIT_TOKEN, oneEditFromWord } from '../../../src/main/read/wordSplit.ts'
import type { CharBox } from '../../../src/main/vision/segment.ts'

const WORDS = new Set([
  'THAT',
  'SOUTH',
  'WHEN',
  'BUY',
  'BOX',
  'DRESS',
  'LINE',
  'COUNTRY',
  'CON',
  'TRY',
  'MOTH',
  'ERG',
  'MOTHER',
  'AB',
  'CD',
  'ANIMAL',
  'SEASON',
  'SEA',
  'SON'
])
const gaps = (n: number, g = 0.3): (number | null)[] => Array.from({ length: n }, () => g)

describe('lexiconSplit', () => {
  it('splits a run-together token of letters into the fewest lexicon words', () => {
    expect(lexiconSplit('THATSOUTH', gaps(9), WORDS)).toEqual([4])
    expect(lexiconSplit('WHENBUY', gaps(7), WORDS)).toEqual([4])
    // ANIMAL SEASON, not ANIMAL SEA SON: fewest parts.
    expect(lexiconSplit('ANIMALSEASON', gaps(12), WORDS)).toEqual([6])
    expect(lexiconSplit('THATSOUTHWHEN', gaps(13), WORDS)).toEqual([4, 9])
  })

  it('leaves words, non-words, short parts and places without a gap alone', () => {
    expect(lexiconSplit('COUNTRY', gaps(7), WORDS)).toBeNull() // a word itself
    expect(lexiconSplit('HUZYW', gaps(5), WORDS)).toBeNull() // no parts
    expect(lexiconSplit('ABCD', gaps(4), WORDS)).toBeNull() // two-letter parts only
    expect(lexiconSplit('ABCD', gaps(4), WORDS, { minPart: 2 })).toEqual([2])
    // The only place THAT|SOUTH could part is inside a cut box (no gap there).
    const g = gaps(9)
    g[4] = null
    expect(lexiconSplit('THATSOUTH', g, WORDS)).toBeNull()
    const narrow = gaps(9)
    narrow[4] = 0.05
    expect(lexiconSplit('THATSOUTH', narrow, WORDS, { minGap: 0.1 })).toBeNull()
    expect(lexiconSplit('THATSOUTH', gaps(9), WORDS, { minPart: 0 })).toBeNull()
    expect(lexiconSplit('THATSOUTH', gaps(9), null)).toBeNull()
  })

  it("splits into the lexicon's common words only, when it has them", () => {
    const all = new Set([...WORDS, 'GOG', 'UNIX', 'ZEBRA'])
    const lex = { has: (w: string) => all.has(w), common: WORDS }
    expect(lexiconSplit('GOGUNIX', gaps(7), all)).toEqual([3])
    expect(lexiconSplit('GOGUNIX', gaps(7), lex)).toBeNull() // names in the list, not common words
    expect(lexiconSplit('ZEBRA', gaps(5), lex)).toBeNull() // a word of the whole list is left whole
    expect(lexiconSplit('THATSOUTH', gaps(9), lex)).toEqual([4])
  })

  it('leaves a token longer than MAX_SPLIT_TOKEN as read, even when it is words end to end', () => {
    const run = 'THATSOUTH'.repeat(Math.ceil((MAX_SPLIT_TOKEN + 1) / 9))
    expect(run.length).toBeGreaterThan(MAX_SPLIT_TOKEN)
    expect(lexiconSplit(run, gaps(run.length), WORDS)).toBeNull()
    const fits = 'THATSOUTH'.repeat(Math.floor(MAX_SPLIT_TOKEN / 9))
    expect(lexiconSplit(fits, gaps(fits.length), WORDS)).toHaveLength(2 * Math.floor(MAX_SPLIT_TOKEN / 9) - 1)
  })

  it('keeps a misread word whole: one edit from a lexicon word', () => {
    // CONTRY is COUNTRY with a letter lost; CON + TRY are words, but the misreading is likelier.
    expect(oneEditFromWord('CONTRY', WORDS)).toBe(true)
    expect(lexiconSplit('CONTRY', gaps(6), WORDS)).toBeNull()
    expect(lexiconSplit('CONTRY', gaps(6), WORDS, { nearWord: 0 })).toEqual([3])
    expect(oneEditFromWord('THATSOUTH', WORDS)).toBe(false)
    // Substitution and insertion reach a word too.
    expect(oneEditFromWord('COUNTRX', WORDS)).toBe(true)
    expect(oneEditFromWord('COUNNTRY', WORDS)).toBe(true)
  })

  it('splits letters from digits only where they change, each letter run a word', () => {
    expect(lexiconSplit('BOX1916', gaps(7), WORDS)).toEqual([3])
    expect(lexiconSplit('1916BOX', gaps(7), WORDS)).toEqual([4])
    // MOTHERG is no word: no MOTH ERG 12.
    expect(lexiconSplit('MOTHERG12', gaps(9), WORDS)).toBeNull()
    // Mixed tokens of a letter or two stay as read.
    expect(lexiconSplit('B842', gaps(4), WORDS)).toBeNull()
    expect(lexiconSplit('BOX1', gaps(4), WORDS)).toBeNull() // one digit: digitRun 2
    expect(lexiconSplit('BOX1', gaps(4), WORDS, { digitRun: 1 })).toEqual([3])
    expect(lexiconSplit('BOX1916', gaps(7), WORDS, { digitRun: 0 })).toBeNull()
    expect(lexiconSplit('19161', gaps(5), WORDS)).toBeNull() // digits only
  })
})

describe('decodeLines with run-together words', () => {
  // One line of detector boxes, each read surely as its letter, with every gap a letter gap (no space).
  function line(text: string): PreparedLines {
    const n = text.length
    const boxes: CharBox[] = [...text].map((_, i) => ({ x: i * 30, y: 0, w: 24, h: 40, origin: 'component' }))
    const lat: LineLattice = {
      line: 0,
      nodes: n + 1,
      segments: boxes.map((box, i) => ({ from: i, to: i + 1, box, kind: 'box' })),
      gaps: [null, ...Array.from({ length: n - 1 }, () => 0.15), null],
      charHeight: 40,
      charWidth: 24
    }
    const probs = new Float32Array(n * NUM_CLASSES).fill(0.001)
    ;[...text].forEach((c, i) => (probs[i * NUM_CLASSES + CLASSES.indexOf(c)] = 0.965))
    return { lattices: [lat], probs, glyphs: new Float32Array(n * 1024) }
  }

  it('gives the words of a split token their own word index and records the split', () => {
    const out = decodeLines(line('THATSOUTH'), { lm: null, lexicon: WORDS })
    expect(out.boxes.map((b) => b.label).join('')).toBe('THATSOUTH')
    expect(out.boxes.map((b) => b.word)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1])
    expect(out.lines[0].splits).toEqual([{ token: 'THATSOUTH', words: ['THAT', 'SOUTH'] }])
  })

  it('splits nothing without a lexicon or when turned off', () => {
    for (const opts of [{ lexicon: null }, { lexicon: WORDS, split: { minPart: 0 } }]) {
      const out = decodeLines(line('THATSOUTH'), { lm: null, ...opts })
      expect(new Set(out.boxes.map((b) => b.word))).toEqual(new Set([0]))
      expect(out.lines[0].splits).toBeUndefined()
    }
  })
})

describe('decodeLines again after some candidates changed', () => {
  // Lines of detector boxes, each read as its letter at 0.95 (the rest spread over the other classes), with a
  // word gap after the third box.
  function page(texts: string[]): PreparedLines {
    const lattices: LineLattice[] = []
    const rows: number[][] = []
    texts.forEach((text, li) => {
      const n = text.length
      const boxes: CharBox[] = [...text].map((_, i) => ({ x: i * 30, y: li * 60, w: 24, h: 40, origin: 'component' }))
      lattices.push({
        line: li,
        nodes: n + 1,
        segments: boxes.map((box, i) => ({ from: i, to: i + 1, box, kind: 'box' })),
        gaps: [null, ...Array.from({ length: n - 1 }, (_, i) => (i === 2 ? 1.2 : 0.15)), null],
        charHeight: 40,
        charWidth: 24
      })
      for (const c of text) {
        const p = new Array<number>(NUM_CLASSES).fill(0.05 / (NUM_CLASSES - 1))
        p[CLASSES.indexOf(c)] = 0.95
        rows.push(p)
      }
    })
    return { lattices, probs: Float32Array.from(rows.flat()), glyphs: new Float32Array(rows.length * 1024) }
  }

  it('gives what a full decode gives, and decodes the changed lines anew', () => {
    const prep = page(['THECAT', 'SATON', 'AMAT'])
    const opts = { lm: null, lexicon: WORDS }
    const first = decodeLines(prep, opts)
    expect(first.boxes.map((b) => b.label).join('')).toBe('THECATSATONAMAT')
    // Candidate 7 (line 1, the A of SAT) now reads O surely.
    const probs = prep.probs.slice()
    probs.fill(0.001, 7 * NUM_CLASSES, 8 * NUM_CLASSES)
    probs[7 * NUM_CLASSES + CLASSES.indexOf('O')] = 0.965
    const full = decodeLines({ ...prep, probs }, opts)
    const again = decodeLines({ ...prep, probs }, opts, { previous: first, changed: new Set([7]) })
    expect(full.boxes.map((b) => b.label).join('')).toContain('SOT')
    const summary = (r: typeof full) => ({
      boxes: r.boxes.map((b) => [b.line, b.word, b.label, b.candidate, Array.from(b.probs)]),
      lines: JSON.stringify(r.lines)
    })
    expect(summary(again)).toEqual(summary(full))
    // Lines 0 and 2 were taken over, not decoded again; line 1 was.
    expect(again.lines[0]).toBe(first.lines[0])
    expect(again.lines[2]).toBe(first.lines[2])
    expect(again.lines[1]).not.toBe(first.lines[1])
    // Told that nothing changed, it returns the first decoding's lines even though line 1 did change.
    const stale = decodeLines({ ...prep, probs }, opts, { previous: first, changed: new Set() })
    expect(stale.boxes.map((b) => b.label).join('')).not.toContain('SOT')
  })
})
