// Benchmark: the hard evaluation pages of issue 12 (`glyphdesk data pages`), per condition, Glyphdesk beside
// Tesseract 5 (`tesseract IMAGE - --psm 6`, Debian's tesseract-ocr: scripts/install-tesseract.sh).
//  - Glyphdesk: exactly `glyphdesk eval-pages DIR` (read/evalPages.ts), grouped by the condition each page has
//    in DIR/manifest.json (read/evalConditions.ts): CER without and with spaces, detection, extra boxes.
//  - Tesseract: its text normalised like pages-vs-tesseract.ts (uppercase, only A–Z 0–9 and single spaces, no
//    empty lines; it is not charged for lower case or punctuation), scored with the same Levenshtein CER
//    and the same line pairing as eval-pages.
//  - Pages with a sheet in the manifest (phone, phone-shadow, light-desk, no-text): characters Glyphdesk put outside
//    the sheet (box centre outside the sheet's quadrilateral), and on no-text pages the characters each system read.
// --steps-off reads with the sheet and clutter steps of issue 12 off (sheet finding, rule removal, clutter
// rejection, the unreadable-page check): the pipeline as it was before them, for a before/after on new sets.
//   npx tsx bench/hard-pages.ts [DIR] [--model MODEL] [--json FILE] [--no-tesseract] [--steps-off]
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { loadClassifier } from '../src/main/recognize/models.ts'
import { alignCounts, evalPages, levenshtein, type PageEval } from '../src/main/read/evalPages.ts'
import { readPageConditions, scoreByCondition, type ConditionScore } from '../src/main/read/evalConditions.ts'
import { transcribe, type TranscribeOptions } from '../src/main/read/transcribe.ts'
import { insideConvex } from '../src/main/vision/geometry.ts'
import { loadImage } from '../src/main/vision/image.ts'
import { loadOpenCv } from '../src/main/vision/segment.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string' },
    json: { type: 'string' },
    'no-tesseract': { type: 'boolean', default: false },
    'steps-off': { type: 'boolean', default: false }
  }
})
const DIR = positionals[0] ?? 'test/fixtures/hard-pages'

const Manifest = z.object({
  command: z.string(),
  seed: z.number(),
  pages: z.array(
    z
      .object({
        file: z.string(),
        text: z.string(),
        condition: z.string(),
        sheet: z.array(z.tuple([z.number(), z.number()])).optional()
      })
      .passthrough()
  )
})
const manifest = Manifest.parse(JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')))
const conditions = (await readPageConditions(DIR))!

function normaliseText(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) =>
      l
        .toUpperCase()
        .replace(/[^A-Z0-9\s]/g, '')
        .replace(/\s+/g, ' ')
        .trim()
    )
    .filter((l) => l.length > 0)
}

/** Scores a text against ground truth the way evalPages does (same CER, same line pairing for detection). */
function scoreText(name: string, predicted: string, gtLines: string[]): PageEval {
  const predLines = normaliseText(predicted)
  const text = predLines.join('\n'),
    gtText = gtLines.join('\n')
  const strip = (s: string) => s.replace(/\s+/g, '')
  const chars = strip(gtText).length
  const det = { matched: 0, missed: 0, extra: 0 }
  const add = (c: { matched: number; missed: number; extra: number }) => {
    det.matched += c.matched
    det.missed += c.missed
    det.extra += c.extra
  }
  if (predLines.length === gtLines.length) gtLines.forEach((g, i) => add(alignCounts(strip(predLines[i]), strip(g))))
  else add(alignCounts(strip(text), strip(gtText)))
  return {
    name,
    cer: levenshtein(text, gtText) / Math.max(1, gtText.length),
    cerNoSpace: levenshtein(strip(text), strip(gtText)) / Math.max(1, chars),
    wordAccuracy: 0,
    linesFound: predLines.length,
    linesExpected: gtLines.length,
    boxes: strip(text).length,
    chars,
    boxesPerLine: [],
    charsPerLine: [],
    detection: { ...det, rate: det.matched / Math.max(1, chars) },
    oracleExact: null,
    ms: 0,
    text
  }
}

