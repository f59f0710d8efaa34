// transcribe: a page image → PageDoc. Segments the page, lays out lines and words, crops every box from
// the background-normalised gray (so shadows do not reach the classifier), masks each crop to its own
// character's ink (handwritten neighbours overlap each other's rectangles), turns each crop into the
// training format with normaliseGlyph, and classifies all glyphs in one batch.
import { createHash } from 'node:crypto'
import { CLASSES, GLYPH_PIXELS } from '../../shared/classes.ts'
import { type PageDoc, PageDocSchema } from '../../shared/pagedoc.ts'
import type { Classifier } from '../recognize/classifier.ts'
import type { GrayImage, LoadedImage } from './image.ts'
import { layoutPage, type LayoutOptions, type Rect } from './layout.ts'
import { normaliseGlyph } from './normalise.ts'
import { glyphMask, segmentPage, type SegmentOptions, type SegmentResult } from './segment.ts'

export interface TranscribeOptions {
  /** Recorded in the PageDoc (default ""). */
  path?: string
  /** The file's bytes, to record a sha256 of the image in the PageDoc. */
  fileBytes?: Uint8Array
  segment?: SegmentOptions
  layout?: LayoutOptions
  /** Paper margin added around each box before normalisation, as a fraction of the page's character height (default 0.06). */
  cropMargin?: number
  /**
   * Blank everything in a crop that is not the box's own character — an overlapping neighbour's strokes,
   * specks — before normalisation (default true). Its halo of kept paper around the ink is `isolateHalo`
   * working pixels (default 2; the working scale has characters ~64 px tall).
   */
  isolateGlyphs?: boolean
  isolateHalo?: number
}

export interface Transcription {
  doc: PageDoc
  segmentation: SegmentResult
}

/** The pixel rectangle cropGray takes for `r` and `margin`: grown by the margin, clipped to the image. */
export function cropRect(img: GrayImage, r: Rect, margin = 0): Rect {
  const x0 = Math.max(0, Math.floor(r.x - margin)), y0 = Math.max(0, Math.floor(r.y - margin))
  const x1 = Math.min(img.width, Math.ceil(r.x + r.w + margin)), y1 = Math.min(img.height, Math.ceil(r.y + r.h + margin))
  return { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) }
}

/** Gray crop (0 = ink … 1 = paper) of a rectangle, clipped to the image. */
export function cropGray(img: GrayImage, r: Rect, margin = 0): { data: Float32Array; width: number; height: number } {
  const { x: x0, y: y0, w: width, h: height } = cropRect(img, r, margin)
  const data = new Float32Array(width * height)
  for (let y = 0; y < height; y++) {
    const src = (y0 + y) * img.width + x0
    for (let x = 0; x < width; x++) data[y * width + x] = img.data[src + x] / 255
  }
  return { data, width, height }
}

export async function transcribe(image: GrayImage | LoadedImage, classifier: Classifier, opts: TranscribeOptions = {}): Promise<Transcription> {
  const seg = await segmentPage(image, opts.segment)
  const layout = layoutPage(seg.boxes, opts.layout)
  const n = layout.boxes.length
  const glyphs = new Float32Array(n * GLYPH_PIXELS)
  const margin = Math.round((opts.cropMargin ?? 0.06) * seg.charHeight)
  const isolate = opts.isolateGlyphs ?? true
  layout.boxes.forEach((b, i) => {
    const c = cropGray(seg.normalised, b.box, margin)
    const mask = isolate ? glyphMask(seg, b.box, cropRect(seg.normalised, b.box, margin), opts.isolateHalo) : null
    if (mask) for (let k = 0; k < mask.length; k++) if (!mask[k]) c.data[k] = 1
    normaliseGlyph(c.data, c.width, c.height, glyphs.subarray(i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS))
  })
  const pred = n > 0 ? await classifier.predict(glyphs, n) : null

  // Back to the file's own pixels when the loader downscaled a huge image.
  const scale = 'scale' in image ? image.scale : 1
  const fullW = 'originalWidth' in image ? image.originalWidth : image.width
  const fullH = 'originalHeight' in image ? image.originalHeight : image.height
  const toFile = (r: Rect) => {
    const x = Math.max(0, Math.floor(r.x / scale)), y = Math.max(0, Math.floor(r.y / scale))
    return {
      x, y,
      w: Math.max(1, Math.min(fullW, Math.ceil((r.x + r.w) / scale)) - x),
      h: Math.max(1, Math.min(fullH, Math.ceil((r.y + r.h) / scale)) - y)
    }
  }
  const K = CLASSES.length
  const doc: PageDoc = {
    version: 1,
    image: {
      path: opts.path ?? '',
      width: fullW,
      height: fullH,
      ...(opts.fileBytes ? { sha256: createHash('sha256').update(opts.fileBytes).digest('hex') } : {})
    },
    model: { name: classifier.name },
    boxes: layout.boxes.map((b, i) => {
      const base = { id: `b${i + 1}`, ...toFile(b.box), line: b.line, word: b.word, source: 'detector' as const }
      if (!pred) return base
      const label = pred.labels[i]
      const clamp = (p: number) => Math.min(1, Math.max(0, p))
      return {
        ...base,
        label: CLASSES[label],
        confidence: clamp(pred.probs[i * K + label]),
        top3: [0, 1, 2].map(k => {
          const c = pred.top3[i * 3 + k]
          return { label: CLASSES[c], p: clamp(pred.probs[i * K + c]) }
        })
      }
    }),
    lines: layout.lines.map(l => ({ index: l.index, ...toFile(l) }))
  }
  return { doc: PageDocSchema.parse(doc), segmentation: seg }
}
