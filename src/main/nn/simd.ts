// WebAssembly SIMD (f32x4) kernels for the float32 hot path. V8 does not vectorise JS loops, so
// the big products of a training step (X·W1 and Xᵀ·dA1, ~95% of the flops) run here instead.
// The module is assembled from bytes below (no toolchain needed).
//
// Memory. The module imports its linear memory, so one compiled module serves many instances:
//  - an Arena is a fixed-size memory owned by one network (Mlp). Its weights, gradients and
//    batch buffers are Float32Array views into that memory, so a gemm on them runs in place,
//    without copying anything. The memory never grows, so the views never detach; the whole
//    memory is garbage-collected with the last view into it.
//  - a growable scratch instance serves operands that live elsewhere: they are copied in and the
//    result copied out (the only path before arenas existed; kept for foreign arrays).
//
// Gemm kernel: C[m×n] (op)= A·B with A(i,p) at byte aOff + i·saiB + p·sapB (so A may be a plain
// or a transposed row-major matrix), B row-major k×n at bOff, C row-major m×n at cOff. Columns
// [jStart, jEnd) are done in strips of 4Q, rows in tiles of R: R×Q f32x4 accumulators run over
// the whole reduction from zero (R broadcast loads + Q vector loads feed 4RQ multiply-adds), and
// the tile is written once at the end according to `mode`:
//   0: C = acc       1: C = C + acc       2: C = C − f32(lr)·acc   (all float32)
// Mode 2 is exactly the plain-SGD update of sgdUpdate (kernels.ts; float32 arithmetic like NumPy's
// W −= lr·dW) applied to the gradient g = acc, so a fused gradient+update step is bit-identical to
// computing the gradient and then calling Sgd.step.

import { availableParallelism } from 'node:os'
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'
import { beforeV8FlagsChange } from '../core/v8Flags.ts'
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

const I32 = 0x7f,
  F64 = 0x7c,
  V128 = 0x7b

// Instructions.
const get = (x: number): number[] => [0x20, ...uleb(x)]
const set = (x: number): number[] => [0x21, ...uleb(x)]
const i32c = (v: number): number[] => [0x41, ...sleb(v)]
const add = [0x6a],
  sub = [0x6b],
  mul = [0x6c],
  ltU = [0x49],
  ne = [0x47]
const simd = (op: number): number[] => [0xfd, ...uleb(op)]
const memarg = (align: number, offset: number): number[] => [...uleb(align), ...uleb(offset)]
const v128load = (offset: number): number[] => [...simd(0x00), ...memarg(4, offset)]
const v128store = (offset: number): number[] => [...simd(0x0b), ...memarg(4, offset)]
const load32splat = (offset: number): number[] => [...simd(0x09), ...memarg(2, offset)]
const f32x4add = simd(0xe4),
  f32x4sub = simd(0xe5),
  f32x4mul = simd(0xe6)
const v128zero = [...simd(0x0c), ...new Array(16).fill(0)]
const block = (body: number[]): number[] => [0x02, 0x40, ...body, 0x0b]
const loop = (body: number[]): number[] => [0x03, 0x40, ...body, 0x0b]
const ifElse = (cond: number[], then: number[], otherwise: number[]): number[] => [
  ...cond,
  0x04,
  0x40,
  ...then,
  0x05,
  ...otherwise,
  0x0b
]

// Parameters of every gemm kernel, then locals. n and the strides of A are not parameters: each
// (n, sai, sap) gets its own module with them folded into the address offsets (see gemmModule).
const GEMM_PARAMS = [I32, I32, I32, I32, I32, I32, F64, I32, I32]
const [M, K, A_OFF, B_OFF, C_OFF, MODE, LR, J_START, J_END] = GEMM_PARAMS.map((_, x) => x)
const geU = [0x4f],
  eqz = [0x45],
  eq = [0x46]

/**
 * Kernel over tiles of R rows × 4Q columns for C[·×n] with A(i,p) at byte i·saiB + p·sapB; the
 * reduction is unrolled U times. m must be a positive multiple of R, k ≥ 1, jStart < jEnd.
 */
