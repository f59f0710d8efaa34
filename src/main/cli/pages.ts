// `glyphdesk transcribe` and `glyphdesk eval-pages`: read a page image into a PageDoc and export
// it; score the page pipeline on a folder of pages with ground-truth text.
import { existsSync, statSync } from 'node:fs'
import { availableParallelism, freemem } from 'node:os'
import { resolve } from 'node:path'
import { PAGE_EXPORTS, type PageExportFormat } from '../export/index.ts'
import { numberOption, parseCommand, UsageError } from './args.ts'
import { collectPages, defaultBatchWorkers, parseShard, runBatch, shardPages, WORKER_MEMORY_MB } from './batch.ts'
import type { PageReading } from '../read/pageFile.ts'
import { prefetchOpenCvWasm } from '../vision/opencvRuntime.ts'

// The image decoder (sharp), OpenCV and the models load inside the commands, so `--help` and usage
// errors answer without them.
const reading = () =>
  Promise.all([
    import('../recognize/models.ts'),
    import('../vision/segment.ts'),
    import('../read/pageFile.ts'),
    import('../core/atomicFile.ts')
  ])

const NO_CONTEXT_HELP = `  --lm on|off   the decoder's character language model (default on): with it, look-alikes (0/O, 1/I, 5/S …),
                cuts of touching letters and close word gaps are decided by their context too
  --lm-weight W its weight against the classifier (default 0.3; see docs/BENCHMARKS.md)
  --no-context  the same as --lm off: the classifier's own reading of each segment
  --touching on|off  the touching-letter model's opinion on boxes the reader cuts (default on; docs/MODELS.md)
  --pairs on|off  the pair reader: a box read as two letters where that makes a misread token a word (default on)
  --segment-score on|off  the learned score of candidate segments (default on); off: the hand-set shape prior
  --orientation on|off  read a page lying sideways or upside down turned upright (default on); off: as it lies`
export const TRANSCRIBE_USAGE = `usage: glyphdesk transcribe IMAGE [--model MODEL] [--format txt|json|hocr|alto|page] [--out FILE] [--lm on|off] [--lm-weight W] [--touching on|off] [--pairs on|off]
       glyphdesk transcribe IMAGE|FOLDER... [--manifest FILE]... --out-dir DIR [--workers N] [--shard I/N] [--force]
           [--model MODEL] [--format txt|json|hocr|alto|page] [--lm on|off] [--lm-weight W]
${NO_CONTEXT_HELP}
  batch: every image given, every image under each FOLDER (recursively) and every line of each --manifest
  (image paths relative to the manifest's folder; # comments) is read into DIR, mirroring the folders, one
  process, pages spread over --workers threads (default: one per core, fewer where each would not have ~512 MB
  of memory). Each output is written atomically as its page finishes; a rerun skips pages that have an output
  unless --force. --shard I/N (0 ≤ I < N) reads every N-th page from the I-th: N machines given 0/N … N-1/N
  split the list with no overlap.
  A multi-page TIFF is read page by page: with --out-dir each page gets its own output (NAME-p1 … NAME-pN);
  alone, its pages' text is written in one, a form feed between two pages.`
export const EVAL_PAGES_USAGE = `usage: glyphdesk eval-pages DIR [--model MODEL] [--json] [--lm on|off] [--lm-weight W] [--touching on|off] [--pairs on|off] [--segment-score on|off] [--decoder off]
${NO_CONTEXT_HELP}
  --decoder off the reading before the page decoder (detector boxes, page-wide word gaps, look-alike rule), to compare`

const READING_OPTIONS = {
  lm: { type: 'string' },
  'lm-weight': { type: 'string' },
  'no-context': { type: 'boolean' },
  touching: { type: 'string' },
  pairs: { type: 'string' },
  'segment-score': { type: 'string' },
  orientation: { type: 'string' }
} as const

