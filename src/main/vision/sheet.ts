// The sheet of paper in a photo: found, then flattened, so that the page pipeline reads only the sheet and
// reads it square. A phone photo of a page on a desk shows wood grain, pens and a mug around the sheet, and
// the segmenter takes their marks for letters; the sheet's perspective tilts the lines of text.
//
// Finding (on a copy ≤ 480 px on its long side): blur; a washed-out photo's levels stretched (stretchLowContrast);
// the smooth regions, which every sharp edge cuts apart, in brightness or, in a colour photo, in chroma (a yellow
// sticky note under the sheet is as bright as the paper); the brightest large one is the candidate; its corners
// are the extreme points along the diagonals (x+y, x−y), which holds for a sheet turned by less than 45°. The
// candidate is taken for a sheet only when it looks like one:
//  - it lies wholly inside the photo (every corner away from the border; a page that fills the frame, like
//    a scan, has no desk to remove and is read as it is) — or, tried only when no region gives such a sheet, it
//    runs off the frame on one to three sides (a photo framed tightly), where its side is the frame's edge,
//  - it covers at least 10% of the photo,
//  - it is a quadrilateral: nearly all of the bright pixels lie inside the corners' polygon and the polygon
//    is mostly bright (the writing and some shade are allowed for),
//  - its corners are near right angles (±35°: perspective and the sheet's own turn),
//  - its edges are edges: along every side the photo is clearly brighter just inside than just outside.
//    A shadow's boundary or a light falloff is gradual and fails this.
// A sheet on a light table (a white sheet on a white table, grey or yellow paper on it) has edges of a few levels
// only, and may be darker than the table: when no sheet and no shaded page is found, the regions are cut again by
// edges of FAINT_STEP levels a pixel, every large one is tried, and a side's step may go either way (FAINT_CONTRAST).
// A sheet running off the frame is looked for only after both.
// A hard shadow across the sheet (the phone's or the hand's holding it) cuts it into a lit and a shaded region
// with a sharp edge between them; a region is also tried joined with a darker neighbour across such an edge, and
// the pair is the sheet when together they pass the tests above (see probeSheet). When no sheet is cut out but a
// lit region and its shade each reach two sides of the frame, the page fills the frame with a shadow across it,
// and it is segmented with the background estimate a cut-out sheet gets (`closeBackground`, segment.ts).
// Flattening: a perspective warp (opencv-wasm warpPerspective) of the polygon, pulled in by 1% so the
// sheet's own edge and drop shadow stay outside, onto a rectangle with the polygon's mean side lengths.
// `toImage` maps the flat sheet's pixels back to the photo's, so every box can be drawn where it was found.
import { labelComponents, type LabelMap } from './cvExact.ts'
import { CHROMA_SIDE, fileFrame, type GrayImage, type LoadedImage } from './image.ts'
import { Levels } from './levels.ts'
import {
  applyH,
  chainOnFrame,
  frameCorners,
  homography,
  insideConvex,
  invertH,
  mapRect,
  polygonArea,
  type Homography,
  type Point
} from './geometry.ts'
import type { Rect } from './layout.ts'
import type { PageTurn } from '../../shared/pagedoc.ts'
import { quarterTurns, turnGray, turnHomography, type QuarterTurns } from './turn.ts'
import { MatScope, type Mat, type OpenCv } from './opencv.ts'
import { loadOpenCv, segmentPage, shrunkGray, type SegmentOptions, type SegmentResult } from './segment.ts'
import { estimateSkew, needsDeslant, needsLevelling } from './skew.ts'
import { ascending, median } from '../../shared/stats.ts'

export interface Sheet {
  /** Corners in the image's pixels: top-left, top-right, bottom-right, bottom-left. */
  corners: [Point, Point, Point, Point]
  /** Share of the polygon covered by bright pixels, and mean brightness step across its sides (0–255). */
  coverage: number
  edgeContrast: number
  /**
   * The sides (top, right, bottom, left) where the sheet runs off the photo, so its side there is the frame's edge
   * (a photo framed tightly); absent when none does.
   */
  frame?: [boolean, boolean, boolean, boolean]
  /**
   * The flattened sheet's height, where it is not its sides' length: a sheet that stands leaning letters upright
   * (levellingSheet) is a parallelogram whose sides are longer than the page is tall.
   */
  flatHeight?: number
}

export interface FlatSheet {
  image: GrayImage
  /** Flat-sheet pixel → image pixel. */
  toImage: Homography
  /** The sheet found in the photo; a page turned without one is the whole frame (`wholeFrame`). */
  sheet: Sheet
  /**
   * Clockwise quarter turns that made the page upright (a page scanned sideways or upside down): `image` is the
   * page turned, and `toImage` maps its pixels back (turnSegmentation). Absent for an upright page.
   */
  turn?: QuarterTurns
}

/** The probe's long side; a colour photo's chroma is kept at this size (LoadedImage.chroma). */
const PROBE_SIDE = CHROMA_SIDE
/** Brightness change per pixel (0–255, on the blurred probe) that counts as an edge. */
const EDGE_STEP = 6
/**
 * The faint pass (a sheet on a light table: a white sheet on a white table, grey or yellow paper on it, seen by a
 * step of a few levels and the drop shadow): edges from FAINT_STEP levels a pixel, and each side's step across it
 * (either way: the sheet may be the darker) at least FAINT_CONTRAST. Chosen on the tuning seeds' `light-desk` pages
 * (docs/BENCHMARKS.md, "A sheet on a light table"): steps 2 and 3, contrasts 6, 8, 10 and 12 tried.
 */
const FAINT_STEP = 2
const FAINT_CONTRAST = 6

/** The sheet of paper in a photo, or null when there is none to cut out (no sheet, or it fills the frame). */
export async function findSheet(image: GrayImage): Promise<Sheet | null> {
  return (await probeSheet(image)).sheet
}

/** What the sheet finder saw: the sheet, or the reason the first candidate was refused; a shaded page filling the frame. */
export interface SheetProbe {
  sheet: Sheet | null
  reason: string
  shadedPage: boolean
}