function gemmKernel(R: number, Q: number, U: number, n: number, saiB: number, sapB: number): number[] {
  const nB = 4 * n
  let next = GEMM_PARAMS.length
  const [i, j, p, aPtr, bPtr, cPtr] = [next++, next++, next++, next++, next++, next++]
  const nI32 = next - GEMM_PARAMS.length
  const acc = Array.from({ length: R }, () => Array.from({ length: Q }, () => next++))
  const splat = Array.from({ length: R }, () => next++)
  const bv = next++,
    lr4 = next++
  const nV128 = next - GEMM_PARAMS.length - nI32
  const rows = [...Array(R).keys()],
    quads = [...Array(Q).keys()]

  /** One reduction step at p + u: R broadcasts, Q loads of B, R·Q vector multiply-adds. */
  const step = (u: number): number[] => [
    ...rows.flatMap((r) => [...get(aPtr), ...load32splat(r * saiB + u * sapB), ...set(splat[r])]),
    ...quads.flatMap((q) => [
      ...get(bPtr),
      ...v128load(u * nB + 16 * q),
      ...set(bv),
      ...rows.flatMap((r) => [
        ...get(acc[r][q]),
        ...get(splat[r]),
        ...get(bv),
        ...f32x4mul,
        ...f32x4add,
        ...set(acc[r][q])
      ])
    ])
  ]
  const advance = (steps: number): number[] => [
    ...get(aPtr),
    ...i32c(steps * sapB),
    ...add,
    ...set(aPtr),
    ...get(bPtr),
    ...i32c(steps * nB),
    ...add,
    ...set(bPtr),
    ...get(p),
    ...i32c(steps),
    ...sub,
    ...set(p)
  ]
  const reduction =
    U === 1
      ? [...get(K), ...set(p), ...loop([...step(0), ...advance(1), ...get(p), ...i32c(0), ...ne, 0x0d, 0])]
      : [
          ...get(K),
          ...set(p),
          ...block([
            ...get(p),
            ...i32c(U),
            ...ltU,
            0x0d,
            0,
            ...loop([...[...Array(U).keys()].flatMap(step), ...advance(U), ...get(p), ...i32c(U), ...geU, 0x0d, 0])
          ]),
          ...block([
            ...get(p),
            ...eqz,
            0x0d,
            0,
            ...loop([...step(0), ...advance(1), ...get(p), ...i32c(0), ...ne, 0x0d, 0])
          ])
        ]
  // Epilogues, one per mode, chosen once per tile. Row r of the tile is at cPtr + r·nB.
  const cOffset = (r: number, q: number): number => r * nB + 16 * q
  const store0 = rows.flatMap((r) =>
    quads.flatMap((q) => [...get(cPtr), ...get(acc[r][q]), ...v128store(cOffset(r, q))])
  )
  const store1 = rows.flatMap((r) =>
    quads.flatMap((q) => [
      ...get(cPtr),
      ...get(cPtr),
      ...v128load(cOffset(r, q)),
      ...get(acc[r][q]),
      ...f32x4add,
      ...v128store(cOffset(r, q))
    ])
  )
  // w − lr·g in float32 (lr rounded to float32), the same as sgdUpdate and NumPy's W −= lr·dW.
  const store2 = rows.flatMap((r) =>
    quads.flatMap((q) => [
      ...get(cPtr),
      ...get(cPtr),
      ...v128load(cOffset(r, q)),
      ...get(acc[r][q]),
      ...get(lr4),
      ...f32x4mul,
      ...f32x4sub,
      ...v128store(cOffset(r, q))
    ])
  )

  const strip = [
    ...get(i),
    ...i32c(saiB),
    ...mul,
    ...get(A_OFF),
    ...add,
    ...set(aPtr),
    ...get(j),
    ...i32c(4),
    ...mul,
    ...get(B_OFF),
    ...add,
    ...set(bPtr),
    ...get(i),
    ...i32c(nB),
    ...mul,
    ...get(j),
    ...i32c(4),
    ...mul,
    ...add,
    ...get(C_OFF),
    ...add,
    ...set(cPtr),
    ...rows.flatMap((r) => quads.flatMap((q) => [...v128zero, ...set(acc[r][q])])),
    ...reduction,
    ...ifElse([...get(MODE), ...eqz], store0, ifElse([...get(MODE), ...i32c(1), ...eq], store1, store2)),
    ...get(j),
    ...i32c(4 * Q),
    ...add,
    ...set(j),
    ...get(j),
    ...get(J_END),
    ...ltU,
    0x0d,
    0
  ]
  const body = [
    ...get(LR),
    0xb6 /* f32.demote_f64 */,
    ...simd(0x13) /* f32x4.splat */,
    ...set(lr4),
    ...i32c(0),
    ...set(i),
    ...loop([
      ...get(J_START),
      ...set(j),
      ...loop(strip),
      ...get(i),
      ...i32c(R),
      ...add,
      ...set(i),
      ...get(i),
      ...get(M),
      ...ltU,
      0x0d,
      0
    ]),
    0x0b
  ]
  const locals = vec([
    [...uleb(nI32), I32],
    [...uleb(nV128), V128]
  ])
  const fn = [...locals, ...body]
  return [...uleb(fn.length), ...fn]
}

/**
 * Rows per tile of the bulk kernel and f32x4 vectors per strip: 2×16 tiles, 8 accumulators.
 * Measured on Zen 3 under Node 20 (V8 11.3) for the 32×64×1024 and 1024×64×32 products: 2×16
 * and 4×8 lead (~12–17 GMAC/s); 12-accumulator tiles (3×16, 4×12, 6×8) and unrolling the reduction
 * lose, because TurboFan hoists every load of the unrolled body and spills the accumulators.
 * V8 unrolls this one-step loop by two by itself.
 */
export const TILE_ROWS = 2
export const TILE_VECS = 4
const UNROLL = 1
/**
 * Tile of short reductions (k ≤ SHORT_K: the weight gradient Xᵀ·dA, k = the batch): 4×8. Each tile pays a
 * fixed cost (pointers, zeroed accumulators, the epilogue's read-modify-write of C) over only k steps, and
 * a 4×8 tile costs fewer instructions per multiply-add there: 1024×64×32 (X transposed, SGD epilogue) takes
 * 1.87 M instructions with 4×8 against 2.10 M with 2×16 (callgrind), while the long 32×64×1024 product
 * takes 1.63 M with 2×16 against 1.77 M with 4×8. The order of every element's sum is the same in any tile.
 */
const SHORT_TILE: Tile = { R: 4, Q: 2 }
const LONG_TILE: Tile = { R: TILE_ROWS, Q: TILE_VECS }
const SHORT_K = 64
interface Tile {
  R: number
  Q: number
}
const tileFor = (k: number): Tile => (k <= SHORT_K ? SHORT_TILE : LONG_TILE)

/** Kernels of a module: for every R' ≤ R (the bulk and the leftover rows), Q and Q = 1. */
const kernelsOf = ({ R, Q }: Tile): [number, number][] =>
  [...Array(R).keys()].flatMap(
    (r) =>
      (Q === 1
        ? [[r + 1, 1]]
        : [
            [r + 1, Q],
            [r + 1, 1]
          ]) satisfies [number, number][]
  )
const kernelName = (R: number, Q: number): string => `gemm${R}x${4 * Q}`

/** The memory import: a plain memory (limits {min 0}), or a shared one (flag 3: shared, with a maximum). */
const memoryImport = (shared: boolean): number[] => [
  ...name('env'),
  ...name('memory'),
  0x02,
  ...(shared ? [0x03, 0x00, ...uleb(MAX_SHARED_PAGES)] : [0x00, 0x00])
]
/** Pages a shared arena may declare (1 GiB); an arena never grows, this only bounds the import. */
const MAX_SHARED_PAGES = 16384

