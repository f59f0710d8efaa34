// Candidate segments of each text line, for segmentation by recognition (read/decode.ts chooses among
// them). A line's detector boxes (vision/segment.ts, in layout order) are the starting point; around them:
//  - cuts inside a wide box (touching letters): paths from the box's top to its bottom that cross the least
//    of its own ink (cutPaths), placed where that least ink is a local minimum along the box and at most about
//    two strokes (the stroke width is measured on the box's own ink), so a cut goes through a touching point,
//    not through a letter's bowl, and follows the slanted paper between two letters instead of slicing a stub
//    off the neighbour as a straight column would. A piece keeps its side of its cuts, row by row
//    (`CharBox.ink.rows`), so its mask holds one letter. Every run of the pieces between cuts is a candidate,
//    the whole box included;
//  - the parts of one component that the segmenter split (vision/segment.ts) are one unit again: the whole
//    component is cut like any wide box, the segmenter's part boundaries being cuts too, so a pair it split in
//    the wrong place still has its right pieces; its parts stay candidates as they were (kind 'box');
//  - merges of two or three neighbouring boxes that together are no wider than a character and nearly touch
//    (a letter drawn with a gap, a detached bar), or that overlap side by side and are together no wider than
//    a wide letter (a W or M cut in two by a slanted gap);
//  - merges of a box with a loose stroke beside or above it (SegmentResult.loose: a stroke too flat to be a
//    character, such as an L's foot or a T's bar that broke off), as an alternative to the box alone; such a
//    stroke also narrows the word gap it sits in.
// The lattice's nodes are the positions between pieces; a segment spans nodes [from, to). Every candidate
// is an ordinary CharBox with its own ink description (component labels and a working-scale rectangle), so
// the crop, the mask and the classifier see it exactly like a detector box, and a PageDoc box made from it
// can be cut again the same way (transcribe.ts#pageBoxGlyphs regenerates the candidates).
import type { CharBox, SegmentResult } from '../vision/segment.ts'
import { unionRect } from '../core/rect.ts'
import type { PageLayout, Rect } from '../vision/layout.ts'
import { ascending, median } from '../../shared/stats.ts'

export type SegmentKind = 'box' | 'merge' | 'cut'

export interface LatticeSegment {
  from: number
  to: number
  box: CharBox
  kind: SegmentKind
  /**
   * True for every candidate of a box (or of a component the segmenter split) that the lattice cut: its
   * pieces, runs of pieces and the whole. Touching letters are read there, by the touching-letter model
   * when there is one (readLines.ts#prepareLines).
   */
  cutUnit?: boolean
  /** True for a merge of neighbouring boxes (a broken letter?) and for every candidate inside its span. */
  mergeUnit?: boolean
  /**
   * True for a merge wider than the decoder's merges (LatticeOptions.rescueMergeMaxWidth): only the lexicon's second
   * look at a token that is no word may take it (read/wordRescue.ts), never the decoder's own search, so it can
   * only ever complete a word. It marks no other candidate as part of a merge.
   */
  rescueOnly?: boolean
  /**
   * True for a detector box wide enough to be cut (from `cutMinWidths`) that was left whole because
   * `cutAlso` said no: the reader may look at it and ask for its cuts (readLines.ts#prepareLines).
   */
  cutHeld?: boolean
}

/** Segments by where they start, and by where they end (last first): onPaths' sorts (functions of the module, see `ascending`). */
const byFrom = (a: { from: number }, b: { from: number }): number => a.from - b.from
const byToDesc = (a: { to: number }, b: { to: number }): number => b.to - a.to

/**
 * A lattice segment with every property it may later be given (cutUnit, mergeUnit, cutHeld) already there, unset:
 * segments built with them added afterwards took different shapes, and V8 threw away the optimised code of the
 * functions reading them (isPlainBox, segmentFeatures) on every new shape it met (docs/BENCHMARKS.md, "Forty-second
 * session").
 */
function segment(from: number, to: number, box: CharBox, kind: SegmentKind): LatticeSegment {
  return { from, to, box, kind, cutUnit: undefined, mergeUnit: undefined, cutHeld: undefined, rescueOnly: undefined }
}

/** The indices at which `flags` is true, in order (a plain loop on the per-page path, not a callback). */
export function indicesOf(flags: readonly boolean[]): number[] {
  const out: number[] = []
  for (let i = 0; i < flags.length; i++) if (flags[i]) out.push(i)
  return out
}

/** A detector's box that the lattice neither cuts nor merges: the glyph as the detector found it, whole and alone. */
export function isPlainBox(s: LatticeSegment): boolean {
  return s.kind === 'box' && !s.cutUnit && !s.mergeUnit
}

export interface LineLattice {
  line: number
  /** Nodes 0 … nodes − 1; a path goes from 0 to nodes − 1. */
  nodes: number
  segments: LatticeSegment[]
  /** Gap before node k (k ≥ 1) in units of the line's character height, where two detector boxes meet; null inside a box. */
  gaps: (number | null)[]
  /** The line's median box height and width, input pixels. */
  charHeight: number
  charWidth: number
}

