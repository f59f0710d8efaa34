// Cuts of touching letters along paths (read/lattice.ts), on crafted ink: two slanted strokes ("//") that
// share columns and touch through a short bridge, as a slanted touching pair does. No straight column
// separates them; the cut must follow the paper between them and cross the bridge only.
import { describe, expect, it } from 'vitest'
import {
  buildLattices,
  cutColumns,
  columnRuns,
  cutPaths,
  inkBetween,
  isPlainBox,
  onPaths,
  strokeMiddles,
  strokeSides,
  strokeBands,
  pathTakesStroke,
  type LatticeOptions
} from '../../../src/main/read/lattice.ts'
import { candidateBoxes, decodeLines, prepareLines } from '../../../src/main/read/readLines.ts'
import { decodeProbs, type Classifier } from '../../../src/main/recognize/classifier.ts'
import { CLASSES, GLYPH_PIXELS, NUM_CLASSES } from '../../../src/shared/classes.ts'
import { glyphMask } from '../../../src/main/vision/glyphMask.ts'
import { pageBoxGlyphs } from '../../../src/main/read/transcribe.ts'
import type { PageSegmentation } from '../../../src/main/vision/sheet.ts'
import { layoutPage } from '../../../src/main/vision/layout.ts'
import { loadImage } from '../../../src/main/vision/image.ts'
import { segmentPage } from '../../../src/main/vision/segment.ts'
import type { CharBox } from '../../../src/main/vision/segment.ts'

const H = 60
/** Column span [x0, x0 + 6) of slanted bar `k` (0 or 1) in row y, relative to `left`: 20 px of slant over H rows. */
const bar = (k: number, y: number, left: number) => left + 22 * k + Math.round((20 * (H - 1 - y)) / (H - 1))

/** The pair's pixels in a w × H mask: which bar (1, 2) or bridge (3) each ink pixel is, 0 for paper. */
function pair(w: number, left: number): Uint8Array {
  const m = new Uint8Array(w * H)
  for (let y = 0; y < H; y++) {
    for (let k = 0; k < 2; k++) for (let x = bar(k, y, left); x < bar(k, y, left) + 6; x++) m[y * w + x] = k + 1
    // The bridge: rows 28–30, from the first bar's right edge to the second's left edge.
    if (y >= 28 && y <= 30) for (let x = bar(0, y, left) + 6; x < bar(1, y, left); x++) m[y * w + x] = 3
  }
  return m
}

describe('cutPaths', () => {
  it('separates two slanted touching strokes that no column can, crossing only the bridge', () => {
    const w = 60
    const which = pair(w, 4)
    const ink = which.map((v) => (v ? 1 : 0))
    // Every column between the strokes' bodies holds ink of both (or the bridge): no straight cut is clean.
    for (let x = bar(1, 0, 4); x < bar(0, H - 1, 4) + 6; x++) {
      let a = 0,
        b = 0
      for (let y = 0; y < H; y++) {
        if (which[y * w + x] === 1) a++
        if (which[y * w + x] === 2) b++
      }
      expect(a > 0 && b > 0, `column ${x} crosses both strokes`).toBe(true)
    }
    const { cost, path } = cutPaths(ink, w, H, 0.1)
    // The cheapest cut through the middle row between the strokes (the box's own edges cost nothing too).
    const m = H >> 1
    let best = bar(0, m, 4) + 6
    for (let x = best; x < bar(1, m, 4); x++) if (cost[x] < cost[best]) best = x
    const p = path(best)
    // It crosses the bridge (3 rows of ink) and little else.
    expect(cost[best]).toBeLessThanOrEqual(3 + 0.1 * 30)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < w; x++) {
        if (which[y * w + x] === 1) expect(x, `stroke 1 at (${x},${y}) left of the cut`).toBeLessThan(p[y])
        if (which[y * w + x] === 2) expect(x, `stroke 2 at (${x},${y}) right of the cut`).toBeGreaterThanOrEqual(p[y])
      }
  })
})

/**
 * A line of two single strokes (components 1, 2) and the touching pair (component 3), working scale 1. The
 * pair is one detector box, or (`splitAt`) two parts split by the segmenter at that column of the pair.
 */
function line(splitAt?: number) {
  const width = 200
  const labels = new Int32Array(width * H)
  const which = new Uint8Array(width * H)
  const boxes: CharBox[] = []
  const addBox = (label: number, x0: number, x1: number, origin: CharBox['origin'] = 'component') => {
    const rect = { x: x0, y: 0, w: x1 - x0, h: H }
    boxes.push({ ...rect, origin, ink: { labels: [label], rect } })
  }
  for (const [label, x0] of [
    [1, 4],
    [2, 40]
  ]) {
    for (let y = 0; y < H; y++) for (let x = bar(0, y, x0); x < bar(0, y, x0) + 6; x++) labels[y * width + x] = label
    addBox(label, x0, x0 + 26)
  }
  const p = pair(60, 0)
  for (let y = 0; y < H; y++)
    for (let x = 0; x < 60; x++)
      if (p[y * 60 + x]) {
        labels[y * width + 90 + x] = 3
        which[y * width + 90 + x] = p[y * 60 + x]
      }
  if (splitAt === undefined) addBox(3, 90, 90 + 48)
  else {
    addBox(3, 90, 90 + splitAt, 'split')
    addBox(3, 90 + splitAt, 90 + 48, 'split')
  }
  const gray = { width, height: H, data: new Uint8Array(width * H).fill(255) }
  return { seg: { labels, binary: gray, binaryScale: 1, normalised: gray }, boxes, which, width }
}

/** Whether some cut piece's mask holds all of stroke k (1, 2) of the pair and nothing of the other. */
function cleanPiece(l: ReturnType<typeof line>, segments: { kind: string; box: CharBox }[], k: number): boolean {
  const { seg, which, width } = l
  let total = 0
  for (const v of which) if (v === k) total++
  return segments.some((s) => {
    if (s.kind !== 'cut') return false
    const crop = { x: s.box.x - 2, y: 0, w: s.box.w + 4, h: H }
    const mask = glyphMask(seg, s.box, crop, 0)!
    let mine = 0,
      theirs = 0
    for (let y = 0; y < crop.h; y++)
      for (let x = 0; x < crop.w; x++) {
        if (!mask[y * crop.w + x]) continue
        const v = which[(crop.y + y) * width + crop.x + x]
        if (v === k) mine++
        else if (v === 3 - k) theirs++
      }
    return mine === total && theirs === 0
  })
}

describe('cutColumns', () => {
  // The cut profile of a touching I and Y (working pixels, stroke 4): the join at x 20 must cross a T-like bar
  // (ink 6), while the Y's fork and arms give four cheaper paths inside the Y (ink 2). Elsewhere a cut crosses 30.
  const profile = new Float32Array(120).fill(30)
  for (const [x, ink] of [
    [20, 6],
    [60, 2],
    [72, 2],
    [84, 2],
    [96, 2]
  ])
    for (let d = -1; d <= 1; d++) profile[x + d] = ink
  const cuts = (opts?: { maxCuts?: number }) => cutColumns(profile, 4, 60, 60, opts)

  it('keeps the join as well as the cheaper minima inside the neighbouring letter', () => {
    expect(cuts()).toEqual(expect.arrayContaining([20, 60, 72, 84, 96]))
  })

  it('with at most four minima kept (the default before 16), loses the join to the Y', () => {
    const four = cuts({ maxCuts: 4 })
    expect(four).toEqual(expect.arrayContaining([60, 72, 84, 96]))
    expect(four.some((x) => Math.abs(x - 20) <= 3)).toBe(false)
  })
})

