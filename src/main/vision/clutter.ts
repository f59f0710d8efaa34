// What on a page is not writing: ruled lines, margins and borders (long thin runs of ink), solid blobs
// (a phone, a shadow, a stain), things cut by the photo's edge, and a page with no ink at all — or with only
// faint ink, which is stretched rather than lost, or with white ink on a dark ground, which is inverted. Pure
// functions over the binary ink mask at the working scale (characters ~64 px tall), over the
// background-normalised gray, or over the page at ≤ 480 px; segment.ts calls them.
import type { LabelMap } from './cvExact.ts'
import { Levels } from './levels.ts'

/**
 * Erases ruled lines, margin lines and borders from `bin` (255 = ink, in place) without cutting the
 * strokes that cross them. A pixel is part of a line when it lies on a horizontal (vertical) run of ink at
 * least `minLength` long, counted over its row and the rows next to it (a line tilted by a pixel or two
 * over that length still counts). Across the line, each column's band of line pixels is kept only where a
 * stroke crosses it: ink that is not line just above and just below the band, so a letter crossing the line
 * stays whole. Under a letter that only stands on the line (or hangs from it) the band is line and is erased:
 * kept, it gave the letter a foot as wide as its touching stroke — an underlined O read Q, a J read I
 * (docs/BENCHMARKS.md, "Underlines"). Bands thicker than `maxThickness` are not lines (a bar, a blob) and are
 * left alone.
 * A form's cells: a vertical stroke at least `minWall` long that runs from one horizontal line to another (both its
 * ends on a line, see markWalls) is a cell's wall, a line however short, and is erased the same way, with the lines
 * it joins; a letter's stroke that only touches the lines at one end, or crosses one, is not. Returns the number of
 * pixels erased.
 * `also`: a second mask of the same page (the median-filtered ink, where a thin printed line is broken into dashes
 * and cannot be found) from which every band erased here is erased too, a pixel wider on each side, since the
 * filter moves a line's edges by about that much.
 */
export function removeRules(
  bin: Uint8Array,
  w: number,
  h: number,
  minLength: number,
  maxThickness: number,
  minWall = Infinity,
  also?: Uint8Array
): number {
  // Horizontal runs over the row and its neighbours (a vertical dilation by one pixel), then vertical runs over
  // the column and its neighbours: one search, along rows (bit 1) and along columns (bit 2).
  const rows = markLongRuns(bin, null, h, w, w, 1, minLength, 1)
  const cols = markLongRuns(bin, rows.line, w, h, 1, w, minLength, 2)
  const walls = markWalls(bin, cols.line, w, h, minWall, minLength / 2, maxThickness)
  const line = walls.line
  const horizontal = rows.marked + walls.lines
  const vertical = cols.marked + walls.walls
  if (!line) return 0
  let erased = 0
  // Horizontal lines: per column, bands of line pixels.
  for (let x = 0; horizontal > 0 && x < w; x++) {
    let y = 0
    while (y < h) {
      if (!(line[y * w + x] & 1)) {
        y++
        continue
      }
      const y0 = y
      while (y < h && line[y * w + x] & 1) y++
      const y1 = y - 1
      if (y1 - y0 + 1 > maxThickness) continue
      const above = y0 > 0 && bin[(y0 - 1) * w + x] !== 0 && !(line[(y0 - 1) * w + x] & 1)
      const below = y1 + 1 < h && bin[(y1 + 1) * w + x] !== 0 && !(line[(y1 + 1) * w + x] & 1)
      if (above && below) continue
      for (let k = y0; k <= y1; k++) {
        bin[k * w + x] = 0
        erased++
      }
      if (also) for (let k = Math.max(0, y0 - 1); k <= Math.min(h - 1, y1 + 1); k++) also[k * w + x] = 0
    }
  }
  // Vertical lines: per row, bands of line pixels.
  for (let y = 0; vertical > 0 && y < h; y++) {
    let x = 0
    while (x < w) {
      if (!(line[y * w + x] & 2)) {
        x++
        continue
      }
      const x0 = x
      while (x < w && line[y * w + x] & 2) x++
      const x1 = x - 1
      if (x1 - x0 + 1 > maxThickness) continue
      const left = x0 > 0 && bin[y * w + x0 - 1] !== 0 && !(line[y * w + x0 - 1] & 2)
      const right = x1 + 1 < w && bin[y * w + x1 + 1] !== 0 && !(line[y * w + x1 + 1] & 2)
      if (left && right) continue
      for (let k = x0; k <= x1; k++) {
        if (bin[y * w + k]) erased++
        bin[y * w + k] = 0
      }
      if (also) for (let k = Math.max(0, x0 - 1); k <= Math.min(w - 1, x1 + 1); k++) also[y * w + k] = 0
    }
  }
  return erased
}

