// `glyphdesk models list`: the shipped models with the headline numbers of their cards, and the person's own
// models (made in the app or with `glyphdesk finetune`, in the user data folder) with what they were measured on.
import { relative } from 'node:path'
import { readModelManifestOrNull } from '../core/modelManifest.ts'
import type { ModelCard } from '../../shared/modelManifest.ts'
import { headlineAccuracy, listedAccuracy } from '../../shared/cardMetrics.ts'
import { listShippedModels, listUserModels } from '../recognize/models.ts'
import { userModelsDir } from '../core/userDataDir.ts'
import { UsageError } from './args.ts'

export const MODELS_USAGE = `usage: glyphdesk models list [--json]
  Your own models are read from ${'$'}GLYPHDESK_DATA_DIR/models (default: the app's user data folder); use them by name (--model NAME).`

/** A model's card, or none when its model.json cannot be read (a broken user model is still listed). */
function cardOf(dir: string): ModelCard {
  return readModelManifestOrNull(dir)?.card ?? {}
}

export async function modelsCommand(argv: string[]): Promise<number> {
  if (argv[0] !== 'list') throw new UsageError(MODELS_USAGE)
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%')
  const shipped = listShippedModels().map((m) => {
    const h = headlineAccuracy(cardOf(m.dir))
    return { ...m, testAccuracy: h.test ?? null, realLettersAccuracy: h.realHeldOut ?? null, calibrated: h.calibrated }
  })
  const own = listUserModels().map((m) => {
    const card = cardOf(m.dir)
    const acc = listedAccuracy(card)
    return {
      ...m,
      base: typeof card['base'] === 'string' ? card['base'] : null,
      accuracy: acc?.accuracy ?? null,
      accuracyOf: acc?.of ?? null
    }
  })
  if (argv.includes('--json')) {
    process.stdout.write(JSON.stringify([...shipped, ...own]) + '\n')
    return 0
  }
  for (const m of shipped)
    process.stdout.write(
      `${m.name.padEnd(16)} ${m.kind.padEnd(8)} synthetic test ${pct(m.testAccuracy)}  real letters ${pct(m.realLettersAccuracy)}${m.calibrated ? ' (calibrated)' : ''}  ${relative(process.cwd(), m.dir) || m.dir}\n`
    )
  if (own.length) process.stdout.write(`yours (${userModelsDir()}):\n`)
  for (const m of own)
    process.stdout.write(
      `${m.name.padEnd(16)} ${m.kind.padEnd(8)} ${m.base ? `from ${m.base}  ` : ''}${m.accuracy === null ? 'nothing measured' : `${pct(m.accuracy)} on ${m.accuracyOf}`}\n`
    )
  return 0
}
