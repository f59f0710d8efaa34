// Fine-tuning a model on a person's corrections, in the main process (the CLI calls it directly, the
// app's retrain job calls it inside a worker thread). Two ways, chosen by the base model's kind:
//  (a) an MLP base ('mlp'): a copy of the network continues training on the corrections;
//  (b) a CNN base (ONNX with an embedding output): the CNN stays frozen; its embeddings of all glyphs
//      are computed once with onnxruntime and a new head (softmax, or a small MLP) is trained on them in
//      Glyphdesk's own nn code, then saved as a 'cnn-head' model (recognize/cnnHead.ts). The softmax
//      head starts as the base itself: the base's logits are a linear function of its embedding, so a
//      least-squares fit of logits on embeddings (over the replay and correction glyphs) recovers the
//      base's last layer before training moves it.
// In both, the corrections are repeated so they weigh against a replay sample of the base's training
// set (a glyph-set folder; without it the model forgets the rest of the alphabet), a seeded share of the
// corrections can be held out and scored before and after, and the result is a new model directory with
// its card. Nothing is written until training has finished; shipped models are never written to.
import { existsSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { CLASSES, GLYPH_PIXELS, NUM_CLASSES } from '../../shared/classes.ts'
import { CNN_HEAD_FORMAT, MLP_FORMAT, ONNX_FORMAT, type ModelCard } from '../../shared/modelManifest.ts'
import { ConflictError, InvalidInputError } from '../core/errors.ts'
import { readModelManifest } from '../core/modelManifest.ts'
import { createGlyphAugmenter } from '../data/augment.ts'
import { concat, firstPerClass, readGlyphFile, readGlyphSet, subset, type LabelledGlyphs } from '../data/glyphset.ts'
import { Mlp } from '../nn/mlp.ts'
import { Rng } from '../nn/rng.ts'
import { loadMlp, saveMlp } from '../nn/serialise.ts'
import { writeDirAtomic, writeFileAtomic } from '../core/atomicFile.ts'
import { evaluateMlp, trainMlp, type EpochStats, type TrainResult as MlpTrainResult } from '../nn/train.ts'
import { CNN_HEAD_DIR, CNN_HEAD_FORMAT_VERSION, CnnHeadClassifier, onnxSha256, type CnnHeadManifest } from '../recognize/cnnHead.ts'
import { NoCorrectionsError } from './corrections.ts'
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
}

