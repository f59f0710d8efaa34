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
export function headlineAccuracy(card: Record<string, unknown>): {
  test?: number
  realHeldOut?: number
  calibrated: boolean
} {
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
  const get = (o: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>((v, k) => (isIndexable(v) ? v[k] : undefined), o)
  const calibration = card['calibration']
  return {
    test: num(get(calibration, 'checks', 'test', 'after', 'accuracy')) ?? num(get(card, 'metrics', 'test', 'accuracy')),
    realHeldOut:
      num(get(calibration, 'checks', 'realHeldOut', 'after', 'accuracy')) ??
      num(get(card, 'metrics', 'evalData', 'accuracy')),
    calibrated: calibration !== undefined
  }
}

/**
 * The one accuracy a model list shows and what it was measured on; undefined when nothing was measured (a
 * retrained model that could hold nothing out must not read "0%"). Shipped models: the synthetic test set;
 * retrained ones: the replay set's check part, else the corrections by cross-validation, else held-out ones.
 */
export function listedAccuracy(card: Record<string, unknown>): { accuracy: number; of: string } | undefined {
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
  const obj = (v: unknown): Record<string, unknown> =>
    typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {}
  const h = headlineAccuracy(card)
  if (h.test !== undefined) return { accuracy: h.test, of: 'synthetic test set' }
  const ev = obj(card['evaluation'])
  const check = obj(ev['replayCheck'])
  if (num(check['after']) !== undefined)
    return {
      accuracy: num(check['after'])!,
      of: `replay check: ${String(num(check['n']) ?? '?')} shipped glyphs never trained on`
    }
  const cv = obj(ev['crossValidated'])
  if (num(cv['after']) !== undefined)
    return {
      accuracy: num(cv['after'])!,
      of: `your corrections, ${String(cv['method'])} (${String(num(cv['n']) ?? '?')})`
    }
  const m = obj(card['metrics'])
  if (num(m['heldOutAfter']) !== undefined && (num(m['heldOutN']) ?? 0) > 0)
    return { accuracy: num(m['heldOutAfter'])!, of: `held-out corrections (${String(num(m['heldOutN']))})` }
  const valid = num(obj(m['valid'])['accuracy'])
  if (valid !== undefined) return { accuracy: valid, of: 'validation set' }
  return undefined
}