/** Rows tried, in order, for the next column of a followed line: its row, then one and two rows off. */
const DRIFT = [0, -1, 1, -2, 2] as const

/**
 * Marks the cell walls of a form (removeRules), and the lines they join: per column, each run of ink at least
 * `minWall` long whose top and bottom ends each lie on a horizontal line — ink followed sideways from the end for at
 * least `minLine` pixels, across gaps of up to an eighth of that (a printed line thinner than the median filter
 * breaks into dashes when binarised), ink over at least half of it, and straight (its centre moving by at most a
 * pixel in 30, where a chain of touching letters' tops wanders with their shapes). The run is marked bit 2, the
 * lines' pixels bit 1 (so a line too broken to be a long run is still erased); `line` is allocated on the first
 * wall. A letter's stroke is shorter than its cell's wall (segment.ts#WALL_HEIGHTS) and ends in the letter; a stroke
 * that crosses a line runs on past it.
 */
function markWalls(
  bin: Uint8Array,
  line: Uint8Array | null,
  w: number,
  h: number,
  minWall: number,
  minLine: number,
  thick: number
): { line: Uint8Array | null; walls: number; lines: number } {
  const out = { line, walls: 0, lines: 0 }
  if (!Number.isFinite(minWall)) return out
  // A printed line thinner than the median filter's footprint breaks into dashes when binarised: gaps of up to an
  // eighth of a line's least length are crossed, so long as ink covers half the line followed. (A quarter also
  // crossed the gaps between letters standing on a rule, whose top bars then made a line: docs/BENCHMARKS.md.)
  const GAP = Math.max(4, Math.round(minLine / 8))
  // The centre row of a followed line in each column it covers (top end's, bottom end's), -1 elsewhere.
  const tops = new Int32Array(w).fill(-1),
    bottoms = new Int32Array(w).fill(-1)
  /**
   * Follows a horizontal line through the run's end (x, yEnd) left and right, within 2 rows of its centre (which may
   * drift a row at a time, for a tilted line), writing its centre rows into `ys`: its columns [x0, x1], or null when
   * no row of the run's end holds one at least minLine long (`ys` is then cleared). `inward` is +1 at the run's top
   * end (the line lies at or below it), −1 at its bottom end.
   */
  const follow = (ys: Int32Array, x: number, yEnd: number, inward: number): [number, number] | null => {
    // The line is one of the rows of the run's end (the run's first or last `thick` rows); its own column is the wall.
    for (let r = yEnd; Math.abs(r - yEnd) <= thick && r >= 0 && r < h && bin[r * w + x]; r += inward) {
      const got = followRow(ys, x, r)
      if (got) return got
    }
    return null
  }
  const followRow = (ys: Int32Array, x: number, centre: number): [number, number] | null =>
    followLineRow(bin, w, h, GAP, minLine, ys, x, centre)
  const half = Math.max(1, Math.ceil(thick / 2))
  const markLine = (ys: Int32Array, [x0, x1]: [number, number], into: Uint8Array) => {
    for (let xx = x0; xx <= x1; xx++) {
      const yc = ys[xx]
      if (yc < 0) continue
      ys[xx] = -1
      for (let yy = Math.max(0, yc - half); yy <= Math.min(h - 1, yc + half); yy++) {
        const i = yy * w + xx
        if (bin[i] && !(into[i] & 1)) {
          into[i] |= 1
          out.lines++
        }
      }
    }
  }
  const wall = (x: number, y0: number, y1: number) => {
    const into = (out.line ??= new Uint8Array(bin.length))
    for (let k = y0; k <= y1; k++) {
      if (!(into[k * w + x] & 2)) out.walls++
      into[k * w + x] |= 2
    }
  }
  // The last wall found: a wall is a few columns wide, and the next column's run between the same lines is the
  // same wall (its lines are marked already).
  let last = { x: -2, y0: 0, y1: 0 }
  const candidate = (x: number, y0: number, y1: number) => {
    if (x === last.x + 1 && Math.abs(y0 - last.y0) <= 2 && Math.abs(y1 - last.y1) <= 2) {
      wall(x, y0, y1)
      last = { x, y0, y1 }
      return
    }
    // An end on a line already found (another wall's, or a rule) needs no following.
    const onLine = (y: number) => out.line !== null && (out.line[y * w + x] & 1) !== 0
    const topKnown = onLine(y0) || (y0 + 1 < h && onLine(y0 + 1))
    const top = topKnown ? null : follow(tops, x, y0, 1)
    if (!topKnown && !top) return
    const bottomKnown = onLine(y1) || (y1 > 0 && onLine(y1 - 1))
    const bottom = bottomKnown ? null : follow(bottoms, x, y1, -1)
    if (!bottomKnown && !bottom) {
      if (top) tops.fill(-1, top[0], top[1] + 1)
      return
    }
    const into = (out.line ??= new Uint8Array(bin.length))
    if (top) markLine(tops, top, into)
    if (bottom) markLine(bottoms, bottom, into)
    wall(x, y0, y1)
    last = { x, y0, y1 }
  }
  // Runs of ink down each column at least minWall long: such a run covers one of every minWall rows, so runs are
  // looked for only from those rows and followed up and down from there (as markLongRuns does), a column's run once.
  const step = Math.max(1, Math.floor(minWall))
  const done = new Int32Array(w).fill(-1)
  for (let ys = step - 1; ys < h; ys += step) {
    const row = ys * w
    for (let x = 0; x < w; x++) {
      if (!bin[row + x] || ys <= done[x]) continue
      let y0 = ys,
        y1 = ys
      while (y0 > 0 && bin[(y0 - 1) * w + x]) y0--
      while (y1 + 1 < h && bin[(y1 + 1) * w + x]) y1++
      done[x] = y1
      if (y1 - y0 + 1 >= minWall) candidate(x, y0, y1)
    }
  }
  return out
}

