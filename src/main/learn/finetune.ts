// Fine-tuning a model on a person's corrections, in the main process (the CLI calls it directly, the
// app's retrain job calls it inside a worker thread). Two ways, chosen by the base model's kind:
//  (a) an MLP base ('mlp'): a copy of the network continues training on the corrections;
//  (b) a CNN base (ONNX with an embedding output): the CNN stays frozen; its embeddings of all glyphs
//      are computed once with onnxruntime and a new head (softmax, or a small MLP) is trained on them in
//      Glyphdesk's own nn code, then saved as a 'cnn-head' model (recognize/cnnHead.ts). The softmax
//      head starts as the base itself: the base's logits are a linear function of its embedding, so a
//      least-squares fit of logits on embeddings (over the replay and correction glyphs) recovers the
//      base's last layer before training moves it.
// In both, every correction trains (a held-out share only on request), repeated (one glyph at most
// `maxRepeat` times) to weigh against a replay sample — from a glyph-set folder, or by default the replay set
// shipped with the models (recognize/replaySet.ts) — so the model does not forget the rest of the alphabet.
// The result is scored on the corrections by cross-validation (leave one page out, or k-fold) and on the
// shipped set's never-trained check part, before and after; it is a new model directory with its card.
// Nothing is written until training has finished; shipped models are never written to.
import { existsSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { CLASSES, GLYPH_PIXELS, NUM_CLASSES } from '../../shared/classes.ts'
import {
  CNN_HEAD_FORMAT,
  MLP_FORMAT,
  isRecord,
  ONNX_FORMAT,
  type ModelCard,
  type ModelManifest
} from '../../shared/modelManifest.ts'
import { ConflictError, InvalidInputError } from '../core/errors.ts'
import { readModelManifest } from '../core/modelManifest.ts'
import { createGlyphAugmenter } from '../data/augment.ts'
import {
  concat,
  concatRows,
  firstPerClass,
  readGlyphFile,
  readGlyphSet,
  subset,
  type LabelledGlyphs
} from '../data/glyphset.ts'
import { Mlp } from '../nn/mlp.ts'
import { Rng } from '../nn/rng.ts'
import { loadMlp, saveMlp } from '../nn/serialise.ts'
import { writeDirAtomic, writeFileAtomic } from '../core/atomicFile.ts'
import { evaluateMlp, trainMlp, type EpochStats, type TrainResult as MlpTrainResult } from '../nn/train.ts'
import {
  CNN_HEAD_DIR,
  CNN_HEAD_FORMAT_VERSION,
  CnnHeadClassifier,
  onnxSha256,
  type CnnHeadManifest
} from '../recognize/cnnHead.ts'
import { NoCorrectionsError } from './corrections.ts'
import { loadReplaySet, ReplaySetError } from '../data/replaySet.ts'
import { portableCommand, portableDataPath, resolveDataPath } from '../data/paths.ts'
import { scorePredictions } from '../recognize/metrics.ts'
import { NonFiniteOutputError } from '../recognize/modelCard.ts'
import { isInsideShippedModels, listShippedModels } from '../recognize/models.ts'
import { OnnxClassifier } from '../recognize/onnxClassifier.ts'

export { NoCorrectionsError } from './corrections.ts'

/** The output directory is not allowed (a shipped model's folder, or a model already there). */
export class FinetuneOutputError extends ConflictError {
  override name = 'FinetuneOutputError'
}
/** The base model cannot be fine-tuned (kind unknown, ONNX without an embedding). */
export class FinetuneBaseError extends InvalidInputError {
  override name = 'FinetuneBaseError'
}

export interface FinetuneConfig {
  epochs: number
  lr: number
  batch: number
  optimizer: 'adam' | 'sgd'
  momentum: number
  /** Share of the corrections held out (seeded) to score before and after; 0 keeps all for training. */
  heldOut: number
  /** Replay glyphs per class from the replay set's training split. */
  replayPerClass: number
  seed: number
  /** MLP base: augment training batches (affine jitter, stroke width) as the shipped MLPs were trained. */
  augment?: boolean
  /** Also replay the base's own extra training glyphs its card lists (data.extraTrain, e.g. real letters) when on disk (default true). */
  replayBaseExtra?: boolean
  /** CNN base: hidden widths of the head; [] (default) is a softmax layer initialised from the base. */
  headHidden?: number[]
  /**
   * Score the corrections by cross-validation (default true): leave one page out when they come from two or
   * more pages, else k-fold (k ≤ 5); each fold's glyphs are read by a model trained the same way without them.
   */
  crossValidate?: boolean
  /** At most this many copies of one correction in training (default 20): one wrong label cannot flood a model. */
  maxRepeat?: number
}

/** Defaults per base kind (the app's retrain panel sends its own values). */
export const FINETUNE_DEFAULTS: Record<'mlp' | 'cnn-head', FinetuneConfig> = {
  mlp: {
    epochs: 6,
    lr: 0.0005,
    batch: 64,
    optimizer: 'adam',
    momentum: 0,
    heldOut: 0,
    replayPerClass: 100,
    seed: 1,
    augment: false
  },
  'cnn-head': {
    epochs: 20,
    lr: 0.001,
    batch: 64,
    optimizer: 'adam',
    momentum: 0,
    heldOut: 0,
    replayPerClass: 50,
    seed: 1,
    headHidden: []
  }
}

export interface FinetuneSpec {
  /** Base model directory (shipped or user). */
  baseDir: string
  baseName: string
  /** New model directory; must not exist yet (or be empty) and never lie inside resources/models. */
  outDir: string
  name: string
  corrections: LabelledGlyphs
  /** Page images the corrections come from, for the card. */
  pages: string[]
  /** Corrections whose label differs from the model's prediction (the rest confirm it), for the card. */
  changed?: number
  /** Glyph set folder to replay from; null → the replay set shipped with the models (resources/replay). */
  replayDir: string | null
  /** Index of each correction's page (for leave-one-page-out); without it, k-fold. */
  pageOf?: ArrayLike<number>
  config: FinetuneConfig
  /** How it was made, for the card (the CLI's command line, or the app's route). */
  command?: string
}

export interface FinetuneHooks {
  signal?: AbortSignal
  onEpoch?(s: EpochStats, epochs: number): void
  onBatch?(epoch: number, batch: number, batches: number, loss: number): void
  onMessage?(message: string): void
}

export interface FinetuneResult {
  model: string
  dir: string
  kind: 'mlp' | 'cnn-head'
  trainGlyphs: number
  corrections: number
  replay: number
  heldOut: number
  before: number | null
  after: number | null
  confusion: number[][] | null
  classes: string[]
  seconds: number
  evaluation: FinetuneEvaluation
  card: Record<string, unknown>
}

/** What the retrained model was measured on, each number with what it is. */
export interface FinetuneEvaluation {
  /** The corrections it trained on: the base's reading of them, and the new model's (a fit, not a test). */
  corrections: { n: number; base: number; trained: number }
  /** Corrections read by models trained without them (see FinetuneConfig.crossValidate); null when off or < 2. */
  crossValidated: {
    method: 'leave-one-page-out' | 'k-fold'
    folds: number
    n: number
    base: number
    after: number
  } | null
  /** The shipped replay set's check part (never trained on): the rest of the alphabet before and after. */
  replayCheck: { n: number; source: string; base: number; after: number } | null
}

/** Corrections split into training and held-out glyphs, seeded; held out only when there are enough to say something. */
export function splitCorrections(
  c: LabelledGlyphs,
  share: number,
  seed: number
): { train: LabelledGlyphs; heldOut: LabelledGlyphs | null; trainIdx: number[] } {
  const order = new Uint32Array(c.n)
  for (let i = 0; i < c.n; i++) order[i] = i
  new Rng(seed).shuffle(order)
  const k = c.n >= 4 ? Math.min(c.n - 1, Math.max(1, Math.round(c.n * share))) : 0
  if (share <= 0 || k === 0) return { train: c, heldOut: null, trainIdx: Array.from({ length: c.n }, (_, i) => i) }
  const trainIdx = Array.from(order.subarray(k)).sort((a, b) => a - b)
  return { heldOut: subset(c, order.subarray(0, k)), train: subset(c, trainIdx), trainIdx }
}

/**
 * The cross-validation folds of n corrections (each fold: the indices it holds out): one per page when they
 * come from two or more pages, else min(5, n) seeded folds; none for fewer than 2 corrections.
 */
export function correctionFolds(
  n: number,
  pageOf: ArrayLike<number> | undefined,
  seed: number
): { method: 'leave-one-page-out' | 'k-fold'; folds: number[][] } | null {
  if (n < 2) return null
  if (pageOf && new Set(Array.from(pageOf)).size >= 2) {
    const byPage = new Map<number, number[]>()
    for (let i = 0; i < n; i++) {
      const p = pageOf[i]
      byPage.set(p, [...(byPage.get(p) ?? []), i])
    }
    return { method: 'leave-one-page-out', folds: [...byPage.values()] }
  }
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  new Rng(seed + 104729).shuffle(order)
  const k = Math.min(5, n)
  const folds: number[][] = Array.from({ length: k }, () => [])
  order.forEach((v, i) => folds[i % k].push(v))
  return { method: 'k-fold', folds: folds.map((f) => f.sort((a, b) => a - b)) }
}

function complement(n: number, idx: readonly number[]): number[] {
  const out = new Set(idx)
  return Array.from({ length: n }, (_, i) => i).filter((i) => !out.has(i))
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

/** How often the training corrections are repeated: enough to be about a third of an epoch against the replay. */
export function oversampleFactor(corrections: number, replay: number, batch: number, maxRepeat = 20): number {
  const cap = Math.max(1, Math.floor(maxRepeat))
  return replay > 0
    ? Math.max(1, Math.min(cap, Math.ceil(replay / 2 / corrections)))
    : Math.max(1, Math.min(cap, Math.ceil((4 * batch) / corrections)))
}

/**
 * The corrections repeated `times` times, a class that is rare among them up to 4× more (a page has many O
 * and one 0; the one 0 is what the person needs learnt as much as the O's).
 */
function repeat<T extends { x: Float32Array; y: Uint8Array; n: number }>(
  g: T,
  times: number,
  dim: number,
  maxRepeat = 20,
  balance = true
): LabelledGlyphs {
  const count = new Array<number>(NUM_CLASSES).fill(0)
  for (let i = 0; i < g.n; i++) count[g.y[i]]++
  const present = count.filter((c) => c > 0).sort((a, b) => a - b)
  const median = present[Math.floor(present.length / 2)] ?? 1
  // The rare-class boost never takes one glyph past maxRepeat copies.
  const reps = Array.from({ length: g.n }, (_, i) =>
    Math.min(
      Math.max(times, Math.floor(maxRepeat)),
      Math.round(times * (balance ? Math.min(4, Math.max(1, median / count[g.y[i]])) : 1))
    )
  )
  const n = reps.reduce((a, r) => a + r, 0)
  if (n === g.n) return g
  const x = new Float32Array(n * dim)
  const y = new Uint8Array(n)
  let k = 0
  for (let t = 0; t < Math.max(...reps); t++) {
    for (let i = 0; i < g.n; i++) {
      if (reps[i] <= t) continue
      x.set(g.x.subarray(i * dim, (i + 1) * dim), k * dim)
      y[k] = g.y[i]
      k++
    }
  }
  return { x, y, n }
}

/** Refuses an output directory inside resources/models or one that already holds something. */
export function checkOutputDir(outDir: string): void {
  if (isInsideShippedModels(outDir))
    throw new FinetuneOutputError(
      `${resolve(outDir)} is inside the shipped models (resources/models), which are never written to; choose a folder of your own, e.g. --out models/mine`
    )
  if (existsSync(outDir) && readdirSync(outDir).length > 0)
    throw new FinetuneOutputError(
      `${resolve(outDir)} already exists and is not empty; fine-tuning makes a new model and never overwrites one — choose a new --out`
    )
}

/** 'mlp' for an MLP base; 'cnn-head' for an ONNX base with an embedding (a cnn-head's own base is fine-tuned instead). */
export function finetuneKind(baseDir: string, m: ModelManifest = readModelManifest(baseDir)): 'mlp' | 'cnn-head' {
  switch (m.format) {
    case MLP_FORMAT:
      return 'mlp'
    case ONNX_FORMAT:
      if (!m.outputs.embedding)
        throw new FinetuneBaseError(
          `${baseDir}: this ONNX model names no "outputs.embedding" in its card; a head can only be fine-tuned on a CNN that gives its penultimate embedding`
        )
      return 'cnn-head'
    case CNN_HEAD_FORMAT:
      throw new FinetuneBaseError(
        `${baseDir} is already a fine-tuned head; fine-tune its base (${m.base.name}) on all the corrections instead`
      )
  }
}

/** The training split of a glyph-set folder (NAME_train.mat) without reading valid and test. */
async function readTrainSplit(dir: string): Promise<LabelledGlyphs> {
  const trains = readdirSync(dir)
    .filter((f) => /^.+_train\.mat$/.test(f))
    .sort()
  if (trains.length !== 1) return (await readGlyphSet(dir)).train // readGlyphSet explains what is wrong
  const f = await readGlyphFile(join(dir, trains[0]))
  return { x: f.x, y: f.y, n: f.n }
}

interface ReplayChoice {
  replay: LabelledGlyphs | null
  source: string | null
  extra: { file: string; glyphs: number } | null
}

/**
 * The replay sample: from the glyph-set folder given, plus the base's own extra training glyphs (its card's
 * data.extraTrain, the first k real letters of each class) when that file is on this machine; without a
 * folder, from the replay set shipped with the models, which holds such real letters already.
 */
async function loadReplay(spec: FinetuneSpec, baseCard: ModelCard, hooks: FinetuneHooks): Promise<ReplayChoice> {
  const k = spec.config.replayPerClass
  if (k <= 0) {
    hooks.onMessage?.('replay is off: training on the corrections alone (other letters may be forgotten)')
    return { replay: null, source: null, extra: null }
  }
  if (!spec.replayDir) {
    try {
      const set = loadReplaySet()
      const sample = replaySample(set.replay, k, spec.config.seed)
      hooks.onMessage?.(`replaying ${sample.n} glyphs of the replay set shipped with the models (${set.ref})`)
      return { replay: sample, source: `${set.ref} (shipped)`, extra: null }
    } catch (e) {
      if (!(e instanceof ReplaySetError)) throw e
      hooks.onMessage?.(`${e.message}; training on the corrections alone (other letters may be forgotten)`)
      return { replay: null, source: null, extra: null }
    }
  }
  const dir = spec.replayDir
  if (!existsSync(dir))
    throw new FinetuneBaseError(
      `the replay folder ${dir} does not exist; leave it empty to replay the set shipped with the models`
    )
  const parts: LabelledGlyphs[] = [replaySample(await readTrainSplit(dir), k, spec.config.seed)]
  hooks.onMessage?.(`replaying ${parts[0].n} glyphs from ${dir}`)
  // The base's extra training glyphs (e.g. the real NIST letters its card lists under data.extraTrain) are part
  // of its training set too: replay the same trained-on ones (never the held-out rest, which eval scores).
  const extraTrain = baseCard.data?.extraTrain
  let extra: { file: string; glyphs: number } | null = null
  const extraFile = extraTrain && typeof extraTrain.file === 'string' ? resolveDataPath(extraTrain.file) : null
  if (
    spec.config.replayBaseExtra !== false &&
    extraTrain &&
    extraFile &&
    existsSync(extraFile) &&
    typeof extraTrain.perClass === 'number'
  ) {
    const file = await readGlyphFile(extraFile)
    const trainedOn = subset(file, firstPerClass(file.y, file.n, extraTrain.perClass).chosen)
    const sample = replaySample(trainedOn, Math.min(k, extraTrain.perClass), spec.config.seed)
    parts.push(sample)
    extra = { file: portableDataPath(extraFile), glyphs: sample.n }
    hooks.onMessage?.(`replaying ${sample.n} of the base's trained-on glyphs from ${extraFile}`)
  }
  return { replay: concat(...parts), source: portableDataPath(dir), extra }
}

/** The shipped replay set's check part (never trained on), or null when it is not installed. */
function loadCheck(hooks: FinetuneHooks): { glyphs: LabelledGlyphs; source: string } | null {
  try {
    const set = loadReplaySet()
    return { glyphs: set.check, source: `${set.ref} check part (${set.check.n} glyphs, never trained on)` }
  } catch (e) {
    if (!(e instanceof ReplaySetError)) throw e
    hooks.onMessage?.(`${e.message}: the rest of the alphabet is not checked`)
    return null
  }
}

function accuracy(truth: Uint8Array, pred: Uint8Array, n: number): number {
  let c = 0
  for (let i = 0; i < n; i++) if (truth[i] === pred[i]) c++
  return c / Math.max(1, n)
}

/** Fine-tunes spec.baseDir on the corrections; null when cancelled (nothing written). */
export async function finetune(spec: FinetuneSpec, hooks: FinetuneHooks = {}): Promise<FinetuneResult | null> {
  const t0 = performance.now()
  if (spec.corrections.n === 0) {
    throw new NoCorrectionsError(
      'there are no corrections to learn from yet: type the right letter on a few glyphs (or press Enter to confirm a right one), then retrain'
    )
  }
  checkOutputDir(spec.outDir)
  // The base's manifest is read once here; the replay and the new card take it from here.
  const baseManifest = readModelManifest(spec.baseDir)
  return finetuneKind(spec.baseDir, baseManifest) === 'mlp'
    ? finetuneMlp(spec, baseManifest, hooks, t0)
    : finetuneCnnHead(spec, baseManifest, hooks, t0)
}

function commonCard(
  spec: FinetuneSpec,
  baseManifest: ModelManifest,
  kind: string,
  extra: {
    own: LabelledGlyphs
    heldOut: LabelledGlyphs | null
    replay: ReplayChoice
    /** The final run: its oversampling and curves. */
    final: { reps: number; result: { curves: EpochStats[] } }
    /** Held-out share (cfg.heldOut > 0): accuracy before and after, and the confusion after. */
    held: { before: number | null; after: number | null; confusion: number[][] | null }
    /** performance.now() when the retrain started. */
    t0: number
    evaluation: FinetuneEvaluation
  }
): Record<string, unknown> {
  const baseData = baseManifest.card.data ?? {}
  const shipped = listShippedModels().some((m) => resolve(m.dir) === resolve(spec.baseDir))
  const { replay, source, extra: replayExtra } = extra.replay
  return {
    name: spec.name,
    kind,
    version: 1,
    created: new Date().toISOString(),
    description:
      `${spec.baseName} fine-tuned on ${spec.corrections.n} corrected glyphs` +
      (replay ? ` with ${replay.n} replayed glyphs` : ''),
    base: spec.baseName,
    // A shipped base by its place in the repository; a user's own model by its folder on their machine.
    baseModel: {
      name: spec.baseName,
      dir: shipped ? portableDataPath(spec.baseDir) : resolve(spec.baseDir),
      shipped,
      kind: baseManifest.kind
    },
    command: spec.command ? portableCommand(spec.command) : null,
    seed: spec.config.seed,
    config: { train: spec.config },
    data: {
      corrections: spec.corrections.n,
      changed: spec.changed ?? null,
      trainCorrections: extra.own.n,
      repeat: extra.final.reps,
      heldOut: extra.heldOut?.n ?? 0,
      pages: spec.pages,
      replay: replay
        ? {
            source,
            glyphs: replay.n,
            perClass: spec.config.replayPerClass,
            seed: spec.config.seed,
            baseExtraTrain: replayExtra
          }
        : null,
      // The base's own training glyphs stay trained-on: `glyphdesk eval` leaves them out by this field.
      ...(baseData.extraTrain ? { extraTrain: baseData.extraTrain } : {}),
      baseData: typeof baseData.dir === 'string' ? portableDataPath(baseData.dir) : null
    },
    curves: extra.final.result.curves,
    metrics: {
      heldOutBefore: extra.held.before,
      heldOutAfter: extra.held.after,
      heldOutN: extra.heldOut?.n ?? 0,
      heldOutConfusion: extra.held.confusion
    },
    evaluation: extra.evaluation,
    seconds: (performance.now() - extra.t0) / 1000
  }
}

/** Share of glyphs read as labelled. */
function agreement(truth: Uint8Array, pred: Uint8Array, idx?: readonly number[]): number {
  const ids = idx ?? Array.from({ length: truth.length }, (_, i) => i)
  let c = 0
  for (const i of ids) if (truth[i] === pred[i]) c++
  return c / Math.max(1, ids.length)
}

/**
 * The scores a retrain reports, given a way to train a model on a subset of the corrections and read glyphs
 * with it: the base and the final model on the corrections and on the replay check; the corrections by
 * cross-validation. null when cancelled.
 */
async function evaluate(args: {
  spec: FinetuneSpec
  hooks: FinetuneHooks
  own: LabelledGlyphs
  ownIdx: number[]
  baseOwn: Uint8Array
  finalOwn: Uint8Array
  check: { glyphs: LabelledGlyphs; source: string } | null
  baseCheck: Uint8Array | null
  finalCheck: Uint8Array | null
  trainWithout(keep: number[]): Promise<((rows: number[]) => Promise<Uint8Array>) | null>
}): Promise<FinetuneEvaluation | null> {
  const { spec, hooks, own } = args
  let crossValidated: FinetuneEvaluation['crossValidated'] = null
  const pageOf = spec.pageOf ? args.ownIdx.map((i) => spec.pageOf![i]) : undefined
  const folds = spec.config.crossValidate === false ? null : correctionFolds(own.n, pageOf, spec.config.seed)
  if (folds) {
    const pred = new Uint8Array(own.n)
    for (let f = 0; f < folds.folds.length; f++) {
      if (hooks.signal?.aborted) return null
      hooks.onMessage?.(`cross-validating the corrections (${folds.method}): fold ${f + 1} of ${folds.folds.length}`)
      const read = await args.trainWithout(complement(own.n, folds.folds[f]))
      if (!read) return null
      const p = await read(folds.folds[f])
      folds.folds[f].forEach((i, k) => {
        pred[i] = p[k]
      })
    }
    crossValidated = {
      method: folds.method,
      folds: folds.folds.length,
      n: own.n,
      base: agreement(own.y.subarray(0, own.n), args.baseOwn),
      after: agreement(own.y.subarray(0, own.n), pred)
    }
  }
  const check =
    args.check && args.baseCheck && args.finalCheck
      ? {
          n: args.check.glyphs.n,
          source: args.check.source,
          base: agreement(args.check.glyphs.y, args.baseCheck),
          after: agreement(args.check.glyphs.y, args.finalCheck)
        }
      : null
  return {
    corrections: {
      n: own.n,
      base: agreement(own.y.subarray(0, own.n), args.baseOwn),
      trained: agreement(own.y.subarray(0, own.n), args.finalOwn)
    },
    crossValidated,
    replayCheck: check
  }
}

/** What a retrain returns (both kinds): the new model, what it trained on, its scores and its card. */
function finetuneResult(
  spec: FinetuneSpec,
  kind: FinetuneResult['kind'],
  run: {
    final: { trainN: number }
    replay: LabelledGlyphs | null
    heldOut: LabelledGlyphs | null
    held: { before: number | null; after: number | null; confusion: number[][] | null }
    t0: number
    evaluation: FinetuneEvaluation
    card: Record<string, unknown>
  }
): FinetuneResult {
  return {
    model: spec.name,
    dir: spec.outDir,
    kind,
    trainGlyphs: run.final.trainN,
    corrections: spec.corrections.n,
    replay: run.replay?.n ?? 0,
    heldOut: run.heldOut?.n ?? 0,
    ...run.held,
    classes: [...CLASSES],
    seconds: (performance.now() - run.t0) / 1000,
    evaluation: run.evaluation,
    card: run.card
  }
}

/**
 * One training run of a retrain, for both kinds: the corrections' rows (glyphs for an MLP, embeddings for a CNN
 * head) oversampled against the replay rows (oversampleFactor, at most cfg.maxRepeat copies), joined to them, and
 * trained with the run's config. `final` is the run that reports progress and scores the held-out share; the
 * cross-validation runs are silent.
 */
async function trainOnCorrections(
  net: Mlp,
  corr: LabelledGlyphs,
  replay: LabelledGlyphs | null,
  dim: number,
  heldOut: LabelledGlyphs | null,
  cfg: FinetuneConfig,
  hooks: FinetuneHooks,
  final: boolean,
  say: { what: string; replayed: string; augmenter?: ReturnType<typeof createGlyphAugmenter> }
): Promise<{ result: MlpTrainResult; reps: number; trainN: number }> {
  const reps = oversampleFactor(corr.n, replay?.n ?? 0, cfg.batch, cfg.maxRepeat)
  const train = replay
    ? concatRows(dim, repeat(corr, reps, dim, cfg.maxRepeat), replay)
    : repeat(corr, reps, dim, cfg.maxRepeat)
  if (final) hooks.onMessage?.(`${say.what} on ${corr.n} corrections ×${reps} + ${replay?.n ?? 0} ${say.replayed}`)
  const augmenter = say.augmenter
  const result = await trainMlp(
    net,
    train,
    final ? (heldOut ?? undefined) : undefined,
    {
      epochs: cfg.epochs,
      lr: cfg.lr,
      batch: cfg.batch,
      momentum: cfg.momentum,
      optimizer: cfg.optimizer,
      seed: cfg.seed
    },
    {
      signal: hooks.signal,
      ...(final ? { onEpoch: (s: EpochStats) => hooks.onEpoch?.(s, cfg.epochs), onBatch: hooks.onBatch } : {}),
      ...(augmenter ? { augment: (x: Float32Array, n: number, rng: Rng) => augmenter(x, n, rng) } : {})
    }
  )
  return { result, reps, trainN: train.n }
}

async function finetuneMlp(
  spec: FinetuneSpec,
  baseManifest: ModelManifest,
  hooks: FinetuneHooks,
  t0: number
): Promise<FinetuneResult | null> {
  const cfg = spec.config
  const maxBatch = Math.max(cfg.batch, 256)
  const { mlp: base, card: baseCard } = await loadMlp(spec.baseDir, { maxBatch })
  const { train: own, heldOut, trainIdx } = splitCorrections(spec.corrections, cfg.heldOut, cfg.seed)
  const replayChoice = await loadReplay(spec, baseManifest.card, hooks)
  const { replay } = replayChoice
  const check = loadCheck(hooks)
  const augmenter = cfg.augment ? createGlyphAugmenter() : undefined

  /** A copy of the base trained on `corr` and the replay; `final` reports its progress and scores the held-out share. */
  const fit = async (corr: LabelledGlyphs, final: boolean) => {
    const { mlp } = await loadMlp(spec.baseDir, { maxBatch })
    const run = await trainOnCorrections(mlp, corr, replay, GLYPH_PIXELS, heldOut, cfg, hooks, final, {
      what: 'training',
      replayed: 'replayed glyphs',
      augmenter
    })
    return { mlp, ...run }
  }

  const before = heldOut ? evaluateMlp(base, heldOut).accuracy : null
  const final = await fit(own, true)
  if (final.result.stopped) return null
  const { mlp } = final

  let after: number | null = null
  let confusion: number[][] | null = null
  if (heldOut) {
    const e = evaluateMlp(mlp, heldOut)
    after = e.accuracy
    confusion = scorePredictions(heldOut.y.subarray(0, heldOut.n), e.predictions).confusion
  }
  const evaluation = await evaluate({
    spec,
    hooks,
    own,
    ownIdx: trainIdx,
    baseOwn: evaluateMlp(base, own).predictions,
    finalOwn: evaluateMlp(mlp, own).predictions,
    check,
    baseCheck: check ? evaluateMlp(base, check.glyphs).predictions : null,
    finalCheck: check ? evaluateMlp(mlp, check.glyphs).predictions : null,
    trainWithout: async (keep) => {
      const r = await fit(subset(own, keep), false)
      if (r.result.stopped) return null
      return async (rows) => evaluateMlp(r.mlp, subset(own, rows)).predictions
    }
  })
  if (!evaluation) return null
  const run = { own, heldOut, final, held: { before, after, confusion }, t0, evaluation }
  const card = commonCard(spec, baseManifest, 'mlp', { ...run, replay: replayChoice })
  const baseConfig = baseCard['config']
  card['config'] = {
    sizes: (isRecord(baseConfig) ? baseConfig['sizes'] : undefined) ?? mlp.config.sizes,
    activation: mlp.config.activation,
    seed: mlp.config.seed,
    train: cfg
  }
  checkOutputDir(spec.outDir)
  await saveMlp(spec.outDir, mlp, card)
  return finetuneResult(spec, 'mlp', { ...run, replay, card })
}

/** Cholesky solve of the symmetric positive definite system A·X = B (A d×d, B d×k, float64), in place in B. */
function solveSpd(A: Float64Array, B: Float64Array, d: number, k: number): void {
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j]
    for (let p = 0; p < j; p++) s -= A[j * d + p] * A[j * d + p]
    if (!(s > 0))
      throw new NonFiniteOutputError(
        'the embeddings are degenerate (the least-squares system is not positive definite)'
      )
    const l = Math.sqrt(s)
    A[j * d + j] = l
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j]
      for (let p = 0; p < j; p++) t -= A[i * d + p] * A[j * d + p]
      A[i * d + j] = t / l
    }
  }
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < d; i++) {
      // L·y = b
      let t = B[i * k + c]
      for (let p = 0; p < i; p++) t -= A[i * d + p] * B[p * k + c]
      B[i * k + c] = t / A[i * d + i]
    }
    for (let i = d - 1; i >= 0; i--) {
      // Lᵀ·x = y
      let t = B[i * k + c]
      for (let p = i + 1; p < d; p++) t -= A[p * d + i] * B[p * k + c]
      B[i * k + c] = t / A[i * d + i]
    }
  }
}

