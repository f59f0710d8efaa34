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
import { createRequire } from 'node:module'
import type { GrayImage } from './image.ts'
import { groupLines, type Rect } from './layout.ts'

import type { Mat, OpenCv } from './opencv.ts'

// Boxed: the Emscripten module object is itself a thenable, so it must never be a promise's value.
let cvPromise: Promise<{ cv: OpenCv }> | null = null

/** The opencv-wasm module, instantiated once per process. */
export async function loadOpenCv(): Promise<{ cv: OpenCv }> {
  cvPromise ??= (async () => {
    const require = createRequire(import.meta.url)
    const { cv } = require('opencv-wasm') as { cv: OpenCv }
    if (!cv.Mat) await new Promise<void>(resolve => { cv.onRuntimeInitialized = () => resolve() })
    return { cv }
  })()
  return cvPromise
}

export interface CharBox extends Rect {
  /** How the box came about: a whole component, merged pieces, or a part of a split. */
  origin: 'component' | 'merged' | 'split'
  /**
   * The character's own ink at the working scale: the component labels (in `SegmentResult.labels`) that
   * make it up, within `rect` (the parts of a split share a component and are told apart by columns).
   * Absent on boxes that did not come from segmentPage (e.g. drawn by a person).
   */
  ink?: { labels: number[]; rect: Rect }
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
   * Hook for a smarter splitter (e.g. classifier-guided): return the cut positions (input pixels) to use,
   * [] to keep the box whole, or null to accept the proposed cuts.
   */
  splitter?: (c: SplitCandidate) => number[] | null | Promise<number[] | null>
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
  labels: Int32Array
  /** Background-normalised gray (paper ≈ 255) at the input resolution; crops for the classifier come from here. */
  normalised: GrayImage
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

// Median filters and the closing: OpenCV's wasm build has no SIMD, and its medianBlur alone was ~45% of
// segmentPage. The 3×3 and 5×5 medians and the 3×3-cross dilation/erosion run in a small WebAssembly SIMD kernel
// built below (for the medians a sorting network pruned to the median output), 16 pixels per step, giving the
// same pixels as cv.medianBlur (edges replicated) and cv.morphologyEx at ~1/15 of the time.

/** cv.medianBlur for an 8-bit single-channel Mat; dst may be src. */
function medianBlur(cv: OpenCv, src: Mat, dst: Mat, k: number): void {
  if ((k !== 3 && k !== 5) || src.type() !== cv.CV_8UC1 || !src.isContinuous() || !getKernel()) {
    cv.medianBlur(src, dst, k)
    return
  }
  const out = medianSimd(src.data, src.cols, src.rows, k === 3 ? 1 : 2)
  if (dst !== src) dst.create(src.rows, src.cols, cv.CV_8UC1)
  dst.data.set(out)
}

/** Comparators (i < j: min to i, max to j) of Batcher's odd–even merge sort for n inputs. */
function batcher(n: number): [number, number][] {
  let N = 1
  while (N < n) N *= 2
  const out: [number, number][] = []
  for (let p = 1; p < N; p *= 2) {
    for (let k = p; k >= 1; k = k >> 1) {
      for (let j = k % p; j <= N - 1 - k; j += 2 * k) {
        for (let i = 0; i <= Math.min(k - 1, N - j - k - 1); i++) {
          if (Math.floor((i + j) / (p * 2)) === Math.floor((i + j + k) / (p * 2))) {
            const a = i + j, b = i + j + k
            if (b < n) out.push([a, b]) // inputs ≥ n are +∞ and never move
          }
        }
      }
    }
  }
  return out
}

/** The comparators the median (output n >> 1) depends on, and which of their outputs are used. */
export function medianNetwork(n: number): { a: number; b: number; min: boolean; max: boolean }[] {
  const net = batcher(n)
  const need = new Set([n >> 1])
  const kept: { a: number; b: number; min: boolean; max: boolean }[] = []
  for (let c = net.length - 1; c >= 0; c--) {
    const [a, b] = net[c]
    const min = need.has(a), max = need.has(b)
    if (!min && !max) continue
    kept.push({ a, b, min, max })
    need.add(a); need.add(b)
  }
  return kept.reverse()
}

const leb = (v: number, signed = false): number[] => {
  const out: number[] = []
  for (;;) {
    const byte = v & 0x7f
    v = signed ? v >> 7 : v >>> 7
    const done = signed ? (v === 0 && !(byte & 0x40)) || (v === -1 && (byte & 0x40)) : v === 0
    out.push(done ? byte : byte | 0x80)
    if (done) return out
  }
}
const str = (s: string) => [...leb(s.length), ...Buffer.from(s)]
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body]
const vec = (items: number[][]) => [...leb(items.length), ...items.flat()]

