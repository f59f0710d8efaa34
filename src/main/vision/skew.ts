// A page scanned crooked: the lines of writing slope, and past a few degrees they no longer group into lines and the
// boxes of one line reach into the next (a scan fed askew, a page laid crooked on the glass, a close photo taken
// turned). A phone photo's sheet is levelled by its own edges (vision/sheet.ts); a page that fills the frame has no
// edges to go by, so its slope is measured from the writing itself.
//
// The slope: on a copy ≤ SKEW_SIDE px on its long side, ink is what is clearly darker than the paper around it
// (the paper's level from a max filter), and only its character-like pieces count (at least 5 px tall, at most 6
// times as wide as tall or as tall as wide: a desk's grain stripes, rules and borders do not). Each piece votes once,
// at its centre (a pen lying on a desk is one piece however long its ink): the centres are projected across the page
// at angles from −MAX_SKEW to +MAX_SKEW degrees, and the angle whose projection is sharpest (the sum of squared
// counts of bins a sixth of the pieces' median height: lines of writing and the gaps between them) is the slope, to
// a tenth of a degree; it is then refined within a degree on the pieces' pixels (1-px bins). A page is levelled only
// when the slope is at least MIN_SKEW, the centres' sharpest projection clearly beats the level one (SKEW_GAIN) and
// its fullest line holds MIN_LINE pieces: a page of a few letters, a sketch or a desk has no lines to go by.
import type { GrayImage } from './image.ts'
import { MatScope } from './opencv.ts'
import { labelComponents } from './cvExact.ts'
import { loadOpenCv, shrunkGray } from './segment.ts'
import { median } from '../../shared/stats.ts'

/** The working copy's long side (px): lines of capitals are 15–40 px tall there. */
const SKEW_SIDE = 800
/** The largest slope looked for, in degrees (issue 12: skew up to ±10°). */
export const MAX_SKEW = 12
/**
 * Below this slope (degrees) a page is read as it is: lines of writing still group (the tuning pages read as well at
 * 3° as level), and levelling a page turns its boxes into the boxes around turned rectangles and its glyphs into
 * resampled ones. At 1.5° a sample page tilted 3.6° was levelled upright but not when scanned sideways (its columns
 * are no lines), so its four orientations no longer read alike (docs/BENCHMARKS.md, "A page scanned crooked").
 */
export const MIN_SKEW = 4
/** The sharpest projection must beat the level one by this factor for the slope to be taken. */
export const SKEW_GAIN = 1.6
/** Fewer character-like pieces than this: no lines to go by. */
const MIN_PIECES = 12
/**
 * A slope is taken only when its fullest line holds at least this many pieces: a desk's grain broken into
 * letter-sized bits can project sharply enough (gain 1.65 on one validation desk) but never lines up more than 2–3
 * of them, where a line of writing lines up 10 or more (the tuning pages).
 */
export const MIN_LINE = 6

export interface SkewEstimate {
  /** The slope of the writing in degrees: positive when lines run down to the right (image y grows with x). */
  degrees: number
  /** Sharpness of the projection at that slope over the level one's (≥ 1). */
  gain: number
  /** Character-like pieces of ink the slope was measured on. */
  ink: number
  /** The most pieces whose centres share one bin at that slope: the fullest line of writing. */
  line: number
}

/** Sum of squared counts of the pieces' centres projected across the page at `rad` (bins of `size` px). */
function sharpness(
  xs: Float32Array,
  ys: Float32Array,
  n: number,
  rad: number,
  bins: Int32Array,
  off: number,
  size: number
): number {
  bins.fill(0)
  const c = Math.cos(rad),
    s = Math.sin(rad)
  for (let i = 0; i < n; i++) bins[Math.round((ys[i] * c - xs[i] * s) / size) + off]++
  let sum = 0
  for (let b = 0; b < bins.length; b++) sum += bins[b] * bins[b]
  return sum
}

