// Optimisers: they see only a list of parameters with gradients, never the network, and keep
// their per-parameter buffers in a state that checkpoints can save and restore exactly.
//
// SGD (PyTorch convention): g' = g + λw;  v ← μv + g';  w ← w − lr·v   (μ = 0: w ← w − lr·g').
// Adam (L2 decay folded into the gradient, not AdamW):
//   m ← β1m + (1−β1)g';  v ← β2v + (1−β2)g'²;  t ← t+1;  w ← w − lr·(m/(1−β1ᵗ)) / (sqrt(v/(1−β2ᵗ)) + ε)
import { InvalidInputError } from '../core/errors.ts'
import type { Param } from './layers.ts'
import { sgdUpdate } from './kernels.ts'
import { allocArray, dtypeOf, type FloatArray } from './tensor.ts'

export type OptimizerKind = 'sgd' | 'adam'

export interface SgdOptions {
  lr: number
  momentum?: number
  weightDecay?: number
}

export interface AdamOptions {
  lr: number
  beta1?: number
  beta2?: number
  eps?: number
  weightDecay?: number
}

export interface OptimizerSlot {
  param: string
  slot: 'velocity' | 'm' | 'v'
  data: FloatArray
}

export interface OptimizerState {
  kind: OptimizerKind
  /** Hyperparameters, so a checkpoint restores the same optimiser. */
  hyper: Record<string, number>
  /** Updates taken so far (Adam's t). */
  steps: number
  slots: OptimizerSlot[]
}

export interface Optimizer {
  readonly kind: OptimizerKind
  lr: number
  /** Applies one update to every param from its grad. */
  step(params: readonly Param[]): void
  /** Deep copy of the state. */
  getState(): OptimizerState
  /** Restores a state from getState (copied in). Its params must match the ones passed to step. */
  setState(state: OptimizerState): void
}

export class OptimizerStateError extends InvalidInputError {
  override name = 'OptimizerStateError'
}

function checkHyper(name: string, v: number, lo: number, hi: number): number {
  if (!(v >= lo && v <= hi)) throw new RangeError(`${name} must be in [${lo}, ${hi}], got ${v}`)
  return v
}

abstract class SlottedOptimizer implements Optimizer {
  abstract readonly kind: OptimizerKind
  protected abstract readonly slotNames: readonly OptimizerSlot['slot'][]
  protected steps = 0
  /** slots[paramIndex][slotIndex] */
  protected slots: FloatArray[][] = []
  protected names: string[] = []

  constructor(public lr: number) {
    checkHyper('lr', lr, 0, Number.MAX_VALUE)
  }

  abstract step(params: readonly Param[]): void
  protected abstract hyper(): Record<string, number>

  protected ensureSlots(params: readonly Param[]): void {
    if (this.slots.length === params.length) return
    if (this.slots.length !== 0) {
      throw new OptimizerStateError(
        `optimiser holds state for ${this.slots.length} params but was given ${params.length}`
      )
    }
    this.names = params.map((p) => p.name)
    this.slots = params.map((p) => this.slotNames.map(() => allocArray(dtypeOf(p.value), p.value.length)))
  }

  getState(): OptimizerState {
    const slots: OptimizerSlot[] = []
    this.slots.forEach((bufs, i) =>
      bufs.forEach((data, k) => slots.push({ param: this.names[i], slot: this.slotNames[k], data: data.slice() }))
    )
    return { kind: this.kind, hyper: { lr: this.lr, ...this.hyper() }, steps: this.steps, slots }
  }

  setState(state: OptimizerState): void {
    if (state.kind !== this.kind)
      throw new OptimizerStateError(`state is for ${state.kind}, this optimiser is ${this.kind}`)
    const per = this.slotNames.length
    // (per = 0, plain SGD: no slots at all; x % 0 is NaN, so that case is tested on its own)
    if (per === 0 ? state.slots.length !== 0 : state.slots.length % per !== 0) {
      throw new OptimizerStateError(`${this.kind} state needs ${per} slots per param, got ${state.slots.length} slots`)
    }
    const names: string[] = []
    const slots: FloatArray[][] = []
    for (let i = 0; i < state.slots.length; i += per) {
      const group = state.slots.slice(i, i + per)
      group.forEach((s, k) => {
        if (s.slot !== this.slotNames[k] || s.param !== group[0].param)
          throw new OptimizerStateError(`unexpected slot ${s.param}.${s.slot} in ${this.kind} state`)
      })
      names.push(group[0].param)
      slots.push(group.map((s) => s.data.slice()))
    }
    this.names = names
    this.slots = slots
    this.steps = state.steps
    if (typeof state.hyper.lr === 'number') this.lr = state.hyper.lr
  }
}

