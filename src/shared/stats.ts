// Small order statistics shared by the page pipeline (main) and the page editor (renderer).

/** The median of `xs` (the mean of the two middle values for an even count); 0 for none. */
/**
 * Numbers in ascending order, as a sort's comparator. One function of the module for every sort on a page's path:
 * an arrow written at each sort is a new closure on every call, which V8 compiled again for every page
 * (docs/BENCHMARKS.md, "Forty-second session").
 */
export const ascending = (a: number, b: number): number => a - b

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort(ascending)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** The upper median of `xs` (the higher of the two middle values for an even count); 0 for none. */
export function upperMedian(xs: readonly number[]): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort(ascending)
  return s[s.length >> 1]
}

/**
 * Two-sided exact sign test: the probability, under a fair coin, of a split at least as uneven as `better` against
 * `worse` (ties left out). 1 when both are 0.
 */
export function signTestP(better: number, worse: number): number {
  const n = better + worse
  if (n === 0) return 1
  const k = Math.min(better, worse)
  // P(X ≤ k) for X ~ Binomial(n, 1/2), summed in logs so that large n neither overflows nor underflows.
  let lnC = 0,
    tail = 0
  for (let i = 0; i <= k; i++) {
    if (i > 0) lnC += Math.log((n - i + 1) / i)
    tail += Math.exp(lnC - n * Math.LN2)
  }
  return Math.min(1, 2 * tail)
}

/**
 * A percentile bootstrap interval of the sum of paired differences `d` (one per unit: a page's errors under one
 * reading less under another): `reps` resamples of the units with replacement, drawn by `draw(n)` (a uniform
 * integer in [0, n)), and the `(1 − level) / 2` and `(1 + level) / 2` quantiles of their sums.
 */
export function bootstrapSumInterval(
  d: readonly number[],
  draw: (n: number) => number,
  reps = 10000,
  level = 0.95
): [number, number] {
  const n = d.length
  if (n === 0) return [0, 0]
  const sums = new Float64Array(reps)
  for (let r = 0; r < reps; r++) {
    let s = 0
    for (let i = 0; i < n; i++) s += d[draw(n)]
    sums[r] = s
  }
  sums.sort()
  const at = (q: number) => sums[Math.min(reps - 1, Math.max(0, Math.round(q * (reps - 1))))]
  return [at((1 - level) / 2), at((1 + level) / 2)]
}
