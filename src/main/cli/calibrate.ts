// `glyphdesk calibrate`: fits look-alike logit offsets (recognize/calibrate.ts) for an ONNX model on a
// labelled split and writes them into a model card — a calibrated copy in a new folder (--out), or the
// given model's own model.json (--in-place, how the shipped CNNs' offsets were set; the card records
// the command, data and before/after scores).
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { CLASSES, LOOKALIKE_PAIRS, NUM_CLASSES, type LookalikePair } from '../../shared/classes.ts'
import { extraTrainEntries, perClassCount } from '../data/extraTrain.ts'
import {
  concat,
  firstPerClass,
  isSplitName,
  readGlyphFile,
  readGlyphSet,
  subset,
  SPLITS,
  type LabelledGlyphs
} from '../data/glyphset.ts'
import { writeDirAtomic, writeFileAtomic } from '../core/atomicFile.ts'
import { argmaxWithOffsets, fitLookalikeOffsets, scoreCalibration, type CalibrationScore } from '../learn/calibrate.ts'
import { isInsideShippedModels, resolveModelDir } from '../recognize/models.ts'
import { readModelManifest } from '../core/modelManifest.ts'
import { ONNX_FORMAT } from '../../shared/modelManifest.ts'
import { OnnxClassifier } from '../recognize/onnxClassifier.ts'
import { parseCommand, requiredString, UsageError } from './args.ts'
import { gitCommit } from '../core/version.ts'

export const CALIBRATE_USAGE = `usage: glyphdesk calibrate --model MODEL --data DIR (--out DIR | --in-place) [--split valid]
    [--also DIR] [--pairs O0,I1,S5,Z2,G6,B8] [--json]
  Fits an offset for the digit of each look-alike pair, added to its logit before the softmax, so
  that on the --split of glyph set DIR the worse member of each pair (e.g. 0 or O) is as accurate as
  it can be; ties go to overall accuracy, then the smaller offset. ONNX models only.
  --out DIR     write a calibrated copy of the model to a new folder (never inside resources/models)
  --in-place    rewrite MODEL's own model.json (atomically); the raw logits are refitted, so re-running is safe
  --also DIR    fit on the same split of a second glyph set too (e.g. real digits from glyphdesk data import mnist);
                its test split is reported, never fitted on
  Paths are recorded relative to the working directory (the repository root), never absolute.`

function parsePairs(text: string): LookalikePair[] {
  return text.split(',').map((p): LookalikePair => {
    const [letter, digit] = [...p.trim().toUpperCase()]
    if (p.trim().length !== 2 || !/[A-Z]/.test(letter) || !/[0-9]/.test(digit))
      throw new UsageError(`--pairs takes letter-digit pairs like O0,I1,S5; "${p}" is not one`)
    return [letter, digit]
  })
}

/** A path as the card records it: relative to the working directory (the repository root). */
function portable(p: string): string {
  return relative(process.cwd(), resolve(p)) || '.'
}

function pct(v: number): string {
  return Number.isNaN(v) ? '  —  ' : `${(v * 100).toFixed(1)}%`
}

function describe(s: CalibrationScore): string[] {
  return [
    `accuracy ${(s.accuracy * 100).toFixed(2)}% of ${s.n}`,
    ...s.pairs.map(
      (p) =>
        `  ${p.letter}/${p.digit}: ${p.letter} ${pct(p.letterRecall)}  ${p.digit} ${pct(p.digitRecall)}  (${p.letter}→${p.digit} ${p.letterToDigit}, ${p.digit}→${p.letter} ${p.digitToLetter})`
    )
  ]
}

