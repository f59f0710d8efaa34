// Page image loading: any supported file or buffer → an upright 8-bit gray image for the vision pipeline.
//
// Decoder: sharp (libvips) for JPEG, PNG (8/16-bit, gray, RGBA), TIFF, WebP, GIF; a small built-in reader for
// uncompressed BMP, which sharp's prebuilt binaries do not decode. EXIF orientation is applied (phone photos).
// Transparent pixels are flattened onto white paper.
//
// Pixel budget (the documented choice):
//  - up to `maxPixels` (default 40 MP): decoded as is;
//  - above it and up to `hardLimitPixels` (default 250 MP): downscaled while decoding to fit `maxPixels`
//    (libvips shrinks JPEGs on load and streams the rest, so the full-size raster is never held) and a
//    warning is returned; box coordinates are mapped back to the file's pixels through `scale`;
//  - above `hardLimitPixels` (e.g. 30000×30000 = 900 MP): rejected from the header alone, before any decoding.
import { ImageLoadError } from './imageError.ts'
import { checkPngBounds, isPng } from './pngBounds.ts'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import sharp from 'sharp'

// libvips' operation cache (50 MB, 100 operations by default) keeps decoded results for a repeat of the same
// operation; a page is decoded once, so the cache only held memory that grew with the first pages read.
sharp.cache(false)

/** 8-bit gray, row-major, 0 = black ink, 255 = white paper. */
export interface GrayImage {
  width: number
  height: number
  data: Uint8Array
}

export interface LoadedImage extends GrayImage {
  /** Size of the upright image in the file's own pixels (before any budget downscale). */
  originalWidth: number
  originalHeight: number
  /** Loaded pixels per original pixel (1 unless the pixel budget downscaled the page). */
  scale: number
  format: string
  /** Pages the file holds (a multi-page TIFF: a scanner's stack in one file); 1 for every other image. */
  pages: number
  /** Which of them this is, from 0. */
  page: number
  warnings: string[]
  /**
   * A colour photo's chroma (max − min of its R, G and B, 0–255) at most CHROMA_SIDE pixels on its long side,
   * for the sheet finder (vision/sheet.ts): a yellow sticky note under the sheet's edge is as bright as the paper
   * in gray and differs only in colour. Absent for gray files and BMPs.
   */
  chroma?: GrayImage
}

/** The long side of LoadedImage.chroma (the sheet finder's probe size). */
export const CHROMA_SIDE = 480

/**
 * How a working image relates to its file: the file's own size and the loaded pixels per file pixel (a plain
 * GrayImage is its own file, scale 1; a LoadedImage may have been downscaled by the pixel budget).
 */
export function fileFrame(image: GrayImage | LoadedImage): { scale: number; width: number; height: number } {
  return 'scale' in image
    ? { scale: image.scale, width: image.originalWidth, height: image.originalHeight }
    : { scale: 1, width: image.width, height: image.height }
}

export { ImageLoadError, type ImageErrorKind } from './imageError.ts'

export interface LoadImageOptions {
  /** Above this many pixels the page is downscaled on load (default 40e6). */
  maxPixels?: number
  /** Above this many pixels the file is rejected without decoding (default 250e6). */
  hardLimitPixels?: number
  /** The file's name for messages when the input is bytes (the caller read the file itself). */
  name?: string
  /**
   * Keep a colour file's chroma for the sheet finder (LoadedImage.chroma; default true). Callers that never look
   * for a sheet (segmenting with segmentPage directly) pass false and skip its second decode.
   */
  chroma?: boolean
  /**
   * Which page of a multi-page TIFF to decode, from 0. Without it the first page is decoded and a file of several
   * pages says so in a warning (callers that read every page pass the page they want).
   */
  page?: number
}

/** Declared pixels a JPEG may have per byte of file (see loadImage). */
export const JPEG_MAX_PIXELS_PER_BYTE = 1024