describe('strokeSides (cuts beside upright strokes)', () => {
  // An I pressed into a C, as a touching pair does (40 × 50 working pixels, stroke 4): the I is the bar at columns
  // 6–9, full height; the C's left side runs down columns 8–11 from row 8 to 41, so the two share columns, and
  // its top and bottom arcs run right from column 8 to 37. No least-ink cut keeps the I alone.
  const w = 40,
    h = 50
  const ic = new Uint8Array(w * h)
  const ink = (x0: number, x1: number, y0: number, y1: number) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) ic[y * w + x] = 1
  }
  ink(6, 10, 0, 50) // the I
  ink(8, 12, 8, 42) // the C's left side
  ink(8, 38, 8, 12) // its top arc
  ink(8, 38, 38, 42) // its bottom arc
  const runs = (m: Uint8Array) => columnRuns(m, w, h).longest

  it('gives the columns just left and right of each upright stroke, the stroke itself inside them', () => {
    // The I and the C's side make one stroke of columns 6–11 (six columns ≤ 2 stroke widths of 4).
    expect(strokeSides(runs(ic), h, 4, 3, {})).toEqual([5, 12])
  })

  it('a stroke shorter than strokeCutRun of the height, or wider than strokeCutWidth strokes, gives none', () => {
    // The tallest run is 50 rows: at a run of 0.5 × 50 = 25 the C's side (34 rows) counts, above 0.7 it does not.
    expect(strokeSides(runs(ic), h, 4, 3, { strokeCutRun: 1.01 })).toEqual([])
    expect(strokeSides(runs(ic), h, 4, 3, { strokeCutRun: 0.9 })).toEqual([5, 10])
    // Six columns are wider than one stroke width of 4.
    expect(strokeSides(runs(ic), h, 4, 3, { strokeCutWidth: 1 })).toEqual([])
  })

  it("keeps its columns at least `margin` from the mask's sides", () => {
    expect(strokeSides(runs(ic), h, 4, 6, {})).toEqual([12])
    // A flat bar (the arcs alone) is no upright stroke.
    const flat = new Uint8Array(w * h)
    for (let y = 20; y < 24; y++) for (let x = 0; x < w; x++) flat[y * w + x] = 1
    expect(strokeSides(runs(flat), h, 4, 3, {})).toEqual([])
  })

  it("pathTakesStroke: a cut path beside a stroke that gives the stroke's ink away on over a tenth of the rows", () => {
    // The stroke of I and C's side is columns 6–11 (band [6, 12)); the cut left of it is column 5.
    const bands: [number, number][] = [[6, 12]]
    const straight = new Int32Array(h).fill(5)
    expect(pathTakesStroke(ic, w, h, straight, 5, bands)).toBe(false)
    // A path that runs inside the stroke (column 8) on rows 0–9 gives the I's columns 6–7 of those rows to the left.
    const into = Int32Array.from({ length: h }, (_, r) => (r < 10 ? 8 : 5))
    expect(pathTakesStroke(ic, w, h, into, 5, bands)).toBe(true)
    // On 5 rows (a tenth of 50) it does not count yet.
    const brief = Int32Array.from({ length: h }, (_, r) => (r < 5 ? 8 : 5))
    expect(pathTakesStroke(ic, w, h, brief, 5, bands)).toBe(false)
    // Right of the stroke (column 12): a path at column 10 on rows 20–39 takes the C's side (columns 10–11) there.
    const right = Int32Array.from({ length: h }, (_, r) => (r >= 20 && r < 40 ? 10 : 12))
    expect(pathTakesStroke(ic, w, h, right, 12, bands)).toBe(true)
    // A column beside no band of the list is no cut beside a stroke.
    expect(pathTakesStroke(ic, w, h, into, 20, bands)).toBe(false)
  })

  it('strokeBands: the upright strokes both strokeSides and pathTakesStroke go by, a blob wider than strokeCutWidth not one', () => {
    // A stroke of 4 columns (3–6) and, one column right of it, a blob of 12 (8–19), both the full height.
    const sb = new Uint8Array(w * h)
    for (let y = 0; y < h; y++) for (let x = 3; x < 20; x++) if (x !== 7) sb[y * w + x] = 1
    expect(strokeBands(runs(sb), h, 4, {})).toEqual([[3, 7]])
    expect(strokeSides(runs(sb), h, 4, 2, {})).toEqual([2, 7])
    // Column 7 is beside both; a path at column 10 on every row takes none of the stroke's ink, only the blob's,
    // so the cut beside the stroke keeps its least-ink path.
    const intoBlob = new Int32Array(h).fill(10)
    expect(pathTakesStroke(sb, w, h, intoBlob, 7, strokeBands(runs(sb), h, 4, {}))).toBe(false)
    // Counted as a stroke (strokeCutWidth 3: 12 columns are 3 strokes of 4), the blob's columns 8–9 are taken.
    expect(pathTakesStroke(sb, w, h, intoBlob, 7, strokeBands(runs(sb), h, 4, { strokeCutWidth: 3 }))).toBe(true)
  })

  it('gives the column between two strokes one column apart once (II)', () => {
    const ii = new Uint8Array(w * h)
    for (let y = 0; y < h; y++) for (const x of [10, 11, 12, 13, 15, 16, 17, 18]) ii[y * w + x] = 1
    expect(strokeSides(runs(ii), h, 4, 3, {})).toEqual([9, 14, 19])
    // The same runs give the stroke width: every run here is a whole column of 50 rows.
    expect(columnRuns(ii, w, h).stroke).toBe(50)
  })
})

describe('buildLattices', () => {
  it("cuts a slanted touching pair into pieces whose masks hold one stroke each, not a stub of the other's", () => {
    const l = line()
    const [lat] = buildLattices(l.seg, layoutPage(l.boxes))
    expect(lat.segments.some((s) => s.kind === 'cut')).toBe(true)
    expect(cleanPiece(l, lat.segments, 1), 'a piece with the left stroke alone').toBe(true)
    expect(cleanPiece(l, lat.segments, 2), 'a piece with the right stroke alone').toBe(true)
  })

  it('cuts a pair the segmenter split in the wrong place again, keeping its parts and their gaps', () => {
    // Split a quarter of the way in: neither part is wide enough to be cut by itself.
    const l = line(12)
    const [lat] = buildLattices(l.seg, layoutPage(l.boxes))
    expect(cleanPiece(l, lat.segments, 1), 'a piece with the left stroke alone').toBe(true)
    expect(cleanPiece(l, lat.segments, 2), 'a piece with the right stroke alone').toBe(true)
    // The segmenter's parts are still candidates as they were, and every gap between detector boxes is kept.
    for (const b of l.boxes) expect(lat.segments.some((s) => s.kind === 'box' && s.box === b)).toBe(true)
    expect(lat.gaps.filter((g) => g !== null).length).toBe(l.boxes.length - 1)
    // A path through the detector's boxes alone still exists: they are consecutive nodes.
    const boxEdges = lat.segments.filter((s) => s.kind === 'box').sort((a, b) => a.from - b.from)
    boxEdges.forEach((s, i) => expect(s.from).toBe(i === 0 ? 0 : boxEdges[i - 1].to))
    expect(boxEdges[boxEdges.length - 1].to).toBe(lat.nodes - 1)
  })
})

/** The own-ink pixels a candidate holds (its labels, within its cut rows if it has them), as a sorted key. */
function inkKey(seg: ReturnType<typeof line>['seg'], box: CharBox): string {
  const ink = box.ink!
  const own = new Set(ink.labels)
  const px: number[] = []
  const w = seg.binary.width
  for (let y = ink.rect.y; y < ink.rect.y + ink.rect.h; y++) {
    const r = ink.rows
    const a = r ? r.from[y - r.y] : ink.rect.x
    const b = r ? r.to[y - r.y] : ink.rect.x + ink.rect.w
    for (let x = Math.max(a, ink.rect.x); x < Math.min(b, ink.rect.x + ink.rect.w); x++)
      if (own.has(seg.labels[y * w + x])) px.push(y * w + x)
  }
  return px.join(',')
}

