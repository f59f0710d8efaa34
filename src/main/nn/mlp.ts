// The from-scratch multilayer perceptron: Dense → activation → … → Dense → softmax-CE.
// Weights start Xavier/Glorot-uniform (U(±sqrt(6/(fan_in+fan_out))), biases 0) from a seeded
// Rng, so a config fully determines the initial network.
import {
  Activation,
  ACTIVATIONS,
  Dense,
  heapAllocator,
  SoftmaxCrossEntropy,
  type ActivationKind,
  type Allocator,
  type Layer,
  type Param
} from './layers.ts'
import type { Labels } from './kernels.ts'
import { Rng } from './rng.ts'
import { arenaOf, createArena, type Arena } from './simd.ts'
import { allocArray, type DType, type FloatArray, type Tensor } from './tensor.ts'

export interface MlpConfig {
  /** Layer widths from input to output, e.g. [1024, 64, 36]. */
  sizes: number[]
  /** Nonlinearity after every hidden Dense layer. */
  activation: ActivationKind
  /** Seed of the initialisation. */
  seed: number
}

export interface MlpOptions {
  /** float32 for training and inference; float64 for gradient checks. */
  dtype?: DType
  /** Preallocate buffers for this many rows (they grow if a larger batch arrives). */
  maxBatch?: number
  /**
   * Threads for the big float32 gemms (simd.ts): 2 splits them by columns with a helper thread, with
   * bit-identical results. Default GLYPHDESK_GEMM_THREADS (1 when unset).
   */
  gemmThreads?: 1 | 2
}

export interface NamedTensor extends Tensor {
  name: string
}

export interface MlpJSON {
  kind: 'mlp'
  config: MlpConfig
  tensors: { name: string; shape: number[]; data: number[] }[]
}

export function xavierBound(fanIn: number, fanOut: number): number {
  return Math.sqrt(6 / (fanIn + fanOut))
}

export function validateMlpConfig(config: MlpConfig): void {
  const { sizes, activation } = config
  if (!Array.isArray(sizes) || sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new RangeError(`MlpConfig.sizes must list ≥2 positive integer widths, got [${String(sizes)}]`)
  }
  if (!ACTIVATIONS.includes(activation)) {
    throw new RangeError(`MlpConfig.activation "${activation}" is not one of ${ACTIVATIONS.join(', ')}`)
  }
  if (!Number.isFinite(config.seed)) throw new RangeError(`MlpConfig.seed must be a finite number, got ${config.seed}`)
}

export class Mlp {
  readonly config: MlpConfig
  readonly dtype: DType
  readonly layers: Layer[] = []
  readonly dense: Dense[] = []
  readonly loss: SoftmaxCrossEntropy
  readonly inputDim: number
  readonly classes: number
  /**
   * float32 networks keep weights, gradients and batch buffers in one WebAssembly memory (when
   * wasm SIMD is available), so the SIMD gemms work on them in place instead of copying ~0.5 MB
   * in and out per batch. Null for float64, or with GLYPHDESK_NO_SIMD set.
   */
  private readonly arena: Arena | null
  private readonly input: FloatArray

  constructor(config: MlpConfig, options: MlpOptions = {}) {
    validateMlpConfig(config)
    this.config = { sizes: [...config.sizes], activation: config.activation, seed: config.seed }
    this.dtype = options.dtype ?? 'float32'
    const maxBatch = Math.max(1, options.maxBatch ?? 1)
    const { sizes } = config
    this.inputDim = sizes[0]
    this.classes = sizes[sizes.length - 1]
    this.arena = this.dtype === 'float32' ? createArena(Mlp.arenaFloats(sizes, maxBatch), options.gemmThreads) : null
    const arena = this.arena
    // Anything that does not fit (it all should) falls back to ordinary memory.
    const alloc: Allocator = arena
      ? (dtype, length) => (dtype === 'float32' ? arena.alloc(length) : null) ?? allocArray(dtype, length)
      : heapAllocator
    this.input = alloc(this.dtype, maxBatch * this.inputDim)
    const rng = new Rng(config.seed)
    for (let l = 0; l + 1 < sizes.length; l++) {
      const dense = new Dense(`dense${l}`, sizes[l], sizes[l + 1], this.dtype, l > 0, maxBatch, alloc)
      const bound = xavierBound(sizes[l], sizes[l + 1])
      const W = dense.W
      for (let i = 0; i < W.length; i++) W[i] = rng.uniformIn(-bound, bound)
      this.layers.push(dense)
      this.dense.push(dense)
      if (l + 2 < sizes.length) {
        this.layers.push(
          new Activation(`${config.activation}${l}`, config.activation, sizes[l + 1], this.dtype, maxBatch, alloc)
        )
      }
    }
    this.loss = new SoftmaxCrossEntropy(this.classes, this.dtype, maxBatch, alloc)
  }

  /** Floats the constructor allocates (with room for 16-byte alignment of every buffer). */
  private static arenaFloats(sizes: readonly number[], maxBatch: number): number {
    let floats = maxBatch * sizes[0] + 2 * maxBatch * sizes[sizes.length - 1]
    let buffers = 3
    for (let l = 0; l + 1 < sizes.length; l++) {
      floats += Dense.allocatedFloats(sizes[l], sizes[l + 1], l > 0, maxBatch)
      buffers += 8
      if (l + 2 < sizes.length) {
        floats += 2 * maxBatch * sizes[l + 1]
        buffers += 2
      }
    }
    return floats + 4 * buffers
  }