/** findSheet with the reason a candidate was refused (for tests and for tuning on held-out photos). */
export async function probeSheet(image: GrayImage | LoadedImage): Promise<SheetProbe> {
  let shadedPage = false
  const no = (reason: string) => ({ sheet: null, reason, shadedPage })
  const { cv } = await loadOpenCv()
  const mats = new MatScope()
  const keep = mats.keep
  try {
    const f = Math.min(1, PROBE_SIDE / Math.max(image.width, image.height))
    if (Math.round(image.width * f) < 32 || Math.round(image.height * f) < 32) return no('too small')
    const { small, w: sw, h: sh } = shrunkGray(cv, image, PROBE_SIDE, keep)
    cv.GaussianBlur(small, small, new cv.Size(5, 5), 0)
    stretchLowContrast(small.data)
    const g = small.data
    const c = chromaProbe(cv, image, sw, sh, keep)
    // The regions of the photo cut apart by edges of at least `step` levels a pixel, and the function that looks
    // for the sheet among them: for one wholly inside the photo (`allowFrame` false), or, in a second pass that
    // reuses the first's work, for one running off the frame. `faint`: the pass for a sheet whose edges are faint
    // (a white sheet on a white table, grey paper on it), see below.
    const search = (step: number, faint: boolean): ((allowFrame: boolean) => SheetProbe) => {
      const { n, st, lab, sum, sumC } = smoothRegions(cv, keep, g, c, sw, sh, step)
      const mean = (id: number) => sum[id] / st[id * 5 + 4]
      const sameColour = (a: number, b: number) =>
        !c || Math.abs(sumC[a] / st[a * 5 + 4] - sumC[b] / st[b * 5 + 4]) < SHADE_CHROMA
      const areaOf = (id: number) => st[id * 5 + 4]
      // How many sides of the frame a region's bounding box reaches.
      const sidesReached = (id: number) => {
        const x = st[id * 5],
          y = st[id * 5 + 1],
          w = st[id * 5 + 2],
          h = st[id * 5 + 3]
        return (x <= 2 ? 1 : 0) + (y <= 2 ? 1 : 0) + (x + w >= sw - 2 ? 1 : 0) + (y + h >= sh - 2 ? 1 : 0)
      }
      // The sheet: the brightest (by mean) of the smooth regions that cover at least 10% of the photo. A hard
      // shadow across the sheet (a phone's, a hand's) is a sharp edge too, and cuts the sheet into a lit part and
      // a shaded one, either of which may be the brighter large region, or neither large enough. So every region
      // at least as bright as the brightest large one (and at least MIN_PART of the photo) is tried, from the
      // brightest down, alone and joined with the neighbours that could be its shade; the first that passes every
      // test of sheetFromRegion is the sheet.
      const big = [...Array(n).keys()].filter((i) => i > 0 && areaOf(i) >= 0.1 * sw * sh)
      if (big.length === 0) return () => no('no large smooth region')
      const brightest = big.reduce((a, b) => (mean(b) > mean(a) ? b : a))
      // The faint pass tries every large region, the brightest first: a sheet on a light table may be darker than
      // the table (grey or yellow paper), and the table, reaching the border, fails as a sheet.
      const lit = faint
        ? [...big].sort((a, b) => mean(b) - mean(a))
        : [...Array(n).keys()]
            .filter((i) => i > 0 && areaOf(i) >= MIN_PART * sw * sh && mean(i) >= mean(brightest))
            .sort((a, b) => mean(b) - mean(a))
      let firstReason = ''
      // Each lit region's shade candidates, found once for both passes.
      const shadesOf = new Map<number, number[]>()
      // The region sets the first pass refused that run along one to three sides of the frame: only these can give
      // a sheet in the second (any other try would fail there as it did in the first).
      const retry = new Set<string>()
      const attempt = (ids: number[], allowFrame: boolean, framed: boolean) => {
        const key = ids.join(',')
        if (allowFrame && !retry.has(key)) return null
        const got = sheetFromRegion(lab, ids, sw, sh, g, framed, faint)
        if (!allowFrame && !('quad' in got) && got.canRunOff) retry.add(key)
        return got
      }
      return (allowFrame: boolean): SheetProbe => {
        for (const r of lit) {
          // r alone first (when it is large enough to be a sheet); r joined with its shade replaces it only when that
          // gives a clearly larger sheet (by 15%) that contains r's: the rest of a sheet r is part of, not a
          // neighbour that happens to line up with it.
          let found: (SheetFit & { joined: boolean }) | null = null
          let shades = shadesOf.get(r)
          if (!shades) {
            shades = faint ? [] : shadeCandidates(lab, sw, sh, r, n, (i) => areaOf(i) >= MIN_PART * sw * sh, mean)
            shadesOf.set(r, shades)
          }
          // A page that fills the frame with a hard shadow across it: the lit paper and its shade each reach two
          // sides of the frame (a scan, or a photo taken close). Then r is no sheet running off the frame: its side
          // inside the frame is the shadow's edge, and cutting there would lose the shaded writing.
          const acrossFrame = sidesReached(r) >= 2 ? shades.filter((s) => sidesReached(s) >= 2) : []
          if (acrossFrame.length > 0) shadedPage = true
          // A sheet running off the frame is not looked for in r when r has a shade of its own colour reaching two
          // sides of the frame with it; a darker neighbour of another colour is a desk, not r's shadow.
          if (allowFrame && acrossFrame.some((s) => sameColour(r, s))) continue
          if (areaOf(r) >= 0.1 * sw * sh) {
            const got = attempt([r], allowFrame, allowFrame)
            if (got && 'quad' in got) found = { ...got, joined: false }
            else if (got && r === brightest && !allowFrame) firstReason = got.reason
          }
          const tries = shades.map((s) => [r, s])
          if (shades.length > 1) tries.push([r, ...shades])
          // A sheet found alone is not grown across a darker neighbour to the frame's edge (a desk running off it).
          for (const ids of tries) {
            const got = attempt(ids, allowFrame, allowFrame && !found)
            if (!got || !('quad' in got)) continue
            if (found) {
              const alone = found.quad
              const grown = polygonArea(got.quad) >= 1.15 * polygonArea(alone)
              const slack = 0.02 * Math.sqrt(polygonArea(got.quad))
              if (!grown || !alone.every((p) => insideConvex(grow(got.quad, slack), p[0], p[1]))) continue
            }
            found = { ...got, joined: true }
            break
          }
          if (found) {
            const [qtl, qtr, qbr, qbl] = found.quad
            const up = (p: Point): Point => [p[0] / f, p[1] / f]
            return {
              sheet: {
                corners: [up(qtl), up(qtr), up(qbr), up(qbl)],
                coverage: found.coverage,
                edgeContrast: found.edgeContrast,
                ...(found.frame ? { frame: found.frame } : {})
              },
              reason:
                (found.joined ? 'found (joined across a shadow)' : 'found') +
                (found.frame ? ' (runs off the frame)' : found.cut ? ' (a corner beyond the frame)' : ''),
              shadedPage
            }
          }
        }
        return no(firstReason || 'no sheet')
      }
    }
    // Every region is tried first for a sheet wholly inside the photo, as a sheet on a desk is; then, when none is
    // found and the page is no shaded page filling the frame, for a sheet wholly inside the photo whose edges are
    // faint; only when neither is found, again for a sheet running off the frame on one to three sides (a photo
    // framed tightly), so that no photo whose sheet lies inside the frame is read differently for it.
    const plain = search(EDGE_STEP, false)
    const inside = plain(false)
    if (inside.sheet) return inside
    if (!shadedPage) {
      const faint = search(FAINT_STEP, true)(false)
      if (faint.sheet) return { ...faint, reason: `${faint.reason} (faint edges)` }
    }
    return plain(true)
  } finally {
    mats.release()
  }
}

