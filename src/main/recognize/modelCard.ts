// The model card of an ONNX model directory (model.json next to model.onnx): what the network
// expects as input, which outputs are logits and embedding, and which labels the logits stand for.
// Glyphdesk's own CNNs (training/train_cnn.py) and bring-your-own ONNX classifiers share this format.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export const ONNX_FORMAT = 'glyphdesk-onnx'

/** Base of every error that stops an ONNX model from loading or running; the message says what to fix. */
export class OnnxModelError extends Error {
  override name = 'OnnxModelError'
}
/** model.json is missing, unreadable, or lacks or misstates a field. */
export class ModelCardError extends OnnxModelError {
  override name = 'ModelCardError'
}
/** The card and the ONNX graph disagree (input shape, channels, output names, label count). */
export class ModelMismatchError extends OnnxModelError {
  override name = 'ModelMismatchError'
}
/** The .onnx file is missing, damaged or not what the card's checksum says. */
export class CorruptModelError extends OnnxModelError {
  override name = 'CorruptModelError'
}
/** The network produced NaN or ±Infinity. */
export class NonFiniteOutputError extends OnnxModelError {
  override name = 'NonFiniteOutputError'
}

/** How a Glyphdesk glyph (background 1, ink 0) becomes the model's input values. */
export interface OnnxInputSpec {
  name?: string
  /** Side of the square input image, in pixels (Glyphdesk glyphs are 32; others are resampled). */
  size: number
  channels: 1 | 3
  layout: 'NCHW' | 'NHWC'
  /** Pixel value of the paper and of the ink in the model's own training data (e.g. 0 and 1, or 255 and 0). */
  background: number
  ink: number
  /** Applied after background/ink mapping: (v − mean[c]) / std[c], or v · scale + offset. */
  normalise?: { mean: number | number[]; std: number | number[] } | { scale: number; offset?: number }
}

export interface OnnxModelCard {
  format: typeof ONNX_FORMAT
  formatVersion: number
  kind: string
  name?: string
  modelFile: string
  modelSha256?: string
  /** The label of each logit, in logit order. Each must be one of Glyphdesk's classes (lower case allowed). */
  classes: string[]
  input: OnnxInputSpec
  /** Output names; without logits, a model with a single output uses that one. */
  outputs: { logits?: string; embedding?: string }
  embeddingDim?: number
  /**
   * Added to the logits, one per label in label order, before the softmax in predict() (raw
   * logits() and embeddings are untouched). Fitted by `glyphdesk calibrate`; card.calibration says how.
   */
  logitOffsets?: number[]
  /** Free-form: training data, metrics, command (data.extraTrain is read by `glyphdesk eval`). */
  card: Record<string, unknown>
}

function fail(file: string, what: string): never {
  throw new ModelCardError(`${file}: ${what}`)
}

