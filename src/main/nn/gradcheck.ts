// Finite-difference gradient checks in float64: every layer type and the loss, checked on its
// own (with a random upstream gradient) and inside a whole network. Backs `glyphdesk gradcheck`
// and the nn tests. Relative error per element is |a−n| / max(|a|+|n|, eps); each row reports
// the worst element of one tensor.
import { Activation, ACTIVATIONS, Dense, SoftmaxCrossEntropy, type ActivationKind, type Layer } from './layers.ts'
import { Mlp } from './mlp.ts'
import { Rng } from './rng.ts'
import type { FloatArray } from './tensor.ts'

export interface GradcheckRow {
  /** e.g. "dense", "sigmoid", "softmax_ce", or "mlp(tanh)/dense1". */
  layer: string
  /** "W", "b", or "input" (gradient w.r.t. the layer's input). */
  param: string
  maxRelError: number
  /** Elements compared. */
  checked: number
}

export interface GradcheckOptions {
  /** Central-difference step. */
  h?: number
  /** Floor of the denominator, so two near-zero gradients do not count as a large relative error. */
  eps?: number
  /** Rows in the random batch. */
  batch?: number
  seed?: number
}

const DEFAULTS = { h: 1e-5, eps: 1e-10, batch: 4, seed: 1234 }

export function relError(analytic: number, numeric: number, eps = DEFAULTS.eps): number {
  return Math.abs(analytic - numeric) / Math.max(Math.abs(analytic) + Math.abs(numeric), eps)
}

/** Worst relative error between analytic gradient `grad` and central differences of f over `x`. */
export function compareGradient(
  f: () => number,
  x: FloatArray,
  grad: ArrayLike<number>,
  h: number,
  eps: number
): number {
  let worst = 0
  for (let i = 0; i < x.length; i++) {
    const orig = x[i]
    x[i] = orig + h
    const up = f()
    x[i] = orig - h
    const down = f()
    x[i] = orig
    const numeric = (up - down) / (2 * h)
    const e = relError(grad[i], numeric, eps)
    if (!(e <= worst)) worst = e // NaN propagates as the worst
  }
  return worst
}

function randomArray(rng: Rng, len: number, avoidZero: boolean): Float64Array {
  const a = new Float64Array(len)
  for (let i = 0; i < len; i++) {
    let v = rng.normal()
    // relu has a kink at 0; keep inputs a safe distance from it so differences do not straddle it.
    if (avoidZero && Math.abs(v) < 0.1) v = v < 0 ? v - 0.1 : v + 0.1
    a[i] = v
  }
  return a
}

/**
 * Checks one layer against f(x, θ) = Σ r ⊙ layer.forward(x) for a fixed random r:
 * the analytic gradients are layer.backward(r). Rows for the input and each parameter.
 */
export function gradcheckLayer(layer: Layer, label: string, options: GradcheckOptions = {}): GradcheckRow[] {
  const { h, eps, batch: n, seed } = { ...DEFAULTS, ...options }
  const rng = new Rng(seed)
  const x = randomArray(rng, n * layer.inDim, true)
  const r = randomArray(rng, n * layer.outDim, false)
  const f = (): number => {
    const y = layer.forward(x, n)
    let s = 0
    for (let i = 0; i < r.length; i++) s += r[i] * y[i]
    return s
  }
  f()
  const dx = layer.backward(r, n)
  const rows: GradcheckRow[] = []
  if (dx)
    rows.push({
      layer: label,
      param: 'input',
      maxRelError: compareGradient(f, x, dx.slice(), h, eps),
      checked: x.length
    })
  for (const p of layer.params()) {
    const grad = p.grad.slice()
    rows.push({
      layer: label,
      param: p.name.split('.').pop() ?? p.name,
      maxRelError: compareGradient(f, p.value, grad, h, eps),
      checked: grad.length
    })
  }
  return rows
}

/** Checks softmax + mean cross-entropy w.r.t. its logits. */
export function gradcheckLoss(classes = 5, options: GradcheckOptions = {}): GradcheckRow {
  const { h, eps, batch: n, seed } = { ...DEFAULTS, ...options }
  const rng = new Rng(seed + 1)
  const loss = new SoftmaxCrossEntropy(classes, 'float64', n)
  const z = randomArray(rng, n * classes, false)
  for (let i = 0; i < z.length; i++) z[i] *= 3
  const labels = new Uint8Array(n)
  for (let i = 0; i < n; i++) labels[i] = rng.int(classes)
  const f = (): number => loss.forward(z, labels, n)
  f()
  const dz = loss.backward(labels, n).slice()
  return { layer: 'softmax_ce', param: 'input', maxRelError: compareGradient(f, z, dz, h, eps), checked: z.length }
}

/** Whole-network check: d(mean CE)/dθ for every parameter tensor of a float64 Mlp. */
export function gradcheckMlp(
  sizes: number[],
  activation: ActivationKind,
  options: GradcheckOptions = {}
): GradcheckRow[] {
  const { h, eps, batch: n, seed } = { ...DEFAULTS, ...options }
  const mlp = new Mlp({ sizes, activation, seed }, { dtype: 'float64', maxBatch: n })
  // Non-zero biases so their gradients are exercised away from the initial point.
  const rng = new Rng(seed + 2)
  for (const d of mlp.dense) for (let i = 0; i < d.b.length; i++) d.b[i] = 0.1 * rng.normal()
  const x = randomArray(rng, n * sizes[0], false)
  const labels = new Uint8Array(n)
  for (let i = 0; i < n; i++) labels[i] = rng.int(mlp.classes)
  const f = (): number => mlp.loss.forward(mlp.logits(x, n), labels, n)
  mlp.lossAndGradients(x, labels, n)
  return mlp.params().map((p) => {
    const [layer, param] = p.name.split('.')
    const grad = p.grad.slice()
    return {
      layer: `mlp(${activation})/${layer}`,
      param,
      maxRelError: compareGradient(f, p.value, grad, h, eps),
      checked: grad.length
    }
  })
}

/** Everything `glyphdesk gradcheck` reports: each layer type alone, the loss, and a net per activation. */
export function gradcheckSuite(options: GradcheckOptions = {}): GradcheckRow[] {
  const n = options.batch ?? DEFAULTS.batch
  const rows: GradcheckRow[] = []
  rows.push(...gradcheckLayer(new Dense('dense', 7, 5, 'float64', true, n), 'dense', options))
  for (const kind of ACTIVATIONS)
    rows.push(...gradcheckLayer(new Activation(kind, kind, 6, 'float64', n), kind, options))
  rows.push(gradcheckLoss(5, options))
  for (const kind of ACTIVATIONS) rows.push(...gradcheckMlp([8, 6, 5, 4], kind, options))
  return rows
}

/** Plain-text table of rows, for the CLI. */
export function formatGradcheckTable(rows: readonly GradcheckRow[], tolerance = 1e-5): string {
  const w = Math.max(5, ...rows.map((r) => r.layer.length))
  const lines = [`${'layer'.padEnd(w)}  ${'param'.padEnd(5)}  maxRelError  ok`]
  for (const r of rows) {
    lines.push(
      `${r.layer.padEnd(w)}  ${r.param.padEnd(5)}  ${r.maxRelError.toExponential(2).padStart(11)}  ${r.maxRelError < tolerance ? 'yes' : 'NO'}`
    )
  }
  return lines.join('\n')
}
