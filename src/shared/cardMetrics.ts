// Reading a model card's free-form `card` block, shared by the main process (CLI, model catalogue) and the
// renderer's model panel so they show the same numbers.

import { isRecord as isIndexable } from './modelManifest.ts'

/** A finite number, else undefined. */
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
/** The value at a path of keys, undefined as soon as a step is not an object. */
const at = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (isIndexable(v) ? v[k] : undefined), o)
/** An array of finite numbers, else undefined. */
const numbers = (v: unknown): number[] | undefined =>
  Array.isArray(v) && v.every((x) => num(x) !== undefined) ? v.map(Number) : undefined
const text = (v: unknown, fallback = '—'): string => (v === undefined || v === null ? fallback : String(v))

/**
 * The headline accuracies of a model card's free-form `card` block: synthetic test and held-out real letters,
 * taken after calibration when the card was calibrated (`card.calibration.checks`), else from `card.metrics`.
 */
export function headlineAccuracy(card: Record<string, unknown>): {
  test?: number
  realHeldOut?: number
  calibrated: boolean
} {
  const calibration = card['calibration']
  return {
    test: num(at(calibration, 'checks', 'test', 'after', 'accuracy')) ?? num(at(card, 'metrics', 'test', 'accuracy')),
    realHeldOut:
      num(at(calibration, 'checks', 'realHeldOut', 'after', 'accuracy')) ??
      num(at(card, 'metrics', 'evalData', 'accuracy')),
    calibrated: calibration !== undefined
  }
}

/**
 * The one accuracy a model list shows and what it was measured on; undefined when nothing was measured (a
 * retrained model that could hold nothing out must not read "0%"). Shipped models: the synthetic test set;
 * retrained ones: the replay set's check part, else the corrections by cross-validation, else held-out ones.
 */
export function listedAccuracy(card: Record<string, unknown>): { accuracy: number; of: string } | undefined {
  const h = headlineAccuracy(card)
  if (h.test !== undefined) return { accuracy: h.test, of: 'synthetic test set' }
  const checkAfter = num(at(card, 'evaluation', 'replayCheck', 'after'))
  if (checkAfter !== undefined)
    return {
      accuracy: checkAfter,
      of: `replay check: ${text(num(at(card, 'evaluation', 'replayCheck', 'n')), '?')} shipped glyphs never trained on`
    }
  const cvAfter = num(at(card, 'evaluation', 'crossValidated', 'after'))
  if (cvAfter !== undefined)
    return {
      accuracy: cvAfter,
      of: `your corrections, ${text(at(card, 'evaluation', 'crossValidated', 'method'))} (${text(num(at(card, 'evaluation', 'crossValidated', 'n')), '?')})`
    }
  const heldOut = num(at(card, 'metrics', 'heldOutAfter'))
  const heldOutN = num(at(card, 'metrics', 'heldOutN')) ?? 0
  if (heldOut !== undefined && heldOutN > 0)
    return { accuracy: heldOut, of: `held-out corrections (${String(heldOutN)})` }
  const valid = num(at(card, 'metrics', 'valid', 'accuracy'))
  if (valid !== undefined) return { accuracy: valid, of: 'validation set' }
  return undefined
}

const pct = (v: unknown, digits = 1): string => {
  const n = num(v)
  return n === undefined ? '—' : `${(n * 100).toFixed(digits)}%`
}

/**
 * The model panel's rows (label, value) for a card's free-form `card` block: kind, layers, dates, what it was
 * trained on and every accuracy the card records, each labelled with what it measured; "—" when absent.
 */
export function cardSummaryRows(card: unknown): [string, string][] {
  const c = isIndexable(card) ? card : {}
  /** A metric recorded either as a number or as { accuracy }. */
  const metric = (k: string): unknown => {
    const m = at(c, 'metrics', k)
    return isIndexable(m) ? m['accuracy'] : m
  }
  const offsets = at(c, 'calibration', 'offsets')
  const offsetText = Object.entries(isIndexable(offsets) ? offsets : {})
    .flatMap(([k, v]) => {
      const n = num(v)
      return n === undefined ? [] : [`${k} ${n > 0 ? '+' : '−'}${Math.abs(n).toFixed(2)}`]
    })
    .join(', ')
  const calibrated = at(c, 'calibration') !== undefined
  const test = at(c, 'calibration', 'checks', 'test')
  const cfgSizes = numbers(at(c, 'config', 'sizes'))
  const sizes = numbers(at(c, 'sizes'))
  const headSizes = numbers(at(c, 'config', 'head', 'sizes'))
  const architecture = at(c, 'architecture')
  const layers = cfgSizes
    ? `${cfgSizes.join('–')} (${text(at(c, 'config', 'activation') ?? at(c, 'activation'), '')})`
    : sizes
      ? sizes.join('–')
      : typeof architecture === 'string'
        ? architecture
        : headSizes
          ? `head ${headSizes.join('–')} on ${text(at(c, 'base'), 'the base')}'s embedding`
          : '—'
  const data = at(c, 'data')
  const dataName = at(data, 'name') || at(data, 'dir')
  const trainedOn =
    at(data, 'corrections') !== undefined
      ? `${text(at(data, 'corrections'))} corrections`
      : at(data, 'train') !== undefined
        ? `${text(at(data, 'train'))} glyphs` + (dataName ? ` (${text(dataName)})` : '')
        : '—'
  const heldOutN = num(at(c, 'metrics', 'heldOutN')) ?? 0
  const ev = (...path: string[]): unknown => at(c, 'evaluation', ...path)
  const rows: [string, string][] = [
    ['Kind', text(at(c, 'kind'))],
    ['Layers', layers],
    ['Created', text(at(c, 'created')).replace('T', ' ').slice(0, 19)],
    ['Based on', text(at(c, 'base'))],
    ['Test accuracy', pct(headlineAccuracy(c).test ?? metric('test'))],
    [
      'Look-alike offsets',
      calibrated
        ? `${offsetText || 'none'}${test !== undefined ? ` (test ${pct(at(test, 'before', 'accuracy'), 2)} → ${pct(at(test, 'after', 'accuracy'), 2)})` : ''}`
        : '—'
    ],
    ['Valid accuracy', pct(metric('valid'))],
    [
      'Held-out corrections',
      heldOutN > 0
        ? `${pct(at(c, 'metrics', 'heldOutBefore'))} → ${pct(at(c, 'metrics', 'heldOutAfter'))} (n=${String(heldOutN)})`
        : '—'
    ]
  ]
  if (isIndexable(ev('corrections')))
    rows.push([
      'Corrections, as trained on',
      `${pct(ev('corrections', 'base'))} → ${pct(ev('corrections', 'trained'))} (n=${text(ev('corrections', 'n'))}; a fit, not a test)`
    ])
  if (isIndexable(ev('crossValidated')))
    rows.push([
      `Corrections, ${text(ev('crossValidated', 'method'))}`,
      `${pct(ev('crossValidated', 'base'))} → ${pct(ev('crossValidated', 'after'))} (n=${text(ev('crossValidated', 'n'))})`
    ])
  if (isIndexable(ev('replayCheck')))
    rows.push([
      'Rest of the alphabet',
      `${pct(ev('replayCheck', 'base'))} → ${pct(ev('replayCheck', 'after'))} (${text(ev('replayCheck', 'n'))} shipped glyphs never trained on)`
    ])
  rows.push(['Trained on', trainedOn], ['Description', text(at(c, 'description'))])
  return rows
}