export async function loadImage(
  input: string | Buffer | Uint8Array,
  opts: LoadImageOptions = {}
): Promise<LoadedImage> {
  const maxPixels = opts.maxPixels ?? 40e6
  const hardLimit = opts.hardLimitPixels ?? 250e6
  const source = typeof input === 'string' ? basename(input) : opts.name ? basename(opts.name) : 'image buffer'
  let bytes: Buffer
  if (typeof input === 'string') {
    try {
      bytes = await readFile(input)
    } catch (e) {
      throw new ImageLoadError('unreadable', source, `${input} cannot be read: ${(e as Error).message}`, { cause: e })
    }
  } else {
    bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  }

  if (bytes.length === 0)
    throw new ImageLoadError(
      'empty',
      source,
      `${source} is empty (0 bytes); choose the page photo again or re-export it`
    )
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') {
    throw new ImageLoadError('pdf', source, `${source} is a PDF; export the page as PNG or JPEG and open that`)
  }
  const page = opts.page ?? 0
  if (!Number.isInteger(page) || page < 0)
    throw new ImageLoadError('unsupported', source, `${source}: page ${page} is not a page number (0, 1, 2, …)`)
  const noSuchPage = (pages: number) =>
    new ImageLoadError(
      'unsupported',
      source,
      `${source} has ${pages === 1 ? 'one page' : `${pages} pages`}; there is no page ${page + 1}`
    )
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) {
    if (page > 0) throw noSuchPage(1)
    return fromBmp(bytes, source, maxPixels, hardLimit)
  }
  // A PNG's declared size is checked against its image data before libvips sizes any buffer from it.
  if (isPng(bytes)) await checkPngBounds(bytes, source, hardLimit)

  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>
  let pages: number
  try {
    const first = await sharp(bytes, { limitInputPixels: false }).metadata()
    // Only a TIFF's pages are pages of writing; an animated GIF's or WebP's frames are read as their first.
    pages = first.format === 'tiff' ? Math.max(1, first.pages ?? 1) : 1
    if (page >= pages) throw noSuchPage(pages)
    meta = page === 0 ? first : await sharp(bytes, { limitInputPixels: false, page }).metadata()
  } catch (e) {
    if (e instanceof ImageLoadError) throw e
    throw new ImageLoadError(
      'unsupported',
      source,
      `${source} is not an image format Glyphdesk reads; save it as PNG or JPEG (also accepted: TIFF, WebP, BMP)`,
      { cause: e }
    )
  }
  const w0 = meta.width ?? 0,
    h0 = meta.height ?? 0
  if (w0 <= 0 || h0 <= 0)
    throw new ImageLoadError('unsupported', source, `${source} has no pixel size in its header; save it as PNG or JPEG`)
  // EXIF orientations 5–8 swap width and height.
  const swap = (meta.orientation ?? 1) >= 5
  const ow = swap ? h0 : w0,
    oh = swap ? w0 : h0
  const pixels = ow * oh
  if (pixels > hardLimit) {
    throw new ImageLoadError(
      'too-large',
      source,
      `${source} is ${ow}×${oh} (${(pixels / 1e6).toFixed(0)} MP), over the ${(hardLimit / 1e6).toFixed(0)} MP limit; ` +
        `resize it to at most ${(maxPixels / 1e6).toFixed(0)} MP (a phone photo is about 12 MP) and open it again`
    )
  }
  // A JPEG spends at least one bit of entropy-coded data on each 8×8 block (Huffman coding: a DC code per block;
  // progressive AC scans can skip runs of blocks but not the DC scan), so a page holds at most 512 pixels per
  // byte; libjpeg fills data that is missing with gray without an error, so a 600-byte JPEG declaring
  // 15000×15000 took 15–38 s and up to 1.2 GB to "decode". Twice that bound leaves room for any real page.
  if (meta.format === 'jpeg' && pixels > JPEG_MAX_PIXELS_PER_BYTE * bytes.length) {
    throw new ImageLoadError(
      'truncated',
      source,
      `${source} is cut short: its header declares ${w0}×${h0} pixels, more than its ${bytes.length} bytes can hold; ` +
        `copy the photo again or re-save it`
    )
  }
  const warnings: string[] = []
  // A caller that did not ask for a page of a multi-page TIFF gets the first, and the person is told so rather
  // than finding the other pages' text missing later.
  if (pages > 1 && opts.page === undefined)
    warnings.push(
      `${source} holds ${pages} pages; only the first was read here. \`glyphdesk transcribe\` and the app's Open… ` +
        `read every page`
    )
  let pipeline = sharp(bytes, { failOn: 'truncated', limitInputPixels: hardLimit, page }).rotate()
  let scale = 1
  if (pixels > maxPixels) {
    scale = Math.sqrt(maxPixels / pixels)
    const tw = Math.max(1, Math.floor(ow * scale)),
      th = Math.max(1, Math.floor(oh * scale))
    pipeline = pipeline.resize(tw, th, { fit: 'fill', kernel: 'lanczos3' })
    scale = tw / ow
    warnings.push(
      `${source} is ${ow}×${oh} (${(pixels / 1e6).toFixed(1)} MP); downscaled to ${tw}×${th} to stay within ` +
        `${(maxPixels / 1e6).toFixed(0)} MP. Boxes are reported in the original pixels.`
    )
  }
  const decodeGray = async () => {
    const { data, info } = await pipeline
      .clone()
      .flatten({ background: '#ffffff' })
      .grayscale()
      .toColourspace('b-w')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true })
    if (info.channels !== 1) throw new Error(`expected 1 channel, got ${info.channels}`)
    return { data, info }
  }
  const wantChroma = opts.chroma !== false && (meta.channels ?? 1) >= 3
  let decoded: { data: Buffer; info: { width: number; height: number } }
  let chroma: GrayImage | undefined
  try {
    // The chroma's own decode runs beside the gray one (both on libvips's threads): ~9 ms less a 1600-px colour
    // page than one after the other.
    const both = await Promise.allSettled([
      decodeGray(),
      wantChroma ? chromaOf(bytes, ow, oh, hardLimit, page) : Promise.resolve(undefined)
    ])
    if (both[0].status === 'fulfilled' && both[1].status === 'fulfilled') {
      decoded = both[0].value
      chroma = both[1].value
    } else {
      // libvips keeps a failure's message in a buffer the two decodes share, so beside each other one may report
      // the other's text (a truncated JPEG read as "unreadable"): a failed file is decoded again alone, one decode
      // after the other as before, for its own error.
      decoded = await decodeGray()
      chroma = wantChroma ? await chromaOf(bytes, ow, oh, hardLimit, page) : undefined
    }
    const { data, info } = decoded
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      originalWidth: ow,
      originalHeight: oh,
      scale,
      format: meta.format ?? 'unknown',
      pages,
      page,
      warnings,
      ...(chroma ? { chroma } : {})
    }
  } catch (e) {
    const msg = (e as Error).message ?? ''
    if (/premature end|truncat|unexpected end|short read|corrupt/i.test(msg)) {
      throw new ImageLoadError(
        'truncated',
        source,
        `${source} is cut short (the file ends before the image data does); copy the photo again from the phone or camera`,
        { cause: e }
      )
    }
    throw new ImageLoadError(
      'unreadable',
      source,
      `${source} could not be decoded (${msg}); re-save it as PNG or JPEG`,
      { cause: e }
    )
  }
}

