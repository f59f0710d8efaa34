// MATLAB level-5 MAT-file reader and writer: the format of the coursework's NIST36/NIST26 sets.
// Reads numeric matrices (compressed or not, either endianness); writes double and uint8
// matrices that scipy.io.loadmat and MATLAB load. Data stays in MATLAB's column-major order;
// glyphset.ts does the glyph transposes.
import { InvalidInputError, errorMessage, errnoCode } from '../core/errors.ts'
import { readFile, writeFile, rename, rm } from 'node:fs/promises'
import { basename } from 'node:path'
import { constants as zlibConstants, inflateSync, deflateSync } from 'node:zlib'

/** The file is not a MAT-file Glyphdesk can read, or is damaged. */
export class MatFormatError extends InvalidInputError {
  override name = 'MatFormatError'
  constructor(
    readonly file: string,
    readonly problem: string
  ) {
    super(`${basename(file)}: ${problem}`)
  }
}

export type MatNumericClass =
  'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'logical'

export type MatData =
  Float64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array

export interface MatVariable {
  name: string
  class: MatNumericClass
  /** MATLAB dims, at least 2 (rows, cols, …). */
  dims: number[]
  /** Real part, column-major (MATLAB order). int64/uint64 arrive as Float64Array (exact up to 2^53). */
  data: MatData
}

export interface MatContents {
  file: string
  /** The 116-byte descriptive text of the header, trimmed. */
  headerText: string
  variables: Map<string, MatVariable>
  /** Variables present but not numeric matrices (cell, struct, char, sparse, complex…), by name. */
  skipped: { name: string; kind: string }[]
}

// Data types (miXXX) and array classes (mxXXX_CLASS) from the MAT-file format specification.
const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18
} as const
const MI_SIZE: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 2,
  5: 4,
  6: 4,
  7: 4,
  9: 8,
  12: 8,
  13: 8,
  16: 1,
  17: 2,
  18: 4
}
const MX_KIND: Record<number, string> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  16: 'function handle',
  17: 'opaque object'
}
const MX_NUMERIC: Record<number, MatNumericClass> = {
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64'
}
const MX_CODE: Record<'double' | 'uint8', number> = { double: 6, uint8: 9 }
const FLAG_COMPLEX = 0x08
const FLAG_LOGICAL = 0x02

// zlib cannot expand data more than about 1032:1, so this bounds what a compressed element may inflate to.
const MAX_DEFLATE_RATIO = 1032

/** Reads a level-5 MAT-file. `only` limits decoding to the named variables. */
export async function readMat(file: string, opts: { only?: string[] } = {}): Promise<MatContents> {
  let buf: Buffer
  try {
    buf = await readFile(file)
  } catch (e) {
    const code = errnoCode(e)
    throw new MatFormatError(
      file,
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, not a .mat file'
          : `cannot be read (${errorMessage(e)})`
    )
  }
  return parseMat(buf, file, opts)
}