/**
 * The sheet probe's smooth regions (see probeSheet): pixels of `g` (sw × sh) whose brightness changes by less than
 * `step` per pixel, cut apart by every sharp edge (the sheet's border, strokes, grain, clutter). A shadow or a light
 * falloff on the sheet is gradual and does not cut it, which a brightness threshold would. In a colour photo (`c`,
 * the chroma at the same size) a change of colour cuts too: a yellow sticky note under the sheet's edge is as bright
 * as the paper in gray. Returns the regions' labels and stats, and per region the sums of brightness and chroma.
 * A function of the module rather than a closure of probeSheet: V8 then keeps its optimised code from one page to the
 * next instead of compiling the loops again for every page (docs/BENCHMARKS.md, "Forty-second session").
 */
function smoothRegions(
  cv: OpenCv,
  keep: <M extends Mat>(m: M) => M,
  g: Uint8Array,
  c: Uint8Array | null,
  sw: number,
  sh: number,
  step: number
): { n: number; st: Int32Array; lab: LabelMap; sum: Float64Array; sumC: Float64Array } {
  // The central differences are halves of whole-number differences: (dx / 2)² + (dy / 2)² < step² is
  // dx² + dy² < 4·step², in whole numbers.
  const mask = new Uint8Array(sw * sh)
  const limit = 4 * step * step,
    chromaLimit = 4 * CHROMA_STEP * CHROMA_STEP
  for (let y = 1; y < sh - 1; y++)
    for (let x = 1; x < sw - 1; x++) {
      const i = y * sw + x
      const dx = g[i + 1] - g[i - 1],
        dy = g[i + sw] - g[i - sw]
      if (dx * dx + dy * dy >= limit) continue
      if (c !== null) {
        const cx = c[i + 1] - c[i - 1],
          cy = c[i + sw] - c[i - sw]
        if (cx * cx + cy * cy >= chromaLimit) continue
      }
      mask[i] = 255
    }
  const bin = keep(cv.matFromArray(sh, sw, cv.CV_8UC1, mask))
  // An erosion widens every edge by a pixel, so a faint spot in the sheet's border does not join it to the desk.
  const k = keep(cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(3, 3)))
  cv.erode(bin, bin, k)
  const { n, stats: st, labels: lab } = labelComponents(bin.data, sw, sh, 4)
  // Each region's mean brightness, and in a colour photo its mean chroma (a shadow over paper keeps the paper's
  // colour, a desk has its own).
  const sum = new Float64Array(n)
  const sumC = new Float64Array(n)
  for (let i = 0; i < sw * sh; i++) sum[lab[i]] += g[i]
  if (c !== null) for (let i = 0; i < sw * sh; i++) sumC[lab[i]] += c[i]
  return { n, st, lab, sum, sumC }
}

/**
 * Chroma change per pixel (0–255, on the blurred probe) that counts as an edge: twice EDGE_STEP, since a JPEG's
 * chroma is stored at half resolution and coarser; the sheets found on the tuning photos were the same from 6 to
 * 24 (docs/BENCHMARKS.md, "A sticky note under the sheet's edge").
 */
const CHROMA_STEP = 12

/** A colour photo's chroma (LoadedImage.chroma) at the probe's size, blurred as the gray probe is; null for gray. */
function chromaProbe(
  cv: OpenCv,
  image: GrayImage | LoadedImage,
  sw: number,
  sh: number,
  keep: <M extends Mat>(m: M) => M
): Uint8Array | null {
  const chroma = 'chroma' in image ? image.chroma : undefined
  if (!chroma) return null
  const src = keep(cv.matFromArray(chroma.height, chroma.width, cv.CV_8UC1, chroma.data))
  const out = keep(new cv.Mat())
  cv.resize(src, out, new cv.Size(sw, sh), 0, 0, cv.INTER_AREA)
  cv.GaussianBlur(out, out, new cv.Size(5, 5), 0)
  return out.data
}

/**
 * A hazy or washed-out photo (levels squeezed into a band, as an overexposed or foggy shot has them) in place: when
 * the 1st and 99th percentiles lie less than LOW_RANGE apart, the levels are stretched linearly so they span
 * 20–220. The edge step and the edge contrast the finder asks for are in levels; squeezed to a third, the sheet's
 * border no longer cut it from the desk. A photo with its full range is left as it is.
 */
function stretchLowContrast(g: Uint8Array): void {
  const levels = new Levels(g)
  const lo = levels.at(0.01),
    hi = levels.at(0.99)
  if (hi - lo >= LOW_RANGE || hi <= lo) return
  const k = 200 / (hi - lo)
  for (let i = 0; i < g.length; i++) g[i] = Math.max(0, Math.min(255, Math.round(20 + (g[i] - lo) * k)))
}

/** Below this spread of levels (1st to 99th percentile of the blurred probe) a photo is stretched. */
const LOW_RANGE = 120

/** Mean chroma (0–255) by which a darker neighbour differs from a region when it is no shadow of it. */
const SHADE_CHROMA = 16

/** Probe pixels from the frame's edge within which a region runs along it (the edge pixels and the erosion take 2). */
const FRAME_REACH = 4

/** Share of a side's silhouette points at the frame's edge from which the region touches the frame there. */
const FRAME_TOUCH = 0.03

/** The smallest share of the photo a lit or shaded part of a sheet is looked at. */
const MIN_PART = 0.02

/**
 * Regions that could be the shaded rest of region `r`'s sheet: at least MIN_PART of the photo, darker than `r` by a
 * shadow's factor (30–95% of its mean), and across an edge from it (within 10 probe pixels through edge pixels)
 * along 5–60% of `r`'s outer perimeter: less is a corner brushing a neighbour, more is a desk or a mat all around
 * `r`, not its shade. Longest contact first.
 */
