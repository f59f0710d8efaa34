// A WebAssembly SIMD (f32x4) gemm for the float32 hot path. V8 does not vectorise JS loops, so
// the big products of a training step (X·W1 and Xᵀ·dA1, ~95% of the flops) run here instead.
// The module is assembled from bytes below (no toolchain needed); operands are copied into its
// memory, which costs a memcpy of ~0.4 MB per call against ~4 Mflop of work.
//
// Kernel: C[m×n] (+)= A·B with A(i,p) at A[i·sai + p·sap] (so NN and TN share it), B row-major
// k×n, n a multiple of 4. For each tile of 2 output rows × 16 columns, eight f32x4 accumulators
// run over the whole reduction: two splats + four vector loads feed 32 multiply-adds.

const I32 = 0x7f, V128 = 0x7b

function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}
function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { out.push(b); return out }
    out.push(b | 0x80)
  }
}
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(Buffer.from(s, 'utf8'))]

// Locals: params 0..10 = m n k aOff sai sap bOff cOff acc jStart jEnd; then i j p aPtr bPtr cPtr
// nBytes sapBytes saiBytes (i32); then R×Q accumulators and R splats (v128).
const PARAMS = 11
const [m, n, k, aOff, sai, sap, bOff, cOff, acc, jStart, jEnd] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
const [i, j, p, aPtr, bPtr, cPtr, nBytes, sapBytes, saiBytes] = [11, 12, 13, 14, 15, 16, 17, 18, 19]
const V0 = 20

const get = (x: number): number[] => [0x20, ...uleb(x)]
const set = (x: number): number[] => [0x21, ...uleb(x)]
const i32c = (v: number): number[] => [0x41, ...sleb(v)]
const add = [0x6a], mul = [0x6c], geU = [0x4f]
const simd = (op: number): number[] => [0xfd, ...uleb(op)]
const memarg = (align: number, offset: number): number[] => [...uleb(align), ...uleb(offset)]
const v128load = (offset: number): number[] => [...simd(0), ...memarg(2, offset)]
const v128store = (offset: number): number[] => [...simd(11), ...memarg(2, offset)]
const f32load = [0x2a, ...memarg(2, 0)]
const splat = simd(19), f32x4add = simd(228), f32x4mul = simd(230)
const v128zero = [...simd(12), ...new Array(16).fill(0)]
/** for (var = from; var < limit; var += step) body — as block/loop with an exit test at the top. */
const forLoop = (v: number, limit: number[], step: number, body: number[], from: number[] = i32c(0)): number[] => [
  ...from, ...set(v),
  0x02, 0x40, 0x03, 0x40,
  ...get(v), ...limit, ...geU, 0x0d, 1,
  ...body,
  ...get(v), ...i32c(step), ...add, ...set(v),
  0x0c, 0,
  0x0b, 0x0b
]

/** Kernel over tiles of R rows × 4Q columns, columns [jStart, jEnd); m must be a multiple of R. */
function gemmBody(R: number, Q: number): number[] {
  const accOf = (r: number, q: number): number => V0 + r * Q + q
  const splatOf = (r: number): number => V0 + R * Q + r
  const rows = Array.from({ length: R }, (_, r) => r)
  const quads = Array.from({ length: Q }, (_, q) => q)
  // Row r of the tile lives at cPtr + r*nBytes; A's row r at aPtr + r*saiBytes.
  const cAddr = (r: number): number[] => (r === 0 ? get(cPtr) : [...get(cPtr), ...get(nBytes), ...i32c(r), ...mul, ...add])
  const aAddr = (r: number): number[] => (r === 0 ? get(aPtr) : [...get(aPtr), ...get(saiBytes), ...i32c(r), ...mul, ...add])
  const inner = [
    ...rows.flatMap((r) => [...aAddr(r), ...f32load, ...splat, ...set(splatOf(r))]),
    ...quads.flatMap((q) => rows.flatMap((r) => [...get(accOf(r, q)), ...get(splatOf(r)), ...get(bPtr), ...v128load(16 * q), ...f32x4mul, ...f32x4add, ...set(accOf(r, q))])),
    ...get(aPtr), ...get(sapBytes), ...add, ...set(aPtr),
    ...get(bPtr), ...get(nBytes), ...add, ...set(bPtr)
  ]
  const strip = [
    // cPtr = cOff + (i*n + j)*4
    ...get(i), ...get(n), ...mul, ...get(j), ...add, ...i32c(4), ...mul, ...get(cOff), ...add, ...set(cPtr),
    ...get(acc), 0x04, 0x40,
    ...rows.flatMap((r) => quads.flatMap((q) => [...cAddr(r), ...v128load(16 * q), ...set(accOf(r, q))])),
    0x05,
    ...rows.flatMap((r) => quads.flatMap((q) => [...v128zero, ...set(accOf(r, q))])),
    0x0b,
    // aPtr = aOff + i*saiBytes; bPtr = bOff + j*4
    ...get(i), ...get(saiBytes), ...mul, ...get(aOff), ...add, ...set(aPtr),
    ...get(j), ...i32c(4), ...mul, ...get(bOff), ...add, ...set(bPtr),
    ...forLoop(p, get(k), 1, inner),
    ...rows.flatMap((r) => quads.flatMap((q) => [...cAddr(r), ...get(accOf(r, q)), ...v128store(16 * q)]))
  ]
  const body = [
    ...get(n), ...i32c(4), ...mul, ...set(nBytes),
    ...get(sap), ...i32c(4), ...mul, ...set(sapBytes),
    ...get(sai), ...i32c(4), ...mul, ...set(saiBytes),
    ...forLoop(i, get(m), R, forLoop(j, get(jEnd), 4 * Q, strip, get(jStart))),
    0x0b
  ]
  const locals = vec([[...uleb(9), I32], [...uleb(R * (Q + 1)), V128]])
  const fn = [...locals, ...body]
  return [...uleb(fn.length), ...fn]
}

