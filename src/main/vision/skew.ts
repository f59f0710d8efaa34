// A page scanned crooked: the lines of writing slope, and past a few degrees they no longer group into lines and the
// boxes of one line reach into the next (a scan fed askew, a page laid crooked on the glass, a close photo taken
// turned). A phone photo's sheet is levelled by its own edges (vision/sheet.ts); a page that fills the frame has no
// edges to go by, so its slope is measured from the writing itself.
//
// The slope: on a copy ≤ SKEW_SIDE px on its long side, ink is what is clearly darker than the paper around it
// (the paper's level from a max filter); its pixels are projected across the page at angles from −MAX_SKEW to
// +MAX_SKEW degrees, and the angle whose projection is sharpest (the sum of squared counts of 1-px bins: lines of
// writing and the gaps between them) is the slope, refined to a tenth of a degree. A page is levelled only when the
// slope is at least MIN_SKEW and the sharpest projection clearly beats the level one (SKEW_GAIN): a page of a few
// letters, a sketch or a desk has no lines to go by.
import type { GrayImage } from './image.ts'
import type { Point } from './geometry.ts'
import type { Sheet } from './sheet.ts'
import type { Mat } from './opencv.ts'
import { loadOpenCv } from './segment.ts'

/** The working copy's long side (px): lines of capitals are 15–40 px tall there. */
const SKEW_SIDE = 800
/** The largest slope looked for, in degrees (issue 12: skew up to ±10°). */
export const MAX_SKEW = 12
/** Below this slope (degrees) a page is read as it is: lines group at small slopes, and a page stays as it was. */
export const MIN_SKEW = 1.5
/** The sharpest projection must beat the level one by this factor for the slope to be taken. */
export const SKEW_GAIN = 1.15

export interface SkewEstimate {
  /** The slope of the writing in degrees: positive when lines run down to the right (image y grows with x). */
  degrees: number
  /** Sharpness of the projection at that slope over the level one's (≥ 1). */
  gain: number
  /** Ink pixels the slope was measured on. */
  ink: number
}

/** Sum of squared counts of the ink's projection across the page at `rad` (1-px bins). */
function sharpness(xs: Float32Array, ys: Float32Array, n: number, rad: number, bins: Int32Array, off: number): number {
  bins.fill(0)
  const c = Math.cos(rad),
    s = Math.sin(rad)
  for (let i = 0; i < n; i++) bins[Math.round(ys[i] * c - xs[i] * s) + off]++
  let sum = 0
  for (let b = 0; b < bins.length; b++) sum += bins[b] * bins[b]
  return sum
}

/** The slope of a page's writing (see the file's header). */
export async function estimateSkew(image: GrayImage): Promise<SkewEstimate> {
  const { cv } = await loadOpenCv()
  const mats: Mat[] = []
  const keep = <M extends Mat>(m: M): M => {
    mats.push(m)
    return m
  }
  try {
    const f = Math.min(1, SKEW_SIDE / Math.max(image.width, image.height))
    const w = Math.max(1, Math.round(image.width * f)),
      h = Math.max(1, Math.round(image.height * f))
    const gray = keep(cv.matFromArray(image.height, image.width, cv.CV_8UC1, image.data))
    const small = keep(new cv.Mat())
    cv.resize(gray, small, new cv.Size(w, h), 0, 0, cv.INTER_AREA)
    // The paper's level: a max filter wider than a stroke (a line of capitals is 15–40 px tall here).
    const paper = keep(new cv.Mat())
    cv.dilate(small, paper, keep(cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(15, 15))))
    const g = small.data,
      p = paper.data
    let n = 0
    for (let i = 0; i < w * h; i++) if (g[i] < 0.7 * p[i] && p[i] - g[i] > 30) n++
    const xs = new Float32Array(n),
      ys = new Float32Array(n)
    let k = 0
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x
        if (g[i] < 0.7 * p[i] && p[i] - g[i] > 30) {
          xs[k] = x - w / 2
          ys[k++] = y - h / 2
        }
      }
    if (n < 50) return { degrees: 0, gain: 1, ink: n }
    const off = Math.ceil(Math.hypot(w, h) / 2) + 1
    const bins = new Int32Array(2 * off + 1)
    const at = (deg: number) => sharpness(xs, ys, n, (deg * Math.PI) / 180, bins, off)
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
    return { degrees: Math.round(best * 10) / 10, gain: bestScore / level, ink: n }
  } finally {
    for (const m of mats) m.delete()
  }
}

/** Whether a page with this slope is levelled before it is read. */
export function needsLevelling(skew: SkewEstimate): boolean {
  return Math.abs(skew.degrees) >= MIN_SKEW && skew.gain >= SKEW_GAIN
}

/**
 * The "sheet" that levels a page sloping by `degrees`: a rectangle turned by the slope that holds the whole image,
 * so that flattening it (vision/sheet.ts#flattenSheet) turns the page level and loses none of it. Its sides all
 * run off the frame (`frame`), so nothing is trimmed from them.
 */
export function levellingSheet(image: GrayImage, degrees: number): Sheet {
  const t = (degrees * Math.PI) / 180
  const c = Math.cos(t),
    s = Math.sin(t)
  const W = image.width * c + image.height * Math.abs(s),
    H = image.width * Math.abs(s) + image.height * c
  const cx = image.width / 2,
    cy = image.height / 2
  const corner = (u: number, v: number): Point => [cx + u * c - v * s, cy + u * s + v * c]
  return {
    corners: [corner(-W / 2, -H / 2), corner(W / 2, -H / 2), corner(W / 2, H / 2), corner(-W / 2, H / 2)],
    coverage: 1,
    edgeContrast: 0,
    frame: [true, true, true, true]
  }
}
