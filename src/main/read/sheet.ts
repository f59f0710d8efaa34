// Reading only the sheet of a photo: when vision/sheet.ts finds a sheet of paper lying on a desk
// (segmentScan), the page is read from the sheet flattened (perspective and turn undone), and every box and
// line is mapped back to the photo file's own pixels, so the app draws it where the person sees the character.
// Nothing outside the sheet is read. Photos without a sheet to cut out (a scan, a page filling the frame) are
// read as they are.
import type { PageDoc } from '../../shared/pagedoc.ts'
import { fileFrame, type GrayImage, type LoadedImage } from '../vision/image.ts'
import type { Rect } from '../vision/layout.ts'
import { sheetRectToFile, type FlatSheet } from '../vision/sheet.ts'
import { turnDegrees } from '../vision/turn.ts'

/**
 * A PageDoc read from the flat sheet (its boxes and lines in the flat sheet's pixels, as transcribe wrote them for
 * the flat image) moved onto `image`'s file: every rectangle is the box around its corners mapped back through
 * the sheet's perspective, and the image size is the file's.
 */
export function sheetDocOnFile(doc: PageDoc, image: GrayImage | LoadedImage, flat: FlatSheet): PageDoc {
  const toFile = (r: Rect): Rect => sheetRectToFile(image, flat, r)
  const { width, height } = fileFrame(image)
  return {
    ...doc,
    image: { ...doc.image, width, height, ...(flat.turn ? { turn: turnDegrees(flat.turn) } : {}) },
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
}