describe('cut paths with no ink between them are one node', () => {
  it('inkBetween sees ink strictly between two paths, row by row', () => {
    const w = 6
    const m = new Uint8Array(w * 2)
    m[0 * w + 3] = 1 // row 0, column 3
    const at = (...xs: number[]) => Int32Array.from(xs)
    expect(inkBetween(m, w, at(0, 0), at(3, 6))).toBe(false) // row 0 stops before column 3, row 1 has no ink
    expect(inkBetween(m, w, at(0, 0), at(4, 0))).toBe(true)
    expect(inkBetween(m, w, at(3, 0), at(4, 0))).toBe(true)
    expect(inkBetween(m, w, at(4, 0), at(6, 6))).toBe(false)
  })

  it('inkBetween with `most` counts the ink between the paths: true only past that many pixels', () => {
    const w = 6
    const m = new Uint8Array(w * 2)
    m[0 * w + 3] = m[1 * w + 1] = m[1 * w + 2] = 1 // three pixels
    const at = (...xs: number[]) => Int32Array.from(xs)
    expect(inkBetween(m, w, at(0, 0), at(6, 6), 2)).toBe(true)
    expect(inkBetween(m, w, at(0, 0), at(6, 6), 3)).toBe(false)
    expect(inkBetween(m, w, at(0, 2), at(6, 6), 1)).toBe(true) // row 0's pixel and row 1's column 2
    expect(inkBetween(m, w, at(0, 2), at(6, 6), 2)).toBe(false)
  })

  /**
   * A wide ring (an O pressed flat, 64 × 60, stroke 6, component 3 at columns 88–151) beside two bars; with `notch`
   * its top and bottom arcs are thin (2 px) at columns 118–121.
   */
  function ring(notch: boolean) {
    const l = line()
    const width = l.width
    l.seg.labels.fill(0)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < 20; x++) {
        if (x >= 4 && x < 10) l.seg.labels[y * width + x] = 1
        if (x >= 14 && x < 20) l.seg.labels[y * width + 30 + x] = 2
      }
    const thin = (x: number) => notch && x >= 118 && x < 122
    for (let y = 0; y < H; y++)
      for (let x = 88; x < 152; x++) {
        const side = x < 94 || x >= 146
        const arc = thin(x) ? y < 2 || y >= H - 2 : y < 6 || y >= H - 6
        if (side || arc) l.seg.labels[y * width + x] = 3
      }
    const rect = (x: number, w: number) => ({ x, y: 0, w, h: H })
    const boxes: CharBox[] = [
      { ...rect(4, 6), origin: 'component', ink: { labels: [1], rect: rect(4, 6) } },
      { ...rect(44, 6), origin: 'component', ink: { labels: [2], rect: rect(44, 6) } },
      { ...rect(88, 64), origin: 'component', ink: { labels: [3], rect: rect(88, 64) } }
    ]
    return { seg: l.seg, boxes }
  }

  it('no two candidates of a cut box hold the same ink (each is built and read once)', () => {
    // The notched ring: every cut through its hollow runs to the notch, and the paths started in the hollow at
    // different columns part the ink the same way.
    const l = ring(true)
    // Paths that bend cheaply (cutStep 0.1) and only empty pieces dropped (sliverInk 0): the rule under test alone.
    const [lat] = buildLattices(l.seg, layoutPage(l.boxes), {
      cutMinWidths: 0,
      cutMinHeights: 0,
      cutStep: 0.1,
      sliverInk: 0
    })
    const cuts = lat.segments.filter((s) => s.kind === 'cut')
    const keys = cuts.map((s) => inkKey(l.seg, s.box))
    expect(cuts.length).toBeGreaterThan(2)
    expect(new Set(keys).size).toBe(keys.length)
    // Still a piece for each half of the ring, split at the notch.
    const half = (from: number, to: number) =>
      cuts.some((s) => s.box.ink!.rect.x === from && s.box.ink!.rect.x + s.box.ink!.rect.w === to)
    expect(half(88, 120) || half(88, 119) || half(88, 121), 'the left half').toBe(true)
  })

  it('with sliverInk, no piece between two neighbouring cuts holds that little ink (stroke widths squared)', () => {
    // The ring without its notch cut with straight paths (cutStep 4): neighbouring cuts in the hollow leave slivers
    // of the arcs between them. Its stroke width (median vertical run) is 6.
    const l = ring(false)
    const boxes = l.boxes
    // The ink of every cut piece between neighbouring nodes of the ring, but its last (which ends at the box's side).
    const slivers = (sliverInk: number) => {
      const [lat] = buildLattices(l.seg, layoutPage(boxes), {
        cutMinWidths: 0,
        cutMinHeights: 0,
        cutStep: 4,
        sliverInk
      })
      const last = Math.max(...lat.segments.map((s) => s.to))
      return lat.segments
        .filter((s) => s.kind === 'cut' && s.to === s.from + 1 && s.to < last)
        .map((s) => inkKey(l.seg, s.box).split(',').length)
    }
    const all = slivers(0)
    expect(Math.min(...all)).toBeLessThanOrEqual(36)
    const kept = slivers(1)
    expect(kept.length).toBeGreaterThan(0)
    expect(kept.length).toBeLessThan(all.length)
    for (const n of kept) expect(n).toBeGreaterThan(36)
  })
})

describe('straight cuts down two upright strokes pressed together (strokeMidMin)', () => {
  // Two letters like H (stems 6 px, 36 px wide) pressed together so that the first one's right stem and the
  // second one's left stem overlap by 2 columns: one band of 10 upright columns that both letters need. Every
  // least-ink path goes around the band, so one letter always takes all of it and the other has no stem.
  // Component 3 spans columns 90–159 of the line; a lone bar (components 1 and 2) stands before it.
  const stems = [
    [90, 96],
    [120, 126],
    [124, 130],
    [154, 160]
  ]
  function hh() {
    const l = line()
    const width = l.width
    l.seg.labels.fill(0)
    for (let y = 0; y < H; y++) {
      for (let x = 4; x < 10; x++) l.seg.labels[y * width + x] = 1
      for (let x = 44; x < 50; x++) l.seg.labels[y * width + x] = 2
      for (const [a, b] of stems) for (let x = a; x < b; x++) l.seg.labels[y * width + x] = 3
      // The bars of the two H's at mid-height.
      if (y >= 28 && y < 34) for (let x = 90; x < 160; x++) l.seg.labels[y * width + x] = 3
    }
    const rect = (x: number, w: number) => ({ x, y: 0, w, h: H })
    const boxes: CharBox[] = [
      { ...rect(4, 6), origin: 'component', ink: { labels: [1], rect: rect(4, 6) } },
      { ...rect(44, 6), origin: 'component', ink: { labels: [2], rect: rect(44, 6) } },
      { ...rect(90, 70), origin: 'component', ink: { labels: [3], rect: rect(90, 70) } }
    ]
    return { seg: l.seg, boxes }
  }

  it('strokeMiddles gives the middle column of a band at least strokeMidMin of the narrowest upright stroke', () => {
    const { seg, boxes } = hh()
    const w = 70
    const mask = new Uint8Array(w * H)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < w; x++) mask[y * w + x] = seg.labels[y * seg.binary.width + 90 + x] === 3 ? 1 : 0
    expect(boxes[2].w).toBe(w)
    const { longest, stroke } = columnRuns(mask, w, H)
    // Bands: columns 0–5 (6 wide), 30–39 (10: the pressed pair), 64–69 (6). 10 ≥ 1.5 × 6; its middle is 35.
    expect(strokeMiddles(longest, H, stroke, 3, { strokeMidMin: 1.5 })).toEqual([35])
    expect(strokeMiddles(longest, H, stroke, 3, { strokeMidMin: 1.7 })).toEqual([])
    // On by default (1.15); 0 turns it off; and a band wider than strokeMidMax narrowest strokes is no pair of strokes.
    expect(strokeMiddles(longest, H, stroke, 3, {})).toEqual([35])
    expect(strokeMiddles(longest, H, stroke, 3, { strokeMidMin: 0 })).toEqual([])
    expect(strokeMiddles(longest, H, stroke, 3, { strokeMidMin: 1.5, strokeMidMax: 1.6 })).toEqual([])
  })

  it('gives each letter a piece with its own half of the band, which the least-ink cuts alone never do', () => {
    const { seg, boxes } = hh()
    /** Whether some cut piece spans exactly columns [from, to) of the page. */
    const piece = (opts: LatticeOptions, from: number, to: number) =>
      buildLattices(seg, layoutPage(boxes), { cutMinWidths: 0, cutMinHeights: 0, ...opts })[0].segments.some(
        (s) => s.kind === 'cut' && s.box.x === from && s.box.x + s.box.w === to
      )
    // Cut at column 125 (the band 120–129 halved): the first H keeps 120–124, the second 125–129.
    expect(piece({ strokeMidMin: 1.5 }, 90, 125), 'the first letter with half the band').toBe(true)
    expect(piece({ strokeMidMin: 1.5 }, 125, 160), 'the second letter with the other half').toBe(true)
    expect(piece({ strokeMidMin: 0 }, 90, 125)).toBe(false)
    expect(piece({ strokeMidMin: 0 }, 125, 160)).toBe(false)
  })
})

