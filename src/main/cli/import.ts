// `glyphdesk import`: another tool's hOCR, ALTO or PAGE XML plus its page image → a PageDoc JSON whose labels
// are marked as that tool's (interchange/import.ts). Nothing is written unless the whole import succeeds.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { isPageExportFormat, PAGE_EXPORTS } from '../export/index.ts'
import { importOcrFile } from '../interchange/import.ts'
import { loadClassifier } from '../recognize/models.ts'
import { writeFileAtomic } from '../core/atomicFile.ts'
import { parseCommand, UsageError } from './args.ts'

export const IMPORT_USAGE = `usage: glyphdesk import FILE.xml|FILE.hocr --image IMAGE [--out PAGEDOC.json] [--format json|txt|hocr|alto|page] [--model MODEL] [--report]
  FILE     PAGE XML (2013-07-15 … 2019-07-15), ALTO (v2–v4) or hOCR, as Tesseract, Kraken, eScriptorium or Transkribus write them
  --image  the page image the file was made from (its size must be the one the file states)
  --out    where to write the result (default: standard output); --format picks what (default json, the PageDoc)
  --model  the model whose reading stage cuts the file's words that have no glyph boxes into glyphs (touching
           letters cut, broken ones joined; default: the default model)
  --report print what was imported (words, glyph boxes from the file, aligned and unaligned words) to standard error as JSON`

export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    {
      image: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      model: { type: 'string' },
      report: { type: 'boolean' }
    },
    IMPORT_USAGE
  )
  const file = positionals[0]
  if (!file || positionals.length > 1) throw new UsageError(IMPORT_USAGE)
  if (!values.image) throw new UsageError(`--image is required: the page image ${file} describes\n${IMPORT_USAGE}`)
  if (!existsSync(file)) throw new UsageError(`${file} does not exist`)
  if (!existsSync(values.image)) throw new UsageError(`${values.image} does not exist`)
  const format = values.format ?? 'json'
  if (!isPageExportFormat(format))
    throw new UsageError(`--format must be one of ${Object.keys(PAGE_EXPORTS).join(', ')}, got "${format}"`)
  const { doc, report, image } = await importOcrFile(file, values.image, {
    classifier: await loadClassifier(values.model)
  })
  for (const w of image.warnings) process.stderr.write(`warning: ${w}\n`)
  const text = PAGE_EXPORTS[format](doc)
  const summary =
    `${report.version} by ${report.tool}: ${report.lines} lines, ${report.words} words, ${report.boxes} glyph boxes ` +
    `(${report.wordsWithFileGlyphs} words with the file's glyph boxes, ${report.alignedWords} segmented and aligned, ${report.unalignedWords} not aligned, ${report.emptyWords} with no glyph found)`
  if (values.out) {
    await writeFileAtomic(values.out, text)
    process.stderr.write(`wrote ${resolve(values.out)}: ${summary}\n`)
  } else {
    process.stdout.write(text.endsWith('\n') ? text : text + '\n')
    process.stderr.write(`${summary}\n`)
  }
  if (values.report) process.stderr.write(JSON.stringify(report) + '\n')
  return 0
}