/** Defaults per base kind (the app's retrain panel sends its own values). */
export const FINETUNE_DEFAULTS: Record<'mlp' | 'cnn-head', FinetuneConfig> = {
  mlp: { epochs: 6, lr: 0.0005, batch: 64, optimizer: 'adam', momentum: 0, heldOut: 0, replayPerClass: 100, seed: 1, augment: false },
  'cnn-head': { epochs: 20, lr: 0.001, batch: 64, optimizer: 'adam', momentum: 0, heldOut: 0, replayPerClass: 50, seed: 1, headHidden: [] }
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
  /** Glyph set to replay from; null → the base card's own training set when on disk, else corrections alone. */
  replayDir: string | null
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
  card: Record<string, unknown>
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

/** How often the training corrections are repeated: enough to be about a third of an epoch against the replay. */
export function oversampleFactor(corrections: number, replay: number, batch: number): number {
  return replay > 0 ? Math.max(1, Math.min(50, Math.ceil(replay / 2 / corrections))) : Math.max(1, Math.min(50, Math.ceil((4 * batch) / corrections)))
}

/**
 * The corrections repeated `times` times, a class that is rare among them up to 4× more (a page has many O
 * and one 0; the one 0 is what the person needs learnt as much as the O's).
 */
function repeat<T extends { x: Float32Array; y: Uint8Array; n: number }>(g: T, times: number, dim: number, balance = true): LabelledGlyphs {
  const count = new Array<number>(NUM_CLASSES).fill(0)
  for (let i = 0; i < g.n; i++) count[g.y[i]]++
  const present = count.filter((c) => c > 0).sort((a, b) => a - b)
  const median = present[Math.floor(present.length / 2)] ?? 1
  const reps = Array.from({ length: g.n }, (_, i) => Math.round(times * (balance ? Math.min(4, Math.max(1, median / count[g.y[i]])) : 1)))
  const n = reps.reduce((a, r) => a + r, 0)
  if (n === g.n) return g
  const x = new Float32Array(n * dim)
  const y = new Uint8Array(n)
  let k = 0
  for (let t = 0; t < Math.max(...reps); t++) {
    for (let i = 0; i < g.n; i++) {
      if (reps[i] <= t) continue
      x.set(g.x.subarray(i * dim, (i + 1) * dim), k * dim); y[k] = g.y[i]; k++
    }
  }
  return { x, y, n }
}

function concatRows(dim: number, ...gs: LabelledGlyphs[]): LabelledGlyphs {
  const n = gs.reduce((a, g) => a + g.n, 0)
  const x = new Float32Array(n * dim), y = new Uint8Array(n)
  let k = 0
  for (const g of gs) { x.set(g.x.subarray(0, g.n * dim), k * dim); y.set(g.y.subarray(0, g.n), k); k += g.n }
  return { x, y, n }
}

/** Refuses an output directory inside resources/models or one that already holds something. */
export function checkOutputDir(outDir: string): void {
  if (isInsideShippedModels(outDir))
    throw new FinetuneOutputError(`${resolve(outDir)} is inside the shipped models (resources/models), which are never written to; choose a folder of your own, e.g. --out models/mine`)
  if (existsSync(outDir) && readdirSync(outDir).length > 0)
    throw new FinetuneOutputError(`${resolve(outDir)} already exists and is not empty; fine-tuning makes a new model and never overwrites one — choose a new --out`)
}

/** 'mlp' for an MLP base; 'cnn-head' for an ONNX base with an embedding (a cnn-head's own base is fine-tuned instead). */
export function finetuneKind(baseDir: string): 'mlp' | 'cnn-head' {
  const m = readModelManifest(baseDir)
  switch (m.format) {
    case MLP_FORMAT:
      return 'mlp'
    case ONNX_FORMAT:
      if (!m.outputs.embedding) throw new FinetuneBaseError(`${baseDir}: this ONNX model names no "outputs.embedding" in its card; a head can only be fine-tuned on a CNN that gives its penultimate embedding`)
      return 'cnn-head'
    case CNN_HEAD_FORMAT:
      throw new FinetuneBaseError(`${baseDir} is already a fine-tuned head; fine-tune its base (${m.base.name}) on all the corrections instead`)
  }
}

function baseCardOf(baseDir: string): ModelCard {
  return readModelManifest(baseDir).card
}

/** The replay folder: the one given, else the base's own training set when it is on this machine. */
function replayFolder(spec: FinetuneSpec, hooks: FinetuneHooks): string | null {
  if (spec.replayDir) return spec.replayDir
  const dir = baseCardOf(spec.baseDir).data?.dir
  if (typeof dir === 'string' && existsSync(dir)) {
    hooks.onMessage?.(`replaying from the base's own training set ${dir}`)
    return dir
  }
  return null
}

/** The training split of a glyph-set folder (NAME_train.mat) without reading valid and test. */
async function readTrainSplit(dir: string): Promise<LabelledGlyphs> {
  const trains = readdirSync(dir).filter((f) => /^.+_train\.mat$/.test(f)).sort()
  if (trains.length !== 1) return (await readGlyphSet(dir)).train // readGlyphSet explains what is wrong
  const f = await readGlyphFile(join(dir, trains[0]))
  return { x: f.x, y: f.y, n: f.n }
}

async function loadReplay(spec: FinetuneSpec, hooks: FinetuneHooks): Promise<{ replay: LabelledGlyphs | null; dir: string | null; extra: { file: string; glyphs: number } | null }> {
  const dir = replayFolder(spec, hooks)
  const k = spec.config.replayPerClass
  if (k <= 0) {
    hooks.onMessage?.('replay is off: training on the corrections alone (other letters may be forgotten)')
    return { replay: null, dir: null, extra: null }
  }
  const parts: LabelledGlyphs[] = []
  let used: string | null = null
  if (!dir) hooks.onMessage?.('no glyph set to replay: training on the corrections alone (other letters may be forgotten)')
  else if (!existsSync(dir)) hooks.onMessage?.(`replay folder ${dir} does not exist; training on the corrections alone`)
  else {
    parts.push(replaySample(await readTrainSplit(dir), k, spec.config.seed))
    used = dir
    hooks.onMessage?.(`replaying ${parts[0].n} glyphs from ${dir}`)
  }
  // The base's extra training glyphs (e.g. the real NIST letters its card lists under data.extraTrain) are part
  // of its training set too: replay the same trained-on ones (never the held-out rest, which eval scores).
  const extraTrain = baseCardOf(spec.baseDir).data?.extraTrain
  let extra: { file: string; glyphs: number } | null = null
  if (spec.config.replayBaseExtra !== false && extraTrain && existsSync(extraTrain.file) && typeof extraTrain.perClass === 'number') {
    const file = await readGlyphFile(extraTrain.file)
    const trainedOn = subset(file, firstPerClass(file.y, file.n, extraTrain.perClass).chosen)
    const sample = replaySample(trainedOn, Math.min(k, extraTrain.perClass), spec.config.seed)
    parts.push(sample)
    extra = { file: extraTrain.file, glyphs: sample.n }
    hooks.onMessage?.(`replaying ${sample.n} of the base's trained-on glyphs from ${extraTrain.file}`)
  }
  return { replay: parts.length ? concat(...parts) : null, dir: used, extra }
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
    throw new NoCorrectionsError('there are no corrections to learn from yet: type the right letter on a few glyphs (or press Enter to confirm a right one), then retrain')
  }
  checkOutputDir(spec.outDir)
  const kind = finetuneKind(spec.baseDir)
  return kind === 'mlp' ? finetuneMlp(spec, hooks, t0) : finetuneCnnHead(spec, hooks, t0)
}

