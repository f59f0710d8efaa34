// Synthetic NIST36-like glyph sets: handwriting-style fonts, augmented like pens and phone
// photos, normalised with the page pipeline's own normaliseGlyph. Stand-in for the
// coursework's nist36 sets, which cannot be obtained here (see the data README beside the repository, ../shared/data/README.md).
//
// Splits draw from the same font styles but from separate random streams, so no glyph is
// shared between them; the evaluation set uses only fonts that training never sees.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { GLYPHDESK_VERSION } from '../../core/version.ts'
import { Rng } from '../../nn/rng.ts'
import { writeGlyphSet, type LabelledGlyphs } from '../glyphset.ts'
import { CLASSES, GLYPH_PIXELS, NUM_CLASSES } from '../../../shared/classes.ts'
import { evalFonts, trainingFonts, type FontStyle } from './fonts.ts'
import { DEFAULT_AUGMENT, GlyphRenderer, type AugmentParams } from './render.ts'
import { measureGlyphs, type GlyphStatistics } from './stats.ts'
import { handwrittenLookalikeFonts, type LookalikeChange } from './lookalikes.ts'

export { trainingFonts, evalFonts, MissingFontsError, type FontStyle } from './fonts.ts'
export { DEFAULT_AUGMENT, GlyphRenderer, type AugmentParams } from './render.ts'
export { measureGlyphs, type GlyphStatistics } from './stats.ts'

export interface PerClassCounts {
  train: number
  valid: number
  test: number
}

export interface SynthOptions {
  /** Glyphs per class and split. Default 300/100/50 (10800/3600/1800 in all, like NIST36). */
  perClass?: PerClassCounts
  /** Default 1. */
  seed?: number
  /** Default: trainingFonts(). */
  fonts?: FontStyle[]
  augment?: AugmentParams
  /**
   * Draw the look-alikes as handwriting does (lookalikes.ts): bars on every plain-bar I, and no 0 or O from a font
   * whose 0 is wider than its O ('hand'), or the bars alone ('i-bars'). Default: the fonts as they are.
   */
  handwrittenLookalikes?: 'hand' | 'i-bars' | null
  /** Called now and then with glyphs done and glyphs in all. */
  onProgress?: (done: number, total: number) => void
}

/** Measured on the real letters of nist26_valid_dev.mat with the same code (measureGlyphs). */
export const REAL_NIST_STATISTICS = {
  source: 'nist26_valid_dev.mat (910 real letters), measured with measureGlyphs',
  longerSide: { p5: 19, p50: 26, p95: 31 },
  inkFraction: 0.1718,
  strokeWidth: { p5: 2.41, p50: 3.3, p95: 4.73 },
  boxCentreOffset: { x: 0.77, y: 0.54 },
  values: { min: -0.14, p1: -0.05, p99: 1.05, max: 1.12 }
} as const

export interface SynthManifest {
  name: string
  kind: 'training' | 'evaluation'
  glyphdeskVersion: string
  seed: number
  perClass: PerClassCounts | number
  counts: Record<string, number>
  classes: string
  fonts: { family: string; style: string; file: string; weight: number }[]
  augment: AugmentParams
  statistics: Record<string, GlyphStatistics>
  realNist: typeof REAL_NIST_STATISTICS
  /** Present when the look-alikes were drawn as handwriting does: what changed, per font and class. */
  lookalikes?: { rule: 'hand' | 'i-bars'; changes: LookalikeChange[] }
  command?: string
}

export interface SynthGlyphSet {
  train: LabelledGlyphs
  valid: LabelledGlyphs
  test: LabelledGlyphs
  manifest: SynthManifest
}

const DEFAULT_PER_CLASS: PerClassCounts = { train: 300, valid: 100, test: 50 }
const SPLIT_STREAM = { train: 0, valid: 1, test: 2, eval: 3 } as const