/** Parses MAT-file bytes; `file` only names the source in errors. */
export function parseMat(buf: Uint8Array, file = '<buffer>', opts: { only?: string[] } = {}): MatContents {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  checkHeader(b, file)
  const endian = b.toString('latin1', 126, 128)
  if (endian !== 'IM' && endian !== 'MI') {
    throw new MatFormatError(
      file,
      `has no level-5 endian indicator (found ${JSON.stringify(endian)} at byte 126); it is not a MATLAB 5/7 MAT-file or is damaged`
    )
  }
  const le = endian === 'IM'
  const headerText = b.toString('latin1', 0, 116).replace(/[\0 ]+$/, '')
  const out: MatContents = { file, headerText, variables: new Map(), skipped: [] }
  const only = opts.only ? new Set(opts.only) : undefined

  let pos = 128
  while (pos < b.length) {
    if (b.length - pos < 8) {
      // MATLAB pads files to 8 bytes with zeros at times; anything else is a cut-off tag.
      if (b.subarray(pos).every((v) => v === 0)) break
      throw new MatFormatError(
        file,
        `is truncated: ${b.length - pos} stray byte(s) at offset ${pos} where a data element should start`
      )
    }
    const tag = readTag(b, pos, le, file)
    if (tag.small)
      throw new MatFormatError(file, `has a small data element at top level (offset ${pos}); expected a matrix`)
    const start = pos + 8
    if (tag.nbytes > b.length - start) {
      throw new MatFormatError(
        file,
        `is truncated: element at offset ${pos} declares ${tag.nbytes} bytes but only ${b.length - start} remain (file size ${b.length})`
      )
    }
    let body = b.subarray(start, start + tag.nbytes)
    if (tag.type === MI.COMPRESSED) {
      body = inflateElement(body, file, pos, le)
      // The inflated bytes hold one complete element (tag + data).
      if (body.length < 8)
        throw new MatFormatError(
          file,
          `compressed element at offset ${pos} inflates to ${body.length} bytes, too few for a data element`
        )
      const inner = readTag(body, 0, le, file)
      if (inner.type !== MI.MATRIX) {
        pos = start + tag.nbytes
        continue
      }
      if (inner.nbytes > body.length - 8)
        throw new MatFormatError(
          file,
          `compressed element at offset ${pos} is incomplete: its matrix declares ${inner.nbytes} bytes but ${body.length - 8} were inflated`
        )
      decodeMatrix(body.subarray(8, 8 + inner.nbytes), le, file, pos, out, only)
      pos = start + tag.nbytes // compressed elements are not padded
    } else {
      if (tag.type === MI.MATRIX) decodeMatrix(body, le, file, pos, out, only)
      pos = start + pad8(tag.nbytes)
    }
  }
  return out
}

function checkHeader(b: Buffer, file: string): void {
  if (b.length === 0) throw new MatFormatError(file, 'is empty (0 bytes), not a MAT-file')
  if (b.length >= 520 && b.toString('latin1', 512, 516) === '\x89HDF') {
    throw new MatFormatError(file, "is a MATLAB v7.3 (HDF5) file; re-save it with save(..., '-v7')")
  }
  const text = b.toString('latin1', 0, Math.min(b.length, 116))
  if (text.startsWith('MATLAB 7.3')) {
    throw new MatFormatError(file, "is a MATLAB v7.3 (HDF5) file; re-save it with save(..., '-v7')")
  }
  if (b.length < 128) {
    if (text.startsWith('MATLAB'))
      throw new MatFormatError(file, `is truncated: ${b.length} bytes, shorter than the 128-byte MAT-file header`)
    throw new MatFormatError(file, `is not a MAT-file (${b.length} bytes, ${describeForeign(b)})`)
  }
  if (!text.startsWith('MATLAB 5.0 MAT-file') && !text.startsWith('MATLAB')) {
    // Level 5 allows any header text, but a real file always has the endian indicator; report
    // what the file looks like instead if that is missing too.
    const endian = b.toString('latin1', 126, 128)
    if (endian !== 'IM' && endian !== 'MI') throw new MatFormatError(file, `is not a MAT-file (${describeForeign(b)})`)
  }
}

function describeForeign(b: Buffer): string {
  const head = b.subarray(0, 8)
  if (head.length === 0) return 'empty'
  if (head[0] === 0x89 && head.toString('latin1', 1, 4) === 'PNG') return 'looks like a PNG image'
  if (head[0] === 0xff && head[1] === 0xd8) return 'looks like a JPEG image'
  if (head[0] === 0x1f && head[1] === 0x8b) return 'looks like a gzip file'
  if (head.toString('latin1', 0, 4) === 'PK\x03\x04') return 'looks like a zip archive; unzip it first'
  if (head.toString('latin1', 0, 4) === '\x89HDF') return 'looks like an HDF5 file'
  if (head.toString('latin1', 0, 5) === '%PDF-') return 'looks like a PDF'
  const sample = b.subarray(0, Math.min(b.length, 512))
  if (sample.every((v) => v === 9 || v === 10 || v === 13 || (v >= 32 && v < 127))) return 'looks like a text file'
  return 'no "MATLAB" header text and no endian indicator'
}

