// Page layout from character boxes alone: which boxes form a text line, the reading order, and where the
// word breaks fall. Works on plain rectangles so it can be tested on hand-made box lists and reused after
// a person edits boxes.
//
// Lines: each box is chained to its nearest neighbour to the right that shares enough of its vertical span
// (relative to the smaller of the two heights). Chaining is local, so a slanted line stays one line and a
// digit that sits low ("1") still joins its neighbours, while lines a character-height apart never touch.
// Chains whose vertical spans overlap strongly and do not overlap horizontally are then joined (a word far
// to the right on the same line), and a chain of one or two boxes lying within a line's band among its boxes
// (the lower piece of a broken letter) joins that line. Lines are read top to bottom, boxes left to right.
//
// Words: gaps between neighbours are measured in units of their line's median character height and split
// into "letter gap" and "word gap" by Otsu's criterion over the whole page. A page whose gaps are not
// bimodal (e.g. a letter chart where every glyph is evenly spaced) gets no word breaks below 2.5 heights.

import { unionRect } from '../core/rect.ts'
import { ascending, median } from '../../shared/stats.ts'

export interface Rect {
  x: number
  y: number
  w: number
  h: number
}

export interface LaidOutBox<T extends Rect = Rect> {
  box: T
  /** Index in the input array. */
  index: number
  line: number
  word: number
}

export interface PageLayout<T extends Rect = Rect> {
  /** Boxes in reading order. */
  boxes: LaidOutBox<T>[]
  lines: { index: number; x: number; y: number; w: number; h: number; boxCount: number; wordCount: number }[]
  /** Gap (in character heights) at or above which neighbours are in different words. */
  wordGapThreshold: number
}

export interface LayoutOptions {
  /** Minimum vertical overlap, as a fraction of the smaller height, for two boxes to chain (default 0.35). */
  minOverlap?: number
  /** Smallest ratio between the word-gap and letter-gap cluster medians for words to be split (default 2.2). */
  minGapContrast?: number
  /** Gaps (in character heights) at or above this always break words, whatever the page statistics (default 2.5). */
  alwaysBreakGap?: number
  /** Gaps (in character heights) below this never break words (default 0.45). */
  neverBreakGap?: number
  /**
   * A chain of one or two boxes with at least this share of its height inside a line's band (its boxes within a
   * character height) joins that line (default 0.8; 0 turns it off).
   */
  fragmentInside?: number
}

/** The first index of ascending `xs` whose value is ≥ x (xs.length when none is). */
function lowerBound(xs: ArrayLike<number>, x: number): number {
  let lo = 0,
    hi = xs.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid] < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

function vOverlap(a: Rect, b: Rect): number {
  return Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y)
}

// groupLines' sort compares with a function of the module: an arrow written at the sort is a new closure on every
// call, which V8 compiled again for every page (docs/BENCHMARKS.md, "Forty-second session").
/** The boxes groupLines is sorting (only during its sort). */
let sortBoxes: readonly { x: number }[] = []
const byBoxX = (a: number, b: number): number => sortBoxes[a].x - sortBoxes[b].x

/**
 * Groups boxes into lines (arrays of input indices, each sorted left to right), lines sorted top to bottom.
 *
 * Close to linear in the boxes: a box's right neighbour is searched only among boxes whose left edge lies
 * within reach (12 character heights, beyond which no neighbour is accepted), found by binary search in
 * x order; chains keep their bounds and median height, and after two chains join only pairs with the
 * joined chain are looked at again. The result is the same as comparing every pair and rescanning after
 * every join.
 */
