import { describe, expect, it } from 'vitest'
import { CLASSES } from '../../../src/shared/classes.ts'
import { CharLm, trainCharLm } from '../../../src/main/read/charLm.ts'
import {
  candidateLabels,
  DEFAULT_DECODER,
  decodeLine,
  decoderOptions,
  pairLabels,
  spaceChoices,
  type DecodeLattice,
  type DecoderOptions
} from '../../../src/main/read/decode.ts'
import { mulberry32 as rng } from '../helpers/rng.ts'

const idx = (c: string) => CLASSES.indexOf(c)

/** Class probabilities: the given classes with their p, the rest sharing what is left. */
function probs(spec: Record<string, number>): Float32Array {
  const p = new Float32Array(CLASSES.length)
  const given = Object.values(spec).reduce((a, b) => a + b, 0)
  const rest = (1 - given) / (CLASSES.length - Object.keys(spec).length)
  for (let k = 0; k < CLASSES.length; k++) p[k] = rest
  for (const [c, v] of Object.entries(spec)) p[idx(c)] = v
  return p
}

const tinyLm = new CharLm(
  trainCharLm(['THE CAT SAT ON THE MAT', 'ROOM 101 IS ON THE 2ND FLOOR', '1900 2020 1066 ON TO'], 3)
)

/** The decoder's score of one fully specified reading, computed from its definition (independently of the search). */
function scoreOf(
  lat: DecodeLattice,
  path: { edge: number; label: string; space: boolean }[],
  opts: Required<Pick<DecoderOptions, 'lmWeight' | 'segmentBonus' | 'lexiconBonus'>> & DecoderOptions
): number {
  // A letter next to a digit inside a token costs mixedTokenCost (the decoder's default when not given).
  const mix = opts.mixedTokenCost ?? DEFAULT_DECODER.mixedTokenCost
  const digit = (c: string) => /[0-9]/.test(c)
  const lm = opts.lm!
  const lnp = (p: number) => (p > 1e-6 ? Math.log(p) : Math.log(1e-6))
  const bonus = opts.segmentBonus + opts.lmWeight * (lm.natsPerChar ?? 0)
  let text = ' ',
    word = '',
    s = 0
  const wordEnd = () => (word.length >= 2 && /^[A-Z]+$/.test(word) && opts.lexicon?.has(word) ? opts.lexiconBonus : 0)
  path.forEach((st, i) => {
    const e = lat.edges[st.edge]
    const sp = lat.space[e.from]
    if (i > 0 && sp !== null && sp !== undefined) {
      if (st.space) {
        s += lnp(sp) + opts.lmWeight * lm.logProb(text, ' ') + wordEnd()
        text += ' '
        word = ''
      } else s += lnp(1 - sp)
    }
    // A segment read as two characters: both heads of its pair reading, the prior and bonus once, less pairPenalty.
    if (st.label.length === 2)
      s +=
        e.prior +
        lnp(e.pair!.left[idx(st.label[0])]) +
        lnp(e.pair!.right[idx(st.label[1])]) +
        bonus -
        (opts.pairPenalty ?? DEFAULT_DECODER.pairPenalty)
    else s += e.prior + lnp(e.probs[idx(st.label)]) + bonus
    for (const c of st.label) {
      s += opts.lmWeight * lm.logProb(text, c)
      if (word.length > 0 && digit(word[word.length - 1]) !== digit(c)) s -= mix
      text += c
      word += c
    }
  })
  return s + opts.lmWeight * lm.logProb(text, ' ') + wordEnd()
}

/** Every reading of a lattice: paths × the candidate labels of each segment × space or not where allowed. */
function bruteForce(lat: DecodeLattice, opts: DecoderOptions & Parameters<typeof scoreOf>[2]) {
  let best = { score: -Infinity, text: '' }
  const walk = (node: number, acc: { edge: number; label: string; space: boolean }[]) => {
    if (node === lat.nodes - 1) {
      const score = scoreOf(lat, acc, opts)
      const text = acc.map((s, i) => (i > 0 && s.space ? ' ' : '') + s.label).join('')
      if (score > best.score) best = { score, text }
      return
    }
    const sp = lat.space[node]
    const spaces = acc.length > 0 ? spaceChoices(sp, opts) : [false]
    lat.edges.forEach((e, ei) => {
      if (e.from !== node) return
      const labels = candidateLabels(e.probs, opts, e.plain === true).map((k) => CLASSES[k])
      if (e.pair && Number.isFinite(opts.pairPenalty ?? DEFAULT_DECODER.pairPenalty))
        for (const q of pairLabels(e.pair, opts)) labels.push(CLASSES[q.left] + CLASSES[q.right])
      for (const label of labels) for (const space of spaces) walk(e.to, [...acc, { edge: ei, label, space }])
    })
  }
  walk(0, [])
  return best
}