/**
 * One exported function per kernel size r (window 2r+1): f(src, dst, stride, rows, chunks). src is the image
 * padded by r on every side (replicated edges), row stride `stride`; writes rows × (chunks·16) medians at
 * dst with the same stride.
 */
function buildModule(): Uint8Array {
  const OP = { get: 0x20, set: 0x21, tee: 0x22, i32c: 0x41, add: 0x6a, mul: 0x6c, ltu: 0x49, block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b }
  const simd = (op: number, ...imm: number[]) => [0xfd, ...leb(op), ...imm]
  // kind 'median': the window's median; 'max' / 'min': the maximum / minimum over the 3×3 cross (r = 1).
  const fn = (r: number, kind: 'median' | 'max' | 'min' = 'median'): number[] => {
    const k = 2 * r + 1, n = k * k
    // params 0 src, 1 dst, 2 stride, 3 rows, 4 chunks; i32 locals 5 y, 6 c, 7 row base, 8 out; v128 locals 9.. (n + 1)
    const V = 9, T = V + n
    const code: number[] = []
    const g = (i: number) => [OP.get, ...leb(i)], s = (i: number) => [OP.set, ...leb(i)]
    code.push(OP.i32c, 0, ...s(5))
    code.push(OP.block, 0x40, OP.loop, 0x40)
    //  if y >= rows: break
    code.push(...g(5), ...g(3), 0x4f /* i32.ge_u */, OP.brIf, 1)
    code.push(...g(0), ...g(5), ...g(2), OP.mul, OP.add, ...s(7)) // base = src + y*stride
    code.push(...g(1), ...g(5), ...g(2), OP.mul, OP.add, ...s(8)) // out = dst + y*stride
    code.push(OP.i32c, 0, ...s(6))
    code.push(OP.block, 0x40, OP.loop, 0x40)
    code.push(...g(6), ...g(4), 0x4f, OP.brIf, 1)
    for (let dy = 0; dy < k; dy++) {
      for (let dx = 0; dx < k; dx++) {
        if (kind !== 'median' && (dy - r) * (dx - r) !== 0) continue
        // v = load(base + dy*stride + dx)
        code.push(...g(7))
        if (dy > 0) code.push(...g(2), OP.i32c, ...leb(dy, true), OP.mul, OP.add)
        code.push(...simd(0, 0, ...leb(dx)), ...s(V + dy * k + dx))
      }
    }
    if (kind !== 'median') {
      // cross: the centre (4) against its four neighbours (1, 3, 5, 7)
      const op = kind === 'max' ? 0x79 : 0x77
      code.push(...g(V + 4))
      for (const i of [1, 3, 5, 7]) code.push(...g(V + i), ...simd(op))
      code.push(...s(V + (n >> 1)))
    }
    for (const { a, b, min, max } of kind === 'median' ? medianNetwork(n) : []) {
      if (min && max) {
        code.push(...g(V + a), ...g(V + b), ...simd(0x77), ...s(T))          // t = min(a, b)
        code.push(...g(V + a), ...g(V + b), ...simd(0x79), ...s(V + b))      // b = max(a, b)
        code.push(...g(T), ...s(V + a))
      } else if (min) {
        code.push(...g(V + a), ...g(V + b), ...simd(0x77), ...s(V + a))
      } else {
        code.push(...g(V + a), ...g(V + b), ...simd(0x79), ...s(V + b))
      }
    }
    code.push(...g(8), ...g(V + (n >> 1)), ...simd(0x0b, 0, 0))
    code.push(...g(7), OP.i32c, 16, OP.add, ...s(7))
    code.push(...g(8), OP.i32c, 16, OP.add, ...s(8))
    code.push(...g(6), OP.i32c, 1, OP.add, ...s(6))
    code.push(OP.br, 0, OP.end, OP.end)
    code.push(...g(5), OP.i32c, 1, OP.add, ...s(5))
    code.push(OP.br, 0, OP.end, OP.end, OP.end)
    const locals = vec([[4, 0x7f], [n + 1, 0x7b]].map(([c, t]) => [...leb(c), t]))
    const body = [...locals, ...code]
    return [...leb(body.length), ...body]
  }
  const type = section(1, vec([[0x60, ...vec([[0x7f], [0x7f], [0x7f], [0x7f], [0x7f]]), 0]]))
  const imp = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, 0x01]]))
  const func = section(3, vec([[0], [0], [0], [0]]))
  const exp = section(7, vec([[...str('median3'), 0x00, 0], [...str('median5'), 0x00, 1], [...str('dilate3'), 0x00, 2], [...str('erode3'), 0x00, 3]]))
  const codeSec = section(10, vec([fn(1), fn(2), fn(1, 'max'), fn(1, 'min')]))
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imp, ...func, ...exp, ...codeSec])
}