/** --lm on|off, --lm-weight W and --no-context as the decoder's reading options. */
function readingOptions(values: {
  lm?: string
  'lm-weight'?: string
  'no-context'?: boolean
  touching?: string
  pairs?: string
  'segment-score'?: string
  orientation?: string
}): PageReading {
  for (const flag of ['lm', 'touching', 'pairs', 'segment-score', 'orientation'] as const) {
    const v = values[flag]
    if (v !== undefined && v !== 'on' && v !== 'off') throw new UsageError(`--${flag} must be on or off, got "${v}"`)
  }
  if (values['no-context'] && values.lm === 'on') throw new UsageError('--no-context and --lm on contradict each other')
  const lm = values.lm === undefined ? !values['no-context'] : values.lm === 'on'
  const w = values['lm-weight'] !== undefined ? numberOption(values, 'lm-weight', 0, { min: 0, max: 100 }) : undefined
  return {
    lm,
    ...(w !== undefined ? { lmWeight: w } : {}),
    ...(values.touching === 'off' ? { touching: false } : {}),
    ...(values.pairs === 'off' ? { pairs: false } : {}),
    ...(values['segment-score'] === 'off' ? { segmentScore: false } : {}),
    ...(values.orientation === 'off' ? { orientation: false } : {})
  }
}

export async function transcribeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    {
      model: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      ...READING_OPTIONS,
      'out-dir': { type: 'string' },
      manifest: { type: 'string', multiple: true },
      workers: { type: 'string' },
      shard: { type: 'string' },
      force: { type: 'boolean' }
    },
    TRANSCRIBE_USAGE
  )
  const format = values.format ?? 'txt'
  if (!isPageExportFormat(format))
    throw new UsageError(`--format must be one of ${Object.keys(PAGE_EXPORTS).join(', ')}, got "${format}"`)
  const manifests = values.manifest ?? []
  const batch =
    values['out-dir'] !== undefined ||
    manifests.length > 0 ||
    positionals.length > 1 ||
    (positionals.length === 1 && existsSync(positionals[0]) && statSync(positionals[0]).isDirectory())
  if (batch) return transcribeBatch(positionals, manifests, format, values)
  for (const flag of ['workers', 'shard', 'force'] as const)
    if (values[flag] !== undefined) throw new UsageError(`--${flag} is for batch reading: give --out-dir DIR`)

  const path = positionals[0]
  if (!path) throw new UsageError(TRANSCRIBE_USAGE)
  if (!existsSync(path)) throw new UsageError(`${path} does not exist`)
  // OpenCV's wasm compiles on V8's background threads while this thread imports the reading modules.
  prefetchOpenCvWasm()
  // The image decodes on libuv's thread pool (sharp) while this thread loads the model and OpenCV.
  // onnxruntime-node builds its session (and runs it) on the calling thread: its promises only defer the
  // synchronous native call to setImmediate, so the session and OpenCV's set-up do not overlap.
  const [{ loadClassifier }, { loadOpenCv }, { loadPageFile, pageOfFile, readLoadedPage }, { writeFileAtomic }] =
    await reading()
  const [classifier, page] = await Promise.all([loadClassifier(values.model), loadPageFile(path, 0), loadOpenCv()])
  const pageCount = page.image.pages
  if (pageCount > 1 && format !== 'txt')
    throw new UsageError(
      `${path} holds ${pageCount} pages: give --out-dir DIR for a ${format} file per page, or --format txt for ` +
        `their text in one (pages separated by form feeds)`
    )
  const started = Date.now()
  const texts: string[] = []
  let chars = 0
  for (let k = 0; k < pageCount; k++) {
    const one = await readLoadedPage(
      k === 0 ? page : await pageOfFile(page, k),
      classifier,
      format,
      readingOptions(values)
    )
    for (const w of one.warnings) process.stderr.write(`warning: ${pageCount > 1 ? `page ${k + 1}: ` : ''}${w}\n`)
    texts.push(one.text.endsWith('\n') || k === pageCount - 1 ? one.text : one.text + '\n')
    chars += one.chars
  }
  // A multi-page TIFF's pages in one text, a form feed between two pages (as other OCR tools write them).
  const text = texts.join('\f')
  if (values.out) {
    await writeFileAtomic(values.out, text)
    process.stderr.write(
      `wrote ${resolve(values.out)} (${chars} characters, model ${classifier.name}, ${Date.now() - started} ms)\n`
    )
  } else {
    process.stdout.write(text.endsWith('\n') ? text : text + '\n')
    process.stderr.write(`${chars} characters, model ${classifier.name}, ${Date.now() - started} ms\n`)
  }
  return 0
}

