// Layers of the MLP. Each has the same small surface — forward, backward, params — with the
// two passes side by side. Outputs are views into buffers sized for the largest batch seen so
// far; a layer reallocates only when a larger batch arrives, and caches the view for the last
// batch size, so a training step allocates nothing.
//
// Dense weight layout: W is in×out, row-major (Y = X·W + b, the NumPy/coursework convention),
// so the forward pass is a plain gemmNN, dW = Xᵀ·dY a gemmTN and dX = dY·Wᵀ a gemmNT.
import { MLP_ACTIVATIONS, type MlpActivation } from '../../shared/modelManifest.ts'
import {
  addRowBias,
  columnSums,
  gemmNN,
  gemmNT,
  gemmTN,
  gemmTNSgd,
  sgdUpdate,
  reluBackward,
  reluForward,
  sigmoidBackward,
  sigmoidForward,
  tanhBackward,
  tanhForward,
  softmaxCrossEntropy,
  softmaxCrossEntropyBackward,
  softmaxRows,
  type Labels
} from './kernels.ts'
import { allocArray, type DType, type FloatArray } from './tensor.ts'

/**
 * Where a layer's long-lived buffers come from: `(dtype, length) => array`. Mlp passes one that
 * places float32 buffers in its wasm arena (simd.ts) so the gemms run on them without copying;
 * the default is ordinary memory.
 */
export type Allocator = (dtype: DType, length: number) => FloatArray
export const heapAllocator: Allocator = allocArray

/** A trainable tensor and its gradient (same length and shape). */
export interface Param {
  /** Stable name used in model files and checkpoints, e.g. "dense0.W". */
  name: string
  shape: readonly number[]
  value: FloatArray
  grad: FloatArray
}

export interface Layer {
  readonly name: string
  readonly inDim: number
  readonly outDim: number
  /** x: n×inDim. Returns n×outDim (a view valid until the next forward). Keeps what backward needs. */
  forward(x: FloatArray, n: number): FloatArray
  /**
   * dy: n×outDim gradient of the loss w.r.t. this layer's output from the latest forward.
   * Writes parameter gradients (overwriting) and returns dx (n×inDim), or null when the layer
   * was built with needsInputGrad=false (the first layer: nobody consumes dL/dinput).
   */
  backward(dy: FloatArray, n: number): FloatArray | null
  params(): Param[]
}

/**
 * A buffer of rows×cols that grows with the batch and hands out cached views of n rows. A view is
 * kept per row count (training alternates full batches with one short last batch per epoch), so a
 * steady training loop allocates no views; a few are kept at most (inference chunks vary).
 */
class BatchBuffer {
  private buf: FloatArray
  private views = new Map<number, FloatArray>()
  /** A batch larger than `rows` reallocates in ordinary memory (correct, but the gemms then copy). */
  constructor(
    private readonly dtype: DType,
    private readonly cols: number,
    rows: number,
    alloc: Allocator = heapAllocator
  ) {
    this.buf = alloc(dtype, Math.max(1, rows) * cols)
  }
  rows(n: number): FloatArray {
    const cached = this.views.get(n)
    if (cached !== undefined) return cached
    if (n * this.cols > this.buf.length) {
      this.buf = allocArray(this.dtype, n * this.cols)
      this.views.clear()
    }
    const view = n * this.cols === this.buf.length ? this.buf : this.buf.subarray(0, n * this.cols)
    if (this.views.size >= 8) this.views.clear()
    this.views.set(n, view)
    return view
  }
}

export class Dense implements Layer {
  readonly W: FloatArray
  readonly b: FloatArray
  readonly dW: FloatArray
  readonly db: FloatArray
  private readonly out: BatchBuffer
  private readonly dx: BatchBuffer
  /** Wᵀ (out×in) for the SIMD dX = dY·Wᵀ, next to W so that gemm needs no copy. */
  private readonly Wt: FloatArray | undefined
  /** Room for Xᵀ (in×batch) of a wide float32 input, so the SIMD dW = Xᵀ·dY reads contiguous rows (kernels.ts#gemmTN). */
  private readonly xT: FloatArray | undefined
  private x: FloatArray | null = null