function assemble(n: number, saiB: number, sapB: number, tile: Tile = LONG_TILE, shared = false): Uint8Array {
  const kernels = kernelsOf(tile)
  return moduleBytes(
    section(1, vec([[0x60, ...vec(GEMM_PARAMS.map((t) => [t])), 0x00]])),
    section(2, vec([memoryImport(shared)])),
    section(3, vec(kernels.map(() => [0]))),
    section(7, vec(kernels.map(([R, Q], f) => [...name(kernelName(R, Q)), 0x00, f]))),
    section(10, vec(kernels.map(([R, Q]) => gemmKernel(R, Q, UNROLL, n, saiB, sapB))))
  )
}

// Elementwise kernels (one module for every shape). sigmoid(xOff, yOff, vecs): y = 1/(1+e^−x) on
// vecs f32x4 vectors, with e^t from the Cephes expf scheme in float32 (t clamped to [−87, 88] so
// 2^n stays a normal float; sigmoid saturates to 0/1 well before that): n = nearest(t·log2 e),
// r = t − n·ln2 (in two parts), e^r by a degree-5 polynomial, times 2^n built in the exponent bits.
// About 1 ulp from the exact exp; NaN stays NaN.
const f32x4 = (v: number): number[] => {
  const b = Buffer.alloc(16)
  for (let l = 0; l < 4; l++) b.writeFloatLE(v, 4 * l)
  return [...simd(0x0c), ...b]
}
const i32x4 = (v: number): number[] => {
  const b = Buffer.alloc(16)
  for (let l = 0; l < 4; l++) b.writeInt32LE(v, 4 * l)
  return [...simd(0x0c), ...b]
}
const f32x4div = simd(0xe7),
  f32x4min = simd(0xe8),
  f32x4max = simd(0xe9)
const f32x4neg = simd(0xe1),
  f32x4nearest = simd(0x6a),
  truncSat = simd(0xf8),
  i32x4add = simd(0xae),
  i32x4shl = simd(0xab)
const EXP_POLY = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]

function sigmoidKernel(): number[] {
  const [xPtr, yPtr, vecs] = [0, 1, 2]
  const [t, n, r, z, y] = [3, 4, 5, 6, 7]
  const body = [
    ...block([
      ...get(vecs),
      ...eqz,
      0x0d,
      0,
      ...loop([
        // t = clamp(−x); n = nearest(t·log2e); r = t − n·C1 − n·C2
        ...get(xPtr),
        ...v128load(0),
        ...f32x4neg,
        ...f32x4(88),
        ...f32x4min,
        ...f32x4(-87),
        ...f32x4max,
        ...set(t),
        ...get(t),
        ...f32x4(Math.LOG2E),
        ...f32x4mul,
        ...f32x4nearest,
        ...set(n),
        ...get(t),
        ...get(n),
        ...f32x4(0.693359375),
        ...f32x4mul,
        ...f32x4sub,
        ...get(n),
        ...f32x4(-2.1219444e-4),
        ...f32x4mul,
        ...f32x4sub,
        ...set(r),
        ...get(r),
        ...get(r),
        ...f32x4mul,
        ...set(z),
        // y = ((((p0·r + p1)·r + p2)·r + p3)·r + p4)·r + p5;  e^r = y·z + r + 1
        ...f32x4(EXP_POLY[0]),
        ...EXP_POLY.slice(1).flatMap((c) => [...get(r), ...f32x4mul, ...f32x4(c), ...f32x4add]),
        ...get(z),
        ...f32x4mul,
        ...get(r),
        ...f32x4add,
        ...f32x4(1),
        ...f32x4add,
        // · 2^n, then 1 / (1 + e)
        ...get(n),
        ...truncSat,
        ...i32x4(127),
        ...i32x4add,
        ...i32c(23),
        ...i32x4shl,
        ...f32x4mul,
        ...set(y),
        ...get(yPtr),
        ...f32x4(1),
        ...f32x4(1),
        ...get(y),
        ...f32x4add,
        ...f32x4div,
        ...v128store(0),
        ...get(xPtr),
        ...i32c(16),
        ...add,
        ...set(xPtr),
        ...get(yPtr),
        ...i32c(16),
        ...add,
        ...set(yPtr),
        ...get(vecs),
        ...i32c(1),
        ...sub,
        ...set(vecs),
        ...get(vecs),
        ...i32c(0),
        ...ne,
        0x0d,
        0
      ])
    ]),
    0x0b
  ]
  const fn = [...vec([[...uleb(5), V128]]), ...body]
  return [...uleb(fn.length), ...fn]
}

/** i8x16.shuffle of two f32x4 by float lanes (0–3 the first operand, 4–7 the second). */
const shuffle32 = (lanes: number[]): number[] => [
  ...simd(0x0d),
  ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])
]

