// `glyphdesk models list`: the shipped models with the headline numbers of their cards.
import { readModelManifest } from '../core/modelManifest.ts'
import { headlineAccuracy } from '../../shared/cardMetrics.ts'
import { listShippedModels } from '../recognize/models.ts'
import { UsageError } from './args.ts'

export const MODELS_USAGE = 'usage: glyphdesk models list [--json]'

export async function modelsCommand(argv: string[]): Promise<number> {
  if (argv[0] !== 'list') throw new UsageError(MODELS_USAGE)
  const models = listShippedModels().map((m) => {
    const h = headlineAccuracy(readModelManifest(m.dir).card)
    return { ...m, testAccuracy: h.test ?? null, realLettersAccuracy: h.realHeldOut ?? null, calibrated: h.calibrated }
  })
  if (argv.includes('--json')) process.stdout.write(JSON.stringify(models) + '\n')
  else for (const m of models) process.stdout.write(`${m.name.padEnd(16)} ${m.kind.padEnd(5)} synthetic test ${m.testAccuracy === null ? '—' : (m.testAccuracy * 100).toFixed(1) + '%'}  real letters ${m.realLettersAccuracy === null ? '—' : (m.realLettersAccuracy * 100).toFixed(1) + '%'}${m.calibrated ? ' (calibrated)' : ''}  ${m.dir}\n`)
  return 0
}
