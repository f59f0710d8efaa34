// The from-scratch MLP behind the Classifier interface. Batches of MLP_ONNX_MIN_BATCH glyphs or more run
// through onnxruntime on a graph built from the same weights (mlpOnnx.ts: its AVX2/AVX-512 gemms are ~4×
// the wasm SIMD gemm at batch 256); smaller ones, and every batch where onnxruntime cannot start, run the
// network's own forward pass. The two agree to float32 rounding (~1e-5 on a probability, tested).
import type { InferenceSession, Tensor } from 'onnxruntime-node'
import { requireOrt } from './ortRuntime.ts'
import { loadMlp, type LoadedMlp } from '../nn/serialise.ts'
import type { Mlp } from '../nn/mlp.ts'
import { GEMM_THREADS } from '../nn/simd.ts'
import type { ModelCard } from '../../shared/modelManifest.ts'
import { NUM_CLASSES } from '../../shared/classes.ts'
import { decodeProbs, type Classifier, type Prediction } from './classifier.ts'
import { MLP_ONNX_INPUT, MLP_ONNX_OUTPUT, mlpOnnxModel } from './mlpOnnx.ts'

const CHUNK = 256

/**
 * Smallest chunk sent to onnxruntime. Measured on one thread (best of 30 calls, 2026-12-02): at 8 glyphs both
 * take about the same time for 1024-64-36 (35 vs 38 µs) and onnxruntime half for 1024-256-128-36 (66 vs
 * 126 µs); at 1 glyph onnxruntime's per-call cost makes it 2× slower (28 vs 13 µs); at 256 it is 4–5× faster
 * (221 vs 929 µs, 1.15 vs 5.6 ms).
 */
export const MLP_ONNX_MIN_BATCH = 8

interface OnnxMlp {
  session: InferenceSession
  Tensor: typeof Tensor
}

export interface MlpClassifierOptions {
  /**
   * Batches of MLP_ONNX_MIN_BATCH or more through onnxruntime (default: on, unless GLYPHDESK_MLP_ONNX=0).
   * The network's weights must not change after the first such batch: the graph holds a copy.
   */
  onnx?: boolean
}

export class MlpClassifier implements Classifier {
  private readonly onnx: boolean
  /** The onnxruntime session, made on the first big batch; null when it could not be made (then never again). */
  private session: Promise<OnnxMlp | null> | undefined

  constructor(
    readonly name: string,
    readonly mlp: Mlp,
    readonly card: ModelCard = {},
    options: MlpClassifierOptions = {}
  ) {
    if (mlp.classes !== NUM_CLASSES)
      throw new RangeError(`model ${name} has ${mlp.classes} outputs; Glyphdesk classifies into ${NUM_CLASSES} classes`)
    this.onnx = options.onnx ?? process.env['GLYPHDESK_MLP_ONNX'] !== '0'
  }

  static async load(dir: string, name = dir, options: MlpClassifierOptions = {}): Promise<MlpClassifier> {
    const loaded: LoadedMlp = await loadMlp(dir, { maxBatch: CHUNK })
    return new MlpClassifier(name, loaded.mlp, loaded.card, options)
  }

  /** Whether batches of MLP_ONNX_MIN_BATCH or more run through onnxruntime (after the first one, which starts it). */
  async usesOnnx(): Promise<boolean> {
    return this.onnx && (await this.onnxSession()) !== null
  }

  private onnxSession(): Promise<OnnxMlp | null> {
    this.session ??= (async () => {
      try {
        // Loaded only now: a process that reads one glyph at a time never pays for onnxruntime's start.
        const ort = requireOrt()
        const session = await ort.InferenceSession.create(mlpOnnxModel(this.mlp), {
          intraOpNumThreads: GEMM_THREADS,
          interOpNumThreads: 1,
          graphOptimizationLevel: 'all'
        })
        return { session, Tensor: ort.Tensor }
      } catch {
        return null // no onnxruntime for this platform: the from-scratch forward pass serves every batch
      }
    })()
    return this.session
  }

  async predict(glyphs: Float32Array, n: number): Promise<Prediction> {
    const d = this.mlp.inputDim
    if (glyphs.length < n * d) throw new RangeError(`predict: ${n} glyphs need ${n * d} values, got ${glyphs.length}`)
    const probs = new Float32Array(n * NUM_CLASSES)
    for (let s = 0; s < n; s += CHUNK) {
      const m = Math.min(CHUNK, n - s)
      const x = glyphs.subarray(s * d, (s + m) * d)
      const onnx = this.onnx && m >= MLP_ONNX_MIN_BATCH ? await this.onnxSession() : null
      if (onnx !== null) {
        const input = new onnx.Tensor('float32', x, [m, d])
        const out = (await onnx.session.run({ [MLP_ONNX_INPUT]: input }))[MLP_ONNX_OUTPUT]
        const p = out?.data
        if (!(p instanceof Float32Array) || p.length !== m * NUM_CLASSES)
          throw new Error(`model ${this.name}: onnxruntime returned no ${m}×${NUM_CLASSES} float32 probabilities`)
        probs.set(p, s * NUM_CLASSES)
      } else probs.set(this.mlp.forward(x, m).subarray(0, m * NUM_CLASSES), s * NUM_CLASSES)
    }
    return decodeProbs(probs, n)
  }
}