type MedianFn = (src: number, dst: number, stride: number, rows: number, chunks: number) => void
// The project's TypeScript libs carry no WebAssembly types; the little this file uses:
interface WasmMemory { buffer: ArrayBuffer; grow(pages: number): number }
const Wasm = (globalThis as unknown as {
  WebAssembly: {
    Memory: new (d: { initial: number }) => WasmMemory
    Module: new (bytes: Uint8Array) => object
    Instance: new (m: object, imports: object) => { exports: Record<string, unknown> }
  }
}).WebAssembly
let kernel: { memory: WasmMemory; median3: MedianFn; median5: MedianFn; dilate3: MedianFn; erode3: MedianFn } | null | undefined

function getKernel(): typeof kernel {
  if (kernel !== undefined) return kernel
  try {
    const bytes = buildModule()
    const memory = new Wasm.Memory({ initial: 1 })
    const inst = new Wasm.Instance(new Wasm.Module(bytes), { env: { memory } })
    const ex = inst.exports as Record<'median3' | 'median5' | 'dilate3' | 'erode3', MedianFn>
    kernel = { memory, median3: ex.median3, median5: ex.median5, dilate3: ex.dilate3, erode3: ex.erode3 }
  } catch {
    kernel = null // no WebAssembly SIMD: OpenCV's medianBlur does the work
  }
  return kernel
}

/** Median filter with window 2r+1 (r = 1 or 2), edges replicated; identical to cv.medianBlur. */
export function medianSimd(src: Uint8Array, W: number, H: number, r: 1 | 2, dst = new Uint8Array(W * H)): Uint8Array {
  return runKernel(r === 1 ? 'median3' : 'median5', src, W, H, r, 'replicate', dst)
}

/**
 * Closing (dilate, then erode) of a 0/255 image by the 3×3 cross, pixels outside the image never counting;
 * identical to cv.morphologyEx(MORPH_CLOSE) with MORPH_ELLIPSE 3×3 (which is that cross).
 */
export function closeCrossSimd(src: Uint8Array, W: number, H: number, dst = new Uint8Array(W * H)): Uint8Array {
  return runKernel('erode3', runKernel('dilate3', src, W, H, 1, 0, dst), W, H, 1, 255, dst)
}

