// `glyphdesk experiment NAME`: runs one of the lab's experiments (or all) on a glyph set and
// writes OUT/NAME/{README.md, report.json, *.svg, *.png}.
import { existsSync } from 'node:fs'
import {
  DATA_FREE,
  EXPERIMENT_NAMES,
  EXPERIMENTS,
  FULL_BUDGETS,
  isExperimentName,
  loadExperimentContext,
  writeExperiment,
  type Budgets
} from '../lab/index.ts'
import type { LrSchedule } from '../nn/autoencoder.ts'
import { numberOption, parseCommand, UsageError } from './args.ts'

export const EXPERIMENT_USAGE = `usage: glyphdesk experiment NAME --data DIR [--seed 1] [--out docs/experiments] [--eval-data FILE.mat]
  NAME: ${EXPERIMENT_NAMES.join(' | ')} | all (or several, comma-separated)
  --data DIR         a glyph set in the NIST36 layout (not needed for gradcheck)
  --eval-data FILE   also report on these glyphs (e.g. real NIST letters)
  --digits-data DIR|FILE  cnn-vs-mlp also scores real digits: a .mat, or a set folder's test split
                     (e.g. glyphdesk data import mnist --out DIR)
  --epochs N         epochs of the MLP runs (default 30)      --ae-epochs N   of the autoencoder (default ${FULL_BUDGETS.aeEpochs})
  --lr LR            learning rate of weights/confusion when lr-sweep is not run first
  --ae-lr LR         the autoencoder's base learning rate (default ${FULL_BUDGETS.aeLr})
  --ae-schedule S    its schedule: constant | cosine[:MIN_FACTOR] | step:E1[,E2…][/FACTOR] (÷10 after each
                     epoch Ei by default); without it the default step schedule is scaled to --ae-epochs`

export async function experimentCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    {
      data: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      'eval-data': { type: 'string' },
      'digits-data': { type: 'string' },
      epochs: { type: 'string' },
      'ae-epochs': { type: 'string' },
      lr: { type: 'string' },
      'ae-lr': { type: 'string' },
      'ae-schedule': { type: 'string' }
    },
    EXPERIMENT_USAGE
  )
  const [name, ...extra] = positionals
  if (!name) throw new UsageError(`which experiment?\n${EXPERIMENT_USAGE}`)
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}\n${EXPERIMENT_USAGE}`)
  // A comma-separated list runs several in one context (e.g. lr-sweep,weights: weights uses the swept rate).
  const asked = name === 'all' ? EXPERIMENT_NAMES : name.split(',')
  for (const n of asked)
    if (!isExperimentName(n)) throw new UsageError(`unknown experiment "${n}"\n${EXPERIMENT_USAGE}`)
  const names = EXPERIMENT_NAMES.filter((n) => asked.includes(n))
  const dataDir = values.data
  if (dataDir === undefined && names.some((n) => !DATA_FREE.has(n)))
    throw new UsageError(`--data DIR is required for ${name}\n${EXPERIMENT_USAGE}`)
  if (dataDir !== undefined && !existsSync(dataDir)) throw new UsageError(`--data ${dataDir} does not exist`)
  const evalFile = values['eval-data']
  if (evalFile !== undefined && !existsSync(evalFile)) throw new UsageError(`--eval-data ${evalFile} does not exist`)
  const digitsFile = values['digits-data']
  if (digitsFile !== undefined && !existsSync(digitsFile))
    throw new UsageError(`--digits-data ${digitsFile} does not exist`)
  const seed = numberOption(values, 'seed', 1, { integer: true, min: 0 })
  const budgets: Partial<Budgets> = {}
  if (values.epochs !== undefined)
    budgets.mlpEpochs = numberOption(values, 'epochs', 30, { integer: true, min: 1, max: 10000 })
  if (values['ae-epochs'] !== undefined) {
    budgets.aeEpochs = numberOption(values, 'ae-epochs', FULL_BUDGETS.aeEpochs, { integer: true, min: 1, max: 10000 })
    budgets.aeSchedule = scaleSchedule(FULL_BUDGETS.aeSchedule, budgets.aeEpochs / FULL_BUDGETS.aeEpochs)
  }
  if (values['ae-schedule'] !== undefined) budgets.aeSchedule = parseLrSchedule(values['ae-schedule'])
  if (values['ae-lr'] !== undefined) budgets.aeLr = numberOption(values, 'ae-lr', FULL_BUDGETS.aeLr, { min: 1e-12 })
  if (values.lr !== undefined) budgets.mlpLr = numberOption(values, 'lr', 0.3, { min: 1e-12 })
  const out = values.out ?? 'docs/experiments'
  const command = ['glyphdesk experiment', ...argv].join(' ')
  const ctx = await loadExperimentContext({
    dataDir,
    evalFile,
    digitsFile,
    seed,
    budgets,
    command,
    log: (m) => process.stderr.write(m + '\n')
  })
  for (const n of names) {
    process.stderr.write(`— ${n}\n`)
    const output = await EXPERIMENTS[n](ctx)
    const dir = await writeExperiment(out, output)
    process.stdout.write(`${n}: ${dir}\n${output.report.summary.map((s) => `  ${s}`).join('\n')}\n`)
  }
  return 0
}

/** "constant", "cosine", "cosine:0.01", "step:60,75" (÷10 after each) or "step:60,75/0.2". */
export function parseLrSchedule(spec: string): LrSchedule {
  const [kind, arg = ''] = spec.trim().split(':', 2)
  if (kind === 'constant' && arg === '') return { kind: 'constant' }
  if (kind === 'cosine') {
    const minFactor = arg === '' ? 0 : Number(arg)
    if (!(minFactor >= 0 && minFactor <= 1))
      throw new UsageError(`--ae-schedule cosine:MIN needs MIN in [0, 1], got "${arg}"`)
    return { kind: 'cosine', minFactor }
  }
  if (kind === 'step') {
    const [epochs, factorText] = arg.split('/', 2)
    const factor = factorText === undefined ? 0.1 : Number(factorText)
    const afters = epochs.split(',').map((e) => Number(e.trim()))
    if (!(factor > 0) || afters.length === 0 || afters.some((a) => !Number.isInteger(a) || a < 1)) {
      throw new UsageError(
        `--ae-schedule step:E1[,E2…][/FACTOR] needs whole epochs ≥ 1 and a factor > 0, got "${spec}"`
      )
    }
    return { kind: 'step', drops: afters.map((after) => ({ after, factor })) }
  }
  throw new UsageError(`--ae-schedule must be constant, cosine[:MIN] or step:E1[,E2…][/FACTOR], got "${spec}"`)
}

/** The same schedule over a run `ratio` times as long (step epochs rounded). */
function scaleSchedule(s: LrSchedule, ratio: number): LrSchedule {
  return s.kind === 'step'
    ? { kind: 'step', drops: s.drops.map((d) => ({ ...d, after: Math.round(d.after * ratio) })) }
    : s
}
