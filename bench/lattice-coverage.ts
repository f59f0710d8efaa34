// Which drawn characters of training or hard pages no candidate of the lattice matches at IoU ≥ --iou: the lines
// such characters are on have no gold path for the candidate score's fit (scripts/train-segment-score.ts), and no
// path the decoder could read right. Reports how many, their best IoU by tenths, the kind of their best candidate,
// their labels, and a few examples with how far the neighbouring characters' boxes reach into theirs.
// Then, for every drawn character, where its reading went wrong if it did: no candidate matches it; the decoder chose
// a segment matching it but read another class; or it chose other segments there, although a matching candidate
// existed — whose own top reading was right (the path lost on its score) or wrong (the piece was misread).
// Each fate is also split by how many drawn characters share the character's cut unit (see unitSizes).
//   npx tsx bench/lattice-coverage.ts DIR [--condition touching] [--pages 40] [--iou 0.6] [--segment-score on|off]
//     [--grid FILE.png: the glyphs the classifier saw for the chosen segments it misread, with their truth]
//     [--grid-lost: the grid also shows, for each character whose path was lost, its best-matching candidate's glyph]
//     [--grid-taker: … and the glyph of the chosen box that holds most of it, read in its place]
//     [--set lattice.key=value …: lattice settings to study] [--labels I,1: count only characters drawn as these]
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { glyphGridPng } from '../src/main/data/grid.ts'
import { loadClassifier } from '../src/main/recognize/models.ts'
import { inside, iou } from '../src/main/read/latticeCrops.ts'
import { rowArgmax, type PreparedLines } from '../src/main/read/readLines.ts'
import { transcribe } from '../src/main/read/transcribe.ts'
import { loadImage } from '../src/main/vision/image.ts'
import { CLASSES } from '../src/shared/classes.ts'
import { knobs } from './knobs.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    condition: { type: 'string', default: 'touching' },
    pages: { type: 'string', default: '40' },
    iou: { type: 'string', default: '0.6' },
    'segment-score': { type: 'string', default: 'on' },
    grid: { type: 'string' },
    set: { type: 'string', multiple: true },
    examples: { type: 'string', default: '16' },
    labels: { type: 'string' },
    'grid-lost': { type: 'boolean', default: false },
    'grid-taker': { type: 'boolean', default: false }
  }
})
const dir = positionals[0]
if (!dir)
  throw new Error('usage: npx tsx bench/lattice-coverage.ts DIR [--condition touching] [--pages 40] [--iou 0.6]')
const minIou = Number(values.iou)
const onlyLabels = values.labels ? new Set(values.labels.split(',')) : null
// `--set lattice.key=value`: reading settings of the lattice to study (bench/knobs.ts).
const lattice = knobs(values.set ?? []).lattice

type Char = [string, number, number, number, number, number]
interface Manifest {
  pages: { file: string; condition: string; sheet?: unknown; chars: Char[] }[]
}

