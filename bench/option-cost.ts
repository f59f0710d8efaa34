// What one reading option costs in time: the pages of a folder read with transcribe's defaults and with one knob
// changed, alternately, in one process (each page segmented once, as decode-conditions does), over several rounds
// with the order swapped every round so that neither side always pays V8's warm-up or a busy neighbour. Prints the
// total reading time of each side per round, the median ratio (variant / default) and whether the texts differ.
//   npx tsx bench/option-cost.ts DIR --set pairs.off=1 [--rounds 8] [--only PREFIXES]
// Knobs: those of bench/decode-conditions.ts (bench/knobs.ts#knobOptions: pairs.off=1, touching.weight=…, decoder.beam=…).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadClassifier } from '../src/main/recognize/models.ts'
import { defaultCharLm, lexicon } from '../src/main/read/readLines.ts'
import { transcribe } from '../src/main/read/transcribe.ts'
import { loadImage } from '../src/main/vision/image.ts'
import { segmentScan } from '../src/main/vision/sheet.ts'
import { assembleText } from '../src/shared/pagedoc.ts'
import { knobOptions, knobs } from './knobs.ts'
import { pageImages } from './pageFiles.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    set: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '8' },
    only: { type: 'string' }
  }
})
const dir = positionals[0]
if (!dir || !values.set?.length)
  throw new Error('usage: npx tsx bench/option-cost.ts DIR --set group.key=value [--rounds 8]')
const variant = knobOptions(knobs(values.set))
const classifier = await loadClassifier()
defaultCharLm()
lexicon()
const pages = []
for (const f of pageImages(dir, values.only)) {
  const image = await loadImage(readFileSync(join(dir, f)), { name: f })
  pages.push({ f, image, seg: await segmentScan(image) })
}
const rounds = Number(values.rounds)
const ratios: number[] = []
let differ = 0
for (let r = 0; r < rounds; r++) {
  const ms = { base: 0, variant: 0 }
  const text = { base: [] as string[], variant: [] as string[] }
  const order = r % 2 === 0 ? (['base', 'variant'] as const) : (['variant', 'base'] as const)
  for (const side of order)
    for (const p of pages) {
      const t0 = performance.now()
      const { doc } = await transcribe(p.image, classifier, {
        ...(side === 'variant' ? variant : {}),
        segmentation: p.seg
      })
      ms[side] += performance.now() - t0
      text[side].push(assembleText(doc))
    }
  if (r === 0) differ = text.base.filter((t, i) => t !== text.variant[i]).length
  ratios.push(ms.variant / ms.base)
  console.log(
    `round ${r + 1} (${order.join(' first, ')} second): default ${ms.base.toFixed(0)} ms, variant ${ms.variant.toFixed(0)} ms`
  )
}
const sorted = [...ratios].sort((a, b) => a - b)
const median = (sorted[(rounds - 1) >> 1] + sorted[rounds >> 1]) / 2
console.log(
  `${pages.length} pages, ${values.set.join(' ')}: variant / default median ${median.toFixed(3)} (min ${sorted[0].toFixed(3)}, max ${sorted[rounds - 1].toFixed(3)}); texts differing: ${differ}`
)
