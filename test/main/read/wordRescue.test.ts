import { describe, expect, it } from 'vitest'
import { CLASSES, NUM_CLASSES } from '../../../src/shared/classes.ts'
import type { DecodedStep, Lexicon } from '../../../src/main/read/decode.ts'
import { CharLm, trainCharLm } from '../../../src/main/read/charLm.ts'
import {
  bestWord,
  MAX_TOKEN,
  pathScore,
  rescueWords,
  type PrefixLexicon,
  type RescueEdge
} from '../../../src/main/read/wordRescue.ts'
import { mulberry32 } from '../helpers/rng.ts'
import {
  decodeLines,
  halfBox,
  offersPair,
  pairCandidates,
  pairClassRow,
  type PreparedLines
} from '../../../src/main/read/readLines.ts'
import type { LineLattice } from '../../../src/main/read/lattice.ts'
import type { CharBox } from '../../../src/main/vision/segment.ts'

/** A lexicon of the given words with every prefix. */
function prefixLexicon(words: string[]): PrefixLexicon & Lexicon {
  const all = new Set(words)
  const pre = new Set(words.flatMap((w) => [...w].map((_, i) => w.slice(0, i + 1))))
  const view = { has: (w: string) => all.has(w), hasPrefix: (p: string) => pre.has(p) }
  return { ...view, common: view }
}

/** Class probabilities: the given classes with their p, the rest sharing what is left. */
function probs(spec: Record<string, number>): Float32Array {
  const p = new Float32Array(NUM_CLASSES)
  const given = Object.values(spec).reduce((a, b) => a + b, 0)
  p.fill((1 - given) / (NUM_CLASSES - Object.keys(spec).length))
  for (const [c, v] of Object.entries(spec)) p[CLASSES.indexOf(c as (typeof CLASSES)[number])] = v
  return p
}

const edge = (from: number, to: number, spec: Record<string, number>, base = 0): RescueEdge => ({
  from,
  to,
  probs: probs(spec),
  base
})

describe('bestWord', () => {
  it('finds the word a cut path holds, pruned to prefixes, with its score', () => {
    // S | P-cut-as-F | O | R | T, and the detector's wide boxes P+O (read R) and O+R (read R).
    const edges = [
      edge(0, 1, { S: 0.96 }),
      edge(1, 2, { F: 0.9, P: 0.06 }, -2),
      edge(2, 3, { C: 0.45, O: 0.35 }, -2),
      edge(3, 4, { R: 0.99 }, -2),
      edge(1, 3, { R: 0.3, P: 0.15 }),
      edge(3, 4, { R: 0.8 }),
      edge(4, 5, { T: 0.98 })
    ]
    const lex = prefixLexicon(['SPORT', 'SORT', 'SPOT'])
    const w = bestWord(edges, 0, 5, lex)!
    expect(w.text).toBe('SPORT')
    expect(w.edges).toEqual([0, 1, 2, 5, 6]) // the better R of the two
    expect(w.score).toBeCloseTo(pathScore(edges, w.edges, w.labels), 10)
    // Nothing of the lexicon fits: null.
    expect(bestWord(edges, 0, 5, prefixLexicon(['ZEBRA']))).toBeNull()
    // Shorter than minLength: not a word here.
    expect(bestWord([edge(0, 1, { A: 0.9 }), edge(1, 2, { T: 0.9 })], 0, 2, prefixLexicon(['AT']))).toBeNull()
  })

  it('agrees with brute force over every path and label on small random lattices', () => {
    const rng = mulberry32(7)
    const letters = 'ABCDEOST'
    const words = [
      'ABC',
      'ACE',
      'BED',
      'BEST',
      'CAST',
      'COST',
      'DOES',
      'DOSE',
      'SEA',
      'SET',
      'TOE',
      'TOAST',
      'CODE',
      'ODES'
    ]
    const lex = prefixLexicon(words)
    for (let trial = 0; trial < 200; trial++) {
      const nodes = 3 + Math.floor(rng() * 4)
      const edges: RescueEdge[] = []
      for (let a = 0; a < nodes - 1; a++)
        for (let b = a + 1; b <= Math.min(nodes - 1, a + 2); b++) {
          if (b > a + 1 && rng() < 0.4) continue
          const spec: Record<string, number> = {}
          let left = 0.95
          for (const c of [...letters].sort(() => rng() - 0.5).slice(0, 3)) {
            spec[c] = left * (0.3 + 0.6 * rng())
            left -= spec[c]
          }
          edges.push(edge(a, b, spec, -3 * rng()))
        }
      // Brute force: every path from 0 to the last node, every letter of A–Z per edge.
      let best = -Infinity
      const walk = (node: number, text: string, score: number) => {
        if (node === nodes - 1) {
          if (text.length >= 3 && lex.has(text)) best = Math.max(best, score)
          return
        }
        edges.forEach((e) => {
          if (e.from !== node) return
          // The search tries the five likeliest letters (ties: alphabet order) within 1% of the best class.
          const top = Math.max(...Array.from(e.probs))
          const tried = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ']
            .map((c) => ({ c, p: e.probs[CLASSES.indexOf(c as (typeof CLASSES)[number])] }))
            .filter((x) => x.p >= 0.01 * top)
            .sort((a, b) => b.p - a.p || a.c.localeCompare(b.c))
            .slice(0, 5)
          for (const { c, p } of tried) walk(e.to, text + c, score + e.base + Math.log(Math.max(p, 1e-6)))
        })
      }
      walk(0, '', 0)
      const w = bestWord(edges, 0, nodes - 1, lex, { beam: 1_000_000 })
      if (best === -Infinity) expect(w, `trial ${trial}`).toBeNull()
      else expect(w?.score, `trial ${trial}`).toBeCloseTo(best, 9)
    }
  })
})

