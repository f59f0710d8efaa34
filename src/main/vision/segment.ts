// Character detection on a photographed page: one box per handwritten character, none on noise.
//
// Pipeline (opencv-wasm, loaded once on first use; every Mat is deleted in a finally):
//  1. background normalisation: divide the photo by an estimate of the paper (a max filter that erases the
//     ink on a small copy, blurred and scaled back up), which removes shadows and uneven light;
//  2. a first threshold + components pass to measure the page's character height, then a rescale so that
//     characters are ~64 px tall — every later size (median filter, morphology, speck size) is then in
//     character units, whatever the photo's resolution;
//  3. median filter against salt-and-pepper noise, Otsu threshold, a small closing to mend pencil gaps;
//  4. 8-connected components;
//  5. merging of the pieces of one broken character (pieces stacked in the same columns);
//  6. dropping specks relative to the page's own median character height. Punctuation is dropped the same
//     way: the periods after the list numbers in 01_list ("1.") are not one of the 36 classes, so they never
//     become boxes. Thin glyphs (a "1", an "I") are kept because only their height is compared;
//  7. splitting touching characters: a box much wider than its line's median is cut at the minima of its
//     column ink profile (or where `options.splitter` — e.g. a classifier-guided splitter — says).
// Boxes come back in the input image's pixel coordinates. Each box also says which components of `labels`
// are its own ink (`CharBox.ink`), so that a crop can be masked to its own character: handwritten
// neighbours overlap each other's rectangles ("PE" in DEEPEST), and a rectangle alone lets them leak in.
import { InvalidInputError } from '../core/errors.ts'
import type { GrayImage } from './image.ts'
import { groupLines, type Rect } from './layout.ts'
import {
  DASH_ELONGATION,
  faintInkStretch,
  hasInk,
  looksNegative,
  largeLettersInRows,
  notWriting,
  removeRules,
  strayDashes,
  TALL_LIMIT,
  strokeAxis
} from './clutter.ts'
import { closeCrossSimd, getKernel, medianSimd } from './simdKernel.ts'
import { divideBy, labelComponents, type LabelMap } from './cvExact.ts'
import { applyInkGain, washedInkGain } from './glare.ts'

// Re-exported: the tests and transcribe import them from here.
export { closeCrossSimd, medianNetwork, medianSimd } from './simdKernel.ts'

import { MatScope, type Mat, type OpenCv } from './opencv.ts'
import { loadOpenCvRuntime } from './opencvRuntime.ts'
import { ascending, median } from '../../shared/stats.ts'

// Boxed: the Emscripten module object is itself a thenable, so it must never be a promise's value.
let cvPromise: Promise<{ cv: OpenCv }> | null = null

/** The opencv-wasm module, instantiated once per process (vision/opencvRuntime.ts). */
export async function loadOpenCv(): Promise<{ cv: OpenCv }> {
  cvPromise ??= loadOpenCvRuntime()
  return cvPromise
}

/**
 * A gray image shrunk (INTER_AREA) so that its long side is at most `side` px, as a Mat handed to `keep` (the caller
 * deletes it), with its size and the scale from the image to it. The sheet probe and the slope measure work on such
 * copies.
 */
export function shrunkGray(
  cv: OpenCv,
  image: GrayImage,
  side: number,
  keep: <M extends Mat>(m: M) => M
): { small: Mat; w: number; h: number; f: number } {
  const f = Math.min(1, side / Math.max(image.width, image.height))
  const w = Math.max(1, Math.round(image.width * f)),
    h = Math.max(1, Math.round(image.height * f))
  const gray = keep(cv.matFromArray(image.height, image.width, cv.CV_8UC1, image.data))
  const small = keep(new cv.Mat())
  cv.resize(gray, small, new cv.Size(w, h), 0, 0, cv.INTER_AREA)
  return { small, w, h, f }
}

export interface CharBox extends Rect {
  /** How the box came about: a whole component, merged pieces, or a part of a split. */
  origin: 'component' | 'merged' | 'split'
  /**
   * The character's own ink at the working scale: the component labels (in `SegmentResult.labels`) that
   * make it up, within `rect` (the parts of a split share a component and are told apart by columns).
   * Absent on boxes that did not come from segmentPage (e.g. drawn by a person). `rows`, on a piece of a
   * touching pair cut along a path (read/lattice.ts), bounds its ink row by row: in working row `rows.y + i`
   * only the columns [from[i], to[i]) are its own (rows outside the arrays hold none).
   */
  ink?: { labels: number[]; rect: Rect; rows?: { y: number; from: number[]; to: number[] } }
}

