// Benchmark for issue 12's decoder: character error rates per condition of a hard page set (glyphdesk data
// pages), for the reading before the decoder and the decoder with the language model off and on, in one run.
// Every page is loaded and segmented once; each configuration then reads it from that segmentation
// (transcribe's own code path), so the configurations differ only in what they decide. The condition of a
// page is its file name up to the last "-NN". Times: loading + segmentation (once), then transcribe from that segmentation
// summed, per configuration (ratios in the same run are what count on a shared machine).
//   npx tsx bench/decode-conditions.ts DIR [--configs old,nolm,lm,lm-nolex,lm-notouch] [--lm-weight W] [--json]
//      [--lm-file FILE]        another character model (scripts/build-char-lm.ts) for the lm configurations
//      [--touching DIR|off]   the model that reads boxes the lattice cuts (default: the shipped one)
//      [--pairs DIR|off]      the pair reader the decoder and the word rescue use (default: the shipped one); pairs.off=1 in a
//                              configuration reads without it, pairs.cuts=0 asks it about no cut piece
//      [--changes]            print to stderr the lines the first and the last configuration read differently
//      [--set key=value ...]   decoder/shape/gaps/touching knobs for tuning, e.g. --set decoder.segmentBonus=1.5,
//                              touching.weight=0.65, touching.peak=4 (the touching model's certainty as a prior), touching.merges=1,
//                              touching.unsure=0.9 and touching.sure=0.9 (the weight where the page's classifier is below `sure`)
// A configuration may carry its own knobs after "+": --configs lm,lm+decoder.lookalikeMin=0.01+decoder.beam=64
// compares settings on one segmentation of each page.
import { readFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadClassifier } from '../src/main/recognize/models.ts'
import { levenshtein } from '../src/main/read/evalPages.ts'
import { loadCharLm } from '../src/main/read/charLm.ts'
import { defaultCharLm, lexicon } from '../src/main/read/readLines.ts'
import { parseSegmentScore } from '../src/main/read/segmentCrf.ts'
import { loadPairReader } from '../src/main/read/pairReader.ts'
import { transcribe, type TranscribeOptions } from '../src/main/read/transcribe.ts'
import { loadImage } from '../src/main/vision/image.ts'
import { segmentScan } from '../src/main/vision/sheet.ts'
import { assembleText } from '../src/shared/pagedoc.ts'
import { knobOptions, knobs } from './knobs.ts'
import { pageImages } from './pageFiles.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    configs: { type: 'string', default: 'old,nolm,lm' },
    'lm-weight': { type: 'string' },
    'lm-file': { type: 'string' },
    model: { type: 'string' },
    set: { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
    show: { type: 'boolean', default: false },
    changes: { type: 'boolean', default: false },
    touching: { type: 'string' },
    pairs: { type: 'string' },
    'segment-score': { type: 'string' },
    only: { type: 'string' }
  }
})
const dir = positionals[0]
if (!dir) throw new Error('usage: npx tsx bench/decode-conditions.ts DIR [--configs old,nolm,lm]')

const k = knobs(values.set ?? [])
// `--lm-file FILE`: another character model (scripts/build-char-lm.ts --out) in place of the shipped one.
const lmFile = values['lm-file'] ? loadCharLm(values['lm-file'], { digitClass: true }) : undefined

function config(spec: string): TranscribeOptions {
  const [name, ...own] = spec.split('+')
  const o = knobs(own)
  const groups: Record<string, Record<string, number>> = { ...k }
  for (const g of Object.keys(o)) groups[g] = { ...k[g], ...o[g] }
  const tuned: TranscribeOptions = {
    ...knobOptions(groups),
    ...(values['lm-weight'] ? { lmWeight: Number(values['lm-weight']) } : {})
  }
  // `--segment-score FILE` (a model, or a card with one), unless `segscore.off=1` asks for the hand-set priors.
  if (values['segment-score'] && !groups['segscore']?.off)
    tuned.segmentScore = parseSegmentScore(JSON.parse(readFileSync(values['segment-score'], 'utf8')))
  if (name === 'old') return { decode: false }
  if (name === 'nolm') return { ...tuned, lm: false }
  if (name === 'lm') return { ...tuned, lm: lmFile ?? true }
  if (name === 'lm-nolex') return { ...tuned, lm: true, lexicon: null }
  if (name === 'lm-notouch') return { ...tuned, lm: true, touching: null }
  throw new Error(`unknown config ${name}`)
}

interface Score {
  chars: number
  charsSp: number
  errs: number
  errsSp: number
}

