// OpenCV operations of segmentation done in plain TypeScript where that is faster, pixel for pixel the same
// as OpenCV's (tested against OpenCV in test/main/vision/cvExact.test.ts); the rest of segmentation stays in
// OpenCV. cv.divide of a full page by its background was ~20% of a warm page's segmentation (issue 15).
// (OpenCV's general INTER_AREA shrink was also written out here exactly; in TypeScript it took 3× OpenCV's time.)

/** a·255/b for every 8-bit pair, at index b·256 + a: cv.divide's result (0 where b = 0). */
let divideTable: Uint8Array | null = null

/** Rounds half to even, as OpenCV's saturate_cast from floating point (lrint) does. */
function roundHalfEven(v: number): number {
  const r = Math.round(v)
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r
}

/**
 * out = saturate(round(a·255 / b)), 0 where b = 0: exactly cv.divide(a, b, out, 255) on 8-bit images.
 * OpenCV computes the quotient in single precision and rounds half to even; a single-precision quotient of
 * these integers lands on the same side of every rounding boundary as the exact one (a quotient that is not a
 * tie is at least 1/510 away from one). One table of all 65 536 pairs instead of a division per pixel.
 */
export function divideBy(a: Uint8Array, b: Uint8Array, out: Uint8Array): void {
  if (a.length !== b.length || out.length !== a.length) throw new Error('divideBy: images of different sizes')
  if (!divideTable) {
    divideTable = new Uint8Array(65536)
    for (let d = 1; d < 256; d++)
      for (let n = 0; n < 256; n++) divideTable[(d << 8) | n] = Math.min(255, roundHalfEven((n * 255) / d))
  }
  const t = divideTable
  for (let i = 0; i < out.length; i++) out[i] = t[(b[i] << 8) | a[i]]
}

/**
 * One component label per pixel, row-major. 16-bit when every label fits (below 65 536 components: every page
 * segmentPage goes on to read, since it refuses more than 20 000), else 32-bit. A working page's map is the largest
 * buffer a page allocates; at half the size V8 runs a full collection for external memory about half as often.
 */
export type LabelMap = Uint16Array | Int32Array

/** Connected components of a binary image: what cv.connectedComponentsWithStats gives, without centroids. */
export interface Components {
  /** Number of labels, the background (0) included. */
  n: number
  /** One label per pixel, row-major; 0 is the background (empty when asked for without it). */
  labels: LabelMap
  /** Per label: left, top, width, height, area (OpenCV's CC_STAT_* order); the background's row is all 0. */
  stats: Int32Array
}

/** Growable run table: start, end (exclusive) and row of each run of ink, and its union-find parent. */
class Runs {
  start: Int32Array = new Int32Array(4096)
  end: Int32Array = new Int32Array(4096)
  row: Int32Array = new Int32Array(4096)
  parent: Int32Array = new Int32Array(4096)
  count = 0
  add(x0: number, x1: number, y: number): number {
    if (this.count === this.start.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(a.length * 2)
        b.set(a)
        return b
      }
      this.start = grow(this.start)
      this.end = grow(this.end)
      this.row = grow(this.row)
      this.parent = grow(this.parent)
    }
    const i = this.count++
    this.start[i] = x0
    this.end[i] = x1
    this.row[i] = y
    this.parent[i] = i
    return i
  }
}

function findRoot(parent: Int32Array, i: number): number {
  let r = i
  while (parent[r] !== r) r = parent[r]
  while (parent[i] !== r) {
    const next = parent[i]
    parent[i] = r
    i = next
  }
  return r
}

// labelComponents' sort compares with a function of the module: an arrow written at the sort is a new closure on
// every call, which V8 compiled again for every page (docs/BENCHMARKS.md, "Forty-second session").
const NO_KEYS = new Float64Array(0)
/** The keys labelComponents is sorting labels by (only during its sort). */
let sortKeys: Float64Array = NO_KEYS
const byKey = (a: number, b: number): number => sortKeys[a] - sortKeys[b]

/**
 * Labels the 4- or 8-connected components of `bin` (non-zero = ink), exactly as
 * cv.connectedComponentsWithStats(bin, labels, stats, centroids, connectivity, CV_32S) labels them: the same
 * label numbers (pass 2 says in which order), the same bounding boxes and areas (tested
 * against OpenCV in test/main/vision/cvExact.test.ts). Works on runs of ink rather than pixels: a page is
 * mostly paper, so a page has a few hundred thousand runs against millions of pixels. OpenCV's labelling ran
 * in WebAssembly's baseline tier on a cold start (~140 ms of a cold one-page read) and its label map had to
 * be copied out of the WebAssembly heap; this one writes the label map once, in place.
 */