export interface SplitCandidate {
  /** The wide box, in input image pixels. */
  box: Rect
  /** The line's median character width, in input image pixels. */
  lineMedianWidth: number
  /** Column ink profile of the box at the working scale (one entry per working column). */
  profile: Float32Array
  /** Cuts the default splitter would make, as x positions in input image pixels. */
  proposedCuts: number[]
}

export interface SegmentOptions {
  /** Character height the page is rescaled to before morphology (default 64). */
  targetCharHeight?: number
  /** A box wider than this × its line's median width is a split candidate (default 1.75). */
  splitWidthRatio?: number
  /** Components with max(w, h) below this fraction of the median character height are specks (default 0.3). */
  speckFraction?: number
  /**
   * … except flat ones (at least 1.5× as wide as tall) at least this fraction of the character height wide
   * (default 0.2): kept as loose strokes, a piece of a broken bar (`SegmentResult.loose`).
   */
  looseFraction?: number
  /**
   * Hook for a smarter splitter (e.g. classifier-guided): return the cut positions (input pixels) to use,
   * [] to keep the box whole, or null to accept the proposed cuts.
   */
  splitter?: (c: SplitCandidate) => number[] | null | Promise<number[] | null>
  /** More components than this after thresholding and the page is refused (default MAX_COMPONENTS). */
  maxComponents?: number
  /**
   * Erase ruled lines, margins and borders (runs of ink longer than 3 character heights and thinner than a
   * fifth of one) before the components, keeping the strokes that cross them (vision/clutter.ts). Default true.
   */
  removeRules?: boolean
  /**
   * Drop what is not writing: a page with no ink darker than the paper's shading gives no boxes; solid
   * blobs and marks cut by the image's edge are not characters (vision/clutter.ts). Default true.
   */
  rejectClutter?: boolean
  /**
   * Estimate the paper's background with a closing, which keeps a hard shadow's edge where it is, instead of the
   * max filter alone, which carries the lit paper's level several character widths into the shade. For images
   * that hold paper only: a sheet cut out of a photo, or a page filling the frame with a shadow across it (on a
   * desk's grain and around the clutter on it the closing leaves letter-sized marks). Set by segmentScan.
   */
  closeBackground?: boolean
  /**
   * A glare's washed-out ink is stretched back where the paper is lit towards white (vision/glare.ts). Default
   * true.
   */
  restoreGlare?: boolean
  /**
   * The image is one sheet of paper cut out of a photo, so lit paper reaching its sides is a glare on it, not a
   * light desk around it (vision/glare.ts). Set by segmentScan.
   */
  wholeSheet?: boolean
}

export interface SegmentResult {
  boxes: CharBox[]
  /** Median character height in input pixels. */
  charHeight: number
  /** Binary ink mask (255 = ink) at the working scale. */
  binary: GrayImage
  /** Working pixels per input pixel of `binary` and `labels`. */
  binaryScale: number
  /** 8-connected component label of every pixel of `binary` (0 = paper), the ids `CharBox.ink` refers to. */
  labels: LabelMap
  /** Background-normalised gray (paper ≈ 255) at the input resolution; crops for the classifier come from here. */
  normalised: GrayImage
  /**
   * Strokes too flat to be characters on their own (lower than 0.4 character heights, no wider than 1.2, not
   * specks): a T's bar or an L's foot that broke off. They are no boxes; the reading stage's lattice offers
   * each as a merge with the box beside it (read/lattice.ts), and the classifier decides.
   */
  loose?: CharBox[]
}

// Median filter and closing run in the WebAssembly SIMD kernel of simdKernel.ts where it is available.

/** cv.medianBlur for an 8-bit single-channel Mat; dst may be src. */
function medianBlur(cv: OpenCv, src: Mat, dst: Mat, k: number): void {
  if ((k !== 3 && k !== 5) || src.type() !== cv.CV_8UC1 || !src.isContinuous() || !getKernel()) {
    cv.medianBlur(src, dst, k)
    return
  }
  // The kernel copies its input into its own memory before it writes: dst may be src. The views are taken after
  // create(), which may grow OpenCV's memory and detach earlier ones.
  if (dst !== src) dst.create(src.rows, src.cols, cv.CV_8UC1)
  medianSimd(src.data, src.cols, src.rows, k === 3 ? 1 : 2, dst.data)
}

/**
 * clutter.ts#looksNegative on the page at ≤ 480 px. Most pages are dark ink on paper, which a sample of every 8th
 * pixel of every 8th row says at once (its median is paper, at mid-grey or lighter): those skip the resize.
 */
