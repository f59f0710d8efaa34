// Reads EMNIST (Cohen et al. 2017, NIST SD19 as 28×28 MNIST-style idx files) into Glyphdesk's
// glyph convention: upright, row-major 32×32, paper ≈ 1, ink ≈ 0, labels as class indices 0..35.
//
// EMNIST specifics handled here:
//  - Images are stored transposed (each 28×28 image is written column by column), so a
//    row-major read shows the character mirrored about the diagonal; we transpose it back.
//  - Polarity is white ink on black (0 = background, 255 = ink); we flip it to paper = 1.
//  - Framing: EMNIST centres each character in its 28×28 box with a 2 px margin, so the
//    character's longer side is about 24 px. By default we pad 2 px of paper on each side to get
//    32×32 (longer side ≈ 24 of 32, a little smaller than NIST's median 26). Callers that want
//    NIST-like framing pass `normalise` (e.g. vision/normalise.ts's normaliseGlyph), which gets
//    the upright 28×28 crop (paper 1, ink 0) and writes the 32×32 glyph.
//
// Label mapping onto Glyphdesk's 36 classes (A–Z = 0..25, 0–9 = 26..35):
//  - digits 0–9 → 26..35 in every split that has them;
//  - capitals A–Z → 0..25;
//  - byclass: the 26 lowercase classes are dropped. Even where lowercase looks like the capital
//    (c, o, s, …) its size relative to the box is that of a capital after EMNIST's rescaling,
//    but keeping only some letters would skew class balance; dropping is predictable.
//  - bymerge / balanced: the 15 letters whose cases look alike (C I J K L M O P S U V W X Y Z)
//    are already merged under the capital's label, so they stay; the 11 distinct lowercase
//    classes (a b d e f g h n q r t) are dropped.
//  - letters: labels 1..26 each merge both cases (so 'a', 'b', 'e' … shapes appear under A, B,
//    E …); they are kept as the capital. Prefer balanced or bymerge for capitals-only training.
//  - mnist: like digits.
import { InvalidInputError, errnoCode, errorMessage } from '../core/errors.ts'
import { readFile, readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import type { LabelledGlyphs } from './glyphset.ts'

export const EMNIST_SPLITS = ['byclass', 'bymerge', 'balanced', 'digits', 'letters', 'mnist'] as const
export type EmnistSplit = (typeof EMNIST_SPLITS)[number]

export function isEmnistSplit(s: string): s is EmnistSplit {
  return EMNIST_SPLITS.some((x) => x === s)
}

const EMNIST_SIDE = 28
const GLYPH_SIDE = 32
const PAD = (GLYPH_SIDE - EMNIST_SIDE) / 2

/** An idx file is malformed, truncated or not an idx file. */
export class IdxFormatError extends InvalidInputError {
  override name = 'IdxFormatError'
  constructor(
    readonly file: string,
    readonly problem: string
  ) {
    super(`${basename(file)}: ${problem}`)
  }
}

/**
 * For one split, EMNIST label → Glyphdesk class index, or -1 where the label is dropped.
 * Index the result with the label byte.
 */
export function emnistLabelMap(split: EmnistSplit): Int8Array {
  const digits = (m: Int8Array): void => {
    for (let d = 0; d < 10; d++) m[d] = 26 + d
  }
  const capitals = (m: Int8Array, first: number): void => {
    for (let k = 0; k < 26; k++) m[first + k] = k
  }
  switch (split) {
    case 'digits':
    case 'mnist': {
      const m = new Int8Array(10)
      digits(m)
      return m
    }
    case 'letters': {
      const m = new Int8Array(27).fill(-1)
      capitals(m, 1)
      return m
    } // 0 is unused ("N/A")
    case 'byclass': {
      const m = new Int8Array(62).fill(-1)
      digits(m)
      capitals(m, 10)
      return m
    }
    case 'bymerge':
    case 'balanced': {
      const m = new Int8Array(47).fill(-1)
      digits(m)
      capitals(m, 10)
      return m
    }
  }
}

export interface IdxArray {
  dims: number[]
  data: Uint8Array
}

/** Parses idx (unsigned byte) bytes, gzip-compressed or not; `file` names the source in errors. */
export function parseIdx(bytes: Uint8Array, file = '<buffer>'): IdxArray {
  let b = bytes
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      // gzip cannot expand more than ~1032:1; bounds the allocation by the file's size.
      b = gunzipSync(b, { maxOutputLength: Math.min(b.length * 1032 + 1024, 2 ** 32 - 1) })
    } catch (e) {
      throw new IdxFormatError(file, `gzip data is damaged or truncated (${errorMessage(e)})`)
    }
  }
  if (b.length < 4)
    throw new IdxFormatError(
      file,
      `is ${b.length === 0 ? 'empty' : 'truncated'}: ${b.length} bytes, too short for an idx header`
    )
  if (b[0] !== 0 || b[1] !== 0)
    throw new IdxFormatError(
      file,
      `bad magic number 0x${Buffer.from(b.subarray(0, 4)).toString('hex')}; not an idx file (expected 0x00000801 for labels or 0x00000803 for images)`
    )
  if (b[2] !== 0x08)
    throw new IdxFormatError(
      file,
      `holds idx data type 0x${b[2].toString(16).padStart(2, '0')}; only unsigned bytes (0x08), as in EMNIST and MNIST, are supported`
    )
  const ndims = b[3]
  if (ndims < 1 || ndims > 4) throw new IdxFormatError(file, `bad magic number: ${ndims} dimensions`)
  const head = 4 + 4 * ndims
  if (b.length < head) throw new IdxFormatError(file, `is truncated inside its header (${b.length} bytes)`)
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const dims: number[] = []
  for (let i = 0; i < ndims; i++) dims.push(dv.getUint32(4 + 4 * i, false))
  const count = dims.reduce((a, d) => a * d, 1)
  if (b.length - head < count)
    throw new IdxFormatError(
      file,
      `is truncated: header promises ${dims.join('×')} = ${count} bytes of data, file has ${b.length - head}`
    )
  return { dims, data: b.subarray(head, head + count) }
}

