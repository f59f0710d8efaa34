// normaliseGlyph: the one function that turns a character crop into classifier input.
// Used by the synthetic data generator, the page pipeline (segmenter crops from photos)
// and the UI preview, so that training and inference glyphs go through identical geometry.
//
// Output convention: Float32Array(1024), row-major 32×32, upright, paper = 1, ink = 0.
//
// Steps and the decisions behind them:
//  1. Contrast: a 64-bin histogram, Otsu's threshold, then a linear stretch that maps the
//     paper level (90th percentile of the paper side, less its 10–90% spread so paper noise
//     does not become a grey veil) to 1 and the ink level (10th percentile of the ink side)
//     to 0. Photos have grey paper and grey pencil; NIST glyphs do not.
//     A crop whose paper and ink levels differ by less than `minContrast` is treated as blank.
//  2. Bounding box of the stretched pixels below 0.5.
//  3. Scale so the longer side of the box is `longerSide` px (default 26, the median of real
//     NIST36; their 5th/95th percentiles are 19/31), keeping the aspect ratio.
//  4. Centre by bounding box, not centre of mass: real NIST glyphs are box-centred (the box
//     centre sits within ±0.6 px of the middle, the centre of mass wanders ±1.5 px), and a
//     box does not move when one stroke is heavier than another.
//  5. Resample with a box prefilter over a bilinear (tent) reconstruction: each output pixel
//     is the mean of the bilinear surface over its footprint. Downscaling is thus exact area
//     averaging (ink mass, and so stroke thickness, is kept); upscaling is plain bilinear.
//  6. Optional stroke adjustment (`targetStroke`, px at 32×32; real NIST ≈ 3.4): estimate the
//     stroke width of the preliminary 32×32 result (see estimateStrokeWidth), then redraw the
//     glyph on a 4× supersampled raster, move its outline by half the difference with a
//     chamfer signed-distance field, and area-average back to 32×32.
//
// Deterministic; when `out` is given nothing is allocated except when a larger crop than any
// before grows the cached scratch buffers (module-level, so not re-entrant across threads,
// which JS is not anyway).

export const GLYPH_SIDE = 32

export interface NormaliseOptions {
  /** Longer side of the ink box in the output, px. Default 26 (real NIST median). */
  longerSide?: number
  /** Desired stroke width at 32×32, px (real NIST ≈ 3.4). Omit to keep the crop's own. */
  targetStroke?: number
  /** Ink and paper levels closer than this mean a blank crop. Default 0.12. */
  minContrast?: number
  /** Moves the glyph off centre by this many output px (augmentation only). Default 0, 0. */
  shift?: { x: number; y: number }
}

const SUPERSAMPLE = 4
const WORK_SIDE = GLYPH_SIDE * SUPERSAMPLE

// ---- cached scratch -------------------------------------------------------------------

let inkBuf = new Float32Array(0) // stretched ink amount (0 paper .. 1 ink) of the crop
let rowPass = new Float32Array(0) // horizontal pass: crop rows × output columns
let wIdx = new Int32Array(0) // per output sample: first source index
let wCnt = new Int32Array(0) // per output sample: number of weights
let wVal = new Float32Array(0) // packed weights
const hist = new Float64Array(64)
const work = new Float32Array(WORK_SIDE * WORK_SIDE)
const workInk = new Uint8Array(WORK_SIDE * WORK_SIDE)
const distIn = new Float32Array(WORK_SIDE * WORK_SIDE)
const distOut = new Float32Array(WORK_SIDE * WORK_SIDE)
const strokeScratch = new Uint8Array(GLYPH_SIDE * GLYPH_SIDE)
const strokeMarks = new Uint8Array(GLYPH_SIDE * GLYPH_SIDE)

function ensure<T extends Float32Array | Int32Array>(buf: T, n: number, make: (n: number) => T): T {
  return buf.length >= n ? buf : make(Math.max(n, buf.length * 2))
}

// ---- public API -----------------------------------------------------------------------

/**
 * Turns a grey crop (row-major) into a 32×32 glyph (paper 1, ink 0). The crop is floats, 0 = ink … 1 = paper, or
 * bytes, 0 = ink … 255 = paper (the page pipeline's 8-bit gray), each byte standing for byte / 255: a byte crop gives
 * the same glyph, bit for bit, as its float copy would, its histogram and stretch going through a table of the 256
 * values. A blank or contrast-less crop yields an all-paper glyph.
 */