describe('segments no path can use are left out (onPaths)', () => {
  it('keeps exactly the segments on some path from the first node to the last', () => {
    const e = (from: number, to: number) => ({ from, to })
    // 0 → 1 → 4 and 0 → 2 → 4 are paths; 3 is never reached (3 → 4 goes nowhere new), 5 reaches nothing after it.
    const segs = [e(0, 1), e(1, 4), e(0, 2), e(2, 4), e(3, 4), e(2, 5), e(1, 2)]
    expect(onPaths(segs, 5)).toEqual([e(0, 1), e(1, 4), e(0, 2), e(2, 4), e(1, 2)])
    // The same array back when nothing goes.
    const all = [e(0, 1), e(1, 2)]
    expect(onPaths(all, 3)).toBe(all)
  })

  it('on a page of touching letters, every candidate buildLattices gives lies on a path through its line', async () => {
    const seg = await segmentPage(await loadImage('test/fixtures/hard-pages/touching-01.png'))
    const lats = buildLattices(seg, layoutPage(seg.boxes))
    expect(lats.reduce((n, l) => n + l.segments.filter((s) => s.kind === 'cut').length, 0)).toBeGreaterThan(100)
    for (const l of lats) {
      const fwd = new Set([0]),
        bwd = new Set([l.nodes - 1])
      for (const s of [...l.segments].sort((a, b) => a.from - b.from)) if (fwd.has(s.from)) fwd.add(s.to)
      for (const s of [...l.segments].sort((a, b) => b.to - a.to)) if (bwd.has(s.to)) bwd.add(s.from)
      for (const s of l.segments)
        expect(fwd.has(s.from) && bwd.has(s.to), `line ${l.line}: ${s.from}→${s.to}`).toBe(true)
    }
  })

  it('gives every cut piece the rectangle of exactly its own ink between its cut rows (checked by a plain scan)', async () => {
    const seg = await segmentPage(await loadImage('test/fixtures/hard-pages/touching-02.png'))
    const w = seg.binary.width
    let checked = 0
    for (const l of buildLattices(seg, layoutPage(seg.boxes)))
      for (const s of l.segments) {
        const ink = s.box.ink
        const rows = ink?.rows
        if (s.kind !== 'cut' || !ink || !rows) continue
        const own = new Set(ink.labels)
        let x0 = Infinity,
          y0 = Infinity,
          x1 = -1,
          y1 = -1
        rows.from.forEach((a, r) => {
          const y = rows.y + r
          for (let x = a; x < rows.to[r]; x++)
            if (own.has(seg.labels[y * w + x])) {
              x0 = Math.min(x0, x)
              x1 = Math.max(x1, x)
              y0 = Math.min(y0, y)
              y1 = Math.max(y1, y)
            }
        })
        expect(ink.rect).toEqual({ x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 })
        checked++
      }
    expect(checked).toBeGreaterThan(100)
  })
})

describe('buildLattices on a long stroke split into many parts', () => {
  /** Two letter-sized strokes, then one 600-px bar (a desk's grain, a rule) split by the segmenter into 12 parts. */
  function grain() {
    const width = 800
    const labels = new Int32Array(width * H)
    const boxes: CharBox[] = []
    const add = (
      label: number,
      x0: number,
      x1: number,
      origin: CharBox['origin'],
      ink = { x: x0, y: 0, w: x1 - x0, h: H }
    ) => boxes.push({ x: x0, y: 0, w: x1 - x0, h: H, origin, ink: { labels: [label], rect: ink } })
    for (const [label, x0] of [
      [1, 4],
      [2, 40]
    ]) {
      for (let y = 0; y < H; y++) for (let x = x0; x < x0 + 6; x++) labels[y * width + x] = label
      add(label, x0, x0 + 26, 'component')
    }
    for (let y = 0; y < H; y++) for (let x = 100; x < 700; x++) labels[y * width + x] = 3
    for (let k = 0; k < 12; k++) add(3, 100 + 50 * k, 150 + 50 * k, 'split')
    const gray = { width, height: H, data: new Uint8Array(width * H).fill(255) }
    return { seg: { labels, binary: gray, binaryScale: 1, normalised: gray }, boxes }
  }

  it('keeps every part and runs of parts up to 2.5 character heights, not the quadratic rest', () => {
    const g = grain()
    const [lat] = buildLattices(g.seg, layoutPage(g.boxes))
    const parts = lat.segments.filter((s) => s.kind === 'box')
    expect(parts.length).toBe(14) // the two strokes and the twelve parts, all still there
    const runs = lat.segments.filter((s) => s.kind !== 'box')
    for (const s of runs) expect(s.box.w, `${s.kind} at x ${s.box.x}`).toBeLessThanOrEqual(2.5 * H)
    // Without the cap every run of the bar's pieces (its parts and the cuts inside them) is a candidate, and
    // the whole as a merge: quadratic in the pieces. With it, only the runs up to 150 px.
    const [all] = buildLattices(g.seg, layoutPage(g.boxes), { maxRunHeights: 100 })
    const uncapped = all.segments.filter((s) => s.kind !== 'box')
    expect(uncapped.some((s) => s.box.w === 600)).toBe(true)
    expect(runs).toEqual(uncapped.filter((s) => s.box.w <= 2.5 * H))
    expect(runs.length).toBeLessThan(uncapped.length / 2) // 300 against 730 here
    // The detector's boxes still make a path from the first node to the last.
    const chain = parts.sort((a, b) => a.from - b.from)
    chain.forEach((s, i) => expect(s.from).toBe(i === 0 ? 0 : chain[i - 1].to))
    expect(chain[chain.length - 1].to).toBe(lat.nodes - 1)
  })
})

/** A classifier that gives every glyph the same probabilities: `top` for class `k`, the rest shared evenly. */
const fixed = (name: string, k: number, top: number, calls: number[]): Classifier => ({
  name,
  async predict(_glyphs: Float32Array, n: number) {
    calls.push(n)
    const probs = new Float32Array(n * NUM_CLASSES).fill((1 - top) / (NUM_CLASSES - 1))
    for (let i = 0; i < n; i++) probs[i * NUM_CLASSES + k] = top
    return decodeProbs(probs, n)
  }
})
const blankGlyphs = (boxes: readonly CharBox[]) => new Float32Array(boxes.length * GLYPH_PIXELS).fill(1)