function isNegative(cv: OpenCv, gray: Mat): boolean {
  const d = gray.data,
    cols = gray.cols,
    rows = gray.rows
  let sampled = 0,
    darker = 0
  for (let y = 0; y < rows; y += 8)
    for (let i = y * cols, end = i + cols; i < end; i += 8) {
      sampled++
      if (d[i] < 128) darker++
    }
  // Over 55% of the sample at mid-grey or lighter: so is the median, and looksNegative's first test fails.
  if (darker < 0.45 * sampled) return false
  const f = Math.min(1, 480 / Math.max(gray.cols, gray.rows))
  const small = new cv.Mat()
  try {
    const w = Math.max(1, Math.round(gray.cols * f)),
      h = Math.max(1, Math.round(gray.rows * f))
    cv.resize(gray, small, new cv.Size(w, h), 0, 0, cv.INTER_AREA)
    return looksNegative(small.data, w, h)
  } finally {
    small.delete()
  }
}

/**
 * Divides the page by its paper colour so that ink is dark and paper ≈ 255 everywhere. With `closing`, the
 * background estimate is a closing (SegmentOptions.closeBackground).
 */
function normaliseBackground(cv: OpenCv, gray: Mat, closing = false): { norm: Mat; paper: GrayImage } {
  const mats = new MatScope()
  const keep = mats.keep
  try {
    const long = Math.max(gray.cols, gray.rows)
    const f = Math.min(1, 320 / long)
    const small = keep(new cv.Mat())
    cv.resize(
      gray,
      small,
      new cv.Size(Math.max(1, Math.round(gray.cols * f)), Math.max(1, Math.round(gray.rows * f))),
      0,
      0,
      cv.INTER_AREA
    )
    // At ≤320 px strokes are at most a pixel or two wide: a 7×7 max filter erases them, leaving paper.
    const k = keep(cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(7, 7)))
    const bg = keep(new cv.Mat())
    cv.dilate(small, bg, k)
    // The closing's erosion takes the max filter's spread back where the background itself changes sharply (a
    // shadow's edge); on a desk's grain it leaves letter-sized marks, so it is for images of paper only.
    if (closing) cv.erode(bg, bg, k)
    medianBlur(cv, bg, bg, 5)
    cv.GaussianBlur(bg, bg, new cv.Size(9, 9), 0)
    const bgFull = keep(new cv.Mat())
    cv.resize(bg, bgFull, new cv.Size(gray.cols, gray.rows), 0, 0, cv.INTER_LINEAR)
    const out = new cv.Mat(gray.rows, gray.cols, cv.CV_8UC1)
    divideBy(gray.data, bgFull.data, out.data)
    return { norm: out, paper: { width: bg.cols, height: bg.rows, data: new Uint8Array(bg.data) } }
  } finally {
    mats.release()
  }
}

interface Comp {
  x: number
  y: number
  w: number
  h: number
  area: number
  labels: number[]
}

function components(bin: Mat, withLabels = true): { comps: Comp[]; labels: LabelMap } {
  const { n, labels, stats: s } = labelComponents(bin.data, bin.cols, bin.rows, 8, withLabels)
  const comps: Comp[] = []
  for (let i = 1; i < n; i++) {
    comps.push({ x: s[i * 5], y: s[i * 5 + 1], w: s[i * 5 + 2], h: s[i * 5 + 3], area: s[i * 5 + 4], labels: [i] })
  }
  return { comps, labels }
}

/** Median height of character-sized components; ignores specks and page-sized blobs. */
function estimateCharHeight(comps: Comp[], imgH: number): number {
  // Plain loops, not callbacks, on the per-page path (docs/ARCHITECTURE.md, "Per-page code keeps its optimised form").
  const hs: number[] = []
  for (const c of comps) if (c.h >= 6 && c.area >= 12 && c.h < imgH * 0.5) hs.push(c.h)
  if (hs.length === 0) return 0
  const sorted = [...hs].sort(ascending)
  // Fragments and specks drag the median down; characters cluster in the upper part of the distribution.
  const from = (q: number) => {
    const hMax = sorted[Math.floor(hs.length * q)]
    const tall: number[] = []
    for (const h of hs) if (h >= 0.35 * hMax) tall.push(h)
    return median(tall)
  }
  // A few large pieces of clutter (a cable, a mug's rim, a pen around a sheet not found) can be more than the top
  // 5% of a page's pieces, and then they set the scale: the estimate is taken from the 95th, 90th and 80th
  // percentiles, and the one with the most pieces within a factor 1.5 of it is kept (ties: the higher percentile).
  let best = 0,
    bestCount = -1
  for (const q of [0.95, 0.9, 0.8]) {
    const e = from(q)
    let count = 0
    for (const h of hs) if (h >= e / 1.5 && h <= e * 1.5) count++
    if (count > bestCount) {
      best = e
      bestCount = count
    }
  }
  return best
}