await loadOpenCv()
const classifier = await loadClassifier(values.model)
const t0 = performance.now()
const STEPS: TranscribeOptions = values['steps-off']
  ? { sheet: false, dropClutter: false, segment: { removeRules: false, rejectClutter: false } }
  : {}
const ours = await evalPages(DIR, classifier, STEPS)
const oursMs = performance.now() - t0
const oursRows = scoreByCondition(ours.pages, conditions)

// Characters outside the sheet, on the pages that have one, and characters read on pages with no text.
const outside: { page: string; boxes: number; outside: number }[] = []
for (const p of manifest.pages) {
  if (!p.sheet && p.condition !== 'no-text') continue
  const image = await loadImage(join(DIR, p.file))
  const { doc } = await transcribe(image, classifier, { ...STEPS, path: join(DIR, p.file) })
  const out = p.sheet
    ? doc.boxes.filter((b) => !insideConvex(p.sheet!, b.x + b.w / 2, b.y + b.h / 2)).length
    : doc.boxes.length
  outside.push({ page: p.file, boxes: doc.boxes.length, outside: out })
}

let theirsRows: ConditionScore[] | null = null
let tesseractVersion: string | null = null
if (!values['no-tesseract']) {
  const v = spawnSync('tesseract', ['--version'], { encoding: 'utf8' })
  if (v.error || v.status !== 0) {
    console.error('tesseract is not installed: run scripts/install-tesseract.sh, or pass --no-tesseract')
    process.exit(2)
  }
  tesseractVersion = (v.stdout || v.stderr).split('\n')[0].trim()
  const theirs: PageEval[] = []
  for (const p of manifest.pages) {
    const r = spawnSync('tesseract', [join(DIR, p.file), '-', '--psm', '6'], {
      encoding: 'utf8',
      env: { ...process.env, OMP_THREAD_LIMIT: '1' }
    })
    if (r.error || r.status !== 0) throw new Error(`tesseract ${p.file} failed: ${r.error?.message ?? r.stderr}`)
    const gt = normaliseText(readFileSync(join(DIR, p.text), 'utf8'))
    theirs.push(scoreText(p.file.slice(0, -extname(p.file).length), r.stdout, gt))
  }
  theirsRows = scoreByCondition(theirs, conditions)
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`)
console.log(
  `set ${DIR} (${manifest.command}, seed ${manifest.seed}), model ${classifier.name}${values['steps-off'] ? ', sheet and clutter steps off' : ''}`
)
console.log(
  `Glyphdesk ${(oursMs / 1000).toFixed(1)} s for ${ours.pages.length} pages${tesseractVersion ? `; ${tesseractVersion} --psm 6` : ''}`
)
console.log(
  '\n| condition | pages | chars | Glyphdesk CER no spaces | with spaces | detection | extra boxes | Tesseract CER no spaces | with spaces |'
)
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
for (const r of oursRows) {
  const t = theirsRows?.find((x) => x.condition === r.condition)
  const noText = r.chars === 0
  console.log(
    `| ${r.condition} | ${r.pages} | ${r.chars} | ${noText ? `${r.boxes} chars read` : pct(r.cerNoSpace)} | ${pct(r.cer)} | ${pct(r.detection.rate)} | ${r.detection.extra} | ${t ? (noText ? `${t.boxes} chars read` : pct(t.cerNoSpace)) : '—'} | ${t ? pct(t.cer) : '—'} |`
  )
}
console.log('\ncharacters outside the sheet (pages with a sheet, no-text pages; no sheet: every character counts):')
for (const o of outside) console.log(`  ${o.page}: ${o.outside} of ${o.boxes}`)
if (values.json)
  writeFileSync(
    values.json,
    JSON.stringify(
      {
        set: DIR,
        command: manifest.command,
        seed: manifest.seed,
        model: classifier.name,
        ours: oursRows,
        tesseract: theirsRows,
        tesseractVersion,
        outside,
        pages: ours.pages.map(({ text: _t, ...p }) => p)
      },
      null,
      1
    ) + '\n'
  )
