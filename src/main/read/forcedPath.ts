// A forced alignment over a line's candidate lattice (read/lattice.ts): the known letters of a word — another
// tool's text on import (interchange/import.ts) — each given one candidate segment, the segments a path from one
// node to another. Of every such path of exactly as many segments as letters, the one whose segments read their
// letters likeliest.

/**
 * The path from `start` to `end` of exactly `n` segments (each from `from` to `to`, `from < to`) maximising the sum
 * of `score(segment, k)` over its k-th segment; null when no path of `n` segments joins them. Exact (dynamic
 * programming over node × letters read), O(segments × n).
 */
export function forcedPath<S extends { from: number; to: number }>(
  segments: readonly S[],
  n: number,
  start: number,
  end: number,
  score: (segment: S, k: number) => number
): S[] | null {
  if (n <= 0) return start === end ? [] : null
  // best[node][k]: the best score reading the first k letters from `start` to `node`. A segment's `from` is final
  // once every segment ending there has been seen, which going through them by `from` ensures.
  const best = new Map<number, { score: Float64Array; back: (S | undefined)[] }>()
  const at = (node: number) => {
    let b = best.get(node)
    if (!b)
      best.set(node, (b = { score: new Float64Array(n + 1).fill(-Infinity), back: new Array<S | undefined>(n + 1) }))
    return b
  }
  at(start).score[0] = 0
  for (const s of [...segments].sort((a, b) => a.from - b.from)) {
    if (s.from < start || s.to > end) continue
    const from = best.get(s.from)
    if (!from) continue
    const to = at(s.to)
    for (let k = 0; k < n; k++) {
      if (from.score[k] === -Infinity) continue
      const v = from.score[k] + score(s, k)
      if (v > to.score[k + 1]) {
        to.score[k + 1] = v
        to.back[k + 1] = s
      }
    }
  }
  const last = best.get(end)
  if (!last || last.score[n] === -Infinity) return null
  const path: S[] = []
  let node = end
  for (let k = n; k > 0; k--) {
    const s = best.get(node)!.back[k]!
    path.push(s)
    node = s.from
  }
  return path.reverse()
}
