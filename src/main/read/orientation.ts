// Which way up a page is. A page scanned sideways or upside down (a feeder, a phone held landscape without the
// orientation tag) segments into the same characters turned, and the classifier, trained on upright glyphs, reads
// them unsure and wrong: a sideways page was read as no text at all, an upside-down one as nonsense. So when the
// classifier is unsure of a page's detector boxes, their glyphs are read again turned by a quarter, a half and
// three quarters, and the page is read turned when one turn reads them clearly better (vision/turn.ts,
// vision/sheet.ts#turnSegmentation). A glyph is framed by its longer side (vision/normalise.ts), so turning the
// 32 × 32 glyph is turning the crop.
//
// Upright pages of writing are read with most boxes sure (the sample photos 96–100% at confidence 0.5, touching
// and broken letters 61–80%); turned, the same glyphs are 41–81% sure and their mean log top-probability is 0.2–0.8
// lower for a clean page, but only 0.05–0.2 lower for touching letters, whose boxes are pairs either way up. The
// margin below is chosen so that no upright page of the tuning set is turned (docs/BENCHMARKS.md, "Pages scanned
// sideways or upside down"); a page of touching letters turned upside down may then stay unturned.
import { GLYPH_PIXELS, GLYPH_SIZE as GLYPH_SIDE, NUM_CLASSES } from '../../shared/classes.ts'
import type { QuarterTurns } from '../vision/turn.ts'

export interface OrientationOptions {
  /** A page with fewer detector boxes is read as it is (too little to tell; default 8). */
  minBoxes?: number
  /** Other turns are tried only when fewer than this share of the boxes are sure (default 0.9). */
  doubt?: number
  /** Confidence at which a box counts as sure (default 0.5, read/notWriting.ts's). */
  sure?: number
  /** Mean log top-probability a turn must gain over the page as it is (default 0.15) … */
  margin?: number
  /**
   * … or marginScale / √m on a page of m glyphs read, when that is more (default 1.0: from 45 glyphs down): a
   * short page's mean is noisier, and on samples of 8–16 boxes of the tuning pages in doubt 0.15 alone turned
   * 1.8–0.1% of upright ones (docs/BENCHMARKS.md).
   */
  marginScale?: number
  /** … and the share of boxes it must read sure (default 0.5: a page of writing, not a desk). */
  minSure?: number
  /** At most this many boxes, evenly spread over the page, are read turned (default 160). */
  sample?: number
}

export const ORIENTATION_DEFAULTS = {
  minBoxes: 8,
  doubt: 0.9,
  sure: 0.5,
  margin: 0.15,
  marginScale: 1.0,
  minSure: 0.5,
  sample: 160
} as const

/** `n` glyphs (n × 1024, row-major 32 × 32) each turned clockwise by `k` quarter turns. */
export function turnGlyphs(glyphs: Float32Array, n: number, k: QuarterTurns): Float32Array {
  const S = GLYPH_SIDE
  const out = new Float32Array(n * GLYPH_PIXELS)
  for (let i = 0; i < n; i++) {
    const a = glyphs.subarray(i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS),
      b = out.subarray(i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS)
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++)
        b[y * S + x] =
          k === 1 ? a[(S - 1 - x) * S + y] : k === 2 ? a[(S - 1 - y) * S + (S - 1 - x)] : a[x * S + (S - 1 - y)]
  }
  return out
}

/** Share of rows whose top probability reaches `sure`, and the mean log of the top probabilities. */
export function readingScore(probs: ArrayLike<number>, n: number, sure: number): { sure: number; logp: number } {
  let s = 0,
    lp = 0
  for (let i = 0; i < n; i++) {
    let m = 0
    for (let c = 0; c < NUM_CLASSES; c++) m = Math.max(m, probs[i * NUM_CLASSES + c])
    if (m >= sure) s++
    lp += Math.log(Math.max(m, 1e-6))
  }
  return n > 0 ? { sure: s / n, logp: lp / n } : { sure: 0, logp: 0 }
}

export interface PageTurn {
  /** Clockwise quarter turns that make the page upright; 0 to read it as it is. */
  turn: 0 | QuarterTurns
  /** The score of each turn tried (index = quarter turns; only 0 when the page was not in doubt). */
  scores: { sure: number; logp: number }[]
}

/**
 * Which way up to read a page, from its detector boxes' glyphs (n × 1024) and the classifier's probabilities for
 * them as they are (n × 36); `predict` reads glyphs turned.
 */
export async function pageTurn(
  glyphs: Float32Array,
  n: number,
  probs: ArrayLike<number>,
  predict: (glyphs: Float32Array, n: number) => Promise<ArrayLike<number>>,
  opts: OrientationOptions = {}
): Promise<PageTurn> {
  const o = { ...ORIENTATION_DEFAULTS, ...opts }
  // The sample: every box of a page of up to `sample`, else `sample` boxes evenly spread.
  const m = Math.min(n, o.sample)
  const rows = Array.from({ length: m }, (_, i) => Math.floor((i * n) / m))
  // The sample's rows of `rows` × `width` values (the whole of it when every box is in the sample).
  const pick = (all: ArrayLike<number>, width: number): Float32Array => {
    if (m === n && all instanceof Float32Array) return all.subarray(0, n * width)
    const out = new Float32Array(m * width)
    rows.forEach((r, i) => {
      for (let c = 0; c < width; c++) out[i * width + c] = all[r * width + c]
    })
    return out
  }
  const upright = readingScore(pick(probs, NUM_CLASSES), m, o.sure)
  // A page the classifier is sure of pays only this: its glyphs are neither copied nor read turned.
  if (n < o.minBoxes || upright.sure >= o.doubt) return { turn: 0, scores: [upright] }
  const sampled = pick(glyphs, GLYPH_PIXELS)
  const scores = [upright]
  for (const k of [1, 2, 3] as const) scores.push(readingScore(await predict(turnGlyphs(sampled, m, k), m), m, o.sure))
  let best: 0 | QuarterTurns = 0
  for (const k of [1, 2, 3] as const) if (scores[k].logp > scores[best].logp) best = k
  const margin = Math.max(o.margin, o.marginScale / Math.sqrt(m))
  const turn = best > 0 && scores[best].logp - upright.logp >= margin && scores[best].sure >= o.minSure ? best : 0
  return { turn, scores }
}