// transpose(src, dst, rows, cols): dst (cols×rows) = srcᵀ for a row-major src (rows×cols), both
// multiples of 4, in 4×4 blocks (4 row loads, 8 shuffles, 4 column stores). A pure copy of the floats.
function transposeKernel(): number[] {
  const [src, dst, rows, cols] = [0, 1, 2, 3]
  const [r, c, sPtr, dPtr, rowB, colB] = [4, 5, 6, 7, 8, 9]
  const [a, b, cc, d, t0, t1, t2, t3] = [10, 11, 12, 13, 14, 15, 16, 17]
  const body = [
    ...get(cols),
    ...i32c(4),
    ...mul,
    ...set(rowB), // bytes per src row
    ...get(rows),
    ...i32c(4),
    ...mul,
    ...set(colB), // bytes per dst row
    ...block([
      ...get(rows),
      ...eqz,
      ...get(cols),
      ...eqz,
      0x72 /* i32.or */,
      0x0d,
      0,
      ...i32c(0),
      ...set(r),
      ...loop([
        ...i32c(0),
        ...set(c),
        ...loop([
          // sPtr = src + r·rowB + 4c; dPtr = dst + c·colB + 4r
          ...get(src),
          ...get(r),
          ...get(rowB),
          ...mul,
          ...add,
          ...get(c),
          ...i32c(4),
          ...mul,
          ...add,
          ...set(sPtr),
          ...get(dst),
          ...get(c),
          ...get(colB),
          ...mul,
          ...add,
          ...get(r),
          ...i32c(4),
          ...mul,
          ...add,
          ...set(dPtr),
          ...[a, b, cc, d].flatMap((v, q) => [
            ...get(sPtr),
            ...(q === 0 ? [] : [...get(rowB), ...i32c(q), ...mul, ...add]),
            ...v128load(0),
            ...set(v)
          ]),
          ...get(a),
          ...get(b),
          ...shuffle32([0, 4, 1, 5]),
          ...set(t0),
          ...get(a),
          ...get(b),
          ...shuffle32([2, 6, 3, 7]),
          ...set(t1),
          ...get(cc),
          ...get(d),
          ...shuffle32([0, 4, 1, 5]),
          ...set(t2),
          ...get(cc),
          ...get(d),
          ...shuffle32([2, 6, 3, 7]),
          ...set(t3),
          ...(
            [
              [t0, t2, [0, 1, 4, 5]],
              [t0, t2, [2, 3, 6, 7]],
              [t1, t3, [0, 1, 4, 5]],
              [t1, t3, [2, 3, 6, 7]]
            ] satisfies [number, number, number[]][]
          ).flatMap(([x, y, lanes], q) => [
            ...get(dPtr),
            ...(q === 0 ? [] : [...get(colB), ...i32c(q), ...mul, ...add]),
            ...get(x),
            ...get(y),
            ...shuffle32(lanes),
            ...v128store(0)
          ]),
          ...get(c),
          ...i32c(4),
          ...add,
          ...set(c),
          ...get(c),
          ...get(cols),
          ...ltU,
          0x0d,
          0
        ]),
        ...get(r),
        ...i32c(4),
        ...add,
        ...set(r),
        ...get(r),
        ...get(rows),
        ...ltU,
        0x0d,
        0
      ])
    ]),
    0x0b
  ]
  const fn = [
    ...vec([
      [...uleb(6), I32],
      [...uleb(8), V128]
    ]),
    ...body
  ]
  return [...uleb(fn.length), ...fn]
}

function assembleElementwise(shared = false): Uint8Array {
  return moduleBytes(
    section(
      1,
      vec([
        [0x60, ...vec([[I32], [I32], [I32]]), 0x00],
        [0x60, ...vec([[I32], [I32], [I32], [I32]]), 0x00]
      ])
    ),
    section(2, vec([memoryImport(shared)])),
    section(3, vec([[0], [1]])),
    section(
      7,
      vec([
        [...name('sigmoid'), 0x00, 0],
        [...name('transpose'), 0x00, 1]
      ])
    ),
    section(10, vec([sigmoidKernel(), transposeKernel()]))
  )
}

/** (m, k, aOff, bOff, cOff, mode, lr, jStart, jEnd): the gemm kernels' parameters, all numbers. */
type GemmExport = WasmKernel
/** Epilogue of a gemm: see the module comment. */
export type GemmMode = 0 | 1 | 2
export const OVERWRITE = 0,
  ACCUMULATE = 1,
  SGD_UPDATE = 2

/** Whether this engine runs WebAssembly SIMD (and it is not disabled by GLYPHDESK_NO_SIMD). */
let available: boolean | undefined
function simdAvailable(): boolean {
  if (available === undefined) {
    try {
      if (process.env.GLYPHDESK_NO_SIMD) available = false
      else {
        new wasm.Module(assemble(4, 4, 16)) // throws where the engine has no SIMD
        available = elementwiseModule() !== null
      }
    } catch {
      available = false
    }
  }
  return available
}

/** Compiled modules by shape; a network uses a handful (one per gemm layout of each layer). */
const modules = new Map<string, object>()
function gemmModule(n: number, saiB: number, sapB: number, tile: Tile, shared = false): object {
  const key = `${gemmModuleKey(n, saiB, sapB, tile)},${shared ? 's' : 'p'}`
  let mod = modules.get(key)
  if (mod === undefined) {
    mod = new wasm.Module(assemble(n, saiB, sapB, tile, shared))
    modules.set(key, mod)
  }
  return mod
}

const elementwise = new Map<boolean, object>()
function elementwiseModule(shared = false): object {
  let mod = elementwise.get(shared)
  if (mod === undefined) {
    mod = new wasm.Module(assembleElementwise(shared))
    elementwise.set(shared, mod)
  }
  return mod
}

const PAGE = 65536

interface ShapeKernels {
  n: number
  sai: number
  sap: number
  tile: Tile
  /** kernel[R-1][0] is the bulk-width kernel for R rows, kernel[R-1][1] the 4-column one. */
  kernel: GemmExport[][]
}

/** The kernels over one linear memory: an instance of each shape's module, made on first use. */
class Kernels {
  readonly memory: WasmMemory
  private readonly shapes: ShapeKernels[] = []
  /** Set for a shared memory with a helper thread: big gemms split their columns with it. */
  private readonly helper: GemmHelper | null

  private elementwiseFns: { sigmoid: WasmKernel; transpose: WasmKernel } | undefined

  constructor(pages: number, helper: GemmHelper | null = null) {
    this.helper = helper
    this.memory = helper
      ? new wasm.Memory({ initial: pages, maximum: pages, shared: true })
      : new wasm.Memory({ initial: pages })
    helper?.attach(this.memory)
  }

  private elementwise(): { sigmoid: WasmKernel; transpose: WasmKernel } {
    if (this.elementwiseFns === undefined) {
      const ex = new wasm.Instance(elementwiseModule(this.helper !== null), { env: { memory: this.memory } }).exports
      this.elementwiseFns = { sigmoid: exportedKernel(ex, 'sigmoid'), transpose: exportedKernel(ex, 'transpose') }
    }
    return this.elementwiseFns
  }

  /** y = sigmoid(x) on len4/4 vectors at byte offsets xOff, yOff (may be equal). */
  sigmoid(xOff: number, yOff: number, len4: number): void {
    this.elementwise().sigmoid(xOff, yOff, len4 >> 2)
  }

  /** dst (cols×rows) = srcᵀ at byte offsets; rows and cols multiples of 4; src and dst must not overlap. */
  transpose(srcOff: number, dstOff: number, rows: number, cols: number): void {
    this.elementwise().transpose(srcOff, dstOff, rows, cols)
  }

