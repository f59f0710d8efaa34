// One page from image file to export text: what `glyphdesk transcribe` does for a single page and
// what each batch worker does for every page it is sent.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { PAGE_EXPORTS, type PageExportFormat } from '../export/index.ts'
import { writeFileAtomic } from '../nn/serialise.ts'
import type { Classifier } from '../recognize/classifier.ts'
import { loadImage } from '../vision/image.ts'
import { transcribe } from '../vision/transcribe.ts'

export async function readPage(path: string, classifier: Classifier, format: PageExportFormat, wordContext: boolean): Promise<{ text: string; chars: number; warnings: string[] }> {
  const bytes = await readFile(path)
  const image = await loadImage(bytes)
  const { doc } = await transcribe(image, classifier, { path: resolve(path), fileBytes: bytes, wordContext })
  const text = PAGE_EXPORTS[format]({ ...doc, model: doc.model ?? { name: classifier.name } })
  return { text, chars: doc.boxes.length, warnings: image.warnings }
}

/** Reads the page and writes its export atomically: the output file exists only once it is complete. */
export async function readPageToFile(path: string, output: string, classifier: Classifier, format: PageExportFormat, wordContext: boolean): Promise<{ chars: number; warnings: string[] }> {
  const { text, chars, warnings } = await readPage(path, classifier, format, wordContext)
  await writeFileAtomic(output, text)
  return { chars, warnings }
}
