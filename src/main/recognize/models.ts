// Where models come from: a path to a model directory, or the name of a model shipped in
// resources/models/. The default is the best shipped model.
import { NotFoundError } from '../core/errors.ts'
import { userModelsDir } from '../core/userDataDir.ts'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import type { Classifier } from './classifier.ts'
import { MlpClassifier } from './mlpClassifier.ts'
import { readModelManifest, readModelManifestForListing, readModelManifestOrNull } from '../core/modelManifest.ts'
import { CNN_HEAD_FORMAT, MLP_FORMAT, ONNX_FORMAT, type ModelCard } from '../../shared/modelManifest.ts'

export const RESOURCES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'resources')
export const SHIPPED_MODELS_DIR = join(RESOURCES_DIR, 'models')
/** Best first: the first one present is the default. */
export const DEFAULT_MODEL_ORDER = ['cnn-best', 'cnn-compact', 'mlp-best', 'mlp-baseline']

export class ModelNotFoundError extends NotFoundError {
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
      return { name: d.name, dir, kind: readModelManifestForListing(dir).kind, shipped: true }
    })
}

/** The person's own models (user data folder), except any that would shadow a shipped name. */
export function listUserModels(): ModelEntry[] {
  const dir = userModelsDir()
  if (!existsSync(dir)) return []
  const shipped = new Set(listShippedModels().map((m) => m.name))
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !shipped.has(d.name) && existsSync(join(dir, d.name, 'model.json')))
    .map((d) => {
      // A user model whose card cannot be read is still listed (kind unknown) so the person can see and remove it.
      const kind = readModelManifestOrNull(join(dir, d.name))?.kind ?? 'unknown'
      return { name: d.name, dir: join(dir, d.name), kind, shipped: false }
    })
    .sort((a, b) => a.name.localeCompare(b.name))
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
  // A model the person made in the app (or with finetune --out there): by its name in the user model folder.
  const own = join(userModelsDir(), model)
  if (!/[\\/]/.test(model) && existsSync(join(own, 'model.json'))) return own
  const names = listShippedModels().map((m) => m.name)
  const yours = listUserModels().map((m) => m.name)
  throw new ModelNotFoundError(
    `model "${model}" is neither a directory with a model.json nor a shipped model (shipped: ${names.join(', ') || 'none'}; yours in ${userModelsDir()}: ${yours.join(', ') || 'none'})`
  )
}

export async function loadClassifier(model?: string): Promise<Classifier & { card: ModelCard }> {
  const dir = resolveModelDir(model)
  const manifest = readModelManifest(dir)
  const name = model ?? dir.split(/[\\/]/).pop() ?? dir
  if (manifest.format === MLP_FORMAT) return MlpClassifier.load(dir, name)
  // onnxruntime loads only for the models that need it (an MLP command starts without it).
  const [{ loadCnnHead }, { OnnxClassifier }] = await Promise.all([
    import('./cnnHead.ts'),
    import('./onnxClassifier.ts')
  ])
  switch (manifest.format) {
    // A head fine-tuned on a CNN's embeddings (recognize/cnnHead.ts): the base ONNX model + head weights.
    case CNN_HEAD_FORMAT:
      return loadCnnHead(dir, name, (base) => resolveModelDir(base))
    // Glyphdesk's CNNs and bring-your-own ONNX classifiers share one card format and one loader.
    case ONNX_FORMAT: {
      const c = await OnnxClassifier.load(dir, name)
      // An ensemble's piece reader is looked for on first use, not here: checking its member reads and validates
      // another card (~12 ms), which commands that never cut a box (eval, a page of separate letters) need not pay.
      const card = manifest.card
      if (Array.isArray(card?.['members'])) {
        let reader: Promise<Classifier | null> | undefined
        c.pieceReader = () => (reader ??= memberReader(shippedMember(card)))
      }
      return c
    }
  }
}

const memberReaders: Record<string, Promise<Classifier>> = {}
/** The shipped model `member` names, loaded once per process; null for none. */
function memberReader(member: string | null): Promise<Classifier | null> {
  return member ? (memberReaders[member] ??= loadClassifier(member)) : Promise.resolve(null)
}

/**
 * The name of a shipped model that is a member of the ensemble `card` describes (its `card.members`: name, command
 * and warm-start checkpoint), trained by the same command from the same checkpoint, or null. The first such member
 * is the compact one in cnn-best, the one ensemble Glyphdesk ships.
 */
export function shippedMember(card: ModelCard | undefined): string | null {
  const members = MembersSchema.safeParse(card?.['members'])
  if (!members.success) return null
  for (const m of members.data) {
    if (/[\\/]/.test(m.name)) continue
    const own = MemberSchema.safeParse(readModelManifestOrNull(join(SHIPPED_MODELS_DIR, m.name))?.card)
    if (own.success && own.data.command === m.command && JSON.stringify(own.data.init) === JSON.stringify(m.init))
      return m.name
  }
  return null
}

/** What `shippedMember` compares of a member and of a shipped model's card. */
const MemberSchema = z.looseObject({ name: z.string().optional(), command: z.string(), init: z.unknown() })
const MembersSchema = z.array(MemberSchema.extend({ name: z.string() }))