/** The slope of a page's writing (see the file's header). */
export async function estimateSkew(image: GrayImage): Promise<SkewEstimate> {
  const { cv } = await loadOpenCv()
  const mats = new MatScope()
  const keep = mats.keep
  try {
    const { small, w, h } = shrunkGray(cv, image, SKEW_SIDE, keep)
    // The paper's level: a max filter wider than a stroke (a line of capitals is 15–40 px tall here).
    const paper = keep(new cv.Mat())
    cv.dilate(small, paper, keep(cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(15, 15))))
    const g = small.data,
      p = paper.data
    const ink = new Uint8Array(w * h)
    for (let i = 0; i < w * h; i++) if (g[i] < 0.7 * p[i] && p[i] - g[i] > 30) ink[i] = 255
    // Only character-like pieces of ink vote, each once, at its centre: a desk's grain, a ruled line or a border is
    // long and thin, and a pen lying on the desk is one piece however long its ink is.
    const { n: parts, stats, labels } = labelComponents(ink, w, h, 8)
    const votes = new Uint8Array(parts)
    const cx: number[] = [],
      cy: number[] = [],
      heights: number[] = []
    for (let c = 1; c < parts; c++) {
      const x = stats[c * 5],
        y = stats[c * 5 + 1],
        cw = stats[c * 5 + 2],
        ch = stats[c * 5 + 3]
      if (ch < 5 || ch > 0.3 * h || cw > 6 * ch || ch > 6 * cw) continue
      votes[c] = 1
      cx.push(x + cw / 2 - w / 2)
      cy.push(y + ch / 2 - h / 2)
      heights.push(ch)
    }
    const n = cx.length
    const xs = Float32Array.from(cx),
      ys = Float32Array.from(cy)
    if (n < MIN_PIECES) return { degrees: 0, gain: 1, ink: n, line: 0 }
    // Centres of one line's capitals lie within a few pixels of each other: bins of a sixth of their height.
    const bin = Math.max(2, median(heights) / 6)
    const off = Math.ceil(Math.hypot(w, h) / 2 / bin) + 1
    const bins = new Int32Array(2 * off + 1)
    const at = (deg: number) => sharpness(xs, ys, n, (deg * Math.PI) / 180, bins, off, bin)
    const level = at(0)
    let best = 0,
      bestScore = level
    for (let d = -MAX_SKEW; d <= MAX_SKEW; d += 0.5) {
      const s = at(d)
      if (s > bestScore) [best, bestScore] = [d, s]
    }
    const coarse = best
    for (let d = coarse - 0.4; d <= coarse + 0.40001; d += 0.1) {
      const s = at(d)
      if (s > bestScore) [best, bestScore] = [d, s]
    }
    // Refined on the voting pieces' pixels (1-px bins), within a degree of the centres' slope: a centre moves with
    // its letter's shape, the strokes' bottoms and tops do not.
    let m = 0
    for (let i = 0; i < w * h; i++) m += votes[labels[i]]
    const px = new Float32Array(m),
      py = new Float32Array(m)
    let k = 0
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        if (votes[labels[y * w + x]]) {
          px[k] = x - w / 2
          py[k++] = y - h / 2
        }
    const pOff = Math.ceil(Math.hypot(w, h) / 2) + 1
    const pBins = new Int32Array(2 * pOff + 1)
    let fine = best,
      fineScore = -1
    for (let d = best - 1; d <= best + 1.00001; d += 0.1) {
      const s = sharpness(px, py, m, (d * Math.PI) / 180, pBins, pOff, 1)
      if (s > fineScore) [fine, fineScore] = [d, s]
    }
    at(best)
    let line = 0
    for (let b = 0; b < bins.length; b++) line = Math.max(line, bins[b])
    return { degrees: Math.round(fine * 10) / 10, gain: bestScore / level, ink: n, line }
  } finally {
    mats.release()
  }
}

/** Whether a page with this slope is levelled before it is read. */
export function needsLevelling(skew: SkewEstimate): boolean {
  return Math.abs(skew.degrees) >= MIN_SKEW && skew.gain >= SKEW_GAIN && skew.line >= MIN_LINE
}