/**
 * A softmax head (W: dim×36, b: 36) that reproduces the base: ridge least squares of the base's
 * logits (centred per glyph; softmax ignores a shift) on the embeddings. Returns the weights and how
 * closely they reproduce the base (argmax agreement and worst logit difference on the fitted glyphs).
 */
export function fitHeadToBase(
  emb: Float32Array,
  targets: Float32Array,
  n: number,
  dim: number
): { W: Float32Array; b: Float32Array; agreement: number; maxAbsDiff: number } {
  const D = dim + 1,
    K = NUM_CLASSES
  const A = new Float64Array(D * D),
    B = new Float64Array(D * K)
  const row = new Float64Array(D),
    t = new Float64Array(K)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) row[j] = emb[i * dim + j]
    row[dim] = 1
    let mean = 0
    for (let k = 0; k < K; k++) mean += targets[i * K + k]
    mean /= K
    for (let k = 0; k < K; k++) t[k] = targets[i * K + k] - mean
    for (let a = 0; a < D; a++) {
      const ra = row[a]
      if (ra === 0) continue
      const Aa = a * D
      for (let c = 0; c <= a; c++) A[Aa + c] += ra * row[c]
      for (let k = 0; k < K; k++) B[a * K + k] += ra * t[k]
    }
  }
  let trace = 0
  for (let a = 0; a < D; a++) {
    for (let c = 0; c < a; c++) A[c * D + a] = A[a * D + c]
    trace += A[a * D + a]
  }
  const ridge = 1e-6 * (trace / D) + 1e-9
  for (let a = 0; a < D; a++) A[a * D + a] += ridge
  solveSpd(A, B, D, K)
  const W = new Float32Array(dim * K),
    b = new Float32Array(K)
  for (let j = 0; j < dim; j++) for (let k = 0; k < K; k++) W[j * K + k] = B[j * K + k]
  for (let k = 0; k < K; k++) b[k] = B[dim * K + k]
  let agree = 0,
    maxAbsDiff = 0
  for (let i = 0; i < n; i++) {
    let mean = 0
    for (let k = 0; k < K; k++) mean += targets[i * K + k]
    mean /= K
    let best = 0,
      bestT = 0
    for (let k = 0; k < K; k++) {
      let z = b[k]
      for (let j = 0; j < dim; j++) z += emb[i * dim + j] * W[j * K + k]
      t[k] = z
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(z - (targets[i * K + k] - mean)))
      if (z > t[best]) best = k
      if (targets[i * K + k] > targets[i * K + bestT]) bestT = k
    }
    if (best === bestT) agree++
  }
  return { W, b, agreement: agree / Math.max(1, n), maxAbsDiff }
}

