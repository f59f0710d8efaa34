// The coursework's 1024-64-36 sigmoid MLP, trained with plain mini-batch SGD (batch 32) at a
// given learning rate: lr-sweep, weights and confusion all look at this network. Runs are
// memoised per context and learning rate, so `experiment all` trains each configuration once
// and every report that shows "the network at lr X" shows the same network.
import { Mlp } from '../nn/mlp.ts'
import { DivergedError, trainMlp, type EpochStats } from '../nn/train.ts'
import { GLYPH_PIXELS, NUM_CLASSES } from '../../shared/classes.ts'
import { requireSet, type ExperimentContext } from './context.ts'
import type { ExperimentName } from './report.ts'

export const BASELINE_HIDDEN = 64
export const BASELINE_BATCH = 32

/** One epoch's numbers without its wall-clock time (which differs from run to run). */
export interface EpochPoint {
  epoch: number
  trainLoss: number
  trainAcc: number
  validLoss: number
  validAcc: number
}

export interface BaselineRun {
  lr: number
  epochs: number
  curves: EpochPoint[]
  /** Where training stopped on a non-finite or exploding loss; null when it finished. */
  diverged: { epoch: number; loss: number } | null
  mlp: Mlp
  /** dense0.W at initialisation (1024×64, row-major in×out). */
  initialW: Float32Array
  seconds: number
}

const runs = new WeakMap<ExperimentContext, Map<string, Promise<BaselineRun>>>()

export function baselineRun(ctx: ExperimentContext, lr: number, who: ExperimentName): Promise<BaselineRun> {
  let byLr = runs.get(ctx)
  if (!byLr) runs.set(ctx, (byLr = new Map()))
  const key = `${lr}/${ctx.budgets.mlpEpochs}`
  let run = byLr.get(key)
  if (!run) {
    run = trainBaseline(ctx, lr, who)
    byLr.set(key, run)
  }
  return run
}

async function trainBaseline(ctx: ExperimentContext, lr: number, who: ExperimentName): Promise<BaselineRun> {
  const set = requireSet(ctx, who)
  const epochs = ctx.budgets.mlpEpochs
  const mlp = new Mlp(
    { sizes: [GLYPH_PIXELS, BASELINE_HIDDEN, NUM_CLASSES], activation: 'sigmoid', seed: ctx.seed },
    { maxBatch: 256 }
  )
  const initialW = Float32Array.from(mlp.dense[0].W)
  const curves: EpochPoint[] = []
  let diverged: BaselineRun['diverged'] = null
  const t0 = performance.now()
  ctx.log(`training 1024-64-36 sigmoid at lr ${lr} for ${epochs} epochs on ${set.train.n} glyphs`)
  try {
    await trainMlp(
      mlp,
      set.train,
      set.valid,
      { epochs, lr, batch: BASELINE_BATCH, momentum: 0, optimizer: 'sgd', seed: ctx.seed },
      {
        onEpoch: (s: EpochStats) => {
          curves.push({
            epoch: s.epoch,
            trainLoss: s.trainLoss,
            trainAcc: s.trainAcc,
            validLoss: s.validLoss ?? NaN,
            validAcc: s.validAcc ?? NaN
          })
          ctx.log(
            `  lr ${lr} epoch ${s.epoch}: loss ${s.trainLoss.toFixed(3)} train ${(s.trainAcc * 100).toFixed(1)}% valid ${((s.validAcc ?? 0) * 100).toFixed(1)}%`
          )
        }
      }
    )
  } catch (e) {
    if (!(e instanceof DivergedError)) throw e
    diverged = { epoch: e.epoch, loss: Number.isFinite(e.loss) ? e.loss : Number.NaN }
    ctx.log(`  lr ${lr} diverged in epoch ${e.epoch}`)
  }
  return { lr, epochs, curves, diverged, mlp, initialW, seconds: (performance.now() - t0) / 1000 }
}

/** The learning rate weights/confusion use: lr-sweep's pick in the same run, else the budget's default. */
export function baselineLr(ctx: ExperimentContext): { lr: number; source: string } {
  return ctx.bestLr !== undefined
    ? { lr: ctx.bestLr, source: 'the best learning rate of lr-sweep in the same run' }
    : { lr: ctx.budgets.mlpLr, source: 'the default learning rate (run lr-sweep, or `all`, to pick it from the data)' }
}