export interface LatticeOptions {
  /** A box is cut when at least this many character heights wide … (default 0.8) */
  cutMinHeights?: number
  /**
   * … and at least this many times the line's median width (default 0.8, with the straighter cut paths below; 0.9
   * before them: with the gate below, a box narrower than the line's median is cut only when the touching model
   * doubts it whole; 1.1 before the touching model was read raw, 1.3 before it learnt the reader's own cuts: on
   * pages of touching letters the median box is itself often a pair, docs/BENCHMARKS.md).
   */
  cutMinWidths?: number
  /**
   * With `cutAlso`: a box at least this many median widths wide is always cut (default 1.3); a narrower one
   * (from `cutMinWidths` up) only when `cutAlso(box)` says so — the reader asks after a first look at it
   * (readLines.ts#prepareLines), since cutting every such box doubles the candidates of a page.
   */
  cutSureWidths?: number
  /** Which of the boxes between `cutMinWidths` and `cutSureWidths` to cut (absent: all of them). */
  cutAlso?: (box: CharBox) => boolean
  /**
   * For the reader (readLines.ts#prepareLines), when it has a touching-letter model: a box between
   * `cutMinWidths` and `cutSureWidths` is cut when that model's top probability on the whole box is below
   * this (default 0.9). The touching model reads a pair as no letter (near uniform) and a letter as itself.
   */
  cutGate?: number
  /**
   * For the reader (readLines.ts#prepareLines): the detector boxes its classifier reads with a top probability
   * below this are offered wide merges (`mergeWide`; default 0.3; 0: none). A fragment of a broken letter reads
   * as no character; two letters side by side each read as themselves and keep the 1.2-height limit.
   */
  mergeWideBelow?: number
  /**
   * Merges of two neighbouring boxes (gaps as for any merge) wider than the decoder's, up to this many character heights,
   * for the lexicon's second look only (LatticeSegment.rescueOnly; default RESCUE_MERGE_DEFAULT, 1.5; 0: none): a broken
   * wide letter whose two pieces each read as a letter or digit (an A read 17) gets a candidate whole, which may
   * make its token a word; two letters side by side merged never replace their own reading elsewhere.
   */
  rescueMergeMaxWidth?: number
  /** A cut column crosses at most this many stroke widths of ink (default 2.5). */
  cutMaxStrokes?: number
  /**
   * Cost of a sideways step of a cut's path, against 1 per ink pixel crossed (default 0.4; 0.1 before the slivers
   * below were dropped: straighter paths stray less into the neighbouring letter but no longer meet where two cuts
   * share a gap, docs/BENCHMARKS.md "Thirty-eighth session").
   */
  cutStep?: number
  /**
   * A cut whose piece from the cut kept before it holds at most this many squared stroke widths of ink is dropped,
   * as one with no ink there always is (default 0.5; 0: only those).
   */
  sliverInk?: number
  /**
   * Most cuts per box at local minima of the cut profile (default 16; the even divisions come on top). A run of
   * touching letters has a minimum at every join and others inside its letters' bowls and arms (a Y's fork, a
   * T's bar), and the deepest are not always the joins: with 4, ITY kept four cuts inside the Y and none between
   * the I and the T. Minima are at least 0.1 character heights apart and runs of pieces at most 2.5 wide, so the
   * candidates stay bounded (docs/BENCHMARKS.md, "Up to 16 cuts per box").
   */
  maxCuts?: number
  /** Merged boxes are together at most this many character heights wide (default 1.2) … */
  mergeMaxWidth?: number
  /** … with gaps between them of at most this many character heights (default 0.35). */
  mergeMaxGap?: number
  /** Merges of neighbouring boxes are also offered with a loose stroke that goes with them (default 1; 0: not). */
  mergeLooseGroups?: number
  /** Most neighbouring boxes in one merge (default 4: a W crossed by two gaps is four pieces; 3 before). */
  mergeMaxBoxes?: number
  /**
   * Boxes closer than mergeCloseGap character heights to their neighbours (below 0: overlapping side by side,
   * as the pieces of a letter cut by a slanted gap are) are merged up to this many character heights wide
   * (default 2: a broken W, M or wide N; two letters side by side with paper between them keep mergeMaxWidth).
   */
  mergeCloseMaxWidth?: number
  /**
   * See mergeCloseMaxWidth (default 0.05: the boxes overlap or all but touch, as the pieces of a stroke broken by
   * a thin slanted gap do; 0 before 2026-12-03, docs/BENCHMARKS.md "Wide merges").
   */
  mergeCloseGap?: number
  /**
   * Which boxes may also be merged with their neighbours up to `mergeWideMaxWidth` character heights (gaps as
   * for any merge): the reader passes the boxes its classifier cannot read as one character (a fragment of a
   * broken wide letter: an M whose first stroke broke off, two heights wide). Absent: none.
   */
  mergeWide?: (box: CharBox) => boolean
  /** See mergeWide (default 2: no capital is wider). */
  mergeWideMaxWidth?: number
  /**
   * A run of two or more pieces, or a split component taken whole, is a candidate only up to this many
   * character heights wide (default 2.5): no capital is that wide (the shape prior gives such a box about
   * −14 at three median widths), and a long stroke split into many parts — a desk's grain, a rule — would
   * otherwise give runs quadratic in its pieces (a desk photo: 768 boxes, 63 598 candidates, 40 s).
   * Single pieces and the detector's boxes are always kept, so every path through the line stays.
   */
  maxRunHeights?: number
  /**
   * Cuts on both sides of every upright stroke of a box that is cut (default 1; 0: none): a thin letter pressed
   * into its neighbour (the I of IC, the 1 of 15) shares columns with it, so the least-ink cuts fall inside the
   * neighbour or take the stroke with it, and no candidate holds the I alone. A stroke is a run of columns each
   * with a vertical run of ink at least `strokeCutRun` of the box's ink height, at most `strokeCutWidth` stroke
   * widths wide together (docs/BENCHMARKS.md, "Cuts beside upright strokes").
   */
  strokeCuts?: number
  /**
   * Cuts beside upright strokes run straight down their column where the least-ink path would give some of the
   * stroke to the other side on more than a tenth of the rows (`pathTakesStroke`), instead of along that path
   * (default 1; 0: always the path). Such a path goes round a touching point through the thin letter's stem and leaves
   * the I of RI a piece with half its rows (docs/BENCHMARKS.md, "Straight cuts beside upright strokes").
   */
  strokeCutsStraight?: number
  /**
   * See strokeCutsStraight: only in boxes at least this many times the line's median width (default 1.5: two
   * letters). In boxes of one letter a straight cut beside its own stem (M, N) made a stroke piece the decoder took.
   */
  strokeCutsStraightMinWidths?: number
  /** See strokeCuts (default 0.5). */
  strokeCutRun?: number
  /** See strokeCuts (default 2). */
  strokeCutWidth?: number
  /**
   * A straight cut down the middle of every upright stroke of a cut box that is at least this many times as wide
   * as its narrowest upright stroke (default 1.15; 0: none). Two upright strokes pressed together side by side,
   * the N's last and the D's first of a touching ND, make one band of ink wider than a stroke, which every
   * least-ink path goes around, so one of the two letters always lost its stroke (ND read as N and a D without
   * its stem, O). Cut down the middle, each keeps half the band (docs/BENCHMARKS.md, "Two strokes pressed
   * together").
   */
  strokeMidMin?: number
  /** See strokeMidMin: bands wider than this many narrowest strokes are no pair of strokes (default 3). */
  strokeMidMax?: number
  /** Turn candidates off: only the detector's boxes (default false). */
  detectorOnly?: boolean
  /**
   * A page with more detector boxes than this gets no cuts or merges (default 3000): beyond the characters of
   * a dense handwritten page it is mostly texture, and its candidates would cost minutes to classify.
   */
  maxBoxes?: number
}