  private forShape(n: number, sai: number, sap: number, tile: Tile): GemmExport[][] {
    for (const s of this.shapes) if (s.n === n && s.sai === sai && s.sap === sap && s.tile === tile) return s.kernel
    const ex = new wasm.Instance(gemmModule(n, sai * 4, sap * 4, tile, this.helper !== null), {
      env: { memory: this.memory }
    }).exports
    const kernel = [...Array(tile.R).keys()].map((r) => [
      exportedKernel(ex, kernelName(r + 1, tile.Q)),
      exportedKernel(ex, kernelName(r + 1, 1))
    ])
    // Most recently added first: a training step cycles through its few shapes in order.
    this.shapes.unshift({ n, sai, sap, tile, kernel })
    return kernel
  }

  /**
   * C (op)= A·B on byte offsets into this memory (see the module comment); columns [0, n4) where
   * n4 = n rounded down to a multiple of 4 — the caller does the ragged tail. k ≥ 1.
   * With a helper thread, a product of at least THREAD_MIN_WORK multiply-adds is split by columns:
   * the helper does the upper half of the wide strips, this thread the rest. Every output element is
   * still computed by the same kernel with the same operations in the same order, so the result is
   * bit-identical to the single-threaded one.
   */
  gemm(
    m: number,
    n: number,
    k: number,
    aOff: number,
    sai: number,
    sap: number,
    bOff: number,
    cOff: number,
    mode: GemmMode,
    lr: number
  ): void {
    const tile = tileFor(k)
    const kernel = this.forShape(n, sai, sap, tile)
    const wide = 4 * tile.Q
    const nWide = n - (n % wide),
      n4 = n & ~3
    let split = nWide
    const helper = this.helper
    if (helper !== null && m * n * k >= THREAD_MIN_WORK && nWide >= 2 * wide && helper.policy.shouldSplit()) {
      split = Math.floor(nWide / wide / 2) * wide
      helper.start(
        this.memory,
        gemmModuleKey(n, sai * 4, sap * 4, tile),
        m,
        k,
        aOff,
        sai * 4,
        bOff,
        cOff,
        n * 4,
        mode,
        lr,
        split,
        nWide
      )
    }
    if (split === nWide) {
      this.columns(kernel, tile.R, m, n, k, aOff, sai, bOff, cOff, mode, lr, 0, nWide, n4)
      return
    }
    // This thread: the lower wide strips and the 4-column leftovers; the helper: wide strips [split, nWide).
    const t0 = performance.now()
    this.columns(kernel, tile.R, m, n, k, aOff, sai, bOff, cOff, mode, lr, 0, split, split)
    this.columns(kernel, tile.R, m, n, k, aOff, sai, bOff, cOff, mode, lr, nWide, nWide, n4)
    const t1 = performance.now()
    // A helper that failed has written nothing it was asked to: its columns are done here instead.
    const ok = helper!.finish()
    helper!.policy.record(t1 - t0, performance.now() - t1)
    if (!ok) this.columns(kernel, tile.R, m, n, k, aOff, sai, bOff, cOff, mode, lr, split, nWide, nWide)
  }

  /** Columns [jStart, jWide) with the wide kernel and [jWide, j4) with the 4-column one. */
  private columns(
    kernel: GemmExport[][],
    tileRows: number,
    m: number,
    n: number,
    k: number,
    aOff: number,
    sai: number,
    bOff: number,
    cOff: number,
    mode: GemmMode,
    lr: number,
    jStart: number,
    jWide: number,
    j4: number
  ): void {
    const mBulk = m - (m % tileRows)
    // Bulk rows in tiles of tileRows, then the leftover rows (fewer than tileRows) as one tile.
    for (let i0 = 0; i0 < m; i0 = mBulk > i0 ? mBulk : m) {
      const rows = i0 < mBulk ? mBulk : m - mBulk
      const R = i0 < mBulk ? tileRows : rows
      const a = aOff + i0 * sai * 4,
        c = cOff + i0 * n * 4
      const [kw, k4] = kernel[R - 1]
      if (jStart < jWide) kw(rows, k, a, bOff, c, mode, lr, jStart, jWide)
      if (jWide < j4) k4(rows, k, a, bOff, c, mode, lr, jWide, j4)
    }
  }
}

const gemmModuleKey = (n: number, saiB: number, sapB: number, tile: Tile): string =>
  `${n},${saiB},${sapB},${tile.R},${tile.Q}`

/** Memories the gemm helper keeps shared at once (a model being trained uses one or two). */
const KEEP_MEMORIES = 8

/**
 * Below this many multiply-adds a gemm stays on one thread (waking the helper costs ~10–50 µs). Default 2¹⁹,
 * which splits the 2M-multiply-add layer-1 products of training 1024-64-36 at batch 32;
 * GLYPHDESK_GEMM_SPLIT_MIN overrides it (e.g. 4194304 keeps those on one thread and splits only bigger ones).
 */
const THREAD_MIN_WORK = splitMinFor(process.env.GLYPHDESK_GEMM_SPLIT_MIN)

export function splitMinFor(override: string | undefined): number {
  const v = override === undefined || override === '' ? NaN : Number(override)
  return Number.isInteger(v) && v >= 1 ? v : 1 << 19
}

/**
 * Microseconds the helper spins for its next job before sleeping, and the calling thread for the helper's
 * answer (GLYPHDESK_GEMM_SPIN_US; default 0: sleep at once). A futex wake-up costs tens of microseconds in a
 * VM — as much as half of a 2M-multiply-add product — and a training step's products come within ~0.1 ms
 * of each other, so on idle cores a helper spinning through those gaps gets each product without a wake-up.
 * But on a busy machine a spinning thread takes the core the other one needs: at a load average of 6.5 on
 * 2 cores, 100 µs of spin made a 2-thread epoch 2× slower (0.16 → 0.33 s). Hence opt-in.
 */
const DEFAULT_SPIN_US = 0
const GEMM_SPIN_US = spinFor(process.env.GLYPHDESK_GEMM_SPIN_US)