interface Tag {
  type: number
  nbytes: number
  small: boolean
  dataStart: number
}

function readTag(b: Buffer, pos: number, le: boolean, file: string): Tag {
  if (pos + 8 > b.length) throw new MatFormatError(file, `is truncated: data element tag at offset ${pos} is cut off`)
  const first = le ? b.readUInt32LE(pos) : b.readUInt32BE(pos)
  const upper = first >>> 16
  if (upper !== 0) {
    // Small data element: 2-byte type, 2-byte size, up to 4 bytes of data in the same 8 bytes.
    if (upper > 4)
      throw new MatFormatError(file, `has a malformed small data element at offset ${pos} (size ${upper} > 4)`)
    return { type: first & 0xffff, nbytes: upper, small: true, dataStart: pos + 4 }
  }
  const nbytes = le ? b.readUInt32LE(pos + 4) : b.readUInt32BE(pos + 4)
  return { type: first, nbytes, small: false, dataStart: pos + 8 }
}

// The first inflated bytes of a compressed element hold the matrix tag, flags, dimensions and name; 4 KB of
// input inflates to at most ~4 MB and is far more than those few hundred bytes need.
const PREFIX_INPUT = 4 * 1024

function inflateElement(body: Buffer, file: string, pos: number, le: boolean): Buffer {
  const zlibError = (e: unknown): MatFormatError => {
    const msg = errorMessage(e)
    if (/unexpected end/i.test(msg))
      return new MatFormatError(
        file,
        `compressed element at offset ${pos} ends early (zlib: ${msg}); the file is truncated or damaged`
      )
    return new MatFormatError(file, `compressed element at offset ${pos} is not a valid zlib stream (${msg})`)
  }
  const ratioBound = Math.min(body.length * MAX_DEFLATE_RATIO + 1024, 2 ** 31 - 1)
  // Read the matrix header from a prefix first, so the whole element is inflated only up to what its own
  // declared dimensions need: a zlib bomb with small dimensions stops at that size, not at 1000× the file.
  let head: Buffer
  try {
    head = inflateSync(body.subarray(0, PREFIX_INPUT), {
      finishFlush: zlibConstants.Z_SYNC_FLUSH,
      maxOutputLength: PREFIX_INPUT * MAX_DEFLATE_RATIO + 1024
    })
  } catch (e) {
    throw zlibError(e)
  }
  const need = matrixBytesNeeded(head, le)
  const limit = need === null ? ratioBound : Math.min(ratioBound, need)
  try {
    return inflateSync(body, { maxOutputLength: limit })
  } catch (e) {
    if (errnoCode(e) === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new MatFormatError(
        file,
        `compressed element at offset ${pos} inflates past the ${limit} bytes its declared dimensions need; the file is damaged or hostile`
      )
    }
    throw zlibError(e)
  }
}

/**
 * The most bytes an inflated miMATRIX element (tag included) can need, from its tag, flags and dimensions:
 * header elements + real and imaginary parts at 8 bytes per element + padding. null when the prefix is too
 * short or not a matrix (the caller then keeps the compression-ratio bound).
 */
function matrixBytesNeeded(head: Buffer, le: boolean): number | null {
  const u32 = (p: number): number => (le ? head.readUInt32LE(p) : head.readUInt32BE(p))
  if (head.length < 8 + 16 + 8 || u32(0) !== MI.MATRIX) return null
  let p = 8 + 16 // matrix tag, array flags element (8-byte tag + 8 bytes)
  if (u32(p) !== MI.INT32) return null
  const dimsBytes = u32(p + 4)
  if (dimsBytes > 4 * 64 || p + 8 + dimsBytes > head.length) return null
  let count = 1
  for (let i = 0; i < dimsBytes; i += 4)
    count *= Math.max(0, le ? head.readInt32LE(p + 8 + i) : head.readInt32BE(p + 8 + i))
  p += 8 + pad8(dimsBytes)
  if (p + 8 > head.length) return null
  const nameTag = u32(p)
  p += nameTag >>> 16 ? 8 : 8 + pad8(u32(p + 4))
  return p + 2 * (8 + Math.ceil(count) * 8 + 8) + 64
}

