// `glyphdesk train mlp`: trains the from-scratch MLP on a NIST-layout glyph set and writes the
// model with its card. Ctrl-C stops after the current batch and saves a resumable checkpoint.
import { z } from 'zod'
import type { ExtraTrain } from '../../shared/modelManifest.ts'
import { portableCommand, portableDataPath } from '../data/paths.ts'
import { sha256OfFile } from '../data/extraTrain.ts'
import { existsSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createGlyphAugmenter, DEFAULT_GLYPH_AUGMENT } from '../data/augment.ts'
import {
  concat,
  firstPerClass,
  readGlyphFile,
  readGlyphSet,
  readGlyphSetMadeBy,
  subset,
  type LabelledGlyphs
} from '../data/glyphset.ts'
import { Mlp } from '../nn/mlp.ts'
import { ACTIVATIONS, type ActivationKind } from '../nn/layers.ts'
import { loadCheckpoint, saveCheckpoint, saveMlp } from '../nn/serialise.ts'
import { evaluateMlp, trainMlp, type TrainConfig } from '../nn/train.ts'
import { scorePredictions } from '../recognize/metrics.ts'
import { GLYPH_PIXELS, NUM_CLASSES } from '../../shared/classes.ts'
import { numberOption, parseCommand, requiredString, UsageError } from './args.ts'
import { createProgressBar } from './progress.ts'
import { GLYPHDESK_VERSION, gitCommit } from '../core/version.ts'

/** Moved to data/glyphset.ts; re-exported for older importers. */
export { firstPerClass }

export const TRAIN_USAGE = `usage: glyphdesk train mlp --data DIR --out MODEL_DIR [options]
  --hidden 64            hidden widths, comma-separated (e.g. 256,128)
  --activation sigmoid   sigmoid | relu | tanh
  --epochs 30 --lr 0.5 --batch 32 --momentum 0 --optimizer sgd|adam --weight-decay 0
  --seed 1               initialisation, shuffling and augmentation
  --augment              random affine warps and stroke changes per batch
  --extra-train FILE     add glyphs from another .mat (e.g. real letters) to training…
  --extra-per-class K    …the first K of each class in file order (the rest stay held out)
  --extra-repeat R       …each repeated R times (default 1)
  --extra-train2 FILE    a second extra training file (e.g. real digits: mnist_train.mat of glyphdesk data import mnist)…
  --extra2-per-class K   …the first K of each class (default all)
  --extra2-repeat R      …each repeated R times (default 1)
  --eval-data FILE       also score on this .mat (glyphs used by --extra-train are excluded)
  --resume               continue from MODEL_DIR/checkpoint.json after an interrupted run`

/** What train reads of a manifest.json beside a split file (written by `glyphdesk data import`, or a synth set's). */
const ImportManifest = z.looseObject({
  command: z.string().optional(),
  seed: z.number().optional(),
  source: z.unknown().optional(),
  indices: z.record(z.string(), z.unknown()).optional()
})

/** The import manifest beside an imported split file (glyphdesk data import): command, source, and the split's sample indices. */
function importedFrom(file: string): Record<string, unknown> | null {
  const mf = join(resolve(file, '..'), 'manifest.json')
  if (!existsSync(mf)) return null
  const parsed = ImportManifest.safeParse(JSON.parse(readFileSync(mf, 'utf8')))
  if (!parsed.success)
    throw new UsageError(
      `${mf} is not a glyph set's manifest: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`
    )
  const m = parsed.data
  const split =
    (file.split(/[\\/]/).pop() ?? '')
      .replace(/\.mat$/, '')
      .split('_')
      .pop() ?? ''
  return {
    command: m.command === undefined ? null : portableCommand(m.command),
    seed: m.seed ?? null,
    source: m.source ?? null,
    split,
    indices: m.indices?.[split] ?? null
  }
}

function isActivation(s: string): s is ActivationKind {
  return ACTIVATIONS.some((a) => a === s)
}

function repeat(g: LabelledGlyphs, times: number): LabelledGlyphs {
  return times <= 1 ? g : concat(...Array.from({ length: times }, () => g))
}