describe('prepareLines with a touching-letter model', () => {
  const extract = blankGlyphs

  it.each([
    // [touchingWeight, touchingWeightUnsure, the page classifier's top probability, the weight that applies]
    [0.5, 0.5, 0.5, 0.5],
    [undefined, undefined, 0.5, 0.9], // unsure (below touchingSure 0.9): the default unsure weight
    [undefined, undefined, 0.95, 0.65], // sure: the default weight
    [0.3, 0.8, 0.95, 0.3] // sure: the weight given
  ])(
    "mixes the two models' probabilities on the cut box's candidates only (weights %s / %s, page classifier %s)",
    async (weight, unsure, t, w) => {
      const l = line()
      const mainCalls: number[] = [],
        touchCalls: number[] = []
      const main = fixed('main', 0, t, mainCalls)
      const touch = fixed('touch', 1, 0.5, touchCalls)
      const prep = await prepareLines(l.seg, layoutPage(l.boxes), main, extract, {
        touching: async () => touch,
        touchingMerges: false,
        ...(weight === undefined ? {} : { touchingWeight: weight }),
        ...(unsure === undefined ? {} : { touchingWeightUnsure: unsure })
      })
      const segs = prep.lattices.flatMap((x) => x.segments)
      const unit = segs.map((s) => s.cutUnit === true)
      // The single strokes (and their merge) are not cut; the touching pair's whole box and its pieces are.
      expect(unit.filter(Boolean).length).toBeGreaterThan(2)
      segs.forEach((s, i) => expect(unit[i], `candidate at x ${s.box.x}`).toBe(s.box.x >= 90))
      expect(mainCalls).toEqual([segs.length]) // one batch of every candidate …
      expect(touchCalls).toEqual([unit.filter(Boolean).length]) // … and one of the cut box's
      const mainOther = (1 - t) / 35,
        touchOther = 0.5 / 35
      // Weighted geometric mean (weight w on the touching model), normalised, worked by hand: class 0 (the main
      // model's) gets t^(1−w) · touchOther^w, class 1 (the touching model's) mainOther^(1−w) · 0.5^w, the rest
      // mainOther^(1−w) · touchOther^w.
      const top0 = t ** (1 - w) * touchOther ** w
      const top1 = mainOther ** (1 - w) * 0.5 ** w
      const rest = mainOther ** (1 - w) * touchOther ** w
      const sum = top0 + top1 + 34 * rest
      segs.forEach((_, i) => {
        const row = prep.probs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES)
        if (unit[i]) {
          expect(row[0]).toBeCloseTo(top0 / sum, 6)
          expect(row[1]).toBeCloseTo(top1 / sum, 6)
          expect(row[5]).toBeCloseTo(rest / sum, 6)
        } else {
          expect(row[0]).toBeCloseTo(t, 6)
          expect(row[1]).toBeCloseTo(mainOther, 6)
        }
      })
    }
  )

  it('sends merges of neighbours and the boxes they span to it unless told not to (touchingMerges, default on)', async () => {
    const l = line()
    const [lat] = buildLattices(l.seg, layoutPage(l.boxes))
    // The two single strokes may be one broken letter: their merge and both strokes are a merge unit.
    const merge = lat.segments.find((s) => s.kind === 'merge' && !s.cutUnit)
    expect(merge).toBeDefined()
    lat.segments.forEach((s) => expect(s.mergeUnit === true, `candidate at x ${s.box.x}`).toBe(s.box.x < 90))
    for (const merges of [false, true, undefined]) {
      const calls: number[] = []
      await prepareLines(l.seg, layoutPage(l.boxes), fixed('main', 0, 0.5, []), extract, {
        touching: async () => fixed('touch', 1, 0.5, calls),
        touchingWeight: 0.5,
        touchingMerges: merges
      })
      const cut = lat.segments.filter((s) => s.cutUnit).length
      expect(calls).toEqual([merges === false ? cut : lat.segments.length])
    }
  })

  it('does not ask for the touching model when nothing is cut, and weight 1 gives it alone', async () => {
    const l = line()
    let asked = 0
    const touch = fixed('touch', 1, 0.9, [])
    const ask = async () => {
      asked++
      return touch
    }
    await prepareLines(l.seg, layoutPage(l.boxes), fixed('main', 0, 0.5, []), extract, {
      lattice: { detectorOnly: true },
      touching: ask
    })
    expect(asked).toBe(0)
    const prep = await prepareLines(l.seg, layoutPage(l.boxes), fixed('main', 0, 0.5, []), extract, {
      touching: ask,
      touchingWeight: 1,
      touchingWeightUnsure: 1
    })
    expect(asked).toBe(1)
    const segs = prep.lattices.flatMap((x) => x.segments)
    segs.forEach((s, i) => {
      if (s.cutUnit) expect(prep.probs[i * NUM_CLASSES + 1]).toBeCloseTo(0.9, 6)
    })
  })

  it("adds the touching model's own certainty as a prior, so a pair read as one wide letter loses to its cuts", async () => {
    const l = line()
    // Glyphs carry their box's width, so the two models below can answer by it.
    const byWidth = (boxes: readonly CharBox[]) => {
      const g = new Float32Array(boxes.length * GLYPH_PIXELS)
      boxes.forEach((b, i) => g.fill(b.w, i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS))
      return g
    }
    const M = CLASSES.indexOf('M'),
      I = CLASSES.indexOf('I')
    /** Wide boxes (the pair's whole box) get `wide` (class, p) or a uniform row; narrower ones I with `narrowP`. */
    const model = (wide: [number, number] | null, narrowP: number): Classifier => ({
      name: 'by-width',
      async predict(glyphs: Float32Array, n: number) {
        const probs = new Float32Array(n * NUM_CLASSES)
        for (let i = 0; i < n; i++) {
          const isWide = glyphs[i * GLYPH_PIXELS] >= 40
          const [k, p] = isWide ? (wide ?? [0, 1 / NUM_CLASSES]) : [I, narrowP]
          probs.fill((1 - p) / (NUM_CLASSES - 1), i * NUM_CLASSES, (i + 1) * NUM_CLASSES)
          probs[i * NUM_CLASSES + k] = p
        }
        return decodeProbs(probs, n)
      }
    })
    const main = model([M, 0.99], 0.5) // sure the pair is an M, unsure of its pieces
    const touch = model(null, 0.9) // the pair is no letter (uniform), the pieces are I's
    const read = async (touchingPeak: number) => {
      const prep = await prepareLines(l.seg, layoutPage(l.boxes), main, byWidth, {
        touching: async () => touch,
        touchingMerges: false,
        touchingWeight: 0.5, // at the default weights the mixture alone already reads this pair as I I
        touchingWeightUnsure: 0.5,
        touchingPeak
      })
      const segs = prep.lattices.flatMap((x) => x.segments)
      // The prior is touchingPeak × ln max_c q_c on the cut box's candidates and absent elsewhere.
      segs.forEach((s, i) => {
        const want =
          touchingPeak === 0 || !s.cutUnit ? 0 : touchingPeak * Math.log(s.box.w >= 40 ? 1 / NUM_CLASSES : 0.9)
        expect(prep.prior?.[i] ?? 0, `candidate at x ${s.box.x}`).toBeCloseTo(want, 5)
      })
      const out = decodeLines(prep, { lm: null, lexicon: null })
      return out.boxes.filter((b) => b.box.x >= 90).map((b) => b.label)
    }
    expect(await read(0)).toEqual(['M'])
    expect(await read(4)).toEqual(['I', 'I'])
  })
})

describe('prepareLines with a reader of cut pieces (cutReader)', () => {
  it('reads the cut pieces with it and every other candidate with the page classifier, each row once', async () => {
    const l = line()
    const mainCalls: number[] = [],
      pieceCalls: number[] = [],
      touchCalls: number[] = []
    const main = fixed('main', 0, 0.95, mainCalls)
    const pieces = fixed('pieces', 2, 0.95, pieceCalls)
    const touch = fixed('touch', 0, 0.95, touchCalls)
    let asked = 0
    const prep = await prepareLines(l.seg, layoutPage(l.boxes), main, blankGlyphs, {
      touching: async () => touch,
      touchingWeight: 0,
      cutReader: async () => {
        asked++
        return pieces
      }
    })
    const segs = prep.lattices.flatMap((x) => x.segments)
    const cut = segs.map((s) => s.kind === 'cut')
    expect(cut.filter(Boolean).length).toBeGreaterThan(2)
    expect(cut.some((c) => !c)).toBe(true)
    expect(asked).toBe(1)
    expect(pieceCalls).toEqual([cut.filter(Boolean).length])
    expect(mainCalls).toEqual([cut.filter((c) => !c).length])
    // Row by row: the pieces' reader's class 2 on cut pieces, the page classifier's class 0 on the rest.
    segs.forEach((s, i) => {
      const row = prep.probs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES)
      expect(row[cut[i] ? 2 : 0], `${s.kind} at x ${s.box.x}`).toBeCloseTo(0.95, 6)
    })
  })

  it('is not asked for when nothing is cut', async () => {
    const l = line()
    const calls: number[] = []
    let asked = 0
    const prep = await prepareLines(
      l.seg,
      layoutPage(l.boxes.slice(0, 2)),
      fixed('main', 0, 0.95, calls),
      blankGlyphs,
      {
        cutReader: async () => {
          asked++
          return null
        }
      }
    )
    expect(prep.lattices.flatMap((x) => x.segments).some((s) => s.kind === 'cut')).toBe(false)
    expect(asked).toBe(0)
  })
})