/**
 * markWalls' line follower: a horizontal line through (x, centre) followed left and right within DRIFT rows of its
 * centre (which may drift a row at a time, for a tilted line) across gaps of up to `gapMax` columns, its centre rows
 * written into `ys`; its columns [x0, x1] when it is at least minLine long, mostly ink and straight, else null (`ys`
 * cleared there). A function of the module, not a closure of markWalls: V8 compiled the closure's loop again for
 * every page (docs/BENCHMARKS.md, "Forty-second session").
 */
function followLineRow(
  bin: Uint8Array,
  w: number,
  h: number,
  gapMax: number,
  minLine: number,
  ys: Int32Array,
  x: number,
  centre: number
): [number, number] | null {
  ys[x] = centre
  let found = 1
  let x0 = x,
    x1 = x
  for (const dir of [-1, 1]) {
    let yc = centre,
      gap = 0,
      last = x
    for (let xx = x + dir; xx >= 0 && xx < w; xx += dir) {
      let at = -1
      for (const dy of DRIFT) {
        const yy = yc + dy
        if (yy >= 0 && yy < h && bin[yy * w + xx]) {
          at = yy
          break
        }
      }
      if (at < 0) {
        if (++gap > gapMax) break
        continue
      }
      gap = 0
      yc = at
      ys[xx] = yc
      last = xx
      found++
    }
    if (dir < 0) x0 = last
    else x1 = last
  }
  // A printed line is straight: its centre moves by at most a pixel per 30 along it (a page turned by 2°), where
  // a chain of letters' tops wanders with their shapes.
  let lo = h,
    hi = -1
  for (let xx = x0; xx <= x1; xx++)
    if (ys[xx] >= 0) {
      lo = Math.min(lo, ys[xx])
      hi = Math.max(hi, ys[xx])
    }
  const straight = hi - lo <= Math.max(4, (x1 - x0 + 1) / 30)
  if (x1 - x0 + 1 >= minLine && found >= 0.5 * (x1 - x0 + 1) && straight) return [x0, x1]
  ys.fill(-1, x0, x1 + 1)
  return null
}

