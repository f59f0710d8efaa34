// Argument parsing for the `glyphdesk` commands: node's parseArgs in strict mode plus typed,
// range-checked numbers, so a bad flag is a usage error (exit 2) with a message, never a NaN.
import { errorMessage, InvalidInputError } from '../core/errors.ts'
import { parseArgs, type ParseArgsConfig } from 'node:util'

export class UsageError extends InvalidInputError {
  override name = 'UsageError'
}

type OptionSpec = NonNullable<ParseArgsConfig['options']>

export function parseCommand<const T extends OptionSpec>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true } as const)
  } catch (err) {
    throw new UsageError(`${errorMessage(err)}\n${usage}`)
  }
}

export function numberOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  check: { min?: number; max?: number; integer?: boolean } = {}
): number {
  const raw = values[name]
  if (raw === undefined) return fallback
  const v = Number(raw)
  if (!Number.isFinite(v)) throw new UsageError(`--${name} must be a number, got "${String(raw)}"`)
  if (check.integer && !Number.isInteger(v)) throw new UsageError(`--${name} must be a whole number, got ${v}`)
  if (check.min !== undefined && v < check.min) throw new UsageError(`--${name} must be ≥ ${check.min}, got ${v}`)
  if (check.max !== undefined && v > check.max) throw new UsageError(`--${name} must be ≤ ${check.max}, got ${v}`)
  return v
}

export function requiredString(values: Record<string, unknown>, name: string, usage: string): string {
  const v = values[name]
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required\n${usage}`)
  return v
}