export function groupLines(input: readonly Rect[], opts: LayoutOptions = {}): number[][] {
  const n = input.length
  if (n === 0) return []
  // Plain rectangles of one shape: the boxes come as detector boxes, cut pieces and merges with different
  // properties, and V8 threw away this function's optimised code on every new shape it met (docs/BENCHMARKS.md,
  // "Forty-second session"). Only x, y, w, h are read.
  const boxes = plainRects(input)
  const minOverlap = opts.minOverlap ?? 0.35
  const parent = Array.from({ length: n }, (_, i) => i)
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]]
      i = parent[i]
    }
    return i
  }
  const union = (a: number, b: number): void => {
    parent[find(a)] = find(b)
  }
  const hMed = median(boxes.map((b) => b.h))
  sortBoxes = boxes
  const order = boxes.map((_, i) => i).sort(byBoxX)
  sortBoxes = []
  const xs = new Float64Array(n)
  for (let k = 0; k < n; k++) xs[k] = boxes[order[k]].x
  const maxW = boxes.reduce((m, b) => Math.max(m, b.w), 0)
  const reach = 12 * Math.max(hMed, 1)

  for (let oi = 0; oi < n; oi++) {
    const a = boxes[order[oi]]
    const acx = a.x + a.w / 2
    let best = -1,
      bestCost = Infinity
    // A candidate's centre is right of a's (so its left edge is past acx − maxW/2), and a neighbour whose gap
    // is `reach` or more is never accepted (cost ≥ gap), so nothing outside this window can be the answer.
    const lo = lowerBound(xs, acx - maxW / 2 - 1)
    for (let oj = lo; oj < n && xs[oj] < a.x + a.w + reach; oj++) {
      if (oj === oi) continue
      const b = boxes[order[oj]]
      const bcx = b.x + b.w / 2
      if (bcx <= acx) continue
      const ov = vOverlap(a, b)
      if (ov < minOverlap * Math.min(a.h, b.h)) continue
      const gap = Math.max(0, b.x - (a.x + a.w))
      const dy = Math.abs(b.y + b.h / 2 - (a.y + a.h / 2))
      const cost = gap + 2 * dy + (bcx - acx) * 0.01
      if (cost < bestCost) {
        bestCost = cost
        best = order[oj]
      }
    }
    // A neighbour further away than ~12 character heights is more likely in another column or a stray mark.
    if (best >= 0 && bestCost < reach) union(order[oi], best)
  }

  const groups = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const r = find(i)
    if (!groups.has(r)) groups.set(r, [])
    groups.get(r)!.push(i)
  }
  const lines = [...groups.values()]
  // Two lines chained into one are cut apart first, so that each part can join the rest of its own line.
  splitStackedLines(boxes, lines)
  // Join chains that sit on the same line without touching horizontally.
  const box = lines.map((l) => bounds(boxes, l))
  const hm = lines.map((l) => median(l.map((k) => boxes[k].h)))
  const joins = (i: number, j: number): boolean => {
    const a = box[i],
      b = box[j]
    const hOv = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)
    if (hOv > 0) return false
    const ov = vOverlap(a, b)
    const ha = hm[i],
      hb = hm[j]
    return ov >= 0.6 * Math.min(ha, hb) && Math.abs(a.y + a.h / 2 - (b.y + b.h / 2)) < 0.5 * Math.max(ha, hb)
  }
  for (let i = 0; i < lines.length; i++) {
    for (let j = i + 1; j < lines.length; j++) {
      if (!joins(i, j)) continue
      lines[i] = lines[i].concat(lines[j])
      lines.splice(j, 1)
      box.splice(j, 1)
      hm.splice(j, 1)
      box[i] = bounds(boxes, lines[i])
      hm[i] = median(lines[i].map((k) => boxes[k].h))
      // Before i nothing joined anything; now only a pair with the grown chain i can. A rescan from the
      // start would stop at the first q < i that joins i, else reach i again.
      let q = 0
      while (q < i && !joins(q, i)) q++
      i = q - 1
      break
    }
  }
  adoptFragments(boxes, lines, opts.fragmentInside ?? 0.8, { order, xs, hMed, maxW })
  for (const l of lines) l.sort((p, q) => boxes[p].x + boxes[p].w / 2 - (boxes[q].x + boxes[q].w / 2))
  return lines
    .map((l) => ({ l, cy: median(l.map((k) => boxes[k].y + boxes[k].h / 2)) }))
    .sort((p, q) => p.cy - q.cy)
    .map((o) => o.l)
}

/** Fewest boxes each of two stacked lines must hold for a chain to be split in two (see splitStackedLines). */
export const STACKED_MIN_BOXES = 3
/** Least distance between the two lines' median centres, in the chain's median box heights. */
export const STACKED_MIN_APART = 0.8
/** Least share of the narrower line's width that the two lines must share horizontally. */
export const STACKED_MIN_SHARED = 0.5
/** Largest median deviation of a part's box centres from their median, in the chain's median box heights. */
export const STACKED_MAX_SPREAD = 0.15

