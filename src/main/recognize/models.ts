// Where models come from: a path to a model directory, or the name of a model shipped in
// resources/models/. The default is the best shipped model.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Classifier } from './classifier.ts'
import { MlpClassifier } from './mlpClassifier.ts'
import { ONNX_FORMAT } from './modelCard.ts'

export const RESOURCES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'resources')
export const SHIPPED_MODELS_DIR = join(RESOURCES_DIR, 'models')
/** Best first: the first one present is the default. */
export const DEFAULT_MODEL_ORDER = ['cnn-best', 'cnn-compact', 'mlp-best', 'mlp-baseline']

export class ModelNotFoundError extends Error {
  override name = 'ModelNotFoundError'
}

export interface ModelEntry {
  name: string
  dir: string
  kind: string
  shipped: boolean
}

export function listShippedModels(): ModelEntry[] {
  if (!existsSync(SHIPPED_MODELS_DIR)) return []
  return readdirSync(SHIPPED_MODELS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(SHIPPED_MODELS_DIR, d.name, 'model.json')))
    .map((d) => {
      const dir = join(SHIPPED_MODELS_DIR, d.name)
      const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { kind?: string; format?: string }
      return { name: d.name, dir, kind: manifest.kind ?? (manifest.format === ONNX_FORMAT ? 'onnx' : 'unknown'), shipped: true }
    })
}

/** True when `dir` is resources/models or inside it: shipped models are never written to. */
export function isInsideShippedModels(dir: string): boolean {
  const rel = relative(SHIPPED_MODELS_DIR, resolve(dir))
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/** A directory path, or a shipped model's name; undefined means the default model. */
export function resolveModelDir(model?: string): string {
  if (model === undefined) {
    for (const name of DEFAULT_MODEL_ORDER) {
      const dir = join(SHIPPED_MODELS_DIR, name)
      if (existsSync(join(dir, 'model.json'))) return dir
    }
    throw new ModelNotFoundError(`no shipped model found in ${SHIPPED_MODELS_DIR}; pass --model DIR`)
  }
  if (existsSync(join(model, 'model.json'))) return resolve(model)
  const shipped = join(SHIPPED_MODELS_DIR, model)
  if (existsSync(join(shipped, 'model.json'))) return shipped
  const names = listShippedModels().map((m) => m.name)
  throw new ModelNotFoundError(`model "${model}" is neither a directory with a model.json nor a shipped model (shipped: ${names.join(', ') || 'none'})`)
}

export async function loadClassifier(model?: string): Promise<Classifier & { card: Record<string, unknown> }> {
  const dir = resolveModelDir(model)
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { kind?: string; format?: string }
  const name = model ?? dir.split(/[\\/]/).pop()
  if (manifest.kind === 'mlp') return MlpClassifier.load(dir, name)
  // onnxruntime loads only for the models that need it (an MLP command starts without it).
  const [{ CNN_HEAD_FORMAT, loadCnnHead }, { OnnxClassifier }] = await Promise.all([import('./cnnHead.ts'), import('./onnxClassifier.ts')])
  // A head fine-tuned on a CNN's embeddings (recognize/cnnHead.ts): the base ONNX model + head weights.
  if (manifest.format === CNN_HEAD_FORMAT) return loadCnnHead(dir, name ?? dir, (base) => resolveModelDir(base))
  // Glyphdesk's CNNs and bring-your-own ONNX classifiers share one card format and one loader.
  if (manifest.format === ONNX_FORMAT) return OnnxClassifier.load(dir, name)
  throw new ModelNotFoundError(`${dir}: model kind "${String(manifest.kind)}" is not supported by this build`)
}