/**
 * Widest rescue-only merge, in character heights (LatticeOptions.rescueMergeMaxWidth): about the widest one letter
 * is written (a W, an M). Chosen on the tuning pages against 2, which read the same there but for one broken page; on
 * validation 2 also merged a W with the I beside it (NOWI read NOW). docs/BENCHMARKS.md, "Forty-seventh session".
 */
export const RESCUE_MERGE_DEFAULT = 1.5

/** Defaults of the merge thresholds the reader uses (LatticeOptions.mergeCloseGap, mergeWideMaxWidth, mergeWideBelow). */
export const MERGE_DEFAULTS = { closeGap: 0.05, wideMaxWidth: 2, wideBelow: 0.3 } as const

/** Defaults of the cut thresholds (LatticeOptions.cutMinHeights, cutMinWidths, cutSureWidths, cutGate). */
export const CUT_DEFAULTS = { minHeights: 0.8, minWidths: 0.8, sureWidths: 1.3, gate: 0.9 } as const

type Seg = Pick<SegmentResult, 'labels' | 'binary' | 'binaryScale' | 'normalised'> &
  Pick<Partial<SegmentResult>, 'loose'>

/**
 * The loose strokes of each line: a stroke belongs to the line whose box band (top − 0.25 H … bottom + 0.25 H)
 * holds its middle, the nearest line's middle when several do.
 */
function looseByLine(loose: readonly CharBox[], lines: Map<number, CharBox[]>): Map<number, CharBox[]> {
  const bands = [...lines.entries()].map(([line, boxes]) => {
    const H = median(boxes.map((b) => b.h))
    const top = Math.min(...boxes.map((b) => b.y)),
      bottom = Math.max(...boxes.map((b) => b.y + b.h))
    return { line, lo: top - 0.25 * H, hi: bottom + 0.25 * H, mid: (top + bottom) / 2 }
  })
  const out = new Map<number, CharBox[]>()
  for (const p of loose) {
    const cy = p.y + p.h / 2
    let best: (typeof bands)[number] | null = null
    for (const b of bands)
      if (cy >= b.lo && cy <= b.hi && (!best || Math.abs(cy - b.mid) < Math.abs(cy - best.mid))) best = b
    if (!best) continue
    const l = out.get(best.line)
    if (l) l.push(p)
    else out.set(best.line, [p])
  }
  return out
}

/** Horizontal distance between two rectangles (negative when they overlap). */
function xGap(a: Rect, b: Rect): number {
  return Math.max(a.x, b.x) - Math.min(a.x + a.w, b.x + b.w)
}

/** A working-scale rectangle in input pixels, clipped to the image (as segment.ts maps its boxes). */
function toInput(r: Rect, s: number, img: { width: number; height: number }): Rect {
  const x0 = Math.max(0, Math.floor(r.x / s)),
    y0 = Math.max(0, Math.floor(r.y / s))
  const x1 = Math.min(img.width, Math.ceil((r.x + r.w) / s)),
    y1 = Math.min(img.height, Math.ceil((r.y + r.h) / s))
  return { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) }
}

/**
 * The vertical runs of a box's own ink, from its own-ink mask (w × h, row-major), in one pass: their median (the
 * stroke width) and, per column, the longest (what `strokeSides` looks for upright strokes in).
 */
export function columnRuns(mask: Uint8Array, w: number, h: number): { stroke: number; longest: Int32Array } {
  const runs: number[] = []
  const longest = new Int32Array(w)
  const end = (cx: number, run: number) => {
    runs.push(run)
    if (run > longest[cx]) longest[cx] = run
  }
  for (let cx = 0; cx < w; cx++) {
    let run = 0
    for (let cy = 0; cy < h; cy++) {
      if (mask[cy * w + cx]) run++
      else if (run > 0) {
        end(cx, run)
        run = 0
      }
    }
    if (run > 0) end(cx, run)
  }
  return { stroke: Math.max(1, median(runs)), longest }
}

/**
 * Cut columns (relative to the ink rectangle) of a wide box, left to right, from its cut profile (per column,
 * the ink a cut there must cross: cutPaths' cost): the deepest local minima that cross at most
 * `cutMaxStrokes` stroke widths, and — for touching letters joined by a thick stroke, where no cut is thin —
 * the lowest column near each even division of the box into the number of characters its width suggests
 * (`charWidthWork`: the line's median width, working pixels).
 */