function runKernel(name: 'median3' | 'median5' | 'dilate3' | 'erode3', src: Uint8Array, W: number, H: number, r: number,
  pad: number | 'replicate', dst: Uint8Array): Uint8Array {
  const kr = getKernel()
  if (!kr) throw new Error('WebAssembly SIMD is not available')
  const chunks = Math.ceil(W / 16)
  const stride = chunks * 16 + 2 * r
  const inBytes = stride * (H + 2 * r) + 16, outBytes = stride * H + 16
  const need = inBytes + outBytes
  const mem = kr.memory
  if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536))
  const m = new Uint8Array(mem.buffer)
  // The input, framed by r pixels on every side (edge copies or a constant), then free columns up to the stride.
  for (let py = 0; py < H + 2 * r; py++) {
    const o = py * stride
    if (pad !== 'replicate' && (py < r || py >= H + r)) { m.fill(pad, o, o + stride); continue }
    const sy = Math.min(H - 1, Math.max(0, py - r)) * W
    m.set(src.subarray(sy, sy + W), o + r)
    m.fill(pad === 'replicate' ? src[sy] : pad, o, o + r)
    m.fill(pad === 'replicate' ? src[sy + W - 1] : pad, o + r + W, o + stride)
  }
  kr[name](0, inBytes, stride, H, chunks)
  for (let y = 0; y < H; y++) dst.set(m.subarray(inBytes + y * stride, inBytes + y * stride + W), y * W)
  return dst
}

/** Divides the page by its paper colour so that ink is dark and paper ≈ 255 everywhere. */
function normaliseBackground(cv: OpenCv, gray: Mat): Mat {
  const mats: Mat[] = []
  try {
    const long = Math.max(gray.cols, gray.rows)
    const f = Math.min(1, 320 / long)
    const small = new cv.Mat(); mats.push(small)
    cv.resize(gray, small, new cv.Size(Math.max(1, Math.round(gray.cols * f)), Math.max(1, Math.round(gray.rows * f))), 0, 0, cv.INTER_AREA)
    // At ≤320 px strokes are at most a pixel or two wide: a 7×7 max filter erases them, leaving paper.
    const k = cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(7, 7)); mats.push(k)
    const bg = new cv.Mat(); mats.push(bg)
    cv.dilate(small, bg, k)
    medianBlur(cv, bg, bg, 5)
    cv.GaussianBlur(bg, bg, new cv.Size(9, 9), 0)
    const bgFull = new cv.Mat(); mats.push(bgFull)
    cv.resize(bg, bgFull, new cv.Size(gray.cols, gray.rows), 0, 0, cv.INTER_LINEAR)
    const out = new cv.Mat()
    cv.divide(gray, bgFull, out, 255)
    return out
  } finally {
    for (const m of mats) m.delete()
  }
}

interface Comp { x: number; y: number; w: number; h: number; area: number; labels: number[] }

function components(cv: OpenCv, bin: Mat): { comps: Comp[]; labels: Int32Array } {
  const labels = new cv.Mat(), stats = new cv.Mat(), cents = new cv.Mat()
  try {
    const n = cv.connectedComponentsWithStats(bin, labels, stats, cents, 8, cv.CV_32S)
    const s = stats.data32S as Int32Array
    const comps: Comp[] = []
    for (let i = 1; i < n; i++) {
      comps.push({ x: s[i * 5], y: s[i * 5 + 1], w: s[i * 5 + 2], h: s[i * 5 + 3], area: s[i * 5 + 4], labels: [i] })
    }
    return { comps, labels: new Int32Array(labels.data32S) }
  } finally {
    labels.delete(); stats.delete(); cents.delete()
  }
}

/** Median height of character-sized components; ignores specks and page-sized blobs. */
function estimateCharHeight(comps: Comp[], imgH: number): number {
  const hs = comps.filter(c => c.h >= 6 && c.area >= 12 && c.h < imgH * 0.5).map(c => c.h)
  if (hs.length === 0) return 0
  const hMax = [...hs].sort((a, b) => a - b)[Math.floor(hs.length * 0.95)]
  // Fragments and specks drag the median down; characters cluster in the upper part of the distribution.
  return median(hs.filter(h => h >= 0.35 * hMax))
}

function union(a: Comp, b: Comp): Comp {
  const x = Math.min(a.x, b.x), y = Math.min(a.y, b.y)
  return {
    x, y,
    w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y,
    area: a.area + b.area, labels: a.labels.concat(b.labels)
  }
}