function shadeCandidates(
  lab: LabelMap,
  w: number,
  h: number,
  r: number,
  n: number,
  largeEnough: (id: number) => boolean,
  mean: (id: number) => number
): number[] {
  // Every edge pixel (label 0) within R steps, through edge pixels, of another large region is given to the
  // nearest one (breadth first from all of them at once): the shadow's edge between r and its shade is a band of
  // edge pixels, some 3–10 probe pixels wide depending on its penumbra and its angle.
  const R = 10
  const size = w * h
  const large = new Uint8Array(n)
  for (let o = 1; o < n; o++) large[o] = o !== r && largeEnough(o) ? 1 : 0
  const owner = new Int32Array(size)
  // The walk starts from the large regions' pixels that border an edge pixel (the others can reach no edge pixel
  // first); queues are typed arrays, since a photo's large regions hold most of its pixels.
  let queue = new Int32Array(size),
    next = new Int32Array(size)
  let len = 0
  for (let i = 0; i < size; i++) {
    const o = lab[i]
    if (!large[o]) continue
    owner[i] = o
    const x = i % w
    if ((x > 0 && lab[i - 1] === 0) || (x < w - 1 && lab[i + 1] === 0) || lab[i - w] === 0 || lab[i + w] === 0)
      queue[len++] = i
  }
  const claim = (j: number, o: number): void => {
    if (lab[j] !== 0 || owner[j] !== 0) return
    owner[j] = o
    next[nextLen++] = j
  }
  let nextLen = 0
  for (let d = 1; d <= R && len > 0; d++) {
    nextLen = 0
    for (let k = 0; k < len; k++) {
      const i = queue[k]
      const x = i % w,
        o = owner[i]
      if (x > 0) claim(i - 1, o)
      if (x < w - 1) claim(i + 1, o)
      if (i >= w) claim(i - w, o)
      if (i + w < size) claim(i + w, o)
    }
    ;[queue, next] = [next, queue]
    len = nextLen
  }
  const contact = new Float64Array(n)
  // r's outer perimeter, from its bounding box (its boundary pixels count the writing's holes too).
  let x0 = w,
    y0 = h,
    x1 = 0,
    y1 = 0
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x
      if (lab[i] !== r) continue
      if (x < x0) x0 = x
      if (x > x1) x1 = x
      if (y < y0) y0 = y
      if (y > y1) y1 = y
      // A boundary pixel of r touches the regions that own its outside 4-neighbours; each counts once.
      const a = x > 0 ? owner[i - 1] : 0,
        b = x < w - 1 ? owner[i + 1] : 0,
        c = y > 0 ? owner[i - w] : 0,
        e = y < h - 1 ? owner[i + w] : 0
      if (a > 0) contact[a]++
      if (b > 0 && b !== a) contact[b]++
      if (c > 0 && c !== a && c !== b) contact[c]++
      if (e > 0 && e !== a && e !== b && e !== c) contact[e]++
    }
  const perimeter = 2 * (x1 - x0 + 1 + (y1 - y0 + 1))
  const out: number[] = []
  for (let o = 1; o < n; o++) {
    if (!large[o] || contact[o] === 0) continue
    const ratio = mean(o) / mean(r)
    if (ratio < 0.3 || ratio > 0.95) continue
    if (contact[o] < 0.05 * perimeter || contact[o] >= 0.6 * perimeter) continue
    out.push(o)
  }
  return out.sort((a, b) => contact[b] - contact[a])
}

/** A sheet's quadrilateral in probe pixels, as sheetFromRegion fits it. */
interface SheetFit {
  quad: Point[]
  coverage: number
  edgeContrast: number
  frame?: [boolean, boolean, boolean, boolean]
  /** A corner lies outside the photo (a sheet cut across a corner by the frame). */
  cut?: boolean
}

/**
 * The quadrilateral of the regions `ids` of the label map taken together, when it looks like a sheet (see the
 * file's header), else the first test it fails. With `framed`, the sheet may run off the frame on one to three
 * sides (`frame` in the result says which). With `faint`, each side's step may go either way and need only be
 * FAINT_CONTRAST (a sheet on a light table, see FAINT_STEP).
 */
function sheetFromRegion(
  lab: LabelMap,
  ids: number[],
  sw: number,
  sh: number,
  g: Uint8Array,
  framed = false,
  faint = false
): SheetFit | { reason: string; canRunOff: boolean } {
  // Whether the regions run along one to three sides of the frame, so that a retry with `framed` could differ.
  let canRunOff = false
  const no = (reason: string) => ({ reason, canRunOff })
  const member = regionMask(lab, ids, sw, sh)
  const rough = extremeCorners(member, sw, sh)
  // The extreme points are pulled out by anything bright touching the sheet (a sticky note, a pale desk
  // corner): each side is fitted again as a line through the silhouette points that face it, keeping
  // the majority that agree, and the corners become the sides' intersections.
  const sil = silhouette(member, sw, sh)
  // A photo framed tightly: the sheet runs off the frame on one to three sides (top, right, bottom, left). On such
  // a side the region runs along the frame's edge (within FRAME_REACH probe pixels; the edge pixels and the
  // erosion take two) for at least a quarter of its own extent, and that side of the sheet is the frame's edge.
  // Four such sides are a page filling the frame, which is read whole as before; so is a shaded page (`framed`
  // false: its lit part's side in the frame is a shadow's edge).
  // Per side, its silhouette points and how many of them lie at the frame's edge.
  const sides = [sil.top, sil.right, sil.bottom, sil.left]
  const atEdge = [
    countAtMost(sil.top, 1, FRAME_REACH),
    countAtLeast(sil.right, 0, sw - FRAME_REACH),
    countAtLeast(sil.bottom, 1, sh - FRAME_REACH),
    countAtMost(sil.left, 0, FRAME_REACH)
  ]
  const off = sides.map((pts, i) => pts.length > 0 && atEdge[i] >= 0.25 * pts.length)
  const offCount = off.filter(Boolean).length
  // A side that only partly runs off (a sheet turned, cut across one of its corners by the frame): the region
  // touches the frame's edge there for a few of its points. Its side is fitted as any other, and the corner beyond
  // the frame is where the fitted sides meet, outside the photo.
  const touch = sides.map((pts, i) => atEdge[i] >= Math.max(3, FRAME_TOUCH * pts.length))
  canRunOff = (offCount > 0 && offCount < 4) || (offCount === 0 && touch.some(Boolean))
  // The sides taken for the frame's edge.
  const frame = off.map((o) => framed && canRunOff && o) as [boolean, boolean, boolean, boolean]
  const frameLine = (i: number): Line =>
    [
      { a: 0, b: 1, c: 0 },
      { a: 1, b: 0, c: sw },
      { a: 0, b: 1, c: sh },
      { a: 1, b: 0, c: 0 }
    ][i]
  const side = (i: number, fit: () => Line | null) => (frame[i] ? frameLine(i) : fit())
  const top = side(0, () => fitSide(sil.top, rough[0], rough[1], 'x'))
  const right = side(1, () => fitSide(sil.right, rough[1], rough[2], 'y'))
  const bottom = side(2, () => fitSide(sil.bottom, rough[3], rough[2], 'x'))
  const left = side(3, () => fitSide(sil.left, rough[0], rough[3], 'y'))
  if (!top || !right || !bottom || !left) return no('a side is not straight')
  const quad: Point[] = [meet(top, left), meet(top, right), meet(bottom, right), meet(bottom, left)]
  if (quad.some((p) => !Number.isFinite(p[0]) || !Number.isFinite(p[1]))) return no('parallel sides')
  // Corners on a side that runs off the frame lie on its edge; the others must lie inside it.
  const onFrame = [frame[3] || frame[0], frame[0] || frame[1], frame[1] || frame[2], frame[2] || frame[3]]
  const border = 0.01 * Math.min(sw, sh)
  // The frame sides a corner lies beyond (top, right, bottom, left): with `framed`, a corner may lie beyond sides
  // the region touches (a sheet cut across a corner by the frame).
  const beyond = ([x, y]: Point) => [y < border, x > sw - border, y > sh - border, x < border]
  if (
    quad.some((p, i) => !onFrame[i] && beyond(p).some((b, j) => b && !(framed && canRunOff && (touch[j] || frame[j]))))
  )
    return no('the sheet reaches the border')
  // A corner on a frame side is brought onto the frame, except across a side the region touches: there it is where
  // the sheet's own side leaves the photo, beyond the frame (a sheet in a corner of the frame, turned).
  for (const [i, p] of quad.entries())
    if (onFrame[i]) {
      // Beyond a touched side that is not a frame side (top, right, bottom, left): left where it is.
      const stays = beyond(p).map((b, j) => b && touch[j] && !frame[j])
      if (!stays[1] && !stays[3]) p[0] = Math.min(sw, Math.max(0, p[0]))
      if (!stays[0] && !stays[2]) p[1] = Math.min(sh, Math.max(0, p[1]))
    }
  if (!rightish(quad)) return no('corners far from right angles')
  const area = polygonArea(quad)
  if (area < 0.1 * sw * sh) return no('small polygon')
  // A sheet with a corner outside the photo: what the region covers is judged on the part inside it.
  const cut = quad.some(([x, y]) => x < 0 || y < 0 || x > sw || y > sh)
  let brightInside = 0,
    inside = 0
  for (let y = 0; y < sh; y++)
    for (let x = 0; x < sw; x++)
      if (insideConvex(quad, x + 0.5, y + 0.5)) {
        inside++
        if (member[y * sw + x]) brightInside++
      }
  const coverage = brightInside / (cut ? inside : area)
  if (coverage < 0.4) return no(`the polygon is not mostly the region (${coverage.toFixed(2)})`)
  const edgeContrast = minEdgeContrast(g, sw, sh, quad, frame, cut, faint)
  if (edgeContrast < (faint ? FAINT_CONTRAST : 18)) return no(`soft edges (${edgeContrast.toFixed(0)})`)
  if (frame.some(Boolean)) {
    const beyond = paperBeyond(g, sw, sh, quad, frame)
    if (beyond < PAPER_BEYOND) return no(`paper beyond a side inside the frame (${beyond.toFixed(0)}): a printed line`)
  }
  return { quad, coverage, edgeContrast, ...(frame.some(Boolean) ? { frame } : {}), ...(cut ? { cut } : {}) }
}