/**
 * Marks `bit` in `line` (allocated on the first mark) at every ink pixel of a maximal run at least `minLength`
 * long along each of `lines` lines of `length` pixels: pixel p of line l is bin[l·lineStride + p·posStride], and
 * a position counts as on when it or the same position of a neighbouring line is ink. A run that long covers one of
 * every minLength consecutive positions, so runs are looked for only from those sample positions and followed both
 * ways from there: on a page without lines this reads 1/minLength of the pixels instead of all of them, and finds
 * exactly the same maximal runs. Plain strides, no callbacks: this is on every page's path.
 */
function markLongRuns(
  bin: Uint8Array,
  line: Uint8Array | null,
  lines: number,
  length: number,
  lineStride: number,
  posStride: number,
  minLength: number,
  bit: number
): { line: Uint8Array | null; marked: number } {
  const step = Math.max(1, Math.floor(minLength))
  let marked = 0
  for (let l = 0; l < lines; l++) {
    const base = l * lineStride
    // The neighbouring lines' offsets; at the page's edge the line itself, which adds nothing to the OR.
    const before = l > 0 ? lineStride : 0,
      after = l + 1 < lines ? lineStride : 0
    let done = -1 // the run ending here has been followed already
    for (let p = step - 1; p < length; p += step) {
      if (p <= done || !inkAround(bin, base + p * posStride, before, after)) continue
      let a = p,
        b = p
      while (a > 0 && inkAround(bin, base + (a - 1) * posStride, before, after)) a--
      while (b + 1 < length && inkAround(bin, base + (b + 1) * posStride, before, after)) b++
      done = b
      if (b - a + 1 < minLength) continue
      line ??= new Uint8Array(bin.length)
      for (let k = a; k <= b; k++) {
        const i = base + k * posStride
        if (bin[i]) {
          line[i] |= bit
          marked++
        }
      }
    }
  }
  return { line, marked }
}

function inkAround(bin: Uint8Array, i: number, before: number, after: number): boolean {
  return (bin[i] | bin[i - before] | bin[i + after]) !== 0
}

export interface Blobish {
  x: number
  y: number
  w: number
  h: number
  area: number
}

/**
 * Not a character by its shape: a solid blob (ink fills most of a box that is large in both directions —
 * a phone, a shadow, a stain; handwriting fills well under half of a letter's box and even bold print's E
 * or M about 0.7 of it, hence 0.85), a round blob (`bin` given: about as wide as tall, at least 0.6 character
 * heights across, and the middle of its box, half its width by half its height, ink all through — a binder's
 * punch hole scanned against a dark lid, an ink blot; `solidCore`), or a mark cut by the edge of the image (a
 * thing lying partly outside the photo: a pen, a mug, the desk's edge).
 */
