// Reading a model card's free-form `card` block, shared by the main process (CLI, model catalogue) and the
// renderer's model panel so they show the same numbers.

/** Any non-null object can be indexed by name; a missing key reads as undefined, which callers check. */
function isIndexable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null
}

/**
 * The headline accuracies of a model card's free-form `card` block: synthetic test and held-out real letters,
 * taken after calibration when the card was calibrated (`card.calibration.checks`), else from `card.metrics`.
 */
export function headlineAccuracy(card: Record<string, unknown>): { test?: number; realHeldOut?: number; calibrated: boolean } {
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
  const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (isIndexable(v) ? v[k] : undefined), o)
  const calibration = card['calibration']
  return {
    test: num(get(calibration, 'checks', 'test', 'after', 'accuracy')) ?? num(get(card, 'metrics', 'test', 'accuracy')),
    realHeldOut: num(get(calibration, 'checks', 'realHeldOut', 'after', 'accuracy')) ?? num(get(card, 'metrics', 'evalData', 'accuracy')),
    calibrated: calibration !== undefined
  }
}
