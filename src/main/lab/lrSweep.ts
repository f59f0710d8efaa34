// lr-sweep: the 1024-64-36 MLP trained at a grid of learning rates; the best (highest final
// validation accuracy) is reported with ten times and a tenth of it — per-epoch loss and
// accuracy curves, the best one's test accuracy, and sentences on what the curves show.
import { evaluateMlp } from '../nn/train.ts'
import { baselineRun, BASELINE_BATCH, type BaselineRun, type EpochPoint } from './baseline.ts'
import { newReport, requireSet, type ExperimentContext, type ExperimentOutput } from './context.ts'
import { sig, type LineSeries } from './report.ts'

/** Learning rates written without float noise (0.1 × 3 → 0.3). */
export const tidyLr = (lr: number): number => Number(lr.toPrecision(6))

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`

export interface SweepRunSummary {
  lr: number
  curves: EpochPoint[]
  diverged: { epoch: number } | null
}

/** Index of the best run: highest final validation accuracy among runs that finished; ties → smaller lr. */
export function pickBest(runs: readonly SweepRunSummary[]): number {
  let best = -1
  runs.forEach((r, i) => {
    if (r.diverged || r.curves.length === 0) return
    const acc = r.curves[r.curves.length - 1].validAcc
    if (best < 0) {
      best = i
      return
    }
    const b = runs[best],
      bAcc = b.curves[b.curves.length - 1].validAcc
    if (acc > bAcc || (acc === bAcc && r.lr < b.lr)) best = i
  })
  return best
}

/** First epoch at which valid accuracy reached `target`, or null. */
function epochReaching(curves: readonly EpochPoint[], target: number): number | null {
  const e = curves.find((c) => c.validAcc >= target)
  return e ? e.epoch : null
}

/** Largest drop of valid accuracy from one epoch to the next (how jumpy the curve is). */
function worstDrop(curves: readonly EpochPoint[]): number {
  let d = 0
  for (let i = 1; i < curves.length; i++) d = Math.max(d, curves[i - 1].validAcc - curves[i].validAcc)
  return d
}

/** Sentences describing the three curves, generated from their numbers only. */
export function describeSweep(
  best: SweepRunSummary,
  high: SweepRunSummary,
  low: SweepRunSummary,
  testAcc: number
): string[] {
  const last = (r: SweepRunSummary) => r.curves[r.curves.length - 1]
  const b = last(best)
  const out: string[] = []
  const gap = b.trainAcc - b.validAcc
  out.push(
    `At the best learning rate, ${best.lr}, validation accuracy reached ${pct(b.validAcc)} after ${b.epoch} epochs (test ${pct(testAcc)}); ` +
      `training accuracy was ${pct(b.trainAcc)}, a gap of ${(gap * 100).toFixed(1)} points, ` +
      (gap > 0.05
        ? 'so the network has started to overfit.'
        : gap > 0.02
          ? 'a mild amount of overfitting.'
          : 'so it is not overfitting.')
  )
  if (high.diverged) {
    out.push(
      `Ten times larger (${high.lr}) training diverged in epoch ${high.diverged.epoch}: the loss exploded and the run was stopped.`
    )
  } else if (high.curves.length) {
    const h = last(high)
    const drop = worstDrop(high.curves)
    out.push(
      `Ten times larger (${high.lr}) ended at ${pct(h.validAcc)} validation accuracy (${h.validAcc < b.validAcc ? `${((b.validAcc - h.validAcc) * 100).toFixed(1)} points below` : 'no better than'} the best)` +
        (drop > 0.01
          ? `, and its curve is unstable: validation accuracy fell by up to ${(drop * 100).toFixed(1)} points between consecutive epochs.`
          : '; steps that large overshoot, so it settles lower.')
    )
  }
  if (low.curves.length) {
    const l = last(low)
    const when = epochReaching(best.curves, l.validAcc)
    out.push(
      `A tenth of it (${low.lr}) learns slowly: after ${l.epoch} epochs it reached ${pct(l.validAcc)}` +
        (when !== null ? `, which the best rate had reached by epoch ${when}.` : '.') +
        (l.trainLoss > b.trainLoss
          ? ` Its training loss (${l.trainLoss.toFixed(3)}) is still above the best run's (${b.trainLoss.toFixed(3)}).`
          : '')
    )
  }
  return out
}

const rounded = (c: EpochPoint): EpochPoint => ({
  epoch: c.epoch,
  trainLoss: sig(c.trainLoss)!,
  trainAcc: sig(c.trainAcc)!,
  validLoss: sig(c.validLoss)!,
  validAcc: sig(c.validAcc)!
})