/** A pair reader's head: the given entries (classes, or '-' for "no pair") with their p, the rest sharing what is left. */
function head(spec: Record<string, number>): Float32Array {
  const p = new Float32Array(CLASSES.length + 1)
  const given = Object.values(spec).reduce((a, b) => a + b, 0)
  const rest = (1 - given) / (p.length - Object.keys(spec).length)
  p.fill(rest)
  for (const [c, v] of Object.entries(spec)) p[c === '-' ? CLASSES.length : idx(c)] = v
  return p
}

function randomLattice(r: () => number, pairs = false): DecodeLattice {
  const nodes = 2 + Math.floor(r() * 5)
  const edges: DecodeLattice['edges'] = []
  const alphabet = 'THEOACSM0125 '.replace(' ', '')
  for (let f = 0; f < nodes - 1; f++) {
    // Always a next-node edge (so a path exists), sometimes longer ones.
    for (let t = f + 1; t < nodes && t <= f + 3; t++) {
      if (t > f + 1 && r() < 0.5) continue
      const spec: Record<string, number> = {}
      let left = 0.97
      for (let j = 0; j < 3; j++) {
        const c = alphabet[Math.floor(r() * alphabet.length)]
        if (spec[c] !== undefined) continue
        const v = left * (0.3 + 0.6 * r())
        spec[c] = v
        left -= v
      }
      edges.push({ from: f, to: t, probs: probs(spec), prior: -r(), ...(r() < 0.5 ? { plain: true } : {}) })
      if (pairs && r() < 0.4) {
        const side = () => {
          const spec: Record<string, number> = {}
          let left = 0.97
          for (const c of [
            alphabet[Math.floor(r() * alphabet.length)],
            alphabet[Math.floor(r() * alphabet.length)],
            '-'
          ]) {
            if (spec[c] !== undefined) continue
            const v = left * (0.2 + 0.7 * r())
            spec[c] = v
            left -= v
          }
          return head(spec)
        }
        edges[edges.length - 1].pair = { left: side(), right: side() }
      }
    }
  }
  // Space probabilities from near 0 to near 1, some beyond the decoder's confident-gap limits.
  const space = Array.from({ length: nodes }, (_, k) => (k === 0 || r() < 0.3 ? null : 0.01 + 0.98 * r()))
  return { nodes, edges, space }
}

describe('candidate labels', () => {
  it('tries fewer classes on a plain detector box than on a cut piece or a merge', () => {
    // G 0.81 and 0 0.06: 0 is within 5% of G (tried on a cut piece) but not within 10% (not on a plain box).
    const p = probs({ G: 0.81, '0': 0.06, C: 0.03 })
    const opts = { lm: tinyLm }
    expect(candidateLabels(p, opts).map((k) => CLASSES[k])).toEqual(['G', '0'])
    expect(candidateLabels(p, opts, true).map((k) => CLASSES[k])).toEqual(['G'])
    expect(DEFAULT_DECODER.minRatioPlain).toBe(0.1)
    expect(candidateLabels(p, { ...opts, minRatioPlain: 0.03 }, true).map((k) => CLASSES[k])).toEqual(['G', '0', 'C'])
    // Without a language model only the best class is read, plain or not.
    expect(candidateLabels(p, { lm: null }, false)).toEqual([idx('G')])
  })

  it('lets the language model turn a cut piece to the class it prefers, but not a plain box', () => {
    // T, then a glyph read A 0.8 and H 0.07, then E: the language model and lexicon read THE where the middle is
    // a cut piece (H is within 10% of A), and the plain box keeps its reading A.
    const lat = (plain: boolean): DecodeLattice => ({
      nodes: 4,
      edges: [
        { from: 0, to: 1, probs: probs({ T: 0.99 }), prior: 0, plain: true },
        { from: 1, to: 2, probs: probs({ A: 0.8, H: 0.07 }), prior: 0, ...(plain ? { plain: true } : {}) },
        { from: 2, to: 3, probs: probs({ E: 0.99 }), prior: 0, plain: true }
      ],
      space: [null, null, null, null]
    })
    const read = (plain: boolean) =>
      decodeLine(lat(plain), { lm: tinyLm, lmWeight: 1, lexicon: new Set(['THE']), lexiconBonus: 2 })[0]
        .steps.map((st) => st.label)
        .join('')
    expect(read(false)).toBe('THE')
    expect(read(true)).toBe('TAE')
  })
})