export function normaliseGlyph(
  crop: Float32Array | Uint8Array,
  width: number,
  height: number,
  out: Float32Array = new Float32Array(GLYPH_SIDE * GLYPH_SIDE),
  opts: NormaliseOptions = {}
): Float32Array {
  const n = prepareInk(crop.length, width, height, out)
  const minContrast = opts.minContrast ?? 0.12
  const inked =
    crop instanceof Uint8Array ? stretchBytesToInk(crop, n, minContrast) : stretchToInk(crop, n, minContrast)
  if (!inked) return out.fill(1, 0, GLYPH_SIDE * GLYPH_SIDE)
  return glyphFromInk(width, height, out, opts)
}

/** Checks a crop of `length` values against its size and the output, and makes inkBuf hold it; its pixel count. */
function prepareInk(length: number, width: number, height: number, out: Float32Array): number {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`normaliseGlyph: crop size ${width}×${height} must be positive integers`)
  }
  if (length < width * height) {
    throw new RangeError(`normaliseGlyph: crop has ${length} values, ${width}×${height} needs ${width * height}`)
  }
  if (out.length < GLYPH_SIDE * GLYPH_SIDE) throw new RangeError('normaliseGlyph: out must hold 1024 values')
  const n = width * height
  inkBuf = ensure(inkBuf, n, (k) => new Float32Array(k))
  return n
}

/** The rest of normaliseGlyph once inkBuf holds the crop's stretched ink: its box, framed and resampled into out. */
function glyphFromInk(width: number, height: number, out: Float32Array, opts: NormaliseOptions): Float32Array {
  const longerSide = Math.min(GLYPH_SIDE, Math.max(1, opts.longerSide ?? 26))
  // Ink bounding box.
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1
  for (let y = 0; y < height; y++) {
    const row = y * width
    for (let x = 0; x < width; x++) {
      if (inkBuf[row + x] > 0.5) {
        if (x < x0) x0 = x
        if (x > x1) x1 = x
        if (y < y0) y0 = y
        if (y > y1) y1 = y
      }
    }
  }
  if (x1 < 0) return out.fill(1, 0, GLYPH_SIDE * GLYPH_SIDE)
  const bw = x1 - x0 + 1
  const bh = y1 - y0 + 1
  const scale = longerSide / Math.max(bw, bh)

  const sx = opts.shift?.x ?? 0,
    sy = opts.shift?.y ?? 0
  resampleInk(width, height, x0, y0, bw, bh, scale, GLYPH_SIDE, sx, sy, out)

  if (opts.targetStroke !== undefined && opts.targetStroke > 0) {
    const current = estimateStrokeWidthOfInk(out)
    const delta = opts.targetStroke - current
    if (current > 0 && Math.abs(delta) > 0.15) {
      resampleInk(
        width,
        height,
        x0,
        y0,
        bw,
        bh,
        scale * SUPERSAMPLE,
        WORK_SIDE,
        sx * SUPERSAMPLE,
        sy * SUPERSAMPLE,
        work
      )
      // Never thin by more than ~70% of the current width: thin parts would vanish.
      const offset = Math.max(delta, -0.7 * current) * 0.5 * SUPERSAMPLE
      offsetOutline(offset)
      downsampleWork(out)
    }
  }
  // Ink amount → paper-is-one convention.
  for (let i = 0; i < GLYPH_SIDE * GLYPH_SIDE; i++) out[i] = 1 - out[i]
  return out
}

/**
 * Stroke width of a 32×32 glyph (paper 1, ink 0) in px: ink amount divided by the length of
 * its skeleton (Zhang–Suen thinning of the pixels below 0.5). On real NIST letters this gives
 * the README's ≈ 3.4 px. Returns 0 for a blank glyph.
 */
export function estimateStrokeWidth(glyph: Float32Array, offset = 0): number {
  let area = 0
  for (let i = 0; i < GLYPH_SIDE * GLYPH_SIDE; i++) {
    const v = glyph[offset + i]
    strokeScratch[i] = v < 0.5 ? 1 : 0
    area += v >= 1 ? 0 : v <= 0 ? 1 : 1 - v
  }
  const len = thinAndCount(strokeScratch)
  return len === 0 ? 0 : area / len
}

// ---- internals ------------------------------------------------------------------------

/** Same as estimateStrokeWidth but on an ink-amount glyph (paper 0, ink 1). */
function estimateStrokeWidthOfInk(ink: Float32Array): number {
  let area = 0
  for (let i = 0; i < GLYPH_SIDE * GLYPH_SIDE; i++) {
    const v = ink[i]
    strokeScratch[i] = v > 0.5 ? 1 : 0
    area += v <= 0 ? 0 : v >= 1 ? 1 : v
  }
  const len = thinAndCount(strokeScratch)
  return len === 0 ? 0 : area / len
}