/**
 * Splits the chains that are two lines (in place). A box links to its nearest right neighbour that overlaps it
 * vertically by a third of the smaller height, so where lines are written close together (1.25–1.6 character heights
 * apart) one letter reaching into the line below — a tall letter next to a word gap — joins the two whole lines into
 * one chain, and the reader then takes pairs of letters stacked in a column for the pieces of one. A chain is cut in
 * two by the centres of its boxes (the split of their heights that best separates the two groups' means) when the two
 * groups' median centres lie at least STACKED_MIN_APART of the chain's median box height apart, each holds at least
 * STACKED_MIN_BOXES boxes, each is a line (the median deviation of its centres from their median at most
 * STACKED_MAX_SPREAD box heights: a chain of desk clutter has no baseline to keep to), and they run side by side: their
 * horizontal extents share at least STACKED_MIN_SHARED of the narrower one's. A long line written on a slope also
 * spreads its centres, but its higher and lower parts follow each other along the line rather than standing over each
 * other. Each part is looked at again.
 */
function splitStackedLines(boxes: readonly Rect[], lines: number[][]): void {
  for (let i = 0; i < lines.length; i++) {
    const parts = stackedSplit(boxes, lines[i])
    if (!parts) continue
    lines.splice(i, 1, parts[0], parts[1])
    i-- // the upper part is looked at again, then the lower
  }
}

/** splitStackedLines' cut of one chain, or null where it is one line. */
function stackedSplit(boxes: readonly Rect[], line: readonly number[]): [number[], number[]] | null {
  if (line.length < 2 * STACKED_MIN_BOXES) return null
  const byCy = line.slice().sort((p, q) => boxes[p].y + boxes[p].h / 2 - (boxes[q].y + boxes[q].h / 2))
  // At least STACKED_MIN_BOXES a side, which 2 × STACKED_MIN_BOXES boxes always allow.
  const split = otsuSplit(
    byCy.map((k) => boxes[k].y + boxes[k].h / 2),
    STACKED_MIN_BOXES
  )
  const upper = byCy.slice(0, split),
    lower = byCy.slice(split)
  const hMed = median(line.map((k) => boxes[k].h))
  const mid = (g: number[]) => median(g.map((k) => boxes[k].y + boxes[k].h / 2))
  if (mid(lower) - mid(upper) < STACKED_MIN_APART * hMed) return null
  // Each part is a line: its boxes' centres keep to one height (the median deviation from their median).
  const spread = (g: number[]) => {
    const m = mid(g)
    return median(g.map((k) => Math.abs(boxes[k].y + boxes[k].h / 2 - m)))
  }
  if (spread(upper) > STACKED_MAX_SPREAD * hMed || spread(lower) > STACKED_MAX_SPREAD * hMed) return null
  const a = bounds(boxes, upper),
    b = bounds(boxes, lower)
  const shared = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)
  if (shared < STACKED_MIN_SHARED * Math.min(a.w, b.w)) return null
  return [upper, lower]
}

/** Copies of the rectangles as objects of one shape (x, y, w, h). */
function plainRects(boxes: readonly Rect[]): Rect[] {
  const out: Rect[] = []
  for (const b of boxes) out.push({ x: b.x, y: b.y, w: b.w, h: b.h })
  return out
}

/**
 * A chain of one or two boxes lying among another line's boxes joins that line (in place). A letter broken in
 * two pieces, one under the other (a W's last stroke), can leave the lower piece chained to nothing: the box
 * to its left takes the upper piece as its neighbour, and the upper piece overlaps the lower one too little
 * vertically to chain to it. Such a chain joins the line whose boxes within one character height of it
 * (horizontally; the page's median height) hold at least `inside` of its height between their top and bottom,
 * and which is not itself a fragment (three boxes or more); when several lines do, the one holding most of it.
 * Each fragment looks only at the boxes in its horizontal window (binary search in x order).
 */
function adoptFragments(
  boxes: readonly Rect[],
  lines: number[][],
  inside: number,
  /** groupLines' x order of the boxes, their left edges in that order, median height and widest box. */
  page: { order: readonly number[]; xs: Float64Array; hMed: number; maxW: number }
): void {
  if (inside <= 0 || inside > 1 || lines.length < 2) return
  const lineOf = new Int32Array(boxes.length)
  lines.forEach((l, li) => l.forEach((k) => (lineOf[k] = li)))
  const size = lines.map((l) => l.length)
  const { order, xs, hMed: reach, maxW } = page
  const target = lines.map((_, li) => li)
  for (let f = 0; f < lines.length; f++) {
    if (size[f] > 2) continue
    const c = bounds(boxes, lines[f])
    const band = new Map<number, { top: number; bottom: number }>()
    for (let o = lowerBound(xs, c.x - reach - maxW); o < order.length; o++) {
      const b = boxes[order[o]]
      if (b.x > c.x + c.w + reach) break
      const li = lineOf[order[o]]
      if (li === f || size[li] < 3 || b.x + b.w < c.x - reach) continue
      const s = band.get(li)
      if (s) {
        s.top = Math.min(s.top, b.y)
        s.bottom = Math.max(s.bottom, b.y + b.h)
      } else band.set(li, { top: b.y, bottom: b.y + b.h })
    }
    let bestShare = 0
    for (const [li, { top, bottom }] of band) {
      const share = (Math.min(bottom, c.y + c.h) - Math.max(top, c.y)) / Math.max(1, c.h)
      if (share >= inside && (share > bestShare || (share === bestShare && li < target[f]))) {
        bestShare = share
        target[f] = li
      }
    }
  }
  // Move each adopted fragment into its line; empty lines go.
  for (let f = 0; f < lines.length; f++) if (target[f] !== f) lines[target[f]].push(...lines[f])
  const kept = lines.filter((_, f) => target[f] === f)
  lines.length = 0
  lines.push(...kept)
}

