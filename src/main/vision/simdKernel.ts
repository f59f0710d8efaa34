// The hand-assembled WebAssembly SIMD kernel behind segmentation's median filters and closing, moved
// verbatim out of segment.ts (the OpenCV pipeline stays there; glyph masking is in glyphMask.ts).
//
// Median filters and the closing: OpenCV's wasm build has no SIMD, and its medianBlur alone was ~45% of
// segmentPage. The 3×3 and 5×5 medians and the 3×3-cross dilation/erosion run in a small WebAssembly SIMD kernel
// built below (for the medians a sorting network pruned to the median output), 16 pixels per step, giving the
// same pixels as cv.medianBlur (edges replicated) and cv.morphologyEx at ~1/15 of the time.

import {
  exportedKernel,
  moduleBytes,
  name,
  section,
  sleb,
  uleb,
  vec,
  wasm,
  type WasmKernel,
  type WasmMemory
} from '../core/wasm.ts'

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
            const a = i + j,
              b = i + j + k
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
    const min = need.has(a),
      max = need.has(b)
    if (!min && !max) continue
    kept.push({ a, b, min, max })
    need.add(a)
    need.add(b)
  }
  return kept.reverse()
}

/**
 * One exported function per kernel size r (window 2r+1): f(src, dst, stride, rows, chunks). src is the image
 * padded by r on every side (replicated edges), row stride `stride`; writes rows × (chunks·16) medians at
 * dst with the same stride.
 */
function buildModule(): Uint8Array {
  const OP = {
    get: 0x20,
    set: 0x21,
    tee: 0x22,
    i32c: 0x41,
    add: 0x6a,
    mul: 0x6c,
    ltu: 0x49,
    block: 0x02,
    loop: 0x03,
    br: 0x0c,
    brIf: 0x0d,
    end: 0x0b
  }
  const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm]
  // kind 'median': the window's median; 'max' / 'min': the maximum / minimum over the 3×3 cross (r = 1).
  const fn = (r: number, kind: 'median' | 'max' | 'min' = 'median'): number[] => {
    const k = 2 * r + 1,
      n = k * k
    // params 0 src, 1 dst, 2 stride, 3 rows, 4 chunks; i32 locals 5 y, 6 c, 7 row base, 8 out; v128 locals 9.. (n + 1)
    const V = 9,
      T = V + n
    const code: number[] = []
    const g = (i: number) => [OP.get, ...uleb(i)],
      s = (i: number) => [OP.set, ...uleb(i)]
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
        if (dy > 0) code.push(...g(2), OP.i32c, ...sleb(dy), OP.mul, OP.add)
        code.push(...simd(0, 0, ...uleb(dx)), ...s(V + dy * k + dx))
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
        code.push(...g(V + a), ...g(V + b), ...simd(0x77), ...s(T)) // t = min(a, b)
        code.push(...g(V + a), ...g(V + b), ...simd(0x79), ...s(V + b)) // b = max(a, b)
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
    const locals = vec(
      [
        [4, 0x7f],
        [n + 1, 0x7b]
      ].map(([c, t]) => [...uleb(c), t])
    )
    const body = [...locals, ...code]
    return [...uleb(body.length), ...body]
  }
  const type = section(1, vec([[0x60, ...vec([[0x7f], [0x7f], [0x7f], [0x7f], [0x7f]]), 0]]))
  const imp = section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]]))
  const func = section(3, vec([[0], [0], [0], [0]]))
  const exp = section(
    7,
    vec([
      [...name('median3'), 0x00, 0],
      [...name('median5'), 0x00, 1],
      [...name('dilate3'), 0x00, 2],
      [...name('erode3'), 0x00, 3]
    ])
  )
  const codeSec = section(10, vec([fn(1), fn(2), fn(1, 'max'), fn(1, 'min')]))
  return moduleBytes(type, imp, func, exp, codeSec)
}

/** (src, dst, stride, rows, chunks), byte offsets and counts. */
type MedianFn = WasmKernel
let kernel:
  { memory: WasmMemory; median3: MedianFn; median5: MedianFn; dilate3: MedianFn; erode3: MedianFn } | null | undefined

export function getKernel(): typeof kernel {
  if (kernel !== undefined) return kernel
  try {
    const bytes = buildModule()
    const memory = new wasm.Memory({ initial: 1 })
    const inst = new wasm.Instance(new wasm.Module(bytes), { env: { memory } })
    const ex = inst.exports
    kernel = {
      memory,
      median3: exportedKernel(ex, 'median3'),
      median5: exportedKernel(ex, 'median5'),
      dilate3: exportedKernel(ex, 'dilate3'),
      erode3: exportedKernel(ex, 'erode3')
    }
  } catch {
    kernel = null // no WebAssembly SIMD: OpenCV's medianBlur does the work
  }
  return kernel
}

/** Median filter with window 2r+1 (r = 1 or 2), edges replicated; identical to cv.medianBlur. */
export function medianSimd(
  src: Uint8Array,
  W: number,
  H: number,
  r: 1 | 2,
  dst: Uint8Array = new Uint8Array(W * H)
): Uint8Array {
  return runKernel(r === 1 ? 'median3' : 'median5', src, W, H, r, 'replicate', dst)
}

/**
 * Closing (dilate, then erode) of a 0/255 image by the 3×3 cross, pixels outside the image never counting;
 * identical to cv.morphologyEx(MORPH_CLOSE) with MORPH_ELLIPSE 3×3 (which is that cross).
 */
export function closeCrossSimd(
  src: Uint8Array,
  W: number,
  H: number,
  dst: Uint8Array = new Uint8Array(W * H)
): Uint8Array {
  return runKernel('erode3', runKernel('dilate3', src, W, H, 1, 0, dst), W, H, 1, 255, dst)
}

function runKernel(
  name: 'median3' | 'median5' | 'dilate3' | 'erode3',
  src: Uint8Array,
  W: number,
  H: number,
  r: number,
  pad: number | 'replicate',
  dst: Uint8Array
): Uint8Array {
  const kr = getKernel()
  if (!kr) throw new Error('WebAssembly SIMD is not available')
  const chunks = Math.ceil(W / 16)
  const stride = chunks * 16 + 2 * r
  const inBytes = stride * (H + 2 * r) + 16,
    outBytes = stride * H + 16
  const need = inBytes + outBytes
  const mem = kr.memory
  if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536))
  const m = new Uint8Array(mem.buffer)
  // The input, framed by r pixels on every side (edge copies or a constant), then free columns up to the stride.
  for (let py = 0; py < H + 2 * r; py++) {
    const o = py * stride
    if (pad !== 'replicate' && (py < r || py >= H + r)) {
      m.fill(pad, o, o + stride)
      continue
    }
    const sy = Math.min(H - 1, Math.max(0, py - r)) * W
    m.set(src.subarray(sy, sy + W), o + r)
    m.fill(pad === 'replicate' ? src[sy] : pad, o, o + r)
    m.fill(pad === 'replicate' ? src[sy + W - 1] : pad, o + r + W, o + stride)
  }
  kr[name](0, inBytes, stride, H, chunks)
  for (let y = 0; y < H; y++) dst.set(m.subarray(inBytes + y * stride, inBytes + y * stride + W), y * W)
  return dst
}