describe('rescueWords', () => {
  const steps = (edgesAndLabels: [number, string, boolean?][]): DecodedStep[] =>
    edgesAndLabels.map(([edge, label, space]) => ({ edge, label, spaceBefore: !!space }))

  // `SPRT NOW`: the search took the wide boxes; the cut pieces of SPORT are in the lattice.
  const edges = [
    edge(0, 1, { S: 0.96 }),
    edge(1, 2, { F: 0.85, P: 0.1 }, -0.3),
    edge(2, 3, { C: 0.45, O: 0.35 }, -0.3),
    edge(3, 4, { R: 0.99 }, -0.3),
    edge(1, 3, { P: 0.3, R: 0.25 }),
    edge(3, 4, { R: 0.8 }),
    edge(4, 5, { T: 0.98 }),
    edge(5, 6, { N: 0.97 }),
    edge(6, 7, { O: 0.95 }),
    edge(7, 8, { W: 0.97 })
  ]
  const read = steps([
    [0, 'S'],
    [4, 'P'],
    [5, 'R'],
    [6, 'T'],
    [7, 'N', true],
    [8, 'O'],
    [9, 'W']
  ])
  const lex = prefixLexicon(['SPORT', 'NOW'])

  it('replaces a non-word by the word its stretch holds, within the margin, and says so', () => {
    const r = rescueWords(read, edges, lex)
    expect(r.steps.map((s) => s.label).join('')).toBe('SPORTNOW')
    expect(r.steps.map((s) => s.edge)).toEqual([0, 1, 2, 5, 6, 7, 8, 9])
    expect(r.steps.map((s) => s.spaceBefore)).toEqual([false, false, false, false, false, true, false, false])
    expect(r.rescued).toHaveLength(1)
    expect(r.rescued[0].token).toBe('SPRT')
    expect(r.rescued[0].word).toBe('SPORT')
    const own = pathScore(edges, [0, 4, 5, 6], ['S', 'P', 'R', 'T'])
    const word = pathScore(edges, [0, 1, 2, 5, 6], ['S', 'P', 'O', 'R', 'T'])
    expect(r.rescued[0].below).toBeCloseTo(Math.max(0, own - word), 9)
  })

  it('leaves a token whose best word is further below it than the margin, words, numbers and short tokens', () => {
    const own = pathScore(edges, [0, 4, 5, 6], ['S', 'P', 'R', 'T'])
    const word = pathScore(edges, [0, 1, 2, 5, 6], ['S', 'P', 'O', 'R', 'T'])
    const gap = own - word
    expect(gap).toBeGreaterThan(0)
    expect(rescueWords(read, edges, lex, { margin: gap - 0.01 }).rescued).toEqual([])
    expect(rescueWords(read, edges, lex, { margin: gap + 0.01 }).rescued).toHaveLength(1)
    expect(rescueWords(read, edges, lex, { margin: 0 }).steps).toEqual(read)
    // A lexicon without prefixes (a plain Set) cannot search: nothing changes.
    expect(rescueWords(read, edges, new Set(['SPORT', 'NOW'])).steps).toEqual(read)
    // Digits stay digits; a word stays; a token shorter than 3 stays.
    const digits = [
      edge(0, 1, { '5': 0.6, S: 0.3 }),
      edge(1, 2, { '0': 0.6, O: 0.3 }),
      edge(2, 3, { '7': 0.6, T: 0.3 })
    ]
    const num = steps([
      [0, '5'],
      [1, '0'],
      [2, '7']
    ])
    expect(rescueWords(num, digits, prefixLexicon(['SOT'])).steps).toEqual(num)
    const two = steps([
      [0, '5'],
      [1, 'O']
    ])
    expect(rescueWords(two, digits, prefixLexicon(['SO'])).steps).toEqual(two)
  })

  it('does not search a token longer than MAX_TOKEN (a run of marks)', () => {
    const n = MAX_TOKEN + 1
    const unsure = Array.from({ length: n }, (_, i) => edge(i, i + 1, { X: 0.5, A: 0.49 }))
    const tok = steps(Array.from({ length: n }, (_, i): [number, string] => [i, 'X']))
    expect(rescueWords(tok, unsure, prefixLexicon(['A'.repeat(n)])).steps).toEqual(tok)
    // One shorter is read again: the word of A's is well within the margin.
    const shorter = tok.slice(0, MAX_TOKEN)
    expect(rescueWords(shorter, unsure, prefixLexicon(['A'.repeat(MAX_TOKEN)])).rescued).toHaveLength(1)
  })

  it('keeps a confident non-word: no single change of a sure glyph is within the margin', () => {
    // XAKAM read surely; XAKAS is a word here, but M → S costs ln(0.95 / 0.0013) ≈ 6.6.
    const sure = [...'XAKAM'].map((c, i) => edge(i, i + 1, { [c]: 0.95 }))
    const tok = steps([...'XAKAM'].map((c, i): [number, string] => [i, c]))
    expect(rescueWords(tok, sure, prefixLexicon(['XAKAS'])).steps).toEqual(tok)
  })
})