/** The histogram bin of a crop value (0 ink … 1 paper) among 64. */
function binOf(v: number): number {
  return v <= 0 ? 0 : v >= 1 ? 63 : (v * 64) | 0
}

/** Fills inkBuf with stretched ink amounts; false when the crop has no usable contrast. */
function stretchToInk(crop: Float32Array, n: number, minContrast: number): boolean {
  hist.fill(0)
  let finite = 0
  for (let i = 0; i < n; i++) {
    const v = crop[i]
    if (!(v === v)) continue // NaN: treated as paper below
    hist[binOf(v)]++
    finite++
  }
  const stretch = contrastStretch(finite, minContrast)
  if (!stretch) return false
  const { top, inv } = stretch
  for (let i = 0; i < n; i++) {
    const v = crop[i]
    if (!(v === v)) {
      inkBuf[i] = 0
      continue
    }
    const a = (top - v) * inv
    inkBuf[i] = a <= 0 ? 0 : a >= 1 ? 1 : a
  }
  return true
}

/** Each byte's value as the float crop holds it (byte / 255 rounded to float32), and its histogram bin. */
const BYTE_VALUE = Float64Array.from({ length: 256 }, (_, u) => Math.fround(u / 255))
const BYTE_BIN = Uint8Array.from(BYTE_VALUE, binOf)
/** stretchBytesToInk's table: each byte's stretched ink amount for the crop at hand. */
const byteInk = new Float32Array(256)

/** stretchToInk of a crop of bytes (byte / 255), through tables of the 256 values: the same inkBuf, bit for bit. */
function stretchBytesToInk(crop: Uint8Array, n: number, minContrast: number): boolean {
  hist.fill(0)
  for (let i = 0; i < n; i++) hist[BYTE_BIN[crop[i]]]++
  const stretch = contrastStretch(n, minContrast)
  if (!stretch) return false
  const { top, inv } = stretch
  for (let u = 0; u < 256; u++) {
    const a = (top - BYTE_VALUE[u]) * inv
    byteInk[u] = a <= 0 ? 0 : a >= 1 ? 1 : a
  }
  for (let i = 0; i < n; i++) inkBuf[i] = byteInk[crop[i]]
  return true
}

/**
 * From the histogram of `finite` crop values: the paper level less its dead zone (`top`) and the scale (`inv`) that
 * map a value v to its ink amount (top − v) · inv; null when the crop has no usable contrast.
 */
function contrastStretch(finite: number, minContrast: number): { top: number; inv: number } | null {
  if (finite === 0) return null
  // Otsu's threshold over the 64 bins.
  let sumAll = 0
  for (let b = 0; b < 64; b++) sumAll += b * hist[b]
  let wB = 0,
    sumB = 0,
    best = -1,
    split = 0
  for (let b = 0; b < 63; b++) {
    wB += hist[b]
    if (wB === 0) continue
    const wF = finite - wB
    if (wF === 0) break
    sumB += b * hist[b]
    const mB = sumB / wB,
      mF = (sumAll - sumB) / wF
    const between = wB * wF * (mB - mF) * (mB - mF)
    if (between > best) {
      best = between
      split = b
    }
  }
  // Ink level: 10th percentile of the dark side; paper level: 90th percentile of the light side.
  let darkCount = 0
  for (let b = 0; b <= split; b++) darkCount += hist[b]
  const lightCount = finite - darkCount
  let ink: number, paper: number
  if (best < 0 || darkCount === 0 || lightCount === 0) {
    // One populated bin: uniform crop.
    return null
  } else {
    // Bin edges chosen so that quantisation errs toward pure paper and pure ink.
    ink = (percentileBin(0, split, darkCount * 0.1) + 1) / 64
    paper = percentileBin(split + 1, 63, lightCount * 0.9) / 64
  }
  if (paper - ink < minContrast) return null
  // Paper noise below the paper level would leave a grey veil; the spread of the paper side
  // (90th − 10th percentile) becomes a dead zone, so ordinary paper maps to exactly 1.
  const paperLow = percentileBin(split + 1, 63, lightCount * 0.1) / 64
  const floor = Math.min(0.3, Math.max(0, paper - paperLow) / (paper - ink))
  return { top: paper - floor * (paper - ink), inv: 1 / ((paper - ink) * (1 - floor)) }
}

/** Bin at which the cumulative count over bins lo..hi reaches `target`. */
function percentileBin(lo: number, hi: number, target: number): number {
  let c = 0
  for (let b = lo; b <= hi; b++) {
    c += hist[b]
    if (c >= target) return b
  }
  return hi
}