function union(a: Comp, b: Comp): Comp {
  const x = Math.min(a.x, b.x),
    y = Math.min(a.y, b.y)
  return {
    x,
    y,
    w: Math.max(a.x + a.w, b.x + b.w) - x,
    h: Math.max(a.y + a.h, b.y + b.h) - y,
    area: a.area + b.area,
    labels: a.labels.concat(b.labels)
  }
}

/**
 * Joins the pieces of one broken character: pieces sharing columns and nearly touching vertically.
 *
 * Each pass scans the pieces left to right and merges the first pair it finds. After a merge the scan
 * does not start again from the left: a merged piece keeps the left edge of its left part, so the order
 * stays sorted, and the only pairs that can have changed are those with the merged piece. The scan resumes
 * at the leftmost piece whose window reaches it, which gives exactly the merges a restart from the left
 * would — in time close to linear in the pieces instead of quadratic per merge (noise pages).
 */
function mergeBroken(comps: Comp[], hMed: number): { comps: Comp[]; merged: Set<Comp> } {
  const merged = new Set<Comp>()
  let list = comps.slice().sort((a, b) => a.x - b.x)
  // The leftmost index whose scan window (its right edge + `reach`) includes the piece at i.
  const resumeAt = (i: number, reach: number): number => {
    let r = i
    for (let q = i - 1; q >= 0; q--) if (list[q].x + list[q].w + reach >= list[i].x) r = q
    return r
  }
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i],
        b = list[j]
      if (b.x > a.x + a.w) break
      const xOv = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)
      const narrow = Math.min(a.w, b.w)
      const vGap = Math.max(a.y, b.y) - Math.min(a.y + a.h, b.y + b.h)
      const u = union(a, b)
      const small = Math.min(a.h, b.h) < 0.6 * hMed
      if (xOv >= 0.5 * narrow && vGap <= 0.3 * hMed && u.h <= 1.35 * hMed && (small || vGap <= 0.12 * hMed)) {
        list.splice(j, 1)
        list[i] = u
        merged.add(u)
        i = resumeAt(i, 0) - 1
        break
      }
    }
  }
  // Side by side: a narrow or small piece practically touching its neighbour, the two together no wider
  // than one character (an R drawn as stem + bowl, a G's detached hook).
  const reach = 0.15 * hMed
  for (let i = 0; i + 1 < list.length; i++) {
    for (let j = i + 1; j < list.length && list[j].x <= list[i].x + list[i].w + reach; j++) {
      const a = list[i],
        b = list[j]
      const gap = Math.max(a.x, b.x) - Math.min(a.x + a.w, b.x + b.w)
      const ov = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y)
      const u = union(a, b)
      const small = Math.min(Math.max(a.w, a.h), Math.max(b.w, b.h)) < 0.5 * hMed
      const narrow = Math.min(a.w, b.w) < 0.3 * hMed
      // A detached stroke (an L's foot) may sit a little further off than a split stem.
      const maxGap = small ? 0.15 * hMed : 0.05 * hMed
      if (
        (small || narrow) &&
        gap <= maxGap &&
        ov >= 0.5 * Math.min(a.h, b.h) &&
        u.w <= 0.85 * hMed &&
        u.h <= 1.35 * hMed
      ) {
        list.splice(j, 1)
        list[i] = u
        merged.add(u)
        i = resumeAt(i, reach) - 1
        break
      }
    }
  }
  list = list.filter((c) => c.labels.length === 1 || merged.has(c))
  return { comps: list, merged }
}

/** A page with more ink components than any page of text has: noise, a photo, a texture. */
export class TooManyComponentsError extends InvalidInputError {
  override name = 'TooManyComponentsError'
}

/**
 * Components after thresholding above which a page is refused. A dense handwritten page has a few
 * thousand characters of one to three pieces each plus specks; 20 000 is several times that, while
 * salt-and-pepper noise or a photo's texture gives tens of thousands.
 */
export const MAX_COMPONENTS = 20_000
/**
 * A vertical stroke from one horizontal line to another at least this many character heights long is a form cell's
 * wall (clutter.ts#removeRules): a cell is at least as tall as the letter written in it.
 */
export const WALL_HEIGHTS = 1.2

/** Pixels of the working (character-height-normalised) image at most (a 40 MP page at scale 0.77). */
export const MAX_WORK_PIXELS = 24e6