function commonCard(spec: FinetuneSpec, kind: string, extra: {
  own: LabelledGlyphs; heldOut: LabelledGlyphs | null; reps: number; replay: LabelledGlyphs | null; replayDir: string | null; replayExtra: { file: string; glyphs: number } | null
  curves: EpochStats[]; before: number | null; after: number | null; confusion: number[][] | null; seconds: number
}): Record<string, unknown> {
  const baseManifest = readModelManifest(spec.baseDir)
  const baseData = baseManifest.card.data ?? {}
  const shipped = listShippedModels().some((m) => resolve(m.dir) === resolve(spec.baseDir))
  return {
    name: spec.name,
    kind,
    version: 1,
    created: new Date().toISOString(),
    description: `${spec.baseName} fine-tuned on ${spec.corrections.n} corrected glyphs` + (extra.replay ? ` with ${extra.replay.n} replayed glyphs` : ''),
    base: spec.baseName,
    baseModel: { name: spec.baseName, dir: resolve(spec.baseDir), shipped, kind: baseManifest.kind },
    command: spec.command ?? null,
    seed: spec.config.seed,
    config: { train: spec.config },
    data: {
      corrections: spec.corrections.n,
      changed: spec.changed ?? null,
      trainCorrections: extra.own.n,
      repeat: extra.reps,
      heldOut: extra.heldOut?.n ?? 0,
      pages: spec.pages,
      replay: extra.replay ? { dir: extra.replayDir, glyphs: extra.replay.n, perClass: spec.config.replayPerClass, seed: spec.config.seed, baseExtraTrain: extra.replayExtra } : null,
      // The base's own training glyphs stay trained-on: `glyphdesk eval` leaves them out by this field.
      ...(baseData.extraTrain ? { extraTrain: baseData.extraTrain } : {}),
      baseData: baseData.dir ?? null
    },
    curves: extra.curves,
    metrics: { heldOutBefore: extra.before, heldOutAfter: extra.after, heldOutN: extra.heldOut?.n ?? 0, heldOutConfusion: extra.confusion },
    seconds: extra.seconds
  }
}