describe('rescue-only merges (LatticeSegment.rescueOnly) in decodeLines', () => {
  // One line of detector boxes read as `text` (at 0.9; the merge's pieces at `pieceP`), no gap wide enough for a
  // space, and one merge over boxes `from`…`to` − 1 read `mergeAs` at p `mergeP`, flagged rescue-only or not.
  function line(
    text: string,
    from: number,
    to: number,
    mergeAs: string,
    mergeP: number,
    rescueOnly: boolean,
    pieceP = 0.9
  ) {
    const n = text.length
    // The merge's pieces are half a letter wide each, 4 px apart; the other letters 24 px wide, 6 px apart.
    const boxes: CharBox[] = []
    let x = 0
    for (let i = 0; i < n; i++) {
      const piece = i >= from && i < to
      boxes.push({ x, y: 0, w: piece ? 12 : 24, h: 40, origin: 'component' })
      x += piece ? 16 : 30
    }
    const last = boxes[to - 1]
    const merged: CharBox = { x: boxes[from].x, y: 0, w: last.x + last.w - boxes[from].x, h: 40, origin: 'component' }
    const lat: LineLattice = {
      line: 0,
      nodes: n + 1,
      segments: [
        ...boxes.map((box, i) => ({ from: i, to: i + 1, box, kind: 'box' as const })),
        { from, to, box: merged, kind: 'merge', mergeUnit: true, ...(rescueOnly ? { rescueOnly: true } : {}) }
      ],
      gaps: [null, ...Array.from({ length: n - 1 }, () => 0.1), null],
      charHeight: 40,
      charWidth: 24
    }
    const p = new Float32Array((n + 1) * NUM_CLASSES)
    ;[...text].forEach((c, i) => p.set(probs({ [c]: i >= from && i < to ? pieceP : 0.9 }), i * NUM_CLASSES))
    p.set(probs({ [mergeAs]: mergeP }), n * NUM_CLASSES)
    const prep: PreparedLines = { lattices: [lat], probs: p, glyphs: new Float32Array((n + 1) * 1024) }
    return prep
  }
  const read = (prep: PreparedLines, lexicon: Lexicon | null) =>
    decodeLines(prep, { lm: null, lexicon, segmentScore: null })
      .boxes.map((b) => b.label)
      .join('')

  it('the decoder never takes one, however sure it is; as an ordinary merge it would', () => {
    // X17Q: its pieces read 1 and 7 at 0.05, their merge A at 0.999; XAQ is no word, so only the search could take it.
    const lex = prefixLexicon(['GAVE'])
    expect(read(line('X17Q', 1, 3, 'A', 0.999, false, 0.05), lex)).toBe('XAQ')
    expect(read(line('X17Q', 1, 3, 'A', 0.999, true, 0.05), lex)).toBe('X17Q')
  })

  it('the lexicon takes one where it makes the token a word (a broken A read 17)', () => {
    const lex = prefixLexicon(['GAVE'])
    const out = decodeLines(line('G17VE', 1, 3, 'A', 0.9, true), { lm: null, lexicon: lex, segmentScore: null })
    expect(out.boxes.map((b) => b.label).join('')).toBe('GAVE')
    expect(out.boxes[1].kind).toBe('merge')
    expect(out.lines[0].rescues).toEqual([expect.objectContaining({ token: 'G17VE', word: 'GAVE' })])
    // Without a lexicon, or when the token is already read as a word, it stays unused.
    expect(read(line('G17VE', 1, 3, 'A', 0.9, true), null)).toBe('G17VE')
    expect(read(line('GAVE', 1, 3, 'N', 0.9, true), prefixLexicon(['GAVE', 'GNE']))).toBe('GAVE')
  })
})

