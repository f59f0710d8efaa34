// Mini-batch training of an Mlp: seeded shuffling, optional augmentation, SGD/Adam, per-epoch
// curves, cooperative cancellation and exact resumption. A run stopped through `signal` returns
// a TrainState; passing it back as `resume` continues so that the final weights are
// bit-identical to an uninterrupted run (same shuffles, same RNG draws, same float ops).
import { InvalidInputError } from '../core/errors.ts'
import { countCorrect, softmaxCrossEntropy } from './kernels.ts'
import type { Mlp, NamedTensor } from './mlp.ts'
import { createOptimizer, Sgd, type OptimizerKind, type OptimizerState } from './optim.ts'
import { Rng, type RngState } from './rng.ts'

/** n glyphs, row-major n×inputDim pixels, one class index each. */
export interface LabelledGlyphs {
  x: Float32Array
  y: Uint8Array
  n: number
}

export interface TrainConfig {
  epochs: number
  lr: number
  batch: number
  /** SGD momentum (0 = plain SGD); ignored by Adam. */
  momentum: number
  optimizer: OptimizerKind
  weightDecay?: number
  /** Seeds shuffling and augmentation (the Mlp's own seed covers initialisation). */
  seed: number
  /**
   * A batch loss above this counts as divergence (default 1000 nats; chance level is ln 36 ≈ 3.6).
   * Needed besides the NaN/Inf check because the log-sum-exp loss stays finite even when the
   * logits have blown up to 1e7 and saturated sigmoids have stopped all learning.
   */
  divergenceLoss?: number
}

export interface EpochStats {
  /** 1-based. */
  epoch: number
  trainLoss: number
  trainAcc: number
  validLoss?: number
  validAcc?: number
  seconds: number
}

export interface TrainState {
  version: 1
  config: TrainConfig
  /** Epochs completed. */
  epoch: number
  /** Batches of epoch `epoch` already applied (0 at an epoch boundary). */
  batch: number
  /** Sample order of the epoch in progress (the last shuffle's result). */
  order: Uint32Array
  rng: RngState
  weights: NamedTensor[]
  optimizer: OptimizerState
  curves: EpochStats[]
  /** Running sums of the epoch in progress, so its stats come out as if never interrupted. */
  partial: { lossSum: number; correct: number; seen: number; seconds: number }
}

export interface TrainHooks {
  /** epoch 1-based, batchIdx 0-based. */
  onBatch?(epoch: number, batchIdx: number, nBatches: number, loss: number): void
  onEpoch?(stats: EpochStats): void
  /** Checked after every batch: training stops there and returns a resumable state. */
  signal?: AbortSignal
  /** Mutates the gathered batch (n×inputDim) in place; must draw randomness only from rng. */
  augment?(xBatch: Float32Array, n: number, rng: Rng): void
  resume?: TrainState
}

export interface TrainResult {
  curves: EpochStats[]
  stopped: boolean
  state: TrainState
}

const YIELD_EVERY_MS = 50

export class DivergedError extends InvalidInputError {
  override name = 'DivergedError'
  constructor(
    readonly epoch: number,
    readonly batch: number,
    readonly lr: number,
    readonly loss: number
  ) {
    super(
      `training diverged: the batch loss became ${loss} at epoch ${epoch}, batch ${batch} with learning rate ${lr}; ` +
        `try a smaller learning rate (e.g. ${lr / 10}). The weights are as after the last finite-loss update.`
    )
  }
}

export class TrainConfigError extends InvalidInputError {
  override name = 'TrainConfigError'
}

function checkData(mlp: Mlp, data: LabelledGlyphs, what: string): void {
  const { x, y, n } = data
  if (!Number.isInteger(n) || n < 1) throw new TrainConfigError(`${what} set has n=${n}; it needs at least one glyph`)
  if (x.length < n * mlp.inputDim)
    throw new TrainConfigError(
      `${what} set: x has ${x.length} values, ${n} glyphs of ${mlp.inputDim} pixels need ${n * mlp.inputDim}`
    )
  if (y.length < n) throw new TrainConfigError(`${what} set: y has ${y.length} labels for ${n} glyphs`)
  for (let i = 0; i < n; i++) {
    if (y[i] >= mlp.classes)
      throw new TrainConfigError(`${what} set: label ${y[i]} at row ${i} is outside the ${mlp.classes} classes`)
  }
}