export async function calibrateCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(
    argv,
    {
      model: { type: 'string' },
      data: { type: 'string' },
      split: { type: 'string' },
      pairs: { type: 'string' },
      out: { type: 'string' },
      'in-place': { type: 'boolean' },
      json: { type: 'boolean' },
      also: { type: 'string' }
    },
    CALIBRATE_USAGE
  )
  const also = values.also
  if (also !== undefined && (!existsSync(also) || !statSync(also).isDirectory()))
    throw new UsageError(`--also ${also} is not a glyph-set folder`)
  const model = requiredString(values, 'model', CALIBRATE_USAGE)
  const data = requiredString(values, 'data', CALIBRATE_USAGE)
  const split = values.split ?? 'valid'
  if (!isSplitName(split)) throw new UsageError(`--split must be one of ${SPLITS.join(', ')}, got "${split}"`)
  if (!existsSync(data) || !statSync(data).isDirectory())
    throw new UsageError(`--data ${data} is not a glyph-set folder (NAME_train.mat, NAME_valid.mat, NAME_test.mat)`)
  if (!values.out === !values['in-place'])
    throw new UsageError(`give exactly one of --out DIR or --in-place\n${CALIBRATE_USAGE}`)
  const pairs = values.pairs ? parsePairs(values.pairs) : LOOKALIKE_PAIRS

  const dir = resolveModelDir(model)
  const cardFile = join(dir, 'model.json')
  const manifest = readModelManifest(dir)
  if (manifest.format !== ONNX_FORMAT)
    throw new UsageError(`${dir} is not an ONNX model (format "${manifest.format}"); calibrate works on ONNX cards`)
  let outDir: string | undefined
  if (values.out) {
    outDir = resolve(values.out)
    if (isInsideShippedModels(outDir))
      throw new UsageError(
        `--out ${outDir} is inside resources/models; shipped models are written only with --in-place`
      )
    if (existsSync(outDir) && readdirSync(outDir).length > 0)
      throw new UsageError(`--out ${outDir} exists and is not empty`)
  }

  const classifier = await OnnxClassifier.load(dir)
  // Raw logits in Glyphdesk class order: the card's labels must be the 36 classes, each once.
  if (!classifier.labelsArePermutation)
    throw new UsageError(`${cardFile}: calibration needs the 36 classes A–Z, 0–9 as labels, each once`)
  const set = await readGlyphSet(data)
  const alsoSet = also === undefined ? null : await readGlyphSet(also)
  const glyphs = alsoSet ? concat(set[split], alsoSet[split]) : set[split]
  const classLogits = async (g: LabelledGlyphs): Promise<Float32Array> =>
    (await classifier.classLogits(g.x, g.n, false))!
  const logits = await classLogits(glyphs)
  const result = fitLookalikeOffsets(logits, glyphs.y, glyphs.n, { pairs })
  // Reported, never fitted on: the test split, and the real letters the card holds out (eval's rule).
  const checks: Record<string, { data: string; n: number; before: CalibrationScore; after: CalibrationScore }> = {}
  const check = async (name: string, source: string, g: LabelledGlyphs): Promise<void> => {
    const l = await classLogits(g)
    const zero = new Array<number>(NUM_CLASSES).fill(0)
    checks[name] = {
      data: source,
      n: g.n,
      before: scoreCalibration(g.y.subarray(0, g.n), argmaxWithOffsets(l, g.n, zero), pairs),
      after: scoreCalibration(g.y.subarray(0, g.n), argmaxWithOffsets(l, g.n, result.offsets), pairs)
    }
  }
  if (split !== 'test') await check('test', `${portable(data)} (test)`, set.test)
  if (alsoSet && split !== 'test') await check('alsoTest', `${portable(also!)} (test)`, alsoSet.test)
  const extra = extraTrainEntries(manifest.card)[0]
  if (extra && existsSync(extra.file)) {
    const file = await readGlyphFile(extra.file)
    const { rest } = firstPerClass(file.y, file.n, perClassCount(extra))
    if (rest.length)
      await check(
        'realHeldOut',
        `${portable(extra.file)} without the first ${extra.perClass} per class (trained on)`,
        subset(file, rest)
      )
  }
  await classifier.dispose()

  const offsetsByClass: Record<string, number> = Object.fromEntries(
    CLASSES.map((c, k) => [c, result.offsets[k]] as const).filter(([, v]) => v !== 0)
  )
  const calibration = {
    method:
      "look-alike logit offsets: per pair, maximise the worse member's recall, then accuracy, then the smaller offset",
    command: `glyphdesk calibrate ${argv.map((a) => (isAbsolute(a) && existsSync(a) ? portable(a) : a)).join(' ')}`,
    gitCommit: gitCommit(),
    precision: classifier.precision,
    data: { dir: portable(data), split, n: glyphs.n, ...(alsoSet ? { also: portable(also!) } : {}) },
    pairs: pairs.map(([a, b]) => `${a}/${b}`),
    grid: result.grid,
    offsets: offsetsByClass,
    before: result.before,
    after: result.after,
    checks
  }
  const card = { ...manifest.card, calibration }
  const updated = { ...manifest, logitOffsets: Array.from(classifier.classOfLogit, (c) => result.offsets[c]), card }
  const text = JSON.stringify(updated, null, 1) + '\n' // indent 1, as training/*.py write cards: small diffs
  if (outDir) {
    // Staged and renamed into place: a failure leaves no half model behind.
    await writeDirAtomic(outDir, async (staging) => {
      for (const onnxName of [manifest.modelFile, ...(manifest.quantized ? [manifest.quantized.modelFile] : [])])
        copyFileSync(join(dir, onnxName), join(staging, onnxName))
      await writeFileAtomic(join(staging, 'model.json'), text)
    })
  } else {
    await writeFileAtomic(cardFile, text)
  }
  const written = outDir ?? dir
  if (values.json) {
    process.stdout.write(JSON.stringify({ model: dir, written, ...calibration }) + '\n')
    return 0
  }
  const lines = [
    `calibrated ${dir} on ${calibration.data.dir} (${split}, ${glyphs.n} glyphs) → ${join(written, 'model.json')}`,
    `offsets: ${
      Object.entries(offsetsByClass)
        .map(([c, v]) => `${c} ${v > 0 ? '+' : ''}${v}`)
        .join('  ') || 'none (already balanced)'
    }`,
    'before:',
    ...describe(result.before),
    'after:',
    ...describe(result.after),
    ...Object.entries(checks).flatMap(([name, c]) => [
      `${name} (not fitted on; ${c.data}):`,
      '  before ' + describe(c.before).join('\n  '),
      '  after  ' + describe(c.after).join('\n  ')
    ])
  ]
  process.stdout.write(lines.join('\n') + '\n')
  return 0
}