describe('prepareLines asks first whether the page is writing at all (notWriting)', () => {
  const extract = blankGlyphs
  // The top probability of a box the page classifier reads as class 0 at 0.95 (sure: ≥ touchingSure 0.9) and the
  // touching model as class 1 at 0.5, mixed with weight 0.65 on the touching model, by hand: class 0 gets
  // 0.95^0.35 · (0.5/35)^0.65, class 1 (0.05/35)^0.35 · 0.5^0.65, the other 34 (0.05/35)^0.35 · (0.5/35)^0.65.
  const a = 0.95 ** 0.35 * (0.5 / 35) ** 0.65,
    b = (0.05 / 35) ** 0.35 * 0.5 ** 0.65,
    o = (0.05 / 35) ** 0.35 * (0.5 / 35) ** 0.65
  const sureMixedPeak = Math.max(a, b) / (a + b + 34 * o)

  it('reads only the detector boxes (the touching model those it cuts or merges) when the answer is no', async () => {
    const l = line()
    const mainCalls: number[] = [],
      touchCalls: number[] = []
    const seen: number[][] = []
    const prep = await prepareLines(l.seg, layoutPage(l.boxes), fixed('main', 0, 0.95, mainCalls), extract, {
      touching: async () => fixed('touch', 1, 0.5, touchCalls),
      notWriting: (conf) => {
        seen.push([...conf])
        return true
      }
    })
    expect(prep.notWriting).toBe(true)
    expect(prep.lattices).toEqual([])
    // Three detector boxes, each read once by each model; no cut or merge was built or read.
    expect(mainCalls).toEqual([3])
    expect(touchCalls).toEqual([3])
    expect(seen).toHaveLength(1)
    seen[0].forEach((c) => expect(c).toBeCloseTo(sureMixedPeak, 6))
  })

  it('with notWritingRecheck, reads a page it called no writing all the same, flagged for its decoded reading', async () => {
    const l = line()
    const plain = await prepareLines(l.seg, layoutPage(l.boxes), fixed('main', 0, 0.95, []), extract, {
      touching: async () => fixed('touch', 1, 0.5, [])
    })
    for (const recheck of [false, true]) {
      const sizes: number[] = []
      const prep = await prepareLines(l.seg, layoutPage(l.boxes), fixed('main', 0, 0.95, []), extract, {
        touching: async () => fixed('touch', 1, 0.5, []),
        notWriting: () => true,
        notWritingRecheck: (n) => {
          sizes.push(n)
          return recheck
        }
      })
      expect(sizes).toEqual([3])
      if (!recheck) {
        expect(prep.notWriting).toBe(true)
        expect(prep.doubtedWriting).toBeUndefined()
        continue
      }
      // Read exactly as a page the rule passed, and flagged.
      expect(prep.notWriting).toBeUndefined()
      expect(prep.doubtedWriting).toBe(true)
      expect([...prep.probs]).toEqual([...plain.probs])
    }
    // Not asked of a page the rule passes.
    let asked = false
    const passed = await prepareLines(l.seg, layoutPage(l.boxes), fixed('main', 0, 0.95, []), extract, {
      notWriting: () => false,
      notWritingRecheck: () => (asked = true)
    })
    expect(asked).toBe(false)
    expect(passed.doubtedWriting).toBeUndefined()
  })

  it('asks again, every box read by the touching model too, when the page passes but its reading is doubtful', async () => {
    const l = line()
    // Without cuts and merges no box is read by the touching model for the first answer.
    for (const doubt of [false, true]) {
      const touchCalls: number[] = []
      const asked: number[][] = []
      await prepareLines(l.seg, layoutPage(l.boxes), fixed('main', 0, 0.95, []), extract, {
        lattice: { detectorOnly: true },
        touching: async () => fixed('touch', 1, 0.5, touchCalls),
        notWriting: (conf) => {
          asked.push([...conf])
          return false
        },
        notWritingDoubt: () => doubt
      })
      expect(touchCalls).toEqual(doubt ? [3] : [])
      expect(asked).toHaveLength(doubt ? 2 : 1)
      asked[0].forEach((c) => expect(c).toBeCloseTo(0.95, 6))
      if (doubt) asked[1].forEach((c) => expect(c).toBeCloseTo(sureMixedPeak, 6))
    }
  })

  it('reads the page exactly as without the question when the answer is yes, reusing what it read', async () => {
    const l = line()
    const plainMain: number[] = [],
      plainTouch: number[] = []
    const plain = await prepareLines(l.seg, layoutPage(l.boxes), fixed('main', 0, 0.5, plainMain), extract, {
      touching: async () => fixed('touch', 1, 0.5, plainTouch)
    })
    const mainCalls: number[] = [],
      touchCalls: number[] = []
    const asked = await prepareLines(l.seg, layoutPage(l.boxes), fixed('main', 0, 0.5, mainCalls), extract, {
      touching: async () => fixed('touch', 1, 0.5, touchCalls),
      notWriting: () => false
    })
    expect(asked.notWriting).toBeUndefined()
    expect(asked.lattices.map((x) => x.segments.map((s) => [s.kind, s.from, s.to, s.box.x, s.box.w]))).toEqual(
      plain.lattices.map((x) => x.segments.map((s) => [s.kind, s.from, s.to, s.box.x, s.box.w]))
    )
    expect([...asked.probs]).toEqual([...plain.probs])
    expect([...(asked.prior ?? [])]).toEqual([...(plain.prior ?? [])])
    // Every candidate is read once by the page classifier: the three detector boxes first, then the rest
    // (the closed-ink reread of unsure boxes and merges comes after, as without the question) …
    const n = plain.lattices.flatMap((x) => x.segments).length
    expect(mainCalls[0]).toBe(3)
    expect(mainCalls[1]).toBe(n - 3)
    expect(mainCalls.slice(2)).toEqual(plainMain.slice(1))
    // … and the touching model reads the three boxes, then only the cut and merged candidates it has not read.
    const units = plain.lattices.flatMap((x) => x.segments).filter((s) => s.cutUnit || s.mergeUnit)
    const unitBoxes = units.filter((s) => l.boxes.includes(s.box)).length
    expect(unitBoxes).toBeGreaterThan(0)
    expect(plainTouch).toEqual([units.length])
    expect(touchCalls).toEqual([3, units.length - unitBoxes])
  })
})

describe('loose strokes (SegmentResult.loose)', () => {
  /** A line's label map, 260 × H, and a solid rectangle of ink drawn into it as a component's box. */
  function canvas() {
    const width = 260
    const labels = new Int32Array(width * H)
    const rect = (label: number, x: number, y: number, w: number, h: number): CharBox => {
      for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) labels[yy * width + xx] = label
      const r = { x, y, w, h }
      return { ...r, origin: 'component', ink: { labels: [label], rect: r } }
    }
    return { width, labels, rect }
  }

  /**
   * An L whose foot broke off — the stem (component 1) is a box, the foot (component 2) a loose stroke at its
   * bottom right — then an O-sized box (component 3) a small gap further on, and a loose stroke far from
   * every box (component 4). Working scale 1, line height H.
   */
  function brokenL() {
    const { width, labels, rect } = canvas()
    const stem = rect(1, 10, 0, 8, H)
    const foot = rect(2, 24, H - 8, 24, 8) // 6 px right of the stem
    const o = rect(3, 60, 0, 40, H) // 12 px right of the foot, 42 px right of the stem
    const far = rect(4, 200, H - 8, 24, 8) // 100 px from the O
    const gray = { width, height: H, data: new Uint8Array(width * H).fill(255) }
    return { seg: { labels, binary: gray, binaryScale: 1, normalised: gray, loose: [foot, far] }, boxes: [stem, o] }
  }

  it('offers a box merged with a loose stroke beside it, as an alternative to the box alone', () => {
    const { seg, boxes } = brokenL()
    // Without the wider merges only the word rescue may take (the stem and the O are 1.5 heights together).
    const [lat] = buildLattices(seg, layoutPage(boxes), { rescueMergeMaxWidth: 0 })
    const stemAlone = lat.segments.find((s) => s.kind === 'box' && s.box.x === 10)!
    expect(stemAlone).toBeDefined()
    const withFoot = lat.segments.filter(
      (s) => s.kind === 'merge' && s.from === stemAlone.from && s.to === stemAlone.to
    )
    expect(withFoot).toHaveLength(1)
    expect(withFoot[0].box).toMatchObject({ x: 10, y: 0, w: 38, h: H })
    expect(withFoot[0].box.ink?.labels.sort()).toEqual([1, 2])
    // Both are read by the touching model too (a broken letter and its piece), like any merge.
    expect(withFoot[0].mergeUnit && stemAlone.mergeUnit).toBe(true)
    // The far stroke joins nothing, and nothing spans the O but its own box.
    expect(lat.segments.some((s) => s.box.ink?.labels.includes(4))).toBe(false)
    expect(lat.segments.filter((s) => s.box.ink?.labels.includes(3))).toHaveLength(1)
    // The word gap after the L is measured from its foot: 12 px, not the stem's 42.
    expect(lat.gaps[stemAlone.to]).toBeCloseTo(12 / H, 6)
  })

  it('offers a merge of neighbouring boxes with a loose stroke under them too (mergeLooseGroups, default on)', () => {
    // An E broken three ways: its spine (component 1) and its arms (component 2) are boxes 4 px apart, its bottom
    // arm (component 3) a loose stroke under both. Then an O-sized box (component 4) further on.
    const { width, labels, rect } = canvas()
    const spine = rect(1, 10, 0, 8, H - 10)
    const arms = rect(2, 22, 0, 20, H - 10)
    const bottom = rect(3, 10, H - 8, 32, 8)
    const o = rect(4, 80, 0, 40, H)
    const gray = { width, height: H, data: new Uint8Array(width * H).fill(255) }
    const seg = { labels, binary: gray, binaryScale: 1, normalised: gray, loose: [bottom] }
    // Each merge's components, and its box.
    const merges = (opts: LatticeOptions) => {
      const [lat] = buildLattices(seg, layoutPage([spine, arms, o]), opts)
      return lat.segments
        .filter((s) => s.kind === 'merge')
        .map((s) => ({ parts: [...s.box.ink!.labels].sort().join(), box: s.box }))
    }
    const on = merges({})
    const all = on.filter((m) => m.parts === '1,2,3')
    expect(all).toHaveLength(1)
    expect(all[0].box).toMatchObject({ x: 10, y: 0, w: 32, h: H })
    // Without it: the group without the stroke, and each box with it, as before.
    const off = merges({ mergeLooseGroups: 0 }).map((m) => m.parts)
    expect(off.sort()).toEqual(['1,2', '1,3', '2,3'])
    expect(on.map((m) => m.parts).sort()).toEqual(['1,2', '1,2,3', '1,3', '2,3'])
  })

  it('leaves them out without loose strokes or with detector boxes only', () => {
    const { seg, boxes } = brokenL()
    const { loose: _, ...plain } = seg
    for (const [s, opts] of [
      [plain, {}],
      [seg, { detectorOnly: true }]
    ] as const) {
      const [lat] = buildLattices(s, layoutPage(boxes), opts)
      expect(lat.segments.some((x) => x.box.ink?.labels.includes(2))).toBe(false)
      expect(lat.gaps[1]).toBeCloseTo(42 / H, 6)
    }
  })
})