export function cutColumns(
  profile: Float32Array,
  stroke: number,
  charHeightWork: number,
  charWidthWork: number,
  opts: Pick<LatticeOptions, 'cutMaxStrokes' | 'maxCuts'> = {}
): number[] {
  const w = profile.length
  const maxInk = (opts.cutMaxStrokes ?? 2.5) * stroke
  const maxCuts = opts.maxCuts ?? 16
  const margin = Math.max(2, Math.round(0.1 * charHeightWork))
  const sm = new Float32Array(w)
  for (let x = 0; x < w; x++) {
    let s = 0,
      n = 0
    for (let d = -1; d <= 1; d++)
      if (x + d >= 0 && x + d < w) {
        s += profile[x + d]
        n++
      }
    sm[x] = s / n
  }
  const minima: number[] = []
  for (let x = margin; x < w - margin; x++) {
    if (sm[x] > maxInk) continue
    // A local minimum (plateaus: their first column).
    if (sm[x] <= sm[x - 1] && sm[x] <= sm[x + 1] && !(sm[x] === sm[x - 1] && minima.includes(x - 1))) minima.push(x)
  }
  // Lowest first; keep those far enough from the ones kept.
  minima.sort((a, b) => sm[a] - sm[b] || a - b)
  const kept: number[] = []
  for (const x of minima) {
    if (kept.length >= maxCuts) break
    if (kept.every((k) => Math.abs(k - x) >= margin)) kept.push(x)
  }
  // Width alone tells the count only roughly (narrow letters): the estimate and one more.
  const est = Math.max(2, Math.round(w / Math.max(1, charWidthWork)))
  for (const parts of [est, est + 1]) {
    const step = w / parts
    for (let i = 1; i < parts; i++) {
      const lo = Math.max(margin, Math.round(i * step - 0.25 * step)),
        hi = Math.min(w - margin - 1, Math.round(i * step + 0.25 * step))
      let best = -1
      for (let x = lo; x <= hi; x++) if (best < 0 || sm[x] < sm[best]) best = x
      if (best >= 0 && kept.every((k) => Math.abs(k - best) >= margin / 2)) kept.push(best)
    }
  }
  return kept.sort(ascending)
}

/**
 * The upright strokes of a box: runs of columns [start, end) whose longest vertical ink run (`columnRuns`) is at
 * least `strokeCutRun` of its ink height `h`.
 */
function uprightBands(longest: Int32Array, h: number, opts: Pick<LatticeOptions, 'strokeCutRun'>): [number, number][] {
  const w = longest.length
  const minRun = (opts.strokeCutRun ?? 0.5) * h
  const bands: [number, number][] = []
  for (let x = 0; x < w;) {
    if (longest[x] < minRun) {
      x++
      continue
    }
    let e = x
    while (e + 1 < w && longest[e + 1] >= minRun) e++
    bands.push([x, e + 1])
    x = e + 1
  }
  return bands
}

/**
 * Whether the least-ink path `p` of a cut beside an upright stroke (column `c`, just left of a band that starts at
 * c + 1 or just right of one that ends at c) gives some of that stroke's ink to the other side on more than a tenth
 * of the rows: a path that goes round a serif or a touching point through the stroke leaves the thin letter short.
 */
export function pathTakesStroke(
  mask: Uint8Array,
  w: number,
  h: number,
  p: Int32Array,
  c: number,
  bands: [number, number][]
): boolean {
  let rows = 0
  for (const [x0, x1] of bands) {
    const right = x0 === c + 1,
      left = x1 === c
    if (!right && !left) continue
    for (let r = 0; r < h; r++) {
      let lost = false
      // A stroke to the right keeps the columns from p[r] on; one to the left those before p[r].
      if (right) for (let x = x0; x < Math.min(x1, p[r]) && !lost; x++) lost = mask[r * w + x] === 1
      else for (let x = Math.max(x0, p[r]); x < x1 && !lost; x++) lost = mask[r * w + x] === 1
      if (lost) rows++
    }
  }
  return rows > 0.1 * h
}

/**
 * The upright strokes a cut is made beside (`strokeSides`) and kept whole by a straight cut (`pathTakesStroke`): the
 * `uprightBands` at most `strokeCutWidth` stroke widths wide (a wider band is a blob or two strokes pressed together).
 */
export function strokeBands(
  longest: Int32Array,
  h: number,
  stroke: number,
  opts: Pick<LatticeOptions, 'strokeCutRun' | 'strokeCutWidth'>
): [number, number][] {
  const maxW = (opts.strokeCutWidth ?? 2) * stroke
  return uprightBands(longest, h, opts).filter(([x, end]) => end - x <= maxW)
}

/**
 * Columns just left and right of each upright stroke of a box (LatticeOptions.strokeCuts, `strokeBands`), from the
 * longest vertical ink run of each of its columns (`columnRuns`), its ink height `h` and stroke width; at least
 * `margin` columns from its sides, each column once (two strokes one column apart share the column between them).
 */
export function strokeSides(
  longest: Int32Array,
  h: number,
  stroke: number,
  margin: number,
  opts: Pick<LatticeOptions, 'strokeCutRun' | 'strokeCutWidth'>
): number[] {
  const w = longest.length
  const out: number[] = []
  for (const [x, end] of strokeBands(longest, h, stroke, opts)) {
    if (x - 1 >= margin && out[out.length - 1] !== x - 1) out.push(x - 1)
    if (end <= w - 1 - margin) out.push(end)
  }
  return out
}

/**
 * The middle columns of the upright strokes of a box (as in `strokeSides`) that are between `strokeMidMin` and
 * `strokeMidMax` times as wide as its narrowest upright stroke (LatticeOptions.strokeMidMin): two strokes pressed
 * together; at least `margin` columns from the box's sides. A box with one upright stroke measures it against
 * `stroke` (its median vertical run).
 */