export function spinFor(override: string | undefined): number {
  const us = override === undefined || override === '' ? NaN : Number(override)
  return Number.isFinite(us) && us >= 0 ? Math.min(us, 100_000) : DEFAULT_SPIN_US
}

/** Sets the spin time of the helper thread (and of this thread waiting for it); returns the previous one. */
export function setGemmSpin(us: number): number {
  const h = gemmHelper()
  if (h === null) return 0
  const before = h.spinMicroseconds
  h.spinMicroseconds = us
  return before
}

/**
 * Whether splitting products with the helper thread pays now. After each split product the calling thread
 * compares how long it waited for the helper with how long its own half took: running side by side on two
 * cores the helper is done about when this thread is (wait ≪ own half); taking turns on one core (a busy
 * machine — measured here: the 2-thread epoch's CPU time equal to its wall time) the wait is as long as the
 * own half, and the hand-over is pure cost. A split product takes own + wait against about 2·own unsplit, so
 * it pays while wait < own: when the running mean of wait / own passes `limit` (0.9: less than 5% saved), the
 * next `backoff` products stay on the calling thread, then splitting is tried again. Results do not depend on it
 * (split or not, every element is the same bits); only the time does.
 */
export class SplitPolicy {
  private ratio = 0
  private skip = 0
  /** Products kept on the calling thread so far (diagnostics and tests). */
  kept = 0

  constructor(
    public enabled = true,
    readonly backoff = 256,
    readonly limit = 0.9,
    readonly weight = 0.25
  ) {}

  shouldSplit(): boolean {
    if (!this.enabled || this.skip === 0) return true
    this.skip--
    this.kept++
    return false
  }

  /** Milliseconds this thread spent on its own half of a split product, and then waiting for the helper. */
  record(ownMs: number, waitMs: number): void {
    if (!this.enabled) return
    const r = ownMs > 0 ? waitMs / ownMs : 0
    this.ratio += this.weight * (r - this.ratio)
    if (this.ratio > this.limit) {
      this.skip = this.backoff
      this.ratio = 0
    }
  }
}

/** GLYPHDESK_GEMM_ADAPT=0 turns SplitPolicy off: every product of the split size is split. */
const ADAPT = process.env.GLYPHDESK_GEMM_ADAPT !== '0'

/** Turns the helper's SplitPolicy on or off (tests that count hand-overs); returns the previous setting. */
export function setGemmAdaptive(on: boolean): boolean {
  const h = gemmHelper()
  if (h === null) return false
  const before = h.policy.enabled
  h.policy.enabled = on
  return before
}

/**
 * Source of the helper thread (run with eval, so it needs no file next to a bundle). It blocks in
 * Atomics.wait on a control word; setup messages (a memory, a module's bytes) are read synchronously
 * when a job arrives. Control words: 0 state (0 idle, 1 job, 2 done, 3 failed; the main thread resets 2 and 3 to 0), 1 memory id, 2 module
 * id, 3 m, 4 k, 5 aOff, 6 saiB, 7 bOff, 8 cOff, 9 row bytes of C, 10 mode, 11 jStart, 12 jEnd; the
 * float64 after them is lr.
 */