function isPageExportFormat(f: string): f is PageExportFormat {
  return f in PAGE_EXPORTS
}

async function transcribeBatch(
  inputs: string[],
  manifests: string[],
  format: PageExportFormat,
  values: {
    model?: string
    'out-dir'?: string
    out?: string
    workers?: string
    shard?: string
    force?: boolean
    lm?: string
    'lm-weight'?: string
    'no-context'?: boolean
  }
): Promise<number> {
  const outDir = values['out-dir']
  if (!outDir && inputs.length === 1 && manifests.length === 0)
    throw new UsageError(
      `${inputs[0]} is a folder; transcribe reads one page image, or every page of a folder with --out-dir DIR`
    )
  if (!outDir)
    throw new UsageError(`reading several pages, a folder or a manifest needs --out-dir DIR\n${TRANSCRIBE_USAGE}`)
  if (values.out) throw new UsageError('--out names one output file; with --out-dir each page gets its own')
  if (inputs.length === 0 && manifests.length === 0)
    throw new UsageError(`name images, folders or --manifest FILE\n${TRANSCRIBE_USAGE}`)
  // Read once: the count and the line that explains it name the same figures.
  const cores = availableParallelism(),
    free = freemem()
  const byDefault = defaultBatchWorkers(cores, free)
  const workers = numberOption(values, 'workers', byDefault.workers, { min: 1, max: 256, integer: true })
  const shard = values.shard !== undefined ? parseShard(values.shard) : undefined
  const { pages: all, sourceDirs } = collectPages(inputs, manifests)
  // Text outputs named like the images would overwrite ground-truth .txt files kept beside them.
  if (sourceDirs.includes(resolve(outDir)))
    throw new UsageError(`--out-dir ${outDir} is a folder the pages come from; choose a separate folder`)
  const pages = shardPages(all, shard)
  const log = (line: string) => process.stderr.write(line + '\n')
  if (shard) log(`shard ${shard.index}/${shard.count}: ${pages.length} of ${all.length} pages`)
  if (values.workers === undefined && byDefault.limitedBy === 'memory')
    log(
      `${workers} worker${workers === 1 ? '' : 's'} for ${cores} cores: ${(free / 2 ** 30).toFixed(1)} GB ` +
        `of memory available, ~${WORKER_MEMORY_MB} MB a worker (--workers N sets the count)`
    )
  const controller = new AbortController()
  const interrupt = () => {
    log('interrupted: stopping; pages in flight are not written, finished ones are kept')
    controller.abort()
  }
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  try {
    const r = await runBatch(pages, {
      outDir,
      workers,
      force: values.force ?? false,
      format,
      model: values.model,
      ...readingOptions(values),
      log,
      signal: controller.signal
    })
    const rate = r.read > 0 && r.seconds > 0 ? r.read / r.seconds : 0
    log(
      `${r.read} pages read, ${r.skipped} skipped (done before), ${r.failed.length} failed, in ${r.seconds.toFixed(1)} s` +
        (r.read > 0
          ? ` on ${r.workers} worker${r.workers === 1 ? '' : 's'}: ${rate.toFixed(2)} pages/s, ${(rate / r.workers).toFixed(2)} per worker (model ${r.model})`
          : '')
    )
    if (r.interrupted) return 130
    return r.failed.length > 0 ? 1 : 0
  } finally {
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
  }
}

