// A learned score for the candidates of a line's lattice: how likely a candidate segment is one drawn character,
// from its shape, its kind and how it was read. It replaces the hand-set shape prior (readLines.ts#shapePrior,
// its cut and merge priors, and the touching model's certainty as a prior) in the decoder's path score.
//
// The model is a linear-chain CRF over segmentations: a path through a lattice scores
//   Σ over its segments of  θ·z(segment) + ln p_top(segment)
// where z is the standardised feature vector (SEGMENT_FEATURES, plus a constant) and ln p_top is the
// classifier's log-probability of the segment's best class — the term the decoder itself adds. It is fitted by
// maximum likelihood on training pages (`glyphdesk data pages --glyphs training`, never the evaluation sources):
// the "gold" paths of a line are those made only of candidates that match a drawn character (IoU ≥ 0.6 and no
// two characters half inside), and the loss is ln Σ_all paths − ln Σ_gold paths (forward algorithm over the
// lattice, a DAG), with an L2 penalty on the weights (not on the constant). Lines with no gold path (a character
// no candidate matches) are left out of the fit. scripts/train-segment-score.ts builds the rows and writes
// resources/segment/score.json; the decoder adds θ·z as each candidate's prior (readLines.ts#decodeLines).
import { z } from 'zod'
import { CLASSES, NUM_CLASSES } from '../../shared/classes.ts'
import { InvalidInputError } from '../core/errors.ts'
import { lnp } from './decode.ts'
import { isPlainBox, type LineLattice } from './lattice.ts'
import { median } from '../../shared/stats.ts'

export const SEGMENT_FEATURES = [
  'plainBox',
  'cutWhole',
  'mergeSpanned',
  'cutPiece',
  'merge',
  'lnWidth',
  'lnWidth2',
  'lnHeight',
  'lnHeight2',
  'lnAspect',
  'span',
  'lnPeak',
  'lnSecond',
  'thinTop',
  'touchLnPeak',
  'touched',
  'wideExcess2',
  'cutPieceLnPeak',
  'cutWholeLnPeak',
  'mergeLnPeak',
  'cutPieceLnWidth',
  'cutWholeLnWidth',
  'topOffset',
  'topOffset2',
  'bottomOffset',
  'bottomOffset2',
  'lnAspect2',
  'innerGap'
] as const

/** A fitted score: z_k = (f_k − mean_k) / std_k over the features it names; score = Σ w_k z_k + bias. */
export interface SegmentScoreModel {
  names: string[]
  mean: number[]
  std: number[]
  weights: number[]
  bias: number
}

const ModelSchema = z
  .object({
    names: z.array(z.enum(SEGMENT_FEATURES)),
    mean: z.array(z.number()),
    std: z.array(z.number().positive()),
    weights: z.array(z.number()),
    bias: z.number()
  })
  .refine(
    (m) => m.mean.length === m.names.length && m.std.length === m.names.length && m.weights.length === m.names.length,
    {
      message: 'names, mean, std and weights must have one entry per feature'
    }
  )

/** A score from JSON: a model, or a card holding one under `model` (resources/segment/score.json). */
export function parseSegmentScore(raw: unknown): SegmentScoreModel {
  const r = z.union([z.object({ model: ModelSchema }), ModelSchema]).safeParse(raw)
  if (!r.success) throw new InvalidInputError(`segment score: ${r.error.issues[0]?.message ?? 'not a model'}`)
  return 'model' in r.data ? r.data.model : r.data
}

/** A line's median top and bottom of its detector boxes: the frame for where a candidate sits. */
export function lineBand(lat: LineLattice): { top: number; bottom: number } {
  // Plain loops, not callbacks, on the per-page path (docs/ARCHITECTURE.md, "Per-page code keeps its optimised form").
  const tops: number[] = [],
    bottoms: number[] = []
  for (const s of lat.segments)
    if (s.kind === 'box') {
      tops.push(s.box.y)
      bottoms.push(s.box.y + s.box.h)
    }
  if (tops.length === 0) return { top: 0, bottom: lat.charHeight }
  return { top: median(tops), bottom: median(bottoms) }
}

/**
 * The features of candidate `i` of a lattice (SEGMENT_FEATURES order), from its box, kind and readings:
 * `probs` its class probabilities as the decoder gets them, `touchLnPeak` ln of the touching model's top
 * probability where that model read it (undefined elsewhere), `band` the line's lineBand.
 */