/** Joins the pieces of one broken character: pieces sharing columns and nearly touching vertically. */
function mergeBroken(comps: Comp[], hMed: number): { comps: Comp[]; merged: Set<Comp> } {
  const merged = new Set<Comp>()
  let list = comps.slice()
  let changed = true
  while (changed) {
    changed = false
    list.sort((a, b) => a.x - b.x)
    for (let i = 0; i < list.length && !changed; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i], b = list[j]
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
          changed = true
          break
        }
      }
    }
  }
  // Side by side: a narrow or small piece practically touching its neighbour, the two together no wider
  // than one character (an R drawn as stem + bowl, a G's detached hook).
  changed = true
  while (changed) {
    changed = false
    list.sort((a, b) => a.x - b.x)
    for (let i = 0; i + 1 < list.length && !changed; i++) {
      for (let j = i + 1; j < list.length && list[j].x <= list[i].x + list[i].w + 0.15 * hMed; j++) {
        const a = list[i], b = list[j]
        const gap = Math.max(a.x, b.x) - Math.min(a.x + a.w, b.x + b.w)
        const ov = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y)
        const u = union(a, b)
        const small = Math.min(Math.max(a.w, a.h), Math.max(b.w, b.h)) < 0.5 * hMed
        const narrow = Math.min(a.w, b.w) < 0.3 * hMed
        // A detached stroke (an L's foot) may sit a little further off than a split stem.
        const maxGap = small ? 0.15 * hMed : 0.05 * hMed
        if ((small || narrow) && gap <= maxGap && ov >= 0.5 * Math.min(a.h, b.h) && u.w <= 0.85 * hMed && u.h <= 1.35 * hMed) {
          list.splice(j, 1)
          list[i] = u
          merged.add(u)
          changed = true
          break
        }
      }
    }
  }
  list = list.filter(c => c.labels.length === 1 || merged.has(c))
  return { comps: list, merged }
}

