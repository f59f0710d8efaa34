// `--set group.key=value` for the benches that try reading settings (decode-conditions, lattice-oracle):
// --set decoder.segmentBonus=1.5 → { decoder: { segmentBonus: 1.5 } }, passed on as TranscribeOptions groups.

/** --set a.b=1 → { a: { b: 1 } } */
export function knobs(sets: readonly string[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {}
  for (const s of sets) {
    const m = /^(\w+)\.(\w+)=(-?[\d.]+)$/.exec(s)
    if (!m) throw new Error(`--set ${s}: expected group.key=number`)
    ;(out[m[1]] ??= {})[m[2]] = Number(m[3])
  }
  return out
}
