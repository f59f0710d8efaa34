// One page from image file to export text: what `glyphdesk transcribe` does for a single page and
// what each batch worker does for every page it is sent.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { PAGE_EXPORTS, type PageExportFormat } from '../export/index.ts'
import { writeFileAtomic } from '../core/atomicFile.ts'
import type { Classifier } from '../recognize/classifier.ts'
import { loadImage, type LoadedImage } from '../vision/image.ts'
import { transcribe, type TranscribeOptions } from './transcribe.ts'

/** How the decoder reads: with the language model or without, and its weight (default: transcribe's). */
export interface PageReading {
  lm: boolean
  lmWeight?: number
  /** The touching-letter model on cut boxes (default on; transcribe.ts#TranscribeOptions.touching). */
  touching?: boolean
  /** The pair reader for the word rescue (default on; transcribe.ts#TranscribeOptions.pairs). */
  pairs?: boolean
  /** The learned candidate score (default on; transcribe.ts#TranscribeOptions.segmentScore); off: the hand-set prior. */
  segmentScore?: boolean
  /** Pages lying sideways or upside down read turned upright (default on; read/orientation.ts); off: as they lie. */
  orientation?: boolean
}

/**
 * A page reading as transcribe's options: the one place `touching: false` becomes "no touching model" (and
 * `pairs: false` "no pair reader") and
 * `segmentScore: false` "the hand-set candidate prior".
 */
export function readingTranscribeOptions(
  reading: PageReading
): Pick<TranscribeOptions, 'lm' | 'lmWeight' | 'touching' | 'pairs' | 'segmentScore' | 'orientation'> {
  return {
    lm: reading.lm,
    ...(reading.lmWeight !== undefined ? { lmWeight: reading.lmWeight } : {}),
    ...(reading.touching === false ? { touching: null } : {}),
    ...(reading.pairs === false ? { pairs: null } : {}),
    ...(reading.segmentScore === false ? { segmentScore: null } : {}),
    ...(reading.orientation === false ? { orientation: false as const } : {})
  }
}

export interface PageFile {
  path: string
  bytes: Buffer
  image: LoadedImage
}

/**
 * Reads and decodes the image (sharp decodes on libuv's thread pool, so this overlaps other loading); `page`
 * picks a page of a multi-page TIFF (from 0; without it, the first, with a warning when there are more).
 */
export async function loadPageFile(path: string, page?: number): Promise<PageFile> {
  const bytes = await readFile(path)
  return { path, bytes, image: await loadImage(bytes, { name: path, ...(page !== undefined ? { page } : {}) }) }
}

/** Decodes another page of a file already read (a multi-page TIFF's pages share its bytes). */
export async function pageOfFile(file: PageFile, page: number): Promise<PageFile> {
  return { ...file, image: await loadImage(file.bytes, { name: file.path, page }) }
}

export async function readLoadedPage(
  page: PageFile,
  classifier: Classifier,
  format: PageExportFormat,
  reading: PageReading
): Promise<{ text: string; chars: number; warnings: string[] }> {
  const { doc } = await transcribe(page.image, classifier, {
    path: resolve(page.path),
    fileBytes: page.bytes,
    ...readingTranscribeOptions(reading)
  })
  const text = PAGE_EXPORTS[format]({ ...doc, model: doc.model ?? { name: classifier.name } })
  return { text, chars: doc.boxes.length, warnings: page.image.warnings }
}

export async function readPage(
  path: string,
  classifier: Classifier,
  format: PageExportFormat,
  reading: PageReading,
  page?: number
): Promise<{ text: string; chars: number; warnings: string[] }> {
  return readLoadedPage(await loadPageFile(path, page), classifier, format, reading)
}

/**
 * Reads the page and writes its export atomically: the output file exists only once it is complete. For batch
 * workers, whose batch removes dead writers' temporaries once at its start.
 */
export async function readPageToFile(
  path: string,
  output: string,
  classifier: Classifier,
  format: PageExportFormat,
  reading: PageReading,
  page?: number
): Promise<{ chars: number; warnings: string[] }> {
  const { text, chars, warnings } = await readPage(path, classifier, format, reading, page)
  // The batch swept its output folders of dead writers' temporaries when it started (cli/batch.ts).
  await writeFileAtomic(output, text, { sweep: false })
  return { chars, warnings }
}