/** Antiderivative of the unit tent (bilinear kernel) centred at 0. */
function tentCdf(u: number): number {
  if (u <= -1) return 0
  if (u >= 1) return 1
  if (u < 0) return 0.5 * (u + 1) * (u + 1)
  return 1 - 0.5 * (1 - u) * (1 - u)
}

/**
 * Builds weights mapping `srcLen` source samples to `side` output samples, with the box
 * [start, start+len) of source mapped to the middle of the output at `scale`.
 * Returns the offset in the packed arrays where this axis's entries begin.
 */
function buildWeights(
  srcLen: number,
  start: number,
  len: number,
  scale: number,
  side: number,
  shift: number,
  base: number,
  packedAt: number
): number {
  const offset = (side - len * scale) / 2 + shift
  let p = packedAt
  for (let o = 0; o < side; o++) {
    const a = start + (o - offset) / scale
    const b = start + (o + 1 - offset) / scale
    let j0 = Math.floor(a - 1),
      j1 = Math.ceil(b + 1)
    if (j0 < 0) j0 = 0
    if (j1 > srcLen - 1) j1 = srcLen - 1
    const inv = 1 / (b - a)
    wVal = ensure(wVal, p + Math.max(0, j1 - j0 + 1), (k) => {
      const grown = new Float32Array(k)
      grown.set(wVal)
      return grown
    })
    let first = -1,
      count = 0
    for (let j = j0; j <= j1; j++) {
      const c = j + 0.5
      const w = (tentCdf(b - c) - tentCdf(a - c)) * inv
      if (w <= 1e-7) {
        if (first >= 0) break
        continue
      }
      if (first < 0) first = j
      wVal[p + count++] = w
    }
    wIdx[base + o] = first < 0 ? 0 : first
    wCnt[base + o] = count
    p += count
  }
  return p
}

/** Area-averaging resample of inkBuf's box into a side×side ink raster (paper 0). */
function resampleInk(
  width: number,
  height: number,
  x0: number,
  y0: number,
  bw: number,
  bh: number,
  scale: number,
  side: number,
  shiftX: number,
  shiftY: number,
  dst: Float32Array
): void {
  wIdx = ensure(wIdx, 2 * side, (k) => new Int32Array(k))
  wCnt = ensure(wCnt, 2 * side, (k) => new Int32Array(k))
  const colEnd = buildWeights(width, x0, bw, scale, side, shiftX, 0, 0)
  buildWeights(height, y0, bh, scale, side, shiftY, side, colEnd)
  // Horizontal pass over the rows that any output row touches.
  let rowLo = height,
    rowHi = -1
  for (let o = 0; o < side; o++) {
    if (wCnt[side + o] === 0) continue
    const f = wIdx[side + o]
    if (f < rowLo) rowLo = f
    if (f + wCnt[side + o] - 1 > rowHi) rowHi = f + wCnt[side + o] - 1
  }
  dst.fill(0, 0, side * side)
  if (rowHi < rowLo) return
  rowPass = ensure(rowPass, (rowHi - rowLo + 1) * side, (k) => new Float32Array(k))
  for (let y = rowLo; y <= rowHi; y++) {
    const src = y * width
    const rp = (y - rowLo) * side
    let p = 0
    for (let o = 0; o < side; o++) {
      const f = wIdx[o],
        c = wCnt[o]
      let s = 0
      for (let k = 0; k < c; k++) s += wVal[p + k] * inkBuf[src + f + k]
      rowPass[rp + o] = s
      p += c
    }
  }
  let p = colEnd
  for (let oy = 0; oy < side; oy++) {
    const f = wIdx[side + oy],
      c = wCnt[side + oy]
    const drow = oy * side
    for (let k = 0; k < c; k++) {
      const w = wVal[p + k]
      const rp = (f + k - rowLo) * side
      for (let ox = 0; ox < side; ox++) dst[drow + ox] += w * rowPass[rp + ox]
    }
    p += c
  }
  for (let i = 0; i < side * side; i++) if (dst[i] > 1) dst[i] = 1
}

/** Moves the outline of the ink in `work` outwards by `offset` working px (negative: inwards). */
function offsetOutline(offset: number): void {
  const S = WORK_SIDE
  for (let i = 0; i < S * S; i++) workInk[i] = work[i] > 0.5 ? 1 : 0
  // Signed distance to the outline, positive inside, 0 half-way between pixel centres. Only
  // the side the outline moves into matters; the other side keeps its 1-px antialiased edge.
  if (offset > 0) {
    chamfer(workInk, 0, distOut) // outside: distance to the nearest ink pixel
    for (let i = 0; i < S * S; i++) {
      const v = workInk[i] ? 1 : 1 - distOut[i] + offset
      work[i] = v <= 0 ? 0 : v >= 1 ? 1 : v
    }
  } else {
    chamfer(workInk, 1, distIn) // inside: distance to the nearest paper pixel
    for (let i = 0; i < S * S; i++) {
      const v = workInk[i] ? distIn[i] + offset : 0
      work[i] = v <= 0 ? 0 : v >= 1 ? 1 : v
    }
  }
}

