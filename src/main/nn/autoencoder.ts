// The coursework's fully connected autoencoder: Dense layers with a nonlinearity after every
// hidden layer and a sigmoid on the output (so reconstructions are images in [0, 1]), trained to
// reproduce its input under the total squared error Σ(x̂ − x)² with SGD + momentum. It reuses the
// MLP's Dense and Activation layers; only the loss and the training loop are its own.
import { InvalidInputError } from '../core/errors.ts'
import { Activation, Dense, type ActivationKind, type Layer, type Param } from './layers.ts'
import { compareGradient, type GradcheckOptions, type GradcheckRow } from './gradcheck.ts'
import { Sgd } from './optim.ts'
import { Rng } from './rng.ts'
import type { DType, FloatArray } from './tensor.ts'

export interface AutoencoderConfig {
  /** Layer widths from input to output, e.g. [1024, 32, 32, 32, 1024]; first and last must match. */
  sizes: number[]
  /** Nonlinearity after every hidden Dense layer (the output is always sigmoid). */
  hidden: ActivationKind
  /** Initialisation: Xavier/Glorot-uniform (the coursework's) or He-uniform (suits ReLU). */
  init: 'xavier' | 'he'
  seed: number
}

export interface AutoencoderOptions {
  dtype?: DType
  maxBatch?: number
}

/**
 * L = Σ over the batch and all pixels of (ŷ − t)² (total, not mean: the coursework's loss, whose
 * gradient 2(ŷ − t) needs a learning rate about batch×pixels times smaller than a mean would).
 */
export class SquaredErrorLoss {
  readonly name = 'squared_error'
  private grad: FloatArray
  private y: FloatArray | null = null
  private t: FloatArray | null = null

  constructor(
    readonly dim: number,
    private readonly dtype: DType,
    maxBatch = 1
  ) {
    this.grad = dtype === 'float64' ? new Float64Array(maxBatch * dim) : new Float32Array(maxBatch * dim)
  }

  forward(y: FloatArray, target: FloatArray, n: number): number {
    const len = n * this.dim
    let s = 0
    for (let i = 0; i < len; i++) {
      const d = y[i] - target[i]
      s += d * d
    }
    this.y = y
    this.t = target
    return s
  }

  /** dL/dŷ = 2(ŷ − t) for the latest forward (a view valid until the next call). */
  backward(n: number): FloatArray {
    const y = this.y,
      t = this.t
    if (y === null || t === null) throw new Error('squared_error.backward called before forward')
    const len = n * this.dim
    if (this.grad.length < len) this.grad = this.dtype === 'float64' ? new Float64Array(len) : new Float32Array(len)
    const g = this.grad
    for (let i = 0; i < len; i++) g[i] = 2 * (y[i] - t[i])
    return len === g.length ? g : g.subarray(0, len)
  }
}

export function validateAutoencoderConfig(config: AutoencoderConfig): void {
  const { sizes } = config
  if (!Array.isArray(sizes) || sizes.length < 3 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new RangeError(`AutoencoderConfig.sizes must list ≥3 positive integer widths, got [${String(sizes)}]`)
  }
  if (sizes[0] !== sizes[sizes.length - 1])
    throw new RangeError(`an autoencoder's output width must equal its input width, got [${sizes.join(', ')}]`)
  if (config.init !== 'xavier' && config.init !== 'he')
    throw new RangeError(`AutoencoderConfig.init must be xavier or he, got "${String(config.init)}"`)
  if (!Number.isFinite(config.seed))
    throw new RangeError(`AutoencoderConfig.seed must be a finite number, got ${config.seed}`)
}

export class Autoencoder {
  readonly config: AutoencoderConfig
  readonly layers: Layer[] = []
  readonly dense: Dense[] = []
  readonly loss: SquaredErrorLoss
  readonly dim: number