/** Synthesises train/valid/test splits with `perClass` glyphs of each of the 36 classes. */
export async function synthesiseGlyphSet(opts: SynthOptions = {}): Promise<SynthGlyphSet> {
  const perClass = opts.perClass ?? DEFAULT_PER_CLASS
  const seed = opts.seed ?? 1
  const hand = opts.handwrittenLookalikes
    ? handwrittenLookalikeFonts(opts.fonts ?? trainingFonts(), opts.handwrittenLookalikes)
    : null
  const fonts = hand?.fonts ?? opts.fonts ?? trainingFonts()
  const augment = opts.augment ?? DEFAULT_AUGMENT
  const renderer = new GlyphRenderer(augment)
  const total = NUM_CLASSES * (perClass.train + perClass.valid + perClass.test)
  const progress = { done: 0, total, report: opts.onProgress }
  const train = await synthesiseSplit(renderer, fonts, perClass.train, streamSeed(seed, SPLIT_STREAM.train), progress)
  const valid = await synthesiseSplit(renderer, fonts, perClass.valid, streamSeed(seed, SPLIT_STREAM.valid), progress)
  const test = await synthesiseSplit(renderer, fonts, perClass.test, streamSeed(seed, SPLIT_STREAM.test), progress)
  const manifest: SynthManifest = {
    ...makeManifest('synth', 'training', seed, perClass, fonts, augment, { train, valid, test }),
    ...(hand ? { lookalikes: { rule: opts.handwrittenLookalikes!, changes: hand.changes } } : {})
  }
  return { train, valid, test, manifest }
}

/**
 * An "unseen hand" evaluation set drawn only from the reserved fonts (Humor Sans, Comic Neue),
 * which trainingFonts() never returns. Default 50 per class.
 */
export async function synthesiseEvalSet(
  opts: {
    perClass?: number
    seed?: number
    fonts?: FontStyle[]
    augment?: AugmentParams
    onProgress?: (done: number, total: number) => void
  } = {}
): Promise<{ glyphs: LabelledGlyphs; manifest: SynthManifest }> {
  const perClass = opts.perClass ?? 50
  const seed = opts.seed ?? 1
  const fonts = opts.fonts ?? evalFonts()
  const augment = opts.augment ?? DEFAULT_AUGMENT
  const progress = { done: 0, total: NUM_CLASSES * perClass, report: opts.onProgress }
  const glyphs = await synthesiseSplit(
    new GlyphRenderer(augment),
    fonts,
    perClass,
    streamSeed(seed, SPLIT_STREAM.eval),
    progress
  )
  return {
    glyphs,
    manifest: makeManifest('synth_eval', 'evaluation', seed, perClass, fonts, augment, { eval: glyphs })
  }
}

/**
 * Synthesises a set and writes synth_{train,valid,test}.mat (coursework layout), manifest.json
 * and README.md into `outDir`. Returns the manifest.
 */
export async function writeSynthSet(
  outDir: string,
  opts: SynthOptions & { command?: string } = {}
): Promise<SynthManifest> {
  const set = await synthesiseGlyphSet(opts)
  const manifest = { ...set.manifest, command: opts.command ?? process.argv.join(' ') }
  await writeGlyphSet(outDir, 'synth', set)
  await mkdir(outDir, { recursive: true })
  await writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  await writeFile(join(outDir, 'README.md'), readmeFor(manifest))
  return manifest
}

// ---- internals ------------------------------------------------------------------------

function streamSeed(seed: number, stream: number): number {
  // Distinct streams per split; Rng's splitmix seeding decorrelates neighbouring seeds.
  return seed * 4 + stream
}

async function synthesiseSplit(
  renderer: GlyphRenderer,
  fonts: FontStyle[],
  perClass: number,
  seed: number,
  progress: { done: number; total: number; report?: (done: number, total: number) => void }
): Promise<LabelledGlyphs> {
  const n = perClass * NUM_CLASSES
  const x = new Float32Array(n * GLYPH_PIXELS)
  const y = new Uint8Array(n)
  const rng = new Rng(seed)
  const choosers = CLASSES.map((ch) => fontChooser(fonts, ch))
  for (let i = 0; i < n; i++) {
    const cls = i % NUM_CLASSES // interleaved, so any prefix is class-balanced
    y[i] = cls
    renderer.render(CLASSES[cls], choosers[cls](rng), rng, x, i * GLYPH_PIXELS)
    progress.done++
    if (progress.done % 512 === 0 || progress.done === progress.total) {
      progress.report?.(progress.done, progress.total)
      // Let the event loop breathe (IPC, progress events) during long runs.
      await new Promise((r) => setImmediate(r))
    }
  }
  return { x, y, n }
}

