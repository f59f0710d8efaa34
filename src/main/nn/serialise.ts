// Models and training checkpoints on disk.
//
// A model is a directory with two files:
//   weights.bin  little-endian float32, the tensors concatenated in model.json's order;
//   model.json   format version, kind 'mlp', sizes, activation, classes, tensor names/shapes/
//                byte offsets, the byte length and SHA-256 of weights.bin, and a free-form card.
// The two files are written into a staging folder that is renamed into place in one step
// (atomicDirs.ts), so a kill or a full disk leaves the previous model whole; model.json names
// the checksum of the weights it belongs to, so a reader never pairs a manifest with
// mismatched weights without noticing.
//
// A checkpoint is one JSON file: the TrainState with typed arrays as base64 (little-endian).
import { InvalidInputError, errorMessage, errnoCode } from '../core/errors.ts'
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { recoverDir, replaceDirAtomic } from '../core/atomicDirs.ts'
import { asWriteError, writeFileAtomic } from '../core/atomicFile.ts'
import { CLASSES } from '../../shared/classes.ts'
import { ModelCardError, readManifestOf } from '../core/modelManifest.ts'
import {
  FORMAT_VERSIONS,
  MLP_FORMAT,
  type MlpManifest,
  type ModelCard,
  type TensorEntry
} from '../../shared/modelManifest.ts'
import { Mlp, type NamedTensor } from './mlp.ts'
import { firstNonFinite, sizeOf, type FloatArray } from './tensor.ts'
import type { TrainState } from './train.ts'

export const MODEL_FORMAT = MLP_FORMAT
export const MODEL_FORMAT_VERSION = FORMAT_VERSIONS[MLP_FORMAT]
export const CHECKPOINT_FORMAT = 'glyphdesk-train-checkpoint'
export const CHECKPOINT_FORMAT_VERSION = 1

/** Free-form description stored with a model (what it was trained on, scores, date…). */
export type { ModelCard }

export type { TensorEntry }
/** model.json of an MLP; its schema is MlpManifestSchema (src/shared/modelManifest.ts). */
export type ModelManifest = MlpManifest

export type ModelFileProblem = 'missing' | 'format' | 'shape' | 'byteLength' | 'checksum' | 'nonFinite'

/** A model or checkpoint on disk that cannot be used; `problem` says which check failed. */
export class ModelFileError extends InvalidInputError {
  override name = 'ModelFileError'
  constructor(
    readonly path: string,
    readonly problem: ModelFileProblem,
    detail: string
  ) {
    super(`${path}: ${detail}`)
  }
}

function float32LE(arrays: readonly ArrayLike<number>[]): Uint8Array {
  const total = arrays.reduce((s, a) => s + a.length, 0)
  const out = new Uint8Array(total * 4)
  const view = new DataView(out.buffer)
  let o = 0
  for (const a of arrays) for (let i = 0; i < a.length; i++, o += 4) view.setFloat32(o, a[i], true)
  return out
}

function readFloat32LE(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4)
  const out = new Float32Array(count)
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function checkFinite(path: string, tensors: readonly { name: string; data: ArrayLike<number> }[]): void {
  for (const t of tensors) {
    const i = firstNonFinite(t.data)
    if (i >= 0)
      throw new ModelFileError(
        path,
        'nonFinite',
        `weight ${t.name}[${i}] is ${t.data[i]}; the model is broken (diverged training?) and will not be used`
      )
  }
}

/** Saves weights.bin + model.json into dir (created if needed). Refuses NaN/Inf weights. */
export async function saveMlp(dir: string, mlp: Mlp, card: ModelCard = {}): Promise<ModelManifest> {
  const weights = mlp.weights()
  checkFinite(dir, weights)
  const bytes = float32LE(weights.map((t) => t.data))
  let offset = 0
  const tensors = weights.map((t) => {
    const e = { name: t.name, shape: [...t.shape], offset }
    offset += t.data.length * 4
    return e
  })
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    kind: 'mlp',
    sizes: [...mlp.config.sizes],
    activation: mlp.config.activation,
    seed: mlp.config.seed,
    classes: mlp.classes === CLASSES.length ? [...CLASSES] : Array.from({ length: mlp.classes }, (_, i) => String(i)),
    dtype: 'float32',
    byteOrder: 'little',
    weightsFile: 'weights.bin',
    weightsBytes: bytes.length,
    weightsSha256: sha256(bytes),
    tensors,
    card
  }
  // One folder, renamed into place whole: a kill or a full disk leaves the previous model loadable.
  try {
    await replaceDirAtomic(
      dir,
      async (staging) => {
        await writeFileAtomic(join(staging, 'weights.bin'), bytes)
        await writeFileAtomic(join(staging, 'model.json'), JSON.stringify(manifest, null, 2) + '\n')
      },
      { carryOver: true }
    )
  } catch (err) {
    throw asWriteError(resolve(dir), err)
  }
  return manifest
}

export interface LoadedMlp {
  mlp: Mlp
  manifest: ModelManifest
  card: ModelCard
}

