// Benchmark: which way up pages are read (read/orientation.ts#pageTurn). Every page of the folders is turned in
// memory by 0, 90, 180 and 270 degrees (its colour for the sheet finder too), found and segmented as transcribe
// does, and its detector boxes' glyphs are judged; the right answer undoes the turn. One line per page and turn
// with the scores (share of sure boxes / mean log top-probability for the page as it lies, then turned by 90, 180,
// 270) and the verdict; last, per condition (the `data pages` manifest's, else "pages") and turn: right, kept as
// it lies (a missed turn), turned wrong. An upright page turned at all is the costly mistake. `--quiet` prints
// only the pages not judged right.
// `--short 8,12,16,24,40` then asks what short pages would do: from every page of writing lying upright whose
// classifier is in doubt, `--draws` random sets of that many boxes (seeded) are judged as a page of their own, lying upright and
// turned (each box's readings turned are the page's own, so a set lying turned by t reads turned by k as the
// upright set turned by k + t), with pageTurn itself; it prints how many upright sets were turned (wrongly) and
// how many turned sets were turned right.
//   npx tsx bench/orientation.ts [--model NAME] [--set orientation.margin=0.15 ...] [--turns 0,90,180,270] [--quiet]
//     [--short N,N,... [--draws 200]] DIR [DIR ...]
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadClassifier } from '../src/main/recognize/models.ts'
import { pageTurn, turnGlyphs } from '../src/main/read/orientation.ts'
import { GLYPH_PIXELS, NUM_CLASSES } from '../src/shared/classes.ts'
import { extractGlyphs } from '../src/main/read/transcribe.ts'
import { loadImage, type LoadedImage } from '../src/main/vision/image.ts'
import { layoutPage } from '../src/main/vision/layout.ts'
import { segmentScan } from '../src/main/vision/sheet.ts'
import { turnGray, type QuarterTurns } from '../src/main/vision/turn.ts'
import { knobs } from './knobs.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string', default: 'cnn-best' },
    set: { type: 'string', multiple: true, default: [] },
    quiet: { type: 'boolean', default: false },
    turns: { type: 'string', default: '0,90,180,270' },
    short: { type: 'string' },
    draws: { type: 'string', default: '200' }
  }
})
if (positionals.length === 0) {
  console.error('usage: npx tsx bench/orientation.ts [--model NAME] [--set orientation.K=V] [--quiet] DIR [DIR ...]')
  process.exit(2)
}
const opts = knobs(values.set).orientation ?? {}
const classifier = await loadClassifier(values.model)
const turns = values.turns.split(',').map((d) => {
  const k = Number(d) / 90
  if (![0, 1, 2, 3].includes(k)) throw new Error(`--turns ${values.turns}: degrees 0, 90, 180 or 270`)
  return k as 0 | QuarterTurns
})

function turned(img: LoadedImage, k: 0 | QuarterTurns): LoadedImage {
  if (k === 0) return img
  const g = turnGray(img, k)
  const odd = k !== 2
  return {
    ...img,
    ...g,
    originalWidth: odd ? img.originalHeight : img.originalWidth,
    originalHeight: odd ? img.originalWidth : img.originalHeight,
    ...(img.chroma ? { chroma: turnGray(img.chroma, k) } : {})
  }
}