export function notWriting(c: Blobish, charHeight: number, imageW: number, imageH: number, bin?: Uint8Array): boolean {
  const big = Math.min(c.w, c.h) >= 0.5 * charHeight
  const fill = c.area / (c.w * c.h)
  const solid = fill > 0.85 && big
  const cut = c.x <= 0 || c.y <= 0 || c.x + c.w >= imageW || c.y + c.h >= imageH
  // A disk fills π/4 of its box; every letter and digit has paper or a thin stroke in the middle of its box. Only
  // blobs about as wide as tall and at least 0.6 character heights across: a piece of a thick letter broken across
  // can be ink all through its middle too, but it is flat (the foot of an E with its stem's stub) or small (the
  // top of an N's first stroke, half a letter high), while a punched hole is round and about as tall as the
  // writing or taller (6 mm against capitals of 3–8 mm; 0.6 of a 10-mm capital).
  const squat = Math.max(c.w, c.h) <= ROUND_ASPECT * Math.min(c.w, c.h)
  const large = Math.min(c.w, c.h) >= ROUND_MIN * charHeight
  const round =
    !solid &&
    bin !== undefined &&
    large &&
    squat &&
    fill > 0.6 &&
    solidCore(c, bin, imageW) >= SOLID_CORE &&
    ellipseCore(c, bin, imageW, 0.9) >= DISK_CORE
  return solid || cut || round
}

/**
 * Share of ink a blob needs in the middle of its box to be no writing (notWriting). A letter's middle holds a
 * stroke or two and paper (O's counter, the space between E's bars, H's bar between paper); only a stroke at
 * least half the letter's size wide in both directions fills it, and that is a blot, not a letter.
 */
export const SOLID_CORE = 0.9
/**
 * Share of ink a round blob needs inside the ellipse inscribed in its box, shrunk to 0.9 (`ellipseCore`): a disk is
 * ink all through it (punched holes on the scan-marks tuning pages: 1.0, every one). A letter written with a thick
 * marker can be ink all through the middle half of its box too (an N, an X, a 3 whose strokes are a third of its
 * height), but paper reaches into that ellipse between its strokes (0.73–0.97 on such letters).
 */
export const DISK_CORE = 0.99
/** A round blob is at most this many times as wide as tall or as tall as wide (a punched hole: 1, give or take a scan's stretch). */
export const ROUND_ASPECT = 1.4
/** A round blob is at least this many character heights across (see notWriting). */
export const ROUND_MIN = 0.6

/** Share of ink (non-zero in `bin`, `width` wide) in the middle of a box: half its width by half its height. */
export function solidCore(c: Blobish, bin: Uint8Array, width: number): number {
  const x0 = c.x + Math.floor(c.w / 4),
    x1 = c.x + Math.ceil((3 * c.w) / 4),
    y0 = c.y + Math.floor(c.h / 4),
    y1 = c.y + Math.ceil((3 * c.h) / 4)
  let ink = 0
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (bin[y * width + x]) ink++
  return ink / Math.max(1, (x1 - x0) * (y1 - y0))
}

/**
 * Share of ink (non-zero in `bin`, `width` wide) inside the ellipse inscribed in a box, shrunk to `k` of its size.
 */
export function ellipseCore(c: Blobish, bin: Uint8Array, width: number, k: number): number {
  const cx = c.x + c.w / 2,
    cy = c.y + c.h / 2,
    a = (k * c.w) / 2,
    b = (k * c.h) / 2
  let ink = 0,
    n = 0
  for (let y = Math.floor(cy - b); y < Math.ceil(cy + b); y++)
    for (let x = Math.floor(cx - a); x < Math.ceil(cx + a); x++) {
      const u = (x + 0.5 - cx) / a,
        v = (y + 0.5 - cy) / b
      if (u * u + v * v > 1) continue
      n++
      if (bin[y * width + x]) ink++
    }
  return ink / Math.max(1, n)
}

