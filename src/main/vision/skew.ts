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
//
// The lean: a writer's letters may lean (10–25° to the right is common, some hands lean back), and a lean letter's
// box reaches into its neighbours', so touching cuts, word gaps and the glyphs the classifier sees all suffer. The
// same voting pieces' near-upright stroke edges give it (strokeLean), and a page leaning at least MIN_SLANT is read
// through a sheared sheet that stands its letters upright (vision/sheet.ts#levellingSheet) — unless the paper has
// upright lines of its own (a form's cell walls, graph paper), which the shear would lean instead.
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
/**
 * Letters leaning less than this (degrees) are read as they stand. Chosen on the tuning pages (docs/BENCHMARKS.md,
 * "Letters that lean"): 6, 10 and 14 tried; an italic font's 10–13° reads as well either way, and standing a page
 * upright resamples it.
 */
export const MIN_SLANT = 10
/**
 * The lean's bin must outweigh the upright one's by this factor. Real handwriting (the NIST letters) spreads its edges
 * over many angles: unsheared NIST pages peaked at 21–33° but only 1.01–1.92× their upright bin, and reading them
 * stood upright at those angles lost letters; leaning fonts and hands peak at 2.7–12×. Chosen on the tuning pages
 * from 1.3, 1.6 and 2 (docs/BENCHMARKS.md, "Letters that lean").
 */
export const SLANT_GAIN = 2
/** The least Sobel gradient (a step of about 20 levels across a stroke's edge) whose edge votes for the lean. */
const MIN_EDGE = 80
/** An edge this close to upright (degrees) counts as a rule's. */
const RULE_LEAN = 1.5
/** A page whose non-voting upright edges reach this share of its letters' edges keeps its letters as they lean. */
export const MAX_RULES = 0.2
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
  /**
   * How far the letters lean, in degrees (positive: a letter's top to the right of its foot): the commonest lean of
   * the voting pieces' near-upright stroke edges, less the page's slope when it is levelled (see strokeLean). 0 with
   * too few pieces.
   */
  slant: number
  /** How much the lean's bin outweighs the upright one's (≥ 1). */
  slantGain: number
  /**
   * Upright edges (within RULE_LEAN of vertical) of the ink that does not vote — a form's cell walls, graph paper —
   * as a share of the voting pieces' edges: the paper's own uprights, which standing the letters upright would lean.
   */
  rules: number
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
    if (n < MIN_PIECES) return { degrees: 0, gain: 1, ink: n, line: 0, slant: 0, slantGain: 1, rules: 0 }
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
    const degrees = Math.round(fine * 10) / 10
    const lean = strokeLean(g, w, h, labels, votes, needsLevellingAt(degrees, bestScore / level, line) ? degrees : 0)
    return {
      degrees,
      gain: bestScore / level,
      ink: n,
      line,
      slant: lean.degrees,
      slantGain: lean.gain,
      rules: lean.rules
    }
  } finally {
    mats.release()
  }
}

/** Whether a page with this slope is levelled before it is read. */
export function needsLevelling(skew: SkewEstimate): boolean {
  return needsLevellingAt(skew.degrees, skew.gain, skew.line)
}

function needsLevellingAt(degrees: number, gain: number, line: number): boolean {
  return Math.abs(degrees) >= MIN_SKEW && gain >= SKEW_GAIN && line >= MIN_LINE
}

/** Whether a page whose letters lean this far is stood upright before it is read. */
export function needsDeslant(skew: SkewEstimate): boolean {
  return (
    Math.abs(skew.slant) >= MIN_SLANT && skew.slantGain >= SLANT_GAIN && skew.line >= MIN_LINE && skew.rules < MAX_RULES
  )
}

/**
 * The lean of the letters: the direction of the upright strokes' edges. At every pixel of a voting piece where the
 * brightness changes steeply, the edge runs across the gradient; an edge within 45° of upright leans by
 * atan(gy / gx) (positive: its top to the right). These leans, weighted by the gradient's strength, go into 1°
 * bins from −45° to 45°, smoothed over ±3°; the fullest bin is the lean, less the page's own slope when it is
 * levelled. Stems (B D E F H I K L M N P R T U, 1 4) share the writer's lean; the legs of A V W X Y and the diagonals
 * of K M N Z sit ±15–35° either side of it and outvote it only on pages made of them.
 */
function strokeLean(
  g: ArrayLike<number>,
  w: number,
  h: number,
  labels: Int32Array | Uint16Array | Uint32Array,
  votes: Uint8Array,
  levelDeg: number
): { degrees: number; gain: number; rules: number } {
  const hist = new Float64Array(91)
  // Upright edges off the voting pieces (long or large pieces of ink, and lines too pale to be ink): a form's cell
  // walls, graph paper's lines.
  let rules = 0,
    total = 0
  // An edge that counts has |gy| ≤ |gx| and gx² + gy² ≥ MIN_EDGE², so 2·gx² ≥ MIN_EDGE²: the flat paper, most of
  // the page, is passed over on gx alone (the gradients are whole numbers: nothing that counts is skipped).
  const minGx2 = (MIN_EDGE * MIN_EDGE) / 2
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x
      let gx = g[i + 1 - w] + 2 * g[i + 1] + g[i + 1 + w] - g[i - 1 - w] - 2 * g[i - 1] - g[i - 1 + w]
      if (gx * gx < minGx2) continue
      let gy = g[i + w - 1] + 2 * g[i + w] + g[i + w + 1] - g[i - w - 1] - 2 * g[i - w] - g[i - w + 1]
      if (Math.abs(gy) > Math.abs(gx)) continue
      if (gx < 0) [gx, gy] = [-gx, -gy]
      const mag = Math.hypot(gx, gy)
      if (mag < MIN_EDGE) continue
      const a = (Math.atan2(gy, gx) * 180) / Math.PI
      if (votes[labels[i]] !== 1) {
        if (Math.abs(a) <= RULE_LEAN) rules += mag
        continue
      }
      total += mag
      hist[Math.round(a) + 45] += mag
    }
  const smooth = new Float64Array(91)
  for (let b = 0; b < 91; b++) for (let d = -3; d <= 3; d++) if (b + d >= 0 && b + d < 91) smooth[b] += hist[b + d]
  let best = 45
  for (let b = 0; b < 91; b++) if (smooth[b] > smooth[best]) best = b
  // Sub-bin: the peak's parabola through its neighbours.
  let peak = best - 45
  if (best > 0 && best < 90) {
    const l = smooth[best - 1],
      c = smooth[best],
      r = smooth[best + 1]
    const den = l - 2 * c + r
    if (den < 0) peak += (0.5 * (l - r)) / den
  }
  return {
    degrees: Math.round((peak - levelDeg) * 100) / 100,
    gain: smooth[45] > 0 ? smooth[best] / smooth[45] : 1,
    rules: total > 0 ? rules / total : 0
  }
}