/**
 * What the head is fitted to, so that it starts as the base predicts: the base's calibrated logits (raw +
 * logitOffsets) in Glyphdesk's class order, or log-probabilities when its labels are not the 36 classes.
 */
async function baseLogits(base: OnnxClassifier, glyphs: Float32Array, n: number): Promise<Float32Array> {
  const logits = await base.classLogits(glyphs, n, true)
  if (logits) return logits
  const p = await base.predict(glyphs, n)
  const out = new Float32Array(n * NUM_CLASSES)
  for (let i = 0; i < out.length; i++) out[i] = Math.log(Math.max(p.probs[i], 1e-30))
  return out
}

function checkFiniteEmbeddings(data: Float32Array, dim: number, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]))
      throw new NonFiniteOutputError(
        `${what}: glyph ${Math.floor(i / dim)} gave ${data[i]} in its embedding; nothing was written`
      )
  }
}

function rowsOf(g: LabelledGlyphs, idx: readonly number[], dim: number): LabelledGlyphs {
  const x = new Float32Array(idx.length * dim),
    y = new Uint8Array(idx.length)
  idx.forEach((r, k) => {
    x.set(g.x.subarray(r * dim, (r + 1) * dim), k * dim)
    y[k] = g.y[r]
  })
  return { x, y, n: idx.length }
}

