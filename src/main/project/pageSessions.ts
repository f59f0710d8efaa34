// The pages open in this run: for each, the file's bytes (the bitmap the renderer shows), the
// loaded gray image and the segmentation's background-normalised gray that glyphs are cropped from.
// Re-recognition of edited boxes crops from the same gray as the first reading, through the same
// normaliseGlyph, so an untouched box reads the same before and after an edit elsewhere.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import sharp from 'sharp'
import { InvalidInputError } from '../core/errors.ts'
import { GLYPH_PIXELS } from '../../shared/classes.ts'
import type { PageBox, PageDoc } from '../../shared/pagedoc.ts'
import { predictionRow, type Classifier } from '../recognize/classifier.ts'
import type { LoadedImage } from '../vision/image.ts'
import { readPage } from '../vision/readPage.ts'
import type { FileAccess } from './fileAccess.ts'
import { segmentationAsRead, type PageSegmentation } from '../vision/sheet.ts'
import { pageBoxGlyphs, transcribe } from '../read/transcribe.ts'
import type { PagePixelSource } from '../learn/corrections.ts'

export interface PageSession {
  pageId: string
  path: string
  bytes: Buffer
  image: LoadedImage
  seg: PageSegmentation
  /** The bitmap for display: the file as the browser can show it, upright (EXIF applied). */
  display?: Promise<{ mime: string; bytes: Buffer }>
}

export interface Prediction {
  id: string
  label?: string
  confidence?: number
  top3?: PageBox['top3']
  glyph: string
}

/** A page image that cannot be read from disk (moved, deleted, unreadable). */
export class PageOpenError extends InvalidInputError {
  override name = 'PageOpenError'
}

export class PageSessions {
  private byId = new Map<string, PageSession>()
  private byPath = new Map<string, PageSession>()

  /** Without `files` (the CLI, tests of the pipeline) every path may be read. */
  constructor(private readonly files?: FileAccess) {}

  get(pageId: string): PageSession | undefined {
    return this.byId.get(pageId)
  }

  /** Loads, segments and transcribes a page image; the session stays open for re-recognition. */
  async open(
    path: string,
    classifier: Classifier,
    page?: number
  ): Promise<{ session: PageSession; doc: PageDoc; glyphs: Record<string, string> }> {
    const abs = this.files ? this.files.check(path, 'read', 'pages.open') : resolve(path)
    const bytes = await readFile(abs).catch((e: NodeJS.ErrnoException) => {
      throw new PageOpenError(`${abs} cannot be read (${e.code ?? e.message})`)
    })
    // Decoding and segmentation, the parts a hostile or noisy image can make slow, run in the page worker.
    const { image, seg } = await readPage(bytes, abs, { page: page ?? 0 })
    const { doc, segmentation, glyphs } = await transcribe(image, classifier, {
      path: abs,
      fileBytes: bytes,
      segmentation: seg
    })
    const session = this.register(abs, bytes, image, segmentation)
    // The previews are the glyphs transcribe classified (cropping every box a second time held the
    // request thread as long again on a page of thousands of components).
    const previews: Record<string, string> = {}
    doc.boxes.forEach((b, i) => {
      previews[b.id] = previewOf(glyphs, i)
    })
    return { session, doc, glyphs: previews }
  }

  /** The session for a saved PageDoc's image (loading and segmenting it once per run). */
  async attach(doc: PageDoc): Promise<PageSession> {
    const abs = this.files ? this.files.check(doc.image.path, 'read', 'the page image') : resolve(doc.image.path)
    const page = doc.image.page ?? 0
    const known = this.byPath.get(pageKey(abs, page))
    if (known) return known
    const bytes = await readFile(abs).catch((e: NodeJS.ErrnoException) => {
      throw new PageOpenError(
        `the page image ${abs} cannot be read (${e.code ?? e.message}); put it back or open the page again`
      )
    })
    const { image, seg } = await readPage(bytes, abs, { page })
    // A page read turned (sideways or upside down) is cut from the page turned, as it was read.
    return this.register(abs, bytes, image, await segmentationAsRead(image, seg, doc.image.turn))
  }