/** Reads and checks model.json of an ONNX model directory; never returns a half-valid card. */
export function readOnnxModelCard(dir: string): OnnxModelCard {
  const file = join(dir, 'model.json')
  if (!existsSync(file)) throw new ModelCardError(`${dir} has no model.json; an ONNX model directory needs model.onnx and a model.json card`)
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    fail(file, `is not valid JSON (${(e as Error).message})`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(file, 'must be a JSON object')
  const m = raw as Record<string, unknown>
  if (m['format'] !== ONNX_FORMAT) fail(file, `"format" must be "${ONNX_FORMAT}", got ${JSON.stringify(m['format'])}`)

  const classes = m['classes']
  if (!Array.isArray(classes) || classes.length === 0 || !classes.every((c) => typeof c === 'string'))
    fail(file, '"classes" is missing: give the label of every logit, in order, e.g. ["A", …, "Z", "0", …, "9"]')

  const inp = m['input'] as Record<string, unknown> | undefined
  if (typeof inp !== 'object' || inp === null) fail(file, '"input" is missing: give {size, channels, layout, background, ink}')
  const size = inp['size']
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 4 || size > 1024) fail(file, `"input.size" must be the side of the square input in pixels (4…1024), got ${JSON.stringify(size)}`)
  const channels = inp['channels'] ?? 1
  if (channels !== 1 && channels !== 3) fail(file, `"input.channels" must be 1 or 3, got ${JSON.stringify(channels)}`)
  const layout = inp['layout'] ?? 'NCHW'
  if (layout !== 'NCHW' && layout !== 'NHWC') fail(file, `"input.layout" must be "NCHW" or "NHWC", got ${JSON.stringify(layout)}`)
  const background = inp['background'] ?? 1
  const ink = inp['ink'] ?? 0
  if (typeof background !== 'number' || typeof ink !== 'number' || background === ink)
    fail(file, '"input.background" and "input.ink" must be two different numbers (the paper and ink values the model was trained on)')
  const normalise = inp['normalise'] as OnnxInputSpec['normalise'] | undefined
  if (normalise !== undefined) {
    const n = normalise as Record<string, unknown>
    const perChannel = (v: unknown): boolean => typeof v === 'number' || (Array.isArray(v) && v.length === channels && v.every((x) => typeof x === 'number'))
    if ('scale' in n) {
      if (typeof n['scale'] !== 'number' || (n['offset'] !== undefined && typeof n['offset'] !== 'number')) fail(file, '"input.normalise" {scale, offset} must be numbers')
    } else if (!perChannel(n['mean']) || !perChannel(n['std']) || [n['std']].flat().some((s) => s === 0)) {
      fail(file, `"input.normalise" must be {mean, std} (numbers or one per channel, std ≠ 0) or {scale, offset}`)
    }
  }
  if (inp['name'] !== undefined && typeof inp['name'] !== 'string') fail(file, '"input.name" must be a string')

  const outputs = (m['outputs'] ?? {}) as Record<string, unknown>
  if (typeof outputs !== 'object' || (outputs['logits'] !== undefined && typeof outputs['logits'] !== 'string') || (outputs['embedding'] !== undefined && typeof outputs['embedding'] !== 'string'))
    fail(file, '"outputs" must be {logits: NAME, embedding?: NAME}')
  const embeddingDim = m['embeddingDim']
  if (embeddingDim !== undefined && (typeof embeddingDim !== 'number' || !Number.isInteger(embeddingDim) || embeddingDim <= 0)) fail(file, '"embeddingDim" must be a positive integer')
  const logitOffsets = m['logitOffsets']
  if (logitOffsets !== undefined && (!Array.isArray(logitOffsets) || logitOffsets.length !== classes.length || !logitOffsets.every((v) => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 20)))
    fail(file, `"logitOffsets" must be ${classes.length} finite numbers within ±20, one per label in "classes" order (got ${Array.isArray(logitOffsets) ? `${logitOffsets.length} values` : JSON.stringify(logitOffsets)})`)
  const modelFile = m['modelFile'] ?? 'model.onnx'
  if (typeof modelFile !== 'string') fail(file, '"modelFile" must be a file name')

  return {
    format: ONNX_FORMAT,
    formatVersion: typeof m['formatVersion'] === 'number' ? m['formatVersion'] : 1,
    kind: typeof m['kind'] === 'string' ? m['kind'] : 'onnx',
    name: typeof m['name'] === 'string' ? m['name'] : undefined,
    modelFile,
    modelSha256: typeof m['modelSha256'] === 'string' ? m['modelSha256'] : undefined,
    classes: classes as string[],
    input: { name: inp['name'] as string | undefined, size, channels, layout, background, ink, normalise },
    outputs: { logits: outputs['logits'] as string | undefined, embedding: outputs['embedding'] as string | undefined },
    embeddingDim: embeddingDim as number | undefined,
    logitOffsets: logitOffsets as number[] | undefined,
    card: typeof m['card'] === 'object' && m['card'] !== null ? (m['card'] as Record<string, unknown>) : {}
  }
}
