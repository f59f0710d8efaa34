// cnn-vs-mlp: the shipped models (MLPs, and the ONNX CNNs where this build has them) scored on
// the same test glyphs; accuracies side by side and where their confusions differ. Models that
// cannot be loaded are listed with the reason instead of failing the experiment.
import { firstPerClass, subset, type LabelledGlyphs } from '../data/glyphset.ts'
import { listShippedModels, loadClassifier } from '../recognize/models.ts'
import { scorePredictions, type EvalReport } from '../recognize/metrics.ts'
import { CLASSES, NUM_CLASSES } from '../../shared/classes.ts'
import { newReport, requireSet, type ExperimentContext, type ExperimentOutput } from './context.ts'
import { sig } from './report.ts'

interface Scored {
  name: string
  kind: string
  test: EvalReport
  evalData: EvalReport | null
  /** Real digits: 36-way (as on a page) and 10-way (the most probable digit). */
  digits: {
    n: number
    accuracy: number
    tenWay: number
    perDigit: Record<string, number | null>
    perDigitTenWay: Record<string, number | null>
    topConfusions: EvalReport['topConfusions']
  } | null
}

/** Accuracy over the digit classes only (argmax of probs over 0–9), overall and per digit. */
export function tenWayAccuracy(
  y: Uint8Array,
  probs: Float32Array,
  n: number
): { accuracy: number; perDigit: Record<string, number | null> } {
  const right = new Array<number>(10).fill(0),
    total = new Array<number>(10).fill(0)
  for (let i = 0; i < n; i++) {
    let best = 26
    for (let k = 27; k < NUM_CLASSES; k++) if (probs[i * NUM_CLASSES + k] > probs[i * NUM_CLASSES + best]) best = k
    if (y[i] < 26) continue
    total[y[i] - 26]++
    if (best === y[i]) right[y[i] - 26]++
  }
  const all = total.reduce((a, b) => a + b, 0)
  return {
    accuracy: all ? right.reduce((a, b) => a + b, 0) / all : NaN,
    perDigit: Object.fromEntries(CLASSES.slice(26).map((c, d) => [c, total[d] ? right[d] / total[d] : null]))
  }
}

/** off-diagonal cells where b − a differs, largest change first (ties in class order). */
export function confusionChanges(
  a: number[][],
  b: number[][],
  top = 10
): { truth: string; predicted: string; before: number; after: number; change: number }[] {
  const out: { truth: string; predicted: string; before: number; after: number; change: number }[] = []
  for (let t = 0; t < NUM_CLASSES; t++)
    for (let p = 0; p < NUM_CLASSES; p++) {
      if (t === p || a[t][p] === b[t][p]) continue
      out.push({ truth: CLASSES[t], predicted: CLASSES[p], before: a[t][p], after: b[t][p], change: b[t][p] - a[t][p] })
    }
  out.sort(
    (x, y) =>
      Math.abs(y.change) - Math.abs(x.change) ||
      y.change - x.change ||
      CLASSES.indexOf(x.truth) - CLASSES.indexOf(y.truth) ||
      CLASSES.indexOf(x.predicted) - CLASSES.indexOf(y.predicted)
  )
  return out.slice(0, top)
}