async function finetuneCnnHead(
  spec: FinetuneSpec,
  baseManifest: ModelManifest,
  hooks: FinetuneHooks,
  t0: number
): Promise<FinetuneResult | null> {
  const cfg = spec.config
  const base = await OnnxClassifier.load(spec.baseDir, spec.baseName)
  try {
    const { train: own, heldOut, trainIdx } = splitCorrections(spec.corrections, cfg.heldOut, cfg.seed)
    const replayChoice = await loadReplay(spec, baseManifest.card, hooks)
    const { replay } = replayChoice
    const check = loadCheck(hooks)
    // Embeddings of every glyph, once: the corrections, the held-out ones, the replay sample and the check part.
    const all = concat(
      own,
      ...(heldOut ? [heldOut] : []),
      ...(replay ? [replay] : []),
      ...(check ? [check.glyphs] : [])
    )
    hooks.onMessage?.(`computing ${base.name} embeddings of ${all.n} glyphs`)
    const { data: emb, dim } = await base.embed(all.x, all.n)
    checkFiniteEmbeddings(emb, dim, `embeddings of ${base.name}`)
    if (hooks.signal?.aborted) return null
    const slice = (from: number, g: LabelledGlyphs): LabelledGlyphs => ({
      x: emb.subarray(from * dim, (from + g.n) * dim),
      y: g.y,
      n: g.n
    })
    const ownE = slice(0, own)
    const heldE = heldOut ? slice(own.n, heldOut) : null
    const replayE = replay ? slice(own.n + (heldOut?.n ?? 0), replay) : null
    const checkE = check ? slice(own.n + (heldOut?.n ?? 0) + (replay?.n ?? 0), check.glyphs) : null

    // The softmax head starts as the base: fitted to the base's logits on the glyphs it will train on.
    const hidden = cfg.headHidden ?? []
    const ownTargets = hidden.length === 0 ? await baseLogits(base, own.x, own.n) : null
    const replayTargets = hidden.length === 0 && replay ? await baseLogits(base, replay.x, replay.n) : null
    let init: Record<string, unknown> = { method: 'xavier', seed: cfg.seed }

    /** A head trained on the corrections `keep` (indices into own) and the replay; `final` reports progress. */
    const fit = async (keep: number[], final: boolean) => {
      const head = new Mlp(
        { sizes: [dim, ...hidden, NUM_CLASSES], activation: 'relu', seed: cfg.seed },
        { maxBatch: Math.max(cfg.batch, 256) }
      )
      const corrE = rowsOf(ownE, keep, dim)
      if (ownTargets) {
        const fitN = keep.length + (replay?.n ?? 0)
        const fitEmb = concatRows(dim, corrE, ...(replayE ? [replayE] : []))
        const targets = new Float32Array(fitN * NUM_CLASSES)
        keep.forEach((r, k) =>
          targets.set(ownTargets.subarray(r * NUM_CLASSES, (r + 1) * NUM_CLASSES), k * NUM_CLASSES)
        )
        if (replayTargets) targets.set(replayTargets, keep.length * NUM_CLASSES)
        const f = fitHeadToBase(fitEmb.x, targets, fitN, dim)
        head.setWeights([
          { name: 'dense0.W', shape: [dim, NUM_CLASSES], data: f.W },
          { name: 'dense0.b', shape: [NUM_CLASSES], data: f.b }
        ])
        if (final) {
          init = {
            method: 'least-squares fit to the base logits',
            glyphs: fitN,
            argmaxAgreement: f.agreement,
            maxAbsLogitDiff: f.maxAbsDiff,
            // The base's look-alike calibration is folded into the head's starting biases.
            ...(base.manifest.logitOffsets ? { baseLogitOffsets: base.manifest.logitOffsets } : {})
          }
          hooks.onMessage?.(
            `head initialised from ${base.name}: agrees with it on ${(f.agreement * 100).toFixed(1)}% of ${fitN} glyphs`
          )
        }
      }
      const { result, reps, trainN } = await trainOnCorrections(head, corrE, replayE, dim, heldE, cfg, hooks, final, {
        what: 'training the head',
        replayed: 'replayed embeddings'
      })
      return {
        head,
        result,
        reps,
        trainN,
        read: (e: LabelledGlyphs) => new CnnHeadClassifier(spec.name, base, head).predictEmbeddings(e.x, e.n).labels
      }
    }

    const before = heldOut ? accuracy(heldOut.y, (await base.predict(heldOut.x, heldOut.n)).labels, heldOut.n) : null
    const allOwn = Array.from({ length: own.n }, (_, i) => i)
    const final = await fit(allOwn, true)
    if (final.result.stopped) return null
    const { head } = final

    let after: number | null = null
    let confusion: number[][] | null = null
    if (heldE && heldOut) {
      const labels = final.read(heldE)
      after = accuracy(heldOut.y, labels, heldOut.n)
      confusion = scorePredictions(heldOut.y.subarray(0, heldOut.n), labels).confusion
    }
    const evaluation = await evaluate({
      spec,
      hooks,
      own,
      ownIdx: trainIdx,
      baseOwn: (await base.predict(own.x, own.n)).labels,
      finalOwn: final.read(ownE),
      check,
      baseCheck: check ? (await base.predict(check.glyphs.x, check.glyphs.n)).labels : null,
      finalCheck: checkE ? final.read(checkE) : null,
      trainWithout: async (keep) => {
        const r = await fit(keep, false)
        if (r.result.stopped) return null
        return async (rows) => r.read(rowsOf(ownE, rows, dim))
      }
    })
    if (!evaluation) return null
    const run = { own, heldOut, final, held: { before, after, confusion }, t0, evaluation }
    const card = commonCard(spec, baseManifest, 'cnn-head', { ...run, replay: replayChoice })
    card['config'] = { head: { sizes: head.config.sizes, activation: hidden.length ? 'relu' : null, init }, train: cfg }

    const shipped = listShippedModels().find((m) => resolve(m.dir) === resolve(spec.baseDir))
    const manifest: CnnHeadManifest = {
      format: CNN_HEAD_FORMAT,
      formatVersion: CNN_HEAD_FORMAT_VERSION,
      kind: 'cnn-head',
      name: spec.name,
      base: {
        name: shipped ? shipped.name : spec.baseName,
        shipped: !!shipped,
        ...(shipped ? {} : { dir: resolve(spec.baseDir) }),
        modelSha256: onnxSha256(spec.baseDir),
        embeddingDim: dim
      },
      head: CNN_HEAD_DIR,
      card
    }
    checkOutputDir(spec.outDir)
    // Head and manifest are staged together and the folder renamed into place once: a kill leaves no model
    // folder (and no half of one), so the rerun is not refused.
    await writeDirAtomic(spec.outDir, async (staging) => {
      await saveMlp(join(staging, CNN_HEAD_DIR), head, {
        name: `${spec.name} head`,
        kind: 'mlp',
        note: `the head of the cnn-head model ${spec.name}; it reads ${base.name} embeddings, not glyphs`
      })
      await writeFileAtomic(join(staging, 'model.json'), JSON.stringify(manifest, null, 1) + '\n')
    })
    return finetuneResult(spec, 'cnn-head', { ...run, replay, card })
  } finally {
    await base.dispose()
  }
}