export async function lrSweepExperiment(ctx: ExperimentContext): Promise<ExperimentOutput> {
  const set = requireSet(ctx, 'lr-sweep')
  const report = newReport(
    ctx,
    'lr-sweep',
    'Learning rate: the 1024-64-36 MLP at the best rate, ten times it and a tenth of it'
  )
  const byLr = new Map<number, BaselineRun>()
  const run = async (lr: number): Promise<BaselineRun> => {
    const key = tidyLr(lr)
    if (!byLr.has(key)) byLr.set(key, await baselineRun(ctx, key, 'lr-sweep'))
    return byLr.get(key)!
  }
  for (const lr of ctx.budgets.lrGrid) await run(lr)
  const gridRuns = [...byLr.values()]
  const bi = pickBest(gridRuns)
  if (bi < 0)
    throw new Error(`lr-sweep: every learning rate in ${ctx.budgets.lrGrid.join(', ')} diverged; try smaller ones`)
  const best = gridRuns[bi]
  const high = await run(best.lr * 10)
  const low = await run(best.lr / 10)
  ctx.bestLr = best.lr

  const test = evaluateMlp(best.mlp, set.test)
  const evalAcc = ctx.evalData ? evaluateMlp(best.mlp, ctx.evalData.glyphs).accuracy : null
  const three = [
    { role: 'best', run: best },
    { role: '10× best', run: high },
    { role: '0.1× best', run: low }
  ]
  report.summary = describeSweep(best, high, low, test.accuracy)
  report.metrics = {
    bestLr: best.lr,
    epochs: ctx.budgets.mlpEpochs,
    batch: BASELINE_BATCH,
    bestValidAccuracy: sig(best.curves.at(-1)!.validAcc),
    bestTestAccuracy: sig(test.accuracy),
    bestTestLoss: sig(test.loss),
    ...(evalAcc !== null ? { bestEvalDataAccuracy: sig(evalAcc) } : {}),
    highLr: high.lr,
    highValidAccuracy: high.diverged ? null : sig(high.curves.at(-1)?.validAcc ?? NaN),
    highDivergedAtEpoch: high.diverged?.epoch ?? null,
    lowLr: low.lr,
    lowValidAccuracy: sig(low.curves.at(-1)?.validAcc ?? NaN)
  }
  const allRuns = [...byLr.values()].sort((a, b) => a.lr - b.lr)
  report.details = {
    network: {
      sizes: [1024, 64, 36],
      activation: 'sigmoid',
      init: 'xavier-uniform',
      loss: 'mean softmax cross-entropy',
      optimizer: 'sgd',
      momentum: 0,
      batch: BASELINE_BATCH
    },
    grid: ctx.budgets.lrGrid,
    runs: allRuns.map((r) => ({
      lr: r.lr,
      role: three.find((t) => t.run === r)?.role ?? 'grid',
      diverged: r.diverged,
      curves: r.curves.map(rounded)
    }))
  }
  const point = (epoch: number, v: number): [number, number | null] => [epoch, sig(v)]
  const series = (key: 'Acc' | 'Loss'): LineSeries[] =>
    three.flatMap(({ role, run: r }) => [
      {
        name: `train, lr ${r.lr} (${role})`,
        group: role,
        dashed: true,
        points: r.curves.map((c) => point(c.epoch, key === 'Acc' ? c.trainAcc : c.trainLoss))
      },
      {
        name: `valid, lr ${r.lr} (${role})`,
        group: role,
        points: r.curves.map((c) => point(c.epoch, key === 'Acc' ? c.validAcc : c.validLoss))
      }
    ])
  report.charts.push(
    {
      kind: 'line',
      id: 'accuracy',
      title: 'Accuracy per epoch (dashed: train, solid: valid)',
      file: 'accuracy.svg',
      xLabel: 'epoch',
      yLabel: 'accuracy',
      yFormat: 'percent',
      yMax: 1,
      series: series('Acc')
    },
    {
      kind: 'line',
      id: 'loss',
      title: 'Mean cross-entropy per epoch (dashed: train, solid: valid)',
      file: 'loss.svg',
      xLabel: 'epoch',
      yLabel: 'loss (nats)',
      yMin: 0,
      series: series('Loss')
    },
    {
      kind: 'line',
      id: 'grid',
      title: `Final validation accuracy against learning rate (${ctx.budgets.mlpEpochs} epochs)`,
      file: 'lr-grid.svg',
      xLabel: 'learning rate (log scale)',
      yLabel: 'valid accuracy',
      xLog: true,
      yFormat: 'percent',
      series: [
        {
          name: 'valid accuracy after the last epoch',
          points: allRuns.map((r) => [r.lr, r.diverged ? null : sig(r.curves.at(-1)?.validAcc ?? NaN)])
        }
      ]
    }
  )
  report.tables.push({
    id: 'runs',
    title: 'Every run',
    columns: [
      'learning rate',
      'role',
      'epochs run',
      'train loss',
      'train acc',
      'valid loss',
      'valid acc',
      'diverged in epoch'
    ],
    rows: allRuns.map((r) => {
      const c = r.curves.at(-1)
      return [
        r.lr,
        three.find((t) => t.run === r)?.role ?? 'grid',
        r.curves.length,
        c ? sig(c.trainLoss, 4) : null,
        c ? sig(c.trainAcc, 4) : null,
        c ? sig(c.validLoss, 4) : null,
        c ? sig(c.validAcc, 4) : null,
        r.diverged?.epoch ?? null
      ]
    })
  })
  report.notes.push(
    `The grid (${ctx.budgets.lrGrid.join(', ')}) is searched first; the best is the rate with the highest validation accuracy after the last epoch. ` +
      'Each run starts from the same Xavier-uniform initialisation and sees the same shuffles (both from the seed).',
    'Loss is the mean softmax cross-entropy over a batch of 32, so a learning rate here does not scale with the batch size.'
  )
  report.run.seconds =
    sig(
      allRuns.reduce((a, r) => a + r.seconds, 0),
      4
    ) ?? 0
  return { report, files: new Map() }
}
