// ONNX image classifiers behind the Classifier interface, run with onnxruntime-node on the CPU:
// Glyphdesk's CNNs (training/train_cnn.py) and any bring-your-own model whose card (modelCard.ts)
// says how a glyph becomes its input. The card is checked against the graph once, at load, so a
// model that loads is a model that predicts.
import type { ModelCard } from '../../shared/modelManifest.ts'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { availableParallelism } from 'node:os'
import * as ort from 'onnxruntime-node'
import './ortTelemetry.ts' // ORT_DISABLE_TELEMETRY=1 before the first session
import { CLASSES, GLYPH_SIZE, NUM_CLASSES } from '../../shared/classes.ts'
import { decodeProbs, type Classifier, type Prediction } from './classifier.ts'
import { MAX_ONNX_BATCH, onnxBatch } from './onnxBatch.ts'
import {
  CorruptModelError,
  ModelCardError,
  ModelMismatchError,
  NonFiniteOutputError,
  readOnnxModelCard,
  type OnnxModelCard
} from './modelCard.ts'
import { errorMessage } from '../core/errors.ts'

/** Which copy of a network is read: the float one (the default), or the card's 8-bit copy where it has one. */
export type OnnxPrecision = 'int8' | 'fp32'

/**
 * GLYPHDESK_PRECISION=int8 reads the 8-bit copy of every model whose card has one (cnn-best and the touching
 * model): ~8% less CPU per page with two threads, ~14% less time with one (batch workers), glyph accuracy within
 * ±0.3 points, but a few more look-alike flips on the hard pages (docs/BENCHMARKS.md, "8-bit copies"), so the
 * float network stays the default.
 */
export const ONNX_PRECISION = onnxPrecision(process.env['GLYPHDESK_PRECISION'])

export function onnxPrecision(value: string | undefined): OnnxPrecision {
  if (value === undefined || value === '' || value === 'fp32') return 'fp32'
  if (value === 'int8') return 'int8'
  throw new Error(`GLYPHDESK_PRECISION=${value}: expected int8 or fp32`)
}

/**
 * Intra-op threads for this machine: one per core, at most 4 (a glyph batch is small; beyond 4 the threads
 * mostly wait), and GLYPHDESK_ONNX_THREADS overrides it. The 2-core development machine gets 2.
 */
export const ONNX_INTRA_OP_THREADS = onnxThreads(process.env['GLYPHDESK_ONNX_THREADS'], availableParallelism())

export function onnxThreads(override: string | undefined, cores: number): number {
  const asked = override === undefined || override === '' ? NaN : Number(override)
  if (Number.isInteger(asked) && asked >= 1 && asked <= 64) return asked
  return Math.max(1, Math.min(4, cores))
}

/**
 * The bytes of the ONNX file a card names in `dir`, checked against the card's SHA-256 when it gives one; a missing or
 * different file is a CorruptModelError.
 */
export function readOnnxModelFile(
  dir: string,
  modelFile: string,
  expectedSha: string | undefined
): { onnxFile: string; bytes: Buffer } {
  const onnxFile = join(dir, modelFile)
  if (!existsSync(onnxFile)) throw new CorruptModelError(`${dir}: missing ${modelFile} (named by model.json)`)
  const bytes = readFileSync(onnxFile)
  if (expectedSha) {
    const sha = createHash('sha256').update(bytes).digest('hex')
    if (sha !== expectedSha)
      throw new CorruptModelError(
        `${onnxFile}: SHA-256 ${sha} differs from the card's ${expectedSha}; the file is damaged or belongs to another card`
      )
  }
  return { onnxFile, bytes }
}

/** What openOnnxSession needs of onnxruntime-node (the module, however it was loaded). */
type OrtModule = Pick<typeof ort, 'InferenceSession'>

/**
 * An inference session on an ONNX file's bytes with Glyphdesk's settings (threads for the machine, full graph
 * optimisation, no spinning); a file onnxruntime cannot load is a CorruptModelError naming it.
 */