function fontChooser(fonts: FontStyle[], ch: string): (rng: Rng) => FontStyle {
  const usable = fonts.filter((f) => f.covers.includes(ch))
  if (usable.length === 0) throw new Error(`None of the ${fonts.length} synthesis fonts has a glyph for "${ch}"`)
  const cumulative: number[] = []
  let sum = 0
  for (const f of usable) cumulative.push((sum += f.weight))
  return (rng) => {
    const r = rng.uniform() * sum
    let i = 0
    while (i < usable.length - 1 && cumulative[i] <= r) i++
    return usable[i]
  }
}

function makeManifest(
  name: string,
  kind: 'training' | 'evaluation',
  seed: number,
  perClass: PerClassCounts | number,
  fonts: FontStyle[],
  augment: AugmentParams,
  splits: Record<string, LabelledGlyphs>
): SynthManifest {
  const counts: Record<string, number> = {}
  const statistics: Record<string, GlyphStatistics> = {}
  for (const [s, g] of Object.entries(splits)) {
    counts[s] = g.n
    statistics[s] = measureGlyphs(g.x, g.n)
  }
  return {
    name,
    kind,
    glyphdeskVersion: GLYPHDESK_VERSION,
    seed,
    perClass,
    counts,
    classes: CLASSES.join(''),
    fonts: fonts.map((f) => ({
      family: f.family,
      style: f.style,
      file: f.file,
      weight: Math.round(f.weight * 1000) / 1000
    })),
    augment,
    statistics,
    realNist: REAL_NIST_STATISTICS
  }
}

function readmeFor(m: SynthManifest): string {
  const stat = (s: GlyphStatistics | typeof REAL_NIST_STATISTICS): string =>
    `${s.longerSide.p5} / ${s.longerSide.p50} / ${s.longerSide.p95} | ${(s.inkFraction * 100).toFixed(1)}% | ` +
    `${s.strokeWidth.p5} / ${s.strokeWidth.p50} / ${s.strokeWidth.p95} | ${s.values.min} … ${s.values.max}`
  const families = [...new Set(m.fonts.map((f) => f.family))]
  return `# Synthetic glyph set "${m.name}"

Made by Glyphdesk ${m.glyphdeskVersion} (src/main/data/synth) with seed ${m.seed}:
${Object.entries(m.counts)
  .map(([s, n]) => `${m.name}_${s}.mat: ${n} glyphs`)
  .join(', ')}; 36 classes ${m.classes}, balanced.
Same layout as the coursework's nist36 files: <split>_data n×1024 (column-major 32×32, paper 1, ink 0), <split>_labels n×36 one-hot.

Command: \`${m.command ?? ''}\`

Glyphs are font characters (${m.fonts.length} styles of ${families.length} families: ${families.join(', ')}) drawn with
rotation, slant, aspect change, elastic distortion, photo-like contrast and noise, occasional tight crops, then
normalised by vision/normaliseGlyph with a drawn size, stroke width and offset, blurred lightly and given
resampling-like ringing. Humor Sans and Comic Neue are never used here; they are reserved for evaluation.
Fonts, weights and every augmentation range are in manifest.json.

## Statistics against real NIST letters

| set | longer side p5/p50/p95 (px) | ink pixels | stroke width p5/p50/p95 (px) | values |
|---|---|---|---|---|
${Object.entries(m.statistics)
  .map(([s, st]) => `| ${s} | ${stat(st)} |`)
  .join('\n')}
| real nist26 | ${stat(m.realNist)} |

What fonts do not give: many writers' private shapes (open A, cursive M, V with a round bottom),
pencil texture and the stroke order artefacts of real pens.
`
}