describe('candidates read as two characters (RescueEdge.pair)', () => {
  /** A pair reader's head: the given classes (and "none", index 36) with their p, the rest sharing what is left. */
  function head(spec: Record<string, number>): Float32Array {
    const p = new Float32Array(NUM_CLASSES + 1)
    const given = Object.values(spec).reduce((a, b) => a + b, 0)
    p.fill((1 - given) / (NUM_CLASSES + 1 - Object.keys(spec).length))
    for (const [c, v] of Object.entries(spec))
      p[c === 'none' ? NUM_CLASSES : CLASSES.indexOf(c as (typeof CLASSES)[number])] = v
    return p
  }
  // RAISE with the I drawn across the A's leg: the box holding both reads A.
  const raise = (left: Record<string, number>, right: Record<string, number>): RescueEdge[] => [
    edge(0, 1, { R: 0.95 }),
    { ...edge(1, 2, { A: 0.9 }, -0.5), pair: { left: head(left), right: head(right) } },
    edge(2, 3, { S: 0.95 }),
    edge(3, 4, { E: 0.95 })
  ]

  it('reads the box as its two letters where that makes a word, scored as the heads say', () => {
    const edges = raise({ A: 0.85 }, { I: 0.8 })
    const w = bestWord(edges, 0, 4, prefixLexicon(['RAISE']))!
    expect(w.text).toBe('RAISE')
    expect(w.labels).toEqual(['R', 'AI', 'S', 'E'])
    expect(w.edges).toEqual([0, 1, 2, 3])
    const hand = 4 * 0 - 0.5 + Math.log(0.95) * 3 + Math.log(0.85) + Math.log(0.8)
    expect(w.score).toBeCloseTo(hand, 6)
    expect(pathScore(edges, w.edges, w.labels)).toBeCloseTo(hand, 6)
    // pairPenalty is charged on the pair reading alone.
    expect(bestWord(edges, 0, 4, prefixLexicon(['RAISE']), { pairPenalty: 2 })!.score).toBeCloseTo(hand - 2, 6)
  })

  it('offers no pair where the reader says the box is no pair', () => {
    const edges = raise({ none: 0.995, A: 0.004 }, { none: 0.995, I: 0.004 })
    expect(bestWord(edges, 0, 4, prefixLexicon(['RAISE']))).toBeNull()
  })

  it('turns the token into two steps on the one candidate, left and right half', () => {
    const edges = raise({ A: 0.85 }, { I: 0.8 })
    const tok: DecodedStep[] = [...'RASE'].map((label, i) => ({ edge: i, label, spaceBefore: i === 0 }))
    const r = rescueWords(tok, edges, prefixLexicon(['RAISE']))
    expect(r.rescued).toEqual([expect.objectContaining({ token: 'RASE', word: 'RAISE' })])
    expect(r.steps).toEqual([
      { edge: 0, label: 'R', spaceBefore: true },
      { edge: 1, label: 'A', spaceBefore: false, half: 0 },
      { edge: 1, label: 'I', spaceBefore: false, half: 1 },
      { edge: 2, label: 'S', spaceBefore: false },
      { edge: 3, label: 'E', spaceBefore: false }
    ])
  })

  it('scores a token whose pair the decoder read (two half steps on one candidate) as that pair', () => {
    // The decoder read the A box as AI and the token as RAISE: a word, so the rescue leaves it.
    const edges = raise({ A: 0.85 }, { I: 0.8 })
    const tok: DecodedStep[] = [
      { edge: 0, label: 'R', spaceBefore: true },
      { edge: 1, label: 'A', spaceBefore: false, half: 0 },
      { edge: 1, label: 'I', spaceBefore: false, half: 1 },
      { edge: 2, label: 'S', spaceBefore: false },
      { edge: 3, label: 'E', spaceBefore: false }
    ]
    expect(rescueWords(tok, edges, prefixLexicon(['RAISE'])).steps).toEqual(tok)
    // Read RAISF (no word): its own score holds the pair's two heads, so RAISE replaces it by the F/E difference alone.
    const edgesF = edges.map((e, i) => (i === 3 ? edge(3, 4, { F: 0.6, E: 0.3 }) : e))
    const own = [...tok.slice(0, 4), { edge: 3, label: 'F', spaceBefore: false }]
    const r = rescueWords(own, edgesF, prefixLexicon(['RAISE']))
    expect(r.rescued).toEqual([{ token: 'RAISF', word: 'RAISE', below: expect.closeTo(Math.log(0.6 / 0.3), 6) }])
    expect(r.steps.map((st) => st.label).join('')).toBe('RAISE')
  })

  it('agrees with brute force over every path, letter and letter pair on small random lattices', () => {
    const rng = mulberry32(11)
    const letters = 'ABCDEIOST'
    const words = [
      'ABC',
      'ACE',
      'AIDE',
      'BED',
      'BEST',
      'BIAS',
      'CAST',
      'COST',
      'DIET',
      'DOES',
      'EDIT',
      'IDEA',
      'SIDE',
      'TIDE',
      'TOAST',
      'TOE'
    ]
    const lex = prefixLexicon(words)
    let pairWins = 0
    const pick = (p: ArrayLike<number>, top: number) =>
      [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ']
        .map((c) => ({ c, p: p[CLASSES.indexOf(c as (typeof CLASSES)[number])] }))
        .filter((x) => x.p >= 0.01 * top)
        .sort((a, b) => b.p - a.p || a.c.localeCompare(b.c))
        .slice(0, 5)
    const randomSpec = (n: number, mass: number) => {
      const spec: Record<string, number> = {}
      let left = mass
      for (const c of [...letters].sort(() => rng() - 0.5).slice(0, n)) {
        spec[c] = left * (0.3 + 0.6 * rng())
        left -= spec[c]
      }
      return spec
    }
    for (let trial = 0; trial < 200; trial++) {
      const nodes = 3 + Math.floor(rng() * 3)
      const edges: RescueEdge[] = []
      for (let a = 0; a < nodes - 1; a++)
        for (let b = a + 1; b <= Math.min(nodes - 1, a + 2); b++) {
          if (b > a + 1 && rng() < 0.4) continue
          const e = edge(a, b, randomSpec(3, 0.95), -3 * rng())
          if (rng() < 0.5) {
            const none = rng() * 0.6
            e.pair = {
              left: head({ ...randomSpec(2, 0.95 - none), none }),
              right: head({ ...randomSpec(2, 0.95 - none), none })
            }
          }
          edges.push(e)
        }
      let best = -Infinity
      const walk = (node: number, text: string, score: number) => {
        if (node === nodes - 1) {
          if (text.length >= 3 && lex.has(text)) best = Math.max(best, score)
          return
        }
        for (const e of edges) {
          if (e.from !== node) continue
          const top = Math.max(...Array.from(e.probs))
          for (const { c, p } of pick(e.probs, top)) walk(e.to, text + c, score + e.base + Math.log(Math.max(p, 1e-6)))
          if (!e.pair) continue
          // Each head: its likeliest letters within 1% of its best letter and of its best class, "none" included.
          const heads = [e.pair.left, e.pair.right].map((h) => {
            const letterTop = Math.max(...Array.from(h).slice(0, NUM_CLASSES))
            const all = Math.max(...Array.from(h))
            return pick(h, letterTop).filter((x) => x.p >= 0.01 * all)
          })
          for (const l of heads[0])
            for (const r of heads[1])
              walk(
                e.to,
                text + l.c + r.c,
                score + e.base + Math.log(Math.max(l.p, 1e-6)) + Math.log(Math.max(r.p, 1e-6))
              )
        }
      }
      walk(0, '', 0)
      const w = bestWord(edges, 0, nodes - 1, lex, { beam: 1_000_000 })
      if (best === -Infinity) expect(w, `trial ${trial}`).toBeNull()
      else {
        expect(w?.score, `trial ${trial}`).toBeCloseTo(best, 9)
        expect(pathScore(edges, w!.edges, w!.labels), `trial ${trial}`).toBeCloseTo(best, 9)
        if (w!.labels.some((l) => l.length === 2)) pairWins++
      }
    }
    // The check means something: pair readings won a good share of the trials.
    expect(pairWins).toBeGreaterThan(20)
  })
})

describe('pair readings in decodeLines', () => {
  // RASE: four detector boxes 24 px wide, 6 px apart; the second (an A with an I across its leg) reads A at 0.9.
  function rase(): PreparedLines {
    const boxes: CharBox[] = [0, 1, 2, 3].map((i) => ({ x: i * 30, y: 0, w: 24, h: 40, origin: 'component' }))
    const lat: LineLattice = {
      line: 0,
      nodes: 5,
      segments: boxes.map((box, i) => ({ from: i, to: i + 1, box, kind: 'box' as const })),
      gaps: [null, 0.1, 0.1, 0.1, null],
      charHeight: 40,
      charWidth: 24
    }
    const p = new Float32Array(4 * NUM_CLASSES)
    ;[...'RASE'].forEach((c, i) => p.set(probs({ [c]: 0.9 }), i * NUM_CLASSES))
    return { lattices: [lat], probs: p, glyphs: new Float32Array(4 * 1024) }
  }
  const head = (c: string, v: number) => {
    const h = new Float32Array(NUM_CLASSES + 1).fill((1 - v) / NUM_CLASSES)
    h[CLASSES.indexOf(c as (typeof CLASSES)[number])] = v
    return h
  }
  const lex = prefixLexicon(['RAISE', 'SEA'])
  const opts = { lm: null, lexicon: lex, segmentScore: null }

  it('asks the pair reader about the boxes under a token that is no word, and under a word only where the decoder reads pairs', () => {
    const first = decodeLines(rase(), opts)
    expect(first.boxes.map((b) => b.label).join('')).toBe('RASE')
    expect(pairCandidates(first, lex)).toEqual([0, 1, 2, 3])
    expect(pairCandidates(first, prefixLexicon(['RASE']))).toEqual([])
    // Shorter than the rescue's minLength: not asked …
    expect(pairCandidates(first, lex, { minLength: 5 })).toEqual([])
    // … unless the decoder reads pairs itself: then every token is asked about, words too (RASE may be RAISE) …
    expect(pairCandidates(first, lex, { minLength: 5 }, true)).toEqual([0, 1, 2, 3])
    expect(pairCandidates(first, prefixLexicon(['RASE']), {}, true)).toEqual([0, 1, 2, 3])
    // … or every token that is no word, without pairWords.
    expect(pairCandidates(first, prefixLexicon(['RASE']), { pairWords: false }, true)).toEqual([])
    expect(pairCandidates(first, lex, { pairWords: false }, true)).toEqual([0, 1, 2, 3])
    // Candidates narrower than pairMinWidth character widths are never asked about (the boxes are one wide).
    expect(pairCandidates(first, lex, { pairMinWidth: 1 }, true)).toEqual([0, 1, 2, 3])
    expect(pairCandidates(first, lex, { pairMinWidth: 1.01 }, true)).toEqual([])
    expect(pairCandidates(first, lex, { pairMinWidth: 1.01 })).toEqual([])
  })

  it('the decoder itself reads a box as two where the language model prefers it (pairPenalty finite)', () => {
    // No lexicon word to rescue into (SEA only): R A+I S E read as RAISE by the decoder, from the pair reader's heads.
    const lm = new CharLm(trainCharLm(['RAISE THE RAISED RAISES', 'RAIN'], 3))
    const prep = { ...rase(), pairs: new Map([[1, { left: head('A', 0.85), right: head('I', 0.8) }]]) }
    const o = { lm, lexicon: prefixLexicon(['SEA']), segmentScore: null }
    const off = decodeLines(prep, { ...o, decoder: { pairPenalty: Number.POSITIVE_INFINITY } })
    expect(off.boxes.map((b) => b.label).join('')).toBe('RASE')
    const out = decodeLines(prep, { ...o, decoder: { pairPenalty: 0 } })
    expect(out.boxes.map((b) => b.label).join('')).toBe('RAISE')
    expect(out.lines[0].rescues).toBeUndefined()
    expect(out.boxes.map((b) => b.half)).toEqual([undefined, 0, 1, undefined, undefined])
  })

  it('offersPair: a reading offers a pair where the decoder or the rescue would try one, and only there', () => {
    // "No pair" at 0.98, the rest spread: no class within the decoder's 5% or the rescue's 1% of the best entry.
    const none = () => {
      const h = new Float32Array(NUM_CLASSES + 1).fill(0.02 / NUM_CLASSES)
      h[NUM_CLASSES] = 0.98
      return h
    }
    const withClass = (c: string, v: number) => {
      const h = none()
      h[CLASSES.indexOf(c)] = v
      return h
    }
    expect(offersPair({ left: none(), right: none() })).toBe(false)
    expect(offersPair({ left: withClass('A', 0.2), right: withClass('I', 0.2) })).toBe(true)
    // One head sure of "no pair": no pair to try.
    expect(offersPair({ left: withClass('A', 0.2), right: none() })).toBe(false)
    // Digits: the decoder tries them, the rescue (letters only) does not.
    const digits = { left: withClass('1', 0.2), right: withClass('9', 0.2) }
    expect(offersPair(digits)).toBe(true)
    expect(offersPair(digits, { pairPenalty: Number.POSITIVE_INFINITY })).toBe(false)
    // A letter at 2% of "no pair": within the rescue's 1%, not the decoder's 5%.
    const faint = { left: withClass('A', 0.02), right: withClass('I', 0.02) }
    expect(offersPair(faint, {}, { minRatio: 0.05 })).toBe(false)
    expect(offersPair(faint)).toBe(true)
    // And what offers nothing changes nothing: the line decodes exactly as without the reading.
    const lm = new CharLm(trainCharLm(['RAISE THE RAISED RAISES', 'RAIN'], 3))
    const o = { lm, lexicon: prefixLexicon(['SEA']), segmentScore: null, decoder: { pairPenalty: 0 } }
    const quiet = { left: withClass('A', 0.004), right: withClass('I', 0.004) }
    expect(offersPair(quiet, o.decoder)).toBe(false)
    const withPair = decodeLines({ ...rase(), pairs: new Map([[1, quiet]]) }, o)
    expect(withPair).toEqual(decodeLines(rase(), o))
    // (The same line with a pair that does offer reads RAISE: the comparison above can fail.)
    const offered = decodeLines(
      { ...rase(), pairs: new Map([[1, { left: head('A', 0.85), right: head('I', 0.8) }]]) },
      o
    )
    expect(offered.boxes.map((b) => b.label).join('')).toBe('RAISE')
  })

  it('a box the rescue reads as two becomes its two halves, each with its head as probabilities', () => {
    const prep = { ...rase(), pairs: new Map([[1, { left: head('A', 0.85), right: head('I', 0.8) }]]) }
    const out = decodeLines(prep, opts)
    expect(out.boxes.map((b) => b.label).join('')).toBe('RAISE')
    expect(out.lines[0].rescues).toEqual([expect.objectContaining({ token: 'RASE', word: 'RAISE' })])
    const [, a, i] = out.boxes
    expect([a.half, i.half]).toEqual([0, 1])
    expect([a.candidate, i.candidate]).toEqual([1, 1])
    expect(a.box).toMatchObject({ x: 30, w: 12, origin: 'split' })
    expect(i.box).toMatchObject({ x: 42, w: 12, origin: 'split' })
    expect(i.probs[CLASSES.indexOf('I')]).toBeCloseTo(0.8 / (1 - (1 - 0.8) / NUM_CLASSES), 5)
    expect(out.boxes.every((b, k) => (k === 1 || k === 2 ? true : b.half === undefined))).toBe(true)
    // The same pair reading is no use where the token is a word already: the reading does not change.
    const word = decodeLines(prep, { ...opts, lexicon: prefixLexicon(['RASE', 'RAISE']) })
    expect(word.boxes.map((b) => b.label).join('')).toBe('RASE')
  })

  it('halfBox and pairClassRow', () => {
    const b: CharBox = {
      x: 10,
      y: 5,
      w: 21,
      h: 30,
      origin: 'component',
      ink: { labels: [3], rect: { x: 2, y: 1, w: 7, h: 9 } }
    }
    expect(halfBox(b, 0)).toEqual({
      x: 10,
      y: 5,
      w: 11,
      h: 30,
      origin: 'split',
      ink: { labels: [3], rect: { x: 2, y: 1, w: 4, h: 9 } }
    })
    expect(halfBox(b, 1)).toEqual({
      x: 21,
      y: 5,
      w: 10,
      h: 30,
      origin: 'split',
      ink: { labels: [3], rect: { x: 6, y: 1, w: 3, h: 9 } }
    })
    const h = new Float32Array(NUM_CLASSES + 1)
    h[0] = 0.2
    h[1] = 0.3
    h[NUM_CLASSES] = 0.5
    const row = pairClassRow(h)
    expect(row.length).toBe(NUM_CLASSES)
    expect(row[0]).toBeCloseTo(0.4, 6)
    expect(row[1]).toBeCloseTo(0.6, 6)
  })
})
