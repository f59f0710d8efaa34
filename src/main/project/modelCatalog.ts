// The models a person can pick: the shipped ones (resources/models, read-only) and their own
// (<user data>/models, made by retraining). Names are unique across both: a user model never
// takes a shipped model's name, so it can never shadow or overwrite one.
import { defaultCharLm, lexicon } from '../read/readLines.ts'
import { existsSync, readdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { z } from 'zod'
import type { ModelInfoSchema } from '../../shared/contract.ts'
import type { Classifier } from '../recognize/classifier.ts'
import { listedAccuracy } from '../../shared/cardMetrics.ts'
import { readModelManifestOrNull } from '../core/modelManifest.ts'
import { MLP_FORMAT, type ModelCard } from '../../shared/modelManifest.ts'
import { DEFAULT_MODEL_ORDER, listShippedModels, loadClassifier, ModelNotFoundError } from '../recognize/models.ts'
import type { SettingsStore } from './userData.ts'

/** Removing or changing a shipped model (they are read-only). */
export class ShippedModelError extends Error {
  override name = 'ShippedModelError'
}

export type ModelInfo = z.infer<typeof ModelInfoSchema>

interface Entry {
  name: string
  dir: string
  kind: string
  shipped: boolean
}

/** The card shown for a model: its manifest's card block, with the kind (and an MLP's layer sizes) from the manifest. */
function readCard(dir: string): ModelCard {
  // A broken user model still appears in the list (unusable), so the person can see and delete it.
  const manifest = readModelManifestOrNull(dir)
  if (!manifest) return {}
  return {
    ...manifest.card,
    kind: manifest.kind,
    ...(manifest.format === MLP_FORMAT ? { sizes: manifest.sizes, activation: manifest.activation } : {})
  }
}

/** Kinds that finetune() can start from, and kinds that loadClassifier() reads. */
export const TRAINABLE_KINDS = new Set(['mlp', 'cnn'])
const USABLE_KINDS = new Set(['mlp', 'cnn', 'onnx', 'cnn-head'])

export class ModelCatalog {
  readonly userModelsDir: string
  private cache = new Map<string, Promise<Classifier>>()

  constructor(
    userDataDir: string,
    private readonly settings: SettingsStore
  ) {
    this.userModelsDir = join(userDataDir, 'models')
  }

  entries(): Entry[] {
    const shipped = listShippedModels().map((m) => ({ name: m.name, dir: m.dir, kind: m.kind, shipped: true }))
    const taken = new Set(shipped.map((m) => m.name))
    const user: Entry[] = []
    if (existsSync(this.userModelsDir)) {
      for (const d of readdirSync(this.userModelsDir, { withFileTypes: true })) {
        const dir = join(this.userModelsDir, d.name)
        if (!d.isDirectory() || taken.has(d.name) || !existsSync(join(dir, 'model.json'))) continue
        user.push({ name: d.name, dir, kind: String(readCard(dir)['kind'] ?? 'unknown'), shipped: false })
      }
    }
    return [...shipped, ...user.sort((a, b) => a.name.localeCompare(b.name))]
  }

  find(name: string): Entry {
    const e = this.entries().find((m) => m.name === name)
    if (!e)
      throw new ModelNotFoundError(
        `there is no model named "${name}" (have: ${this.entries()
          .map((m) => m.name)
          .join(', ')})`
      )
    return e
  }

  defaultName(): string | null {
    const all = this.entries()
    const chosen = this.settings.get().defaultModel
    if (chosen && all.some((m) => m.name === chosen)) return chosen
    for (const n of DEFAULT_MODEL_ORDER) if (all.some((m) => m.name === n)) return n
    return all[0]?.name ?? null
  }

  list(): ModelInfo[] {
    const def = this.defaultName()
    return this.entries().map((m) => {
      const card = readCard(m.dir)
      const acc = listedAccuracy(card)
      const created = card.created
      const description = card.description
      return {
        name: m.name,
        kind: m.kind,
        shipped: m.shipped,
        isDefault: m.name === def,
        // Retraining continues an MLP or trains a new head on a CNN's embeddings (recognize/finetune.ts).
        trainable: TRAINABLE_KINDS.has(m.kind),
        usable: USABLE_KINDS.has(m.kind),
        ...(created ? { created } : {}),
        ...(acc ? { accuracy: acc.accuracy, accuracyOf: acc.of } : {}),
        ...(description ? { description } : {})
      }
    })
  }

  card(name: string): ModelCard {
    return readCard(this.find(name).dir)
  }

  /** A loaded classifier (cached; models on disk never change under a name). */
  classifier(name?: string): Promise<Classifier> {
    const n = name ?? this.defaultName()
    if (!n) throw new ModelNotFoundError('no model is installed: resources/models is empty and no user model exists')
    const e = this.find(n)
    let c = this.cache.get(e.dir)
    if (!c) {
      c = loadClassifier(e.dir).then((cl): Classifier => Object.assign(cl, { name: e.name }))
      c.catch(() => this.cache.delete(e.dir))
      this.cache.set(e.dir, c)
    }
    return c
  }

  /**
   * Loads the default classifier in the background (app and browser-mode start). Creating an onnxruntime
   * session runs on the calling thread for a few hundred milliseconds; done at start, the first page a person
   * opens does not hold every other request for that long. A model that fails to load fails again, with its
   * message, when a page asks for it.
   */
  preloadDefault(): void {
    try {
      this.classifier().catch(() => undefined)
    } catch {
      // No model installed: the first page read says so.
    }
    // The reading stage's language model and word list (~0.4 s of parsing) load now, not during the first page,
    // when requests are waiting on this thread.
    setImmediate(() => {
      try {
        defaultCharLm()
        lexicon()
      } catch {
        // A missing or broken model file: the first page read reports it.
      }
    })
  }

  /** A directory for a new user model: `base`, or `base-2`, `base-3` … never a shipped name. */
  newModelDir(base: string): { name: string; dir: string } {
    const taken = new Set(this.entries().map((m) => m.name))
    let name = base,
      k = 2
    while (taken.has(name) || existsSync(join(this.userModelsDir, name))) name = `${base}-${k++}`
    return { name, dir: join(this.userModelsDir, name) }
  }

  /** Deletes a user model (a discarded retrain); shipped models are never touched. */
  async remove(name: string): Promise<void> {
    const e = this.find(name)
    if (e.shipped) throw new ShippedModelError(`${name} is a shipped model; only models you made can be removed`)
    this.cache.delete(e.dir)
    await rm(e.dir, { recursive: true, force: true })
    if (this.settings.get().defaultModel === name) await this.settings.update({ defaultModel: null })
  }

  async setDefault(name: string): Promise<void> {
    this.find(name)
    await this.settings.update({ defaultModel: name })
  }
}