export interface EmnistOptions {
  /** Read at most this many glyphs (after dropping unmapped labels). */
  limit?: number
  /** Writes a 32×32 glyph from the upright 28×28 crop (paper 1, ink 0). Default: 2 px paper padding. */
  normalise?: (crop: Float32Array, width: number, height: number, out: Float32Array) => Float32Array
}

/** Reads an EMNIST images/labels pair (raw or .gz) as Glyphdesk glyphs. */
export async function readEmnist(
  imagesFile: string,
  labelsFile: string,
  split: EmnistSplit,
  opts: EmnistOptions = {}
): Promise<LabelledGlyphs & { split: EmnistSplit; dropped: number }> {
  if (!EMNIST_SPLITS.includes(split))
    throw new RangeError(`unknown EMNIST split "${split}"; one of ${EMNIST_SPLITS.join(', ')}`)
  const [imgBytes, labBytes] = await Promise.all([readIdxFile(imagesFile), readIdxFile(labelsFile)])
  const images = parseIdx(imgBytes, imagesFile)
  const labels = parseIdx(labBytes, labelsFile)
  if (images.dims.length !== 3 || images.dims[1] !== EMNIST_SIDE || images.dims[2] !== EMNIST_SIDE) {
    throw new IdxFormatError(imagesFile, `holds ${images.dims.join('×')}; expected n×28×28 images (idx3-ubyte)`)
  }
  if (labels.dims.length !== 1)
    throw new IdxFormatError(labelsFile, `holds ${labels.dims.join('×')}; expected a label vector (idx1-ubyte)`)
  const total = images.dims[0]
  if (labels.dims[0] !== total)
    throw new IdxFormatError(labelsFile, `has ${labels.dims[0]} labels but ${basename(imagesFile)} has ${total} images`)

  const map = emnistLabelMap(split)
  const keep: number[] = []
  const limit = opts.limit ?? Infinity
  for (let i = 0; i < total && keep.length < limit; i++) {
    const l = labels.data[i]
    if (l >= map.length)
      throw new IdxFormatError(
        labelsFile,
        `label ${l} at index ${i} is outside the ${split} split's ${map.length} classes; is this the right split?`
      )
    if (map[l] >= 0) keep.push(i)
  }
  const scanned = keep.length < limit ? total : keep[keep.length - 1] + 1
  const n = keep.length
  const x = new Float32Array(n * GLYPH_SIDE * GLYPH_SIDE)
  const y = new Uint8Array(n)
  const crop = new Float32Array(EMNIST_SIDE * EMNIST_SIDE)
  const px = EMNIST_SIDE * EMNIST_SIDE
  for (let k = 0; k < n; k++) {
    const i = keep[k]
    y[k] = map[labels.data[i]]
    const src = i * px
    // Undo EMNIST's transposed storage and white-on-black polarity.
    for (let r = 0; r < EMNIST_SIDE; r++) {
      for (let c = 0; c < EMNIST_SIDE; c++) crop[r * EMNIST_SIDE + c] = 1 - images.data[src + c * EMNIST_SIDE + r] / 255
    }
    const out = x.subarray(k * GLYPH_SIDE * GLYPH_SIDE, (k + 1) * GLYPH_SIDE * GLYPH_SIDE)
    if (opts.normalise) opts.normalise(crop, EMNIST_SIDE, EMNIST_SIDE, out)
    else padGlyph(crop, out)
  }
  return { x, y, n, split, dropped: scanned - n }
}

function padGlyph(crop: Float32Array, out: Float32Array): void {
  out.fill(1)
  for (let r = 0; r < EMNIST_SIDE; r++)
    out.set(crop.subarray(r * EMNIST_SIDE, (r + 1) * EMNIST_SIDE), (r + PAD) * GLYPH_SIDE + PAD)
}

async function readIdxFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (e) {
    throw new IdxFormatError(file, errnoCode(e) === 'ENOENT' ? 'file not found' : `cannot be read (${errorMessage(e)})`)
  }
}

/**
 * Finds emnist-<split>-<part>-{images-idx3,labels-idx1}-ubyte[.gz] in `dir` (the names in
 * NIST's gzip.zip) and reads them.
 */
export async function readEmnistDir(
  dir: string,
  split: EmnistSplit,
  part: 'train' | 'test',
  opts: EmnistOptions = {}
): Promise<LabelledGlyphs & { split: EmnistSplit; dropped: number }> {
  const entries = new Set(await readdir(dir).catch((): string[] => []))
  const find = (kind: string): string => {
    const stem = `emnist-${split}-${part}-${kind}-ubyte`
    const hit = [stem, `${stem}.gz`].find((f) => entries.has(f))
    if (!hit) throw new IdxFormatError(join(dir, stem), `not found in ${dir} (also looked for ${stem}.gz)`)
    return join(dir, hit)
  }
  return readEmnist(find('images-idx3'), find('labels-idx1'), split, opts)
}