  /**
   * A buffer for up to maxBatch input rows (row-major) that lives next to the weights: a batch
   * gathered here goes through the SIMD gemms without a copy. Its contents are the caller's.
   */
  inputBuffer(): FloatArray {
    return this.input
  }

  /** Logits (n×classes view) for x (n×inputDim). */
  logits(x: FloatArray, n: number): FloatArray {
    let h = x
    // Rows from elsewhere are copied next to the weights (the gemm would copy them anyway, with W).
    const len = n * this.inputDim
    if (this.arena !== null && x instanceof Float32Array && arenaOf(x) !== this.arena && len <= this.input.length) {
      h = len === this.input.length ? this.input : this.input.subarray(0, len)
      h.set(len === x.length ? x : x.subarray(0, len))
    }
    for (const layer of this.layers) h = layer.forward(h, n)
    return h
  }

  /** Class probabilities, an n×classes view into an internal buffer (valid until the next call). */
  forward(x: FloatArray, n: number): FloatArray {
    return this.loss.softmax(this.logits(x, n), n)
  }

  /**
   * Mean cross-entropy of the batch, and (when it is finite) every parameter's gradient.
   * The batch's probabilities stay readable through `this.loss.lastProbs()`.
   */
  lossAndGradients(x: FloatArray, labels: Labels, n: number): number {
    const loss = this.forwardLoss(x, labels, n)
    if (Number.isFinite(loss)) this.backward(labels, n)
    return loss
  }

  /** The backward half of lossAndGradients, after forwardLoss on the same batch: every parameter's gradient. */
  backward(labels: Labels, n: number): void {
    let g: FloatArray | null = this.loss.backward(labels, n)
    for (let l = this.layers.length - 1; l >= 0 && g !== null; l--) g = this.layers[l].backward(g, n)
  }

  /** The forward half of lossAndGradients: mean cross-entropy of the batch (probabilities in lastProbs). */
  forwardLoss(x: FloatArray, labels: Labels, n: number): number {
    return this.loss.forward(this.logits(x, n), labels, n)
  }

  /**
   * After forwardLoss on the same batch: backpropagates and applies a plain-SGD step (no momentum,
   * no weight decay) to every parameter, with the same result bit for bit as lossAndGradients then
   * Sgd.step — but the big weight updates are fused into the gradient gemms, so the dW gradients
   * are not kept (the bias gradients are).
   */
  backwardSgd(labels: Labels, n: number, lr: number): void {
    let g: FloatArray | null = this.loss.backward(labels, n)
    for (let l = this.layers.length - 1; l >= 0 && g !== null; l--) {
      const layer = this.layers[l]
      g = layer instanceof Dense ? layer.backwardSgd(g, n, lr) : layer.backward(g, n)
    }
  }

  /** Probabilities as a fresh Float32Array (n×classes) the caller owns. */
  predict(x: FloatArray, n: number): Float32Array {
    const p = this.forward(x, n)
    return p instanceof Float32Array ? p.slice(0, n * this.classes) : Float32Array.from(p.subarray(0, n * this.classes))
  }

  /** Parameters with their gradients, in a stable order (dense0.W, dense0.b, dense1.W, …). */
  params(): Param[] {
    return this.layers.flatMap((l) => l.params())
  }

  /** The weights as named tensors (views; copy before mutating). */
  weights(): NamedTensor[] {
    return this.params().map((p) => ({ name: p.name, shape: p.shape, data: p.value }))
  }

  /** Copies weights in; names and shapes must match this network. */
  setWeights(tensors: readonly { name: string; shape: readonly number[]; data: ArrayLike<number> }[]): void {
    const params = this.params()
    if (tensors.length !== params.length) {
      throw new RangeError(
        `expected ${params.length} tensors (${params.map((p) => p.name).join(', ')}), got ${tensors.length}`
      )
    }
    params.forEach((p, i) => {
      const t = tensors[i]
      if (
        t.name !== p.name ||
        t.shape.length !== p.shape.length ||
        t.shape.some((d, k) => d !== p.shape[k]) ||
        t.data.length !== p.value.length
      ) {
        throw new RangeError(
          `tensor ${i} is ${t.name} [${t.shape.join('×')}] (${t.data.length} values); this network needs ${p.name} [${p.shape.join('×')}]`
        )
      }
    })
    params.forEach((p, i) => p.value.set(tensors[i].data))
  }

  /** Snapshot of all weights (copies), e.g. to roll back. */
  copyWeights(): NamedTensor[] {
    return this.params().map((p) => ({ name: p.name, shape: [...p.shape], data: p.value.slice() }))
  }

  toJSON(): MlpJSON {
    return {
      kind: 'mlp',
      config: { ...this.config, sizes: [...this.config.sizes] },
      tensors: this.params().map((p) => ({ name: p.name, shape: [...p.shape], data: Array.from(p.value) }))
    }
  }

  static fromJSON(json: MlpJSON, options: MlpOptions = {}): Mlp {
    if (json.kind !== 'mlp') throw new RangeError(`expected kind "mlp", got "${String(json.kind)}"`)
    const mlp = new Mlp(json.config, options)
    mlp.setWeights(json.tensors)
    return mlp
  }
}