/**
 * A stray dash: one straight stroke (its ink at least `DASH_ELONGATION` times as long as it is thick, by its second
 * moments) slanted between 15° and 60° from the horizontal, with no other piece within a character height of its
 * box — a staple in a page's corner, a tick or a slash in a margin. No character of A–Z and 0–9 is such a stroke
 * alone: the only single strokes are I and 1, upright or slanted less than 30° from it, and a piece of a broken
 * letter lies next to the rest of it.
 */
export function strayDashes<C extends Blobish & { labels: number[] }>(
  comps: readonly C[],
  labels: LabelMap,
  width: number,
  charHeight: number
): Set<C> {
  const out = new Set<C>()
  // Isolation first (cheap, and few pieces are alone), over the pieces sorted by their left edge: those that can
  // lie within a character height of c start before c's right edge plus that height and after c's left edge less
  // the widest piece and that height.
  const byX = [...comps].sort((a, b) => a.x - b.x)
  const widest = byX.reduce((m, o) => Math.max(m, o.w), 0)
  const gap = (a: Blobish, b: Blobish) =>
    Math.max(b.x - (a.x + a.w), a.x - (b.x + b.w), b.y - (a.y + a.h), a.y - (b.y + b.h))
  byX.forEach((c, i) => {
    if (Math.max(c.w, c.h) < 0.4 * charHeight) return
    for (let j = i - 1; j >= 0 && byX[j].x >= c.x - widest - charHeight; j--) if (gap(c, byX[j]) < charHeight) return
    for (let j = i + 1; j < byX.length && byX[j].x < c.x + c.w + charHeight; j++)
      if (gap(c, byX[j]) < charHeight) return
    const { angle, elongation } = strokeAxis(c, labels, width)
    if (elongation >= DASH_ELONGATION && angle >= 15 && angle <= 60) out.add(c)
  })
  return out
}

/**
 * The pieces taller than the page's characters that stand in a row of letters: a title or heading written two,
 * three or more times the size of the writing below it. The segmenter drops pieces over `TALL_LIMIT` character
 * heights as borders, shadows or clutter; such a piece is kept again when it is shaped like a letter — at most
 * `ROW_LETTER_ASPECT` times as wide as tall, ink filling at most `ROW_LETTER_FILL` of its box (a stroke around
 * paper, not a blot) — and
 *  - at least `ROW_LETTER_MIN` − 1 other pieces (tall ones so shaped, or pieces the segmenter kept: a heading's
 *    smaller letters) stand beside it: each overlapping half of the shorter one's height, and within a factor
 *    `ROW_HEIGHT_RATIO` of its height. One tall mark alone, or two, stays dropped: a mug's ring, a pen's clip, a
 *    fold's shadow come one or two at a time, a heading's letters come in a row;
 *  - no more smaller pieces (under its height over `ROW_HEIGHT_RATIO`) than that have their middle within its
 *    height and lie within its height of it on either side. Around a heading there is paper; around the letters of
 *    three lines written so close that they touch, chained into one tall piece, are the other letters of those
 *    lines.
 */
export function largeLettersInRows<C extends Blobish>(tall: readonly C[], kept: readonly Blobish[]): C[] {
  const shaped = tall.filter((c) => c.w <= ROW_LETTER_ASPECT * c.h && c.area <= ROW_LETTER_FILL * c.w * c.h)
  const others: readonly Blobish[] = [...shaped, ...kept]
  return shaped.filter((c) => {
    let beside = 0,
      crowd = 0
    for (const o of others) {
      if (o === c) continue
      if (o.h * ROW_HEIGHT_RATIO < c.h) {
        const mid = o.y + o.h / 2
        const gap = Math.max(o.x - (c.x + c.w), c.x - (o.x + o.w))
        if (mid >= c.y && mid <= c.y + c.h && gap <= c.h) crowd++
        continue
      }
      const overlap = Math.min(c.y + c.h, o.y + o.h) - Math.max(c.y, o.y)
      if (overlap < 0.5 * Math.min(c.h, o.h)) continue
      if (Math.max(c.h, o.h) > ROW_HEIGHT_RATIO * Math.min(c.h, o.h)) continue
      beside++
    }
    return beside + 1 >= ROW_LETTER_MIN && crowd <= beside
  })
}

