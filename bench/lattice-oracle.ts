// Diagnosis for segmentation by recognition on a hard page set (glyphdesk data pages): where a ground-truth
// character is lost. For every character of the manifest (its drawn box), on flat pages (no sheet):
//  - covered: some candidate segment of the lattice (read/lattice.ts) overlaps it with IoU ≥ 0.5;
//  - read: the best-overlapping candidate's top class is the character (the classifier on that crop);
//  - chosen: the decoder's path has a segment with IoU ≥ 0.5 labelled with the character.
// Per condition, per kind of the best candidate (box, cut, merge), and per kind of the token the character stands in
// (a lexicon word, other letters, a number, a letter–digit code: where the decoder helps and where it hurts). With
// 'read right, not chosen', the labels the decoder chose instead. --grid FILE writes the crops of the
// covered but misread characters (cut pieces first) as one PNG, for looking at them.
//   npx tsx bench/lattice-oracle.ts DIR [--only touching,broken] [--grid FILE.png] [--model M] [--touching DIR|off] [--set group.key=value ...]
// 'read' is the probabilities the decoder gets: with the touching-letter model mixed into cut and merged boxes' candidates.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { CLASSES, GLYPH_PIXELS, NUM_CLASSES } from '../src/shared/classes.ts'
import { glyphGridPng } from '../src/main/data/grid.ts'
import { loadClassifier } from '../src/main/recognize/models.ts'
import { decodeLines, defaultCharLm, defaultTouchingModel, lexicon, prepareLines } from '../src/main/read/readLines.ts'
import { extractGlyphs } from '../src/main/read/transcribe.ts'
import { iou } from '../src/main/read/latticeCrops.ts'
import { layoutPage } from '../src/main/vision/layout.ts'
import { loadImage } from '../src/main/vision/image.ts'
import { segmentPage } from '../src/main/vision/segment.ts'
import { knobs } from './knobs.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: 'string' },
    grid: { type: 'string' },
    model: { type: 'string' },
    touching: { type: 'string' },
    set: { type: 'string', multiple: true }
  }
})
const dir = positionals[0]
if (!dir) throw new Error('usage: npx tsx bench/lattice-oracle.ts DIR [--only C1,C2] [--grid FILE.png]')
const k = knobs(values.set ?? [])

interface Page {
  file: string
  condition: string
  sheet?: unknown
  chars?: [string, number, number, number, number, number][]
  text?: string
}
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { pages: Page[] }
const only = values.only?.split(',')
const classifier = await loadClassifier(values.model)
// The touching-letter model mixed into the cut and merged boxes' candidates, as transcribe does: the shipped one by
// default, `--touching DIR` another, `--touching off` none (`--set touching.weight=W` its weight).
const touching =
  values.touching === 'off'
    ? null
    : values.touching !== undefined
      ? await loadClassifier(values.touching)
      : await defaultTouchingModel()
const lm = defaultCharLm()
const lex = lexicon()

const lost = new Map<string, number>()
const relabels = new Map<string, number>()
type Tally = { n: number; covered: number; read: number; chosen: number }
const tally = new Map<string, Tally>()
const add = (key: string, t: Partial<Tally>) => {
  const o = tally.get(key) ?? { n: 0, covered: 0, read: 0, chosen: 0 }
  o.n++
  o.covered += t.covered ?? 0
  o.read += t.read ?? 0
  o.chosen += t.chosen ?? 0
  tally.set(key, o)
}
const misread: { glyph: Float32Array; kind: string; what: string }[] = []
let candidates = 0

