// Small order statistics shared by the page pipeline (main) and the page editor (renderer).

/** The median of `xs` (the mean of the two middle values for an even count); 0 for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** The upper median of `xs` (the higher of the two middle values for an even count); 0 for none. */
export function upperMedian(xs: readonly number[]): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}