  constructor(config: AutoencoderConfig, options: AutoencoderOptions = {}) {
    validateAutoencoderConfig(config)
    this.config = { ...config, sizes: [...config.sizes] }
    const dtype = options.dtype ?? 'float32'
    const maxBatch = Math.max(1, options.maxBatch ?? 1)
    const { sizes } = config
    this.dim = sizes[0]
    const rng = new Rng(config.seed)
    for (let l = 0; l + 1 < sizes.length; l++) {
      const dense = new Dense(`dense${l}`, sizes[l], sizes[l + 1], dtype, l > 0, maxBatch)
      const bound = config.init === 'he' ? Math.sqrt(6 / sizes[l]) : Math.sqrt(6 / (sizes[l] + sizes[l + 1]))
      for (let i = 0; i < dense.W.length; i++) dense.W[i] = rng.uniformIn(-bound, bound)
      this.layers.push(dense)
      this.dense.push(dense)
      const last = l + 2 === sizes.length
      const kind: ActivationKind = last ? 'sigmoid' : config.hidden
      this.layers.push(new Activation(`${kind}${l}`, kind, sizes[l + 1], dtype, maxBatch))
    }
    this.loss = new SquaredErrorLoss(this.dim, dtype, maxBatch)
  }

  /** Reconstructions (n×dim view into an internal buffer, valid until the next call). */
  forward(x: FloatArray, n: number): FloatArray {
    let h = x
    for (const layer of this.layers) h = layer.forward(h, n)
    return h
  }

  /** Total squared error of reconstructing x (n rows), and every parameter's gradient. */
  lossAndGradients(x: FloatArray, n: number): number {
    const loss = this.loss.forward(this.forward(x, n), x, n)
    let g: FloatArray | null = this.loss.backward(n)
    for (let l = this.layers.length - 1; l >= 0 && g !== null; l--) g = this.layers[l].backward(g, n)
    return loss
  }

  /** Reconstructions of n rows as a fresh Float32Array, computed in chunks. */
  reconstruct(x: FloatArray, n: number, chunk = 256): Float32Array {
    const d = this.dim
    const out = new Float32Array(n * d)
    for (let s = 0; s < n; s += chunk) {
      const m = Math.min(chunk, n - s)
      out.set(this.forward(x.subarray(s * d, (s + m) * d), m).subarray(0, m * d), s * d)
    }
    return out
  }

  params(): Param[] {
    return this.layers.flatMap((l) => l.params())
  }

  parameterCount(): number {
    return autoencoderParameterCount(this.config.sizes)
  }
}

/** Weights and biases of a fully connected network with these widths. */
export function autoencoderParameterCount(sizes: readonly number[]): number {
  let p = 0
  for (let l = 0; l + 1 < sizes.length; l++) p += sizes[l] * sizes[l + 1] + sizes[l + 1]
  return p
}

/**
 * How the learning rate moves over the epochs (it is constant within an epoch):
 * - constant: lr throughout;
 * - step: from epoch `after` + 1 on, the rate is multiplied by `factor` (drops compound, in order
 *   of `after`) — SGD noise settles and the loss drops at each step;
 * - cosine: lr × (minFactor + (1 − minFactor)·½(1 + cos(π·(e − 1)/epochs))) in epoch e, from lr
 *   in the first epoch down towards lr × minFactor.
 */
export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'step'; drops: { after: number; factor: number }[] }
  | { kind: 'cosine'; minFactor: number }

export function validateLrSchedule(s: LrSchedule): void {
  if (s.kind === 'constant') return
  if (s.kind === 'step') {
    if (!Array.isArray(s.drops)) throw new RangeError('a step schedule needs a drops array')
    for (const d of s.drops) {
      if (!Number.isInteger(d.after) || d.after < 0 || !(d.factor > 0))
        throw new RangeError(`bad step drop ${JSON.stringify(d)}: after must be a whole epoch ≥ 0 and factor > 0`)
    }
    return
  }
  if (s.kind === 'cosine') {
    if (!(s.minFactor >= 0 && s.minFactor <= 1))
      throw new RangeError(`a cosine schedule's minFactor must be in [0, 1], got ${s.minFactor}`)
    return
  }
  throw new RangeError(`unknown learning-rate schedule ${JSON.stringify(s)}`)
}