/** A convex polygon moved out by `d` from its centroid along each vertex's direction (a tolerance for containment). */
function grow(q: Point[], d: number): Point[] {
  const cx = q.reduce((s, p) => s + p[0], 0) / q.length,
    cy = q.reduce((s, p) => s + p[1], 0) / q.length
  return q.map(([x, y]) => {
    const l = Math.hypot(x - cx, y - cy) || 1
    return [x + ((x - cx) / l) * d, y + ((y - cy) / l) * d]
  })
}

/** A line a·x + b·y = c with (a, b) of unit length. */
interface Line {
  a: number
  b: number
  c: number
}

/** The outer silhouette of a component: per column its top and bottom pixel, per row its left and right. */
function silhouette(member: Uint8Array, w: number, h: number) {
  const top: Point[] = [],
    bottom: Point[] = [],
    left: Point[] = [],
    right: Point[] = []
  for (let x = 0; x < w; x++) {
    let y0 = -1,
      y1 = -1
    for (let y = 0; y < h; y++)
      if (member[y * w + x]) {
        if (y0 < 0) y0 = y
        y1 = y
      }
    if (y0 >= 0) {
      top.push([x + 0.5, y0])
      bottom.push([x + 0.5, y1 + 1])
    }
  }
  for (let y = 0; y < h; y++) {
    let x0 = -1,
      x1 = -1
    for (let x = 0; x < w; x++)
      if (member[y * w + x]) {
        if (x0 < 0) x0 = x
        x1 = x
      }
    if (x0 >= 0) {
      left.push([x0, y + 0.5])
      right.push([x1 + 1, y + 0.5])
    }
  }
  return { top, bottom, left, right }
}

/**
 * A side of the sheet: the silhouette points between the rough corners `a` and `b` (along `axis`), fitted by
 * least squares, then again on the 60% nearest the line, twice. Null when fewer than half of the points lie
 * within 2 px of the final line (the side is not straight: a shadow boundary, a curled page).
 */
function fitSide(points: Point[], a: Point, b: Point, axis: 'x' | 'y'): Line | null {
  const k = axis === 'x' ? 0 : 1
  const lo = Math.min(a[k], b[k]),
    hi = Math.max(a[k], b[k])
  // The middle 80% of the side: near the corners the neighbouring side's points mix in.
  const span = hi - lo
  const all = middlePoints(points, k, lo + 0.1 * span, hi - 0.1 * span)
  let pts = all
  if (pts.length < 8) return null
  let line = lsq(pts)
  for (let round = 0; round < 3; round++) {
    const d = distancesTo(line, pts)
    const cut = [...d].sort(ascending)[Math.floor(0.6 * (d.length - 1))]
    const limit = Math.max(cut, 1)
    const kept: Point[] = []
    for (let i = 0; i < pts.length; i++) if (d[i] <= limit) kept.push(pts[i])
    if (kept.length < 8) break
    pts = kept
    line = lsq(pts)
  }
  let near = 0
  for (const p of all) if (Math.abs(line.a * p[0] + line.b * p[1] - line.c) <= 2) near++
  return near >= 0.5 * all.length ? line : null
}

// fitSide's steps as plain loops in functions of the module: as closures (filter and map callbacks) V8 compiled them
// again for every page (docs/BENCHMARKS.md, "Forty-second session").

/**
 * sheetFromRegion's pixel loops, in functions of their own: inside it they were compiled on-stack mid-loop (OSR) and
 * the whole function again once the loop ended (docs/BENCHMARKS.md, "Forty-second session").
 * The pixels (sw × sh) whose label is one of `ids`: 1, else 0.
 */
function regionMask(lab: LabelMap, ids: number[], sw: number, sh: number): Uint8Array {
  const wanted = new Uint8Array(Math.max(...ids) + 1)
  for (const id of ids) wanted[id] = 1
  const member = new Uint8Array(sw * sh)
  for (let i = 0; i < sw * sh; i++) if (lab[i] < wanted.length) member[i] = wanted[lab[i]]
  return member
}

/** The mask's extreme points along the diagonals: top left, top right, bottom right, bottom left (pixel corners). */
function extremeCorners(member: Uint8Array, sw: number, sh: number): Point[] {
  let tl: Point = [0, 0],
    tr: Point = [0, 0],
    br: Point = [0, 0],
    bl: Point = [0, 0]
  let minS = Infinity,
    maxS = -Infinity,
    minD = Infinity,
    maxD = -Infinity
  for (let y = 0; y < sh; y++)
    for (let x = 0; x < sw; x++) {
      if (!member[y * sw + x]) continue
      const s = x + y,
        d = x - y
      if (s < minS) {
        minS = s
        tl = [x, y]
      }
      if (s > maxS) {
        maxS = s
        br = [x + 1, y + 1]
      }
      if (d > maxD) {
        maxD = d
        tr = [x + 1, y]
      }
      if (d < minD) {
        minD = d
        bl = [x, y + 1]
      }
    }
  return [tl, tr, br, bl]
}

/** The points whose coordinate k lies in [from, to]. */
function middlePoints(points: Point[], k: 0 | 1, from: number, to: number): Point[] {
  const out: Point[] = []
  for (const p of points) if (p[k] >= from && p[k] <= to) out.push(p)
  return out
}

