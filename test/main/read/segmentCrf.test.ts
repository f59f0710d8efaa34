import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CLASSES, NUM_CLASSES } from '../../../src/shared/classes.ts'
import type { LineLattice } from '../../../src/main/read/lattice.ts'
import {
  bestPath,
  crfObjective,
  featureStats,
  fitSegmentScore,
  hasGoldPath,
  latticeLogZ,
  lbfgs,
  lineBand,
  parseSegmentScore,
  SEGMENT_FEATURES,
  segmentFeatures,
  segmentScore,
  type CrfLine
} from '../../../src/main/read/segmentCrf.ts'
import { decodeLines, defaultSegmentScore, DEFAULT_SEGMENT_SCORE_PATH } from '../../../src/main/read/readLines.ts'
import { mulberry32 as rng } from '../helpers/rng.ts'

const K = SEGMENT_FEATURES.length

/** Every path from node 0 to the last, as lists of segment indices (brute force). */
function allPaths(nodes: number, from: number[], to: number[], use: (j: number) => boolean): number[][] {
  const out: number[][] = []
  const walk = (at: number, path: number[]) => {
    if (at === nodes - 1) return void out.push(path)
    from.forEach((f, j) => {
      if (f === at && use(j)) walk(to[j], [...path, j])
    })
  }
  walk(0, [])
  return out
}

/** A random lattice of `nodes` nodes: every single step, and some longer segments. */
function randomLine(r: () => number, nodes: number): CrfLine {
  const from: number[] = [],
    to: number[] = []
  for (let a = 0; a < nodes - 1; a++)
    for (let b = a + 1; b < Math.min(nodes, a + 4); b++)
      if (b === a + 1 || r() < 0.6) {
        from.push(a)
        to.push(b)
      }
  const m = from.length
  const feats = new Float64Array(m * K).map(() => r() * 2 - 1)
  const gold = new Uint8Array(m)
  // A gold path: single steps, with one longer segment where there is one from node 0.
  from.forEach((f, j) => {
    if (to[j] === f + 1 && !(f === 0 && from.some((g, q) => g === 0 && to[q] === 2))) gold[j] = 1
    if (f === 0 && to[j] === 2) gold[j] = 1
  })
  return {
    nodes,
    from: Int32Array.from(from),
    to: Int32Array.from(to),
    feats,
    lnPeak: new Float64Array(m).map(() => Math.log(0.05 + 0.95 * r())),
    gold
  }
}

describe('latticeLogZ', () => {
  it('equals the log-sum over brute-force path enumeration, and its marginals the share of paths through each segment', () => {
    const r = rng(3)
    for (let trial = 0; trial < 20; trial++) {
      const l = randomLine(r, 3 + Math.floor(r() * 5))
      const s = Array.from(l.from, () => r() * 4 - 2)
      const from = [...l.from],
        to = [...l.to]
      for (const use of [() => true, (j: number) => l.gold[j] === 1]) {
        const paths = allPaths(l.nodes, from, to, use)
        const scores = paths.map((p) => p.reduce((a, j) => a + s[j], 0))
        const max = Math.max(...scores)
        const logZ = max + Math.log(scores.reduce((a, v) => a + Math.exp(v - max), 0))
        const got = latticeLogZ(l.nodes, l.from, l.to, s, use)
        expect(got.logZ).toBeCloseTo(logZ, 10)
        for (let j = 0; j < s.length; j++) {
          const through = paths.reduce((a, p, q) => a + (p.includes(j) ? Math.exp(scores[q] - logZ) : 0), 0)
          expect(got.marginals[j]).toBeCloseTo(through, 10)
        }
      }
    }
  })

  it('is −∞ where no path exists, with zero marginals', () => {
    const got = latticeLogZ(3, [0], [1], [1.5], () => true)
    expect(got.logZ).toBe(-Infinity)
    expect([...got.marginals]).toEqual([0])
  })
})

