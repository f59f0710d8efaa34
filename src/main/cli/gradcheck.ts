// `glyphdesk gradcheck`: every layer and the loss of small random networks against central
// differences in float64; exits 1 when the worst relative error is above the tolerance.
import { formatGradcheckTable, gradcheckSuite } from '../nn/gradcheck.ts'
import { numberOption, parseCommand } from './args.ts'

export const GRADCHECK_USAGE = `usage: glyphdesk gradcheck [--seed S] [--tolerance 1e-5] [--json]`

export async function gradcheckCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(
    argv,
    { seed: { type: 'string' }, tolerance: { type: 'string' }, json: { type: 'boolean' } },
    GRADCHECK_USAGE
  )
  const tolerance = numberOption(values, 'tolerance', 1e-5, { min: 0 })
  const rows = gradcheckSuite({ seed: numberOption(values, 'seed', 1, { integer: true, min: 0 }) })
  const worst = Math.max(...rows.map((r) => r.maxRelError))
  if (values.json) process.stdout.write(JSON.stringify({ rows, worst, tolerance }) + '\n')
  else
    process.stdout.write(
      formatGradcheckTable(rows, tolerance) +
        `\nworst relative error ${worst.toExponential(2)} (tolerance ${tolerance})\n`
    )
  return worst < tolerance ? 0 : 1
}