/**
 * The chroma of a colour file (see LoadedImage.chroma): decoded again at the probe's size, which libvips does by
 * shrinking a JPEG on load (~8 ms for a 12 MP phone photo's 480 px copy). Undefined when the file has no colour
 * in it (a gray scan saved as RGB: every pixel's chroma below 8).
 */
async function chromaOf(
  bytes: Buffer,
  ow: number,
  oh: number,
  hardLimit: number,
  page: number
): Promise<GrayImage | undefined> {
  const f = Math.min(1, CHROMA_SIDE / Math.max(ow, oh))
  const width = Math.max(1, Math.round(ow * f)),
    height = Math.max(1, Math.round(oh * f))
  const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: hardLimit, page })
    .rotate()
    .resize(width, height, { fit: 'fill' })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
  const c = info.channels
  if (c < 3) return undefined
  const out = new Uint8Array(info.width * info.height)
  let most = 0
  for (let i = 0, j = 0; i < out.length; i++, j += c) {
    const r = data[j],
      g = data[j + 1],
      b = data[j + 2]
    const v = Math.max(r, g, b) - Math.min(r, g, b)
    out[i] = v
    if (v > most) most = v
  }
  return most < 8 ? undefined : { width: info.width, height: info.height, data: out }
}

/** Uncompressed BMP (BI_RGB / BI_BITFIELDS with 8, 24 or 32 bits per pixel), the kind paint programs and scanners write. */
function fromBmp(b: Buffer, source: string, maxPixels: number, hardLimit: number): LoadedImage {
  const bad = (why: string): never => {
    throw new ImageLoadError(
      'unsupported',
      source,
      `${source} is a BMP Glyphdesk cannot read (${why}); save it as PNG or JPEG`
    )
  }
  if (b.length < 54)
    throw new ImageLoadError('truncated', source, `${source} is cut short (BMP header incomplete); save the page again`)
  // Every size the header declares is checked against the file before it is used: a 1 KB file must not
  // be able to ask for 4 billion palette entries or a pixel array past its end.
  const offset = b.readUInt32LE(10)
  const headerSize = b.readUInt32LE(14)
  if (headerSize < 40) bad('OS/2 header')
  if (14 + headerSize > b.length) bad(`its header declares ${headerSize} bytes but the file has ${b.length}`)
  if (offset < 14 + headerSize || offset > b.length)
    bad(`its pixel data offset ${offset} lies outside the file (${b.length} bytes)`)
  const width = b.readInt32LE(18)
  const rawH = b.readInt32LE(22)
  const bpp = b.readUInt16LE(28)
  const compression = b.readUInt32LE(30)
  const topDown = rawH < 0
  const height = Math.abs(rawH)
  if (width <= 0 || height === 0) bad('no pixel size')
  if (compression !== 0 && compression !== 3) bad('compressed')
  if (bpp !== 8 && bpp !== 24 && bpp !== 32) bad(`${bpp} bits per pixel`)
  if (width * height > hardLimit) {
    throw new ImageLoadError(
      'too-large',
      source,
      `${source} is ${width}×${height}, over the ${(hardLimit / 1e6).toFixed(0)} MP limit; resize it and open it again`
    )
  }
  const stride = Math.ceil((width * bpp) / 32) * 4
  if (offset + stride * height > b.length) {
    throw new ImageLoadError(
      'truncated',
      source,
      `${source} is cut short (the file ends before the image data does); save the page again`
    )
  }
  let palette: Uint8Array | null = null
  if (bpp === 8) {
    const declared = b.readUInt32LE(46)
    if (declared > 256) bad(`its palette declares ${declared} colours; an 8-bit BMP has at most 256`)
    const colours = declared || 256
    // The palette sits between the info header and the pixels; entries the file does not hold stay black.
    const room = Math.floor((offset - 14 - headerSize) / 4)
    palette = new Uint8Array(256)
    for (let i = 0; i < Math.min(colours, room); i++) {
      const p = 14 + headerSize + i * 4
      palette[i] = Math.round(0.114 * b[p] + 0.587 * b[p + 1] + 0.299 * b[p + 2])
    }
  }
  const out = new Uint8Array(width * height)
  const step = bpp >> 3
  for (let y = 0; y < height; y++) {
    const row = offset + (topDown ? y : height - 1 - y) * stride
    for (let x = 0; x < width; x++) {
      const p = row + x * step
      out[y * width + x] = palette ? palette[b[p]] : Math.round(0.114 * b[p] + 0.587 * b[p + 1] + 0.299 * b[p + 2])
    }
  }
  const img: LoadedImage = {
    width,
    height,
    data: out,
    originalWidth: width,
    originalHeight: height,
    scale: 1,
    format: 'bmp',
    pages: 1,
    page: 0,
    warnings: []
  }
  if (width * height > maxPixels) {
    // Rare for BMP; box-average into the budget so the rest of the pipeline sees the same limit.
    const s = Math.sqrt(maxPixels / (width * height))
    const tw = Math.max(1, Math.floor(width * s)),
      th = Math.max(1, Math.floor(height * s))
    const small = new Uint8Array(tw * th)
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++)
        small[y * tw + x] =
          out[Math.min(height - 1, Math.floor(y / s)) * width + Math.min(width - 1, Math.floor(x / s))]
    }
    img.width = tw
    img.height = th
    img.data = small
    img.scale = tw / width
    img.warnings.push(
      `${source} is ${width}×${height}; downscaled to ${tw}×${th} to stay within ${(maxPixels / 1e6).toFixed(0)} MP.`
    )
  }
  return img
}