export async function openOnnxSession(
  runtime: OrtModule,
  bytes: Uint8Array,
  onnxFile: string
): Promise<ort.InferenceSession> {
  try {
    return await runtime.InferenceSession.create(bytes, {
      intraOpNumThreads: ONNX_INTRA_OP_THREADS,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // Idle intra-op threads sleep instead of spinning for the next run: a page's batches come between
      // stretches of segmentation and decoding, where spinning threads only took CPU from them. One batch
      // worker on the sample pages: 0.376 → 0.317 CPU s per page, 3.97 → 4.31 pages/s (docs/BENCHMARKS.md).
      extra: { session: { intra_op: { allow_spinning: '0' } } }
    })
  } catch (e) {
    throw new CorruptModelError(`${onnxFile} is not a loadable ONNX model: ${errorMessage(e)}`)
  }
}

type Dim = number | string

function describeShape(shape: readonly Dim[]): string {
  return `[${shape.join(', ')}]`
}

function tensorMeta(meta: readonly ort.InferenceSession.ValueMetadata[], name: string): readonly Dim[] | undefined {
  const m = meta.find((v) => v.name === name)
  return m && m.isTensor ? m.shape : undefined
}

export class OnnxClassifier implements Classifier {
  readonly card: ModelCard
  readonly embeddingDim: number | undefined
  private readonly inputName: string
  private readonly logitsName: string
  private readonly embeddingName: string | undefined
  /** For each logit, its Glyphdesk class index (lower-case letters fold onto upper case). */
  readonly classOfLogit: Int32Array
  /** True when the labels are the 36 classes, each once (in any order): logits can be reordered to class order. */
  readonly labelsArePermutation: boolean
  private readonly identityInput: boolean
  private readonly pixels: number
  private readonly inputBuffer: Float32Array
  /** The card's logitOffsets (label order), or zeros. */
  private readonly offsets: Float64Array
  private queue: Promise<unknown> = Promise.resolve()
  /** See Classifier.pieceReader: set by recognize/models.ts#loadClassifier for an ensemble (a card with members). */
  pieceReader?: () => Promise<Classifier | null>

  private constructor(
    readonly name: string,
    readonly dir: string,
    readonly manifest: OnnxModelCard,
    private readonly session: ort.InferenceSession,
    names: { input: string; logits: string; embedding?: string },
    classOfLogit: Int32Array,
    /** Which network was loaded: the card's 8-bit copy or its float modelFile. */
    readonly precision: OnnxPrecision,
    /** The ONNX file read (modelFile, or the 8-bit copy's file). */
    readonly modelFile: string
  ) {
    // A bring-your-own card may have no card block: its name and kind still describe it.
    this.card = { name: manifest.name, kind: manifest.kind, ...manifest.card }
    this.inputName = names.input
    this.logitsName = names.logits
    this.embeddingName = names.embedding
    this.embeddingDim = manifest.embeddingDim
    this.classOfLogit = classOfLogit
    this.labelsArePermutation = classOfLogit.length === NUM_CLASSES && new Set(classOfLogit).size === NUM_CLASSES
    const inp = manifest.input
    this.identityInput =
      inp.size === GLYPH_SIZE &&
      inp.channels === 1 &&
      inp.background === 1 &&
      inp.ink === 0 &&
      inp.normalise === undefined
    this.pixels = inp.size * inp.size * inp.channels
    this.inputBuffer = this.identityInput ? new Float32Array(0) : new Float32Array(MAX_ONNX_BATCH * this.pixels)
    this.offsets = new Float64Array(manifest.classes.length)
    if (manifest.logitOffsets) this.offsets.set(manifest.logitOffsets)
  }

