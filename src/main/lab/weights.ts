// weights: the first layer's 64 weight vectors of the 1024-64-36 MLP as 32×32 images, at
// initialisation and after training, side by side; with numbers that say how they changed
// (noise → smooth stroke detectors shows up as a rise in neighbouring-pixel correlation).
import sharp from 'sharp'
import { glyphGridPng } from '../data/grid.ts'
import { GLYPH_PIXELS, GLYPH_SIZE } from '../../shared/classes.ts'
import { baselineLr, baselineRun, BASELINE_HIDDEN } from './baseline.ts'
import { newReport, requireSet, type ExperimentContext, type ExperimentOutput } from './context.ts'
import { sig } from './report.ts'

/** Hidden unit j's incoming weights (column j of the in×out matrix W) as one 1024-value image each: units×1024. */
export function weightImages(W: ArrayLike<number>, inDim: number, units: number): Float32Array {
  const out = new Float32Array(units * inDim)
  for (let j = 0; j < units; j++) for (let i = 0; i < inDim; i++) out[j * inDim + i] = W[i * units + j]
  return out
}

/** Mean over images of the correlation between horizontally and vertically neighbouring pixels (0 for white noise). */
export function neighbourCorrelation(images: Float32Array, n: number, size = GLYPH_SIZE): number {
  let total = 0
  const px = size * size
  for (let g = 0; g < n; g++) {
    const o = g * px
    let mean = 0
    for (let i = 0; i < px; i++) mean += images[o + i]
    mean /= px
    let varSum = 0,
      cov = 0,
      pairs = 0
    for (let i = 0; i < px; i++) varSum += (images[o + i] - mean) ** 2
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const a = images[o + r * size + c] - mean
        if (c + 1 < size) {
          cov += a * (images[o + r * size + c + 1] - mean)
          pairs++
        }
        if (r + 1 < size) {
          cov += a * (images[o + (r + 1) * size + c] - mean)
          pairs++
        }
      }
    }
    total += varSum > 0 ? cov / pairs / (varSum / px) : 0
  }
  return total / n
}

function l2(a: Float32Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] * a[i]
  return Math.sqrt(s)
}

export async function weightsExperiment(ctx: ExperimentContext): Promise<ExperimentOutput> {
  requireSet(ctx, 'weights')
  const { lr, source } = baselineLr(ctx)
  const run = await baselineRun(ctx, lr, 'weights')
  const report = newReport(
    ctx,
    'weights',
    'First-layer weights of the 1024-64-36 MLP: at initialisation and after training'
  )
  const init = weightImages(run.initialW, GLYPH_PIXELS, BASELINE_HIDDEN)
  const trained = weightImages(run.mlp.dense[0].W, GLYPH_PIXELS, BASELINE_HIDDEN)
  const delta = trained.map((v, i) => v - init[i])
  const corrInit = neighbourCorrelation(init, BASELINE_HIDDEN)
  const corrTrained = neighbourCorrelation(trained, BASELINE_HIDDEN)
  const corrDelta = neighbourCorrelation(delta, BASELINE_HIDDEN)
  const relChange = l2(delta) / l2(init)

  // Scale 2 (64-pixel cells) and a greyscale PNG: the noisy initial weights compress badly, and
  // at scale 3 in RGB the picture was ~300 KB; the pixel values are the same, only fewer of them.
  const scale = 2,
    gap = 3,
    sideGap = 24
  const [left, right] = await Promise.all(
    [init, trained].map((w) => glyphGridPng(w, BASELINE_HIDDEN, 8, { scale, gap, range: 'per-glyph' }))
  )
  const meta = await sharp(left).metadata()
  const width = meta.width!,
    height = meta.height!
  const png = await sharp({ create: { width: 2 * width + sideGap, height, channels: 3, background: '#ffffff' } })
    .composite([
      { input: left, left: 0, top: 0 },
      { input: right, left: width + sideGap, top: 0 }
    ])
    .toColourspace('b-w')
    .png({ compressionLevel: 9 })
    .toBuffer()

  const finalValid = run.curves.at(-1)?.validAcc
  report.summary = [
    `At initialisation the 64 weight vectors are uniform noise: neighbouring pixels are uncorrelated (correlation ${corrInit.toFixed(2)}).`,
    `After ${run.curves.length} epochs at learning rate ${lr} (valid accuracy ${finalValid !== undefined ? (finalValid * 100).toFixed(1) + '%' : 'n/a'}), ` +
      (corrTrained > 0.3
        ? `neighbouring weights correlate at ${corrTrained.toFixed(2)}: the units have picked up smooth, stroke-sized blobs of positive and negative weight. `
        : `neighbouring weights correlate at only ${corrTrained.toFixed(2)}: the vectors still look mostly like their initial noise. `) +
      `What training added to the initial weights has neighbour correlation ${corrDelta.toFixed(2)} and is ${(relChange * 100).toFixed(0)}% of their size` +
      (relChange < 1 ? ', so the initial noise still shows through.' : ', so it dominates the initial noise.')
  ]
  report.metrics = {
    lr,
    epochs: run.curves.length,
    validAccuracy: sig(finalValid ?? NaN),
    neighbourCorrelationInit: sig(corrInit, 4),
    neighbourCorrelationTrained: sig(corrTrained, 4),
    neighbourCorrelationChange: sig(corrDelta, 4),
    relativeChange: sig(relChange, 4)
  }
  report.details = {
    lrSource: source,
    diverged: run.diverged,
    layer: 'dense0.W (1024×64); image j is column j, reshaped row-major to 32×32'
  }
  report.images.push({
    id: 'weights',
    title: 'The 64 first-layer weight vectors: at initialisation (left) and after training (right)',
    file: 'weights.png',
    caption:
      "Each 32×32 cell is one hidden unit's incoming weights, stretched to its own min (black) … max (white); units in the same order on both sides.",
    rows: 8,
    cols: 16,
    colLabels: ['at initialisation (8×8 units)', 'after training (8×8 units)'],
    cellPixels: GLYPH_SIZE * scale
  })
  if (run.diverged)
    report.notes.push(
      `Training diverged in epoch ${run.diverged.epoch}; the right side shows the weights at that point.`
    )
  report.notes.push(`Learning rate: ${source}.`)
  report.run.seconds = sig(run.seconds, 4) ?? 0
  return { report, files: new Map([['weights.png', png]]) }
}