/** Each point's distance from the line. */
function distancesTo(line: Line, pts: Point[]): number[] {
  const d: number[] = new Array<number>(pts.length)
  for (let i = 0; i < pts.length; i++) d[i] = Math.abs(line.a * pts[i][0] + line.b * pts[i][1] - line.c)
  return d
}

/** How many points have coordinate k at most / at least `v`. */
function countAtMost(points: Point[], k: 0 | 1, v: number): number {
  let n = 0
  for (const p of points) if (p[k] <= v) n++
  return n
}
function countAtLeast(points: Point[], k: 0 | 1, v: number): number {
  let n = 0
  for (const p of points) if (p[k] >= v) n++
  return n
}

/** Total least squares line through points. */
function lsq(pts: Point[]): Line {
  const n = pts.length
  const mx = pts.reduce((s, p) => s + p[0], 0) / n,
    my = pts.reduce((s, p) => s + p[1], 0) / n
  let sxx = 0,
    syy = 0,
    sxy = 0
  for (const [x, y] of pts) {
    sxx += (x - mx) ** 2
    syy += (y - my) ** 2
    sxy += (x - mx) * (y - my)
  }
  // The normal is the eigenvector of the scatter matrix with the smaller eigenvalue.
  const theta = 0.5 * Math.atan2(2 * sxy, sxx - syy) + Math.PI / 2
  const a = Math.cos(theta),
    b = Math.sin(theta)
  return { a, b, c: a * mx + b * my }
}

function meet(p: Line, q: Line): Point {
  const det = p.a * q.b - p.b * q.a
  if (Math.abs(det) < 1e-9) return [NaN, NaN]
  return [(p.c * q.b - p.b * q.c) / det, (p.a * q.c - p.c * q.a) / det]
}

/** Every corner of the quadrilateral within 90° ± 35°, and the polygon convex. */
function rightish(q: Point[]): boolean {
  let sign = 0
  for (let i = 0; i < 4; i++) {
    const [px, py] = q[(i + 3) % 4],
      [cx, cy] = q[i],
      [nx, ny] = q[(i + 1) % 4]
    const ax = px - cx,
      ay = py - cy,
      bx = nx - cx,
      by = ny - cy
    const la = Math.hypot(ax, ay),
      lb = Math.hypot(bx, by)
    if (la < 1 || lb < 1) return false
    const cos = (ax * bx + ay * by) / (la * lb)
    if (Math.abs(cos) > Math.sin((35 * Math.PI) / 180)) return false
    const cross = Math.sign(ax * by - ay * bx)
    if (sign === 0) sign = cross
    else if (cross !== sign) return false
  }
  return true
}

/**
 * The smallest, over the four sides (top, right, bottom, left), of the mean brightness just inside minus just
 * outside the side (with `absolute`, of its size either way); the sides `frame` marks (the frame's edge: nothing
 * outside) are not measured.
 */
function minEdgeContrast(
  g: Uint8Array,
  w: number,
  h: number,
  q: Point[],
  frame: boolean[],
  cut = false,
  absolute = false
): number {
  const at = (x: number, y: number) =>
    g[Math.min(h - 1, Math.max(0, Math.round(y))) * w + Math.min(w - 1, Math.max(0, Math.round(x)))]
  let worst = Infinity
  for (const {
    a: [ax, ay],
    b: [bx, by],
    nx,
    ny
  } of innerSides(q, frame)) {
    let sum = 0,
      count = 0
    for (let t = 0.1; t <= 0.9; t += 0.04) {
      const x = ax + (bx - ax) * t,
        y = ay + (by - ay) * t
      // With a corner outside the photo (`cut`), only the part of a side inside it is measured.
      const inFrame = (u: number, v: number) => u >= 0 && v >= 0 && u <= w - 1 && v <= h - 1
      if (cut && !(inFrame(x + 4 * nx, y + 4 * ny) && inFrame(x - 4 * nx, y - 4 * ny))) continue
      sum += at(x + 4 * nx, y + 4 * ny) - at(x - 4 * nx, y - 4 * ny)
      count++
    }
    // A side almost wholly outside the photo has nothing to measure.
    if (cut && count < 5) continue
    worst = Math.min(worst, absolute ? Math.abs(sum / count) : sum / count)
  }
  return worst
}

/**
 * The sides of the quadrilateral `q` that are not the frame's (corner i to corner i + 1), each with its unit normal
 * pointing into `q`.
 */
function* innerSides(q: Point[], frame: boolean[]): Generator<{ a: Point; b: Point; nx: number; ny: number }> {
  const cx = q.reduce((s, p) => s + p[0], 0) / 4,
    cy = q.reduce((s, p) => s + p[1], 0) / 4
  for (let i = 0; i < 4; i++) {
    if (frame[i]) continue
    const a = q[i],
      b = q[(i + 1) % 4]
    const len = Math.hypot(b[0] - a[0], b[1] - a[1])
    const nx = -(b[1] - a[1]) / len,
      ny = (b[0] - a[0]) / len
    const into = (cx - a[0]) * nx + (cy - a[1]) * ny < 0 ? -1 : 1
    yield { a, b, nx: into * nx, ny: into * ny }
  }
}

/**
 * A sheet running off the frame is no sheet when, beyond one of its sides inside the frame, the brightest of what lies
 * there is as bright as the brightest just inside: paper on both sides, so that side is a line printed or ruled across
 * one page (a form's field along the top of a scan), not the sheet's edge against a desk. Levels (0–255, on the
 * blurred probe), set before measuring; the one real sheet running off the frame on the tuning pages differs by 12.5,
 * a form's line by 0 (docs/BENCHMARKS.md, "A form's field along the top of a scan").
 */
const PAPER_BEYOND = 4
/** How far inside and beyond a side paperBeyond looks, probe pixels (6% of the probe's long side). */
const PAPER_REACH = 30

/**
 * The least, over the sides of `q` that are not the frame's, of the difference between the medians (along the side)
 * of the brightest probe pixel 3–PAPER_REACH pixels inside the side and 3–PAPER_REACH pixels beyond it: the letters
 * beside a printed line are dark, but somewhere beyond them is paper. Sides with too little to measure beyond them
 * (the frame within 3 pixels) are left out; none left gives Infinity.
 */
function paperBeyond(g: Uint8Array, w: number, h: number, q: Point[], frame: boolean[]): number {
  let least = Infinity
  for (const {
    a: [ax, ay],
    b: [bx, by],
    nx,
    ny
  } of innerSides(q, frame)) {
    // Per point of the side, the brightest pixel 3…PAPER_REACH probe pixels inside it and beyond it.
    const inside: number[] = [],
      outside: number[] = []
    for (let t = 0.1; t <= 0.9; t += 0.02) {
      const x = ax + (bx - ax) * t,
        y = ay + (by - ay) * t
      for (const [sign, into] of [
        [1, inside],
        [-1, outside]
      ] as const) {
        let best = -1
        for (let d = 3; d <= PAPER_REACH; d++) {
          const u = Math.round(x + sign * d * nx),
            v = Math.round(y + sign * d * ny)
          if (u < 0 || v < 0 || u >= w || v >= h) break
          best = Math.max(best, g[v * w + u])
        }
        if (best >= 0) into.push(best)
      }
    }
    if (outside.length < 10 || inside.length < 10) continue
    least = Math.min(least, median(inside) - median(outside))
  }
  return least
}