/** 3-4 chamfer distance (in px) from pixels whose mask equals `inside` to the other pixels. */
function chamfer(mask: Uint8Array, inside: number, d: Float32Array): void {
  const S = WORK_SIDE,
    INF = 1e6,
    A = 1,
    B = Math.SQRT2
  for (let i = 0; i < S * S; i++) d[i] = mask[i] === inside ? INF : 0
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const i = y * S + x
      let v = d[i]
      if (v === 0) continue
      if (x > 0) v = Math.min(v, d[i - 1] + A)
      if (y > 0) {
        v = Math.min(v, d[i - S] + A)
        if (x > 0) v = Math.min(v, d[i - S - 1] + B)
        if (x < S - 1) v = Math.min(v, d[i - S + 1] + B)
      }
      d[i] = v
    }
  }
  for (let y = S - 1; y >= 0; y--) {
    for (let x = S - 1; x >= 0; x--) {
      const i = y * S + x
      let v = d[i]
      if (v === 0) continue
      if (x < S - 1) v = Math.min(v, d[i + 1] + A)
      if (y < S - 1) {
        v = Math.min(v, d[i + S] + A)
        if (x < S - 1) v = Math.min(v, d[i + S + 1] + B)
        if (x > 0) v = Math.min(v, d[i + S - 1] + B)
      }
      d[i] = v
    }
  }
}

/** 4×4 box average of `work` into a 32×32 ink raster. */
function downsampleWork(dst: Float32Array): void {
  const S = WORK_SIDE,
    k = SUPERSAMPLE,
    norm = 1 / (k * k)
  for (let oy = 0; oy < GLYPH_SIDE; oy++) {
    for (let ox = 0; ox < GLYPH_SIDE; ox++) {
      let s = 0
      for (let dy = 0; dy < k; dy++) {
        const row = (oy * k + dy) * S + ox * k
        for (let dx = 0; dx < k; dx++) s += work[row + dx]
      }
      dst[oy * GLYPH_SIDE + ox] = s * norm
    }
  }
}

/**
 * Zhang–Suen thinning of a 32×32 binary mask in place; returns the skeleton pixel count.
 * The border is treated as background.
 */
function thinAndCount(m: Uint8Array): number {
  const S = GLYPH_SIDE
  let changed = true
  while (changed) {
    changed = false
    for (let pass = 0; pass < 2; pass++) {
      strokeMarks.fill(0)
      let marked = 0
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const i = y * S + x
          if (!m[i]) continue
          const up = y > 0,
            dn = y < S - 1,
            lf = x > 0,
            rt = x < S - 1
          const p2 = up ? m[i - S] : 0
          const p3 = up && rt ? m[i - S + 1] : 0
          const p4 = rt ? m[i + 1] : 0
          const p5 = dn && rt ? m[i + S + 1] : 0
          const p6 = dn ? m[i + S] : 0
          const p7 = dn && lf ? m[i + S - 1] : 0
          const p8 = lf ? m[i - 1] : 0
          const p9 = up && lf ? m[i - S - 1] : 0
          const b = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9
          if (b < 2 || b > 6) continue
          const a =
            (p2 === 0 && p3 === 1 ? 1 : 0) +
            (p3 === 0 && p4 === 1 ? 1 : 0) +
            (p4 === 0 && p5 === 1 ? 1 : 0) +
            (p5 === 0 && p6 === 1 ? 1 : 0) +
            (p6 === 0 && p7 === 1 ? 1 : 0) +
            (p7 === 0 && p8 === 1 ? 1 : 0) +
            (p8 === 0 && p9 === 1 ? 1 : 0) +
            (p9 === 0 && p2 === 1 ? 1 : 0)
          if (a !== 1) continue
          if (pass === 0 ? p2 * p4 * p6 !== 0 || p4 * p6 * p8 !== 0 : p2 * p4 * p8 !== 0 || p2 * p6 * p8 !== 0) continue
          strokeMarks[i] = 1
          marked++
        }
      }
      if (marked > 0) {
        changed = true
        for (let i = 0; i < S * S; i++) if (strokeMarks[i]) m[i] = 0
      }
    }
  }
  let count = 0
  for (let i = 0; i < S * S; i++) count += m[i]
  return count
}