const HELPER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads')
const { ctrl: sab, port } = workerData
const ctrl = new Int32Array(sab, 0, 16), lrBox = new Float64Array(sab, 64, 1)
const memories = new Map(), modules = new Map(), instances = new Map()
let forgot = false
// This thread allocates almost nothing, so its collector would never run and a memory it let go of (an old
// model's) would stay alive for good: collect after letting memories go.
require('v8').setFlagsFromString('--expose-gc')
const collect = require('vm').runInNewContext('gc')
function drain() {
  forgot = false
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
    const msg = m.message
    if (msg.type === 'memory') memories.set(msg.id, msg.memory)
    else if (msg.type === 'forget') {
      memories.delete(msg.id)
      for (const key of [...instances.keys()]) if (key.startsWith(msg.id + ':')) instances.delete(key)
      forgot = true
    } else modules.set(msg.id, { module: new WebAssembly.Module(msg.bytes), R: msg.R, Q: msg.Q })
  }
}
function kernels(memId, modId) {
  const key = memId + ':' + modId
  let k = instances.get(key)
  if (!k) {
    drain()
    const { module, R, Q } = modules.get(modId)
    const ex = new WebAssembly.Instance(module, { env: { memory: memories.get(memId) } }).exports
    k = []
    for (let r = 1; r <= R; r++) k.push([ex['gemm' + r + 'x' + 4 * Q], ex['gemm' + r + 'x4']])
    instances.set(key, k)
  }
  return k
}
let seen = 0
/** Spins until a job is posted (state 1), for up to spinUs microseconds; true when one was. */
function spin(spinUs) {
  if (spinUs <= 0) return false
  const until = performance.now() + spinUs / 1000
  for (;;) {
    for (let i = 0; i < 256; i++) if (Atomics.load(ctrl, 0) === 1) return true
    if (performance.now() > until) return false
  }
}
for (;;) {
  // Wait for a job: spin a while (the next product of a training step comes within ~0.1 ms), then sleep.
  // Sleeping is announced in word 13, so the main thread knows to wake it (see GemmHelper.start).
  if (!spin(ctrl[15])) {
    Atomics.store(ctrl, 13, 1)
    const s = Atomics.load(ctrl, 0)
    if (s !== 1) Atomics.wait(ctrl, 0, s)
    Atomics.store(ctrl, 13, 0)
  }
  // Only 1 is a job: 0 (idle) and 2, 3 (the last answer, not yet collected) mean wait again.
  if (Atomics.load(ctrl, 0) !== 1) continue
  try {
    const posted = Atomics.load(ctrl, 14)
    if (posted !== seen) {
      seen = posted
      drain()
    }
    if (forgot) collect()
    const kernel = kernels(ctrl[1], ctrl[2])
    const m = ctrl[3], k = ctrl[4], aOff = ctrl[5], saiB = ctrl[6], bOff = ctrl[7], cOff = ctrl[8], rowB = ctrl[9], mode = ctrl[10], j0 = ctrl[11], j1 = ctrl[12], lr = lrBox[0]
    const tileRows = kernel.length, mBulk = m - (m % tileRows)
    for (let i0 = 0; i0 < m; i0 = mBulk > i0 ? mBulk : m) {
      const rows = i0 < mBulk ? mBulk : m - mBulk
      const R = i0 < mBulk ? tileRows : rows
      kernel[R - 1][0](rows, k, aOff + i0 * saiB, bOff, cOff + i0 * rowB, mode, lr, j0, j1)
    }
    Atomics.store(ctrl, 0, 2)
  } catch (e) {
    Atomics.store(ctrl, 0, 3)
  }
  Atomics.notify(ctrl, 0)
}
`

/**
 * One helper thread doing the upper columns of big gemms on shared arenas (GLYPHDESK_GEMM_THREADS=2).
 * The main thread posts a job in shared control words, does its own columns, then waits for the helper.
 */
class GemmHelper {
  private readonly ctrl: Int32Array
  private readonly lrBox: Float64Array
  private readonly port: MessagePort
  private readonly memIds = new Map<WasmMemory, number>()
  private readonly modIds = new Map<string, number>()
  readonly policy = new SplitPolicy(ADAPT)

  constructor() {
    const sab = new SharedArrayBuffer(128)
    this.ctrl = new Int32Array(sab, 0, 16)
    this.lrBox = new Float64Array(sab, 64, 1)
    this.spinMicroseconds = GEMM_SPIN_US
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    beforeV8FlagsChange() // the helper turns on --expose-gc
    const worker = new Worker(HELPER_SOURCE, {
      eval: true,
      workerData: { ctrl: sab, port: port2 },
      transferList: [port2]
    })
    worker.unref()
    port1.unref()
  }

  private nextMemId = 0

  /**
   * Shares a memory with the helper. The helper keeps the KEEP_MEMORIES most recently used ones: a thread
   * that trains model after model (the app's training worker, kept between retrains) would otherwise keep
   * every model's memory alive in both threads. A forgotten memory used again is simply shared again.
   */
  attach(memory: WasmMemory): number {
    if (this.memIds.size >= KEEP_MEMORIES) {
      const [oldest, oldId] = this.memIds.entries().next().value!
      this.memIds.delete(oldest)
      this.post({ type: 'forget', id: oldId })
    }
    const id = ++this.nextMemId
    this.memIds.set(memory, id)
    this.post({ type: 'memory', id, memory })
    return id
  }

  /** A set-up message to the helper, counted in word 14 so that it reads its port only when something came. */
  private post(msg: object): void {
    this.port.postMessage(msg)
    Atomics.add(this.ctrl, 14, 1)
  }

  /** Memories shared with the helper now (tests). */
  get attached(): number {
    return this.memIds.size
  }

  /** Jobs handed to the helper so far (tests check that the threaded path ran). */
  jobs = 0

  start(
    memory: WasmMemory,
    moduleKey: string,
    m: number,
    k: number,
    aOff: number,
    saiB: number,
    bOff: number,
    cOff: number,
    rowB: number,
    mode: number,
    lr: number,
    j0: number,
    j1: number
  ): void {
    let mod = this.modIds.get(moduleKey)
    if (mod === undefined) {
      mod = this.modIds.size + 1
      this.modIds.set(moduleKey, mod)
      const [n, saiBk, sapB, R, Q] = moduleKey.split(',').map(Number)
      this.post({ type: 'module', id: mod, bytes: assemble(n, saiBk, sapB, { R, Q }, true), R, Q })
    }
    // Most recently used last, so attach() forgets the least recently used.
    let memId = this.memIds.get(memory)
    if (memId === undefined) memId = this.attach(memory)
    else {
      this.memIds.delete(memory)
      this.memIds.set(memory, memId)
    }
    const c = this.ctrl
    c[1] = memId
    c[2] = mod
    c[3] = m
    c[4] = k
    c[5] = aOff
    c[6] = saiB
    c[7] = bOff
    c[8] = cOff
    c[9] = rowB
    c[10] = mode
    c[11] = j0
    c[12] = j1
    this.lrBox[0] = lr
    this.jobs++
    Atomics.store(c, 0, 1)
    // A spinning helper sees the job by itself; a sleeping one (word 13) is woken.
    if (Atomics.load(c, 13) === 1) Atomics.notify(c, 0)
  }

  /**
   * Waits for the job posted by start(). False when the helper failed on it — in practice while setting
   * up (a module or memory it could not instantiate), before writing anything; the caller then does those
   * columns itself. (A trap inside a kernel would trap on this thread as well.)
   */
  finish(): boolean {
    const c = this.ctrl
    // The helper's half takes about as long as this thread's: spin briefly before sleeping on it.
    const spinUs = c[15]
    if (spinUs > 0 && Atomics.load(c, 0) === 1) {
      const until = performance.now() + spinUs / 1000
      spin: for (;;) {
        for (let i = 0; i < 64; i++) if (Atomics.load(c, 0) !== 1) break spin
        if (performance.now() > until) break
      }
    }
    for (;;) {
      const s = Atomics.load(c, 0)
      if (s === 2 || s === 3) {
        // Collected; the helper waits for the next 1 (spinning, or asleep and woken by start()).
        Atomics.store(c, 0, 0)
        if (s === 3) this.failures++
        return s === 2
      }
      if (Atomics.wait(c, 0, 1, 60_000) === 'timed-out')
        throw new Error('the gemm helper thread did not answer in 60 s')
    }
  }

  /** Microseconds either side spins for the other before sleeping (0: sleep at once). */
  get spinMicroseconds(): number {
    return Atomics.load(this.ctrl, 15)
  }
  set spinMicroseconds(us: number) {
    Atomics.store(this.ctrl, 15, Math.max(0, Math.round(us)))
  }

  /** Jobs the helper failed (tests and diagnostics). */
  failures = 0
}

/**
 * Default threads for the big arena gemms: 2 (a helper thread) on a machine with 2 or more cores,
 * 1 on one core; GLYPHDESK_GEMM_THREADS=1 or 2 overrides (the batch page workers set 1: they already
 * use one core each). Results do not depend on it.
 */
export const GEMM_THREADS: 1 | 2 = gemmThreadsFor(process.env.GLYPHDESK_GEMM_THREADS, availableParallelism())

export function gemmThreadsFor(override: string | undefined, cores: number): 1 | 2 {
  if (override === '1' || override === '2') return override === '2' ? 2 : 1
  return cores >= 2 ? 2 : 1
}
let helper: GemmHelper | null | undefined

/** Gemms split with the helper thread so far in this thread (0 when it was never started). */
export function helperGemms(): number {
  return helper ? helper.jobs : 0
}

/** Memories shared with the helper thread now (0 without one). */
export function helperMemories(): number {
  return helper ? helper.attached : 0
}

/** Of those, the ones the helper failed on (done by the calling thread instead). */
export function helperFailures(): number {
  return helper ? helper.failures : 0
}
function gemmHelper(): GemmHelper | null {
  if (helper === undefined) {
    helper = null
    if (typeof SharedArrayBuffer === 'function') helper = new GemmHelper()
  }
  return helper
}

/**
 * A fixed-size block of wasm memory handing out aligned Float32Array views. Arrays allocated here
 * are used by the gemms in place (see `arenaOf`).
 */
export class Arena {
  private readonly kernels: Kernels
  private top = 0
  readonly bytes: number

  constructor(floats: number, threads: 1 | 2 = GEMM_THREADS) {
    const pages = Math.max(1, Math.ceil((floats * 4) / PAGE))
    this.kernels = new Kernels(pages, threads === 2 ? gemmHelper() : null)
    this.bytes = pages * PAGE
    arenas.set(this.kernels.memory.buffer, this)
  }

  /** A zeroed view of `floats` floats, or null when the arena is full. 16-byte aligned. */
  alloc(floats: number): Float32Array | null {
    const bytes = (floats * 4 + 15) & ~15
    if (this.top + bytes > this.bytes) return null
    const view = new Float32Array(this.kernels.memory.buffer, this.top, floats)
    this.top += bytes
    return view
  }

  /** y = 1/(1+e^−x) on elements [0, len&~3) (float32 exp, see sigmoidKernel); x and y in this arena. */
  sigmoid(len: number, x: Float32Array, y: Float32Array): void {
    if (len >= 4) this.kernels.sigmoid(x.byteOffset, y.byteOffset, len & ~3)
  }

  /**
   * dst (cols×rows) = srcᵀ for a row-major src (rows×cols), both in this arena, when rows and cols are
   * multiples of 4 (the wasm 4×4-block kernel); false, and nothing done, otherwise.
   */
  transpose(rows: number, cols: number, src: Float32Array, dst: Float32Array): boolean {
    if ((rows & 3) !== 0 || (cols & 3) !== 0 || dst.length < rows * cols || src.length < rows * cols) return false
    this.kernels.transpose(src.byteOffset, dst.byteOffset, rows, cols)
    return true
  }

  /** C (op)= A·B for arrays that all live in this arena; A(i,p) = A[i·sai + p·sap]. Columns [0, n&~3). */
  gemm(
    m: number,
    n: number,
    k: number,
    A: Float32Array,
    sai: number,
    sap: number,
    B: Float32Array,
    C: Float32Array,
    mode: GemmMode,
    lr: number
  ): void {
    this.kernels.gemm(m, n, k, A.byteOffset, sai, sap, B.byteOffset, C.byteOffset, mode, lr)
  }
}

const arenas = new WeakMap<ArrayBuffer, Arena>()

/** The arena an array lives in, if any. */
export function arenaOf(a: Float32Array | Float64Array): Arena | undefined {
  return arenas.get(a.buffer as ArrayBuffer)
}

/**
 * A new arena of at least `floats` floats, or null where WebAssembly SIMD is unavailable or disabled.
 * threads 2: its big gemms split their columns with a helper thread (bit-identical results).
 */
export function createArena(floats: number, threads: 1 | 2 = GEMM_THREADS): Arena | null {
  return simdAvailable() ? new Arena(floats, threads) : null
}

/** Bytes each of A, B, C take in the scratch memory, 16-byte aligned. */
const padded = (floats: number): number => (floats * 4 + 15) & ~15

/** Operands from ordinary memory: copied into a growable scratch instance and the result copied back. */
class Scratch {
  private kernels: Kernels
  private f32: Float32Array

  constructor() {
    this.kernels = new Kernels(16)
    this.f32 = new Float32Array(this.kernels.memory.buffer)
  }

  /** C (op)= A·B (columns [0, n&~3)); A holds aLen floats, B at least k×n. */
  run(
    m: number,
    n: number,
    k: number,
    A: Float32Array,
    aLen: number,
    sai: number,
    sap: number,
    B: Float32Array,
    C: Float32Array,
    mode: GemmMode,
    lr: number
  ): void {
    const bLen = k * n,
      cLen = m * n
    const aOff = 0,
      bOff = padded(aLen),
      cOff = bOff + padded(bLen)
    const need = cOff + padded(cLen)
    if (need > this.kernels.memory.buffer.byteLength) {
      this.kernels.memory.grow(Math.ceil((need - this.kernels.memory.buffer.byteLength) / PAGE))
      this.f32 = new Float32Array(this.kernels.memory.buffer)
    }
    const mem = this.f32
    mem.set(aLen === A.length ? A : A.subarray(0, aLen), aOff / 4)
    mem.set(bLen === B.length ? B : B.subarray(0, bLen), bOff / 4)
    if (mode !== OVERWRITE) mem.set(cLen === C.length ? C : C.subarray(0, cLen), cOff / 4)
    this.kernels.gemm(m, n, k, aOff, sai, sap, bOff, cOff, mode, lr)
    // Only columns [0, n4) were computed: the caller fills the ragged tail after this copy.
    C.set(mem.subarray(cOff / 4, cOff / 4 + cLen))
  }
}

let scratch: Scratch | null | undefined

/** The copy-in/copy-out SIMD gemm, or null where WebAssembly SIMD is unavailable (then the JS kernels run). */
export function simdGemm(): Scratch | null {
  if (scratch === undefined) scratch = simdAvailable() ? new Scratch() : null
  return scratch
}