async function readOrExplain(path: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new ModelFileError(path, 'missing', 'file not found')
    throw err
  }
}

/** Loads and validates a model directory written by saveMlp. */
export async function loadMlp(dir: string, options: { maxBatch?: number } = {}): Promise<LoadedMlp> {
  await recoverDir(dir)
  const jsonPath = join(dir, 'model.json')
  const binPath = join(dir, 'weights.bin')
  let manifest: ModelManifest
  try {
    manifest = readManifestOf(dir, MLP_FORMAT, 'a Glyphdesk MLP (format "glyphdesk-mlp")')
  } catch (err) {
    if (err instanceof ModelCardError)
      throw new ModelFileError(jsonPath, err.missing ? 'missing' : 'format', err.detail)
    throw err
  }
  // The sizes decide how much memory the model takes: check them against the weights file before
  // allocating anything (the schema has bounded each width; this catches a manifest paired with other weights).
  const sizes = manifest.sizes
  let need = 0
  for (let i = 0; i + 1 < sizes.length; i++) need += (sizes[i] * sizes[i + 1] + sizes[i + 1]) * 4
  const onDisk = await stat(binPath).then(
    (st) => st.size,
    () => -1
  )
  if (onDisk < 0) throw new ModelFileError(binPath, 'missing', 'file not found')
  if (onDisk !== need)
    throw new ModelFileError(
      binPath,
      'byteLength',
      `has ${onDisk} bytes; model.json's tensors need ${need} (sizes [${sizes.join(', ')}])`
    )
  let mlp: Mlp
  try {
    mlp = new Mlp(
      { sizes: manifest.sizes, activation: manifest.activation, seed: manifest.seed },
      { maxBatch: options.maxBatch }
    )
  } catch (err) {
    throw new ModelFileError(jsonPath, 'shape', errorMessage(err))
  }
  const expected = mlp.weights()
  const entries = manifest.tensors
  if (!Array.isArray(entries) || entries.length !== expected.length) {
    throw new ModelFileError(
      jsonPath,
      'shape',
      `lists ${Array.isArray(entries) ? entries.length : 'no'} tensors; sizes [${manifest.sizes.join(', ')}] need ${expected.length}`
    )
  }
  let offset = 0
  entries.forEach((e, i) => {
    const want = expected[i]
    const sameShape =
      Array.isArray(e.shape) && e.shape.length === want.shape.length && e.shape.every((d, k) => d === want.shape[k])
    if (e.name !== want.name || !sameShape) {
      throw new ModelFileError(
        jsonPath,
        'shape',
        `tensor ${i} is ${e.name} [${String(e.shape)}], sizes [${manifest.sizes.join(', ')}] need ${want.name} [${want.shape.join(', ')}]`
      )
    }
    if (e.offset !== offset)
      throw new ModelFileError(jsonPath, 'shape', `tensor ${e.name} starts at byte ${e.offset}, expected ${offset}`)
    offset += sizeOf(e.shape) * 4
  })
  const bytes = await readOrExplain(binPath)
  if (bytes.length !== offset || manifest.weightsBytes !== offset) {
    throw new ModelFileError(
      binPath,
      'byteLength',
      `has ${bytes.length} bytes; model.json's tensors need ${offset} (manifest says ${manifest.weightsBytes})`
    )
  }
  if (manifest.weightsSha256 !== sha256(bytes)) {
    throw new ModelFileError(
      binPath,
      'checksum',
      'does not match the SHA-256 in model.json (files from different saves, or corrupted)'
    )
  }
  const tensors = entries.map((e) => ({
    name: e.name,
    shape: e.shape,
    data: readFloat32LE(bytes, e.offset, sizeOf(e.shape))
  }))
  checkFinite(binPath, tensors)
  mlp.setWeights(tensors)
  return { mlp, manifest, card: manifest.card }
}

// ---- checkpoints ----

interface EncodedArray {
  dtype: 'float32' | 'float64' | 'uint32'
  length: number
  base64: string
}

function encodeArray(a: FloatArray | Uint32Array): EncodedArray {
  const dtype = a instanceof Float64Array ? 'float64' : a instanceof Uint32Array ? 'uint32' : 'float32'
  const width = dtype === 'float64' ? 8 : 4
  const out = new Uint8Array(a.length * width)
  const v = new DataView(out.buffer)
  for (let i = 0; i < a.length; i++) {
    if (dtype === 'float64') v.setFloat64(i * 8, a[i], true)
    else if (dtype === 'uint32') v.setUint32(i * 4, a[i], true)
    else v.setFloat32(i * 4, a[i], true)
  }
  return { dtype, length: a.length, base64: Buffer.from(out).toString('base64') }
}

