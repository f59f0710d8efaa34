// `--set group.key=value` for the benches that try reading settings (decode-conditions, lattice-oracle):
// --set decoder.segmentBonus=1.5 → { decoder: { segmentBonus: 1.5 } }, passed on as TranscribeOptions groups.
import type { TranscribeOptions } from '../src/main/read/transcribe.ts'

/** --set a.b=1 → { a: { b: 1 } } */
export function knobs(sets: readonly string[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {}
  for (const s of sets) {
    const m = /^(\w+)\.(\w+)=(-?[\d.]+|-?Infinity)$/.exec(s)
    if (!m) throw new Error(`--set ${s}: expected group.key=number (or Infinity)`)
    ;(out[m[1]] ??= {})[m[2]] = Number(m[3])
  }
  return out
}

/**
 * Groups of knobs as transcribe's options (decode-conditions' configurations, option-cost's variant): decoder, shape,
 * gaps, lattice, lookalike, heal, split and rescue as they are; touching.weight / merges / peak / unsure / sure,
 * touching.pieces=0 (the page's classifier reads the cut pieces), segscore.off=1 (the hand-set priors), pairs.off=1
 * (no pair reader), pairs.cuts=0|1 (the pair reader asked about cut pieces), pairs.words=0|1 (asked about lexicon
 * words) and pairs.minWidth=W (candidates narrower than W character widths not asked).
 */
export function knobOptions(g: Record<string, Record<string, number>>): TranscribeOptions {
  const touching = g['touching'],
    pairs = g['pairs']
  const out: TranscribeOptions = {
    decoder: g['decoder'],
    shape: g['shape'],
    gaps: g['gaps'],
    lattice: g['lattice'],
    lookalike: g['lookalike'],
    heal: g['heal'],
    split: g['split'],
    rescue: g['rescue'],
    ...(touching?.weight !== undefined ? { touchingWeight: touching.weight } : {}),
    ...(touching?.merges !== undefined ? { touchingMerges: touching.merges !== 0 } : {}),
    ...(touching?.peak !== undefined ? { touchingPeak: touching.peak } : {}),
    ...(touching?.unsure !== undefined ? { touchingWeightUnsure: touching.unsure } : {}),
    ...(touching?.sure !== undefined ? { touchingSure: touching.sure } : {})
  }
  if (g['segscore']?.off) out.segmentScore = null
  if (touching?.pieces === 0) out.cutReader = null
  if (pairs?.off) out.pairs = null
  if (pairs?.cuts !== undefined) out.rescue = { ...out.rescue, pairCuts: pairs.cuts !== 0 }
  if (pairs?.words !== undefined) out.rescue = { ...out.rescue, pairWords: pairs.words !== 0 }
  if (pairs?.minWidth !== undefined) out.rescue = { ...out.rescue, pairMinWidth: pairs.minWidth }
  return out
}