describe('crfObjective', () => {
  it('has the gradient of its loss (central differences)', () => {
    const r = rng(7)
    const lines = Array.from({ length: 4 }, () => randomLine(r, 6))
    const stats = featureStats(lines, K)
    const theta = new Float64Array(K + 1).map(() => r() - 0.5)
    const { grad } = crfObjective(theta, lines, stats, 0.7)
    const h = 1e-6
    for (let q = 0; q <= K; q++) {
      const up = theta.slice(),
        down = theta.slice()
      up[q] += h
      down[q] -= h
      const fd = (crfObjective(up, lines, stats, 0.7).loss - crfObjective(down, lines, stats, 0.7).loss) / (2 * h)
      expect(grad[q]).toBeCloseTo(fd, 5)
    }
  })

  it('is the negative log-probability of the gold paths, by enumeration', () => {
    const r = rng(11)
    const l = randomLine(r, 5)
    const stats = featureStats([l], K)
    const theta = new Float64Array(K + 1).map(() => r() - 0.5)
    const s = Array.from(l.from, (_, j) => {
      let v = theta[K] + l.lnPeak[j]
      for (let q = 0; q < K; q++) v += (theta[q] * (l.feats[j * K + q] - stats.mean[q])) / stats.std[q]
      return v
    })
    const paths = allPaths(l.nodes, [...l.from], [...l.to], () => true)
    const score = (p: number[]) => Math.exp(p.reduce((a, j) => a + s[j], 0))
    const z = paths.reduce((a, p) => a + score(p), 0)
    const zg = paths.filter((p) => p.every((j) => l.gold[j])).reduce((a, p) => a + score(p), 0)
    expect(crfObjective(theta, [l], stats, 0).loss).toBeCloseTo(-Math.log(zg / z), 9)
  })
})

describe('lbfgs', () => {
  it('finds the minimum of a badly scaled quadratic and of the Rosenbrock function', () => {
    const quad = (x: Float64Array) => ({
      loss: 0.5 * (x[0] - 3) ** 2 + 50 * (x[1] + 1) ** 2,
      grad: Float64Array.of(x[0] - 3, 100 * (x[1] + 1))
    })
    const q = lbfgs(quad, Float64Array.of(0, 0), { tol: 1e-14 })
    expect(q.x[0]).toBeCloseTo(3, 5)
    expect(q.x[1]).toBeCloseTo(-1, 5)
    const rosen = (x: Float64Array) => ({
      loss: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2,
      grad: Float64Array.of(-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2))
    })
    const ro = lbfgs(rosen, Float64Array.of(-1.2, 1), { maxIter: 500, tol: 1e-16 })
    expect(ro.x[0]).toBeCloseTo(1, 3)
    expect(ro.x[1]).toBeCloseTo(1, 3)
  })
})

describe('fitSegmentScore', () => {
  it('learns a feature that marks the gold segments, and then reads every line right where chance does not', () => {
    const r = rng(5)
    const lines = Array.from({ length: 30 }, () => randomLine(r, 7))
    // Feature "merge" (one of them) is 1 on gold segments and 0 elsewhere, plus noise; ln p_top says nothing.
    const f = SEGMENT_FEATURES.indexOf('merge')
    for (const l of lines) {
      l.lnPeak.fill(Math.log(0.5))
      l.gold.forEach((g, j) => (l.feats[j * K + f] = g + 0.3 * (r() - 0.5)))
    }
    const fit = fitSegmentScore(lines, { l2: 0.01 })
    expect(fit.used).toBe(30)
    expect(fit.model.weights[f]).toBeGreaterThan(1)
    const right = (l: CrfLine, p: number[]) => p.every((j) => l.gold[j] === 1)
    expect(lines.every((l) => right(l, bestPath(l, fit.model)))).toBe(true)
    // With no score, the path of fewest segments wins (each costs ln 0.5): not the gold one on most lines.
    expect(lines.filter((l) => right(l, bestPath(l, null))).length).toBeLessThan(15)
  })

  it('leaves out lines without a gold path and refuses when none has one', () => {
    const r = rng(9)
    const a = randomLine(r, 5),
      b = randomLine(r, 5)
    b.gold.fill(0)
    expect(hasGoldPath(a)).toBe(true)
    expect(hasGoldPath(b)).toBe(false)
    expect(fitSegmentScore([a, b]).skipped).toBe(1)
    expect(() => fitSegmentScore([b])).toThrow(/no line/)
  })
})

/** A one-line lattice: box 0–1 is an "M" read unsurely, its two cut pieces read confidently, and a plain box. */
function touchingLattice(): LineLattice {
  const box = (x: number, w: number) => ({ x, y: 10, w, h: 40, origin: 'component' as const })
  return {
    line: 0,
    nodes: 4,
    segments: [
      { from: 0, to: 2, box: box(0, 60), kind: 'box', cutUnit: true },
      { from: 0, to: 1, box: box(0, 30), kind: 'cut', cutUnit: true },
      { from: 1, to: 2, box: box(30, 30), kind: 'cut', cutUnit: true },
      { from: 2, to: 3, box: box(70, 30), kind: 'box' }
    ],
    gaps: [null, null, 0.2, null],
    charHeight: 40,
    charWidth: 30
  } as LineLattice
}