export class Sgd extends SlottedOptimizer {
  readonly kind = 'sgd'
  readonly momentum: number
  readonly weightDecay: number
  protected readonly slotNames: readonly OptimizerSlot['slot'][]

  constructor(options: SgdOptions) {
    super(options.lr)
    this.momentum = checkHyper('momentum', options.momentum ?? 0, 0, 1)
    this.weightDecay = checkHyper('weightDecay', options.weightDecay ?? 0, 0, Number.MAX_VALUE)
    this.slotNames = this.momentum > 0 ? ['velocity'] : []
  }

  protected hyper(): Record<string, number> {
    return { momentum: this.momentum, weightDecay: this.weightDecay }
  }

  /**
   * Counts an update the caller applied itself (Mlp.backwardSgd fuses plain SGD into the gradient
   * gemms); only valid without momentum or weight decay, where there is no other state to keep.
   */
  countStep(params: readonly Param[]): void {
    if (this.momentum > 0 || this.weightDecay > 0)
      throw new Error('countStep is for plain SGD (no momentum, no weight decay)')
    this.ensureSlots(params)
    this.steps++
  }

  step(params: readonly Param[]): void {
    this.ensureSlots(params)
    const lr = this.lr,
      mu = this.momentum,
      wd = this.weightDecay
    for (let p = 0; p < params.length; p++) {
      const w = params[p].value,
        g = params[p].grad,
        len = w.length
      if (mu > 0) {
        const v = this.slots[p][0]
        for (let i = 0; i < len; i++) {
          const vi = mu * v[i] + g[i] + wd * w[i]
          v[i] = vi
          w[i] -= lr * vi
        }
      } else if (wd > 0) {
        for (let i = 0; i < len; i++) w[i] -= lr * (g[i] + wd * w[i])
      } else {
        sgdUpdate(len, w, g, lr) // shared with the fused path (Mlp.backwardSgd)
      }
    }
    this.steps++
  }
}

export class Adam extends SlottedOptimizer {
  readonly kind = 'adam'
  readonly beta1: number
  readonly beta2: number
  readonly eps: number
  readonly weightDecay: number
  protected readonly slotNames = ['m', 'v'] as const

  constructor(options: AdamOptions) {
    super(options.lr)
    this.beta1 = checkHyper('beta1', options.beta1 ?? 0.9, 0, 1)
    this.beta2 = checkHyper('beta2', options.beta2 ?? 0.999, 0, 1)
    this.eps = checkHyper('eps', options.eps ?? 1e-8, 0, 1)
    this.weightDecay = checkHyper('weightDecay', options.weightDecay ?? 0, 0, Number.MAX_VALUE)
  }

  protected hyper(): Record<string, number> {
    return { beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay }
  }

  step(params: readonly Param[]): void {
    this.ensureSlots(params)
    const t = ++this.steps
    const b1 = this.beta1,
      b2 = this.beta2,
      eps = this.eps,
      wd = this.weightDecay
    const c1 = 1 / (1 - Math.pow(b1, t)),
      c2 = 1 / (1 - Math.pow(b2, t))
    const lr = this.lr
    for (let p = 0; p < params.length; p++) {
      const w = params[p].value,
        g = params[p].grad,
        len = w.length
      const m = this.slots[p][0],
        v = this.slots[p][1]
      for (let i = 0; i < len; i++) {
        const gi = g[i] + wd * w[i]
        const mi = b1 * m[i] + (1 - b1) * gi
        const vi = b2 * v[i] + (1 - b2) * gi * gi
        m[i] = mi
        v[i] = vi
        w[i] -= (lr * (mi * c1)) / (Math.sqrt(vi * c2) + eps)
      }
    }
  }
}

export function createOptimizer(kind: OptimizerKind, options: SgdOptions & AdamOptions): Optimizer {
  if (kind === 'sgd') return new Sgd(options)
  if (kind === 'adam') return new Adam(options)
  throw new RangeError(`unknown optimiser "${String(kind)}"; expected sgd or adam`)
}
