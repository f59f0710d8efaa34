// The one place a model.json is read: file → JSON → migration → zod schema (src/shared/modelManifest.ts)
// → a typed ModelManifest. Loaders (MLP, ONNX, CNN head), the model catalogue, the CLI and calibration
// all come through here, so a bad card fails the same way everywhere, naming the file and the field.
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import {
  parseModelManifest,
  type CnnHeadManifest,
  type MlpManifest,
  type ModelManifest,
  type OnnxManifest
} from '../../shared/modelManifest.ts'
import { InvalidInputError } from './errors.ts'

export const MANIFEST_FILE = 'model.json'
/** A model card is a few hundred kB at most (curves, confusion matrices); refuse anything far larger unread. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024

/** model.json is missing, unreadable, not JSON, or has a wrong field (the message names it). */
export class ModelCardError extends InvalidInputError {
  override name = 'ModelCardError'
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly missing = false
  ) {
    super(`${file}: ${detail}`)
  }
}

/** Reads and validates dir/model.json; never returns a half-valid manifest. */
export function readModelManifest(dir: string): ModelManifest {
  const file = join(dir, MANIFEST_FILE)
  let text: string
  try {
    const size = statSync(file).size
    if (size > MAX_MANIFEST_BYTES)
      throw new ModelCardError(file, `is ${size} bytes; a model card is at most ${MAX_MANIFEST_BYTES}`)
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if (err instanceof ModelCardError) throw err
    const code = err instanceof Error && 'code' in err ? String(err.code) : String(err)
    if (code === 'ENOENT')
      throw new ModelCardError(file, 'file not found; a model directory needs a model.json card', true)
    throw new ModelCardError(file, `cannot be read (${code})`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ModelCardError(file, `is not valid JSON (${err instanceof Error ? err.message : String(err)})`)
  }
  const parsed = parseModelManifest(raw)
  if (!parsed.ok) throw new ModelCardError(file, parsed.error)
  return parsed.manifest
}

/** Narrows a manifest to one format by its discriminant (a generic F defeats TypeScript's own narrowing). */
function hasFormat<F extends ModelManifest['format']>(
  m: ModelManifest,
  format: F
): m is Extract<ModelManifest, { format: F }> {
  return m.format === format
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const x of Object.values(v)) deepFreeze(x)
  }
  return v
}

/** Parsed cards for listings, by file: kept while the file's inode, size and times stay the same. */
const listingCache = new Map<string, { key: string; result: ModelManifest | ModelCardError }>()

/**
 * readModelManifest for listings (the model list, the default model, app.info): a card is read and parsed
 * again only when its file changed. Listing used to parse every card (~350 kB of JSON through the schema for
 * the four shipped models) on each app.info and twice per page read, on the thread that answers requests;
 * under load that held every other request for hundreds of milliseconds. A model is replaced by renaming a
 * new folder into place (core/atomicDirs.ts), which changes the inode, so a stale card is never served. The
 * manifest is frozen: listings share it and must not change it. Loading a model never uses this.
 */
export function readModelManifestForListing(dir: string): ModelManifest {
  const file = join(dir, MANIFEST_FILE)
  let key: string
  try {
    const st = statSync(file)
    key = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`
  } catch {
    listingCache.delete(file)
    return readModelManifest(dir) // raises the same error a load would
  }
  let hit = listingCache.get(file)
  if (hit?.key !== key) {
    let result: ModelManifest | ModelCardError
    try {
      result = deepFreeze(readModelManifest(dir))
    } catch (err) {
      if (!(err instanceof ModelCardError)) throw err
      result = err
    }
    hit = { key, result }
    listingCache.set(file, hit)
  }
  if (hit.result instanceof ModelCardError) throw hit.result
  return hit.result
}

/**
 * readModelManifestForListing, or null when the card cannot be read or is invalid, so a broken user model is
 * still listed (as unusable) and the person can see and remove it. Loading a model never uses this.
 */
export function readModelManifestOrNull(dir: string): ModelManifest | null {
  try {
    return readModelManifestForListing(dir)
  } catch (err) {
    if (err instanceof ModelCardError) return null
    throw err
  }
}

/** readModelManifest for a directory that must hold one particular format. */
export function readManifestOf<F extends ModelManifest['format']>(
  dir: string,
  format: F,
  what: string
): Extract<ModelManifest, { format: F }> {
  const m = readModelManifest(dir)
  if (!hasFormat(m, format)) throw new ModelCardError(join(dir, MANIFEST_FILE), `is a ${m.format} model, not ${what}`)
  return m
}

export type { CnnHeadManifest, MlpManifest, ModelManifest, OnnxManifest }