async function finetuneMlp(spec: FinetuneSpec, hooks: FinetuneHooks, t0: number): Promise<FinetuneResult | null> {
  const cfg = spec.config
  const { mlp, card: baseCard } = await loadMlp(spec.baseDir, { maxBatch: Math.max(cfg.batch, 256) })
  const { train: own, heldOut } = splitCorrections(spec.corrections, cfg.heldOut, cfg.seed)
  const { replay, dir: replayDir, extra: replayExtra } = await loadReplay(spec, hooks)
  const reps = oversampleFactor(own.n, replay?.n ?? 0, cfg.batch)
  const train = replay ? concat(repeat(own, reps, GLYPH_PIXELS), replay) : repeat(own, reps, GLYPH_PIXELS)
  hooks.onMessage?.(`training on ${own.n} corrections ×${reps} + ${replay?.n ?? 0} replayed glyphs`)

  const before = heldOut ? evaluateMlp(mlp, heldOut).accuracy : null
  const augmenter = cfg.augment ? createGlyphAugmenter() : undefined
  const result: MlpTrainResult = await trainMlp(mlp, train, heldOut ?? undefined, {
    epochs: cfg.epochs, lr: cfg.lr, batch: cfg.batch, momentum: cfg.momentum, optimizer: cfg.optimizer, seed: cfg.seed
  }, {
    signal: hooks.signal,
    onEpoch: (s) => hooks.onEpoch?.(s, cfg.epochs),
    onBatch: hooks.onBatch,
    ...(augmenter ? { augment: (x: Float32Array, n: number, rng: Rng) => augmenter(x, n, rng) } : {})
  })
  if (result.stopped) return null

  let after: number | null = null
  let confusion: number[][] | null = null
  if (heldOut) {
    const e = evaluateMlp(mlp, heldOut)
    after = e.accuracy
    confusion = scorePredictions(heldOut.y.subarray(0, heldOut.n), e.predictions).confusion
  }
  const seconds = (performance.now() - t0) / 1000
  const card = commonCard(spec, 'mlp', { own, heldOut, reps, replay, replayDir, replayExtra, curves: result.curves, before, after, confusion, seconds })
  const baseConfig = (baseCard['config'] ?? {}) as Record<string, unknown>
  card['config'] = { sizes: baseConfig['sizes'] ?? mlp.config.sizes, activation: mlp.config.activation, seed: mlp.config.seed, train: cfg }
  checkOutputDir(spec.outDir)
  await saveMlp(spec.outDir, mlp, card)
  return {
    model: spec.name, dir: spec.outDir, kind: 'mlp', trainGlyphs: train.n, corrections: spec.corrections.n, replay: replay?.n ?? 0,
    heldOut: heldOut?.n ?? 0, before, after, confusion, classes: [...CLASSES], seconds, card
  }
}

