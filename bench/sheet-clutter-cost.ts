// Benchmark: what the sheet and clutter steps of issue 12 cost per page. The same pages are read with the
// steps off (sheet finding, rule removal, clutter rejection, the unreadable-page check: the pipeline as it
// was before them) and on (the default), alternately in one run so machine load hits both alike; the
// median of --reps runs per page, and the ratio of the summed medians. Loading the file is included
// (as in pages-vs-tesseract.ts); the model and OpenCV are loaded once before timing.
//   npx tsx bench/sheet-clutter-cost.ts [DIR] [--reps 5] [--model MODEL]
import { readdirSync } from 'node:fs'
import { extname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadClassifier } from '../src/main/recognize/models.ts'
import { transcribe, type TranscribeOptions } from '../src/main/read/transcribe.ts'
import { loadImage } from '../src/main/vision/image.ts'
import { loadOpenCv } from '../src/main/vision/segment.ts'
import { assembleText } from '../src/shared/pagedoc.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { reps: { type: 'string', default: '5' }, model: { type: 'string' } }
})
const DIR = positionals[0] ?? 'resources/samples'
const REPS = Math.max(1, Number(values.reps))
const OFF: TranscribeOptions = {
  sheet: false,
  dropClutter: false,
  segment: { removeRules: false, rejectClutter: false }
}
const ON: TranscribeOptions = {}
const files = readdirSync(DIR)
  .filter((f) => ['.jpg', '.jpeg', '.png'].includes(extname(f).toLowerCase()))
  .sort()
await loadOpenCv()
const classifier = await loadClassifier(values.model)
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
async function read(path: string, opts: TranscribeOptions) {
  const t0 = performance.now()
  const { doc } = await transcribe(await loadImage(path), classifier, { ...opts, path })
  return { ms: performance.now() - t0, text: assembleText(doc) }
}
const rows: { file: string; off: number; on: number; same: boolean }[] = []
for (const f of files) {
  const path = join(DIR, f)
  const a = await read(path, OFF),
    b = await read(path, ON) // warm-up, and whether the text changed
  const off: number[] = [],
    on: number[] = []
  for (let r = 0; r < REPS; r++) {
    off.push((await read(path, OFF)).ms)
    on.push((await read(path, ON)).ms)
  }
  rows.push({ file: f, off: median(off), on: median(on), same: a.text === b.text })
}
console.log(`${DIR}, model ${classifier.name}, median of ${REPS} alternating runs per page`)
console.log('| page | steps off (ms) | steps on (ms) | ratio | same text |')
console.log('|---|---:|---:|---:|---|')
for (const r of rows)
  console.log(
    `| ${r.file} | ${r.off.toFixed(0)} | ${r.on.toFixed(0)} | ${(r.on / r.off).toFixed(2)} | ${r.same ? 'yes' : 'no'} |`
  )
const sOff = rows.reduce((s, r) => s + r.off, 0),
  sOn = rows.reduce((s, r) => s + r.on, 0)
console.log(`| all | ${sOff.toFixed(0)} | ${sOn.toFixed(0)} | ${(sOn / sOff).toFixed(2)} | |`)