export function strokeMiddles(
  longest: Int32Array,
  h: number,
  stroke: number,
  margin: number,
  opts: Pick<LatticeOptions, 'strokeCutRun' | 'strokeMidMin' | 'strokeMidMax'>
): number[] {
  const min = opts.strokeMidMin ?? 1.15
  if (min <= 0) return []
  const w = longest.length
  const bands = uprightBands(longest, h, opts)
  // A stroke's width from the box's own upright strokes (the narrowest of those at least half the median vertical
  // run: a slanted stroke's few upright columns are not one), else from its vertical runs.
  const widths = bands.map(([a, b]) => b - a).filter((x) => x >= 0.5 * stroke)
  const ref = widths.length >= 2 ? Math.min(...widths) : stroke
  const hi = (opts.strokeMidMax ?? 3) * ref
  const out: number[] = []
  for (const [a, b] of bands) {
    const mid = (a + b) >> 1
    if (b - a >= min * ref && b - a <= hi && mid >= margin && mid <= w - 1 - margin) out.push(mid)
  }
  return out
}

/**
 * The segments that lie on some path from node 0 to node `nodes` − 1, in their order. A cut with none of a box's ink
 * between it and the box's side gives an empty piece there, so nothing reaches it (or nothing leaves it), and every
 * piece from (to) it, a copy of one from (to) the side, could never be chosen: it is not built into the lattice, and
 * so not cropped or classified (3–4% of the candidates on the sample and hard pages). Decoding is unchanged.
 */
export function onPaths<S extends { from: number; to: number }>(segments: S[], nodes: number): S[] {
  const fwd = new Uint8Array(nodes),
    bwd = new Uint8Array(nodes)
  fwd[0] = 1
  bwd[nodes - 1] = 1
  // Every segment goes forward (from < to), so one pass in order of `from` (of `to`, backwards) finds them all.
  for (const s of [...segments].sort(byFrom)) if (fwd[s.from]) fwd[s.to] = 1
  for (const s of [...segments].sort(byToDesc)) if (bwd[s.to]) bwd[s.from] = 1
  const kept = segments.filter((s) => fwd[s.from] && bwd[s.to])
  return kept.length === segments.length ? segments : kept
}

/**
 * Whether more than `most` pixels of `mask`'s ink (w wide; default 0: any) lie between two cut paths (`left[r]` ≤ x <
 * `right[r]` on row r).
 */
export function inkBetween(mask: Uint8Array, w: number, left: Int32Array, right: Int32Array, most = 0): boolean {
  let n = 0
  for (let r = 0; r < left.length; r++)
    for (let x = left[r]; x < right[r]; x++) if (mask[r * w + x] && ++n > most) return true
  return false
}

/** The box's own ink as a mask over its ink rectangle (row-major, rect.w × rect.h). */
function ownInkMask(seg: Seg, ink: NonNullable<CharBox['ink']>): Uint8Array {
  const { x, y, w, h } = ink.rect
  const ww = seg.binary.width
  const own = new Set(ink.labels)
  const m = new Uint8Array(w * h)
  for (let cy = 0; cy < h; cy++)
    for (let cx = 0; cx < w; cx++) if (own.has(seg.labels[(y + cy) * ww + x + cx])) m[cy * w + cx] = 1
  return m
}

/**
 * Cuts along paths through an ink mask (w × h, row-major): a path runs from the top row to the bottom one,
 * moving at most one column a row, and costs 1 for every ink pixel it crosses plus `step` for every sideways
 * move. `cost[x]` is the cost of the cheapest path through column x of the middle row (the ink a cut there
 * must cross at least: a straight gap costs 0, a touching point a stroke width, a bowl two), and `path(x)`
 * that path as, for every row, the column where the right part begins (the left part keeps the columns
 * before it). So a cut between slanted letters follows the paper between them and crosses ink only where
 * they touch, where a straight column would slice a stub off the neighbour.
 */
export function cutPaths(
  mask: Uint8Array,
  w: number,
  h: number,
  step = 0.4
): { cost: Float32Array; path: (x: number) => Int32Array } {
  // Forward (top → row y) and backward (bottom → row y) costs, each with the move it came by.
  const fwd = new Float64Array(w * h),
    bwd = new Float64Array(w * h)
  const fFrom = new Int8Array(w * h),
    bFrom = new Int8Array(w * h)
  for (let x = 0; x < w; x++) {
    fwd[x] = mask[x]
    bwd[(h - 1) * w + x] = mask[(h - 1) * w + x]
  }
  for (let y = 1; y < h; y++) relaxRow(mask, w, step, fwd, fFrom, y, y - 1)
  for (let y = h - 2; y >= 0; y--) relaxRow(mask, w, step, bwd, bFrom, y, y + 1)
  const m = h >> 1
  const cost = new Float32Array(w)
  for (let x = 0; x < w; x++) cost[x] = fwd[m * w + x] + bwd[m * w + x] - mask[m * w + x]
  return { cost, path: (x0: number): Int32Array => tracePath(fFrom, bFrom, w, h, x0) }
}

// cutPaths' loops are functions of the module, not closures: V8 compiled a closure's loops again for every page
// (docs/BENCHMARKS.md, "Forty-second session").

/** One row of cutPaths' costs from the row before it (prevY), with the move each came by. */
function relaxRow(
  mask: Uint8Array,
  w: number,
  step: number,
  dst: Float64Array,
  from: Int8Array,
  y: number,
  prevY: number
): void {
  for (let x = 0; x < w; x++) {
    let best = dst[prevY * w + x],
      d = 0
    if (x > 0 && dst[prevY * w + x - 1] + step < best) {
      best = dst[prevY * w + x - 1] + step
      d = -1
    }
    if (x < w - 1 && dst[prevY * w + x + 1] + step < best) {
      best = dst[prevY * w + x + 1] + step
      d = 1
    }
    dst[y * w + x] = best + mask[y * w + x]
    from[y * w + x] = d
  }
}