export function bounds(boxes: readonly Rect[], idx: readonly number[]): Rect {
  return unionRect(idx.map((i) => boxes[i]))
}

/** Gaps between consecutive boxes of each line, in units of that line's median box height. */
export function lineGaps(boxes: readonly Rect[], lines: readonly number[][]): number[][] {
  return lines.map((l) => {
    const h = Math.max(1, median(l.map((k) => boxes[k].h)))
    const gaps: number[] = []
    for (let i = 1; i < l.length; i++) {
      const a = boxes[l[i - 1]],
        b = boxes[l[i]]
      gaps.push((b.x - (a.x + a.w)) / h)
    }
    return gaps
  })
}

/**
 * The page's word-gap threshold in character heights: Otsu's two-class split of all gaps (on their square
 * roots, which evens out the long tail of word gaps), placed midway (geometrically) between the largest
 * letter gap and the smallest word gap. A page whose gap classes are not well separated gets no breaks
 * except gaps of at least `alwaysBreakGap`.
 */
export function wordGapThreshold(gaps: readonly number[], opts: LayoutOptions = {}): number {
  const minContrast = opts.minGapContrast ?? 2.2
  const always = opts.alwaysBreakGap ?? 2.5
  const never = opts.neverBreakGap ?? 0.45
  const g = gaps.map((x) => Math.max(x, 0)).sort(ascending)
  if (g.length < 2) return always
  const split = otsuSplit(g.map(Math.sqrt))
  const lo = g.slice(0, split),
    hi = g.slice(split)
  if (median(hi) / Math.max(median(lo), 0.05) < minContrast) return always
  const t = Math.sqrt(Math.max(lo[lo.length - 1], 0.01) * hi[0])
  return Math.min(always, Math.max(never, t))
}

/**
 * Otsu's split of sorted values into a low and a high class: the size of the low class that maximises the
 * between-class variance (the first such size on a tie), each class holding at least `minClass` values; 0 when
 * no split does (fewer than two values, or fewer than 2 × minClass).
 */
export function otsuSplit(sorted: readonly number[], minClass = 1): number {
  const total = sorted.reduce((s, x) => s + x, 0)
  let split = 0,
    best = -Infinity,
    left = 0
  for (let i = 0; i < sorted.length - 1; i++) {
    left += sorted[i]
    const n0 = i + 1,
      n1 = sorted.length - n0
    if (n0 < minClass || n1 < minClass) continue
    const score = n0 * n1 * ((total - left) / n1 - left / n0) ** 2
    if (score > best) {
      best = score
      split = n0
    }
  }
  return split
}

/** Lines, reading order and words for a set of character boxes. */
export function layoutPage<T extends Rect>(boxes: readonly T[], opts: LayoutOptions = {}): PageLayout<T> {
  const lines = groupLines(boxes, opts)
  const gaps = lineGaps(boxes, lines)
  const threshold = wordGapThreshold(gaps.flat(), opts)
  const out: LaidOutBox<T>[] = []
  const lineInfo: PageLayout<T>['lines'] = []
  lines.forEach((l, li) => {
    let word = 0
    l.forEach((k, i) => {
      if (i > 0 && gaps[li][i - 1] >= threshold) word++
      out.push({ box: boxes[k], index: k, line: li, word })
    })
    const b = bounds(boxes, l)
    lineInfo.push({ index: li, ...b, boxCount: l.length, wordCount: word + 1 })
  })
  return { boxes: out, lines: lineInfo, wordGapThreshold: threshold }
}