/** Reads the sub-elements of one miMATRIX body (tag excluded). */
function decodeMatrix(body: Buffer, le: boolean, file: string, at: number, out: MatContents, only?: Set<string>): void {
  if (body.length === 0) return // empty matrix placeholder
  const sub: { type: number; data: Buffer }[] = []
  let p = 0
  // Flags, dims, name, real part, optional imaginary part: at most 5 elements matter.
  while (p < body.length && sub.length < 6) {
    if (body.length - p < 8) break
    const t = readTag(body, p, le, file)
    const end = t.dataStart + t.nbytes
    if (end > body.length)
      throw new MatFormatError(
        file,
        `matrix at offset ${at} is damaged: a sub-element declares ${t.nbytes} bytes past the matrix end`
      )
    sub.push({ type: t.type, data: body.subarray(t.dataStart, end) })
    p = t.small ? p + 8 : t.dataStart + pad8(t.nbytes)
  }
  if (sub.length < 3)
    throw new MatFormatError(file, `matrix at offset ${at} is damaged: missing array flags, dimensions or name`)
  const [flagsEl, dimsEl, nameEl] = sub
  if (flagsEl.type !== MI.UINT32 || flagsEl.data.length < 8)
    throw new MatFormatError(file, `matrix at offset ${at} has malformed array flags`)
  const f0 = le ? flagsEl.data.readUInt32LE(0) : flagsEl.data.readUInt32BE(0)
  const mxClass = f0 & 0xff
  const flags = (f0 >>> 8) & 0xff
  if (dimsEl.type !== MI.INT32 || dimsEl.data.length % 4 !== 0 || dimsEl.data.length < 8)
    throw new MatFormatError(file, `matrix at offset ${at} has malformed dimensions`)
  const dims: number[] = []
  for (let i = 0; i < dimsEl.data.length; i += 4) {
    const d = le ? dimsEl.data.readInt32LE(i) : dimsEl.data.readInt32BE(i)
    if (d < 0) throw new MatFormatError(file, `matrix at offset ${at} has a negative dimension (${d})`)
    dims.push(d)
  }
  const name = nameEl.data.toString('latin1')
  if (only && !only.has(name)) return
  const kind = MX_KIND[mxClass]
  const numeric = MX_NUMERIC[mxClass]
  if (!numeric) {
    out.skipped.push({ name, kind: kind ?? `class ${mxClass}` })
    return
  }
  if (flags & FLAG_COMPLEX) {
    out.skipped.push({ name, kind: `complex ${numeric}` })
    return
  }
  const real = sub[3]
  if (!real) throw new MatFormatError(file, `variable "${name}" has no data (matrix at offset ${at})`)
  const count = dims.reduce((a, d) => a * d, 1)
  const cls: MatNumericClass = flags & FLAG_LOGICAL ? 'logical' : numeric
  out.variables.set(name, {
    name,
    class: cls,
    dims,
    data: convertNumeric(real.type, real.data, count, numeric, le, file, name)
  })
}

function convertNumeric(
  type: number,
  raw: Buffer,
  count: number,
  cls: MatNumericClass,
  le: boolean,
  file: string,
  name: string
): MatData {
  const size = MI_SIZE[type]
  if (!size || type === MI.UTF8 || type === MI.UTF16 || type === MI.UTF32)
    throw new MatFormatError(file, `variable "${name}" stores its data as unsupported type ${type}`)
  // Checking against the real byte count before allocating bounds memory by the file's size.
  if (raw.length < count * size) {
    throw new MatFormatError(
      file,
      `variable "${name}" declares ${count} elements but holds only ${Math.floor(raw.length / size)}`
    )
  }
  const Out = arrayFor(cls)
  const sameType = storedTypeFor(cls) === type
  if (sameType && le === isLittleEndianHost) {
    // Copy into a fresh (aligned) buffer and view it: the fast path for files written natively.
    const copy = new Uint8Array(count * size)
    copy.set(raw.subarray(0, count * size))
    return new Out(copy.buffer, 0, count)
  }
  const out = new Out(count)
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  const get = getter(type, dv, le)
  for (let i = 0; i < count; i++) out[i] = get(i)
  return out
}

const isLittleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** The constructors of the typed arrays a numeric class reads into. */
interface TypedCtor {
  new (length: number): MatData
  new (buffer: ArrayBuffer, byteOffset: number, length: number): MatData
}
function arrayFor(cls: MatNumericClass): TypedCtor {
  switch (cls) {
    case 'double':
    case 'int64':
    case 'uint64':
      return Float64Array
    case 'single':
      return Float32Array
    case 'int8':
      return Int8Array
    case 'uint8':
    case 'logical':
      return Uint8Array
    case 'int16':
      return Int16Array
    case 'uint16':
      return Uint16Array
    case 'int32':
      return Int32Array
    case 'uint32':
      return Uint32Array
  }
}
function storedTypeFor(cls: MatNumericClass): number {
  const m: Record<MatNumericClass, number> = {
    double: MI.DOUBLE,
    single: MI.SINGLE,
    int8: MI.INT8,
    uint8: MI.UINT8,
    logical: MI.UINT8,
    int16: MI.INT16,
    uint16: MI.UINT16,
    int32: MI.INT32,
    uint32: MI.UINT32,
    int64: -1,
    uint64: -1
  }
  return m[cls]
}
function getter(type: number, dv: DataView, le: boolean): (i: number) => number {
  switch (type) {
    case MI.INT8:
      return (i) => dv.getInt8(i)
    case MI.UINT8:
      return (i) => dv.getUint8(i)
    case MI.INT16:
      return (i) => dv.getInt16(i * 2, le)
    case MI.UINT16:
      return (i) => dv.getUint16(i * 2, le)
    case MI.INT32:
      return (i) => dv.getInt32(i * 4, le)
    case MI.UINT32:
      return (i) => dv.getUint32(i * 4, le)
    case MI.SINGLE:
      return (i) => dv.getFloat32(i * 4, le)
    case MI.DOUBLE:
      return (i) => dv.getFloat64(i * 8, le)
    case MI.INT64:
      return (i) => Number(dv.getBigInt64(i * 8, le))
    case MI.UINT64:
      return (i) => Number(dv.getBigUint64(i * 8, le))
    default:
      throw new Error(`unreachable: type ${type}`)
  }
}

/** n rounded up to a multiple of 8, for any byte count up to 2^53 (bit arithmetic would wrap past 2^31). */
export const pad8 = (n: number): number => Math.ceil(n / 8) * 8

/** What one level-5 element may hold: its tag gives the byte count as a uint32. */
const MAX_ELEMENT_BYTES = 0xffffffff

// ---------------------------------------------------------------- writer

export interface MatWriteVariable {
  name: string
  class: 'double' | 'uint8'
  /** MATLAB dims (rows, cols, …); data is column-major and must have prod(dims) elements. */
  dims: number[]
  data: ArrayLike<number>
}

/**
 * Encodes variables as a little-endian level-5 MAT-file (compressed per variable by default). The header's text
 * carries no date and no platform, so the same variables give the same bytes on every run and machine: cards
 * record data files by SHA-256 (`data/extraTrain.ts`), and a set regenerated from its recorded command must match.
 */
export function encodeMat(vars: MatWriteVariable[], opts: { compress?: boolean } = {}): Buffer {
  const compress = opts.compress ?? true
  const header = Buffer.alloc(128, 0x20)
  const text = 'MATLAB 5.0 MAT-file, Created by: Glyphdesk'
  header.write(text.slice(0, 116), 0, 'latin1')
  header.fill(0, 116, 124) // no subsystem data
  header.writeUInt16LE(0x0100, 124)
  header.write('IM', 126, 'latin1')
  const parts: Buffer[] = [header]
  const names = new Set<string>()
  for (const v of vars) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(v.name))
      throw new RangeError(`"${v.name}" is not a valid MATLAB variable name`)
    if (names.has(v.name)) throw new RangeError(`variable "${v.name}" given twice`)
    names.add(v.name)
    const element = encodeMatrix(v)
    if (compress) {
      const z = deflateSync(element)
      parts.push(tag(MI.COMPRESSED, z.length), z)
    } else parts.push(element)
  }
  return Buffer.concat(parts)
}