/** Cholesky solve of the symmetric positive definite system A·X = B (A d×d, B d×k, float64), in place in B. */
function solveSpd(A: Float64Array, B: Float64Array, d: number, k: number): void {
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j]
    for (let p = 0; p < j; p++) s -= A[j * d + p] * A[j * d + p]
    if (!(s > 0)) throw new NonFiniteOutputError('the embeddings are degenerate (the least-squares system is not positive definite)')
    const l = Math.sqrt(s)
    A[j * d + j] = l
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j]
      for (let p = 0; p < j; p++) t -= A[i * d + p] * A[j * d + p]
      A[i * d + j] = t / l
    }
  }
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < d; i++) { // L·y = b
      let t = B[i * k + c]
      for (let p = 0; p < i; p++) t -= A[i * d + p] * B[p * k + c]
      B[i * k + c] = t / A[i * d + i]
    }
    for (let i = d - 1; i >= 0; i--) { // Lᵀ·x = y
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
export function fitHeadToBase(emb: Float32Array, targets: Float32Array, n: number, dim: number): { W: Float32Array; b: Float32Array; agreement: number; maxAbsDiff: number } {
  const D = dim + 1, K = NUM_CLASSES
  const A = new Float64Array(D * D), B = new Float64Array(D * K)
  const row = new Float64Array(D), t = new Float64Array(K)
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
  for (let a = 0; a < D; a++) { for (let c = 0; c < a; c++) A[c * D + a] = A[a * D + c]; trace += A[a * D + a] }
  const ridge = 1e-6 * (trace / D) + 1e-9
  for (let a = 0; a < D; a++) A[a * D + a] += ridge
  solveSpd(A, B, D, K)
  const W = new Float32Array(dim * K), b = new Float32Array(K)
  for (let j = 0; j < dim; j++) for (let k = 0; k < K; k++) W[j * K + k] = B[j * K + k]
  for (let k = 0; k < K; k++) b[k] = B[dim * K + k]
  let agree = 0, maxAbsDiff = 0
  for (let i = 0; i < n; i++) {
    let mean = 0
    for (let k = 0; k < K; k++) mean += targets[i * K + k]
    mean /= K
    let best = 0, bestT = 0
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
    if (!Number.isFinite(data[i])) throw new NonFiniteOutputError(`${what}: glyph ${Math.floor(i / dim)} gave ${data[i]} in its embedding; nothing was written`)
  }
}

async function finetuneCnnHead(spec: FinetuneSpec, hooks: FinetuneHooks, t0: number): Promise<FinetuneResult | null> {
  const cfg = spec.config
  const base = await OnnxClassifier.load(spec.baseDir, spec.baseName)
  try {
    const { train: own, heldOut } = splitCorrections(spec.corrections, cfg.heldOut, cfg.seed)
    const { replay, dir: replayDir, extra: replayExtra } = await loadReplay(spec, hooks)
    // Embeddings of every glyph, once: the corrections, the held-out ones and the replay sample.
    const all = concat(own, ...(heldOut ? [heldOut] : []), ...(replay ? [replay] : []))
    hooks.onMessage?.(`computing ${base.name} embeddings of ${all.n} glyphs`)
    const { data: emb, dim } = await base.embed(all.x, all.n)
    checkFiniteEmbeddings(emb, dim, `embeddings of ${base.name}`)
    if (hooks.signal?.aborted) return null
    const slice = (from: number, g: LabelledGlyphs): LabelledGlyphs => ({ x: emb.subarray(from * dim, (from + g.n) * dim), y: g.y, n: g.n })
    const ownE = slice(0, own)
    const heldE = heldOut ? slice(own.n, heldOut) : null
    const replayE = replay ? slice(own.n + (heldOut?.n ?? 0), replay) : null

    // The head starts as the base: fitted to the base's logits on the glyphs it will train on.
    const hidden = cfg.headHidden ?? []
    const head = new Mlp({ sizes: [dim, ...hidden, NUM_CLASSES], activation: 'relu', seed: cfg.seed }, { maxBatch: Math.max(cfg.batch, 256) })
    let init: Record<string, unknown> = { method: 'xavier', seed: cfg.seed }
    if (hidden.length === 0) {
      const fitN = own.n + (replay?.n ?? 0)
      const fitX = concat(own, ...(replay ? [replay] : []))
      const fitEmb = concatRows(dim, ownE, ...(replayE ? [replayE] : []))
      const targets = await baseLogits(base, fitX.x, fitN)
      const fit = fitHeadToBase(fitEmb.x, targets, fitN, dim)
      head.setWeights([{ name: 'dense0.W', shape: [dim, NUM_CLASSES], data: fit.W }, { name: 'dense0.b', shape: [NUM_CLASSES], data: fit.b }])
      init = {
        method: 'least-squares fit to the base logits', glyphs: fitN, argmaxAgreement: fit.agreement, maxAbsLogitDiff: fit.maxAbsDiff,
        // The base's look-alike calibration is folded into the head's starting biases.
        ...(base.manifest.logitOffsets ? { baseLogitOffsets: base.manifest.logitOffsets } : {})
      }
      hooks.onMessage?.(`head initialised from ${base.name}: agrees with it on ${(fit.agreement * 100).toFixed(1)}% of ${fitN} glyphs`)
    }
    const headClassifier = new CnnHeadClassifier(spec.name, base, head)

    const reps = oversampleFactor(own.n, replay?.n ?? 0, cfg.batch)
    const train = replayE ? concatRows(dim, repeat(ownE, reps, dim), replayE) : repeat(ownE, reps, dim)
    hooks.onMessage?.(`training the head on ${own.n} corrections ×${reps} + ${replay?.n ?? 0} replayed embeddings`)
    const before = heldOut ? accuracy(heldOut.y, (await base.predict(heldOut.x, heldOut.n)).labels, heldOut.n) : null
    const result = await trainMlp(head, train, heldE ?? undefined, {
      epochs: cfg.epochs, lr: cfg.lr, batch: cfg.batch, momentum: cfg.momentum, optimizer: cfg.optimizer, seed: cfg.seed
    }, { signal: hooks.signal, onEpoch: (s) => hooks.onEpoch?.(s, cfg.epochs), onBatch: hooks.onBatch })
    if (result.stopped) return null

    let after: number | null = null
    let confusion: number[][] | null = null
    if (heldE && heldOut) {
      const p = headClassifier.predictEmbeddings(heldE.x, heldE.n)
      after = accuracy(heldOut.y, p.labels, heldOut.n)
      confusion = scorePredictions(heldOut.y.subarray(0, heldOut.n), p.labels).confusion
    }
    const seconds = (performance.now() - t0) / 1000
    const card = commonCard(spec, 'cnn-head', { own, heldOut, reps, replay, replayDir, replayExtra, curves: result.curves, before, after, confusion, seconds })
    card['config'] = { head: { sizes: head.config.sizes, activation: hidden.length ? 'relu' : null, init }, train: cfg }

    const shipped = listShippedModels().find((m) => resolve(m.dir) === resolve(spec.baseDir))
    const manifest: CnnHeadManifest = {
      format: CNN_HEAD_FORMAT, formatVersion: CNN_HEAD_FORMAT_VERSION, kind: 'cnn-head', name: spec.name,
      base: { name: shipped ? shipped.name : spec.baseName, shipped: !!shipped, ...(shipped ? {} : { dir: resolve(spec.baseDir) }), modelSha256: onnxSha256(spec.baseDir), embeddingDim: dim },
      head: CNN_HEAD_DIR,
      card
    }
    checkOutputDir(spec.outDir)
    // Head and manifest are staged together and the folder renamed into place once: a kill leaves no model
    // folder (and no half of one), so the rerun is not refused.
    await writeDirAtomic(spec.outDir, async (staging) => {
      await saveMlp(join(staging, CNN_HEAD_DIR), head, { name: `${spec.name} head`, kind: 'mlp', note: `the head of the cnn-head model ${spec.name}; it reads ${base.name} embeddings, not glyphs` })
      await writeFileAtomic(join(staging, 'model.json'), JSON.stringify(manifest, null, 1) + '\n')
    })
    return {
      model: spec.name, dir: spec.outDir, kind: 'cnn-head', trainGlyphs: train.n, corrections: spec.corrections.n, replay: replay?.n ?? 0,
      heldOut: heldOut?.n ?? 0, before, after, confusion, classes: [...CLASSES], seconds, card
    }
  } finally {
    await base.dispose()
  }
}