function checkConfig(cfg: TrainConfig): void {
  if (!Number.isInteger(cfg.epochs) || cfg.epochs < 0)
    throw new TrainConfigError(`epochs must be a non-negative integer, got ${cfg.epochs}`)
  if (!Number.isInteger(cfg.batch) || cfg.batch < 1)
    throw new TrainConfigError(`batch must be a positive integer, got ${cfg.batch}`)
  if (!(cfg.lr > 0) || !Number.isFinite(cfg.lr))
    throw new TrainConfigError(`lr must be a positive finite number, got ${cfg.lr}`)
}

export interface Evaluation {
  loss: number
  accuracy: number
  predictions: Uint8Array
  /** n×classes probabilities. */
  probs: Float32Array
}

/** Mean cross-entropy, accuracy, argmax predictions and probabilities over a whole set. */
export function evaluateMlp(mlp: Mlp, data: LabelledGlyphs, chunk = 256): Evaluation {
  checkData(mlp, data, 'evaluation')
  const { x, y, n } = data
  const d = mlp.inputDim,
    c = mlp.classes
  const probs = new Float32Array(n * c)
  const predictions = new Uint8Array(n)
  let lossSum = 0
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s)
    const logits = mlp.logits(x.subarray(s * d, (s + m) * d), m)
    const p = probs.subarray(s * c, (s + m) * c)
    lossSum += m * softmaxCrossEntropy(m, c, logits, y.subarray(s, s + m), p)
  }
  let correct = 0
  for (let i = 0; i < n; i++) {
    let best = 0,
      bv = probs[i * c]
    for (let j = 1; j < c; j++)
      if (probs[i * c + j] > bv) {
        bv = probs[i * c + j]
        best = j
      }
    predictions[i] = best
    if (best === y[i]) correct++
  }
  return { loss: lossSum / n, accuracy: correct / n, predictions, probs }
}

/**
 * Trains in place. The loop yields to the event loop every ~50 ms so an AbortSignal fired from a
 * timer, IPC message or hook is seen; it stops after the batch in flight.
 */