export async function segmentPage(image: GrayImage, options: SegmentOptions = {}): Promise<SegmentResult> {
  const { cv } = await loadOpenCv()
  const target = options.targetCharHeight ?? 64
  const splitRatio = options.splitWidthRatio ?? 1.75
  const speckFraction = options.speckFraction ?? 0.3
  const looseFraction = options.looseFraction ?? 0.2
  const rejectClutter = options.rejectClutter ?? true
  const mats = new MatScope()
  const keep = mats.keep
  try {
    const gray = keep(cv.matFromArray(image.height, image.width, cv.CV_8UC1, image.data))
    // White writing on a dark ground (a microfilm negative, an inverted scan) is read as its negative: everything
    // below, the crops for the classifier included, sees dark ink on light paper.
    const inverted = isNegative(cv, gray)
    if (inverted) {
      const d = gray.data // a copy of the image's pixels (matFromArray)
      for (let i = 0; i < d.length; i++) d[i] = 255 - d[i]
    }
    const background = normaliseBackground(cv, gray, options.closeBackground ?? false)
    const norm = keep(background.norm)

    // Pass 1 at ≤1200 px: how tall are the characters? Shrinking by at most half, bilinear sampling still
    // reaches every source pixel and costs a fifth of OpenCV's general area resampling (~10 ms of a 1600-px
    // page); smaller factors (a 4000-px photo) keep INTER_AREA, which never skips a thin stroke.
    const f1 = Math.min(1, 1200 / Math.max(image.width, image.height))
    const probe = keep(new cv.Mat())
    const makeProbe = (): void => {
      cv.resize(
        norm,
        probe,
        new cv.Size(Math.max(1, Math.round(image.width * f1)), Math.max(1, Math.round(image.height * f1))),
        0,
        0,
        f1 >= 0.5 ? cv.INTER_LINEAR : cv.INTER_AREA
      )
      medianBlur(cv, probe, probe, 3)
    }
    makeProbe()
    // A glare: where the paper is lit to white, ink washed towards it is stretched back (glare.ts).
    const washed =
      (options.restoreGlare ?? true)
        ? washedInkGain(
            background.paper,
            { width: probe.cols, height: probe.rows, data: probe.data },
            { wholeSheet: options.wholeSheet ?? false }
          )
        : null
    if (washed) {
      applyInkGain({ width: norm.cols, height: norm.rows, data: norm.data }, washed)
      makeProbe()
    }
    // Light pencil, faded ink, a washed-out scan: ink lighter than mid-grey is stretched until it is mid-grey, as
    // the ink of an ordinary photographed page is, when the page holds enough pixels well below its paper's own
    // noise (clutter.ts#faintInkStretch). Ink at mid-grey or darker, and blank paper, are left as they are.
    const lut = faintInkStretch(probe.data)
    if (lut) {
      const d = norm.data
      for (let i = 0; i < d.length; i++) d[i] = lut[d[i]]
      makeProbe()
    }
    const normalised: GrayImage = { width: image.width, height: image.height, data: new Uint8Array(norm.data) }
    if (rejectClutter && !hasInk(probe.data)) {
      // Blank paper, shading and noise: nothing is darker than ink must be. No boxes, and no upscaling of
      // the noise to character size (which is where the time would go).
      return {
        boxes: [],
        charHeight: image.height / 20,
        binary: { width: probe.cols, height: probe.rows, data: new Uint8Array(probe.cols * probe.rows) },
        binaryScale: f1,
        labels: new Uint16Array(probe.cols * probe.rows),
        normalised
      }
    }
    const probeBin = keep(new cv.Mat())
    cv.threshold(probe, probeBin, 0, 255, cv.THRESH_BINARY_INV | cv.THRESH_OTSU)
    const h1 = estimateCharHeight(components(probeBin, false).comps, probe.rows)
    const charHeightIn = h1 > 0 ? h1 / f1 : image.height / 20
    // The working image is bounded too: a page of tiny marks (noise, texture) would otherwise be upscaled
    // 4× into tens of megapixels before anything could tell it is not text.
    const s = Math.min(4, target / charHeightIn, Math.sqrt(MAX_WORK_PIXELS / (image.width * image.height)))

    // Pass 2 with characters ~target px tall.
    const work = keep(new cv.Mat())
    const ww = Math.max(1, Math.round(image.width * s)),
      wh = Math.max(1, Math.round(image.height * s))
    // The median's footprint is 5 working pixels. Upscaled by s, that is 5 / s input pixels, rounded to an odd size.
    const kSize = 2 * Math.round((5 / s - 1) / 2) + 1
    // The working image before its median: a printed line a pixel or two thin, which the median breaks into dashes
    // or wipes out between a form's cell walls, is still whole there (removeRules below).
    const unfiltered = (options.removeRules ?? true) ? keep(new cv.Mat()) : null
    if (s > 1 && kSize >= 3) {
      // Median before upscaling: same footprint in character units, far fewer pixels.
      const pre = keep(new cv.Mat())
      medianBlur(cv, norm, pre, kSize)
      cv.resize(pre, work, new cv.Size(ww, wh), 0, 0, cv.INTER_LINEAR)
      if (unfiltered) cv.resize(norm, unfiltered, new cv.Size(ww, wh), 0, 0, cv.INTER_LINEAR)
    } else if (s > 1) {
      // Small writing (s > 2.5: characters under ~26 input pixels tall): 5 working pixels are less than the
      // smallest median of the input, whose 3×3 would wipe out strokes a pixel or two wide. Upscale, then filter.
      cv.resize(norm, work, new cv.Size(ww, wh), 0, 0, cv.INTER_LINEAR)
      if (unfiltered) work.copyTo(unfiltered)
      medianBlur(cv, work, work, 5)
    } else {
      cv.resize(norm, work, new cv.Size(ww, wh), 0, 0, cv.INTER_AREA)
      if (unfiltered) work.copyTo(unfiltered)
      medianBlur(cv, work, work, 5)
    }
    const bin = keep(new cv.Mat())
    let level = cv.threshold(work, bin, 0, 255, cv.THRESH_BINARY_INV | cv.THRESH_OTSU)
    // On a nearly blank page Otsu can split the paper texture; ink is always well below the paper level.
    if (level > 215) {
      level = 215
      cv.threshold(work, bin, level, 255, cv.THRESH_BINARY_INV)
    }
    const k = keep(cv.getStructuringElement(cv.MORPH_ELLIPSE, new cv.Size(3, 3)))
    if (getKernel() && bin.isContinuous()) closeCrossSimd(bin.data, ww, wh, bin.data)
    else cv.morphologyEx(bin, bin, cv.MORPH_CLOSE, k)
    if (unfiltered) {
      // Lines are found in the unfiltered ink, at the same level, and erased from the filtered ink too: a form's
      // thin grey cells read 9.3% CER → 2.2% on the tuning pages (docs/BENCHMARKS.md, "Lines in the unfiltered ink").
      cv.threshold(unfiltered, unfiltered, level, 255, cv.THRESH_BINARY_INV)
      const thick = Math.max(2, Math.round(0.2 * target))
      removeRules(unfiltered.data, ww, wh, 3 * target, thick, WALL_HEIGHTS * target, bin.data)
    }
    const { comps: raw, labels } = components(bin)
    const cap = options.maxComponents ?? MAX_COMPONENTS
    if (raw.length > cap) {
      throw new TooManyComponentsError(
        `too many components: ${raw.length} separate marks (at most ${cap} are read); is this a photo of text? ` +
          'Crop the photo to the handwriting, or scan it on plain paper'
      )
    }

    let hMed = estimateCharHeight(raw, wh) || target
    const { comps: mergedComps, merged } = mergeBroken(raw, hMed)
    // Drop specks (and punctuation) and page-scale blobs (borders, shadows), relative to this page. Flat
    // strokes that are no character alone are kept aside as loose strokes.
    const loose: Comp[] = []
    const tall: Comp[] = []
    let chars = mergedComps.filter((c) => {
      const enoughInk = c.area >= 0.015 * hMed * hMed
      const sized = Math.max(c.w, c.h) >= speckFraction * hMed && enoughInk
      // A flat piece smaller than a speck may still be the end of a T's bar that broke off: kept as a loose
      // stroke if clearly wider than tall (a dot of punctuation is not).
      const flatPiece = c.h < 0.4 * hMed && c.w >= 1.5 * c.h && c.w >= looseFraction * hMed && enoughInk
      if ((!sized && !flatPiece) || (rejectClutter && notWriting(c, hMed, ww, wh, (unfiltered ?? bin).data)))
        return false
      if (c.h > TALL_LIMIT * hMed) {
        tall.push(c)
        return false
      }
      if (c.h >= 0.4 * hMed) return true
      if (c.w <= 1.2 * hMed) loose.push(c)
      return false
    })
    // … unless they stand in a row of letters: a heading written much larger than the rest.
    if (tall.length > 0) chars.push(...largeLettersInRows(tall, chars))
    // A staple or a tick alone in a margin is no character either (vision/clutter.ts#strayDashes).
    if (rejectClutter) {
      const stray = strayDashes(chars, labels, ww, hMed)
      if (stray.size > 0) chars = chars.filter((c) => !stray.has(c))
    }
    // Letters of two lines that touch (lines written close together) are one tall component: cut between the lines.
    chars = splitAcrossLines(chars, labels, ww, hMed)
    hMed = median(chars.map((c) => c.h)) || hMed

    // Split touching characters, line by line.
    const lines = groupLines(chars)
    const out: { c: Comp; origin: CharBox['origin'] }[] = []
    for (const line of lines) {
      const widths = line.map((i) => chars[i].w)
      // The median of a short line is dominated by the pair itself; fall back to the page's typical width.
      const mw = line.length >= 4 ? median(widths) : Math.min(median(widths), 0.8 * hMed)
      for (const i of line) {
        const c = chars[i]
        const origin: CharBox['origin'] = merged.has(c) ? 'merged' : 'component'
        // A W or M is naturally wide: only boxes wider than both the line's typical width and ~1.6 character
        // heights are taken for touching pairs.
        if (c.w <= splitRatio * mw || c.w <= 1.6 * hMed) {
          out.push({ c, origin })
          continue
        }
        const profile = columnProfile(c, labels, ww)
        const parts = Math.max(2, Math.round(c.w / mw))
        const cutsLocal = proposeCuts(profile, parts)
        let cuts: number[] | null = cutsLocal.map((x) => (c.x + x) / s)
        if (options.splitter) {
          const decided = await options.splitter({
            box: toInput(c, s, image),
            lineMedianWidth: mw / s,
            profile,
            proposedCuts: cuts
          })
          if (decided) cuts = decided
        }
        if (!cuts || cuts.length === 0) {
          out.push({ c, origin })
          continue
        }
        const local = cuts
          .map((x) => Math.round(x * s - c.x))
          .filter((x) => x > 0 && x < c.w)
          .sort(ascending)
        let start = 0
        for (const cut of [...local, c.w]) {
          const part = tightPart(c, labels, ww, start, cut)
          if (part) out.push({ c: part, origin: 'split' })
          start = cut
        }
      }
    }
    const asBox = (c: Comp, origin: CharBox['origin']): CharBox => ({
      ...toInput(c, s, image),
      origin,
      ink: { labels: c.labels.slice(), rect: { x: c.x, y: c.y, w: c.w, h: c.h } }
    })
    return {
      boxes: out.map(({ c, origin }) => asBox(c, origin)),
      loose: loose.map((c) => asBox(c, merged.has(c) ? 'merged' : 'component')),
      charHeight: hMed / s,
      binary: { width: ww, height: wh, data: new Uint8Array(bin.data) },
      binaryScale: s,
      labels,
      normalised
    }
  } finally {
    mats.release()
  }
}

