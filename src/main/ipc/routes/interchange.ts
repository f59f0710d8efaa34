// pages.import: another tool's hOCR, ALTO or PAGE XML plus its page image, opened as a page for review.
// The files come as paths (desktop, CLI-like use) or as bytes (browser upload). Everything is checked by
// interchange/import.ts before anything is kept: a failed import registers no page and writes no file.
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { z } from 'zod'
import type { FileSourceSchema } from '../../../shared/contract.ts'
import type { AppContext } from '../context.ts'
import type { RouteHandlers } from '../registry.ts'
import { importOcrFile, InterchangeError, MAX_FILE_BYTES, readOcrFile } from '../../interchange/import.ts'
import { segmentPage } from '../../vision/segment.ts'
import { segmentationAsRead } from '../../vision/sheet.ts'

type Deps = Pick<AppContext, 'pages' | 'models' | 'userDataDir' | 'settings' | 'onRecent' | 'files'>
type FileSource = z.infer<typeof FileSourceSchema>

function decode(src: Extract<FileSource, { base64: string }>): Buffer {
  const bytes = Buffer.from(src.base64, 'base64')
  if (bytes.length === 0) throw new InterchangeError(`${src.name} is empty`)
  return bytes
}

export function createInterchangeRoutes(d: Deps): Pick<RouteHandlers, 'pages.import'> {
  return {
    'pages.import': async ({ ocr, image, model }) => {
      // Paths are limited like every route's: the data folder or files the person chose, checked first.
      const ocrName = 'path' in ocr ? d.files.check(ocr.path, 'read', 'pages.import') : basename(ocr.name)
      const ocrBytes = 'path' in ocr ? undefined : decode(ocr)
      if (ocrBytes && ocrBytes.length > MAX_FILE_BYTES) await readOcrFile(ocrName, ocrBytes) // refuses with the size message
      // The image: given, or the one the file names, in the file's folder.
      let imagePath: string
      let imageBytes: Buffer | undefined
      if (image && 'path' in image) imagePath = d.files.check(image.path, 'read', 'pages.import')
      else if (image) {
        imagePath = basename(image.name)
        imageBytes = decode(image)
      } else {
        if (!('path' in ocr)) throw new InterchangeError(`choose the page image together with ${ocrName}`)
        const named = (await readOcrFile(ocrName)).imageFile
        if (!named)
          throw new InterchangeError(`${basename(ocrName)} names no image; choose the page image it was made from`)
        // The image the chosen OCR file names, beside it (a base name only: never another folder), is chosen with it.
        imagePath = join(dirname(ocrName), basename(named.replace(/\\/g, '/')))
        imageBytes = await readFile(imagePath).catch(() => {
          throw new InterchangeError(
            `${basename(ocrName)} names the image ${basename(named)}, which is not beside it; choose the page image it was made from`
          )
        })
      }
      // Decoding and segmentation in the page worker, as for pages.open.
      // Words without glyph boxes are cut into glyphs by the reading stage, with the model the page would be read with.
      const classifier = await d.models.classifier(model)
      const r = await importOcrFile(ocrName, imagePath, { ocrBytes, imageBytes, inWorker: true, classifier })
      // importOcrFile's segmentation is already the page as read (turned when the file says its text lies turned).
      const seg = r.segmentation ?? (await segmentationAsRead(r.image, await segmentPage(r.image), r.doc.image.turn))
      // Only now, with the import whole, is anything kept: an uploaded image under the user data folder
      // (so a saved project finds it again), then the page session.
      let kept = r.doc.image.path
      if (image && !('path' in image)) {
        const dir = join(d.userDataDir, 'pages')
        await mkdir(dir, { recursive: true })
        kept = join(
          dir,
          `${createHash('sha256').update(r.imageBytes).digest('hex').slice(0, 12)}-${basename(image.name).replace(/[^A-Za-z0-9._-]/g, '_')}`
        )
        await writeFile(kept, r.imageBytes)
      }
      const doc = { ...r.doc, image: { ...r.doc.image, path: kept } }
      if (!image && 'path' in ocr) d.files.grant(kept, 'read') // so pages.attach finds it again
      const session = d.pages.register(kept, r.imageBytes, r.image, seg)
      if ('path' in ocr) {
        await d.settings.addRecent(ocrName)
        d.onRecent?.(ocrName)
      }
      return {
        pageId: session.pageId,
        doc,
        glyphs: d.pages.previews(session, doc.boxes),
        warnings: r.image.warnings,
        report: r.report
      }
    }
  }
}