/** cutPaths' path through column x0 of the middle row, from the moves the costs came by. */
function tracePath(fFrom: Int8Array, bFrom: Int8Array, w: number, h: number, x0: number): Int32Array {
  const m = h >> 1
  const p = new Int32Array(h)
  let x = x0
  for (let y = m; y >= 0; y--) {
    p[y] = x
    x += fFrom[y * w + x]
  }
  x = x0
  for (let y = m; y < h; y++) {
    p[y] = x
    x += bFrom[y * w + x]
  }
  return p
}

/**
 * The box of a part of `box`: its own ink between two cut paths (per row of its ink rectangle, the columns
 * [left[row], right[row]) relative to the rectangle). The part's ink keeps those bounds (`ink.rows`) so the
 * mask of its crop holds its own side of the cut only. With `index` (`inkIndex` of the box's own-ink mask) each row's
 * ink is looked up instead of scanned: the same rectangle.
 */
function partBox(
  seg: Seg,
  box: CharBox,
  left: Int32Array,
  right: Int32Array,
  index: InkIndex | null = null
): CharBox | null {
  const ink = box.ink!
  const ww = seg.binary.width
  const own = index ? null : new Set(ink.labels)
  const w = ink.rect.w
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -1,
    y1 = -1
  const from: number[] = [],
    to: number[] = []
  for (let r = 0; r < ink.rect.h; r++) {
    const y = ink.rect.y + r
    const a = ink.rect.x + left[r],
      b = ink.rect.x + Math.max(left[r], right[r])
    from.push(a)
    to.push(b)
    if (index) {
      // The row's first ink at or after a and last before b, from the unit's index (columns of its ink rectangle).
      const ra = left[r],
        rb = Math.max(left[r], right[r])
      if (ra >= w) continue
      const first = index.next[r * w + ra]
      if (first >= rb) continue
      const last = index.last[r * (w + 1) + rb]
      if (ink.rect.x + first < x0) x0 = ink.rect.x + first
      if (ink.rect.x + last > x1) x1 = ink.rect.x + last
      if (y < y0) y0 = y
      if (y > y1) y1 = y
      continue
    }
    for (let x = a; x < b; x++) {
      if (!own!.has(seg.labels[y * ww + x])) continue
      if (x < x0) x0 = x
      if (x > x1) x1 = x
      if (y < y0) y0 = y
      if (y > y1) y1 = y
    }
  }
  if (x1 < 0) return null
  const rect = { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 }
  const rows = { y: ink.rect.y, from: from.slice(), to: to.slice() }
  return { ...toInput(rect, seg.binaryScale, seg.normalised), origin: 'split', ink: { labels: ink.labels, rect, rows } }
}

/**
 * Per row of an own-ink mask (w × h): `next[r·w + x]`, the first ink column at or after x (w if none), and
 * `last[r·(w + 1) + x]`, the last ink column before x (−1 if none). A piece between two cut paths then finds its ink
 * rectangle in one step a row instead of a scan of its columns (partBox: every run of pieces of a cut box).
 */
interface InkIndex {
  next: Int32Array
  last: Int32Array
}

function inkIndex(mask: Uint8Array, w: number, h: number): InkIndex {
  const next = new Int32Array(w * h),
    last = new Int32Array((w + 1) * h)
  for (let r = 0; r < h; r++) {
    let n = w
    for (let x = w - 1; x >= 0; x--) {
      if (mask[r * w + x]) n = x
      next[r * w + x] = n
    }
    let l = -1
    last[r * (w + 1)] = -1
    for (let x = 0; x < w; x++) {
      if (mask[r * w + x]) l = x
      last[r * (w + 1) + x + 1] = l
    }
  }
  return { next, last }
}

function mergeBoxes(boxes: readonly CharBox[]): CharBox | null {
  if (boxes.some((b) => !b.ink)) return null
  const labels = [...new Set(boxes.flatMap((b) => b.ink!.labels))]
  return { ...unionRect(boxes), origin: 'merged', ink: { labels, rect: unionRect(boxes.map((b) => b.ink!.rect)) } }
}

/** Whether two neighbouring detector boxes are parts of one component the segmenter split. */
function sameSplit(a: CharBox, b: CharBox): boolean {
  if (a.origin !== 'split' || b.origin !== 'split' || !a.ink || !b.ink) return false
  const la = a.ink.labels,
    lb = b.ink.labels
  return la.length === lb.length && la.every((l, i) => l === lb[i]) && a.ink.rect.x < b.ink.rect.x
}

/** The component the segmenter split, from its parts: their rectangles' union, their shared labels. */
function joinParts(parts: readonly CharBox[]): CharBox {
  return {
    ...unionRect(parts),
    origin: 'component',
    ink: { labels: parts[0].ink!.labels, rect: unionRect(parts.map((q) => q.ink!.rect)) }
  }
}