export function labelComponents(
  bin: Uint8Array,
  width: number,
  height: number,
  connectivity: 4 | 8,
  /** Without the label map (`labels` empty): for callers that need only the boxes and areas. */
  withLabels = true
): Components {
  if (bin.length !== width * height) throw new Error('labelComponents: image size does not match its data')
  const runs = new Runs()
  // Pass 1: the runs of each row, each joined to the runs of the row above that it touches.
  const reach = connectivity === 8 ? 1 : 0
  // Paper is skipped four pixels at a time where the data is 4-byte aligned (OpenCV's and typed arrays' are).
  const words = bin.byteOffset % 4 === 0 ? new Uint32Array(bin.buffer, bin.byteOffset, bin.length >> 2) : null
  let prevFrom = 0,
    prevTo = 0
  for (let y = 0; y < height; y++) {
    const rowStart = y * width
    const from = runs.count
    let p = prevFrom
    let x = 0
    while (x < width) {
      const i = rowStart + x
      if (bin[i] === 0) {
        if (words !== null && (i & 3) === 0 && x + 4 <= width && words[i >> 2] === 0) x += 4
        else x++
        continue
      }
      const x0 = x
      while (x < width && bin[rowStart + x] !== 0) x++
      const r = runs.add(x0, x, y)
      // Runs above, in order; a run above that ends before this one can touch (x0 − reach) never touches a later one.
      const parent = runs.parent
      while (p < prevTo && runs.end[p] + reach <= x0) p++
      for (let q = p; q < prevTo && runs.start[q] < x + reach; q++) {
        const a = findRoot(parent, q),
          b = findRoot(parent, r)
        if (a < b) parent[b] = a
        else if (b < a) parent[a] = b
      }
    }
    prevFrom = from
    prevTo = runs.count
  }
  // Pass 2: the labels. A root is its component's first run in raster order, which holds its first pixel: in
  // that order OpenCV numbers 4-connected components. 8-connected ones it labels by 2×2 blocks (row pairs, then
  // column pairs), so they are numbered in the order of each component's first block; the 4 pixels of a block are
  // all 8-neighbours, so no two components share one.
  const count = runs.count
  const parent = runs.parent
  const label = new Int32Array(count)
  let n = 1
  for (let i = 0; i < count; i++) label[i] = parent[i] === i ? n++ : label[findRoot(parent, i)]
  if (connectivity === 8 && n > 2) {
    const half = (width + 1) >> 1
    const firstBlock = new Float64Array(n).fill(Infinity)
    for (let i = 0; i < count; i++) {
      const key = (runs.row[i] >> 1) * half + (runs.start[i] >> 1)
      if (key < firstBlock[label[i]]) firstBlock[label[i]] = key
    }
    const order: number[] = new Array<number>(n - 1)
    for (let k = 0; k < n - 1; k++) order[k] = k + 1
    sortKeys = firstBlock
    order.sort(byKey)
    sortKeys = NO_KEYS
    const renumber = new Int32Array(n)
    order.forEach((l, k) => (renumber[l] = k + 1))
    for (let i = 0; i < count; i++) label[i] = renumber[label[i]]
  }
  const stats = new Int32Array(n * 5)
  const right = new Int32Array(n),
    bottom = new Int32Array(n)
  for (let l = 1; l < n; l++) {
    stats[l * 5] = width
    stats[l * 5 + 1] = height
  }
  const size = withLabels ? width * height : 0
  const labels: LabelMap = n <= 0x10000 ? new Uint16Array(size) : new Int32Array(size)
  const { start, end, row } = runs
  for (let i = 0; i < count; i++) {
    const l = label[i],
      s = l * 5
    const x0 = start[i],
      x1 = end[i],
      y = row[i]
    if (x0 < stats[s]) stats[s] = x0
    if (y < stats[s + 1]) stats[s + 1] = y
    if (x1 > right[l]) right[l] = x1
    if (y + 1 > bottom[l]) bottom[l] = y + 1
    stats[s + 4] += x1 - x0
    if (withLabels) labels.fill(l, y * width + x0, y * width + x1)
  }
  for (let l = 1; l < n; l++) {
    stats[l * 5 + 2] = right[l] - stats[l * 5]
    stats[l * 5 + 3] = bottom[l] - stats[l * 5 + 1]
  }
  return { n, labels, stats }
}
