// Word gaps per line: how likely a space is in each gap between neighbouring characters, from the line's
// own gap distribution rather than one threshold for the page. Gaps are measured in units of the line's
// median character height and modelled on a log scale (letter gaps cluster near a tenth of a character,
// word gaps near one) by a two-component Gaussian mixture:
//  1. the page's gaps fit a mixture by EM; when its two components are not well apart (a letter chart,
//     a single word per line, evenly spaced capitals) the page has no evidence for word gaps and every gap
//     below `alwaysBreakGap` is given a low space probability. A page of very few gaps (a label, one short
//     line) cannot show its own spacing and is read with a typical one;
//  2. each line refits the mixture by MAP-EM, the page's fit acting as a prior of `priorWeight` pseudo-gaps
//     per component, so a line of few gaps stays near the page and a line of many moves its own split (a
//     simpler shift of each line by its median gap was tried and read the uneven-spacing pages worse);
//  3. the posterior of the word component is the space probability, kept within [floor, 1 − floor] so the
//     language model can still break a close call (read/decode.ts adds both).

import { ascending } from '../../shared/stats.ts'
import { otsuSplit } from '../vision/layout.ts'

export interface GapModelOptions {
  /** Gaps (in character heights) at or above this are word gaps whatever the statistics (default 2.5). */
  alwaysBreakGap?: number
  /** Gaps below this are never word gaps (default 0.1). */
  neverBreakGap?: number
  /** Pseudo-gaps per component with which the page's fit pulls each line's refit (default 10). */
  priorWeight?: number
  /** Smallest separation of the page's two components, in pooled standard deviations, to believe in word gaps (default 2) … */
  minSeparation?: number
  /** … and smallest ratio of the median gaps of the two sides of Otsu's split (default 2.2, as vision/layout.ts). */
  minGapContrast?: number
  /** A page with fewer gaps than this is read with typical spacing instead of its own fit (default 10). */
  minPageGaps?: number
  /** Space probabilities are kept within [floor, 1 − floor] (default 0.02). */
  floor?: number
  /** The mixture's log-odds are divided by this: above 1 the gap evidence is softer and the language model weighs more (default 2). */
  temperature?: number
}

interface Mixture {
  w: [number, number]
  mu: [number, number]
  sd: [number, number]
}

const OFFSET = 0.15
const toLog = (g: number): number => Math.log(Math.max(g, 0) + OFFSET)
const MIN_SD = 0.12
/** Most of a page's gaps a fitted word component may claim (half: words of two letters on average). */
const MAX_WORD_GAP_SHARE = 0.5
/**
 * Typical spacing, for pages with too few gaps to fit: letter gaps around a fifth of a character height,
 * word gaps around one (a priori values of written and printed capitals, not fitted to any page here).
 */
const fromLog = (x: number): number => Math.max(0, Math.exp(x) - OFFSET)
/** Without word gaps in a page's statistics, a word gap is taken to be about this many times its median gap. */
const WORD_GAP_RATIO = 3.5
const TYPICAL: Mixture = { w: [0.8, 0.2], mu: [toLog(0.2), toLog(1)], sd: [0.45, 0.35] }

function normLogPdf(x: number, mu: number, sd: number): number {
  const z = (x - mu) / sd
  return -0.5 * z * z - Math.log(sd) - 0.5 * Math.log(2 * Math.PI)
}

/** Posterior of component 1 (word gaps) for x, its log-odds divided by `temperature`. */
function posterior(m: Mixture, x: number, temperature = 1): number {
  const a = Math.log(m.w[0]) + normLogPdf(x, m.mu[0], m.sd[0])
  const b = Math.log(m.w[1]) + normLogPdf(x, m.mu[1], m.sd[1])
  return 1 / (1 + Math.exp((a - b) / temperature))
}

/**
 * EM for a two-component mixture on xs; `prior` (a mixture and a weight in pseudo-points per component) makes
 * it MAP-EM with the prior's means, spreads and weights as pseudo-observations.
 */
export function fitMixture(xs: readonly number[], init: Mixture, prior?: { m: Mixture; weight: number }): Mixture {
  const m: Mixture = { w: [...init.w], mu: [...init.mu], sd: [...init.sd] }
  const r = new Float64Array(xs.length)
  for (let it = 0; it < 50; it++) {
    for (let i = 0; i < xs.length; i++) r[i] = posterior(m, xs[i])
    const n = [0, 0],
      s = [0, 0],
      ss = [0, 0]
    for (let i = 0; i < xs.length; i++) {
      const q = [1 - r[i], r[i]]
      for (let k = 0; k < 2; k++) {
        n[k] += q[k]
        s[k] += q[k] * xs[i]
        ss[k] += q[k] * xs[i] * xs[i]
      }
    }
    if (prior) {
      for (let k = 0; k < 2; k++) {
        const pw = prior.weight
        n[k] += pw
        s[k] += pw * prior.m.mu[k]
        ss[k] += pw * (prior.m.sd[k] ** 2 + prior.m.mu[k] ** 2)
      }
    }
    const tot = n[0] + n[1]
    let moved = 0
    for (let k = 0; k < 2; k++) {
      if (n[k] < 1e-9) continue
      const mu = s[k] / n[k]
      const sd = Math.max(MIN_SD, Math.sqrt(Math.max(0, ss[k] / n[k] - mu * mu)))
      moved = Math.max(moved, Math.abs(mu - m.mu[k]))
      m.mu[k] = mu
      m.sd[k] = sd
      m.w[k] = Math.min(0.98, Math.max(0.02, n[k] / tot))
    }
    if (moved < 1e-6) break
  }
  // Component 0 is the letter gaps: the smaller mean.
  if (m.mu[0] > m.mu[1]) return { w: [m.w[1], m.w[0]], mu: [m.mu[1], m.mu[0]], sd: [m.sd[1], m.sd[0]] }
  return m
}