describe('boxes a little wider than the line median (cutMinWidths … cutSureWidths)', () => {
  /** Three 40-px boxes and one of 50 px (1.25 median widths, 0.83 heights: in the band), solid ink, scale 1. */
  function band() {
    const width = 260
    const labels = new Int32Array(width * H)
    const boxes: CharBox[] = []
    ;[
      [1, 10, 40],
      [2, 60, 40],
      [3, 110, 40],
      [4, 170, 50]
    ].forEach(([label, x, w]) => {
      for (let y = 0; y < H; y++) labels.fill(label, y * width + x, y * width + x + w)
      const r = { x, y: 0, w, h: H }
      boxes.push({ ...r, origin: 'component', ink: { labels: [label], rect: r } })
    })
    const gray = { width, height: H, data: new Uint8Array(width * H).fill(255) }
    return { seg: { labels, binary: gray, binaryScale: 1, normalised: gray }, boxes }
  }
  const cutOf = (lat: { segments: { cutUnit?: boolean; box: CharBox }[] }, x: number) =>
    lat.segments.some((s) => s.cutUnit && s.box.x >= x && s.box.x < x + 50)

  it('are cut by default, never with cutAlso false, and only the chosen ones otherwise', () => {
    const { seg, boxes } = band()
    expect(cutOf(buildLattices(seg, layoutPage(boxes))[0], 170)).toBe(true)
    expect(cutOf(buildLattices(seg, layoutPage(boxes), { cutAlso: () => false })[0], 170)).toBe(false)
    expect(cutOf(buildLattices(seg, layoutPage(boxes), { cutAlso: (b) => b === boxes[3] })[0], 170)).toBe(true)
    // Above cutSureWidths a box is cut whatever cutAlso says.
    expect(cutOf(buildLattices(seg, layoutPage(boxes), { cutAlso: () => false, cutSureWidths: 1.2 })[0], 170)).toBe(
      true
    )
    // The 40-px boxes are never in the band.
    for (const x of [10, 60, 110]) expect(cutOf(buildLattices(seg, layoutPage(boxes))[0], x)).toBe(false)
  })

  it('are cut by the reader when the touching model is unsure of them whole, classifying only the new candidates', async () => {
    const { seg, boxes } = band()
    // Each candidate's glyph carries a stamp of its rectangle, so that the glyphs prepareLines returns can be
    // checked against the candidates they belong to (also after the second lattice reuses the first's rows).
    const stamp = (b: CharBox) => Math.fround(((b.x * 7919 + b.w * 104729 + b.y) % 9973) / 9973)
    const extract = (bs: readonly CharBox[]) => {
      const g = new Float32Array(bs.length * GLYPH_PIXELS)
      bs.forEach((b, i) => g.fill(stamp(b), i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS))
      return g
    }
    const model = (p: number, calls: number[]): Classifier => ({
      name: 'fixed',
      async predict(_g: Float32Array, n: number) {
        calls.push(n)
        const probs = new Float32Array(n * NUM_CLASSES).fill((1 - p) / (NUM_CLASSES - 1))
        for (let i = 0; i < n; i++) probs[i * NUM_CLASSES] = p
        return decodeProbs(probs, n)
      }
    })
    for (const [peak, cut] of [
      [0.95, false],
      [1 / NUM_CLASSES, true]
    ] as const) {
      const mainCalls: number[] = [],
        touchCalls: number[] = []
      const prep = await prepareLines(seg, layoutPage(boxes), model(0.9, mainCalls), extract, {
        touching: async () => model(peak, touchCalls)
      })
      const [lat] = prep.lattices
      expect(cutOf(lat, 170), `touching peak ${peak}`).toBe(cut)
      expect(touchCalls[0]).toBe(1) // the one band box, whole
      const first = buildLattices(seg, layoutPage(boxes), { cutAlso: () => false })[0].segments.length
      // A second batch of the main classifier holds only the candidates the cuts added.
      expect(mainCalls).toEqual(cut ? [first, lat.segments.length - first] : [first])
      expect(prep.probs.length).toBe(lat.segments.length * NUM_CLASSES)
      const all = candidateBoxes(prep.lattices)
      expect(prep.glyphs.length).toBe(all.length * GLYPH_PIXELS)
      expect(all.map((_, i) => prep.glyphs[i * GLYPH_PIXELS + 500])).toEqual(all.map(stamp))
    }
    // With the detector's boxes only nothing is cut, so the touching model is not asked about the band at all.
    const touchCalls: number[] = []
    await prepareLines(seg, layoutPage(boxes), model(0.9, []), extract, {
      touching: async () => model(1 / NUM_CLASSES, touchCalls),
      lattice: { detectorOnly: true }
    })
    expect(touchCalls).toEqual([])
  })
})

describe('merges of a wide letter broken into side-by-side pieces', () => {
  /**
   * A W-sized letter (90 px, 1.5 character heights) broken by a slanted gap into two components whose boxes
   * overlap by `overlap` px (negative: a gap between them), then a letter-sized box well apart. Working scale 1.
   * Piece 1 holds the left columns and, in the shared columns, the upper rows; piece 2 the rest.
   */
  function brokenWide(overlap: number, width = 90) {
    const page = 400
    const labels = new Int32Array(page * H)
    const x0 = 10,
      split = x0 + (width + overlap) / 2 // piece 1 ends at split + overlap / 2, piece 2 starts at split − overlap / 2
    const end1 = Math.round(split + overlap / 2),
      start2 = Math.round(split - overlap / 2)
    for (let y = 0; y < H; y++)
      for (let x = x0; x < x0 + width + Math.max(0, -overlap); x++) {
        const in1 = x < end1 && (x < start2 || y < H / 2)
        const in2 = x >= start2 && !in1
        if (in1) labels[y * page + x] = 1
        else if (in2 && x < x0 + width + Math.max(0, -overlap)) labels[y * page + x] = 2
      }
    const box = (label: number, a: number, b: number): CharBox => {
      const r = { x: a, y: 0, w: b - a, h: H }
      return { ...r, origin: 'component', ink: { labels: [label], rect: r } }
    }
    const right = x0 + width + Math.max(0, -overlap)
    for (let y = 0; y < H; y++) for (let x = 300; x < 340; x++) labels[y * page + x] = 3
    const gray = { width: page, height: H, data: new Uint8Array(page * H).fill(255) }
    return {
      seg: { labels, binary: gray, binaryScale: 1, normalised: gray },
      boxes: [box(1, x0, end1), box(2, start2, right), box(3, 300, 340)]
    }
  }
  /** The merges of a line's lattice that hold both pieces (labels 1 and 2). */
  const pieceMerges = (lat: { segments: { kind: string; box: CharBox }[] }) =>
    lat.segments.filter((s) => s.kind === 'merge' && [1, 2].every((l) => s.box.ink?.labels.includes(l)))
  const mergesOf = (g: ReturnType<typeof brokenWide>, opts: LatticeOptions = {}) =>
    pieceMerges(buildLattices(g.seg, layoutPage(g.boxes), opts)[0])

  it('offers the merge when the pieces overlap side by side, up to 2 character heights', () => {
    const merges = mergesOf(brokenWide(10))
    expect(merges).toHaveLength(1)
    expect(merges[0].box).toMatchObject({ x: 10, w: 90 })
    // Wider than mergeCloseMaxWidth: not a letter.
    expect(mergesOf(brokenWide(10, 1.9 * H))).toHaveLength(1)
    expect(mergesOf(brokenWide(10, 2.1 * H))).toHaveLength(0)
  })

  it('keeps the 1.2-height limit for pieces with a gap between them (two letters side by side)', () => {
    expect(mergesOf(brokenWide(-6))).toHaveLength(0)
    // A narrow pair with the same gap is still offered, as before.
    expect(mergesOf(brokenWide(-6, 0.9 * H))).toHaveLength(1)
  })

  it('goes up to mergeWideMaxWidth (2) across a gap only for a box the reader names (mergeWide)', () => {
    const g = brokenWide(-6)
    const wideOf = (pick: (b: CharBox) => boolean, opts: LatticeOptions = {}) =>
      mergesOf(g, { mergeWide: pick, ...opts })
    // The first piece is a fragment the classifier could not read: its merge with the second is offered.
    expect(wideOf((b) => b === g.boxes[0])).toHaveLength(1)
    // Neither piece named: as without the option.
    expect(wideOf(() => false)).toHaveLength(0)
    // Never wider than mergeWideMaxWidth, and never with the letter far to the right (its gap is too wide).
    expect(wideOf((b) => b === g.boxes[0], { mergeWideMaxWidth: 1.4 })).toHaveLength(0)
    const all = buildLattices(g.seg, layoutPage(g.boxes), { mergeWide: () => true })[0].segments
    expect(all.filter((s) => s.kind === 'merge' && s.box.ink?.labels.includes(3))).toHaveLength(0)
  })

  it("are found again when a person's page is cropped for retraining (pageBoxGlyphs), with their own ink", () => {
    const g = brokenWide(-6)
    const seg = { ...g.seg, boxes: g.boxes, charHeight: H } as unknown as PageSegmentation
    const wide = { x: 10, y: 0, w: 96, h: H }
    const found = pageBoxGlyphs(g.seg.normalised, seg, [wide, g.boxes[2]])
    expect(found.fromDetector).toBe(2)
  })

  it('are offered by the reader for the boxes its classifier cannot read (mergeWideBelow, default 0.3)', async () => {
    const g = brokenWide(-6)
    // A glyph carries its candidate's left edge; the classifier reads the first piece alone (x 10, 45 px wide)
    // as nothing (uniform) when `fragment`, every other candidate as class 0 at 0.9.
    const extract = (bs: readonly CharBox[]) => {
      const out = new Float32Array(bs.length * GLYPH_PIXELS)
      bs.forEach((b, i) => out.fill(b.x === 10 && b.w < 60 ? 1 : 0, i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS))
      return out
    }
    const reader = (fragment: boolean, calls: number[]): Classifier => ({
      name: 'fixed',
      async predict(glyphs: Float32Array, n: number) {
        calls.push(n)
        const probs = new Float32Array(n * NUM_CLASSES)
        for (let i = 0; i < n; i++) {
          const row = probs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES)
          if (fragment && glyphs[i * GLYPH_PIXELS] === 1) row.fill(1 / NUM_CLASSES)
          else row.fill(0.1 / (NUM_CLASSES - 1)).set([0.9])
        }
        return decodeProbs(probs, n)
      }
    })
    const first = buildLattices(g.seg, layoutPage(g.boxes))[0].segments.length
    for (const fragment of [false, true]) {
      const calls: number[] = []
      const prep = await prepareLines(g.seg, layoutPage(g.boxes), reader(fragment, calls), extract, {
        heal: { weight: 0 }
      })
      expect(pieceMerges(prep.lattices[0]), `fragment ${fragment}`).toHaveLength(fragment ? 1 : 0)
      // The second batch holds only the merge.
      expect(calls).toEqual(fragment ? [first, 1] : [first])
      const off = await prepareLines(g.seg, layoutPage(g.boxes), reader(fragment, []), extract, {
        heal: { weight: 0 },
        lattice: { mergeWideBelow: 0 }
      })
      expect(pieceMerges(off.lattices[0])).toHaveLength(0)
    }
  })
})