for (const page of manifest.pages) {
  if (page.sheet || !page.chars || (only && !only.includes(page.condition))) continue
  const image = await loadImage(join(dir, page.file))
  const seg = await segmentPage(image)
  const layout = layoutPage(seg.boxes)
  const prep = await prepareLines(seg, layout, classifier, (b) => extractGlyphs(seg, b), {
    lattice: k.lattice,
    touching: touching ? async () => touching : undefined,
    touchingWeight: k.touching?.weight
  })
  const read = decodeLines(prep, { lm, lexicon: lex, shape: k.shape, decoder: k.decoder, gaps: k.gaps })
  const segs = prep.lattices.flatMap((l) => l.segments)
  candidates += segs.length
  const argmax = (i: number) => {
    let best = 0
    for (let c = 1; c < NUM_CLASSES; c++)
      if (prep.probs[i * NUM_CLASSES + c] > prep.probs[i * NUM_CLASSES + best]) best = c
    return CLASSES[best]
  }
  // Each drawn character's token kind (the truth text's tokens, in the manifest's character order).
  const kinds: string[] = []
  if (page.text)
    for (const w of readFileSync(join(dir, page.text), 'utf8')
      .split(/\s+/)
      .filter((t) => t.length > 0))
      for (const _ of w)
        kinds.push(/^\d+$/.test(w) ? 'number' : /\d/.test(w) ? 'code' : lex.has(w) ? 'word' : 'letters')
  let ci = -1
  for (const [label, x0, y0, x1, y1] of page.chars) {
    ci++
    const tokenKind = kinds.length === page.chars.length ? kinds[ci] : '?'
    const gt = { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
    let bi = -1,
      bv = 0
    segs.forEach((s, i) => {
      const v = iou(s.box, gt)
      if (v > bv) {
        bv = v
        bi = i
      }
    })
    const covered = bv >= 0.5 ? 1 : 0
    const kind = bi >= 0 ? segs[bi].kind : 'none'
    const got = bi >= 0 ? argmax(bi) : '-'
    const isRead = covered && got === label ? 1 : 0
    const chosen = read.boxes.some((b) => b.label === label && iou(b.box, gt) >= 0.5) ? 1 : 0
    const t = { covered, read: isRead, chosen }
    // Read right by its best candidate but not chosen: what the decoder put there instead. 'wider' is a
    // chosen box spanning this character and more (an under-cut), 'narrower' a piece of it (an over-cut),
    // 'shifted' a box of about its size in the wrong place, 'relabelled' the right box with another label.
    if (isRead && !chosen) {
      const over = read.boxes.filter((x) => iou(x.box, gt) > 0.1)
      const best = over.reduce<(typeof over)[number] | null>(
        (m, x) => (m && iou(m.box, gt) >= iou(x.box, gt) ? m : x),
        null
      )
      const why = !best
        ? 'nothing'
        : iou(best.box, gt) >= 0.5
          ? 'relabelled'
          : best.box.w > 1.3 * gt.w
            ? 'wider'
            : best.box.w < 0.7 * gt.w
              ? 'narrower'
              : 'shifted'
      const key = `${page.condition} ${kind} ${why}`
      lost.set(key, (lost.get(key) ?? 0) + 1)
      if (why === 'relabelled' && best) {
        const pair = `${page.condition} ${label}->${best.label}`
        relabels.set(pair, (relabels.get(pair) ?? 0) + 1)
      }
    }
    add(`${page.condition} all`, t)
    add(`${page.condition} token ${tokenKind}`, t)
    add(`${page.condition} ${covered ? kind : 'uncovered'}`, t)
    if (!covered && values.grid)
      console.log(
        `uncovered ${page.file} ${label} gt ${gt.x},${gt.w} | ${segs
          .filter((s) => iou(s.box, gt) > 0.2)
          .map((s) => `${s.kind}:${s.box.x},${s.box.w}`)
          .join(' ')}`
      )
    if (covered && !isRead)
      misread.push({
        glyph: prep.glyphs.slice(bi * GLYPH_PIXELS, (bi + 1) * GLYPH_PIXELS),
        kind,
        what: `${page.file} ${label}->${got} ${kind} iou ${bv.toFixed(2)} gt ${gt.x},${gt.w} seg ${segs[bi].box.x},${segs[bi].box.w} | ${segs
          .filter((s) => iou(s.box, gt) > 0.2)
          .map((s) => `${s.kind}:${s.box.x},${s.box.w}`)
          .join(' ')}`
      })
  }
}
const pct = (a: number, n: number) => ((100 * a) / Math.max(1, n)).toFixed(1).padStart(6)
console.log('condition / best candidate      n  covered%  read%  chosen%')
for (const [key, t] of [...tally.entries()].sort())
  console.log(
    `${key.padEnd(28)} ${String(t.n).padStart(5)} ${pct(t.covered, t.n)} ${pct(t.read, t.n)} ${pct(t.chosen, t.n)}`
  )
console.log(`candidates classified: ${candidates}`)
if (lost.size > 0) {
  console.log('read right, not chosen: condition / best candidate / what was chosen there instead')
  for (const [key, n] of [...lost.entries()].sort()) console.log(`  ${key.padEnd(36)} ${n}`)
}
if (relabels.size > 0) {
  console.log('read right, relabelled: condition / truth -> chosen label')
  for (const [key, n] of [...relabels.entries()].sort((a, b) => b[1] - a[1])) console.log(`  ${key.padEnd(36)} ${n}`)
}
if (values.grid && misread.length > 0) {
  misread.sort((a, b) => (a.kind === 'cut' ? 0 : 1) - (b.kind === 'cut' ? 0 : 1))
  const x = new Float32Array(misread.length * GLYPH_PIXELS)
  misread.forEach((m, i) => x.set(m.glyph, i * GLYPH_PIXELS))
  writeFileSync(values.grid, await glyphGridPng(x, misread.length, 16, { scale: 2 }))
  misread.forEach((m, i) => console.log(`${i}: ${m.what}`))
}
