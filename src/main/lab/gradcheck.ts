// gradcheck: every layer's analytic gradient against float64 central differences, as a table and
// a chart of the worst relative error per tensor — the MLP's layers, loss and whole networks
// (nn/gradcheck.ts) and the autoencoder with its squared-error loss (nn/autoencoder.ts).
import { gradcheckAutoencoder } from '../nn/autoencoder.ts'
import { gradcheckSuite } from '../nn/gradcheck.ts'
import { newReport, type ExperimentContext, type ExperimentOutput } from './context.ts'
import { sig } from './report.ts'

export const GRADCHECK_TOLERANCE = 1e-5

export async function gradcheckExperiment(ctx: ExperimentContext): Promise<ExperimentOutput> {
  const report = newReport(ctx, 'gradcheck', 'Gradient check: every layer against central differences in float64')
  const t0 = performance.now()
  const rows = [...gradcheckSuite({ seed: ctx.seed }), ...gradcheckAutoencoder(undefined, 'relu', { seed: ctx.seed })]
  const worst = rows.reduce((a, r) => (r.maxRelError > a.maxRelError ? r : a), rows[0])
  const failing = rows.filter((r) => !(r.maxRelError < GRADCHECK_TOLERANCE))
  report.summary = [
    `${rows.length} gradient tensors checked (${rows.reduce((a, r) => a + r.checked, 0)} elements); the worst relative error is ${worst.maxRelError.toExponential(2)} ` +
      `(${worst.layer}, ${worst.param}), ${failing.length === 0 ? `all below the tolerance ${GRADCHECK_TOLERANCE.toExponential(0)}` : `${failing.length} above the tolerance ${GRADCHECK_TOLERANCE.toExponential(0)}: ${failing.map((r) => `${r.layer}.${r.param}`).join(', ')}`}.`
  ]
  report.metrics = {
    tensors: rows.length,
    worstRelError: sig(worst.maxRelError, 3),
    worstAt: `${worst.layer}.${worst.param}`,
    tolerance: GRADCHECK_TOLERANCE,
    allPass: failing.length === 0
  }
  report.details = {
    method:
      'relative error |a − n| / max(|a| + |n|, 1e-10) per element, worst element per tensor; central differences with h = 1e-5 in float64; random batch of 4',
    rows
  }
  report.tables.push({
    id: 'rows',
    title: 'Worst relative error per layer and tensor',
    columns: ['layer', 'tensor', 'elements', 'max relative error', 'ok'],
    rows: rows.map((r) => [
      r.layer,
      r.param,
      r.checked,
      r.maxRelError.toExponential(2),
      r.maxRelError < GRADCHECK_TOLERANCE ? 'yes' : 'NO'
    ])
  })
  report.charts.push({
    kind: 'bar',
    id: 'errors',
    title: 'Worst relative error per tensor (log scale)',
    file: 'errors.svg',
    categories: rows.map((r) => `${r.layer}.${r.param}`),
    yLabel: 'max relative error',
    yLog: true,
    series: [
      { name: 'max relative error', values: rows.map((r) => (r.maxRelError > 0 ? sig(r.maxRelError, 3) : 1e-16)) }
    ],
    threshold: { value: GRADCHECK_TOLERANCE, label: `tolerance ${GRADCHECK_TOLERANCE}` }
  })
  report.notes.push(
    'A zero error (exact agreement) is drawn at 1e-16 on the log scale.',
    'The autoencoder check uses a small network of the same shape (12-5-4-5-12, ReLU hidden, sigmoid output) with inputs in [0, 1].'
  )
  report.run.seconds = sig((performance.now() - t0) / 1000, 4) ?? 0
  return { report, files: new Map() }
}