describe('prepareLines reads unsure boxes and merges again with their ink closed', () => {
  /**
   * A classifier that reads a glyph by its pixel (0, 0): ink there (a closed glyph, below) gives class 1 at
   * 0.6, paper gives class 0 at `top`. So the first reading and the closed one differ, and every row says which.
   */
  const byCorner = (top: number, calls: number[]): Classifier => ({
    name: 'corner',
    async predict(glyphs: Float32Array, n: number) {
      calls.push(n)
      const probs = new Float32Array(n * NUM_CLASSES)
      for (let i = 0; i < n; i++) {
        const closed = glyphs[i * GLYPH_PIXELS] < 0.5
        const [k, p] = closed ? [1, 0.6] : [0, top]
        for (let c = 0; c < NUM_CLASSES; c++) probs[i * NUM_CLASSES + c] = c === k ? p : (1 - p) / (NUM_CLASSES - 1)
      }
      return decodeProbs(probs, n)
    }
  })
  // Ink at (0, 1) and (1, 0) around paper at (0, 0): the closing fills the corner.
  const extract = (boxes: readonly CharBox[]) => {
    const g = new Float32Array(boxes.length * GLYPH_PIXELS).fill(1)
    for (let i = 0; i < boxes.length; i++) {
      g[i * GLYPH_PIXELS + 1] = 0
      g[i * GLYPH_PIXELS + 32] = 0
      g[i * GLYPH_PIXELS + 33] = 0
    }
    return g
  }

  it.each([
    [0.4, 0.5, 0.5], // unsure: mixed
    [0.4, 0.3, 0.5], // below a lower bar: not
    [0.4, 0.5, 0], // weight 0: not
    [0.7, 0.5, 0.5] // sure: not
  ])('page classifier %s, below %s, weight %s', async (top, below, weight) => {
    const l = line()
    const calls: number[] = []
    const prep = await prepareLines(l.seg, layoutPage(l.boxes), byCorner(top, calls), extract, {
      heal: { below, weight }
    })
    const segs = prep.lattices.flatMap((x) => x.segments)
    const healed = segs.map((s) => (s.kind === 'box' || s.kind === 'merge') && top < below && weight > 0)
    expect(segs.some((s) => s.kind === 'cut')).toBe(true)
    // One batch of every candidate, then one of the unsure boxes and merges, if any.
    const n = healed.filter(Boolean).length
    expect(calls).toEqual(n > 0 ? [segs.length, n] : [segs.length])
    const rest = (1 - top) / 35,
      rest2 = 0.4 / 35
    // Normalised weighted geometric mean, by hand: class 0 top^(1−w)·rest2^w, class 1 rest^(1−w)·0.6^w.
    const a = top ** (1 - weight) * rest2 ** weight,
      b = rest ** (1 - weight) * 0.6 ** weight,
      o = rest ** (1 - weight) * rest2 ** weight
    const sum = a + b + 34 * o
    segs.forEach((s, i) => {
      const row = prep.probs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES)
      if (healed[i]) {
        expect(row[0], `${s.kind} at ${s.box.x}`).toBeCloseTo(a / sum, 6)
        expect(row[1]).toBeCloseTo(b / sum, 6)
        expect(row[7]).toBeCloseTo(o / sum, 6)
      } else {
        expect(row[0], `${s.kind} at ${s.box.x}`).toBeCloseTo(top, 6)
        expect(row[1]).toBeCloseTo(rest, 6)
      }
    })
  })
})

describe('rescue-only merges (rescueMergeMaxWidth)', () => {
  // The two pieces of a wide broken letter, 38 px each and 4 px apart (together 80 px, 1.33 line heights: wider than
  // the decoder's merges of 1.2), and a third box 60 px on. Components 1, 2 and 3; working scale 1, line height H.
  function pieces() {
    const width = 220
    const labels = new Int32Array(width * H)
    const rect = (label: number, x: number, w: number): CharBox => {
      for (let y = 0; y < H; y++) for (let xx = x; xx < x + w; xx++) labels[y * width + xx] = label
      const r = { x, y: 0, w, h: H }
      return { ...r, origin: 'component', ink: { labels: [label], rect: r } }
    }
    const boxes = [rect(1, 10, 38), rect(2, 52, 38), rect(3, 150, 40)]
    const gray = { width, height: H, data: new Uint8Array(width * H).fill(255) }
    return { seg: { labels, binary: gray, binaryScale: 1, normalised: gray }, boxes }
  }
  const mergesOf = (opts: LatticeOptions) => {
    const { seg, boxes } = pieces()
    const [lat] = buildLattices(seg, layoutPage(boxes), opts)
    return { lat, merges: lat.segments.filter((s) => s.kind === 'merge') }
  }

  it('offers the two pieces whole, for the lexicon only, up to the width asked for (default 1.5 heights)', () => {
    expect(mergesOf({ rescueMergeMaxWidth: 0 }).merges).toHaveLength(0)
    expect(mergesOf({ rescueMergeMaxWidth: 1.3 }).merges).toHaveLength(0)
    const { lat, merges } = mergesOf({})
    expect(merges).toHaveLength(1)
    expect(merges[0].box.ink?.labels.sort()).toEqual([1, 2])
    expect(merges[0].box).toMatchObject({ x: 10, w: 80 })
    expect(merges[0].rescueOnly).toBe(true)
    // It is read as merges are (by the touching model too), but the pieces stay plain detector boxes: their reading
    // and their score in the decoder's search are as without it.
    expect(merges[0].mergeUnit).toBe(true)
    const boxes = lat.segments.filter((s) => s.kind === 'box')
    expect(boxes).toHaveLength(3)
    expect(boxes.every((b) => isPlainBox(b) && !b.rescueOnly)).toBe(true)
  })

  it('an ordinary merge stays one (not rescue-only) whatever the rescue width', () => {
    const { merges } = mergesOf({ rescueMergeMaxWidth: 1.5, mergeMaxWidth: 1.4 })
    expect(merges).toHaveLength(1)
    expect(merges[0].rescueOnly).toBeUndefined()
  })
})