export async function segmentPage(image: GrayImage, options: SegmentOptions = {}): Promise<SegmentResult> {
  const { cv } = await loadOpenCv()
  const target = options.targetCharHeight ?? 64
  const splitRatio = options.splitWidthRatio ?? 1.75
  const speckFraction = options.speckFraction ?? 0.3
  const mats: Mat[] = []
  const keep = <M extends Mat>(m: M): M => { mats.push(m); return m }
  try {
    const gray = keep(cv.matFromArray(image.height, image.width, cv.CV_8UC1, image.data))
    const norm = keep(normaliseBackground(cv, gray))
    const normalised: GrayImage = { width: image.width, height: image.height, data: new Uint8Array(norm.data) }

    // Pass 1 at ≤1200 px: how tall are the characters?
    const f1 = Math.min(1, 1200 / Math.max(image.width, image.height))
    const probe = keep(new cv.Mat())
    cv.resize(norm, probe, new cv.Size(Math.max(1, Math.round(image.width * f1)), Math.max(1, Math.round(image.height * f1))), 0, 0, cv.INTER_AREA)
    medianBlur(cv, probe, probe, 3)
    const probeBin = keep(new cv.Mat())
    cv.threshold(probe, probeBin, 0, 255, cv.THRESH_BINARY_INV | cv.THRESH_OTSU)
    const h1 = estimateCharHeight(components(cv, probeBin).comps, probe.rows)
    const charHeightIn = h1 > 0 ? h1 / f1 : image.height / 20
    const s = Math.min(4, target / charHeightIn)

    // Pass 2 with characters ~target px tall.
    const work = keep(new cv.Mat())
    const ww = Math.max(1, Math.round(image.width * s)), wh = Math.max(1, Math.round(image.height * s))
    if (s > 1) {
      // Median before upscaling: same footprint in character units, far fewer pixels (the wasm median is slow).
      const pre = keep(new cv.Mat())
      const kSize = Math.max(3, 2 * Math.round((5 / s - 1) / 2) + 1)
      medianBlur(cv, norm, pre, kSize)
      cv.resize(pre, work, new cv.Size(ww, wh), 0, 0, cv.INTER_LINEAR)
    } else {
      cv.resize(norm, work, new cv.Size(ww, wh), 0, 0, cv.INTER_AREA)
      medianBlur(cv, work, work, 5)
    }
    const bin = keep(new cv.Mat())
    const otsu = cv.threshold(work, bin, 0, 255, cv.THRESH_BINARY_INV | cv.THRESH_OTSU)
    // On a nearly blank page Otsu can split the paper texture; ink is always well below the paper level.
    if (otsu > 215) cv.threshold(work, bin, 215, 255, cv.THRESH_BINARY_INV)
    const k = keep(cv.getStructuringElement(cv.MORPH_ELLIPSE, new cv.Size(3, 3)))
    if (getKernel() && bin.isContinuous()) (bin.data as Uint8Array).set(closeCrossSimd(bin.data as Uint8Array, ww, wh))
    else cv.morphologyEx(bin, bin, cv.MORPH_CLOSE, k)
    const { comps: raw, labels } = components(cv, bin)

    let hMed = estimateCharHeight(raw, wh) || target
    const { comps: mergedComps, merged } = mergeBroken(raw, hMed)
    // Drop specks (and punctuation) and page-scale blobs (borders, shadows), relative to this page.
    const chars = mergedComps.filter(c =>
      Math.max(c.w, c.h) >= speckFraction * hMed &&
      c.h >= 0.4 * hMed &&
      c.h <= 3 * hMed &&
      c.area >= 0.015 * hMed * hMed)
    hMed = median(chars.map(c => c.h)) || hMed

    // Split touching characters, line by line.
    const lines = groupLines(chars)
    const out: { c: Comp; origin: CharBox['origin'] }[] = []
    for (const line of lines) {
      const widths = line.map(i => chars[i].w)
      // The median of a short line is dominated by the pair itself; fall back to the page's typical width.
      const mw = line.length >= 4 ? median(widths) : Math.min(median(widths), 0.8 * hMed)
      for (const i of line) {
        const c = chars[i]
        const origin: CharBox['origin'] = merged.has(c) ? 'merged' : 'component'
        // A W or M is naturally wide: only boxes wider than both the line's typical width and ~1.6 character
        // heights are taken for touching pairs.
        if (c.w <= splitRatio * mw || c.w <= 1.6 * hMed) { out.push({ c, origin }); continue }
        const profile = columnProfile(c, labels, ww)
        const parts = Math.max(2, Math.round(c.w / mw))
        const cutsLocal = proposeCuts(profile, parts)
        let cuts: number[] | null = cutsLocal.map(x => (c.x + x) / s)
        if (options.splitter) {
          const decided = await options.splitter({ box: toInput(c, s, image), lineMedianWidth: mw / s, profile, proposedCuts: cuts })
          if (decided) cuts = decided
        }
        if (!cuts || cuts.length === 0) { out.push({ c, origin }); continue }
        const local = cuts.map(x => Math.round(x * s - c.x)).filter(x => x > 0 && x < c.w).sort((a, b) => a - b)
        let start = 0
        for (const cut of [...local, c.w]) {
          const part = tightPart(c, labels, ww, start, cut)
          if (part) out.push({ c: part, origin: 'split' })
          start = cut
        }
      }
    }
    return {
      boxes: out.map(({ c, origin }) => ({
        ...toInput(c, s, image),
        origin,
        ink: { labels: c.labels.slice(), rect: { x: c.x, y: c.y, w: c.w, h: c.h } }
      })),
      charHeight: hMed / s,
      binary: { width: ww, height: wh, data: new Uint8Array(bin.data) },
      binaryScale: s,
      labels,
      normalised
    }
  } finally {
    for (const m of mats) m.delete()
  }
}

function toInput(c: Rect, s: number, image: GrayImage): Rect {
  const x0 = Math.max(0, Math.floor(c.x / s)), y0 = Math.max(0, Math.floor(c.y / s))
  const x1 = Math.min(image.width, Math.ceil((c.x + c.w) / s)), y1 = Math.min(image.height, Math.ceil((c.y + c.h) / s))
  return { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) }
}