describe('line decoder', () => {
  /** Options of the exact searches checked against brute force: every term on, an unbounded beam. */
  const exact = {
    lm: tinyLm,
    lmWeight: 0.7,
    segmentBonus: 0.4,
    lexiconBonus: 1.5,
    lexicon: new Set(['THE', 'CAT', 'ON', 'TO']),
    confident: 0.95,
    minRatio: 0.05,
    minRatioPlain: 0.4,
    maxLabels: 3,
    lookalikeMin: 0.01,
    mixedTokenCost: 0.8,
    beam: Number.POSITIVE_INFINITY,
    nBest: 1
  }

  it('finds the best reading brute force finds, on 60 random small lattices (unbounded beam)', () => {
    const r = rng(12)
    const opts = exact
    for (let t = 0; t < 60; t++) {
      const lat = randomLattice(r)
      const brute = bruteForce(lat, opts)
      const [got] = decodeLine(lat, opts)
      expect(got.score).toBeCloseTo(brute.score, 9)
      expect(got.text).toBe(brute.text)
      // The search's own path scores what it says it scores.
      const path = got.steps.map((s) => ({ edge: s.edge, label: s.label, space: s.spaceBefore }))
      expect(scoreOf(lat, path, opts)).toBeCloseTo(got.score, 9)
    }
  })

  it('with pair readings: finds the best reading brute force finds, one segment read as two characters', () => {
    const r = rng(31)
    // Negative: pairs read often enough to be tested (a pair pays a second character's language model).
    const opts = { ...exact, pairPenalty: -3 }
    let read = 0
    for (let t = 0; t < 80; t++) {
      const lat = randomLattice(r, true)
      const brute = bruteForce(lat, opts)
      const [got] = decodeLine(lat, opts)
      expect(got.score).toBeCloseTo(brute.score, 9)
      expect(got.text).toBe(brute.text)
      // Two half steps on one segment are one step of the path scored.
      const path: { edge: number; label: string; space: boolean }[] = []
      for (const s of got.steps) {
        if (s.half === 1) {
          expect(path[path.length - 1].edge).toBe(s.edge)
          expect(s.spaceBefore).toBe(false)
          path[path.length - 1].label += s.label
          read++
        } else path.push({ edge: s.edge, label: s.label, space: s.spaceBefore })
      }
      expect(scoreOf(lat, path, opts)).toBeCloseTo(got.score, 9)
    }
    // The random lattices make the search read some segments as pairs (else this test would check nothing new).
    expect(read).toBeGreaterThan(10)
  })

  it('reads a segment as two characters only when pairPenalty allows it, and only with a language model', () => {
    // One wide segment: the page classifier says N (0.6), the pair reader says I then N. The lexicon holds IN.
    const lat: DecodeLattice = {
      nodes: 2,
      edges: [
        {
          from: 0,
          to: 1,
          probs: probs({ N: 0.6, M: 0.2 }),
          prior: 0,
          pair: { left: head({ I: 0.8, '-': 0.15 }), right: head({ N: 0.85, '-': 0.1 }) }
        }
      ],
      space: [null, null]
    }
    const opts = { lm: tinyLm, lexicon: new Set(['IN']) }
    expect(DEFAULT_DECODER.pairPenalty).toBe(-1)
    expect(decodeLine(lat, { ...opts, pairPenalty: Number.POSITIVE_INFINITY })[0].text).toBe('N')
    expect(decodeLine(lat, opts)[0].text).toBe('IN')
    const two = decodeLine(lat, { ...opts, pairPenalty: 0 })[0]
    expect(two.text).toBe('IN')
    expect(two.steps).toEqual([
      { edge: 0, label: 'I', spaceBefore: false, half: 0 },
      { edge: 0, label: 'N', spaceBefore: false, half: 1 }
    ])
    // A large enough penalty keeps the one reading; without a language model pairs are never read.
    expect(decodeLine(lat, { ...opts, pairPenalty: 6 })[0].text).toBe('N')
    expect(decodeLine(lat, { lm: null, pairPenalty: 0 })[0].text).toBe('N')
  })

  it('pairLabels: the classes within minRatio of a head\'s best entry, "no pair" included in that best', () => {
    const pair = { left: head({ '-': 0.6, I: 0.2, L: 0.02 }), right: head({ N: 0.5, M: 0.3, '-': 0.1 }) }
    const got = pairLabels(pair, { minRatio: 0.1, maxLabels: 3 }).map((q) => CLASSES[q.left] + CLASSES[q.right])
    // Left: I (0.2 ≥ 0.06); L (0.02) is below a tenth of "no pair". Right: N and M; "no pair" is never a label.
    expect(got).toEqual(['IN', 'IM'])
    const q = pairLabels(pair, { minRatio: 0.1 })[0]
    expect(q.lnp).toBeCloseTo(Math.log(0.2) + Math.log(0.5), 6)
  })

  it('a narrow beam never claims more than the exact search', () => {
    const r = rng(99)
    const opts = { lm: tinyLm, lmWeight: 0.7, segmentBonus: 0.4, lexiconBonus: 1, beam: 2, nBest: 1 }
    for (let t = 0; t < 30; t++) {
      const lat = randomLattice(r)
      const narrow = decodeLine(lat, opts)[0]
      const exact = decodeLine(lat, { ...opts, beam: Number.POSITIVE_INFINITY })[0]
      expect(narrow.score).toBeLessThanOrEqual(exact.score + 1e-9)
    }
  })

  /** A line of one-box segments in a row with spaces where `words` says. */
  function chain(cells: Record<string, number>[], spaceAt: number[] = []): DecodeLattice {
    return {
      nodes: cells.length + 1,
      edges: cells.map((c, i) => ({ from: i, to: i + 1, probs: probs(c), prior: 0 })),
      space: Array.from({ length: cells.length + 1 }, (_, k) =>
        k === 0 || k === cells.length ? null : spaceAt.includes(k) ? 0.98 : 0.02
      )
    }
  }
  const on = { lm: tinyLm, lmWeight: 0.8 }

  it('an O/0 the classifier hesitates over takes the reading its neighbours make likely', () => {
    // "1900": the third glyph is read O 0.55 / 0 0.45.
    const digits = chain([{ '1': 0.95 }, { '9': 0.9 }, { O: 0.55, '0': 0.4 }, { '0': 0.9 }])
    expect(decodeLine(digits, { lm: null })[0].text).toBe('19O0')
    expect(decodeLine(digits, on)[0].text).toBe('1900')
    // "ON": the first glyph is read 0 0.55 / O 0.4.
    const word = chain([{ '0': 0.55, O: 0.4 }, { N: 0.95 }])
    expect(decodeLine(word, on)[0].text).toBe('ON')
  })

  it('never overrides a confident reading: non-words and mixed tokens survive', () => {
    // A confident non-word, a confident mixed token and a confident digit string next to a word.
    const line = chain(
      [
        { X: 0.97 },
        { Q: 0.96 },
        { Z: 0.95 },
        { '4': 0.95 },
        { B: 0.93 },
        { R: 0.98 },
        { O: 0.97 },
        { O: 0.96 },
        { M: 0.97 },
        { '1': 0.95 },
        { '0': 0.95 },
        { '1': 0.95 }
      ],
      [3, 5, 9]
    )
    expect(decodeLine(line, on)[0].text).toBe('XQZ 4B ROOM 101')
    // However heavy the language model, confident labels stay (its weight may move spaces, not labels).
    expect(decodeLine(line, { ...on, lmWeight: 5 })[0].text.replace(/ /g, '')).toBe('XQZ4BROOM101')
  })

  it('lookalikeMin: weighs a look-alike pair even past a confident reading, when the partner is not negligible', () => {
    // "ROOM" with its first O read 0 at 0.93 and O at 0.05: a confident reading, but within a look-alike pair.
    const room = chain([{ R: 0.97 }, { '0': 0.93, O: 0.05 }, { O: 0.96 }, { M: 0.97 }])
    expect(decodeLine(room, on)[0].text).toBe('R0OM') // by default the pair is not weighed: as read
    expect(decodeLine(room, { ...on, lookalikeMin: 0.01 })[0].text).toBe('ROOM')
    // A partner below lookalikeMin is not tried: "4B" stays mixed, whatever the language model prefers.
    const code = chain([{ '4': 0.97 }, { B: 0.985, '8': 0.005 }])
    expect(decodeLine(code, { ...on, lmWeight: 5, lookalikeMin: 0.01 })[0].text).toBe('4B')
  })

  it('mixedTokenCost: reads a token that starts with a hesitant 0 as digits when the rest are digits', () => {
    // "0669": the first glyph O 0.5 / 0 0.47; the letter-digit switch inside the token decides.
    const token = chain([{ O: 0.5, '0': 0.47 }, { '6': 0.95 }, { '6': 0.95 }, { '9': 0.95 }])
    expect(decodeLine(token, { ...on, lmWeight: 0, mixedTokenCost: 0 })[0].text).toBe('O669') // off: as read
    expect(decodeLine(token, { ...on, lmWeight: 0, mixedTokenCost: 1 })[0].text).toBe('0669')
    expect(decodeLine(token, { ...on, lmWeight: 0 })[0].text).toBe('0669') // the default
    // A mixed token read confidently stays mixed whatever the cost: no other reading of it is tried.
    const code = chain([{ '4': 0.97 }, { B: 0.97, '8': 0.02 }])
    expect(decodeLine(code, { ...on, lmWeight: 0, mixedTokenCost: 5 })[0].text).toBe('4B')
  })

  it('keeps a digit string digits and a word a word side by side', () => {
    // "THE 2020": look-alikes on both sides (T/7, E/3 … 2/Z, 0/O), each hesitant.
    const line = chain(
      [
        { T: 0.6, '7': 0.35 },
        { H: 0.9 },
        { '3': 0.5, E: 0.45 },
        { Z: 0.5, '2': 0.45 },
        { O: 0.5, '0': 0.45 },
        { '2': 0.6, Z: 0.35 },
        { '0': 0.6, O: 0.35 }
      ],
      [3]
    )
    expect(decodeLine(line, { lm: null })[0].text).toBe('TH3 ZO20')
    expect(decodeLine(line, on)[0].text).toBe('THE 2020')
  })

  it('chooses between a wide box and its cut by classifier, prior and language model together', () => {
    // Nodes 0-1-2-3: "T" then either one wide segment read M (0.6) or two cut pieces read I (0.7) and N (0.8)…
    const lat: DecodeLattice = {
      nodes: 4,
      edges: [
        { from: 0, to: 1, probs: probs({ T: 0.95 }), prior: 0 },
        { from: 1, to: 3, probs: probs({ M: 0.6 }), prior: -0.2 },
        { from: 1, to: 2, probs: probs({ I: 0.7 }), prior: -0.3 },
        { from: 2, to: 3, probs: probs({ N: 0.8 }), prior: -0.3 }
      ],
      space: [null, null, null, null]
    }
    // … where the count of segments is what the per-segment bonus weighs.
    expect(decodeLine(lat, { lm: null, segmentBonus: 0 })[0].text).toBe('TM')
    expect(decodeLine(lat, { lm: null, segmentBonus: 1 })[0].text).toBe('TIN')
  })
})

describe('decoderOptions', () => {
  it('gives what spreading DEFAULT_DECODER under the given options gave, every field set', () => {
    const lm = new CharLm(trainCharLm(['THE CAT SAT'], 3))
    const lexicon = new Set(['CAT'])
    for (const given of [undefined, {}, { lmWeight: 0.7 }, { beam: 8, nBest: 1, confidentGap: 0.5, maxLabels: 2 }]) {
      const got = decoderOptions(given, lm, lexicon)
      expect(got).toEqual({ ...DEFAULT_DECODER, ...given, lm, lexicon })
      expect(Object.keys(got).sort()).toEqual([...Object.keys(DEFAULT_DECODER), 'lm', 'lexicon'].sort())
    }
    // An option given as undefined falls back to its default, as every reader of the options did with `??`.
    expect(decoderOptions({ lmWeight: undefined }, null, null).lmWeight).toBe(DEFAULT_DECODER.lmWeight)
  })
})