export function segmentFeatures(
  lat: LineLattice,
  i: number,
  probs: ArrayLike<number>,
  touchLnPeak: number | undefined,
  band: { top: number; bottom: number } = lineBand(lat)
): number[] {
  const s = lat.segments[i]
  const ch = Math.max(1, lat.charHeight)
  const plainBox = isPlainBox(s) ? 1 : 0
  const cutWhole = s.kind === 'box' && s.cutUnit ? 1 : 0
  const mergeSpanned = s.kind === 'box' && !s.cutUnit && s.mergeUnit ? 1 : 0
  const cutPiece = s.kind === 'cut' ? 1 : 0
  const merge = s.kind === 'merge' ? 1 : 0
  const lw = Math.log(Math.max(1, s.box.w) / Math.max(1, lat.charWidth))
  const lh = Math.log(Math.max(1, s.box.h) / ch)
  const asp = Math.log(Math.max(1, s.box.w) / Math.max(1, s.box.h))
  let a = 0
  for (let c = 1; c < NUM_CLASSES; c++) if (probs[c] > probs[a]) a = c
  let b = a === 0 ? 1 : 0
  for (let c = 0; c < NUM_CLASSES; c++) if (c !== a && probs[c] > probs[b]) b = c
  const lnPeak = lnp(probs[a])
  const touched = touchLnPeak !== undefined ? 1 : 0
  const touchLn = touchLnPeak ?? 0
  const excess = Math.max(0, lw - Math.log(1.3))
  // The widest gap between detector boxes inside the candidate (a merge across a word space is no letter).
  let innerGap = 0
  for (let n = s.from + 1; n < s.to; n++) innerGap = Math.max(innerGap, lat.gaps[n] ?? 0)
  const top = (s.box.y - band.top) / ch,
    bottom = (band.bottom - s.box.y - s.box.h) / ch
  return [
    plainBox,
    cutWhole,
    mergeSpanned,
    cutPiece,
    merge,
    lw,
    lw * lw,
    lh,
    lh * lh,
    asp,
    s.to - s.from,
    lnPeak,
    lnp(probs[b]),
    CLASSES[a] === 'I' || CLASSES[a] === '1' ? 1 : 0,
    touchLn,
    touched,
    excess * excess,
    cutPiece * lnPeak,
    cutWhole * lnPeak,
    merge * lnPeak,
    cutPiece * lw,
    cutWhole * lw,
    top,
    top * top,
    bottom,
    bottom * bottom,
    asp * asp,
    innerGap
  ]
}

const featureIndex = new WeakMap<SegmentScoreModel, number[]>()
/** The model's score of a feature vector (SEGMENT_FEATURES order; the model uses the features it names). */
export function segmentScore(m: SegmentScoreModel, f: readonly number[]): number {
  let at = featureIndex.get(m)
  if (!at) {
    at = m.names.map((n) => {
      const k = (SEGMENT_FEATURES as readonly string[]).indexOf(n)
      if (k < 0) throw new InvalidInputError(`segment score: unknown feature "${n}"`)
      return k
    })
    featureIndex.set(m, at)
  }
  let z = m.bias
  for (let k = 0; k < at.length; k++) z += (m.weights[k] * (f[at[k]] - m.mean[k])) / m.std[k]
  return z
}

/** One line's lattice as the fit sees it. */
export interface CrfLine {
  nodes: number
  from: Int32Array
  to: Int32Array
  /** Raw features, segments × SEGMENT_FEATURES.length, row-major. */
  feats: Float64Array
  /** ln p_top of each segment (the fixed part of its score). */
  lnPeak: Float64Array
  /** 1 for a candidate that matches a drawn character. */
  gold: Uint8Array
}

const lae = (x: number, y: number): number => {
  if (x === -Infinity) return y
  if (y === -Infinity) return x
  return x > y ? x + Math.log1p(Math.exp(y - x)) : y + Math.log1p(Math.exp(x - y))
}

/** Whether some path from node 0 to the last node uses gold segments only. */
export function hasGoldPath(line: Pick<CrfLine, 'nodes' | 'from' | 'to' | 'gold'>): boolean {
  const reach = new Uint8Array(line.nodes)
  reach[0] = 1
  const order = Array.from(line.from, (_, j) => j).sort((a, b) => line.to[a] - line.to[b])
  for (const j of order) if (line.gold[j] && reach[line.from[j]]) reach[line.to[j]] = 1
  return reach[line.nodes - 1] === 1
}

/**
 * ln Σ over paths (of segments with `use`) of exp(Σ s), and each segment's marginal probability of being on a
 * path (0 for segments not used).
 */
