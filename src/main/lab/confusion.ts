// confusion: the 36×36 confusion matrix of the 1024-64-36 MLP on the test split as a heatmap,
// the ten most confused pairs and example glyphs of each (and the same pairs on real letters
// when an evaluation file is given).
import { glyphGridPng } from '../data/grid.ts'
import { evaluateMlp } from '../nn/train.ts'
import { lookAlikeShare, scorePredictions, type EvalReport } from '../recognize/metrics.ts'
import { CLASSES, GLYPH_PIXELS, GLYPH_SIZE } from '../../shared/classes.ts'
import { baselineLr, baselineRun } from './baseline.ts'
import { newReport, requireSet, type ExperimentContext, type ExperimentOutput } from './context.ts'
import type { LabelledGlyphs } from '../data/glyphset.ts'
import { sig } from './report.ts'

export const EXAMPLES_PER_PAIR = 6

/**
 * One row per confused pair: a correctly recognised glyph of the predicted class (for reference,
 * or blank), then up to `k` glyphs of the true class that were taken for it (blank cells grey).
 */
export function confusedExamples(
  g: LabelledGlyphs,
  predicted: Uint8Array,
  pairs: { truth: string; predicted: string }[],
  k: number
): { x: Float32Array; counts: number[] } {
  const cols = k + 1
  const x = new Float32Array(pairs.length * cols * GLYPH_PIXELS).fill(0.5)
  const counts: number[] = []
  pairs.forEach((p, r) => {
    const t = CLASSES.indexOf(p.truth),
      q = CLASSES.indexOf(p.predicted)
    const put = (i: number, c: number) =>
      x.set(g.x.subarray(i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS), (r * cols + c) * GLYPH_PIXELS)
    const ref = Array.from({ length: g.n }, (_, i) => i).find((i) => g.y[i] === q && predicted[i] === q)
    if (ref !== undefined) put(ref, 0)
    let found = 0
    for (let i = 0; i < g.n && found < k; i++) if (g.y[i] === t && predicted[i] === q) put(i, 1 + found++)
    counts.push(found)
  })
  return { x, counts }
}

function pairRows(r: EvalReport): (string | number)[][] {
  return r.topConfusions.map((p, i) => {
    const t = CLASSES.indexOf(p.truth)
    const total = r.confusion[t].reduce((a, b) => a + b, 0)
    return [i + 1, p.truth, p.predicted, p.count, sig(p.count / total, 3)!]
  })
}

