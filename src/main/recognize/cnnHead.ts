// The 'cnn-head' model kind: a CNN fine-tuned for one person without touching its ONNX graph. The base
// CNN (shipped or any ONNX model with an embedding output) turns a glyph into its penultimate embedding;
// a head trained in Glyphdesk's own nn code (a softmax layer, or a small MLP) turns the embedding into
// the 36 class probabilities.
//
// On disk, a directory:
//   model.json   { format: 'glyphdesk-cnn-head', formatVersion: 1, kind: 'cnn-head', name,
//                  base: { name, shipped, dir?, modelSha256, embeddingDim }, head: 'head', card }
//   head/        the head as a Glyphdesk MLP model directory (nn/serialise.ts: weights.bin + model.json,
//                sizes [embeddingDim, …, 36]), with its checksum.
// A shipped base is referenced by name (resources/models/<name>), any other by absolute directory; its
// ONNX file's SHA-256 is recorded and checked at load, so a head never runs on an embedding it was not
// trained on. The base is never copied or modified.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NUM_CLASSES } from '../../shared/classes.ts'
import type { Mlp } from '../nn/mlp.ts'
import { loadMlp } from '../nn/serialise.ts'
import { decodeProbs, type Classifier, type Prediction } from './classifier.ts'
import { ModelCardError, ModelMismatchError, NonFiniteOutputError, readOnnxModelCard } from './modelCard.ts'
import { readManifestOf } from '../core/modelManifest.ts'
import {
  CNN_HEAD_FORMAT,
  FORMAT_VERSIONS,
  type CnnHeadBaseRef,
  type CnnHeadManifest,
  type ModelCard
} from '../../shared/modelManifest.ts'
import { OnnxClassifier } from './onnxClassifier.ts'

export { CNN_HEAD_FORMAT }
export type { CnnHeadBaseRef, CnnHeadManifest }
export const CNN_HEAD_FORMAT_VERSION = FORMAT_VERSIONS[CNN_HEAD_FORMAT]
export const CNN_HEAD_DIR = 'head'

/** The SHA-256 the base's card records for its ONNX file (or computed from the file). */
export function onnxSha256(dir: string): string {
  const card = readOnnxModelCard(dir)
  if (card.modelSha256) return card.modelSha256
  return createHash('sha256')
    .update(readFileSync(join(dir, card.modelFile)))
    .digest('hex')
}

/** Softmax over each row of n×36 logits, in place into probs. */
function softmaxRows(logits: ArrayLike<number>, n: number, probs: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * NUM_CLASSES
    let max = -Infinity
    for (let k = 0; k < NUM_CLASSES; k++) if (logits[o + k] > max) max = logits[o + k]
    let sum = 0
    for (let k = 0; k < NUM_CLASSES; k++) sum += Math.exp(logits[o + k] - max)
    for (let k = 0; k < NUM_CLASSES; k++) probs[o + k] = Math.exp(logits[o + k] - max) / sum
  }
}

export class CnnHeadClassifier implements Classifier {
  constructor(
    readonly name: string,
    readonly base: OnnxClassifier,
    readonly head: Mlp,
    readonly card: ModelCard = {}
  ) {
    if (head.classes !== NUM_CLASSES)
      throw new ModelMismatchError(
        `head of ${name} has ${head.classes} outputs; Glyphdesk classifies into ${NUM_CLASSES} classes`
      )
  }

  /** Head logits (n×36) of embeddings (n×dim). */
  headLogits(emb: Float32Array, n: number): Float32Array {
    const d = this.head.inputDim
    const out = new Float32Array(n * NUM_CLASSES)
    for (let s = 0; s < n; s += 256) {
      const m = Math.min(256, n - s)
      out.set(this.head.logits(emb.subarray(s * d, (s + m) * d), m).subarray(0, m * NUM_CLASSES), s * NUM_CLASSES)
    }
    return out
  }

  /** Class probabilities from embeddings computed elsewhere (fine-tuning computes them once). */
  predictEmbeddings(emb: Float32Array, n: number): Prediction {
    const logits = this.headLogits(emb, n)
    for (let i = 0; i < logits.length; i++) {
      if (!Number.isFinite(logits[i]))
        throw new NonFiniteOutputError(
          `head of ${this.name}: glyph ${Math.floor(i / NUM_CLASSES)} gave ${logits[i]}; the head's weights or the embedding are broken`
        )
    }
    const probs = new Float32Array(n * NUM_CLASSES)
    softmaxRows(logits, n, probs)
    return decodeProbs(probs, n)
  }

  async embed(glyphs: Float32Array, n: number): Promise<{ data: Float32Array; dim: number }> {
    return this.base.embed(glyphs, n)
  }

  async predict(glyphs: Float32Array, n: number): Promise<Prediction> {
    if (n === 0) return decodeProbs(new Float32Array(0), 0)
    const { data, dim } = await this.base.embed(glyphs, n)
    if (dim !== this.head.inputDim)
      throw new ModelMismatchError(
        `${this.name}: the base gives ${dim}-d embeddings but the head takes ${this.head.inputDim}`
      )
    return this.predictEmbeddings(data, n)
  }

  async dispose(): Promise<void> {
    await this.base.dispose()
  }
}

/** Reads and checks a cnn-head model.json. */
export function readCnnHeadManifest(dir: string): CnnHeadManifest {
  return readManifestOf(dir, CNN_HEAD_FORMAT, 'a CNN head model (format "glyphdesk-cnn-head")')
}

/**
 * Loads a cnn-head directory: the base ONNX model (checked against the recorded SHA-256) and the head.
 * `resolveShipped` maps a shipped base's name to its directory (models.ts passes resolveModelDir).
 */
export async function loadCnnHead(
  dir: string,
  name: string,
  resolveShipped: (name: string) => string
): Promise<CnnHeadClassifier> {
  const manifest = readCnnHeadManifest(dir)
  const b = manifest.base
  const baseDir = b.shipped || b.dir === undefined ? resolveShipped(b.name) : b.dir
  if (!existsSync(join(baseDir, 'model.json')))
    throw new ModelCardError(
      join(dir, 'model.json'),
      `its base model ${b.name} (${baseDir}) is missing; the head cannot run without it`
    )
  const sha = onnxSha256(baseDir)
  if (sha !== b.modelSha256)
    throw new ModelMismatchError(
      `${dir}: the base model ${b.name} has changed since this head was trained (ONNX SHA-256 ${sha.slice(0, 12)}…, head expects ${b.modelSha256.slice(0, 12)}…); fine-tune again on the new base`
    )
  const base = await OnnxClassifier.load(baseDir, b.name)
  const { mlp } = await loadMlp(join(dir, manifest.head), { maxBatch: 256 })
  if (mlp.inputDim !== b.embeddingDim || (base.embeddingDim !== undefined && base.embeddingDim !== mlp.inputDim))
    throw new ModelMismatchError(
      `${dir}: the head takes ${mlp.inputDim}-d input but the base ${b.name} gives ${base.embeddingDim ?? 'unknown'}-d embeddings`
    )
  return new CnnHeadClassifier(name, base, mlp, manifest.card)
}