/** The sheet warped flat: a rectangle with the polygon's mean side lengths, the sheet's edge left outside. */
export async function flattenSheet(image: GrayImage, sheet: Sheet): Promise<FlatSheet> {
  const { cv } = await loadOpenCv()
  const c = sheet.corners
  const mx = c.reduce((s, p) => s + p[0], 0) / 4,
    my = c.reduce((s, p) => s + p[1], 0) / 4
  // Pulled in by 1% on each side, except where the side is the frame's edge: no sheet edge or shadow to leave
  // out there, and the writing may come close to it.
  const f = sheet.frame ?? [false, false, false, false]
  const keepX = [f[3], f[1], f[1], f[3]],
    keepY = [f[0], f[0], f[2], f[2]]
  const inset = c.map(([x, y], i): Point => [
    keepX[i] ? x : x + 0.01 * (mx - x) * 2,
    keepY[i] ? y : y + 0.01 * (my - y) * 2
  ])
  const side = (a: Point, b: Point) => Math.hypot(b[0] - a[0], b[1] - a[1])
  const W = Math.max(8, Math.round((side(inset[0], inset[1]) + side(inset[3], inset[2])) / 2))
  const H = Math.max(8, sheet.flatHeight ?? Math.round((side(inset[0], inset[3]) + side(inset[1], inset[2])) / 2))
  const toImage = homography(frameCorners(W, H), inset)
  const mats = new MatScope()
  const keep = mats.keep
  try {
    const src = keep(cv.matFromArray(image.height, image.width, cv.CV_8UC1, image.data))
    const M = keep(cv.matFromArray(3, 3, cv.CV_64F, toImage))
    const dst = keep(new cv.Mat())
    // toImage maps destination pixels to source pixels: the inverse map warpPerspective asks for.
    cv.warpPerspective(src, dst, M, new cv.Size(W, H), cv.INTER_LINEAR | cv.WARP_INVERSE_MAP, cv.BORDER_REPLICATE)
    return { image: { width: W, height: H, data: new Uint8Array(dst.data) }, toImage, sheet }
  } finally {
    mats.release()
  }
}

/**
 * A photographed sheet flattened again so that its letters stand upright when they lean (vision/skew.ts, as a page
 * without a sheet is: levellingSheet's parallelogram, here on the flat sheet); the flat sheet as it was when they do
 * not lean. Its slope is the sheet's own edges'.
 */
async function standUpright(flat: FlatSheet): Promise<FlatSheet> {
  const lean = await estimateSkew(flat.image)
  if (!needsDeslant(lean)) return flat
  // Flattened from the flat sheet, not the photo: the corners the shear adds beside the sheet repeat its edge
  // instead of showing the desk.
  const upright = await flattenSheet(flat.image, levellingSheet(flat.image, 0, lean.slant))
  // Upright pixel → the leaning flat sheet's pixel → the image's.
  const { width: W, height: H } = upright.image
  return { image: upright.image, toImage: chainOnFrame(W, H, upright.toImage, flat.toImage), sheet: flat.sheet }
}

/** A flat-sheet point in the image's pixels. */
export function sheetToImage(flat: FlatSheet, x: number, y: number): Point {
  return applyH(flat.toImage, x, y)
}

/**
 * A page's segmentation as the reading stage uses it: of the flattened sheet when the photo shows a sheet lying on
 * a desk (`sheet` then says how to map its pixels back to the photo), else of the whole image. It travels with the
 * page (the page worker, the app's page sessions, the corrections service), so every place that cuts a glyph cuts it
 * from the same pixels the classifier read.
 */
export type PageSegmentation = SegmentResult & {
  sheet?: FlatSheet
  /** Segmented with the background closed (a flattened sheet, a shaded page): a turned page is segmented alike. */
  closeBackground?: boolean
}

/**
 * Finds the sheet; segments the flattened sheet when there is one, else the whole image — levelled first when its
 * writing slopes (vision/skew.ts: a page scanned crooked) and stood upright when its letters lean, through a sheet
 * turned by the slope and sheared by the lean; a photographed sheet's letters are stood upright on the flat sheet.
 */
export async function segmentScan(image: GrayImage, opts?: SegmentOptions): Promise<PageSegmentation> {
  const { sheet, shadedPage } = await probeSheet(image)
  if (!sheet) return segmentFrame(image, shadedPage, opts)
  const flat = await standUpright(await flattenSheet(image, sheet))
  const seg = await segmentPage(flat.image, { ...opts, closeBackground: true, wholeSheet: true })
  // A sheet running off the frame with no ink on it at all: the finder may have taken a stretch of light desk for
  // it (a strip beside the real sheet: a page of writing read as empty, docs/BENCHMARKS.md "Lines read off the
  // desk, and a strip of desk taken for the sheet"). The frame is segmented as if no sheet had been found. Not for
  // a sheet whose four sides were all found in the photo: that is a blank sheet, and reading the desk around it
  // can only add clutter.
  if (seg.boxes.length === 0 && sheet.frame?.some(Boolean)) return segmentFrame(image, shadedPage, opts)
  return { ...seg, sheet: flat, closeBackground: true }
}

/**
 * segmentScan where no sheet is found: the shaded page, or the image levelled by its writing's slope and its letters'
 * lean, or as it is.
 */
async function segmentFrame(image: GrayImage, shadedPage: boolean, opts?: SegmentOptions): Promise<PageSegmentation> {
  if (shadedPage) return { ...(await segmentPage(image, { ...opts, closeBackground: true })), closeBackground: true }
  const level = await levelByWriting(image)
  return level ? { ...(await segmentPage(level.image, opts)), sheet: level } : segmentPage(image, opts)
}

/**
 * The image levelled by the slope of its writing and its letters stood upright when they lean (vision/skew.ts)
 * through a levelling sheet, or null when the writing neither slopes nor leans enough to need it
 * (skew.ts#needsLevelling, #needsDeslant). For a page with no sheet and no shade.
 */
async function levelByWriting(image: GrayImage): Promise<FlatSheet | null> {
  const skew = await estimateSkew(image)
  const level = needsLevelling(skew),
    lean = needsDeslant(skew)
  if (!level && !lean) return null
  return flattenSheet(image, levellingSheet(image, level ? skew.degrees : 0, lean ? skew.slant : 0))
}

/** A quadrilateral's corners through a homography. */
function mapCorners(m: Homography, c: Sheet['corners']): Sheet['corners'] {
  const f = ([x, y]: Point) => applyH(m, x, y)
  return [f(c[0]), f(c[1]), f(c[2]), f(c[3])]
}

/** A sheet made by levellingSheet (or wholeFrame): all four sides the frame's, nothing found in the photo. */
function isLevelling(sheet: Sheet): boolean {
  return sheet.frame?.every(Boolean) === true && sheet.edgeContrast === 0
}

