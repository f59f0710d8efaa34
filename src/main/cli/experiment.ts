// `glyphdesk experiment NAME`: runs one of the lab's experiments (or all) on a glyph set and
// writes OUT/NAME/{README.md, report.json, *.svg, *.png}.
import { existsSync } from 'node:fs'
import { DATA_FREE, EXPERIMENT_NAMES, EXPERIMENTS, loadExperimentContext, writeExperiment, type Budgets } from '../lab/index.ts'
import { numberOption, parseCommand, UsageError } from './args.ts'

export const EXPERIMENT_USAGE = `usage: glyphdesk experiment NAME --data DIR [--seed 1] [--out docs/experiments] [--eval-data FILE.mat]
  NAME: ${EXPERIMENT_NAMES.join(' | ')} | all (or several, comma-separated)
  --data DIR         a glyph set in the NIST36 layout (not needed for gradcheck)
  --eval-data FILE   also report on these glyphs (e.g. real NIST letters)
  --epochs N         epochs of the MLP runs (default 30)      --ae-epochs N   of the autoencoder (default 80)
  --lr LR            learning rate of weights/confusion when lr-sweep is not run first`

export async function experimentCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    data: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, 'eval-data': { type: 'string' },
    epochs: { type: 'string' }, 'ae-epochs': { type: 'string' }, lr: { type: 'string' }
  }, EXPERIMENT_USAGE)
  const [name, ...extra] = positionals
  if (!name) throw new UsageError(`which experiment?\n${EXPERIMENT_USAGE}`)
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}\n${EXPERIMENT_USAGE}`)
  // A comma-separated list runs several in one context (e.g. lr-sweep,weights: weights uses the swept rate).
  const asked = name === 'all' ? EXPERIMENT_NAMES : name.split(',')
  for (const n of asked) if (!(EXPERIMENT_NAMES as string[]).includes(n)) throw new UsageError(`unknown experiment "${n}"\n${EXPERIMENT_USAGE}`)
  const names = EXPERIMENT_NAMES.filter((n) => asked.includes(n))
  const dataDir = values.data
  if (dataDir === undefined && names.some((n) => !DATA_FREE.has(n))) throw new UsageError(`--data DIR is required for ${name}\n${EXPERIMENT_USAGE}`)
  if (dataDir !== undefined && !existsSync(dataDir)) throw new UsageError(`--data ${dataDir} does not exist`)
  const evalFile = values['eval-data']
  if (evalFile !== undefined && !existsSync(evalFile)) throw new UsageError(`--eval-data ${evalFile} does not exist`)
  const seed = numberOption(values, 'seed', 1, { integer: true, min: 0 })
  const budgets: Partial<Budgets> = {}
  if (values.epochs !== undefined) budgets.mlpEpochs = numberOption(values, 'epochs', 30, { integer: true, min: 1, max: 10000 })
  if (values['ae-epochs'] !== undefined) {
    budgets.aeEpochs = numberOption(values, 'ae-epochs', 80, { integer: true, min: 1, max: 10000 })
    budgets.aeDecayAfter = Math.round(budgets.aeEpochs * 0.8)
  }
  if (values.lr !== undefined) budgets.mlpLr = numberOption(values, 'lr', 0.3, { min: 1e-12 })
  const out = values.out ?? 'docs/experiments'
  const command = ['glyphdesk experiment', ...argv].join(' ')
  const ctx = await loadExperimentContext({ dataDir, evalFile, seed, budgets, command, log: (m) => process.stderr.write(m + '\n') })
  for (const n of names) {
    process.stderr.write(`— ${n}\n`)
    const output = await EXPERIMENTS[n](ctx)
    const dir = await writeExperiment(out, output)
    process.stdout.write(`${n}: ${dir}\n${output.report.summary.map((s) => `  ${s}`).join('\n')}\n`)
  }
  return 0
}