/** Writes a MAT-file atomically (temporary file, then rename). */
export async function writeMat(
  file: string,
  vars: MatWriteVariable[],
  opts: { compress?: boolean } = {}
): Promise<void> {
  const bytes = encodeMat(vars, opts)
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`
  try {
    await writeFile(tmp, bytes)
    await rename(tmp, file)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}

function tag(type: number, nbytes: number): Buffer {
  const t = Buffer.alloc(8)
  t.writeUInt32LE(type, 0)
  t.writeUInt32LE(nbytes, 4)
  return t
}

function element(type: number, data: Buffer): Buffer {
  const padded = Buffer.alloc(pad8(data.length))
  data.copy(padded)
  return Buffer.concat([tag(type, data.length), padded])
}

function encodeMatrix(v: MatWriteVariable): Buffer {
  if (v.dims.length < 2 || v.dims.some((d) => !Number.isInteger(d) || d < 0 || d > 0x7fffffff))
    throw new RangeError(`variable "${v.name}": dims must be ≥ 2 non-negative integers, got [${v.dims}]`)
  const count = v.dims.reduce((a, d) => a * d, 1)
  if (v.data.length !== count)
    throw new RangeError(`variable "${v.name}": dims [${v.dims}] need ${count} values, got ${v.data.length}`)
  // Checked before anything is allocated: the matrix's tag counts its bytes (data, name, dims and flags) as a uint32.
  const dataBytes = count * (v.class === 'double' ? 8 : 1)
  if (pad8(dataBytes) + pad8(4 * v.dims.length) + pad8(v.name.length) + 48 > MAX_ELEMENT_BYTES)
    throw new RangeError(
      `variable "${v.name}": ${dataBytes} bytes of data is more than a MAT-file (level 5) variable holds ` +
        `(4 GiB): write fewer samples`
    )
  const flags = Buffer.alloc(8)
  flags.writeUInt32LE(MX_CODE[v.class], 0)
  const dims = Buffer.alloc(4 * v.dims.length)
  v.dims.forEach((d, i) => dims.writeInt32LE(d, i * 4))
  const nameBytes = Buffer.from(v.name, 'latin1')
  let nameEl: Buffer
  if (nameBytes.length <= 4) {
    nameEl = Buffer.alloc(8)
    nameEl.writeUInt32LE((nameBytes.length << 16) | MI.INT8, 0)
    nameBytes.copy(nameEl, 4)
  } else nameEl = element(MI.INT8, nameBytes)
  let real: Buffer
  if (v.class === 'double') {
    const a = v.data instanceof Float64Array ? v.data : Float64Array.from(v.data)
    real = element(MI.DOUBLE, isLittleEndianHost ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : leDoubles(a))
  } else {
    const a = new Uint8Array(count)
    for (let i = 0; i < count; i++) {
      const x = v.data[i]
      if (!(x >= 0 && x <= 255 && Number.isInteger(x)))
        throw new RangeError(`variable "${v.name}": value ${x} at ${i} does not fit uint8`)
      a[i] = x
    }
    real = element(MI.UINT8, Buffer.from(a.buffer))
  }
  const body = Buffer.concat([element(MI.UINT32, flags), element(MI.INT32, dims), nameEl, real])
  return Buffer.concat([tag(MI.MATRIX, body.length), body])
}

function leDoubles(a: Float64Array): Buffer {
  const b = Buffer.alloc(a.length * 8)
  for (let i = 0; i < a.length; i++) b.writeDoubleLE(a[i], i * 8)
  return b
}