  /**
   * Loads model.json + its ONNX file from dir (the card's 8-bit copy when `precision` is 'int8' and the card has
   * one); throws an OnnxModelError subclass saying what is wrong.
   */
  static async load(
    dir: string,
    name = dir.split(/[\\/]/).filter(Boolean).pop() ?? dir,
    precision: OnnxPrecision = ONNX_PRECISION
  ): Promise<OnnxClassifier> {
    const card = readOnnxModelCard(dir)
    const cardFile = join(dir, 'model.json')
    const q = precision === 'int8' ? card.quantized : undefined
    if (q && card.modelSha256 && q.sourceSha256 !== card.modelSha256)
      throw new ModelCardError(
        cardFile,
        `the 8-bit copy ${q.modelFile} was made from another network (SHA-256 ${q.sourceSha256.slice(0, 12)}…, this card's is ${card.modelSha256.slice(0, 12)}…); quantise again (training/quantize_onnx.py) or remove "quantized"`
      )
    const modelFile = q ? q.modelFile : card.modelFile
    const expectedSha = q ? q.modelSha256 : card.modelSha256
    const { onnxFile, bytes } = readOnnxModelFile(dir, modelFile, expectedSha)
    const session = await openOnnxSession(ort, bytes, onnxFile)

    // Labels → Glyphdesk classes.
    const classOfLogit = new Int32Array(card.classes.length)
    const unknown: string[] = []
    card.classes.forEach((label, i) => {
      classOfLogit[i] = CLASSES.indexOf(label.toUpperCase())
      if (classOfLogit[i] < 0) unknown.push(JSON.stringify(label))
    })
    if (unknown.length)
      throw new ModelCardError(
        cardFile,
        `labels ${unknown.slice(0, 8).join(', ')}${unknown.length > 8 ? ' …' : ''} are not Glyphdesk classes (A–Z, 0–9)`
      )

    // Input: one float image tensor whose fixed dims agree with the card.
    const inputName = card.input.name ?? (session.inputNames.length === 1 ? session.inputNames[0] : undefined)
    if (!inputName)
      throw new ModelMismatchError(
        `${onnxFile} has inputs ${session.inputNames.join(', ')}; say which one takes the image in model.json "input.name"`
      )
    const inShape = tensorMeta(session.inputMetadata, inputName)
    if (!inShape)
      throw new ModelMismatchError(
        `${onnxFile} has no tensor input "${inputName}" (inputs: ${session.inputNames.join(', ')})`
      )
    const meta = session.inputMetadata.find((v) => v.name === inputName)
    const inType = meta?.isTensor ? meta.type : 'not a tensor'
    if (inType !== 'float32')
      throw new ModelMismatchError(`${onnxFile}: input "${inputName}" is ${inType}; Glyphdesk feeds float32 images`)
    if (inShape.length !== 4)
      throw new ModelMismatchError(
        `${onnxFile} is not an image classifier: input "${inputName}" has shape ${describeShape(inShape)}, expected 4 dims (${card.input.layout})`
      )
    const { size, channels, layout } = card.input
    const want = layout === 'NCHW' ? [channels, size, size] : [size, size, channels]
    const got = inShape.slice(1)
    got.forEach((d, i) => {
      if (typeof d === 'number' && d !== want[i])
        throw new ModelMismatchError(
          `${cardFile} says the input is ${size}×${size} with ${channels} channel(s) (${layout}: ${describeShape(['n', ...want])}) but ${modelFile}'s input "${inputName}" has shape ${describeShape(inShape)}`
        )
    })

    // Outputs.
    const outNames = session.outputNames
    const logitsName = card.outputs.logits ?? (outNames.length === 1 ? outNames[0] : undefined)
    if (!logitsName || !outNames.includes(logitsName))
      throw new ModelMismatchError(
        `${onnxFile}: no logits output ${logitsName ? `"${logitsName}" ` : ''}(outputs: ${outNames.join(', ')}); name it in model.json "outputs.logits"`
      )
    if (card.outputs.embedding && !outNames.includes(card.outputs.embedding))
      throw new ModelMismatchError(
        `${onnxFile}: the card's embedding output "${card.outputs.embedding}" is not among the outputs (${outNames.join(', ')})`
      )

    const classifier = new OnnxClassifier(
      name,
      dir,
      card,
      session,
      { input: inputName, logits: logitsName, embedding: card.outputs.embedding },
      classOfLogit,
      q ? 'int8' : 'fp32',
      modelFile
    )
    await classifier.probe(onnxFile, cardFile)
    return classifier
  }

  /** Runs one blank glyph to pin the concrete output widths and catch NaN-producing graphs at load. */
  private async probe(onnxFile: string, cardFile: string): Promise<void> {
    const blank = new Float32Array(GLYPH_SIZE * GLYPH_SIZE).fill(1)
    const fetch = [this.logitsName, ...(this.embeddingName ? [this.embeddingName] : [])]
    let out: ort.InferenceSession.ReturnType
    try {
      out = await this.session.run({ [this.inputName]: this.inputTensor(blank, 0, 1) }, fetch)
    } catch (e) {
      throw new ModelMismatchError(
        `${onnxFile} does not run on a ${this.manifest.input.size}×${this.manifest.input.size} image as its card describes: ${errorMessage(e)}`
      )
    }
    const logits = out[this.logitsName]
    const width = logits.dims.length === 2 && logits.dims[0] === 1 ? logits.dims[1] : -1
    if (width !== this.manifest.classes.length)
      throw new ModelMismatchError(
        `${cardFile} lists ${this.manifest.classes.length} labels but ${this.modelFile}'s output "${this.logitsName}" has shape ${describeShape(logits.dims)} for one image`
      )
    checkFinite(float32Data(logits, onnxFile), 1, width, `logits of ${onnxFile} on a blank glyph`)
    if (this.embeddingName) {
      const e = out[this.embeddingName]
      const dim = e.dims.length === 2 ? e.dims[1] : -1
      if (this.manifest.embeddingDim !== undefined && dim !== this.manifest.embeddingDim)
        throw new ModelMismatchError(
          `${cardFile} says embeddingDim ${this.manifest.embeddingDim} but output "${this.embeddingName}" has shape ${describeShape(e.dims)}`
        )
      checkFinite(float32Data(e, onnxFile), 1, dim, `embedding of ${onnxFile} on a blank glyph`)
    }
  }