/**
 * The "sheet" that levels a page sloping by `degrees`: a rectangle turned by the slope that holds the whole image,
 * so that flattening it (vision/sheet.ts#flattenSheet) turns the page level and loses none of it. Its sides all
 * run off the frame (`frame`), so nothing is trimmed from them.
 */
export function levellingSheet(image: GrayImage, degrees: number, slant = 0): Sheet {
  const t = (degrees * Math.PI) / 180
  const c = Math.cos(t),
    s = Math.sin(t)
  const W = image.width * c + image.height * Math.abs(s),
    H = image.width * Math.abs(s) + image.height * c
  const cx = image.width / 2,
    cy = image.height / 2
  // Letters leaning by `slant` stand upright on the flat sheet: its column u is the levelled page's points x with
  // x + k·y = u (k = tan slant, y downward from the middle), so the flat sheet is k·H wider and a parallelogram on
  // the levelled page; its height stays H (`flatHeight`), the sides' length being H / cos(slant).
  const k = Math.tan((slant * Math.PI) / 180)
  const Wf = W + Math.abs(k) * H
  const corner = (u: number, v: number): Point => {
    const x = u - k * v
    return [cx + x * c - v * s, cy + x * s + v * c]
  }
  return {
    corners: [corner(-Wf / 2, -H / 2), corner(Wf / 2, -H / 2), corner(Wf / 2, H / 2), corner(-Wf / 2, H / 2)],
    coverage: 1,
    edgeContrast: 0,
    frame: [true, true, true, true],
    ...(k !== 0 ? { flatHeight: Math.round(H) } : {})
  }
}

/** The whole frame of an image as a Sheet: the "sheet" of a page turned without one found (FlatSheet.sheet). */
export function wholeFrame(image: GrayImage): Sheet {
  const W = image.width,
    H = image.height
  return {
    corners: frameCorners(W, H),
    coverage: 1,
    edgeContrast: 0,
    frame: [true, true, true, true]
  }
}

/**
 * A saved page's segmentation as it was read: turned when the PageDoc says its page was read turned (image.turn,
 * degrees clockwise), so its boxes are cut again from the pixels the classifier read.
 */
export async function segmentationAsRead(
  image: GrayImage,
  seg: PageSegmentation,
  turn: PageTurn | undefined
): Promise<PageSegmentation> {
  if (!turn || seg.sheet?.turn) return seg
  return turnSegmentation(image, seg, quarterTurns(turn))
}

/**
 * A page's segmentation with the page turned clockwise by `k` quarter turns: the pixels that were segmented (the
 * flat sheet, or the whole image) turned and segmented again as they were the first time, with `sheet` mapping the
 * turned pixels back to the image's (through the sheet's perspective when there is one). A page read sideways or
 * upside down (read/orientation.ts) is read from this; a saved page that says it was turned (PageDoc image.turn)
 * is cut again from it.
 */
export async function turnSegmentation(
  image: GrayImage,
  found: PageSegmentation,
  k: QuarterTurns,
  opts?: SegmentOptions
): Promise<PageSegmentation> {
  if (found.sheet?.turn) throw new RangeError('turnSegmentation: the page is turned already')
  // A page levelled as it lay (no sheet, the slope of its writing: segmentScan) is turned from the image itself: a
  // sideways page's lines run down the page, so its slope is only measured once it is upright, below.
  const prior = found.sheet && !isLevelling(found.sheet.sheet) ? found.sheet : undefined
  const base = prior?.image ?? image
  const turned = turnGray(base, k)
  const toImage = turnHomography(
    base.width,
    base.height,
    k,
    prior ? (p) => applyH(prior.toImage, p[0], p[1]) : undefined
  )
  // No sheet and no shade: levelled by its writing's slope, as segmentScan levels an upright page.
  const level = !prior && !found.closeBackground ? await levelByWriting(turned) : null
  if (level) {
    const { width: w, height: h } = level.image
    return {
      ...(await segmentPage(level.image, opts)),
      sheet: {
        image: level.image,
        toImage: chainOnFrame(w, h, level.toImage, toImage),
        sheet: { ...level.sheet, corners: mapCorners(toImage, level.sheet.corners) },
        turn: k
      }
    }
  }
  const seg = await segmentPage(turned, {
    ...opts,
    ...(found.closeBackground ? { closeBackground: true } : {}),
    ...(prior ? { wholeSheet: true } : {})
  })
  return {
    ...seg,
    ...(found.closeBackground ? { closeBackground: true } : {}),
    sheet: { image: turned, toImage, sheet: prior?.sheet ?? wholeFrame(image), turn: k }
  }
}

/** A rectangle of the flat sheet → the image file's pixels: the box around its mapped corners, clipped to the file. */
export function sheetRectToFile(image: GrayImage | LoadedImage, flat: FlatSheet, r: Rect): Rect {
  const { scale, width: fullW, height: fullH } = fileFrame(image)
  const m = mapRect(flat.toImage, r)
  const x0 = Math.max(0, Math.floor(m.x / scale)),
    y0 = Math.max(0, Math.floor(m.y / scale))
  const x1 = Math.min(fullW, Math.ceil((m.x + m.w) / scale)),
    y1 = Math.min(fullH, Math.ceil((m.y + m.h) / scale))
  return { x: Math.min(x0, fullW - 1), y: Math.min(y0, fullH - 1), w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) }
}

/**
 * A rectangle in the image file's pixels (a box a person drew or moved) → the flat sheet's pixels: its centre mapped
 * back through the sheet's perspective, its width and height by the lengths of its mid-lines mapped back. (The box
 * around its mapped corners would grow with the sheet's turn, taking in the neighbours of a character drawn tightly.)
 * Clipped to the sheet.
 */
export function fileRectToSheet(image: GrayImage | LoadedImage, flat: FlatSheet, r: Rect): Rect {
  const { scale } = fileFrame(image)
  const back = invertH(flat.toImage)
  const cx = (r.x + r.w / 2) * scale,
    cy = (r.y + r.h / 2) * scale
  const dist = (a: Point, b: Point) => Math.hypot(b[0] - a[0], b[1] - a[1])
  const across = dist(applyH(back, cx - (r.w * scale) / 2, cy), applyH(back, cx + (r.w * scale) / 2, cy))
  const down = dist(applyH(back, cx, cy - (r.h * scale) / 2), applyH(back, cx, cy + (r.h * scale) / 2))
  // A page turned a quarter (FlatSheet.turn odd): the file's across is the sheet's down.
  const [w, h] = flat.turn === 1 || flat.turn === 3 ? [down, across] : [across, down]
  const [fx, fy] = applyH(back, cx, cy)
  const W = flat.image.width,
    H = flat.image.height
  const x0 = Math.min(W - 1, Math.max(0, Math.round(fx - w / 2))),
    y0 = Math.min(H - 1, Math.max(0, Math.round(fy - h / 2)))
  const x1 = Math.min(W, Math.max(x0 + 1, Math.round(fx + w / 2))),
    y1 = Math.min(H, Math.max(y0 + 1, Math.round(fy + h / 2)))
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
}
