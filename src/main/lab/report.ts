// The report format lives in src/shared/labReport.ts (the Lab view reads it too); here are the
// helpers only the experiments use when they build a report.
import type { ExperimentReport } from '../../shared/labReport.ts'

export * from '../../shared/labReport.ts'

/** A report without its `run` section: what must be identical between two runs with one seed. */
export function reproducibleView(report: ExperimentReport): Omit<ExperimentReport, 'run'> {
  const { run: _run, ...rest } = report
  return rest
}

/** Rounds to `digits` significant digits, for JSON that stays readable (NaN/∞ become null). */
export function sig(v: number, digits = 6): number | null {
  if (!Number.isFinite(v)) return null
  return Number(v.toPrecision(digits))
}
