// WebAssembly by hand: the byte encodings (LEB128 numbers, vectors, sections, names) that nn/simd.ts's gemm and
// sigmoid kernels and vision/simdKernel.ts's median and morphology kernels are assembled from, and the engine's
// WebAssembly API, typed with the few members Glyphdesk uses (the node tsconfig has no DOM lib to declare it).

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}

/** Signed LEB128 (i32 constants, block offsets). */
export function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b)
      return out
    }
    out.push(b | 0x80)
  }
}

/** A vector: its length, then its items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
/** A section: id, byte length, body. */
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]
/** A name (import module and field, export): UTF-8 bytes with their length. */
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(Buffer.from(s, 'utf8'))]
/** A whole module: the magic number and version 1, then the sections in order. */
export const moduleBytes = (...sections: number[][]): Uint8Array =>
  new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()])

export interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
  Memory: new (desc: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory
  /** Compiles off the calling thread (V8's background compile). */
  compile(bytes: Uint8Array): Promise<object>
}
function isWasmApi(v: unknown): v is WasmApi {
  return (
    typeof v === 'object' &&
    v !== null &&
    'Module' in v &&
    typeof v.Module === 'function' &&
    'Instance' in v &&
    typeof v.Instance === 'function' &&
    'Memory' in v &&
    typeof v.Memory === 'function' &&
    'compile' in v &&
    typeof v.compile === 'function'
  )
}
/** The engine's WebAssembly, as typed above: every engine Glyphdesk runs on (Node, Electron) has one. */
export const wasm: WasmApi = (() => {
  const api: unknown = Reflect.get(globalThis, 'WebAssembly')
  if (!isWasmApi(api)) throw new Error('this JavaScript engine has no WebAssembly')
  return api
})()

/** A kernel exported by a module Glyphdesk assembled: every parameter is a number (i32 offsets, f32/f64 scalars). */
export type WasmKernel = (...args: number[]) => void

/** The exported function `field`; a module without it (a bug in its assembly) fails here, not at the first call. */
export function exportedKernel(exports: Record<string, unknown>, field: string): WasmKernel {
  const f = exports[field]
  if (typeof f !== 'function') throw new Error(`WebAssembly kernel "${field}" is not exported`)
  // Checked to be a function just above; its parameters are numbers by the module's own type section, which
  // the assembler wrote. Returned as is: a wrapper would cost a call on every gemm tile.
  return f as WasmKernel
}