describe('segmentFeatures and the decoder', () => {
  it('computes the kind, size and reading features of a candidate', () => {
    const lat = touchingLattice()
    const p = new Float32Array(NUM_CLASSES).fill(0.2 / 35)
    p[CLASSES.indexOf('I')] = 0.8
    const f = segmentFeatures(lat, 1, p, Math.log(0.5))
    const at = (n: (typeof SEGMENT_FEATURES)[number]) => f[SEGMENT_FEATURES.indexOf(n)]
    expect(at('cutPiece')).toBe(1)
    expect(at('plainBox') + at('cutWhole') + at('merge') + at('mergeSpanned')).toBe(0)
    expect(at('lnWidth')).toBeCloseTo(0, 12)
    expect(at('lnPeak')).toBeCloseTo(Math.log(0.8), 6)
    expect(at('lnSecond')).toBeCloseTo(Math.log(0.2 / 35), 6)
    expect(at('thinTop')).toBe(1)
    expect(at('touchLnPeak')).toBeCloseTo(Math.log(0.5), 12)
    expect(at('touched')).toBe(1)
    expect(at('cutPieceLnPeak')).toBeCloseTo(Math.log(0.8), 6)
    expect(lineBand(lat)).toEqual({ top: 10, bottom: 50 })
    const whole = segmentFeatures(lat, 0, p, undefined)
    expect(whole[SEGMENT_FEATURES.indexOf('cutWhole')]).toBe(1)
    expect(whole[SEGMENT_FEATURES.indexOf('lnWidth')]).toBeCloseTo(Math.log(2), 12)
    expect(whole[SEGMENT_FEATURES.indexOf('touched')]).toBe(0)
    expect(whole.length).toBe(K)
  })

  it('decides between the whole box and its cuts by the learned score', () => {
    const lat = touchingLattice()
    const row = (spec: Record<string, number>) => {
      const p = new Float32Array(NUM_CLASSES).fill(1e-4)
      for (const [c, v] of Object.entries(spec)) p[CLASSES.indexOf(c)] = v
      return p
    }
    const probs = new Float32Array(4 * NUM_CLASSES)
    probs.set(row({ M: 0.9 }), 0)
    probs.set(row({ R: 0.9 }), NUM_CLASSES)
    probs.set(row({ A: 0.9 }), 2 * NUM_CLASSES)
    probs.set(row({ T: 0.9 }), 3 * NUM_CLASSES)
    const prep = { lattices: [lat], probs, glyphs: new Float32Array(0) }
    // A score on one feature: cut pieces are charged (weight < 0) or favoured (weight > 0).
    const model = (w: number) => ({
      names: ['cutPiece'],
      mean: [0],
      std: [1],
      weights: [w],
      bias: 0
    })
    const read = (w: number) =>
      decodeLines(prep, { lm: null, segmentScore: model(w) })
        .boxes.map((b) => b.label)
        .join('')
    expect(read(-5)).toBe('MT')
    expect(read(5)).toBe('RAT')
    // Each candidate reports the prior the decoder gave it: the weight on the cut pieces, nothing on the boxes.
    const [line] = decodeLines(prep, { lm: null, segmentScore: model(-5) }).lines
    expect(line.candidates.map((c) => [c.kind, c.label, c.prior, c.chosen])).toEqual([
      ['box', 'M', 0, true],
      ['cut', 'R', -5, false],
      ['cut', 'A', -5, false],
      ['box', 'T', 0, true]
    ])
    expect(
      segmentScore(model(2), segmentFeatures(lat, 1, probs.subarray(NUM_CLASSES, 2 * NUM_CLASSES), undefined))
    ).toBe(2)
  })
})

describe('the shipped score', () => {
  it('loads from its card, names known features only, and says what it was fitted on', () => {
    const card = JSON.parse(readFileSync(DEFAULT_SEGMENT_SCORE_PATH, 'utf8')) as {
      command: string
      iou: number
      lines: { fitted: number }
    }
    const m = defaultSegmentScore()!
    expect(m.names.length).toBe(m.weights.length)
    expect(m.weights.every(Number.isFinite)).toBe(true)
    expect(card.command).toMatch(/^npx tsx scripts\/train-segment-score\.ts /)
    expect(card.lines.fitted).toBeGreaterThan(1000)
    // Paths in the card are the command's own arguments, never a machine's folders.
    expect(readFileSync(DEFAULT_SEGMENT_SCORE_PATH, 'utf8')).not.toMatch(/"\/(work|tmp|home|root)\//)
  })

  it('refuses a model with an unknown feature or mismatched lengths', () => {
    const ok = { names: ['merge'], mean: [0], std: [1], weights: [1], bias: 0 }
    expect(parseSegmentScore({ model: ok })).toEqual(ok)
    expect(() => parseSegmentScore({ ...ok, names: ['nope'] })).toThrow(/segment score/)
    expect(() => parseSegmentScore({ ...ok, weights: [1, 2] })).toThrow(/one entry per feature/)
    expect(() => parseSegmentScore({ ...ok, std: [0] })).toThrow(/segment score/)
  })
})