async function main() {
  const classifier = await loadClassifier()
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest
  const pages = m.pages
    .filter((p) => p.condition === values.condition && p.sheet === undefined)
    .slice(0, Number(values.pages))
  const kinds = new Map<string, number>(),
    labels = new Map<string, number>()
  const tenths = new Array<number>(10).fill(0)
  const examples: string[] = []
  let chars = 0,
    missed = 0
  const fate = { right: 0, noCandidate: 0, chosenMisread: 0, pathLostPieceRight: 0, pathLostPieceWrong: 0 }
  const fateExamples: string[] = []
  // Per fate, how many drawn characters share the character's ink unit: the widest candidate of a cut unit (a box
  // or component the lattice cut) that holds the character's centre, counted by the drawn centres inside it; 1 where
  // no cut unit holds it. What a reader of two or three characters at once could address.
  const unitSizes = new Map<string, number[]>()
  // The glyphs --grid shows: each chosen segment misread, and with --grid-lost each lost character's best candidate.
  const gridGlyphs: Float32Array[] = []
  for (const page of pages) {
    const image = await loadImage(readFileSync(join(dir, page.file)), { name: page.file })
    let prep: PreparedLines | undefined
    const { doc } = await transcribe(image, classifier, {
      sheet: false,
      onPrepared: (p) => (prep = p),
      ...(lattice ? { lattice } : {}),
      ...(values['segment-score'] === 'off' ? { segmentScore: null } : {})
    })
    const cands = prep?.lattices.flatMap((l) => l.segments) ?? []
    const top1 = (i: number) => CLASSES[rowArgmax(prep!.probs, i)]
    /** The glyph the classifier saw for candidate i. */
    const glyphOf = (i: number) => prep!.glyphs.slice(i * 1024, (i + 1) * 1024)
    /** The candidate that overlaps `r` most, and by how much (IoU). */
    const bestMatch = (r: { x: number; y: number; w: number; h: number }) => {
      let best = 0,
        at = -1
      cands.forEach((s, i) => {
        const v = iou(s.box, r)
        if (v > best) [best, at] = [v, i]
      })
      return { best, at }
    }
    /** The chosen box holding most of a drawn character, and how much of it it holds. */
    const holder = (r: { x: number; y: number; w: number; h: number }) => {
      let most = 0,
        box: (typeof doc.boxes)[number] | undefined
      for (const b of doc.boxes) {
        const v = inside(r, b)
        if (v > most) [most, box] = [v, b]
      }
      return { box, most }
    }
    /** The chosen box holding most of a drawn character, what it was read as, and how much of the character it holds. */
    const covering = (r: { x: number; y: number; w: number; h: number }) => {
      const { box, most } = holder(r)
      const at = box ? bestMatch(box).at : -1
      const peaks =
        at >= 0
          ? ` (mixed top ${prep!.probs[at * 36 + rowArgmax(prep!.probs, at)].toFixed(2)}, touching model top ${prep!.touchPeak?.[at]?.toFixed(2) ?? '—'}, ${cands[at].kind}${cands[at].cutUnit ? ' cut unit' : ''})`
          : ''
      return box
        ? `taken by a box read ${box.label}, ${(box.w / r.w).toFixed(1)}× its width, holding ${most.toFixed(2)} of it${peaks}`
        : 'no chosen box holds any of it'
    }
    page.chars.forEach(([label, x0, y0, x1, y1], k) => {
      if (onlyLabels && !onlyLabels.has(label)) return
      chars++
      const t = { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
      const { best, at: bestAt } = bestMatch(t)
      const kind = bestAt < 0 ? 'none' : cands[bestAt].kind + (cands[bestAt].cutUnit ? ' (cut unit)' : '')
      const chosen = doc.boxes.find((b) => iou(b, t) >= minIou)
      let what: keyof typeof fate
      if (best < minIou) what = 'noCandidate'
      else if (chosen) {
        what = chosen.label === label ? 'right' : 'chosenMisread'
        if (what === 'chosenMisread') {
          // The candidate that is the chosen box: the glyph that was read.
          const { at } = bestMatch(chosen)
          if (at >= 0) gridGlyphs.push(glyphOf(at))
        }
      } else {
        what = top1(bestAt) === label ? 'pathLostPieceRight' : 'pathLostPieceWrong'
        if (values['grid-lost']) gridGlyphs.push(glyphOf(bestAt))
        if (values['grid-taker']) {
          // The chosen box that holds most of the lost character: the glyph read in its place.
          const taker = holder(t).box
          const at = taker ? bestMatch(taker).at : -1
          if (at >= 0) gridGlyphs.push(glyphOf(at))
        }
      }
      fate[what]++
      {
        const cx = (x0 + x1) / 2,
          cy = (y0 + y1) / 2
        const holds = (b: { x: number; y: number; w: number; h: number }, px: number, py: number) =>
          px >= b.x && px < b.x + b.w && py >= b.y && py < b.y + b.h
        let unit: { x: number; y: number; w: number; h: number } | undefined
        for (const c of cands) if (c.cutUnit && holds(c.box, cx, cy) && (!unit || c.box.w > unit.w)) unit = c.box
        const n = unit ? page.chars.filter((o) => holds(unit!, (o[1] + o[3]) / 2, (o[2] + o[4]) / 2)).length : 1
        const sizes = unitSizes.get(what) ?? [0, 0, 0]
        sizes[Math.min(3, Math.max(1, n)) - 1]++
        unitSizes.set(what, sizes)
      }
      if (what !== 'right' && what !== 'noCandidate' && fateExamples.length < Number(values.examples))
        fateExamples.push(
          `${page.file} ${label} at x ${x0}: ${what}` +
            (what === 'chosenMisread'
              ? ` (read ${chosen!.label})`
              : ` (best candidate IoU ${best.toFixed(2)}, reads ${top1(bestAt)}; ${covering(t)})`)
        )
      if (best >= minIou) return
      missed++
      tenths[Math.min(9, Math.floor(best * 10))]++
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
      labels.set(label, (labels.get(label) ?? 0) + 1)
      // How much of this character's width a neighbour's drawn box covers.
      const reach = (o: Char | undefined) => (o ? Math.max(0, Math.min(x1, o[3]) - Math.max(x0, o[1])) / (x1 - x0) : 0)
      if (examples.length < 12)
        examples.push(
          `${page.file} ${label} (width ${x1 - x0}): best IoU ${best.toFixed(2)} (${kind}); neighbours cover ` +
            `${reach(page.chars[k - 1]).toFixed(2)} / ${reach(page.chars[k + 1]).toFixed(2)} of its width`
        )
    })
  }
  const sorted = (m: Map<string, number>) => JSON.stringify(Object.fromEntries([...m].sort((a, b) => b[1] - a[1])))
  console.log(
    `${values.condition}, ${pages.length} pages: ${missed} of ${chars} characters without a candidate at IoU ≥ ${minIou}`
  )
  console.log(`their best IoU by tenths (0–0.1 …): ${tenths.slice(0, Math.ceil(minIou * 10)).join(' ')}`)
  console.log(`kind of their best candidate: ${sorted(kinds)}`)
  console.log(`labels: ${sorted(labels)}`)
  console.log(examples.join('\n'))
  console.log(`where each character's reading went: ${JSON.stringify(fate)}`)
  console.log(
    `characters by how many drawn characters their cut unit holds (1 / 2 / 3+; 1 where no cut unit holds them):\n` +
      [...unitSizes].map(([what, n]) => `  ${what}: ${n[0]} / ${n[1]} / ${n[2]}`).join('\n')
  )
  console.log(fateExamples.join('\n'))
  if (values.grid && gridGlyphs.length > 0) {
    const x = new Float32Array(gridGlyphs.length * 1024)
    gridGlyphs.forEach((g, i) => x.set(g, i * 1024))
    writeFileSync(values.grid, await glyphGridPng(x, gridGlyphs.length, Math.min(12, gridGlyphs.length), { scale: 2 }))
    console.log(
      `wrote ${values.grid}: ${gridGlyphs.length} ${values['grid-lost'] ? 'misread chosen segments and lost candidates' : 'misread chosen segments'}, in the order of the examples`
    )
  }
}
void main()