/** Pieces taller than this many character heights are no writing of the page's size (see largeLettersInRows). */
export const TALL_LIMIT = 3
/** See largeLettersInRows. */
export const ROW_LETTER_MIN = 3
/** See largeLettersInRows. */
export const ROW_LETTER_ASPECT = 2
/** See largeLettersInRows. */
export const ROW_LETTER_FILL = 0.6
/** See largeLettersInRows. */
export const ROW_HEIGHT_RATIO = 1.6

/** See strayDashes. */
export const DASH_ELONGATION = 4

/**
 * The long axis of a component's own ink (`labels` of the label map, `width` wide), from its second moments: its
 * angle from the horizontal in degrees (0–90, either slant) and how many times longer than thick it is (the square
 * root of the moments' eigenvalue ratio: a bar L long and t thick gives L / t).
 */
export function strokeAxis(
  c: Blobish & { labels: number[] },
  labels: LabelMap,
  width: number
): { angle: number; elongation: number } {
  const own = new Set(c.labels)
  let n = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    syy = 0,
    sxy = 0
  for (let y = c.y; y < c.y + c.h; y++)
    for (let x = c.x; x < c.x + c.w; x++) {
      if (!own.has(labels[y * width + x])) continue
      n++
      sx += x
      sy += y
      sxx += x * x
      syy += y * y
      sxy += x * y
    }
  if (n === 0) return { angle: 0, elongation: 1 }
  const mx = sx / n,
    my = sy / n
  const cxx = sxx / n - mx * mx + 1 / 12,
    cyy = syy / n - my * my + 1 / 12,
    cxy = sxy / n - mx * my
  const half = Math.sqrt(((cxx - cyy) / 2) ** 2 + cxy * cxy)
  const l1 = (cxx + cyy) / 2 + half,
    l2 = Math.max(1e-9, (cxx + cyy) / 2 - half)
  const theta = (0.5 * Math.atan2(2 * cxy, cxx - cyy) * 180) / Math.PI
  // atan2 gives (−180°, 180°], so θ lies in (−90°, 90°]: its size is the slant either way.
  return { angle: Math.abs(theta), elongation: Math.sqrt(l1 / l2) }
}

/**
 * Whether a background-normalised gray image (paper ≈ 255) holds any ink: pixels darker than `inkLevel`
 * make up at least `minShare` of it. A blank sheet with shading and sensor noise has none.
 */
export function hasInk(gray: Uint8Array, inkLevel = 170, minShare = 2e-4): boolean {
  let dark = 0
  for (let i = 0; i < gray.length; i++) if (gray[i] < inkLevel) dark++
  return dark >= minShare * gray.length
}

/** What decides faint ink (faintInkStretch). */
export interface FaintInkOptions {
  /** Ink is at least this many noise deviations below the paper's level … (default 6) */
  minSigmas?: number
  /** … and at least this many gray levels below it (default 20 of 255: JPEG ringing and paper grain stay paper). */
  minDrop?: number
  /** Share of the pixels that must be that dark (default 5e-4: a few short words on a page). */
  minShare?: number
  /**
   * Ink lighter than this gray level is stretched to it; ink at or below it is left alone (default 128, mid-grey:
   * the ink of the photographed sample pages comes out of normalisation at 36–125).
   */
  inkTarget?: number
}