export async function trainCommand(argv: string[]): Promise<number> {
  const [what, ...rest] = argv
  if (what !== 'mlp') throw new UsageError(`train: only "mlp" is trainable from the CLI so far\n${TRAIN_USAGE}`)
  const { values } = parseCommand(
    rest,
    {
      data: { type: 'string' },
      out: { type: 'string' },
      hidden: { type: 'string' },
      activation: { type: 'string' },
      epochs: { type: 'string' },
      lr: { type: 'string' },
      batch: { type: 'string' },
      momentum: { type: 'string' },
      optimizer: { type: 'string' },
      'weight-decay': { type: 'string' },
      seed: { type: 'string' },
      augment: { type: 'boolean' },
      'extra-train': { type: 'string' },
      'extra-per-class': { type: 'string' },
      'extra-repeat': { type: 'string' },
      'extra-train2': { type: 'string' },
      'extra2-per-class': { type: 'string' },
      'extra2-repeat': { type: 'string' },
      'eval-data': { type: 'string' },
      resume: { type: 'boolean' }
    },
    TRAIN_USAGE
  )
  const dataDir = requiredString(values, 'data', TRAIN_USAGE)
  const outDir = resolve(requiredString(values, 'out', TRAIN_USAGE))
  const hidden = (values.hidden ?? '64').split(',').map((s) => Number(s.trim()))
  if (hidden.some((h) => !Number.isInteger(h) || h < 1 || h > 8192))
    throw new UsageError(`--hidden must list whole widths in 1..8192, got "${values.hidden}"`)
  const activation = values.activation ?? 'sigmoid'
  if (!isActivation(activation)) throw new UsageError(`--activation must be sigmoid, relu or tanh, got "${activation}"`)
  const optimizer = values.optimizer ?? 'sgd'
  if (optimizer !== 'sgd' && optimizer !== 'adam')
    throw new UsageError(`--optimizer must be sgd or adam, got "${optimizer}"`)
  const seed = numberOption(values, 'seed', 1, { integer: true, min: 0 })
  const cfg: TrainConfig = {
    epochs: numberOption(values, 'epochs', 30, { integer: true, min: 1, max: 100000 }),
    lr: numberOption(values, 'lr', optimizer === 'adam' ? 0.001 : 0.5, { min: 1e-12 }),
    batch: numberOption(values, 'batch', 32, { integer: true, min: 1, max: 65536 }),
    momentum: numberOption(values, 'momentum', 0, { min: 0, max: 0.999 }),
    optimizer,
    weightDecay: numberOption(values, 'weight-decay', 0, { min: 0 }),
    seed
  }
  const extraFile = values['extra-train']
  const extraK = numberOption(values, 'extra-per-class', Infinity, { min: 0 })
  const extraRepeat = numberOption(values, 'extra-repeat', 1, { integer: true, min: 1, max: 1000 })
  const evalFile = values['eval-data']

  const set = await readGlyphSet(dataDir)
  // A synthetic set records how it was made; keep that with the model so the run can be redone from scratch.
  // Read (and validated) before training, so a bad manifest.json costs no training time.
  const made = readGlyphSetMadeBy(dataDir)
  let train = set.train
  let extraInfo: ExtraTrain | undefined
  let heldOut: { file: string; glyphs: LabelledGlyphs; excludedFirstPerClass: number } | undefined
  if (extraFile) {
    const extra = await readGlyphFile(extraFile)
    const { chosen, rest: others } = firstPerClass(extra.y, extra.n, extraK)
    train = concat(train, repeat(subset(extra, chosen), extraRepeat))
    extraInfo = {
      file: portableDataPath(extraFile),
      sha256: sha256OfFile(extraFile),
      perClass: Number.isFinite(extraK) ? extraK : 'all',
      glyphs: chosen.length,
      repeat: extraRepeat
    }
    if (evalFile && resolve(evalFile) === resolve(extraFile))
      heldOut = { file: resolve(evalFile), glyphs: subset(extra, others), excludedFirstPerClass: extraK }
  }
  const extraMore: ExtraTrain[] = []
  const extra2File = values['extra-train2']
  if (extra2File) {
    const k2 = numberOption(values, 'extra2-per-class', Infinity, { min: 0 })
    const r2 = numberOption(values, 'extra2-repeat', 1, { integer: true, min: 1, max: 1000 })
    const extra2 = await readGlyphFile(extra2File)
    const { chosen } = firstPerClass(extra2.y, extra2.n, k2)
    train = concat(train, repeat(subset(extra2, chosen), r2))
    extraMore.push({
      file: portableDataPath(extra2File),
      sha256: sha256OfFile(extra2File),
      perClass: Number.isFinite(k2) ? k2 : 'all',
      glyphs: chosen.length,
      repeat: r2,
      madeBy: importedFrom(extra2File)
    })
  }
  if (evalFile && !heldOut)
    heldOut = { file: resolve(evalFile), glyphs: await readGlyphFile(evalFile), excludedFirstPerClass: 0 }

  const sizes = [GLYPH_PIXELS, ...hidden, NUM_CLASSES]
  const mlp = new Mlp({ sizes, activation, seed }, { maxBatch: Math.max(cfg.batch, 256) })
  const checkpointPath = join(outDir, 'checkpoint.json')
  const resume = values.resume ? await loadCheckpoint(checkpointPath) : undefined
  if (values.resume && resume && (resume.config.epochs !== cfg.epochs || resume.config.lr !== cfg.lr)) {
    process.stderr.write('note: resuming with the epochs and learning rate given now\n')
  }

  const controller = new AbortController()
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130)
    process.stderr.write('\nstopping after the current batch (Ctrl-C again to quit without a checkpoint)…\n')
    controller.abort()
  }
  process.on('SIGINT', onSigint)
  const nBatches = Math.ceil(train.n / cfg.batch)
  const bar = createProgressBar('train', cfg.epochs)
  const augment = values.augment ? createGlyphAugmenter(DEFAULT_GLYPH_AUGMENT) : undefined
  process.stderr.write(
    `training ${sizes.join('-')} ${activation} on ${train.n} glyphs (${nBatches} batches of ${cfg.batch}), valid ${set.valid.n}\n`
  )
  let result
  try {
    result = await trainMlp(mlp, train, set.valid, cfg, {
      signal: controller.signal,
      augment,
      resume,
      onBatch: (epoch, b, nb, loss) => {
        if (b > 0 && b % 64 === 0) bar.update(epoch - 1 + b / nb, `loss ${loss.toFixed(3)}`)
      },
      onEpoch: (s) =>
        bar.update(
          s.epoch,
          `loss ${s.trainLoss.toFixed(3)} train ${(s.trainAcc * 100).toFixed(1)}% valid ${((s.validAcc ?? 0) * 100).toFixed(1)}%`
        )
    })
  } finally {
    process.off('SIGINT', onSigint)
  }
  if (result.stopped) {
    await saveCheckpoint(checkpointPath, result.state)
    process.stderr.write(
      `stopped at epoch ${result.state.epoch}, batch ${result.state.batch}; checkpoint saved to ${checkpointPath}\n` +
        `resume with the same command plus --resume\n`
    )
    return 130
  }
  bar.finish()

  const scores: Record<string, unknown> = {}
  const accuracy: Record<string, number> = {}
  for (const [split, data] of [
    ['train', set.train],
    ['valid', set.valid],
    ['test', set.test]
  ] as const) {
    const e = evaluateMlp(mlp, data)
    scores[split] = { n: data.n, accuracy: e.accuracy, loss: e.loss }
    accuracy[split] = e.accuracy
    if (split === 'test') {
      const r = scorePredictions(data.y.subarray(0, data.n), e.predictions)
      scores['testConfusion'] = r.confusion
      scores['testTopConfusions'] = r.topConfusions
    }
  }
  if (heldOut) {
    const e = evaluateMlp(mlp, heldOut.glyphs)
    const r = scorePredictions(heldOut.glyphs.y.subarray(0, heldOut.glyphs.n), e.predictions)
    scores['evalData'] = {
      file: portableDataPath(heldOut.file),
      n: heldOut.glyphs.n,
      accuracy: e.accuracy,
      excludedFirstPerClass: heldOut.excludedFirstPerClass,
      topConfusions: r.topConfusions
    }
    accuracy['evalData'] = e.accuracy
  }
  const card = {
    name: outDir.split(/[\\/]/).pop(),
    kind: 'mlp',
    created: new Date().toISOString(),
    glyphdeskVersion: GLYPHDESK_VERSION,
    gitCommit: gitCommit(),
    command: portableCommand(`glyphdesk train ${argv.join(' ')}`),
    config: { sizes, activation, seed, train: cfg, augment: augment ? DEFAULT_GLYPH_AUGMENT : null },
    data: {
      dir: portableDataPath(dataDir),
      madeBy: made
        ? {
            command: made.command ? portableCommand(made.command) : made.command,
            seed: made.seed,
            glyphdeskVersion: made.glyphdeskVersion
          }
        : null,
      name: set.name,
      train: set.train.n,
      valid: set.valid.n,
      test: set.test.n,
      extraTrain: extraInfo ?? null
    },
    curves: result.curves,
    metrics: scores
  }
  await saveMlp(outDir, mlp, card)
  if (existsSync(checkpointPath)) await rm(checkpointPath)
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`
  process.stdout.write(
    `saved ${outDir}\n  valid ${pct(accuracy['valid'])}  test ${pct(accuracy['test'])}` +
      (heldOut ? `  eval-data ${pct(accuracy['evalData'])} (n=${heldOut.glyphs.n})` : '') +
      '\n'
  )
  return 0
}
