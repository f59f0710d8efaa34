// Retraining on a person's corrections: fine-tune a copy of an MLP on the corrected glyphs (plus a
// replay sample of a glyph set, so the rest of the alphabet is not forgotten), measure accuracy on
// corrections held out from training before and after, and save the new model with its card.
// Runs inside the training worker (trainWorker.ts); a plain function so tests can call it directly.
import { existsSync } from 'node:fs'
import { CLASSES, NUM_CLASSES } from '../../shared/classes.ts'
import type { TrainConfigInput, TrainResult } from '../../shared/contract.ts'
import { concat, readGlyphSet, subset, type LabelledGlyphs } from '../data/glyphset.ts'
import { Rng } from '../nn/rng.ts'
import { loadMlp, saveMlp } from '../nn/serialise.ts'
import { evaluateMlp, trainMlp, type EpochStats } from '../nn/train.ts'
import { scorePredictions } from '../recognize/metrics.ts'

export interface RetrainSpec {
  config: TrainConfigInput
  baseDir: string
  baseName: string
  outDir: string
  name: string
  corrections: LabelledGlyphs
  /** Where each correction came from, for the card. */
  pages: string[]
  /** Glyph set to replay from: the configured one, else the base model's own training data if present. */
  replayDir: string | null
}

export interface RetrainHooks {
  signal?: AbortSignal
  onEpoch?(s: EpochStats, epochs: number): void
  onBatch?(epoch: number, batch: number, batches: number, loss: number): void
  onMessage?(message: string): void
}

export class NoCorrectionsError extends Error {
  override name = 'NoCorrectionsError'
}

/** Corrections split into training and held-out glyphs, seeded; held out only when there are enough to say something. */
export function splitCorrections(c: LabelledGlyphs, share: number, seed: number): { train: LabelledGlyphs; heldOut: LabelledGlyphs | null } {
  const order = new Uint32Array(c.n)
  for (let i = 0; i < c.n; i++) order[i] = i
  new Rng(seed).shuffle(order)
  const k = c.n >= 4 ? Math.min(c.n - 1, Math.max(1, Math.round(c.n * share))) : 0
  if (share <= 0 || k === 0) return { train: c, heldOut: null }
  return { heldOut: subset(c, order.subarray(0, k)), train: subset(c, order.subarray(k)) }
}

/** Up to `perClass` glyphs of each class from a set's training split, seeded. */
export function replaySample(set: LabelledGlyphs, perClass: number, seed: number): LabelledGlyphs {
  const byClass: number[][] = Array.from({ length: NUM_CLASSES }, () => [])
  for (let i = 0; i < set.n; i++) byClass[set.y[i]].push(i)
  const rng = new Rng(seed + 7919)
  const idx: number[] = []
  for (const list of byClass) {
    const a = Uint32Array.from(list)
    rng.shuffle(a)
    for (let k = 0; k < Math.min(perClass, a.length); k++) idx.push(a[k])
  }
  return subset(set, idx)
}

function repeat(g: LabelledGlyphs, times: number): LabelledGlyphs {
  return times <= 1 ? g : concat(...Array.from({ length: times }, () => g))
}

export async function runRetrain(spec: RetrainSpec, hooks: RetrainHooks = {}): Promise<TrainResult | null> {
  const cfg = spec.config
  if (spec.corrections.n === 0) {
    throw new NoCorrectionsError('there are no corrections to learn from yet: type the right letter on a few glyphs (or press Enter to confirm a right one), then retrain')
  }
  const { mlp, card: baseCard } = await loadMlp(spec.baseDir, { maxBatch: cfg.batch })
  const { train: own, heldOut } = splitCorrections(spec.corrections, cfg.heldOut, cfg.seed)

  let replay: LabelledGlyphs | null = null
  if (spec.replayDir && cfg.replayPerClass > 0) {
    if (!existsSync(spec.replayDir)) hooks.onMessage?.(`replay folder ${spec.replayDir} does not exist; training on the corrections alone`)
    else {
      const set = await readGlyphSet(spec.replayDir)
      replay = replaySample(set.train, cfg.replayPerClass, cfg.seed)
      hooks.onMessage?.(`replaying ${replay.n} glyphs from ${spec.replayDir}`)
    }
  } else hooks.onMessage?.('no glyph set configured for replay: training on the corrections alone (other letters may be forgotten)')

  // The corrections are few: repeat them so they make up at least a third of what each epoch sees.
  const reps = replay ? Math.max(1, Math.min(50, Math.ceil(replay.n / 2 / own.n))) : Math.max(1, Math.min(50, Math.ceil((4 * cfg.batch) / own.n)))
  const train = replay ? concat(repeat(own, reps), replay) : repeat(own, reps)

  const before = heldOut ? evaluateMlp(mlp, heldOut).accuracy : null
  const result = await trainMlp(mlp, train, heldOut ?? undefined, {
    epochs: cfg.epochs, lr: cfg.lr, batch: cfg.batch, momentum: cfg.momentum, optimizer: cfg.optimizer, seed: cfg.seed
  }, {
    signal: hooks.signal,
    onEpoch: (s) => hooks.onEpoch?.(s, cfg.epochs),
    onBatch: hooks.onBatch
  })
  if (result.stopped) return null

  let after: number | null = null
  let confusion: number[][] | null = null
  if (heldOut) {
    const e = evaluateMlp(mlp, heldOut)
    after = e.accuracy
    confusion = scorePredictions(heldOut.y.subarray(0, heldOut.n), e.predictions).confusion
  }
  const baseConfig = (baseCard['config'] ?? {}) as Record<string, unknown>
  const card = {
    name: spec.name,
    kind: 'mlp',
    created: new Date().toISOString(),
    description: `${spec.baseName} retrained on ${spec.corrections.n} corrections` + (replay ? ` with ${replay.n} replayed glyphs` : ''),
    base: spec.baseName,
    config: { sizes: baseConfig['sizes'] ?? mlp.config.sizes, activation: mlp.config.activation, seed: mlp.config.seed, train: cfg },
    data: {
      corrections: spec.corrections.n, trainCorrections: own.n, repeat: reps, heldOut: heldOut?.n ?? 0,
      replay: replay ? { dir: spec.replayDir, glyphs: replay.n, perClass: cfg.replayPerClass } : null,
      pages: spec.pages
    },
    curves: result.curves,
    metrics: { heldOutBefore: before, heldOutAfter: after, heldOutN: heldOut?.n ?? 0, heldOutConfusion: confusion }
  }
  await saveMlp(spec.outDir, mlp, card)
  return {
    model: spec.name, dir: spec.outDir, trainGlyphs: train.n, corrections: spec.corrections.n, replay: replay?.n ?? 0,
    heldOut: heldOut?.n ?? 0, before, after, confusion, classes: [...CLASSES]
  }
}