export function latticeLogZ(
  nodes: number,
  from: ArrayLike<number>,
  to: ArrayLike<number>,
  s: ArrayLike<number>,
  use: (j: number) => boolean
): { logZ: number; marginals: Float64Array } {
  const m = s.length
  const byTo = Array.from({ length: m }, (_, j) => j).sort((a, b) => to[a] - to[b])
  const alpha = new Float64Array(nodes).fill(-Infinity)
  alpha[0] = 0
  for (const j of byTo) if (use(j)) alpha[to[j]] = lae(alpha[to[j]], alpha[from[j]] + s[j])
  const beta = new Float64Array(nodes).fill(-Infinity)
  beta[nodes - 1] = 0
  for (let k = m - 1; k >= 0; k--) {
    // Reverse order of `to` is a valid order for the backward pass: every segment out of a node comes before
    // any segment into it (from < to).
    const j = byTo[k]
    if (use(j)) beta[from[j]] = lae(beta[from[j]], beta[to[j]] + s[j])
  }
  const logZ = alpha[nodes - 1]
  const marginals = new Float64Array(m)
  if (logZ !== -Infinity)
    for (let j = 0; j < m; j++) if (use(j)) marginals[j] = Math.exp(alpha[from[j]] + s[j] + beta[to[j]] - logZ)
  return { logZ, marginals }
}

/** Standardisation of the features over all lines' segments (std 1 where a feature is constant). */
export function featureStats(lines: readonly CrfLine[], k: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(k).fill(0),
    sq = new Array<number>(k).fill(0)
  let n = 0
  for (const l of lines)
    for (let j = 0; j < l.from.length; j++, n++)
      for (let q = 0; q < k; q++) {
        const v = l.feats[j * k + q]
        mean[q] += v
        sq[q] += v * v
      }
  const std = mean.map((s, q) => {
    const mu = s / Math.max(1, n)
    const v = sq[q] / Math.max(1, n) - mu * mu
    return v > 1e-18 ? Math.sqrt(v) : 1
  })
  return { mean: mean.map((s) => s / Math.max(1, n)), std }
}

/**
 * The fit's objective at θ = [w_1 … w_k, bias] on standardised features: Σ_lines (ln Z_all − ln Z_gold) + l2/2 |w|²,
 * and its gradient (expected features under all paths minus under gold paths).
 */
export function crfObjective(
  theta: Float64Array,
  lines: readonly CrfLine[],
  stats: { mean: readonly number[]; std: readonly number[] },
  l2: number
): { loss: number; grad: Float64Array } {
  const k = stats.mean.length
  const grad = new Float64Array(k + 1)
  let loss = 0
  for (const l of lines) {
    const m = l.from.length
    const z = new Float64Array(m * k)
    const s = new Float64Array(m)
    for (let j = 0; j < m; j++) {
      let v = theta[k] + l.lnPeak[j]
      for (let q = 0; q < k; q++) {
        const zz = (l.feats[j * k + q] - stats.mean[q]) / stats.std[q]
        z[j * k + q] = zz
        v += theta[q] * zz
      }
      s[j] = v
    }
    const all = latticeLogZ(l.nodes, l.from, l.to, s, () => true)
    const gold = latticeLogZ(l.nodes, l.from, l.to, s, (j) => l.gold[j] === 1)
    loss += all.logZ - gold.logZ
    for (let j = 0; j < m; j++) {
      const d = all.marginals[j] - gold.marginals[j]
      if (d === 0) continue
      for (let q = 0; q < k; q++) grad[q] += d * z[j * k + q]
      grad[k] += d
    }
  }
  for (let q = 0; q < k; q++) {
    loss += 0.5 * l2 * theta[q] * theta[q]
    grad[q] += l2 * theta[q]
  }
  return { loss, grad }
}