  /** A tensor view of glyphs [s, s+m) in the model's input format. Shares inputBuffer: call inside the queue. */
  private inputTensor(glyphs: Float32Array, s: number, m: number): ort.Tensor {
    const { size, channels, layout } = this.manifest.input
    const dims = layout === 'NCHW' ? [m, channels, size, size] : [m, size, size, channels]
    const P = GLYPH_SIZE * GLYPH_SIZE
    if (this.identityInput) return new ort.Tensor('float32', glyphs.subarray(s * P, (s + m) * P), dims)
    toModelInput(glyphs.subarray(s * P, (s + m) * P), m, this.manifest.input, this.inputBuffer)
    return new ort.Tensor('float32', this.inputBuffer.subarray(0, m * this.pixels), dims)
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job)
    this.queue = next.catch(() => undefined)
    return next
  }

  /** Raw network outputs: logits (n×labels, in the card's label order). */
  async logits(glyphs: Float32Array, n: number): Promise<{ data: Float32Array; width: number }> {
    return this.runOutput(glyphs, n, this.logitsName, 'logits')
  }

  /**
   * Logits (n×36) in Glyphdesk's class order, with the card's logitOffsets added when `calibrated`;
   * null when the labels are not the 36 classes each once (then only probabilities are comparable).
   */
  async classLogits(glyphs: Float32Array, n: number, calibrated: boolean): Promise<Float32Array | null> {
    if (!this.labelsArePermutation) return null
    const { data } = await this.logits(glyphs, n)
    const out = new Float32Array(n * NUM_CLASSES)
    const off = this.offsets,
      to = this.classOfLogit
    for (let i = 0; i < n; i++) {
      const o = i * NUM_CLASSES
      for (let k = 0; k < NUM_CLASSES; k++) out[o + to[k]] = calibrated ? data[o + k] + off[k] : data[o + k]
    }
    return out
  }

  /** Class probabilities: softmax of the logits plus the card's logitOffsets, folded onto Glyphdesk's 36 classes. */
  async predict(glyphs: Float32Array, n: number): Promise<Prediction> {
    const { data: logits, width: L } = await this.logits(glyphs, n)
    const probs = new Float32Array(n * NUM_CLASSES)
    const row = new Float64Array(L)
    const off = this.offsets
    for (let i = 0; i < n; i++) {
      // Stable softmax: subtract the row maximum before exponentiating.
      for (let k = 0; k < L; k++) row[k] = logits[i * L + k] + off[k]
      let max = -Infinity
      for (let k = 0; k < L; k++) if (row[k] > max) max = row[k]
      let sum = 0
      for (let k = 0; k < L; k++) {
        row[k] = Math.exp(row[k] - max)
        sum += row[k]
      }
      const base = i * NUM_CLASSES
      for (let k = 0; k < L; k++) probs[base + this.classOfLogit[k]] += row[k] / sum
    }
    return decodeProbs(probs, n)
  }

  async embed(glyphs: Float32Array, n: number): Promise<{ data: Float32Array; dim: number }> {
    if (!this.embeddingName)
      throw new ModelCardError(
        join(this.dir, 'model.json'),
        `names no "outputs.embedding"; model ${this.name} cannot give embeddings`
      )
    const { data, width } = await this.runOutput(glyphs, n, this.embeddingName, 'embedding')
    return { data, dim: width }
  }

  /** Runs the glyphs through the session in batches of onnxBatch() (recognize/onnxBatch.ts) and gathers one output, checked for NaN/Infinity. */
  private async runOutput(
    glyphs: Float32Array,
    n: number,
    output: string,
    what: string
  ): Promise<{ data: Float32Array; width: number }> {
    const P = GLYPH_SIZE * GLYPH_SIZE
    if (glyphs.length < n * P) throw new RangeError(`${what}: ${n} glyphs need ${n * P} values, got ${glyphs.length}`)
    let data = new Float32Array(0)
    let width = what === 'logits' ? this.manifest.classes.length : (this.embeddingDim ?? 0)
    await this.serial(async () => {
      const chunk = onnxBatch()
      for (let s = 0; s < n; s += chunk) {
        const m = Math.min(chunk, n - s)
        const out = (await this.session.run({ [this.inputName]: this.inputTensor(glyphs, s, m) }, [output]))[output]
        if (s === 0) {
          width = out.dims[1]
          data = new Float32Array(n * width)
        }
        const values = float32Data(out, this.name)
        checkFinite(values, m, width, `${what} of ${this.name}`, s)
        data.set(values.subarray(0, m * width), s * width)
      }
    })
    return { data, width }
  }

  /** Releases the onnxruntime session. */
  async dispose(): Promise<void> {
    await this.serial(() => this.session.release())
  }
}