function toInput(c: Rect, s: number, image: GrayImage): Rect {
  const x0 = Math.max(0, Math.floor(c.x / s)),
    y0 = Math.max(0, Math.floor(c.y / s))
  const x1 = Math.min(image.width, Math.ceil((c.x + c.w) / s)),
    y1 = Math.min(image.height, Math.ceil((c.y + c.h) / s))
  return { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) }
}

/** Ink pixels per column of one (possibly merged) component. */
function columnProfile(c: Comp, labels: LabelMap, stride: number): Float32Array {
  const p = new Float32Array(c.w)
  const own = new Set(c.labels)
  for (let y = c.y; y < c.y + c.h; y++) {
    const row = y * stride
    for (let x = 0; x < c.w; x++) if (own.has(labels[row + c.x + x])) p[x]++
  }
  return p
}

/** Cut columns for `parts` pieces: the lowest (smoothed) ink column near each even division. */
export function proposeCuts(profile: Float32Array, parts: number): number[] {
  const w = profile.length
  const sm = new Float32Array(w)
  for (let x = 0; x < w; x++) {
    let s = 0,
      n = 0
    for (let d = -2; d <= 2; d++)
      if (x + d >= 0 && x + d < w) {
        s += profile[x + d]
        n++
      }
    sm[x] = s / n
  }
  const cuts: number[] = []
  const step = w / parts
  for (let i = 1; i < parts; i++) {
    const centre = i * step
    const lo = Math.max(1, Math.round(centre - 0.35 * step)),
      hi = Math.min(w - 2, Math.round(centre + 0.35 * step))
    let best = Math.round(centre),
      bestV = Infinity
    for (let x = lo; x <= hi; x++) {
      // Prefer low ink, and near the even division when ties.
      const v = sm[x] + 0.02 * Math.abs(x - centre)
      if (v < bestV) {
        bestV = v
        best = x
      }
    }
    cuts.push(best)
  }
  return cuts
}