export async function confusionExperiment(ctx: ExperimentContext): Promise<ExperimentOutput> {
  const set = requireSet(ctx, 'confusion')
  const { lr, source } = baselineLr(ctx)
  const run = await baselineRun(ctx, lr, 'confusion')
  const report = newReport(ctx, 'confusion', 'Confusion matrix of the 1024-64-36 MLP on the test split')
  const e = evaluateMlp(run.mlp, set.test)
  const r = scorePredictions(set.test.y.subarray(0, set.test.n), e.predictions)
  const { x, counts } = confusedExamples(set.test, e.predictions, r.topConfusions, EXAMPLES_PER_PAIR)
  const scale = 2
  const files = new Map<string, Buffer | string>()
  if (r.topConfusions.length)
    files.set(
      'confused-examples.png',
      await glyphGridPng(x, r.topConfusions.length * (EXAMPLES_PER_PAIR + 1), EXAMPLES_PER_PAIR + 1, { scale, gap: 3 })
    )

  const errors = r.n - Math.round(r.accuracy * r.n)
  const top = r.topConfusions
  const topShare = errors > 0 ? top.reduce((a, p) => a + p.count, 0) / errors : 0
  const lookAlike = lookAlikeShare(r)
  const worstClass = CLASSES.filter((c) => r.perClass[c] !== null).sort(
    (a, b) => r.perClass[a]! - r.perClass[b]! || CLASSES.indexOf(a) - CLASSES.indexOf(b)
  )[0]
  report.summary = [
    `Test accuracy ${(r.accuracy * 100).toFixed(1)}% (${errors} errors in ${r.n} glyphs).` +
      (top.length
        ? ` The most confused pair is ${top[0].truth}→${top[0].predicted} (${top[0].count} glyphs); the ten most confused pairs account for ${(topShare * 100).toFixed(0)}% of all errors.`
        : ''),
    `${(lookAlike * 100).toFixed(0)}% of the errors fall on the classic letter/digit look-alikes (O/0, I/1, S/5, Z/2, G/6, B/8, either direction); ` +
      `the hardest class is ${worstClass} (${(r.perClass[worstClass]! * 100).toFixed(0)}% correct).`
  ]
  report.metrics = {
    lr,
    epochs: run.curves.length,
    testAccuracy: sig(r.accuracy),
    testErrors: errors,
    testN: r.n,
    topTenShareOfErrors: sig(topShare, 4),
    lookAlikeShareOfErrors: sig(lookAlike, 4),
    hardestClass: worstClass,
    hardestClassAccuracy: sig(r.perClass[worstClass]!, 4)
  }
  report.details = {
    lrSource: source,
    test: { confusion: r.confusion, perClass: r.perClass, topConfusions: top },
    examplesPerPair: counts
  }
  report.charts.push({
    kind: 'heatmap',
    id: 'confusion',
    title: `Confusion matrix on test (n=${r.n}; rows: truth, columns: predicted; diagonal greyed)`,
    file: 'confusion.svg',
    xLabels: [...CLASSES],
    yLabels: [...CLASSES],
    xLabel: 'predicted',
    yLabel: 'truth',
    values: r.confusion,
    scale: 'sequential',
    maskDiagonal: true
  })
  report.tables.push({
    id: 'pairs',
    title: 'Ten most confused pairs on test',
    columns: ['row in the example image', 'truth', 'predicted as', 'glyphs', 'share of the true class'],
    rows: pairRows(r)
  })
  if (top.length) {
    report.images.push({
      id: 'examples',
      title: 'Example glyphs of the most confused pairs',
      file: 'confused-examples.png',
      caption: `One row per pair, in the table's order. First column: a test glyph of the predicted class that the network got right (for reference); then up to ${EXAMPLES_PER_PAIR} glyphs of the true class it took for that class (grey: fewer examples).`,
      rows: top.length,
      cols: EXAMPLES_PER_PAIR + 1,
      rowLabels: top.map((p) => `${p.truth}→${p.predicted}`),
      colLabels: [
        'predicted class (reference)',
        ...Array.from({ length: EXAMPLES_PER_PAIR }, (_, i) => `example ${i + 1}`)
      ],
      cellPixels: GLYPH_SIZE * scale
    })
  }
  if (ctx.evalData) {
    const ev = evaluateMlp(run.mlp, ctx.evalData.glyphs)
    const er = scorePredictions(ctx.evalData.glyphs.y.subarray(0, ctx.evalData.glyphs.n), ev.predictions)
    report.metrics['evalDataAccuracy'] = sig(er.accuracy)
    report.details['evalData'] = { confusion: er.confusion, perClass: er.perClass, topConfusions: er.topConfusions }
    report.tables.push({
      id: 'eval-pairs',
      title: `Ten most confused pairs on ${ctx.evalData.file}`,
      columns: ['rank', 'truth', 'predicted as', 'glyphs', 'share of the true class'],
      rows: pairRows(er)
    })
    report.summary.push(
      `On the real letters of ${ctx.evalData.file} the same network scores ${(er.accuracy * 100).toFixed(1)}%` +
        (er.topConfusions.length
          ? `; its most frequent mistake there is ${er.topConfusions[0].truth}→${er.topConfusions[0].predicted} (${er.topConfusions[0].count}).`
          : '.')
    )
  }
  report.notes.push(`Learning rate ${lr}: ${source}.`)
  report.run.seconds = sig(run.seconds, 4) ?? 0
  return { report, files }
}