/** Start for EM: Otsu's split of the (log) gaps, each side's mean, spread and share. */
function initialMixture(xs: readonly number[]): Mixture {
  const s = [...xs].sort(ascending)
  const split = otsuSplit(s)
  const part = (v: number[]) => {
    const mu = v.reduce((a, b) => a + b, 0) / v.length
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / v.length)
    return { mu, sd: Math.max(MIN_SD, sd) }
  }
  const lo = part(s.slice(0, split)),
    hi = part(s.slice(split))
  const w0 = split / s.length
  return { w: [w0, 1 - w0], mu: [lo.mu, hi.mu], sd: [lo.sd, hi.sd] }
}

/** A mixture's two components, in pooled standard deviations apart. */
function separation(m: Mixture): number {
  return (m.mu[1] - m.mu[0]) / Math.sqrt((m.sd[0] ** 2 + m.sd[1] ** 2) / 2)
}

export interface GapModel {
  /** Space probability of every gap of every line (same shape as the input). */
  pSpace: number[][]
  /** The page's mixture (log scale), or null when its gaps showed no word gaps. */
  page: Mixture | null
}

/**
 * Space probabilities for the gaps of each line (gaps in units of that line's median character height,
 * as vision/layout.ts#lineGaps gives them).
 */
export function gapModel(lineGaps: readonly (readonly number[])[], opts: GapModelOptions = {}): GapModel {
  const always = opts.alwaysBreakGap ?? 2.5
  const never = opts.neverBreakGap ?? 0.1
  const floor = opts.floor ?? 0.02
  const priorWeight = opts.priorWeight ?? 10
  const minSep = opts.minSeparation ?? 2
  const clamp = (p: number) => Math.min(1 - floor, Math.max(floor, p))
  const fixed = (g: number): number | null => (g >= always ? 1 - floor : g < never ? floor : null)
  const logs = lineGaps.map((g) => g.map(toLog))
  const med = (v: readonly number[]) => {
    const s = [...v].sort(ascending)
    const m = s.length >> 1
    return s.length === 0 ? 0 : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
  }
  const all = logs.flat()
  let page: Mixture | null = null
  let fitted = false
  if (all.length < (opts.minPageGaps ?? 10)) {
    // Too few gaps to learn the page's own spacing from (a label, a line or two): typical spacing instead.
    page = all.length > 0 ? TYPICAL : null
  } else {
    const init = initialMixture(all)
    const m = fitMixture(all, init)
    // Contrast in gap units between the two sides of the split: evenly spaced capitals have two "sides" too.
    const sorted = [...all].sort(ascending)
    const split = Math.round(init.w[0] * sorted.length)
    const contrast = fromLog(med(sorted.slice(split))) / Math.max(0.05, fromLog(med(sorted.slice(0, split))))
    // Word gaps are the minority of a text's gaps: in English about one in five (one per word of 4–5 letters);
    // a fit that makes most gaps word gaps has found two kinds of letter gap in unevenly spaced writing.
    if (separation(m) >= minSep && contrast >= (opts.minGapContrast ?? 2.2) && m.w[1] <= MAX_WORD_GAP_SHARE) {
      page = m
      fitted = true
    } else {
      // No clear word gaps in the page's statistics (evenly spaced capitals, or letters spaced so unevenly
      // that they blur into the word gaps): word gaps are then taken to be several times the page's own
      // typical gap, softly, so a clear gap still reads as a space and the language model decides the rest.
      const typical = Math.max(0.05, fromLog(med(all)))
      page = { w: [0.8, 0.2], mu: [toLog(typical), toLog(WORD_GAP_RATIO * typical)], sd: [0.35, 0.35] }
    }
  }
  // The temperature softens a fitted mixture's narrow components; an assumed one is wide already.
  const temperature = fitted ? (opts.temperature ?? 2) : 1
  const pSpace = lineGaps.map((gaps, li) => {
    if (!page) return gaps.map((g) => fixed(g) ?? floor)
    // The line's own refit, the page's mixture a prior of `priorWeight` pseudo-gaps per component; a refit
    // that lost the page's shape (both components run together) keeps the page's.
    const own = fitMixture(logs[li], page, { m: page, weight: priorWeight })
    // A refit must keep the page's kind of split: components apart, and word gaps clearly wider than letter
    // gaps (the same contrast the page needed), else unevenly spaced letters become two "kinds" of gap.
    const contrast = fromLog(own.mu[1]) / Math.max(0.05, fromLog(own.mu[0]))
    const m = separation(own) >= 0.5 * minSep && contrast >= (opts.minGapContrast ?? 2.2) ? own : page
    return gaps.map((g, k) => fixed(g) ?? clamp(posterior(m, logs[li][k], temperature)))
  })
  return { pSpace, page }
}