/**
 * Components that are letters of two neighbouring lines touching each other (a foot on the head of the letter
 * below, where lines are written close together), cut in two between the lines. A component at least
 * `ACROSS_LINES` character heights tall is cut when the pieces of ordinary height beside it (within six character
 * heights either way) stand in two bands, one centred in its upper half and one in its lower half at least 0.9
 * character heights apart: the lines it joins. The cut is the row with the least of its ink between the upper
 * band's median foot and the lower band's median head (a quarter of a character height of slack each way, never
 * within 0.4 of its own ends); each part keeps the rows on its side. A tall letter with no such lines beside it (a
 * heading's capital) stays whole.
 */
function splitAcrossLines(chars: Comp[], labels: LabelMap, stride: number, hMed: number): Comp[] {
  if (!chars.some((c) => c.h >= ACROSS_LINES * hMed)) return chars
  const ordinary = chars.filter((c) => c.h >= 0.5 * hMed && c.h <= 1.4 * hMed)
  const out: Comp[] = []
  // A part may still join two lines (three lines' letters touching in a chain): it is looked at again.
  const todo = chars.slice().reverse()
  while (todo.length > 0) {
    const c = todo.pop()!
    const parts = c.h >= ACROSS_LINES * hMed ? cutBetweenLines(c, ordinary, labels, stride, hMed) : null
    if (parts) todo.push(parts[1], parts[0])
    else out.push(c)
  }
  return out
}