/** Minimises a smooth function with L-BFGS (memory 10) and a backtracking (Armijo) line search. */
export function lbfgs(
  f: (x: Float64Array) => { loss: number; grad: Float64Array },
  x0: Float64Array,
  opts: { maxIter?: number; tol?: number; onIter?: (iter: number, loss: number) => void } = {}
): { x: Float64Array; loss: number; iterations: number } {
  const maxIter = opts.maxIter ?? 300,
    tol = opts.tol ?? 1e-9
  const n = x0.length
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0
    for (let i = 0; i < n; i++) s += a[i] * b[i]
    return s
  }
  let x = x0.slice()
  let { loss, grad } = f(x)
  const S: Float64Array[] = [],
    Y: Float64Array[] = []
  let iter = 0
  for (; iter < maxIter; iter++) {
    // Two-loop recursion: d = −H g.
    const q = grad.slice()
    const alphas: number[] = []
    for (let i = S.length - 1; i >= 0; i--) {
      const a = dot(S[i], q) / dot(Y[i], S[i])
      alphas.push(a)
      for (let t = 0; t < n; t++) q[t] -= a * Y[i][t]
    }
    const gamma = S.length > 0 ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1]) : 1
    for (let t = 0; t < n; t++) q[t] *= gamma
    for (let i = 0; i < S.length; i++) {
      const b = dot(Y[i], q) / dot(Y[i], S[i])
      const a = alphas[S.length - 1 - i]
      for (let t = 0; t < n; t++) q[t] += (a - b) * S[i][t]
    }
    const d = q.map((v) => -v)
    let slope = dot(d, grad)
    if (!(slope < 0)) {
      // Not a descent direction: restart from the gradient.
      S.length = 0
      Y.length = 0
      for (let t = 0; t < n; t++) d[t] = -grad[t]
      slope = dot(d, grad)
    }
    let step = S.length === 0 ? 1 / Math.max(1, Math.sqrt(dot(grad, grad))) : 1
    let next: { loss: number; grad: Float64Array } | null = null
    let xn = x
    for (let back = 0; back < 40; back++) {
      xn = x.map((v, t) => v + step * d[t])
      const r = f(xn)
      if (Number.isFinite(r.loss) && r.loss <= loss + 1e-4 * step * slope) {
        next = r
        break
      }
      step *= 0.5
    }
    if (!next) break
    const s = xn.map((v, t) => v - x[t]),
      y = next.grad.map((v, t) => v - grad[t])
    if (dot(s, y) > 1e-12) {
      S.push(s)
      Y.push(y)
      if (S.length > 10) {
        S.shift()
        Y.shift()
      }
    }
    const drop = loss - next.loss
    x = xn
    loss = next.loss
    grad = next.grad
    opts.onIter?.(iter + 1, loss)
    if (drop <= tol * Math.max(1, Math.abs(loss))) {
      iter++
      break
    }
  }
  return { x, loss, iterations: iter }
}

/** Fits the score on lines with a gold path; returns the model and what it was fitted on. */
export function fitSegmentScore(
  lines: readonly CrfLine[],
  opts: { l2?: number; maxIter?: number; onIter?: (iter: number, loss: number) => void } = {}
): { model: SegmentScoreModel; used: number; skipped: number; loss: number; iterations: number } {
  const k = SEGMENT_FEATURES.length
  const used = lines.filter((l) => hasGoldPath(l))
  if (used.length === 0) throw new InvalidInputError('segment score: no line has a path of matching candidates')
  const stats = featureStats(used, k)
  const l2 = opts.l2 ?? 1
  const r = lbfgs((t) => crfObjective(t, used, stats, l2), new Float64Array(k + 1), {
    maxIter: opts.maxIter,
    onIter: opts.onIter
  })
  return {
    model: {
      names: [...SEGMENT_FEATURES],
      mean: stats.mean,
      std: stats.std,
      weights: Array.from(r.x.subarray(0, k)),
      bias: r.x[k]
    },
    used: used.length,
    skipped: lines.length - used.length,
    loss: r.loss,
    iterations: r.iterations
  }
}

/** The best path's segments under the score plus ln p_top (Viterbi), for reports of how often a line comes out right. */
export function bestPath(line: CrfLine, model: SegmentScoreModel | null, prior?: ArrayLike<number>): number[] {
  const k = SEGMENT_FEATURES.length
  const m = line.from.length
  const s = new Float64Array(m)
  for (let j = 0; j < m; j++)
    s[j] =
      line.lnPeak[j] +
      (model ? segmentScore(model, Array.from(line.feats.subarray(j * k, (j + 1) * k))) : (prior?.[j] ?? 0))
  const best = new Float64Array(line.nodes).fill(-Infinity)
  const back = new Int32Array(line.nodes).fill(-1)
  best[0] = 0
  const byTo = Array.from({ length: m }, (_, j) => j).sort((a, b) => line.to[a] - line.to[b])
  for (const j of byTo) {
    const v = best[line.from[j]] + s[j]
    if (v > best[line.to[j]]) {
      best[line.to[j]] = v
      back[line.to[j]] = j
    }
  }
  const path: number[] = []
  for (let t = line.nodes - 1; t > 0 && back[t] >= 0; t = line.from[back[t]]) path.unshift(back[t])
  return path
}
