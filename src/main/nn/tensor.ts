// Tensors are flat typed arrays plus a shape, row-major. Everything in nn/ is generic over
// Float32Array (training, inference) and Float64Array (gradient checks).

export type FloatArray = Float32Array | Float64Array
export type DType = 'float32' | 'float64'

export interface Tensor<A extends FloatArray = FloatArray> {
  data: A
  shape: readonly number[]
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`bad tensor dimension ${d} in shape [${shape.join(', ')}]`)
    n *= d
  }
  return n
}

export function allocArray(dtype: DType, length: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length)
}

export function dtypeOf(a: FloatArray): DType {
  return a instanceof Float64Array ? 'float64' : 'float32'
}

export function zeros(dtype: DType, shape: readonly number[]): Tensor {
  return { data: allocArray(dtype, sizeOf(shape)), shape: [...shape] }
}

export function tensorFrom<A extends FloatArray>(data: A, shape: readonly number[]): Tensor<A> {
  const size = sizeOf(shape)
  if (data.length !== size)
    throw new RangeError(`tensor data has ${data.length} elements, shape [${shape.join(', ')}] needs ${size}`)
  return { data, shape: [...shape] }
}

/** Index of the first non-finite element, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]
    if (v !== v || v === Infinity || v === -Infinity) return i
  }
  return -1
}

/** Rows [0, n) of a row-major matrix with `cols` columns, as a view (no copy). */
export function rowsView<A extends FloatArray>(a: A, n: number, cols: number): A {
  return (n * cols === a.length ? a : a.subarray(0, n * cols)) as A
}