  constructor(
    readonly name: string,
    readonly inDim: number,
    readonly outDim: number,
    readonly dtype: DType,
    readonly needsInputGrad: boolean,
    maxBatch = 1,
    alloc: Allocator = heapAllocator
  ) {
    this.W = alloc(dtype, inDim * outDim)
    this.b = alloc(dtype, outDim)
    this.dW = alloc(dtype, inDim * outDim)
    this.db = alloc(dtype, outDim)
    this.out = new BatchBuffer(dtype, outDim, maxBatch, alloc)
    this.dx = new BatchBuffer(dtype, inDim, needsInputGrad ? maxBatch : 0, alloc)
    this.Wt = needsInputGrad && dtype === 'float32' ? alloc(dtype, inDim * outDim) : undefined
    this.xT = Dense.transposesInput(inDim, dtype) ? alloc(dtype, Math.max(1, maxBatch) * inDim) : undefined
  }

  /**
   * Whether the weight gradient transposes the layer's input first: float32 inputs whose rows are ≥ 1 KB
   * apart (256 floats), where reading a column of X touches k rows that share few L1 cache sets.
   * (The buffer is never touched by inference, so the pages it reserves in the arena stay unused.)
   */
  private static transposesInput(inDim: number, dtype: DType): boolean {
    return dtype === 'float32' && inDim >= 256
  }

  /** Floats a Dense layer allocates through its Allocator (Mlp sizes its arena with this). */
  static allocatedFloats(inDim: number, outDim: number, needsInputGrad: boolean, maxBatch: number): number {
    const rows = Math.max(1, maxBatch)
    return (
      2 * inDim * outDim +
      2 * outDim +
      rows * outDim +
      (needsInputGrad ? rows * inDim + inDim * outDim : inDim) +
      (Dense.transposesInput(inDim, 'float32') ? rows * inDim : 0)
    )
  }

  forward(x: FloatArray, n: number): FloatArray {
    const y = this.out.rows(n)
    gemmNN(n, this.outDim, this.inDim, x, this.W, y, false)
    addRowBias(n, this.outDim, this.b, y)
    this.x = x
    return y
  }

  backward(dy: FloatArray, n: number): FloatArray | null {
    const x = this.x
    if (x === null) throw new Error(`${this.name}.backward called before forward`)
    gemmTN(this.inDim, this.outDim, n, x, dy, this.dW, false, this.xT)
    columnSums(n, this.outDim, dy, this.db, false)
    if (!this.needsInputGrad) return null
    const dx = this.dx.rows(n)
    gemmNT(n, this.inDim, this.outDim, dy, this.W, dx, false, this.Wt)
    return dx
  }

  /**
   * backward followed by the plain-SGD update W −= lr·dW, b −= lr·db, with the same result bit
   * for bit (dx is taken with the old W). On the SIMD path the W update is fused into the dW gemm,
   * and dW is then not written (it keeps stale values); db always is.
   */
  backwardSgd(dy: FloatArray, n: number, lr: number): FloatArray | null {
    const x = this.x
    if (x === null) throw new Error(`${this.name}.backward called before forward`)
    let dx: FloatArray | null = null
    if (this.needsInputGrad) {
      dx = this.dx.rows(n)
      gemmNT(n, this.inDim, this.outDim, dy, this.W, dx, false, this.Wt)
    }
    gemmTNSgd(this.inDim, this.outDim, n, x, dy, this.W, lr, this.dW, this.xT)
    columnSums(n, this.outDim, dy, this.db, false)
    sgdUpdate(this.outDim, this.b, this.db, lr)
    return dx
  }