/** The learning rate of epoch `epoch` (1-based) of `epochs` under the schedule. */
export function scheduledLr(lr: number, schedule: LrSchedule | undefined, epoch: number, epochs: number): number {
  if (!schedule || schedule.kind === 'constant') return lr
  if (schedule.kind === 'step') {
    let f = 1
    for (const d of schedule.drops) if (epoch > d.after) f *= d.factor
    return lr * f
  }
  const c = 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / Math.max(1, epochs)))
  return lr * (schedule.minFactor + (1 - schedule.minFactor) * c)
}

/** A one-line description, e.g. "lr 0.00003 for epochs 1–60, ×0.1 after epoch 60 (0.000003), ×0.1 after epoch 75 (3e-7)". */
export function describeLrSchedule(lr: number, schedule: LrSchedule | undefined, epochs: number): string {
  if (!schedule || schedule.kind === 'constant') return `constant ${lr}`
  if (schedule.kind === 'cosine') {
    return `cosine from ${lr} in epoch 1 to ${sig3(scheduledLr(lr, schedule, epochs, epochs))} in epoch ${epochs} (towards ${sig3(lr * schedule.minFactor)})`
  }
  const drops = [...schedule.drops].filter((d) => d.after < epochs).sort((a, b) => a.after - b.after)
  if (drops.length === 0) return `constant ${lr}`
  return (
    `lr ${lr} for ${drops[0].after === 1 ? 'epoch 1' : `epochs 1–${drops[0].after}`}` +
    drops
      .map((d) => `, ×${d.factor} after epoch ${d.after} (${sig3(scheduledLr(lr, schedule, d.after + 1, epochs))})`)
      .join('')
  )
}

function sig3(v: number): number {
  return Number(v.toPrecision(3))
}

export interface AutoencoderTrainConfig {
  epochs: number
  /** Base learning rate (the schedule scales it per epoch). */
  lr: number
  batch: number
  momentum: number
  /** Shuffling seed (the Autoencoder's own seed covers initialisation). */
  seed: number
  /** Learning-rate schedule (default constant). */
  schedule?: LrSchedule
  /** Shorthand for a one-drop step schedule: from epoch `after` + 1 on, lr × factor (ignored when `schedule` is given). */
  decay?: { after: number; factor: number }
}

export interface AutoencoderEpoch {
  epoch: number
  /** Learning rate used during the epoch. */
  lr: number
  /** Mean over training glyphs of the per-glyph squared error during the epoch (the total / n). */
  trainLoss: number
  /** Same for the validation glyphs after the epoch. */
  validLoss?: number
}

export class AutoencoderDivergedError extends InvalidInputError {
  override name = 'AutoencoderDivergedError'
  constructor(
    readonly epoch: number,
    readonly lr: number,
    readonly loss: number
  ) {
    super(
      `autoencoder training diverged: the batch loss became ${loss} in epoch ${epoch} with learning rate ${lr}; try a smaller learning rate (e.g. ${lr / 10})`
    )
  }
}

/** Rows x (n×dim) of the glyphs to reproduce. */
export interface Images {
  x: Float32Array
  n: number
}

/** Total squared error of reconstructing every row, divided by n. */
export function meanSquaredErrorPerImage(ae: Autoencoder, data: Images, chunk = 256): number {
  const d = ae.dim
  let s = 0
  for (let o = 0; o < data.n; o += chunk) {
    const m = Math.min(chunk, data.n - o)
    const x = data.x.subarray(o * d, (o + m) * d)
    s += ae.loss.forward(ae.forward(x, m), x, m)
  }
  return s / data.n
}