/**
 * Faint writing — light pencil, faded ink, a washed-out scan — is, after background normalisation, only a little
 * darker than its paper: few or no pixels reach hasInk's level, Otsu's threshold falls into the paper's noise, and
 * the page reads as blank or as specks. This looks for it relative to the paper itself. The paper's level is the median of `gray` (paper ≈ 255 after normalisation) and
 * its noise the spread of the darker half of the paper (median − 30th percentile, as a Gaussian's deviation, at
 * least 1.5 levels). Pixels darker than the paper by `minSigmas` deviations and `minDrop` levels are ink; when they
 * are at least `minShare` of the image, the returned 256-entry table maps the 20th percentile of their levels (the
 * ink's level) to `inkTarget`, leaves 255 at 255 and stretches linearly between (clamped at 0). Null when there are
 * too few such pixels (blank paper, shading, sensor noise) or when the ink is not faint (its level already at or
 * below `inkTarget`). The result is continuous in the ink's level: ink just lighter than the target is stretched
 * just a little.
 */
export function faintInkStretch(gray: Uint8Array, opts: FaintInkOptions = {}): Uint8Array | null {
  const n = gray.length
  if (n === 0) return null
  const levels = new Levels(gray)
  const hist = levels.hist
  const paper = levels.at(0.5)
  const sigma = Math.max(1.5, (paper - levels.at(0.3)) / 0.524)
  const cut = paper - Math.max((opts.minSigmas ?? 6) * sigma, opts.minDrop ?? 20)
  let dark = 0
  for (let v = 0; v < cut; v++) dark += hist[v]
  if (dark === 0 || dark < (opts.minShare ?? 5e-4) * n) return null
  let acc = 0,
    ink = 0
  for (let v = 0; v < cut; v++) {
    acc += hist[v]
    if (acc >= 0.2 * dark) {
      ink = v
      break
    }
  }
  const target = opts.inkTarget ?? 128
  if (ink <= target) return null
  const gain = (255 - target) / (255 - ink)
  const lut = new Uint8Array(256)
  for (let v = 0; v < 256; v++) lut[v] = Math.max(0, Math.min(255, Math.round(255 - (255 - v) * gain)))
  return lut
}

/**
 * Whether a page is white writing on a dark ground (a microfilm negative, an inverted scan, chalk on a board).
 * `gray` is the page at ≤ 480 px on its long side. Two tests, both needed:
 *  - the levels: the median (the ground) is darker than mid-grey, the brightest 1% lies far above it (more than
 *    60 levels) and more than twice as far as the darkest 1% lies below it, and at most 15% of the pixels are
 *    closer to the brightest than to the median (writing covers a few percent of a page);
 *  - the shapes: those bright pixels are strokes, so a 5×5 erosion keeps less than a quarter of them. A dark desk
 *    with a sticky note, a lit part of a sheet, a lamp's reflection pass the first test; they are blobs, and
 *    keep most of their pixels.
 */
export function looksNegative(gray: Uint8Array, w: number, h: number): boolean {
  const n = w * h
  if (n === 0) return false
  const levels = new Levels(gray.subarray(0, n))
  const p1 = levels.at(0.01),
    med = levels.at(0.5),
    p99 = levels.at(0.99)
  if (med >= 128 || p99 - med <= 60 || p99 - med <= 2 * (med - p1)) return false
  const cut = (med + p99) / 2
  const bright = new Uint8Array(n)
  let count = 0
  for (let i = 0; i < n; i++)
    if (gray[i] > cut) {
      bright[i] = 1
      count++
    }
  if (count === 0 || count > 0.15 * n) return false
  // A 5×5 erosion, separably: a pixel survives when its row run and then its column run of 5 are all bright.
  const rows = new Uint8Array(n)
  for (let y = 0; y < h; y++)
    for (let x = 2; x < w - 2; x++) {
      const i = y * w + x
      rows[i] = bright[i - 2] & bright[i - 1] & bright[i] & bright[i + 1] & bright[i + 2]
    }
  let kept = 0
  for (let y = 2; y < h - 2; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x
      kept += rows[i - 2 * w] & rows[i - w] & rows[i] & rows[i + w] & rows[i + 2 * w]
    }
  return kept < 0.25 * count
}