/** An output's values; Glyphdesk reads float32 logits and embeddings, and another type is the model's error. */
function float32Data(t: ort.Tensor, model: string): Float32Array {
  if (!(t.data instanceof Float32Array))
    throw new ModelMismatchError(
      `${model}: an output is ${t.type}, not float32 (Glyphdesk reads float32 logits and embeddings)`
    )
  return t.data
}

function checkFinite(values: Float32Array, m: number, width: number, what: string, first = 0): void {
  for (let i = 0; i < m * width; i++) {
    if (!Number.isFinite(values[i])) {
      throw new NonFiniteOutputError(
        `${what}: glyph ${first + Math.floor(i / width)} gave ${values[i]} at index ${i % width}; the model is broken or the input is out of range`
      )
    }
  }
}

/**
 * Glyphs (m×32×32, background 1, ink 0) → the model's input: resampled to size×size (bilinear,
 * pixel centres aligned), polarity mapped to the card's background/ink values, normalised, and
 * repeated over channels in the card's layout. Writes into out.
 */
export function toModelInput(glyphs: Float32Array, m: number, spec: OnnxModelCard['input'], out: Float32Array): void {
  const { size, channels, layout, background, ink, normalise } = spec
  const G = GLYPH_SIZE
  const plane = size * size
  const scale = G / size
  const mean = new Float32Array(channels),
    invStd = new Float32Array(channels)
  for (let c = 0; c < channels; c++) {
    if (normalise === undefined) {
      mean[c] = 0
      invStd[c] = 1
    } else if ('scale' in normalise) {
      mean[c] = -(normalise.offset ?? 0) / normalise.scale
      invStd[c] = normalise.scale
    } else {
      mean[c] = Array.isArray(normalise.mean) ? normalise.mean[c] : normalise.mean
      invStd[c] = 1 / (Array.isArray(normalise.std) ? normalise.std[c] : normalise.std)
    }
  }
  for (let g = 0; g < m; g++) {
    const src = g * G * G
    for (let y = 0; y < size; y++) {
      const sy = Math.min(Math.max((y + 0.5) * scale - 0.5, 0), G - 1)
      const y0 = Math.floor(sy),
        y1 = Math.min(y0 + 1, G - 1),
        fy = sy - y0
      for (let x = 0; x < size; x++) {
        const sx = Math.min(Math.max((x + 0.5) * scale - 0.5, 0), G - 1)
        const x0 = Math.floor(sx),
          x1 = Math.min(x0 + 1, G - 1),
          fx = sx - x0
        const top = glyphs[src + y0 * G + x0] * (1 - fx) + glyphs[src + y0 * G + x1] * fx
        const bottom = glyphs[src + y1 * G + x0] * (1 - fx) + glyphs[src + y1 * G + x1] * fx
        const v = ink + (background - ink) * (top * (1 - fy) + bottom * fy)
        for (let c = 0; c < channels; c++) {
          const idx =
            layout === 'NCHW'
              ? g * channels * plane + c * plane + y * size + x
              : ((g * size + y) * size + x) * channels + c
          out[idx] = (v - mean[c]) * invStd[c]
        }
      }
    }
  }
}
