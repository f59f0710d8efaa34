// `glyphdesk eval`: accuracy, per-class accuracy, confusion matrix and most confused pairs of a
// model on a glyph set split or a single .mat file. Glyphs that the model's card says were used
// in its training (--extra-train) are left out automatically, so the score is always held-out.
import { sameDataPath } from '../data/paths.ts'
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { firstPerClass, readGlyphFile, readGlyphSet, subset, SPLITS, type LabelledGlyphs } from '../data/glyphset.ts'
import { loadClassifier } from '../recognize/models.ts'
import { scorePredictions } from '../recognize/metrics.ts'
import { CLASSES } from '../../shared/classes.ts'
import { parseCommand, requiredString, UsageError } from './args.ts'

export const EVAL_USAGE = `usage: glyphdesk eval --model MODEL --data DIR|FILE.mat [--split valid|test] [--json]
  MODEL: a model directory or a shipped model name (glyphdesk models list)`

export async function evalCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { model: { type: 'string' }, data: { type: 'string' }, split: { type: 'string' }, json: { type: 'boolean' } }, EVAL_USAGE)
  const data = requiredString(values, 'data', EVAL_USAGE)
  const split = values.split ?? 'test'
  if (!(SPLITS as readonly string[]).includes(split)) throw new UsageError(`--split must be one of ${SPLITS.join(', ')}, got "${split}"`)
  if (!existsSync(data)) throw new UsageError(`--data ${data} does not exist`)
  const classifier = await loadClassifier(values.model)

  let glyphs: LabelledGlyphs
  let source: string
  let note: string | undefined
  if (statSync(data).isDirectory()) {
    const set = await readGlyphSet(data)
    glyphs = set[split as 'train' | 'valid' | 'test']
    source = `${resolve(data)} (${split})`
  } else {
    const file = await readGlyphFile(data)
    glyphs = file
    source = resolve(data)
    const extra = (classifier.card['data'] as { extraTrain?: { file: string; perClass: number | 'all' } } | undefined)?.extraTrain
    if (extra && sameDataPath(extra.file, data)) {
      const k = extra.perClass === 'all' ? Infinity : extra.perClass
      const { rest } = firstPerClass(file.y, file.n, k)
      glyphs = subset(file, rest)
      note = `left out the first ${extra.perClass} glyphs per class, which this model was trained on`
    }
    if (file.fileClasses === 26) note = [note, 'letters-only set: scored on its 26 classes with the 36-way prediction'].filter(Boolean).join('; ')
  }
  if (glyphs.n === 0) throw new UsageError(`no glyphs left to evaluate in ${source}`)
  const pred = await classifier.predict(glyphs.x, glyphs.n)
  const report = scorePredictions(glyphs.y.subarray(0, glyphs.n), pred.labels)
  const out = { model: classifier.name, data: source, ...(note ? { note } : {}), ...report }
  if (values.json) {
    process.stdout.write(JSON.stringify(out) + '\n')
    return 0
  }
  const lines = [
    `model ${classifier.name} on ${source}${note ? ` (${note})` : ''}`,
    `accuracy ${(report.accuracy * 100).toFixed(2)}% of ${report.n}`,
    'per class: ' + CLASSES.filter((c) => report.perClass[c] !== null).map((c) => `${c} ${(report.perClass[c]! * 100).toFixed(0)}`).join('  '),
    'most confused (truth→predicted ×count): ' + report.topConfusions.map((p) => `${p.truth}→${p.predicted}×${p.count}`).join('  '),
    'confusion matrix (rows truth, columns predicted):',
    '    ' + CLASSES.map((c) => c.padStart(3)).join(''),
    ...report.confusion.map((row, t) => ` ${CLASSES[t]}  ` + row.map((v) => (v ? String(v) : '.').padStart(3)).join(''))
  ]
  process.stdout.write(lines.join('\n') + '\n')
  return 0
}