  params(): Param[] {
    return [
      { name: `${this.name}.W`, shape: [this.inDim, this.outDim], value: this.W, grad: this.dW },
      { name: `${this.name}.b`, shape: [this.outDim], value: this.b, grad: this.db }
    ]
  }
}

export type ActivationKind = MlpActivation
export const ACTIVATIONS: readonly ActivationKind[] = MLP_ACTIVATIONS

const ACTIVATION_KERNELS = {
  sigmoid: { forward: sigmoidForward, backward: sigmoidBackward },
  relu: { forward: reluForward, backward: reluBackward },
  tanh: { forward: tanhForward, backward: tanhBackward }
} as const

/** Elementwise nonlinearity; backward uses the saved output y (σ' = y(1−y), tanh' = 1−y², relu' = [y>0]). */
export class Activation implements Layer {
  readonly outDim: number
  private readonly out: BatchBuffer
  private readonly dx: BatchBuffer
  private readonly fwd: (len: number, x: FloatArray, y: FloatArray) => void
  private readonly bwd: (len: number, y: FloatArray, dy: FloatArray, dx: FloatArray) => void
  private y: FloatArray | null = null

  constructor(
    readonly name: string,
    readonly kind: ActivationKind,
    readonly inDim: number,
    dtype: DType,
    maxBatch = 1,
    alloc: Allocator = heapAllocator
  ) {
    const k = ACTIVATION_KERNELS[kind]
    if (!k) throw new RangeError(`unknown activation "${kind}"; expected one of ${ACTIVATIONS.join(', ')}`)
    this.fwd = k.forward
    this.bwd = k.backward
    this.outDim = inDim
    this.out = new BatchBuffer(dtype, inDim, maxBatch, alloc)
    this.dx = new BatchBuffer(dtype, inDim, maxBatch, alloc)
  }

  forward(x: FloatArray, n: number): FloatArray {
    const y = this.out.rows(n)
    this.fwd(n * this.inDim, x, y)
    this.y = y
    return y
  }

  backward(dy: FloatArray, n: number): FloatArray {
    const y = this.y
    if (y === null) throw new Error(`${this.name}.backward called before forward`)
    const dx = this.dx.rows(n)
    this.bwd(n * this.inDim, y, dy, dx)
    return dx
  }

  params(): Param[] {
    return []
  }
}

/** Softmax + mean cross-entropy over the batch, fused so the gradient is simply (P − Y)/n. */
export class SoftmaxCrossEntropy {
  readonly name = 'softmax_ce'
  private readonly probs: BatchBuffer
  private readonly dz: BatchBuffer
  private p: FloatArray | null = null

  constructor(
    readonly classes: number,
    dtype: DType,
    maxBatch = 1,
    alloc: Allocator = heapAllocator
  ) {
    this.probs = new BatchBuffer(dtype, classes, maxBatch, alloc)
    this.dz = new BatchBuffer(dtype, classes, maxBatch, alloc)
  }

  /** Probabilities only (inference). */
  softmax(z: FloatArray, n: number): FloatArray {
    const p = this.probs.rows(n)
    softmaxRows(n, this.classes, z, p)
    this.p = p
    return p
  }

  /** Writes probabilities and returns the mean cross-entropy (NaN if the logits are not finite). */
  forward(z: FloatArray, labels: Labels, n: number): number {
    const p = this.probs.rows(n)
    this.p = p
    return softmaxCrossEntropy(n, this.classes, z, labels, p)
  }

  /** dL/dz for the latest forward. */
  backward(labels: Labels, n: number): FloatArray {
    const p = this.p
    if (p === null) throw new Error('softmax_ce.backward called before forward')
    const dz = this.dz.rows(n)
    softmaxCrossEntropyBackward(n, this.classes, p, labels, dz)
    return dz
  }

  /** Probabilities of the latest forward (n×classes view). */
  lastProbs(): FloatArray {
    if (this.p === null) throw new Error('softmax_ce has not run forward yet')
    return this.p
  }
}