/** [rows, vectors] per tile: 2×16 and 1×16 for the bulk, 2×4 and 1×4 for a ragged column tail. */
const KERNELS = [[2, 4], [1, 4], [2, 1], [1, 1]] as const

function assemble(): Uint8Array {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(new Array(PARAMS).fill([I32])), 0x00]])),
    ...section(3, vec(KERNELS.map(() => [0]))),
    ...section(5, vec([[0x00, ...uleb(16)]])),
    ...section(7, vec([...KERNELS.map(([R, Q], f) => [...name(`gemm${R}x${4 * Q}`), 0x00, f]), [...name('memory'), 0x02, 0]])),
    ...section(10, vec(KERNELS.map(([R, Q]) => gemmBody(R, Q))))
  ]
  return Uint8Array.from(bytes)
}

// The node tsconfig has no DOM lib, so the few WebAssembly members used here are typed locally.
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: Record<string, unknown> }
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

type GemmExport = (m: number, n: number, k: number, aOff: number, sai: number, sap: number, bOff: number, cOff: number, acc: number, jStart: number, jEnd: number) => void

class SimdGemm {
  private readonly kernels: Record<string, GemmExport>
  private readonly memory: WasmMemory
  private f32: Float32Array

  constructor() {
    const instance = new wasm.Instance(new wasm.Module(assemble()))
    this.kernels = instance.exports as Record<string, GemmExport>
    this.memory = instance.exports.memory as WasmMemory
    this.f32 = new Float32Array(this.memory.buffer)
  }

  private reserve(floats: number): Float32Array {
    const need = floats * 4 - this.memory.buffer.byteLength
    if (need > 0) {
      this.memory.grow(Math.ceil(need / 65536))
      this.f32 = new Float32Array(this.memory.buffer)
    }
    return this.f32
  }

  /** See the module comment; A holds aLen floats. */
  run(m: number, n: number, k: number, A: Float32Array, aLen: number, sai: number, sap: number, B: Float32Array, C: Float32Array, accumulate: boolean): void {
    const bLen = k * n, cLen = m * n // B may be a longer scratch buffer; only k×n is used
    // 16-byte-aligned regions: A | B | C
    const aOff = 0, bOff = (aLen + 3) & ~3, cOff = bOff + ((bLen + 3) & ~3)
    const mem = this.reserve(cOff + cLen)
    mem.set(aLen === A.length ? A : A.subarray(0, aLen), aOff)
    mem.set(bLen === B.length ? B : B.subarray(0, bLen), bOff)
    if (accumulate) mem.set(cLen === C.length ? C : C.subarray(0, cLen), cOff)
    const m2 = m & ~1, n16 = n & ~15, accFlag = accumulate ? 1 : 0
    const { gemm2x16, gemm1x16, gemm2x4, gemm1x4 } = this.kernels
    // Two-row tiles share each B load between two rows; an odd last row takes the one-row kernel.
    // Columns go 16 at a time, then a tail of 4-column strips.
    if (m2 > 0 && n16 > 0) gemm2x16(m2, n, k, aOff * 4, sai, sap, bOff * 4, cOff * 4, accFlag, 0, n16)
    if (m2 > 0 && n16 < n) gemm2x4(m2, n, k, aOff * 4, sai, sap, bOff * 4, cOff * 4, accFlag, n16, n)
    if (m2 < m) {
      const a1 = (aOff + m2 * sai) * 4, c1 = (cOff + m2 * n) * 4
      if (n16 > 0) gemm1x16(1, n, k, a1, sai, sap, bOff * 4, c1, accFlag, 0, n16)
      if (n16 < n) gemm1x4(1, n, k, a1, sai, sap, bOff * 4, c1, accFlag, n16, n)
    }
    C.set(cOff === 0 && cLen === mem.length ? mem : mem.subarray(cOff, cOff + cLen))
  }
}

let instance: SimdGemm | null | undefined

/** The SIMD gemm, or null where WebAssembly SIMD is unavailable (then the JS kernels run). */
export function simdGemm(): SimdGemm | null {
  if (instance === undefined) {
    try {
      instance = process.env.GLYPHDESK_NO_SIMD ? null : new SimdGemm()
    } catch {
      instance = null
    }
  }
  return instance
}
