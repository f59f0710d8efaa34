// The size a PNG declares, checked against what the file can hold before any decoder allocates for it.
// A 100-byte PNG whose header says 16 777 216 × 16 pixels kept libvips busy for minutes and at gigabytes
// (fuzzing, seed 1): its decoder sizes buffers from the header and then fails row by row. Here the header's
// width × height × bytes per pixel is compared, before decoding, with the image data (IDAT) the file holds —
// deflate cannot expand more than 1032:1 — and the IDAT stream is then inflated once without keeping its
// output, counting bytes, stopping as soon as the declared size is reached: a file whose data runs out
// first is cut short, and nothing larger than a 64 KB inflate chunk is ever allocated for it.
import { createInflate } from 'node:zlib'
import { ImageLoadError } from './imageError.ts'

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
/** Deflate's largest expansion: a 258-byte match coded in 2 bits gives 1032 bytes out per byte in. */
const MAX_INFLATE_RATIO = 1032
/** Samples per pixel for each PNG colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] }
/** Adam7 passes: [x start, y start, x step, y step]. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2]
]

export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && SIGNATURE.every((v, i) => b[i] === v)
}

export interface PngHeader {
  width: number
  height: number
  bitDepth: number
  colourType: number
  interlaced: boolean
  /** Bytes the declared image inflates to (filter bytes included), per the PNG specification. */
  rawBytes: number
  /** The IDAT chunks' data, in order (views into the file). */
  idat: Uint8Array[]
  idatBytes: number
}

/** Reads the IHDR and the chunk list; throws an ImageLoadError for a header a decoder should not be given. */
export function readPngHeader(b: Uint8Array, source: string, hardLimitPixels: number): PngHeader {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const bad = (why: string): never => {
    throw new ImageLoadError('unreadable', source, `${source} is a damaged PNG (${why}); re-save it as PNG or JPEG`)
  }
  const cut = (): never => {
    throw new ImageLoadError(
      'truncated',
      source,
      `${source} is cut short (the file ends before the image data does); copy the image again or re-save it`
    )
  }
  if (b.length < 33) cut()
  const ihdrLength = view.getUint32(8)
  const type = (at: number) => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3])
  if (type(12) !== 'IHDR' || ihdrLength !== 13) bad('its first chunk is not a 13-byte IHDR')
  const width = view.getUint32(16),
    height = view.getUint32(20)
  const bitDepth = b[24],
    colourType = b[25],
    interlace = b[28]
  // The specification limits each side to 2^31 - 1.
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff)
    bad(`its header declares ${width}×${height} pixels`)
  if (!(colourType in CHANNELS) || !DEPTHS[colourType].includes(bitDepth))
    bad(`colour type ${colourType} with ${bitDepth} bits per sample`)
  if (interlace > 1) bad(`interlace method ${interlace}`)
  if (width * height > hardLimitPixels) {
    throw new ImageLoadError(
      'too-large',
      source,
      `${source} is ${width}×${height} (${((width * height) / 1e6).toFixed(0)} MP), over the ${(hardLimitPixels / 1e6).toFixed(0)} MP limit; ` +
        `resize it (a phone photo is about 12 MP) and open it again`
    )
  }
  const bitsPerPixel = CHANNELS[colourType] * bitDepth
  const rowBytes = (w: number) => (w === 0 ? 0 : 1 + Math.ceil((w * bitsPerPixel) / 8))
  let rawBytes = 0
  if (interlace === 0) rawBytes = height * rowBytes(width)
  else {
    for (const [x0, y0, dx, dy] of ADAM7) {
      const pw = Math.ceil((width - x0) / dx),
        ph = Math.ceil((height - y0) / dy)
      if (pw > 0 && ph > 0) rawBytes += ph * rowBytes(pw)
    }
  }
  // The chunk list: every length within the file, IDAT data collected (views, no copies).
  const idat: Uint8Array[] = []
  let idatBytes = 0
  for (let at = 8; at + 8 <= b.length;) {
    const length = view.getUint32(at)
    const t = type(at + 4)
    if (length > 0x7fffffff) bad(`a chunk declares ${length} bytes`)
    if (at + 12 + length > b.length) {
      // A chunk that runs past the end: the image data stops here.
      if (t === 'IDAT') idat.push(b.subarray(at + 8, b.length))
      break
    }
    if (t === 'IDAT') {
      idat.push(b.subarray(at + 8, at + 8 + length))
      idatBytes += length
    }
    if (t === 'IEND') break
    at += 12 + length
  }
  idatBytes = idat.reduce((s, c) => s + c.length, 0)
  if (idatBytes === 0) cut()
  if (rawBytes > idatBytes * MAX_INFLATE_RATIO + 64) {
    throw new ImageLoadError(
      'truncated',
      source,
      `${source} is cut short: its header declares ${width}×${height} pixels, more than its ${idatBytes} bytes of image ` +
        `data can hold; copy the image again or re-save it`
    )
  }
  return { width, height, bitDepth, colourType, interlaced: interlace === 1, rawBytes, idat, idatBytes }
}

/** Inflates the IDAT stream without keeping it, stopping at `need` bytes; resolves with the bytes it gave (≤ need + one chunk). */
function inflatedBytes(chunks: Uint8Array[], need: number): Promise<number> {
  return new Promise((resolve) => {
    const inflate = createInflate({ chunkSize: 64 * 1024 })
    let got = 0,
      done = false
    const finish = () => {
      if (done) return
      done = true
      inflate.destroy()
      resolve(got)
    }
    inflate.on('data', (c: Buffer) => {
      got += c.length
      if (got >= need) finish()
    })
    inflate.on('error', finish)
    inflate.on('end', finish)
    inflate.on('close', finish)
    for (const c of chunks) {
      if (done) break
      inflate.write(c)
    }
    if (!done) inflate.end()
  })
}

/**
 * Refuses a PNG whose header declares more pixels than its image data holds (before any decoder sees it).
 * The cost is one inflate of at most the declared size, with 64 KB of memory.
 */
export async function checkPngBounds(b: Uint8Array, source: string, hardLimitPixels: number): Promise<PngHeader> {
  const h = readPngHeader(b, source, hardLimitPixels)
  const got = await inflatedBytes(h.idat, h.rawBytes)
  if (got < h.rawBytes) {
    throw new ImageLoadError(
      'truncated',
      source,
      `${source} is cut short: its image data gives ${got} of the ${h.rawBytes} bytes its ${h.width}×${h.height} ` +
        `pixels need; copy the image again or re-save it`
    )
  }
  return h
}