export async function cnnVsMlpExperiment(ctx: ExperimentContext): Promise<ExperimentOutput> {
  const set = requireSet(ctx, 'cnn-vs-mlp')
  const report = newReport(ctx, 'cnn-vs-mlp', 'Shipped models on the same test glyphs: CNNs against MLPs')
  const t0 = performance.now()
  const entries = listShippedModels().sort((a, b) => a.name.localeCompare(b.name))
  const loaded: { name: string; kind: string; classifier: Awaited<ReturnType<typeof loadClassifier>> }[] = []
  const skipped: { name: string; kind: string; reason: string }[] = []
  for (const m of entries) {
    try {
      loaded.push({ name: m.name, kind: m.kind, classifier: await loadClassifier(m.name) })
    } catch (e) {
      skipped.push({ name: m.name, kind: m.kind, reason: e instanceof Error ? `${e.name}: ${e.message}` : String(e) })
    }
  }
  // Real letters some model was trained on are left out for every model, so all score the same glyphs.
  let evalGlyphs: LabelledGlyphs | null = null
  let excludedPerClass = 0
  if (ctx.evalData) {
    for (const m of loaded) {
      const extra = m.classifier.card.data?.extraTrain
      if (
        extra &&
        (extra.file === ctx.evalData.file || extra.file.endsWith('/' + ctx.evalData.file.split('/').pop()))
      ) {
        excludedPerClass = Math.max(excludedPerClass, extra.perClass === 'all' ? Infinity : extra.perClass)
      }
    }
    const g = ctx.evalData.glyphs
    evalGlyphs = excludedPerClass > 0 ? subset(g, firstPerClass(g.y, g.n, excludedPerClass).rest) : g
  }
  const scored: Scored[] = []
  for (const m of loaded) {
    ctx.log(`scoring ${m.name}`)
    const pt = await m.classifier.predict(set.test.x, set.test.n)
    const test = scorePredictions(set.test.y.subarray(0, set.test.n), pt.labels)
    let ev: EvalReport | null = null
    if (evalGlyphs && evalGlyphs.n > 0) {
      const pe = await m.classifier.predict(evalGlyphs.x, evalGlyphs.n)
      ev = scorePredictions(evalGlyphs.y.subarray(0, evalGlyphs.n), pe.labels)
    }
    let digits: Scored['digits'] = null
    if (ctx.digitsData && ctx.digitsData.glyphs.n > 0) {
      const g = ctx.digitsData.glyphs
      const pd = await m.classifier.predict(g.x, g.n)
      const r = scorePredictions(g.y.subarray(0, g.n), pd.labels)
      const ten = tenWayAccuracy(g.y, pd.probs, g.n)
      digits = {
        n: g.n,
        accuracy: r.accuracy,
        tenWay: ten.accuracy,
        perDigit: Object.fromEntries(CLASSES.slice(26).map((c) => [c, r.perClass[c]])),
        perDigitTenWay: ten.perDigit,
        topConfusions: r.topConfusions
      }
    }
    scored.push({ name: m.name, kind: m.kind, test, evalData: ev, digits })
  }
  const cnns = scored.filter((s) => s.kind !== 'mlp')
  const mlps = scored.filter((s) => s.kind === 'mlp')
  const best = (xs: Scored[]) =>
    xs.reduce<Scored | null>((a, s) => (a === null || s.test.accuracy > a.test.accuracy ? s : a), null)
  const bestCnn = best(cnns),
    bestMlp = best(mlps)
  // The comparison the experiment is about: best CNN vs best MLP; without CNNs, the best MLP against the baseline.
  const [ref, other] =
    bestCnn && bestMlp ? [bestMlp, bestCnn] : [mlps.find((m) => m.name !== bestMlp?.name) ?? null, bestMlp]

  report.metrics = { models: scored.length, cnnModels: cnns.length, skippedModels: skipped.length, testN: set.test.n }
  for (const s of scored) {
    report.metrics[`${s.name}.testAccuracy`] = sig(s.test.accuracy)
    if (s.evalData) report.metrics[`${s.name}.evalDataAccuracy`] = sig(s.evalData.accuracy)
    if (s.digits) {
      report.metrics[`${s.name}.realDigitsAccuracy`] = sig(s.digits.accuracy)
      report.metrics[`${s.name}.realDigitsTenWay`] = sig(s.digits.tenWay)
    }
  }
  const line = (s: Scored) =>
    `${s.name} ${(s.test.accuracy * 100).toFixed(1)}%` +
    (s.evalData || s.digits
      ? ` (${[s.evalData ? `real letters ${(s.evalData.accuracy * 100).toFixed(1)}%` : '', s.digits ? `real digits ${(s.digits.accuracy * 100).toFixed(1)}%, 10-way ${(s.digits.tenWay * 100).toFixed(1)}%` : ''].filter(Boolean).join(', ')})`
      : '')
  report.summary.push(`Test accuracy on the same ${set.test.n} glyphs: ${scored.map(line).join(', ')}.`)
  if (cnns.length === 0) {
    report.summary.push(
      'No CNN could be scored in this build' +
        (skipped.length
          ? ` (${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})`
          : ' (none is shipped in resources/models yet)') +
        '; the confusion comparison below is between the MLPs. Re-run this experiment once the ONNX CNNs are shipped.'
    )
  }
  let changes: ReturnType<typeof confusionChanges> = []
  if (ref && other) {
    changes = confusionChanges(ref.test.confusion, other.test.confusion)
    const diff = ref.test.confusion.map((row, t) => row.map((v, p) => (t === p ? 0 : other.test.confusion[t][p] - v)))
    const errRef = ref.test.n - Math.round(ref.test.accuracy * ref.test.n),
      errOther = other.test.n - Math.round(other.test.accuracy * other.test.n)
    report.summary.push(
      `${other.name} makes ${errOther} errors where ${ref.name} makes ${errRef}` +
        (changes.length
          ? `; the largest change is ${changes[0].truth}→${changes[0].predicted} (${changes[0].before} → ${changes[0].after}).`
          : '.')
    )
    report.charts.push({
      kind: 'heatmap',
      id: 'confusion-diff',
      title: `Confusions of ${other.name} minus ${ref.name} on test (red: more, blue: fewer; diagonal left out)`,
      file: 'confusion-diff.svg',
      xLabels: [...CLASSES],
      yLabels: [...CLASSES],
      xLabel: 'predicted',
      yLabel: 'truth',
      values: diff,
      scale: 'diverging'
    })
    report.tables.push({
      id: 'changes',
      title: `Largest confusion changes, ${ref.name} → ${other.name} (test)`,
      columns: ['truth', 'predicted as', ref.name, other.name, 'change'],
      rows: changes.map((c) => [
        c.truth,
        c.predicted,
        c.before,
        c.after,
        c.change > 0 ? `+${c.change}` : String(c.change)
      ])
    })
  }
  report.charts.push({
    kind: 'bar',
    id: 'accuracy',
    title: 'Accuracy of each shipped model',
    file: 'accuracy.svg',
    categories: scored.map((s) => s.name),
    yLabel: 'accuracy',
    yFormat: 'percent',
    series: [
      { name: `test (${set.test.n} glyphs)`, values: scored.map((s) => sig(s.test.accuracy)) },
      ...(evalGlyphs
        ? [
            {
              name: `real letters (${evalGlyphs.n} glyphs)`,
              values: scored.map((s) => (s.evalData ? sig(s.evalData.accuracy) : null))
            }
          ]
        : []),
      ...(ctx.digitsData
        ? [
            {
              name: `real digits, 36-way (${ctx.digitsData.glyphs.n} glyphs)`,
              values: scored.map((s) => (s.digits ? sig(s.digits.accuracy) : null))
            }
          ]
        : [])
    ]
  })
  report.tables.push({
    id: 'models',
    title: 'Models',
    columns: [
      'model',
      'kind',
      'test accuracy',
      'real-letter accuracy',
      'real-digit accuracy (36-way)',
      'real digits 10-way',
      'most confused on test'
    ],
    rows: [
      ...scored.map((s) => [
        s.name,
        s.kind,
        sig(s.test.accuracy, 4),
        s.evalData ? sig(s.evalData.accuracy, 4) : null,
        s.digits ? sig(s.digits.accuracy, 4) : null,
        s.digits ? sig(s.digits.tenWay, 4) : null,
        s.test.topConfusions
          .slice(0, 3)
          .map((p) => `${p.truth}→${p.predicted} ×${p.count}`)
          .join(', ')
      ]),
      ...skipped.map((s) => [s.name, s.kind, null, null, null, null, `not scored: ${s.reason}`])
    ]
  })
  if (ctx.digitsData)
    report.tables.push({
      id: 'real-digits',
      title: `Real digits per digit, 36-way (10-way) — ${ctx.digitsData.file}`,
      columns: ['model', ...CLASSES.slice(26), 'most confused'],
      rows: scored
        .filter((s) => s.digits)
        .map((s) => [
          s.name,
          ...CLASSES.slice(26).map((c) => {
            const a = s.digits!.perDigit[c],
              b = s.digits!.perDigitTenWay[c]
            return a === null ? null : `${(a * 100).toFixed(1)} (${b === null ? '—' : (b * 100).toFixed(1)})`
          }),
          s
            .digits!.topConfusions.slice(0, 3)
            .map((p) => `${p.truth}→${p.predicted} ×${p.count}`)
            .join(', ')
        ])
    })
  report.details = {
    models: scored.map((s) => ({
      name: s.name,
      kind: s.kind,
      test: {
        accuracy: s.test.accuracy,
        confusion: s.test.confusion,
        topConfusions: s.test.topConfusions,
        perClass: s.test.perClass
      },
      evalData: s.evalData
        ? { accuracy: s.evalData.accuracy, n: s.evalData.n, topConfusions: s.evalData.topConfusions }
        : null,
      realDigits: s.digits
    })),
    skipped,
    comparison: ref && other ? { reference: ref.name, other: other.name, changes } : null,
    evalDataExcludedFirstPerClass: excludedPerClass === Infinity ? 'all' : excludedPerClass
  }
  if (excludedPerClass > 0)
    report.notes.push(
      `The first ${excludedPerClass === Infinity ? 'all' : excludedPerClass} real glyphs of each class were used to train a shipped model, so they are left out for every model; all score the same ${evalGlyphs!.n} glyphs.`
    )
  if (ctx.digitsData)
    report.notes.push(
      `Real digits: ${ctx.digitsData.file}, ${ctx.digitsData.glyphs.n} glyphs. "36-way" is the reading on a page (a 0 read as O is an error); "10-way" lets only the digits compete.`
    )
  report.notes.push(
    'Shipped models were trained on the synthetic set recorded in their model cards; if --data is that set, its test split is held out for all of them.'
  )
  report.run.seconds = sig((performance.now() - t0) / 1000, 4) ?? 0
  return { report, files: new Map() }
}