async function main() {
  const names = values.configs.split(',')
  const classifier = await loadClassifier(values.model)
  // --touching DIR reads cut and merged boxes with that model instead of the shipped one; 'off' with none.
  const touching =
    values.touching === undefined ? undefined : values.touching === 'off' ? null : await loadClassifier(values.touching)
  const pairs =
    values.pairs === undefined ? undefined : values.pairs === 'off' ? null : await loadPairReader(values.pairs)
  // Loaded once per process like the classifier, so not charged to the first page.
  defaultCharLm()
  lexicon()
  const files = pageImages(dir, values.only)
  const table = new Map<string, Map<string, Score>>()
  const ms = new Map<string, number>()
  // Each page's errors without spaces per configuration, for paired comparisons (bench/compare-runs.ts).
  const pages: Record<string, { condition: string; chars: number; errs: Record<string, number> }> = {}
  let segMs = 0
  const strip = (s: string) => s.replace(/\s+/g, '')
  for (const f of files) {
    const name = f.slice(0, -extname(f).length)
    const cond = name.replace(/-\d+$/, '')
    const gt = readFileSync(join(dir, `${name}.txt`), 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/\s+/g, ' '))
      .filter((l) => l.length > 0)
      .join('\n')
    const t0 = performance.now()
    const image = await loadImage(readFileSync(join(dir, f)), { name: f })
    // As transcribe segments: a photo's sheet is found and read flat (before 2026-12-03 this bench used
    // segmentPage, which read phone photos with their desk: its phone rows and overall were not the pipeline's).
    const seg = await segmentScan(image)
    segMs += performance.now() - t0
    let firstText: string | undefined
    for (const c of names) {
      const t0 = performance.now()
      const cfg = config(c)
      const { doc } = await transcribe(image, classifier, {
        ...(touching !== undefined && cfg.touching === undefined ? { touching } : {}),
        ...(pairs !== undefined && cfg.pairs === undefined ? { pairs } : {}),
        ...cfg,
        segmentation: seg
      })
      ms.set(c, (ms.get(c) ?? 0) + performance.now() - t0)
      const text = assembleText(doc)
      if (values.show && c === names[names.length - 1] && text !== gt)
        console.log(`${name} [${c}]\n${text}\n--- truth\n${gt}\n`)
      firstText ??= text
      if (values.changes && c === names[names.length - 1] && text !== firstText) {
        // The lines the first and the last configuration read differently, each with its truth.
        const a = firstText.split('\n'),
          b = text.split('\n'),
          t = gt.split('\n')
        for (let k = 0; k < Math.max(a.length, b.length); k++)
          if (a[k] !== b[k])
            console.error(
              `${name}:${k + 1}\n  ${names[0]}: ${a[k] ?? ''}\n  ${c}: ${b[k] ?? ''}\n  truth: ${t[k] ?? ''}`
            )
      }
      // The page's distances once: its own record and each row it counts in (its condition, overall) add them.
      const chars = strip(gt).length,
        errs = levenshtein(strip(text), strip(gt)),
        errsSp = levenshtein(text, gt)
      const page = (pages[name] ??= { condition: cond, chars, errs: {} })
      page.errs[c] = errs
      // Pages without text count in their own row only: their errors are extra characters, not a rate.
      for (const key of gt.length > 0 ? [cond, 'overall'] : [cond]) {
        const byCfg = table.get(key) ?? new Map<string, Score>()
        table.set(key, byCfg)
        const s = byCfg.get(c) ?? { chars: 0, charsSp: 0, errs: 0, errsSp: 0 }
        s.chars += chars
        s.charsSp += gt.length
        s.errs += errs
        s.errsSp += errsSp
        byCfg.set(c, s)
      }
    }
  }
  const pct = (a: number, b: number) => (b === 0 ? (a === 0 ? '0.0%' : `${a} extra`) : `${((100 * a) / b).toFixed(1)}%`)
  const rows: Record<string, Record<string, { cer: string; cerSpace: string } & Score>> = {}
  for (const [cond, byCfg] of table) {
    rows[cond] = {}
    for (const c of names) {
      const s = byCfg.get(c)!
      rows[cond][c] = { cer: pct(s.errs, s.chars), cerSpace: pct(s.errsSp, s.charsSp), ...s }
    }
  }
  if (values.json) {
    process.stdout.write(
      JSON.stringify({ dir, configs: names, knobs: k, rows, pages, ms: Object.fromEntries(ms) }) + '\n'
    )
    return
  }
  console.log(`| condition | ${names.map((c) => `${c} CER (with spaces)`).join(' | ')} |`)
  console.log(`|---|${names.map(() => '---').join('|')}|`)
  for (const [cond, r] of Object.entries(rows).sort((a, b) =>
    a[0] === 'overall' ? 1 : b[0] === 'overall' ? -1 : a[0] < b[0] ? -1 : 1
  ))
    console.log(`| ${cond} | ${names.map((c) => `${r[c].cer} (${r[c].cerSpace})`).join(' | ')} |`)
  console.log(
    `loading + segmentation ${Math.round(segMs)} ms; then per configuration: ${names.map((c) => `${c} ${Math.round(ms.get(c)!)} ms`).join(', ')}`
  )
}
void main()