/** The candidate lattice of every line of a laid-out page. */
export function buildLattices(seg: Seg, layout: PageLayout<CharBox>, opts: LatticeOptions = {}): LineLattice[] {
  const cutH = opts.cutMinHeights ?? CUT_DEFAULTS.minHeights
  const cutW = opts.cutMinWidths ?? CUT_DEFAULTS.minWidths
  const mergeW = opts.mergeMaxWidth ?? 1.2
  const mergeGap = opts.mergeMaxGap ?? 0.35
  const mergeMost = opts.mergeMaxBoxes ?? 4
  const mergeCloseW = opts.mergeCloseMaxWidth ?? 2
  const mergeCloseGap = opts.mergeCloseGap ?? MERGE_DEFAULTS.closeGap
  const mergeWideW = opts.mergeWideMaxWidth ?? MERGE_DEFAULTS.wideMaxWidth
  const maxRun = opts.maxRunHeights ?? 2.5
  const rescueW = opts.rescueMergeMaxWidth ?? RESCUE_MERGE_DEFAULT
  if (!opts.detectorOnly && layout.boxes.length > (opts.maxBoxes ?? 3000))
    return buildLattices(seg, layout, { ...opts, detectorOnly: true })
  const byLine = new Map<number, CharBox[]>()
  for (const b of layout.boxes) {
    const l = byLine.get(b.line)
    if (l) l.push(b.box)
    else byLine.set(b.line, [b.box])
  }
  const looseOf =
    opts.detectorOnly || !seg.loose?.length ? new Map<number, CharBox[]>() : looseByLine(seg.loose, byLine)
  const out: LineLattice[] = []
  for (const [line, boxes] of [...byLine.entries()].sort((a, b) => a[0] - b[0])) {
    const H = Math.max(1, median(boxes.map((b) => b.h)))
    const W = Math.max(1, median(boxes.map((b) => b.w)))
    // A loose stroke goes with a box it nearly touches, the two no wider than a merge may be.
    const loose = looseOf.get(line) ?? []
    const attaches = (b: CharBox, p: CharBox) =>
      xGap(b, p) <= mergeGap * H && Math.max(b.x + b.w, p.x + p.w) - Math.min(b.x, p.x) <= mergeW * H
    /** The gap between two neighbouring boxes, in character heights, less any loose stroke that goes with one. */
    const gapBetween = (a: CharBox, b: CharBox) => {
      let left = a.x + a.w,
        right = b.x
      for (const p of loose) {
        if (p.x + p.w <= left || p.x >= right) continue
        if (attaches(a, p)) left = Math.max(left, p.x + p.w)
        else if (attaches(b, p)) right = Math.min(right, p.x)
      }
      return (right - left) / H
    }
    const segments: LatticeSegment[] = []
    const gaps: (number | null)[] = [null]
    const start: number[] = [],
      end: number[] = []
    let node = 0
    // Units: a detector box, or the parts of one component the segmenter split at its projection minima
    // (vision/segment.ts) taken together again, so that the cuts of the lattice, not only the segmenter's,
    // are tried on it. The parts stay candidates as they were (kind 'box', their gaps kept for the word gaps).
    const units: CharBox[][] = []
    for (const b of boxes) {
      const last = units[units.length - 1]
      if (!opts.detectorOnly && last && sameSplit(last[last.length - 1], b)) last.push(b)
      else units.push([b])
    }
    let k = 0
    for (const parts of units) {
      const b = parts.length > 1 ? joinParts(parts) : parts[0]
      const ih = b.ink ? b.ink.rect.h : 0
      const iw = b.ink ? b.ink.rect.w : 0
      // Part boundaries (working columns of the unit's ink rectangle) are cuts every path may use.
      const forced = parts.slice(1).map((q) => q.ink!.rect.x - b.ink!.rect.x)
      let cuts: number[] = forced
      let paths: ReturnType<typeof cutPaths> | null = null
      let mask: Uint8Array | null = null
      let sliver = 0
      const straight = new Set<number>()
      const sized = b.w >= cutH * H && b.w >= cutW * W
      const held =
        sized &&
        opts.cutAlso !== undefined &&
        b.w < (opts.cutSureWidths ?? CUT_DEFAULTS.sureWidths) * W &&
        !(parts.length === 1 && opts.cutAlso(b))
      const wide = sized && !held
      if (!opts.detectorOnly && b.ink && (wide || forced.length > 0)) {
        // The own-ink mask once: the cut paths run through it and the stroke width is measured on it.
        mask = ownInkMask(seg, b.ink)
        paths = cutPaths(mask, iw, ih, opts.cutStep)
        const margin = Math.max(2, Math.round(0.1 * H * seg.binaryScale))
        const { stroke: sw, longest } = columnRuns(mask, iw, ih)
        sliver = (opts.sliverInk ?? 0.5) * sw * sw
        const found = wide ? cutColumns(paths.cost, sw, H * seg.binaryScale, W * seg.binaryScale, opts) : []
        // Beside upright strokes too, unless a least-ink cut is already within two columns.
        const beside =
          wide && (opts.strokeCuts ?? 1) > 0
            ? strokeSides(longest, ih, sw, margin, opts).filter((c) => found.every((f) => Math.abs(f - c) >= 2))
            : []
        // Down the middle of two strokes pressed together, straight (a least-ink path would leave the band); such
        // a cut replaces any other within two columns of it, whose path leaves the band to one side.
        const middles = wide ? strokeMiddles(longest, ih, sw, margin, opts) : []
        for (const c of middles) straight.add(c)
        if ((opts.strokeCutsStraight ?? 1) > 0 && paths && b.w >= (opts.strokeCutsStraightMinWidths ?? 1.5) * W) {
          const bands = strokeBands(longest, ih, sw, opts)
          for (const c of beside) if (pathTakesStroke(mask, iw, ih, paths.path(c), c, bands)) straight.add(c)
        }
        const apart = (c: number) => middles.every((m) => Math.abs(m - c) >= 2)
        cuts = [
          ...forced,
          ...[...found.filter(apart), ...beside.filter(apart), ...middles].filter((c) =>
            forced.every((f) => Math.abs(f - c) >= margin / 2)
          )
        ].sort((x, y) => x - y)
      }
      // Cut paths, each the column where the right part begins on every row. A cut with none of the box's ink
      // between it and the cut before it takes the same pieces as that cut (paths from two columns of a bowl
      // that meet where its arcs are thinnest, or a stroke's side next to a least-ink cut): the two are one node,
      // so no candidate is built and read twice. So is one with only a sliver of ink there (`sliverInk`: straight
      // paths from two columns of a bowl leave a bit of its arcs between them rather than meet). The box's sides
      // and the segmenter's part boundaries stay as they are: the pieces that end there are its own boxes, not cut
      // pieces with the same ink.
      const isForced = [true]
      const bounds: Int32Array[] = [new Int32Array(ih)]
      // The last path, kept or not: a later cut never crosses an earlier one.
      let floor = bounds[0]
      for (const c of cuts) {
        const p = paths && !straight.has(c) ? paths.path(c) : new Int32Array(ih).fill(c)
        for (let r = 0; r < ih; r++) p[r] = Math.max(p[r], floor[r])
        floor = p
        const last = bounds.length - 1
        const f = forced.includes(c)
        if (!f && !isForced[last] && mask && !inkBetween(mask, iw, bounds[last], p, sliver)) continue
        bounds.push(p)
        isForced.push(f)
      }
      bounds.push(new Int32Array(ih).fill(iw))
      isForced.push(true)
      // The bounds that are part boundaries, in order: part q spans forcedAt[q] … forcedAt[q + 1].
      const forcedAt = indicesOf(isForced)
      // Pieces between the kept cuts: nodes node … node + bounds.length − 1.
      const first = segments.length
      const index = mask ? inkIndex(mask, iw, ih) : null
      for (let i = 0; i < bounds.length - 1; i++) {
        // Runs from piece i only grow with j: once one is too wide, so are the rest (their ink is a superset).
        let tooWide = false
        for (let j = i + 1; j < bounds.length; j++) {
          const whole = i === 0 && j === bounds.length - 1
          const q = forcedAt.indexOf(i)
          const part = q >= 0 && forcedAt[q + 1] === j ? q : undefined
          if (whole && parts.length > 1) {
            if (b.w <= maxRun * H) segments.push(segment(node, node + bounds.length - 1, b, 'merge'))
          } else if (part !== undefined) segments.push(segment(node + i, node + j, parts[part], 'box'))
          else if (!tooWide) {
            const piece = partBox(seg, b, bounds[i], bounds[j], index)
            if (piece && j > i + 1 && piece.w > maxRun * H) tooWide = true
            else if (piece) segments.push(segment(node + i, node + j, piece, 'cut'))
          }
        }
      }
      if (cuts.length > 0) for (let i = first; i < segments.length; i++) segments[i].cutUnit = true
      else if (held && parts.length === 1 && b.origin !== 'split' && !opts.detectorOnly) segments[first].cutHeld = true
      // Nodes of the unit's parts, and the gaps before them (between detector boxes, as before).
      for (let i = 0; i < bounds.length - 1; i++) {
        if (!isForced[i]) {
          gaps[node + i] = null
          continue
        }
        if (k > 0) gaps[node + i] = gapBetween(boxes[k - 1], boxes[k])
        start.push(node + i)
        if (k > 0) end.push(node + i)
        k++
      }
      node += bounds.length - 1
    }
    end.push(node)
    /** `parts` merged with each loose stroke that goes with `around` (their extent), as a merge from … to. */
    const withLoose = (parts: CharBox[], around: CharBox, from: number, to: number) => {
      for (const p of loose) {
        if (!attaches(around, p)) continue
        const merged = mergeBoxes([...parts, p])
        if (merged) segments.push(segment(from, to, merged, 'merge'))
      }
    }
    if (!opts.detectorOnly) {
      for (let k = 0; k < boxes.length; k++) {
        for (let m = 2; m <= mergeMost && k + m <= boxes.length; m++) {
          const group = boxes.slice(k, k + m)
          let ok = true,
            close = true
          for (let i = 1; i < m && ok; i++) {
            const gap = gaps[start[k + i]] ?? 0
            ok = gap <= mergeGap
            close &&= gap < mergeCloseGap
          }
          const x0 = Math.min(...group.map((g) => g.x)),
            x1 = Math.max(...group.map((g) => g.x + g.w))
          const width = x1 - x0
          if (!ok) continue
          let rescueOnly = false
          if (
            width > (close ? Math.max(mergeW, mergeCloseW) : mergeW) * H &&
            !(opts.mergeWide && width <= mergeWideW * H && group.some(opts.mergeWide))
          ) {
            // Two pieces only: a run of three or more is a stretch of a word, which the lexicon would read as
            // fewer letters (a non-word RIVIBY read RUBY, IVI taken for a U).
            if (width > rescueW * H || m > 2) continue
            rescueOnly = true
          }
          const merged = mergeBoxes(group)
          if (!merged) continue
          const seg = segment(start[k], end[k + m - 1], merged, 'merge')
          segments.push(seg)
          if (rescueOnly) {
            // Read as merges are (the touching model too), but with no loose stroke added.
            seg.rescueOnly = true
            seg.mergeUnit = true
            continue
          }
          // With a loose stroke too, as for a single box below: an E broken into its spine, its arms and a loose
          // bottom arm is all three.
          if (opts.mergeLooseGroups ?? 1) withLoose(group, merged, start[k], end[k + m - 1])
        }
        withLoose([boxes[k]], boxes[k], start[k], end[k])
      }
    }
    for (const m of segments)
      if (m.kind === 'merge' && !m.cutUnit && !m.rescueOnly)
        for (const s of segments) if (s.from >= m.from && s.to <= m.to) s.mergeUnit = true
    for (let i = 0; i <= node; i++) gaps[i] ??= null
    out.push({ line, nodes: node + 1, segments: onPaths(segments, node + 1), gaps, charHeight: H, charWidth: W })
  }
  return out
}
