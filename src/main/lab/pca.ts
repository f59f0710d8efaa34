// pca: 32 principal components of the training split (eigen-decomposition of its covariance by
// nn/pca.ts's Householder + QL solver — equivalent to the SVD of the centred data), the rank of
// the projection, reconstructions of the autoencoder report's glyphs, mean PSNR on valid and the
// parameter counts of PCA against the autoencoder.
import { autoencoderParameterCount } from '../nn/autoencoder.ts'
import { fitPca, pcaParameterCount, pcaReconstruct, projectionRank } from '../nn/pca.ts'
import { glyphGridPng } from '../data/grid.ts'
import { GLYPH_PIXELS, GLYPH_SIZE } from '../../shared/classes.ts'
import { AE_SIZES, PSNR_NOTE, quantiles } from './autoencoder.ts'
import { newReport, requireSet, type ExperimentContext, type ExperimentOutput } from './context.ts'
import { psnrSummary } from './psnr.ts'
import { reconstructionGlyphs, rowsPng, unitGlyphs, RECON_CLASSES, RECON_PER_CLASS } from './reconstruction.ts'
import { sig } from './report.ts'

export const PCA_COMPONENTS = 32

export async function pcaExperiment(ctx: ExperimentContext): Promise<ExperimentOutput> {
  const set = requireSet(ctx, 'pca')
  const report = newReport(
    ctx,
    'pca',
    `PCA with ${PCA_COMPONENTS} components: reconstructions, PSNR and size against the autoencoder`
  )
  const t0 = performance.now()
  const train = unitGlyphs(set.train)
  const valid = unitGlyphs(set.valid)
  ctx.log(`PCA: covariance of ${train.n} glyphs and its eigen-decomposition`)
  const pca = fitPca(train.x, train.n, GLYPH_PIXELS, PCA_COMPONENTS)
  const rank = projectionRank(pca)
  const recon = pcaReconstruct(pca, valid.x, valid.n)
  const p = psnrSummary(valid.x, recon, valid.n, GLYPH_PIXELS)
  const pick = reconstructionGlyphs(set.valid, ctx.seed)
  const scale = 3
  const reconPng = await rowsPng([valid.x, recon], pick.indices, scale)
  const componentsPng = await glyphGridPng(Float32Array.from(pca.components), PCA_COMPONENTS, 8, {
    scale: 2,
    gap: 3,
    range: 'per-glyph'
  })
  const totalVar = pca.variances.reduce((a, b) => a + b, 0)
  const kept = pca.variances.subarray(0, PCA_COMPONENTS).reduce((a, b) => a + b, 0)
  const pcaParams = pcaParameterCount(GLYPH_PIXELS, PCA_COMPONENTS)
  const aeParams = autoencoderParameterCount(AE_SIZES)
  const seconds = (performance.now() - t0) / 1000

  report.summary = [
    `Mean PSNR on the ${valid.n} valid glyphs: ${p.meanPsnr.toFixed(2)} dB with ${PCA_COMPONENTS} components (the coursework's PCA reached ≈ 16.3 dB); ` +
      `they keep ${((100 * kept) / totalVar).toFixed(1)}% of the training set's pixel variance.`,
    `The projection x ↦ mean + Cᵀ·C·(x − mean) uses a ${rank.shape[0]}×${rank.shape[1]} matrix CᵀC of rank ${rank.rank}: every reconstruction lies in a ${rank.rank}-dimensional affine subspace.`,
    `PCA stores ${pcaParams.toLocaleString('en')} numbers (${PCA_COMPONENTS} components of 1024 plus the mean); the ${AE_SIZES.join('-')} autoencoder has ${aeParams.toLocaleString('en')} parameters, ${(aeParams / pcaParams).toFixed(1)}× as many.`
  ]
  report.metrics = {
    components: PCA_COMPONENTS,
    validMeanPsnrDb: sig(p.meanPsnr, 5),
    validPooledPsnrDb: sig(p.pooledPsnr, 5),
    projectionRank: rank.rank,
    projectionShape: `${rank.shape[0]}×${rank.shape[1]}`,
    varianceKept: sig(kept / totalVar, 4),
    pcaParameters: pcaParams,
    autoencoderParameters: aeParams
  }
  if (ctx.evalData) {
    const ev = unitGlyphs(ctx.evalData.glyphs)
    const pe = psnrSummary(ev.x, pcaReconstruct(pca, ev.x, ev.n), ev.n, GLYPH_PIXELS)
    report.metrics['evalDataMeanPsnrDb'] = sig(pe.meanPsnr, 5)
    report.summary.push(
      `On the ${ev.n} real glyphs of ${ctx.evalData.file} the mean PSNR is ${pe.meanPsnr.toFixed(2)} dB.`
    )
  }
  const cumulative: [number, number | null][] = []
  let acc = 0
  const shown = Math.min(128, pca.variances.length)
  for (let i = 0; i < shown; i++) {
    acc += pca.variances[i]
    cumulative.push([i + 1, sig(acc / totalVar, 5)])
  }
  report.details = {
    method:
      'eigen-decomposition of the 1024×1024 sample covariance of the centred training glyphs (Householder tridiagonalisation + implicit QL, src/main/nn/pca.ts); the components equal the right singular vectors of the centred data matrix',
    eigenvalues: Array.from(pca.variances.subarray(0, shown), (v) => sig(v, 6)),
    projectionGramEigenvalues: rank.singularValues.map((v) => sig(v, 6)),
    reconstructed: {
      split: 'valid',
      classes: pick.classes,
      indices: pick.indices,
      psnrDb: pick.indices.map((i) => sig(p.perImage[i], 4))
    },
    validPsnrQuantiles: quantiles(p.perImage),
    parameters: {
      pca: { components: PCA_COMPONENTS * GLYPH_PIXELS, mean: GLYPH_PIXELS, total: pcaParams },
      autoencoder: { sizes: AE_SIZES, total: aeParams }
    }
  }
  report.charts.push({
    kind: 'line',
    id: 'variance',
    title: 'Share of pixel variance kept by the first k components',
    file: 'variance.svg',
    xLabel: 'components k',
    yLabel: 'variance kept',
    yFormat: 'percent',
    yMin: 0,
    yMax: 1,
    series: [{ name: 'cumulative variance (training set)', points: cumulative }]
  })
  report.images.push(
    {
      id: 'reconstructions',
      title: `PCA reconstructions of the autoencoder report's glyphs (${pick.classes.join(', ')})`,
      file: 'reconstructions.png',
      caption:
        'Top row: originals (clamped to [0, 1]); bottom row: reconstructions from 32 components (values outside [0, 1] shown clamped).',
      rows: 2,
      cols: pick.indices.length,
      rowLabels: ['original', 'PCA'],
      colLabels: pick.indices.map((_, k) => pick.classes[Math.floor(k / RECON_PER_CLASS)]),
      cellPixels: GLYPH_SIZE * scale
    },
    {
      id: 'components',
      title: `The ${PCA_COMPONENTS} principal components`,
      file: 'components.png',
      caption:
        'Largest variance first, left to right, top to bottom; each stretched to its own range (sign is a convention: the largest-magnitude pixel is positive).',
      rows: PCA_COMPONENTS / 8,
      cols: 8,
      cellPixels: GLYPH_SIZE * 2
    }
  )
  report.tables.push({
    id: 'parameters',
    title: 'Parameters: PCA against the autoencoder',
    columns: ['model', 'what is stored', 'numbers', 'valid mean PSNR (dB)'],
    rows: [
      [
        `PCA, ${PCA_COMPONENTS} components`,
        `${PCA_COMPONENTS}×1024 components + 1024 mean`,
        pcaParams,
        sig(p.meanPsnr, 4)
      ],
      [`autoencoder ${AE_SIZES.join('-')}`, 'weights and biases of 4 dense layers', aeParams, 'see ../autoencoder']
    ]
  })
  report.notes.push(
    PSNR_NOTE,
    `Reconstructions are shown for ${RECON_PER_CLASS} glyphs of each of ${RECON_CLASSES} classes drawn with the seed, the same as in the autoencoder report.`
  )
  report.run.seconds = sig(seconds, 4) ?? 0
  return {
    report,
    files: new Map([
      ['reconstructions.png', reconPng],
      ['components.png', componentsPng]
    ])
  }
}
