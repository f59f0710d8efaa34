// Retraining on a person's corrections, as the app's job: the app's request (contract.ts TrainConfig) turned
// into a fine-tuning run of recognize/finetune.ts — the same code the `glyphdesk finetune` command runs.
// An MLP base continues training; a CNN base (ONNX with an embedding) gets a new head on its embeddings.
// Runs inside the training worker (trainWorker.ts); a plain function so tests can call it directly.
import type { TrainConfigInput, TrainResult } from '../../shared/contract.ts'
import type { EpochStats } from '../nn/train.ts'
import { finetune, type FinetuneSpec } from '../learn/finetune.ts'

export { NoCorrectionsError, replaySample, splitCorrections } from '../learn/finetune.ts'

/** A fine-tuning run as the app asks for it: the app's hyper-parameters instead of a full FinetuneConfig. */
export type RetrainSpec = Pick<
  FinetuneSpec,
  'baseDir' | 'baseName' | 'outDir' | 'name' | 'corrections' | 'pages' | 'replayDir' | 'pageOf' | 'changed'
> & {
  config: TrainConfigInput
}

export interface RetrainHooks {
  signal?: AbortSignal
  onEpoch?(s: EpochStats, epochs: number): void
  onBatch?(epoch: number, batch: number, batches: number, loss: number): void
  onMessage?(message: string): void
}

export async function runRetrain(spec: RetrainSpec, hooks: RetrainHooks = {}): Promise<TrainResult | null> {
  const c = spec.config
  const r = await finetune(
    {
      baseDir: spec.baseDir,
      baseName: spec.baseName,
      outDir: spec.outDir,
      name: spec.name,
      corrections: spec.corrections,
      pages: spec.pages,
      replayDir: spec.replayDir,
      ...(spec.pageOf ? { pageOf: spec.pageOf } : {}),
      ...(spec.changed !== undefined ? { changed: spec.changed } : {}),
      config: {
        epochs: c.epochs,
        lr: c.lr,
        batch: c.batch,
        optimizer: c.optimizer,
        momentum: c.momentum,
        heldOut: c.heldOut,
        replayPerClass: c.replayPerClass,
        seed: c.seed,
        crossValidate: c.crossValidate
      },
      command: `app retrain (train.start) of ${spec.baseName}`
    },
    hooks
  )
  if (!r) return null
  return {
    model: r.model,
    dir: r.dir,
    trainGlyphs: r.trainGlyphs,
    corrections: r.corrections,
    replay: r.replay,
    heldOut: r.heldOut,
    before: r.before,
    after: r.after,
    confusion: r.confusion,
    classes: r.classes,
    evaluation: r.evaluation
  }
}