  /** Registers a page whose image is already loaded and segmented (an imported OCR file's page). */
  register(abs: string, bytes: Buffer, image: LoadedImage, seg: PageSegmentation): PageSession {
    // A multi-page TIFF's pages share the file: each is its own session, told apart by its page number.
    const hash = createHash('sha256').update(abs).update(bytes)
    if (image.page > 0) hash.update(`page ${image.page}`)
    const pageId = hash.digest('hex').slice(0, 16)
    const session: PageSession = { pageId, path: abs, bytes, image, seg }
    this.byId.set(pageId, session)
    this.byPath.set(pageKey(abs, image.page), session)
    return session
  }

  /** n×1024 glyphs in the training format for the boxes, as the classifier sees them. */
  glyphs(session: PageSession, boxes: readonly PageBox[]): Float32Array {
    // An unedited detector box is cropped exactly as transcribe did, keeping only its own ink.
    return pageBoxGlyphs(session.image, session.seg, boxes).glyphs
  }

  /** The corrections service's pixel source (learn/corrections.ts): a PageDoc's open session. */
  readonly pixels: PagePixelSource = (src) => this.attach(src.doc)

  previews(session: PageSession, boxes: readonly PageBox[]): Record<string, string> {
    const g = this.glyphs(session, boxes)
    const out: Record<string, string> = {}
    boxes.forEach((b, i) => {
      out[b.id] = previewOf(g, i)
    })
    return out
  }

  async recognize(session: PageSession, boxes: readonly PageBox[], classifier: Classifier): Promise<Prediction[]> {
    if (boxes.length === 0) return []
    const g = this.glyphs(session, boxes)
    const pred = await classifier.predict(g, boxes.length)
    // A box drawn on blank paper has no ink to read: it gets no label rather than the model's guess.
    return boxes.map((b, i) => ({ id: b.id, ...(hasInk(g, i) ? predictionRow(pred, i) : {}), glyph: previewOf(g, i) }))
  }

  /** The page bitmap in a format every browser shows (JPEG/PNG/WebP/GIF as is, others as PNG), upright. */
  display(session: PageSession): Promise<{ mime: string; bytes: Buffer }> {
    session.display ??= (async () => {
      const page = session.image.page
      const meta = await sharp(session.bytes)
        .metadata()
        .catch(() => null)
      const fmt = meta?.format
      const upright = !meta?.orientation || meta.orientation === 1
      if (upright && fmt === 'jpeg') return { mime: 'image/jpeg', bytes: session.bytes }
      if (upright && fmt === 'png') return { mime: 'image/png', bytes: session.bytes }
      if (fmt) return { mime: 'image/png', bytes: await sharp(session.bytes, { page }).rotate().png().toBuffer() }
      // BMP and other formats sharp cannot decode: from the loaded gray pixels.
      const { image } = session
      return {
        mime: 'image/png',
        bytes: await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 1 } })
          .png()
          .toBuffer()
      }
    })()
    return session.display
  }
}

/** The sessions' key for a page of a file (a multi-page TIFF's pages are sessions of their own). */
function pageKey(abs: string, page: number): string {
  return page > 0 ? `${abs}\u0000${page}` : abs
}

/** Glyph i of an n×1024 array as 1024 gray bytes in base64 (0 ink … 255 paper). */
export function previewOf(glyphs: Float32Array, i: number): string {
  const bytes = Buffer.alloc(GLYPH_PIXELS)
  const o = i * GLYPH_PIXELS
  for (let k = 0; k < GLYPH_PIXELS; k++) bytes[k] = Math.round(Math.min(1, Math.max(0, glyphs[o + k])) * 255)
  return bytes.toString('base64')
}

/** True when glyph i has any ink (a pixel clearly darker than paper); normaliseGlyph leaves a blank crop all paper. */
export function hasInk(glyphs: Float32Array, i: number): boolean {
  const o = i * GLYPH_PIXELS
  for (let k = 0; k < GLYPH_PIXELS; k++) if (glyphs[o + k] < 0.5) return true
  return false
}