function decodeArray(path: string, e: EncodedArray): FloatArray | Uint32Array {
  const bytes = Buffer.from(e.base64, 'base64')
  const width = e.dtype === 'float64' ? 8 : 4
  if (bytes.length !== e.length * width)
    throw new ModelFileError(path, 'byteLength', `array of ${e.length} ${e.dtype} decodes to ${bytes.length} bytes`)
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  if (e.dtype === 'float64') return Float64Array.from({ length: e.length }, (_, i) => v.getFloat64(i * 8, true))
  if (e.dtype === 'uint32') return Uint32Array.from({ length: e.length }, (_, i) => v.getUint32(i * 4, true))
  if (e.dtype === 'float32') return Float32Array.from({ length: e.length }, (_, i) => v.getFloat32(i * 4, true))
  throw new ModelFileError(path, 'format', `unknown array dtype "${String(e.dtype)}"`)
}

const EncodedArraySchema = z.object({
  dtype: z.enum(['float32', 'float64', 'uint32']),
  length: z.number().int().nonnegative(),
  base64: z.string()
})

/** A training checkpoint as written by saveCheckpoint: read through this schema, so a bad file names its field. */
const TrainStateJSONSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  formatVersion: z.number(),
  config: z.object({
    epochs: z.number().int().min(1),
    lr: z.number().positive(),
    batch: z.number().int().min(1),
    momentum: z.number(),
    optimizer: z.enum(['sgd', 'adam']),
    weightDecay: z.number().optional(),
    seed: z.number(),
    divergenceLoss: z.number().optional()
  }),
  epoch: z.number().int().nonnegative(),
  batch: z.number().int().nonnegative(),
  order: EncodedArraySchema,
  rng: z.object({
    s: z.tuple([z.number(), z.number(), z.number(), z.number()]),
    spareNormal: z.number().nullable()
  }),
  weights: z.array(
    z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), data: EncodedArraySchema })
  ),
  optimizer: z.object({
    kind: z.enum(['sgd', 'adam']),
    hyper: z.record(z.string(), z.number()),
    steps: z.number().int().nonnegative(),
    slots: z.array(z.object({ param: z.string(), slot: z.enum(['velocity', 'm', 'v']), data: EncodedArraySchema }))
  }),
  curves: z.array(
    z.object({
      epoch: z.number(),
      trainLoss: z.number(),
      trainAcc: z.number(),
      validLoss: z.number().optional(),
      validAcc: z.number().optional(),
      seconds: z.number()
    })
  ),
  partial: z.object({ lossSum: z.number(), correct: z.number(), seen: z.number(), seconds: z.number() })
})
export type TrainStateJSON = z.infer<typeof TrainStateJSONSchema>

export function trainStateToJSON(state: TrainState): TrainStateJSON {
  return {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    config: state.config,
    epoch: state.epoch,
    batch: state.batch,
    order: encodeArray(state.order),
    rng: state.rng,
    weights: state.weights.map((t) => ({ name: t.name, shape: [...t.shape], data: encodeArray(t.data) })),
    optimizer: {
      ...state.optimizer,
      slots: state.optimizer.slots.map((s) => ({ param: s.param, slot: s.slot, data: encodeArray(s.data) }))
    },
    curves: state.curves,
    partial: state.partial
  }
}

export function trainStateFromJSON(json: TrainStateJSON, path = '<checkpoint>'): TrainState {
  if (json.format !== CHECKPOINT_FORMAT || json.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new ModelFileError(path, 'format', `not a Glyphdesk training checkpoint v${CHECKPOINT_FORMAT_VERSION}`)
  }
  const order = decodeArray(path, json.order)
  if (!(order instanceof Uint32Array)) throw new ModelFileError(path, 'format', 'sample order must be uint32')
  const asFloat = (e: EncodedArray): FloatArray => {
    const a = decodeArray(path, e)
    if (a instanceof Uint32Array) throw new ModelFileError(path, 'format', 'expected a float array')
    return a
  }
  const weights: NamedTensor[] = json.weights.map((t) => ({ name: t.name, shape: t.shape, data: asFloat(t.data) }))
  checkFinite(path, weights)
  return {
    version: 1,
    config: json.config,
    epoch: json.epoch,
    batch: json.batch,
    order,
    rng: json.rng,
    weights,
    optimizer: {
      ...json.optimizer,
      slots: json.optimizer.slots.map((s) => ({ param: s.param, slot: s.slot, data: asFloat(s.data) }))
    },
    curves: json.curves,
    partial: json.partial
  }
}

export async function saveCheckpoint(path: string, state: TrainState): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(trainStateToJSON(state)))
}

export async function loadCheckpoint(path: string): Promise<TrainState> {
  let raw: unknown
  try {
    raw = JSON.parse((await readOrExplain(path)).toString('utf8'))
  } catch (err) {
    if (err instanceof ModelFileError) throw err
    throw new ModelFileError(path, 'format', `not valid JSON (${errorMessage(err)})`)
  }
  const parsed = TrainStateJSONSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ModelFileError(
      path,
      'format',
      `not a Glyphdesk training checkpoint v${CHECKPOINT_FORMAT_VERSION} (${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'})`
    )
  }
  return trainStateFromJSON(parsed.data, path)
}