export async function trainMlp(
  mlp: Mlp,
  train: LabelledGlyphs,
  valid: LabelledGlyphs | undefined,
  cfg: TrainConfig,
  hooks: TrainHooks = {}
): Promise<TrainResult> {
  checkConfig(cfg)
  checkData(mlp, train, 'training')
  if (valid) checkData(mlp, valid, 'validation')
  if (mlp.dtype !== 'float32')
    throw new TrainConfigError('trainMlp trains float32 networks; float64 is for gradient checks')

  const { n } = train
  const d = mlp.inputDim,
    c = mlp.classes
  const B = cfg.batch
  const nBatches = Math.ceil(n / B)
  const maxLoss = cfg.divergenceLoss ?? 1000
  const optimizer = createOptimizer(cfg.optimizer, {
    lr: cfg.lr,
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay ?? 0
  })
  const params = mlp.params()
  const plainSgd = optimizer instanceof Sgd && optimizer.momentum === 0 && optimizer.weightDecay === 0
  const rng = new Rng(cfg.seed)
  let order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  let epoch = 0,
    batch = 0
  let curves: EpochStats[] = []
  let lossSum = 0,
    correct = 0,
    seen = 0,
    secondsBefore = 0

  const resume = hooks.resume
  if (resume) {
    if (resume.version !== 1)
      throw new TrainConfigError(`cannot resume from TrainState version ${String(resume.version)}`)
    if (resume.order.length !== n)
      throw new TrainConfigError(`checkpoint was made on ${resume.order.length} training glyphs, this run has ${n}`)
    if (resume.config.batch !== B || resume.config.optimizer !== cfg.optimizer || resume.config.seed !== cfg.seed) {
      throw new TrainConfigError(
        'checkpoint was made with a different batch size, optimiser or seed; resuming would not reproduce the run'
      )
    }
    mlp.setWeights(resume.weights)
    optimizer.setState(resume.optimizer)
    optimizer.lr = cfg.lr
    rng.setState(resume.rng)
    order = resume.order.slice()
    epoch = resume.epoch
    batch = resume.batch
    curves = resume.curves.map((s) => ({ ...s }))
    ;({ lossSum, correct, seen, seconds: secondsBefore } = resume.partial)
  }

  // Batch buffers: full-size views plus a view for the short last batch, made once. The inputs
  // go straight into the network's own buffer when it is big enough (no copy into wasm memory).
  const own = mlp.inputBuffer()
  const xb =
    own instanceof Float32Array && own.length >= B * d
      ? own.length === B * d
        ? own
        : own.subarray(0, B * d)
      : new Float32Array(B * d)
  const yb = new Uint8Array(B)
  const lastN = n - (nBatches - 1) * B
  const xbLast = xb.subarray(0, lastN * d)
  const ybLast = yb.subarray(0, lastN)
  const { x, y } = train
  // One view per training row, made once: the per-batch gather is then a memcpy per row
  // (TypedArray.set, ~6× faster than an element loop) without allocating anything per batch.
  const rows = Array.from({ length: n }, (_, i) => x.subarray(i * d, (i + 1) * d))

  const snapshot = (): TrainState => ({
    version: 1,
    config: { ...cfg },
    epoch,
    batch,
    order: order.slice(),
    rng: rng.getState(),
    weights: mlp.copyWeights(),
    optimizer: optimizer.getState(),
    curves: curves.map((s) => ({ ...s })),
    partial: { lossSum, correct, seen, seconds: secondsBefore }
  })

  if (hooks.signal?.aborted) return { curves, stopped: true, state: snapshot() }
  let lastYield = performance.now()

  while (epoch < cfg.epochs) {
    const t0 = performance.now()
    if (batch === 0) {
      rng.shuffle(order)
      lossSum = 0
      correct = 0
      seen = 0
      secondsBefore = 0
    }
    for (; batch < nBatches;) {
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve))
        lastYield = performance.now()
      }
      const start = batch * B
      const m = Math.min(B, n - start)
      for (let r = 0; r < m; r++) {
        const idx = order[start + r]
        xb.set(rows[idx], r * d)
        yb[r] = y[idx]
      }
      const xv = m === B ? xb : xbLast
      const yv = m === B ? yb : ybLast
      hooks.augment?.(xv, m, rng)
      const loss = mlp.forwardLoss(xv, yv, m)
      if (!(loss <= maxLoss)) throw new DivergedError(epoch + 1, batch, cfg.lr, loss) // also catches NaN
      correct += countCorrect(m, c, mlp.loss.lastProbs(), yv)
      if (plainSgd) {
        // Same result bit for bit as backward + Sgd.step, with the W updates fused into the gemms.
        mlp.backwardSgd(yv, m, optimizer.lr)
        optimizer.countStep(params)
      } else {
        mlp.backward(yv, m)
        optimizer.step(params)
      }
      lossSum += loss * m
      seen += m
      batch++
      hooks.onBatch?.(epoch + 1, batch - 1, nBatches, loss)
      if (hooks.signal?.aborted) break
    }
    secondsBefore += (performance.now() - t0) / 1000
    if (batch < nBatches) return { curves, stopped: true, state: snapshot() }

    const stats: EpochStats = {
      epoch: epoch + 1,
      trainLoss: lossSum / seen,
      trainAcc: correct / seen,
      seconds: secondsBefore
    }
    if (valid) {
      const v = evaluateMlp(mlp, valid)
      stats.validLoss = v.loss
      stats.validAcc = v.accuracy
    }
    curves.push(stats)
    epoch++
    batch = 0
    lossSum = 0
    correct = 0
    seen = 0
    secondsBefore = 0
    hooks.onEpoch?.(stats)
    if (hooks.signal?.aborted && epoch < cfg.epochs) return { curves, stopped: true, state: snapshot() }
  }
  return { curves, stopped: false, state: snapshot() }
}