/** Mini-batch SGD (with momentum) on the total squared error; seeded, so a config gives one result. */
export async function trainAutoencoder(
  ae: Autoencoder,
  train: Images,
  valid: Images | undefined,
  cfg: AutoencoderTrainConfig,
  hooks: { onEpoch?(stats: AutoencoderEpoch): void } = {}
): Promise<AutoencoderEpoch[]> {
  const d = ae.dim
  if (train.x.length < train.n * d || train.n < 1) throw new RangeError(`training set needs n ≥ 1 rows of ${d} values`)
  if (
    !Number.isInteger(cfg.epochs) ||
    cfg.epochs < 0 ||
    !Number.isInteger(cfg.batch) ||
    cfg.batch < 1 ||
    !(cfg.lr > 0)
  ) {
    throw new RangeError(`bad autoencoder training config ${JSON.stringify(cfg)}`)
  }
  const schedule: LrSchedule = cfg.schedule ?? (cfg.decay ? { kind: 'step', drops: [cfg.decay] } : { kind: 'constant' })
  validateLrSchedule(schedule)
  const opt = new Sgd({ lr: cfg.lr, momentum: cfg.momentum })
  const params = ae.params()
  const rng = new Rng(cfg.seed)
  const order = new Uint32Array(train.n)
  for (let i = 0; i < train.n; i++) order[i] = i
  const xb = new Float32Array(cfg.batch * d)
  const curves: AutoencoderEpoch[] = []
  for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
    opt.lr = scheduledLr(cfg.lr, schedule, epoch, cfg.epochs)
    rng.shuffle(order)
    let total = 0
    for (let s = 0; s < train.n; s += cfg.batch) {
      const m = Math.min(cfg.batch, train.n - s)
      for (let r = 0; r < m; r++) xb.set(train.x.subarray(order[s + r] * d, (order[s + r] + 1) * d), r * d)
      const loss = ae.lossAndGradients(m === cfg.batch ? xb : xb.subarray(0, m * d), m)
      if (!Number.isFinite(loss)) throw new AutoencoderDivergedError(epoch, opt.lr, loss)
      opt.step(params)
      total += loss
    }
    const stats: AutoencoderEpoch = { epoch, lr: opt.lr, trainLoss: total / train.n }
    if (valid) stats.validLoss = meanSquaredErrorPerImage(ae, valid)
    curves.push(stats)
    hooks.onEpoch?.(stats)
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  return curves
}

/**
 * Float64 central-difference check of the whole autoencoder (every W and b, through the ReLU
 * hidden layers and the sigmoid output) and of the squared-error loss on its own.
 */
export function gradcheckAutoencoder(
  sizes: number[] = [12, 5, 4, 5, 12],
  hidden: ActivationKind = 'relu',
  options: GradcheckOptions = {}
): GradcheckRow[] {
  const h = options.h ?? 1e-5,
    eps = options.eps ?? 1e-10,
    n = options.batch ?? 4,
    seed = options.seed ?? 1234
  const rng = new Rng(seed + 3)
  const rows: GradcheckRow[] = []

  const loss = new SquaredErrorLoss(sizes[0], 'float64', n)
  const y = Float64Array.from({ length: n * sizes[0] }, () => rng.uniform())
  const t = Float64Array.from({ length: n * sizes[0] }, () => rng.uniform())
  const fl = (): number => loss.forward(y, t, n)
  fl()
  rows.push({
    layer: 'squared_error',
    param: 'input',
    maxRelError: compareGradient(fl, y, loss.backward(n).slice(), h, eps),
    checked: y.length
  })

  const ae = new Autoencoder({ sizes, hidden, init: 'xavier', seed }, { dtype: 'float64', maxBatch: n })
  // Non-zero biases, and inputs in [0, 1] like glyphs; relu's kink is met with probability ~0.
  for (const d of ae.dense) for (let i = 0; i < d.b.length; i++) d.b[i] = 0.1 * rng.normal()
  const x = Float64Array.from({ length: n * sizes[0] }, () => rng.uniform())
  const f = (): number => ae.loss.forward(ae.forward(x, n), x, n)
  ae.lossAndGradients(x, n)
  for (const p of ae.params()) {
    const [layer, param] = p.name.split('.')
    rows.push({
      layer: `autoencoder(${hidden})/${layer}`,
      param,
      maxRelError: compareGradient(f, p.value, p.grad.slice(), h, eps),
      checked: p.grad.length
    })
  }
  return rows
}