export async function evalPagesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    { model: { type: 'string' }, json: { type: 'boolean' }, decoder: { type: 'string' }, ...READING_OPTIONS },
    EVAL_PAGES_USAGE
  )
  const dir = positionals[0]
  if (!dir || !existsSync(dir))
    throw new UsageError(`name a folder of page images with .txt ground truth\n${EVAL_PAGES_USAGE}`)
  const [
    [{ loadClassifier }, , { readingTranscribeOptions }],
    { evalPages },
    { readPageConditions, scoreByCondition }
  ] = await Promise.all([reading(), import('../read/evalPages.ts'), import('../read/evalConditions.ts')])
  const classifier = await loadClassifier(values.model)
  if (values.decoder !== undefined && values.decoder !== 'on' && values.decoder !== 'off')
    throw new UsageError(`--decoder must be on or off, got "${values.decoder}"`)
  const readOpts = readingOptions(values)
  const decode = values.decoder !== 'off'
  const result = await evalPages(dir, classifier, {
    ...readingTranscribeOptions(readOpts),
    decode,
    wordContext: readOpts.lm
  })
  if (result.pages.length === 0) throw new UsageError(`${dir} has no page image with a same-name .txt ground truth`)
  // A set made by `glyphdesk data pages` names each page's condition in its manifest.json.
  const conditions = await readPageConditions(dir)
  const byCondition = conditions ? scoreByCondition(result.pages, conditions) : undefined
  if (values.json) {
    process.stdout.write(
      JSON.stringify({ model: classifier.name, decoder: decode, ...readOpts, ...result, byCondition }) + '\n'
    )
    return 0
  }
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`
  const rows = result.pages.map(
    (p) =>
      `${p.name.padEnd(14)} chars ${String(p.chars).padStart(4)}  boxes ${String(p.boxes).padStart(4)}  lines ${p.linesFound}/${p.linesExpected}  detection ${pct(p.detection.rate)}  CER ${pct(p.cerNoSpace)} (with spaces ${pct(p.cer)})  words ${pct(p.wordAccuracy)}  ${Math.round(p.ms)} ms`
  )
  const o = result.overall
  rows.push(
    `${'overall'.padEnd(14)} chars ${String(o.chars).padStart(4)}  boxes ${String(o.boxes).padStart(4)}  detection ${pct(o.detection.rate)}  CER ${pct(o.cerNoSpace)} (with spaces ${pct(o.cer)})  words ${pct(o.wordAccuracy)}`
  )
  if (byCondition) {
    const opt = (v: number | null) => (v === null ? '—' : pct(v))
    rows.push('', 'per condition (manifest.json):')
    for (const c of byCondition)
      rows.push(
        `${c.condition.padEnd(16)} pages ${String(c.pages).padStart(2)}  chars ${String(c.chars).padStart(5)}  boxes ${String(c.boxes).padStart(5)}  CER ${opt(c.cerNoSpace)} (with spaces ${opt(c.cer)})  detection ${opt(c.detection.rate)}  extra boxes ${c.detection.extra}`
      )
  }
  process.stdout.write(
    `model ${classifier.name}${decode ? '' : ', decoder off'}${readOpts.touching === false ? ', touching model off' : ''}${readOpts.pairs === false ? ', pair reader off' : ''}${readOpts.segmentScore === false ? ', hand-set candidate prior' : ''}${readOpts.orientation === false ? ', orientation off' : ''}${readOpts.lm ? `, language model on${readOpts.lmWeight !== undefined ? ` (weight ${readOpts.lmWeight})` : ''}` : ', language model off'}\n${rows.join('\n')}\n`
  )
  return 0
}
