// Batched inference of a from-scratch MLP through onnxruntime (its MLAS gemms use the CPU's AVX2/AVX-512
// FMA kernels; the wasm SIMD gemm of nn/simd.ts is 128 bits wide without FMA, ~3× slower per core on a
// batch-256 product). The ONNX graph is written here, in memory, from the network's own weights:
//   x [N, in] → Gemm(W0, b0) → act → … → Gemm(Wl, bl) → Softmax → probs [N, classes]
// Only inference goes this way; training stays on the from-scratch kernels. The probabilities agree with
// Mlp.forward to float32 rounding (different summation order and FMA: ~1e-6; tested to 1e-5).
import type { Mlp } from '../nn/mlp.ts'

// Protocol-buffer wire format, the few pieces an ONNX ModelProto needs. A message is a list of byte chunks
// (the weights go in as they are, without being spread into number arrays).
type Chunks = Uint8Array[]
const varint = (n: number): Uint8Array => {
  const out: number[] = []
  let v = n
  do {
    let b = v % 128
    v = Math.floor(v / 128)
    if (v !== 0) b |= 0x80
    out.push(b)
  } while (v !== 0)
  return Uint8Array.from(out)
}
const size = (c: Chunks): number => c.reduce((s, b) => s + b.length, 0)
const key = (field: number, wire: number): Uint8Array => varint(field * 8 + wire)
const int = (field: number, v: number): Chunks => [key(field, 0), varint(v)]
const bytes = (field: number, b: Uint8Array): Chunks => [key(field, 2), varint(b.length), b]
const str = (field: number, s: string): Chunks => bytes(field, Buffer.from(s, 'utf8'))
const msg = (field: number, body: Chunks): Chunks => [key(field, 2), varint(size(body)), ...body]

/** onnx.TensorProto.DataType.FLOAT */
const FLOAT = 1

/** A float32 initializer (TensorProto: dims, data_type, name, raw_data little-endian). */
function initializer(name: string, dims: number[], data: ArrayLike<number>): Chunks {
  const raw = new Uint8Array(data.length * 4)
  const view = new DataView(raw.buffer)
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true)
  return [...dims.flatMap((d) => int(1, d)), ...int(2, FLOAT), ...str(8, name), ...bytes(9, raw)]
}

/** A float32 tensor's ValueInfoProto; a string dimension is symbolic (the batch). */
function valueInfo(name: string, dims: (number | string)[]): Chunks {
  const dim = (d: number | string): Chunks => msg(1, typeof d === 'number' ? int(1, d) : str(2, d))
  const tensorType = msg(1, [...int(1, FLOAT), ...msg(2, dims.flatMap(dim))])
  return [...str(1, name), ...msg(2, tensorType)]
}

function node(op: string, inputs: string[], outputs: string[], name: string): Chunks {
  return [...inputs.flatMap((s) => str(1, s)), ...outputs.flatMap((s) => str(2, s)), ...str(3, name), ...str(4, op)]
}

const ACT_OP = { sigmoid: 'Sigmoid', relu: 'Relu', tanh: 'Tanh' } as const

export const MLP_ONNX_INPUT = 'x',
  MLP_ONNX_OUTPUT = 'probs'

/** The ONNX model (ModelProto bytes, IR 7, opset 13) of an MLP's forward pass to probabilities, weights as they are now. */
export function mlpOnnxModel(mlp: Mlp): Uint8Array {
  const nodes: Chunks[] = [],
    inits: Chunks[] = []
  let h = MLP_ONNX_INPUT
  mlp.dense.forEach((d, l) => {
    inits.push(initializer(`W${l}`, [d.inDim, d.outDim], d.W), initializer(`b${l}`, [d.outDim], d.b))
    nodes.push(node('Gemm', [h, `W${l}`, `b${l}`], [`z${l}`], `dense${l}`))
    h = `z${l}`
    if (l + 1 < mlp.dense.length) {
      nodes.push(node(ACT_OP[mlp.config.activation], [h], [`h${l}`], `act${l}`))
      h = `h${l}`
    }
  })
  nodes.push(node('Softmax', [h], [MLP_ONNX_OUTPUT], 'softmax')) // opset 13: over the last axis
  const graph = [
    ...nodes.flatMap((n) => msg(1, n)),
    ...str(2, 'glyphdesk-mlp'),
    ...inits.flatMap((t) => msg(5, t)),
    ...msg(11, valueInfo(MLP_ONNX_INPUT, ['N', mlp.inputDim])),
    ...msg(12, valueInfo(MLP_ONNX_OUTPUT, ['N', mlp.classes]))
  ]
  return Buffer.concat([
    ...int(1, 7), // ir_version
    ...str(2, 'glyphdesk'),
    ...msg(7, graph),
    ...msg(8, [...str(1, ''), ...int(2, 13)]) // opset_import: the default domain, version 13
  ])
}