/** Pages lying upright in doubt: their boxes' glyphs and the classifier's probabilities turned 0, 90, 180, 270°. */
const inDoubt: { glyphs: Float32Array; n: number; probs: ArrayLike<number>[] }[] = []
type Tally = { right: number; kept: number; wrong: number }
/** pageTurn's time on the pages it read turned (the others cost it a pass over their probabilities). */
const doubted: number[] = []
const tally = new Map<string, Tally>()
for (const dir of positionals) {
  const mpath = join(dir, 'manifest.json')
  const conditions = new Map<string, string>()
  if (existsSync(mpath))
    for (const p of (JSON.parse(readFileSync(mpath, 'utf8')) as { pages: { file: string; condition: string }[] }).pages)
      conditions.set(p.file, p.condition)
  for (const f of readdirSync(dir)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort()) {
    const condition = conditions.get(f) ?? 'pages'
    const img = await loadImage(join(dir, f))
    for (const t of turns) {
      const found = await segmentScan(turned(img, t))
      const boxes = layoutPage(found.boxes).boxes.map((b) => b.box)
      const glyphs = extractGlyphs(found, boxes)
      const probs = boxes.length > 0 ? (await classifier.predict(glyphs, boxes.length)).probs : new Float32Array(0)
      const t0 = performance.now()
      const verdict = await pageTurn(
        glyphs,
        boxes.length,
        probs,
        async (g, n) => (await classifier.predict(g, n)).probs,
        opts
      )
      const ms = performance.now() - t0
      if (verdict.scores.length > 1) doubted.push(ms)
      // Pages of writing only: a desk judged turned is read as no text anyway (transcribe reads it as it lies).
      if (values.short && t === 0 && verdict.scores.length > 1 && condition !== 'no-text') {
        const all = [probs]
        for (const k of [1, 2, 3] as const)
          all.push((await classifier.predict(turnGlyphs(glyphs, boxes.length, k), boxes.length)).probs)
        inDoubt.push({ glyphs, n: boxes.length, probs: all })
      }
      const want = (4 - t) % 4
      const key = `${condition.padEnd(16)} turned ${String(t * 90).padStart(3)}°`
      const o = tally.get(key) ?? { right: 0, kept: 0, wrong: 0 }
      if (verdict.turn === want) o.right++
      else if (verdict.turn === 0) o.kept++
      else o.wrong++
      tally.set(key, o)
      if (!values.quiet || verdict.turn !== want)
        console.log(
          `${dir.split('/').pop()}/${f} turned ${t * 90} n=${boxes.length} ` +
            verdict.scores.map((s) => `${s.sure.toFixed(2)}/${s.logp.toFixed(2)}`).join(' ') +
            ` → ${verdict.turn * 90}${verdict.turn === want ? '' : verdict.turn === 0 ? ' (kept)' : ' (WRONG)'}` +
            ` ${ms.toFixed(1)} ms`
        )
    }
  }
}
console.log('\ncondition        page turned   right   kept  wrong')
for (const [k, o] of [...tally].sort((a, b) => a[0].localeCompare(b[0])))
  console.log(`${k}  ${String(o.right).padStart(6)} ${String(o.kept).padStart(6)} ${String(o.wrong).padStart(6)}`)
if (doubted.length > 0) {
  const sorted = [...doubted].sort((a, b) => a - b)
  console.log(
    `\nread turned: ${doubted.length} page-turns in doubt, pageTurn median ${sorted[sorted.length >> 1].toFixed(1)} ms, ` +
      `max ${sorted[sorted.length - 1].toFixed(1)} ms (model ${values.model})`
  )
}
if (values.short) {
  // mulberry32: a seeded generator, so the draws are the same run to run.
  let seed = 1
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  const draws = Number(values.draws)
  console.log(`\nshort pages: ${inDoubt.length} pages in doubt, ${draws} draws each`)
  console.log('boxes  upright sets turned (wrong)   turned sets turned right')
  for (const size of values.short.split(',').map(Number)) {
    let wrong = 0,
      right = 0,
      sets = 0
    for (const page of inDoubt) {
      if (page.n < size) continue
      for (let d = 0; d < draws; d++) {
        // `size` distinct boxes (a partial Fisher–Yates shuffle).
        const order = Array.from({ length: page.n }, (_, i) => i)
        for (let i = 0; i < size; i++) {
          const j = i + Math.floor(rand() * (page.n - i))
          ;[order[i], order[j]] = [order[j], order[i]]
        }
        const rows = order.slice(0, size)
        const g = new Float32Array(size * GLYPH_PIXELS)
        rows.forEach((r, i) => g.set(page.glyphs.subarray(r * GLYPH_PIXELS, (r + 1) * GLYPH_PIXELS), i * GLYPH_PIXELS))
        const of = (k: number) => {
          const p = new Float32Array(size * NUM_CLASSES)
          rows.forEach((r, i) => {
            for (let c = 0; c < NUM_CLASSES; c++) p[i * NUM_CLASSES + c] = page.probs[k % 4][r * NUM_CLASSES + c]
          })
          return p
        }
        // Lying turned by t: read turned by k (pageTurn asks for k = 1, 2, 3 in that order), it is the upright set
        // turned by k + t.
        const judge = async (t: number) => {
          let k = 0
          return (await pageTurn(g, size, of(t), async () => of(t + ++k), opts)).turn
        }
        if ((await judge(0)) !== 0) wrong++
        const t = 1 + Math.floor(rand() * 3)
        if ((await judge(t)) === (4 - t) % 4) right++
        sets++
      }
    }
    const pct = (x: number) => ((100 * x) / Math.max(1, sets)).toFixed(2).padStart(6)
    console.log(`${String(size).padStart(5)}  ${pct(wrong)}% (${wrong} of ${sets})         ${pct(right)}%`)
  }
}
