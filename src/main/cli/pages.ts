// `glyphdesk transcribe` and `glyphdesk eval-pages`: read a page image into a PageDoc and export
// it; score the page pipeline on a folder of pages with ground-truth text.
import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { PAGE_EXPORTS, type PageExportFormat } from '../export/index.ts'
import { writeFileAtomic } from '../core/atomicFile.ts'
import { loadClassifier } from '../recognize/models.ts'
import { evalPages } from '../read/evalPages.ts'
import { loadImage } from '../vision/image.ts'
import { transcribe } from '../read/transcribe.ts'
import { parseCommand, UsageError } from './args.ts'

const NO_CONTEXT_HELP = '  --no-context  the classifier\'s own reading: no word-context rule for look-alikes (0/O, 1/I, 5/S, 2/Z …)'
export const TRANSCRIBE_USAGE = `usage: glyphdesk transcribe IMAGE [--model MODEL] [--format txt|json|hocr|alto|page] [--out FILE] [--no-context]\n${NO_CONTEXT_HELP}`
export const EVAL_PAGES_USAGE = `usage: glyphdesk eval-pages DIR [--model MODEL] [--json] [--no-context]\n${NO_CONTEXT_HELP}`

export async function transcribeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { model: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, 'no-context': { type: 'boolean' } }, TRANSCRIBE_USAGE)
  const path = positionals[0]
  if (!path) throw new UsageError(TRANSCRIBE_USAGE)
  if (!existsSync(path)) throw new UsageError(`${path} does not exist`)
  if (statSync(path).isDirectory()) throw new UsageError(`${path} is a folder; transcribe reads one page image (eval-pages scores a folder of pages)`)
  const format = (values.format ?? 'txt') as PageExportFormat
  if (!(format in PAGE_EXPORTS)) throw new UsageError(`--format must be one of ${Object.keys(PAGE_EXPORTS).join(', ')}, got "${format}"`)
  const classifier = await loadClassifier(values.model)
  const bytes = await readFile(path)
  const image = await loadImage(bytes, { name: path })
  for (const w of image.warnings) process.stderr.write(`warning: ${w}\n`)
  const started = Date.now()
  const { doc } = await transcribe(image, classifier, { path: resolve(path), fileBytes: bytes, wordContext: !values['no-context'] })
  const text = PAGE_EXPORTS[format]({ ...doc, model: doc.model ?? { name: classifier.name } })
  if (values.out) {
    await writeFileAtomic(values.out, text)
    process.stderr.write(`wrote ${resolve(values.out)} (${doc.boxes.length} characters, model ${classifier.name}, ${Date.now() - started} ms)\n`)
  } else {
    process.stdout.write(text.endsWith('\n') ? text : text + '\n')
    process.stderr.write(`${doc.boxes.length} characters, model ${classifier.name}, ${Date.now() - started} ms\n`)
  }
  return 0
}

export async function evalPagesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { model: { type: 'string' }, json: { type: 'boolean' }, 'no-context': { type: 'boolean' } }, EVAL_PAGES_USAGE)
  const dir = positionals[0]
  if (!dir || !existsSync(dir)) throw new UsageError(`name a folder of page images with .txt ground truth\n${EVAL_PAGES_USAGE}`)
  const classifier = await loadClassifier(values.model)
  const result = await evalPages(dir, classifier, { wordContext: !values['no-context'] })
  if (result.pages.length === 0) throw new UsageError(`${dir} has no page image with a same-name .txt ground truth`)
  if (values.json) {
    process.stdout.write(JSON.stringify({ model: classifier.name, wordContext: !values['no-context'], ...result }) + '\n')
    return 0
  }
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`
  const rows = result.pages.map((p) =>
    `${p.name.padEnd(14)} chars ${String(p.chars).padStart(4)}  boxes ${String(p.boxes).padStart(4)}  lines ${p.linesFound}/${p.linesExpected}  detection ${pct(p.detection.rate)}  CER ${pct(p.cerNoSpace)} (with spaces ${pct(p.cer)})  words ${pct(p.wordAccuracy)}  ${Math.round(p.ms)} ms`)
  const o = result.overall
  rows.push(`${'overall'.padEnd(14)} chars ${String(o.chars).padStart(4)}  boxes ${String(o.boxes).padStart(4)}  detection ${pct(o.detection.rate)}  CER ${pct(o.cerNoSpace)} (with spaces ${pct(o.cer)})  words ${pct(o.wordAccuracy)}`)
  process.stdout.write(`model ${classifier.name}${values['no-context'] ? ' (word context off)' : ''}\n${rows.join('\n')}\n`)
  return 0
}