/** splitAcrossLines' cut of one tall component, or null where no two lines stand beside it. */
function cutBetweenLines(
  c: Comp,
  ordinary: readonly Comp[],
  labels: LabelMap,
  stride: number,
  hMed: number
): [Comp, Comp] | null {
  const mid = c.y + c.h / 2
  const beside = ordinary.filter((o) => Math.max(o.x - (c.x + c.w), c.x - (o.x + o.w)) <= 6 * hMed)
  const upper = beside.filter((o) => o.y + o.h / 2 >= c.y && o.y + o.h / 2 < mid)
  const lower = beside.filter((o) => o.y + o.h / 2 >= mid && o.y + o.h / 2 <= c.y + c.h)
  const centre = (g: Comp[]) => median(g.map((o) => o.y + o.h / 2))
  if (upper.length === 0 || lower.length === 0 || centre(lower) - centre(upper) < 0.9 * hMed) return null
  // One long stroke (a streak of a desk's grain, a cable) is no two letters: at least 4 times as long as thick.
  // (Its moments only once two lines stand beside it.)
  if (strokeAxis(c, labels, stride).elongation >= DASH_ELONGATION) return null
  const from = Math.max(c.y + 0.4 * hMed, median(upper.map((o) => o.y + o.h)) - 0.25 * hMed)
  const to = Math.min(c.y + c.h - 0.4 * hMed, median(lower.map((o) => o.y)) + 0.25 * hMed)
  const own = new Set(c.labels)
  let cut = -1,
    least = Infinity
  for (let y = Math.round(from); y <= Math.round(to); y++) {
    let ink = 0
    for (let x = c.x; x < c.x + c.w; x++) if (own.has(labels[y * stride + x])) ink++
    if (ink < least) {
      least = ink
      cut = y
    }
  }
  if (cut <= c.y || cut >= c.y + c.h) return null
  const top = tightPart({ ...c, h: cut - c.y }, labels, stride, 0, c.w)
  const bottom = tightPart({ ...c, y: cut, h: c.y + c.h - cut }, labels, stride, 0, c.w)
  return top && bottom ? [top, bottom] : null
}

/** See splitAcrossLines: a component this many character heights tall or more may be two lines' letters. */
export const ACROSS_LINES = 1.6

/** The tight box of a component's pixels within columns [from, to) of its box. */
function tightPart(c: Comp, labels: LabelMap, stride: number, from: number, to: number): Comp | null {
  const own = new Set(c.labels)
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -1,
    y1 = -1,
    area = 0
  for (let y = c.y; y < c.y + c.h; y++) {
    const row = y * stride
    for (let x = c.x + from; x < c.x + to; x++) {
      if (!own.has(labels[row + x])) continue
      area++
      if (x < x0) x0 = x
      if (x > x1) x1 = x
      if (y < y0) y0 = y
      if (y > y1) y1 = y
    }
  }
  if (area === 0) return null
  return { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1, area, labels: c.labels }
}
