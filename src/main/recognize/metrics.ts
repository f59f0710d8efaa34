// Scores for a classifier on labelled glyphs: accuracy, per-class accuracy, the 36×36 confusion
// matrix and the most confused pairs. Shared by `glyphdesk eval`, training reports and the app.
import { CLASSES, LOOKALIKE_PAIRS, NUM_CLASSES } from '../../shared/classes.ts'

export interface ConfusedPair {
  truth: string
  predicted: string
  count: number
}

export interface EvalReport {
  n: number
  accuracy: number
  classes: string[]
  /** confusion[t][p] = glyphs of true class t predicted as p. */
  confusion: number[][]
  /** per-class accuracy; null for classes absent from the data. */
  perClass: Record<string, number | null>
  topConfusions: ConfusedPair[]
  /** Classes present in the data (26 for a letters-only set, scored with the 36-way prediction). */
  classesPresent: number
}

export function scorePredictions(truth: ArrayLike<number>, predicted: ArrayLike<number>, topK = 10): EvalReport {
  if (truth.length !== predicted.length)
    throw new RangeError(`truth has ${truth.length} labels but predictions ${predicted.length}`)
  const n = truth.length
  const confusion = Array.from({ length: NUM_CLASSES }, () => new Array<number>(NUM_CLASSES).fill(0))
  let correct = 0
  for (let i = 0; i < n; i++) {
    const t = truth[i],
      p = predicted[i]
    if (!(t >= 0 && t < NUM_CLASSES) || !(p >= 0 && p < NUM_CLASSES))
      throw new RangeError(`label out of range at ${i}: truth ${t}, predicted ${p}`)
    confusion[t][p]++
    if (t === p) correct++
  }
  const perClass: Record<string, number | null> = {}
  let classesPresent = 0
  for (let t = 0; t < NUM_CLASSES; t++) {
    const total = confusion[t].reduce((a, b) => a + b, 0)
    perClass[CLASSES[t]] = total > 0 ? confusion[t][t] / total : null
    if (total > 0) classesPresent++
  }
  const pairs: ConfusedPair[] = []
  for (let t = 0; t < NUM_CLASSES; t++)
    for (let p = 0; p < NUM_CLASSES; p++)
      if (t !== p && confusion[t][p] > 0)
        pairs.push({ truth: CLASSES[t], predicted: CLASSES[p], count: confusion[t][p] })
  // Ties broken by class order so the report is deterministic.
  pairs.sort(
    (a, b) =>
      b.count - a.count ||
      CLASSES.indexOf(a.truth) - CLASSES.indexOf(b.truth) ||
      CLASSES.indexOf(a.predicted) - CLASSES.indexOf(b.predicted)
  )
  return {
    n,
    accuracy: n > 0 ? correct / n : 0,
    classes: [...CLASSES],
    confusion,
    perClass,
    topConfusions: pairs.slice(0, topK),
    classesPresent
  }
}

/** Share of the errors that fall on the classic letter/digit look-alike pairs (either direction). */
export function lookAlikeShare(report: EvalReport, pairs: [string, string][] = LOOKALIKE_PAIRS): number {
  const errors = report.n - Math.round(report.accuracy * report.n)
  if (errors === 0) return 0
  let hits = 0
  for (const [a, b] of pairs) {
    const i = CLASSES.indexOf(a),
      j = CLASSES.indexOf(b)
    hits += report.confusion[i][j] + report.confusion[j][i]
  }
  return hits / errors
}
