// `glyphdesk eval`: accuracy, per-class accuracy, confusion matrix and most confused pairs of a
// model on a glyph set split or a single .mat file. Glyphs that the model's card says were used
// in its training (--extra-train) are left out automatically, so the score is always held-out.
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  firstPerClass,
  isSplitName,
  readGlyphFile,
  readGlyphSet,
  subset,
  SPLITS,
  type LabelledGlyphs
} from '../data/glyphset.ts'
import { extraTrainEntries, perClassCount, trainedOnEntry } from '../data/extraTrain.ts'
import { loadClassifier } from '../recognize/models.ts'
import { scorePredictions } from '../recognize/metrics.ts'
import { CLASSES, NUM_CLASSES } from '../../shared/classes.ts'
import { parseCommand, requiredString, UsageError } from './args.ts'

export const EVAL_USAGE = `usage: glyphdesk eval --model MODEL --data DIR|FILE.mat [--split valid|test] [--json]
  MODEL: a model directory or a shipped model name (glyphdesk models list)`

export async function evalCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(
    argv,
    { model: { type: 'string' }, data: { type: 'string' }, split: { type: 'string' }, json: { type: 'boolean' } },
    EVAL_USAGE
  )
  const data = requiredString(values, 'data', EVAL_USAGE)
  const split = values.split ?? 'test'
  if (!isSplitName(split)) throw new UsageError(`--split must be one of ${SPLITS.join(', ')}, got "${split}"`)
  if (!existsSync(data)) throw new UsageError(`--data ${data} does not exist`)
  const classifier = await loadClassifier(values.model)

  let glyphs: LabelledGlyphs
  let source: string
  let note: string | undefined
  if (statSync(data).isDirectory()) {
    const set = await readGlyphSet(data)
    glyphs = set[split]
    source = `${resolve(data)} (${split})`
  } else {
    const file = await readGlyphFile(data)
    glyphs = file
    source = resolve(data)
    const extra = trainedOnEntry(extraTrainEntries(classifier.card), data)
    if (extra) {
      const { rest } = firstPerClass(file.y, file.n, perClassCount(extra))
      glyphs = subset(file, rest)
      note = `left out the first ${extra.perClass} glyphs per class, which this model was trained on`
    }
    if (file.fileClasses === 26)
      note = [note, 'letters-only set: scored on its 26 classes with the 36-way prediction'].filter(Boolean).join('; ')
  }
  if (glyphs.n === 0) throw new UsageError(`no glyphs left to evaluate in ${source}`)
  const pred = await classifier.predict(glyphs.x, glyphs.n)
  const report = scorePredictions(glyphs.y.subarray(0, glyphs.n), pred.labels)
  // A digits-only set is also scored 10-way (the most probable digit), the reading when a field is known to hold a number.
  const tenWay = digitsOnly(glyphs) ? tenWayScore(glyphs, pred.probs) : undefined
  const out = {
    model: classifier.name,
    data: source,
    ...(note ? { note } : {}),
    ...report,
    ...(tenWay ? { tenWay } : {})
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(out) + '\n')
    return 0
  }
  const lines = [
    `model ${classifier.name} on ${source}${note ? ` (${note})` : ''}`,
    `accuracy ${(report.accuracy * 100).toFixed(2)}% of ${report.n}`,
    ...(tenWay
      ? [
          `digits only (10-way): ${(tenWay.accuracy * 100).toFixed(2)}%; per digit ` +
            Object.entries(tenWay.perClass)
              .map(([c, a]) => `${c} ${a === null ? '-' : (a * 100).toFixed(0)}`)
              .join('  ')
        ]
      : []),
    'per class: ' +
      CLASSES.filter((c) => report.perClass[c] !== null)
        .map((c) => `${c} ${(report.perClass[c]! * 100).toFixed(0)}`)
        .join('  '),
    'most confused (truth→predicted ×count): ' +
      report.topConfusions.map((p) => `${p.truth}→${p.predicted}×${p.count}`).join('  '),
    'confusion matrix (rows truth, columns predicted):',
    '    ' + CLASSES.map((c) => c.padStart(3)).join(''),
    ...report.confusion.map((row, t) => ` ${CLASSES[t]}  ` + row.map((v) => (v ? String(v) : '.').padStart(3)).join(''))
  ]
  process.stdout.write(lines.join('\n') + '\n')
  return 0
}

function digitsOnly(g: LabelledGlyphs): boolean {
  for (let i = 0; i < g.n; i++) if (g.y[i] < 26) return false
  return g.n > 0
}

/** Accuracy when only the ten digit classes may be predicted (argmax of probs over 0–9). */
export function tenWayScore(
  g: LabelledGlyphs,
  probs: Float32Array
): { accuracy: number; perClass: Record<string, number | null> } {
  const right = new Array<number>(10).fill(0),
    total = new Array<number>(10).fill(0)
  for (let i = 0; i < g.n; i++) {
    let best = 26
    for (let k = 27; k < NUM_CLASSES; k++) if (probs[i * NUM_CLASSES + k] > probs[i * NUM_CLASSES + best]) best = k
    const d = g.y[i] - 26
    total[d]++
    if (best === g.y[i]) right[d]++
  }
  const perClass = Object.fromEntries(CLASSES.slice(26).map((c, d) => [c, total[d] ? right[d] / total[d] : null]))
  return { accuracy: right.reduce((a, b) => a + b, 0) / g.n, perClass }
}