/** Ink pixels per column of one (possibly merged) component. */
function columnProfile(c: Comp, labels: Int32Array, stride: number): Float32Array {
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
    let s = 0, n = 0
    for (let d = -2; d <= 2; d++) if (x + d >= 0 && x + d < w) { s += profile[x + d]; n++ }
    sm[x] = s / n
  }
  const cuts: number[] = []
  const step = w / parts
  for (let i = 1; i < parts; i++) {
    const centre = i * step
    const lo = Math.max(1, Math.round(centre - 0.35 * step)), hi = Math.min(w - 2, Math.round(centre + 0.35 * step))
    let best = Math.round(centre), bestV = Infinity
    for (let x = lo; x <= hi; x++) {
      // Prefer low ink, and near the even division when ties.
      const v = sm[x] + 0.02 * Math.abs(x - centre)
      if (v < bestV) { bestV = v; best = x }
    }
    cuts.push(best)
  }
  return cuts
}

/** The tight box of a component's pixels within columns [from, to) of its box. */
function tightPart(c: Comp, labels: Int32Array, stride: number, from: number, to: number): Comp | null {
  const own = new Set(c.labels)
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1, area = 0
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

/**
 * Which pixels of `crop` (a rectangle in input pixels) belong to `box`'s own character: 1 for its ink and
 * for paper within `halo` working pixels of that ink (the soft, anti-aliased edge of its strokes), 0 for
 * everything else — a neighbour's overlapping strokes, specks, the other part of a split pair. Row-major,
 * crop.w × crop.h. Null when the box carries no ink description (then the plain rectangle is all there is).
 */
export function glyphMask(seg: Pick<SegmentResult, 'labels' | 'binary' | 'binaryScale'>, box: CharBox, crop: Rect, halo = 2): Uint8Array | null {
  if (!box.ink) return null
  const { labels: lab, binary: { width: ww, height: wh }, binaryScale: s } = seg
  const own = new Set(box.ink.labels)
  const r = box.ink.rect
  const h = Math.max(0, Math.round(halo))
  // Working-scale window under the crop, with room for the halo.
  const wx0 = Math.max(0, Math.floor(crop.x * s) - h), wy0 = Math.max(0, Math.floor(crop.y * s) - h)
  const wx1 = Math.min(ww, Math.ceil((crop.x + crop.w) * s) + h), wy1 = Math.min(wh, Math.ceil((crop.y + crop.h) * s) + h)
  const winW = Math.max(0, wx1 - wx0), winH = Math.max(0, wy1 - wy0)
  // The box's own ink in the window, then everything within `halo` of it.
  const ownInk = new Uint8Array(winW * winH)
  for (let y = Math.max(wy0, r.y); y < Math.min(wy1, r.y + r.h); y++) {
    const row = y * ww
    for (let x = Math.max(wx0, r.x); x < Math.min(wx1, r.x + r.w); x++) {
      if (own.has(lab[row + x])) ownInk[(y - wy0) * winW + (x - wx0)] = 1
    }
  }
  // Square dilation by h, separably: rows then columns.
  const tmp = new Uint8Array(winW * winH), near = new Uint8Array(winW * winH)
  for (let y = 0; y < winH; y++) {
    for (let x = 0; x < winW; x++) {
      let v = 0
      for (let d = Math.max(0, x - h); d <= Math.min(winW - 1, x + h) && !v; d++) v = ownInk[y * winW + d]
      tmp[y * winW + x] = v
    }
  }
  for (let y = 0; y < winH; y++) {
    for (let x = 0; x < winW; x++) {
      let v = 0
      for (let d = Math.max(0, y - h); d <= Math.min(winH - 1, y + h) && !v; d++) v = tmp[d * winW + x]
      near[y * winW + x] = v
    }
  }
  const mask = new Uint8Array(crop.w * crop.h)
  for (let y = 0; y < crop.h; y++) {
    const wy = Math.min(wh - 1, Math.max(0, Math.floor((crop.y + y + 0.5) * s)))
    for (let x = 0; x < crop.w; x++) {
      const wx = Math.min(ww - 1, Math.max(0, Math.floor((crop.x + x + 0.5) * s)))
      if (wx < wx0 || wx >= wx1 || wy < wy0 || wy >= wy1) continue
      const i = (wy - wy0) * winW + (wx - wx0)
      // Own ink, or paper next to it; ink of any other component (or of the other part of a split) is not ours.
      if (ownInk[i] || (lab[wy * ww + wx] === 0 && near[i])) mask[y * crop.w + x] = 1
    }
  }
  return mask
}
