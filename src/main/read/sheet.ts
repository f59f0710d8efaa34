// Reading only the sheet of a photo: when vision/sheet.ts finds a sheet of paper lying on a desk, the page
// is read from the sheet flattened (perspective and turn undone), and every box and line is mapped back
// to the photo file's own pixels, so the app draws it where the person sees the character. Nothing outside
// the sheet is read. Photos without a sheet to cut out (a scan, a page filling the frame) return null and
// are read as they are.
import type { PageDoc } from '../../shared/pagedoc.ts'
import { mapRect } from '../vision/geometry.ts'
import type { GrayImage, LoadedImage } from '../vision/image.ts'
import type { Rect } from '../vision/layout.ts'
import type { SegmentResult } from '../vision/segment.ts'
import { findSheet, flattenSheet, type FlatSheet } from '../vision/sheet.ts'

export interface SheetReading<T extends FlatReading = FlatReading> {
  doc: PageDoc
  /** What `read` returned for the flat sheet besides the document (e.g. transcribe's glyphs, in box order). */
  flat: T
  /** The segmentation of the flattened sheet (its boxes are in the flat sheet's pixels). */
  segmentation: SegmentResult
  sheet: FlatSheet
}

/**
 * Finds the sheet; when there is one, reads it flat with `read` and maps the PageDoc back onto `image`'s
 * file. `read` is transcribe with the sheet step off (passed in: transcribe calls this module).
 */
export interface FlatReading {
  doc: PageDoc
  segmentation: SegmentResult
}

export async function readInsideSheet<T extends FlatReading>(
  image: GrayImage | LoadedImage,
  read: (flat: GrayImage) => Promise<T>
): Promise<SheetReading<T> | null> {
  const sheet = await findSheet(image)
  if (!sheet) return null
  const flat = await flattenSheet(image, sheet)
  const reading = await read(flat.image)
  const { doc, segmentation } = reading
  const scale = 'scale' in image ? image.scale : 1
  const fullW = 'originalWidth' in image ? image.originalWidth : image.width
  const fullH = 'originalHeight' in image ? image.originalHeight : image.height
  const toFile = (r: Rect): Rect => {
    const m = mapRect(flat.toImage, r)
    const x0 = Math.max(0, Math.floor(m.x / scale)),
      y0 = Math.max(0, Math.floor(m.y / scale))
    const x1 = Math.min(fullW, Math.ceil((m.x + m.w) / scale)),
      y1 = Math.min(fullH, Math.ceil((m.y + m.h) / scale))
    return { x: Math.min(x0, fullW - 1), y: Math.min(y0, fullH - 1), w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) }
  }
  const mapped: PageDoc = {
    ...doc,
    image: { ...doc.image, width: fullW, height: fullH },
    boxes: doc.boxes.map((b) => ({ ...b, ...toFile(b) })),
    lines: doc.lines.map((l) => ({ ...l, ...toFile(l) })),
    ...(doc.decoding
      ? {
          decoding: {
            ...doc.decoding,
            lines: doc.decoding.lines.map((l) => ({
              ...l,
              candidates: l.candidates.map((c) => ({ ...c, ...toFile(c) }))
            }))
          }
        }
      : {})
  }
  return { doc: mapped, segmentation, sheet: flat, flat: reading }
}
