// Training material for the pair reader (read/pairReader.ts, training/train_pairs.py): every detector box and merge
// of the reading stage's lattice on training pages (`glyphdesk data pages --glyphs training`: the training fonts and
// the NIST letters the models already train on; evaluation pages are refused), framed as the page classifier gets
// it and labelled by read/latticeCrops.ts#labelPair against the characters the generator drew: [left, right] for a
// box holding exactly two, "none" (36, 36) for one character, three or more, or none; boxes in between are left out.
//   npx tsx scripts/pair-crops.ts --out PREFIX [--cuts] DIR [DIR …]
// --cuts: the cut pieces of wide boxes and their runs too (a run of two pieces of three glued letters may be a pair);
// of those that are no pair only a share is kept (--cut-none, default 0.1, drawn with --seed, default 1): a page
// has ten times more of them than of everything else.
// Writes PREFIX.x.f32 (n × 1024 float32 glyphs), PREFIX.y.u8 (n × 2 labels) and PREFIX.json (counts, the folders'
// manifests' commands and this checkout's commit: the crops depend on the reader's version).
import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { GLYPH_PIXELS, NUM_CLASSES } from '../src/shared/classes.ts'
import { writeFileAtomic } from '../src/main/core/atomicFile.ts'
import { gitCommit } from '../src/main/core/version.ts'
import { Rng } from '../src/main/nn/rng.ts'
import { drawnChars, labelPair, PagesManifestSchema } from '../src/main/read/latticeCrops.ts'
import { buildLattices } from '../src/main/read/lattice.ts'
import { candidateBoxes } from '../src/main/read/readLines.ts'
import { extractGlyphs } from '../src/main/read/transcribe.ts'
import { loadImage } from '../src/main/vision/image.ts'
import { layoutPage } from '../src/main/vision/layout.ts'
import { segmentPage } from '../src/main/vision/segment.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    cuts: { type: 'boolean', default: false },
    'cut-none': { type: 'string', default: '0.1' },
    seed: { type: 'string', default: '1' }
  }
})
if (!values.out || positionals.length === 0)
  throw new Error('usage: npx tsx scripts/pair-crops.ts --out PREFIX DIR [DIR …]')

const cutNone = Number(values['cut-none'])
if (!(cutNone >= 0 && cutNone <= 1)) throw new Error(`--cut-none ${values['cut-none']}: expected a share from 0 to 1`)
const rng = new Rng(Number(values.seed))
const glyphs: Float32Array[] = []
const labels: number[] = []
const counts = { pair: 0, none: 0, leftOut: 0 }
const folders: { dir: string; command?: string; pages: number }[] = []
for (const dir of positionals) {
  const m = PagesManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')))
  if (m.sources.glyphs !== 'training')
    throw new Error(`${dir} holds evaluation pages (manifest sources.glyphs is not "training"): never train on them`)
  let pages = 0
  for (const page of m.pages) {
    if (page.sheet !== undefined || page.chars.length === 0) continue
    pages++
    const seg = await segmentPage(await loadImage(join(dir, page.file), { chroma: false }))
    const lattices = buildLattices(seg, layoutPage(seg.boxes))
    const all = candidateBoxes(lattices)
    const segs = lattices.flatMap((l) => l.segments)
    const truth = drawnChars(page.chars)
    const rows = segs.flatMap((s, i) => (s.kind === 'cut' && !values.cuts ? [] : [i]))
    const g = extractGlyphs(
      seg,
      rows.map((r) => all[r])
    )
    rows.forEach((r, k) => {
      const label = labelPair(segs[r].box, truth)
      if (label === null) return void counts.leftOut++
      if (label === 'none' && segs[r].kind === 'cut' && rng.uniform() >= cutNone) return void counts.leftOut++
      glyphs.push(g.slice(k * GLYPH_PIXELS, (k + 1) * GLYPH_PIXELS))
      if (label === 'none') {
        labels.push(NUM_CLASSES, NUM_CLASSES)
        counts.none++
      } else {
        labels.push(label[0], label[1])
        counts.pair++
      }
    })
  }
  folders.push({ dir: basename(dir), ...(m.command ? { command: m.command } : {}), pages })
  process.stderr.write(`${dir}: ${JSON.stringify(counts)}\n`)
}
const x = new Float32Array(glyphs.length * GLYPH_PIXELS)
glyphs.forEach((r, i) => x.set(r, i * GLYPH_PIXELS))
const out = values.out
await writeFileAtomic(`${out}.x.f32`, Buffer.from(x.buffer))
await writeFileAtomic(`${out}.y.u8`, Buffer.from(Uint8Array.from(labels)))
await writeFileAtomic(
  `${out}.json`,
  JSON.stringify(
    {
      n: glyphs.length,
      ...counts,
      folders,
      gitCommit: gitCommit(),
      command: `npx tsx scripts/pair-crops.ts --out ${basename(out)}${values.cuts ? ` --cuts --cut-none ${cutNone} --seed ${values.seed}` : ''} ${positionals.map((d) => basename(d)).join(' ')}`
    },
    null,
    1
  )
)
console.log(JSON.stringify({ n: glyphs.length, ...counts }))
