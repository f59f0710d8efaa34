// The forced alignment's lattice search (read/forcedPath.ts) against brute force: on seeded random lattices, the
// path it returns scores as high as the best of every path of exactly n segments found by enumeration, is such a
// path, and is null exactly when there is none; plus a hand-worked case.
import { describe, expect, it } from 'vitest'
import { forcedPath } from '../../../src/main/read/forcedPath.ts'
import { mulberry32 } from '../helpers/rng.ts'

interface Seg {
  from: number
  to: number
  id: number
  /** Score of reading letter k, by k. */
  s: number[]
}

/** Every path of exactly n segments from start to end, with its score. */
function allPaths(segs: Seg[], n: number, start: number, end: number): { path: Seg[]; score: number }[] {
  const out: { path: Seg[]; score: number }[] = []
  const walk = (node: number, path: Seg[], score: number) => {
    if (path.length === n) {
      if (node === end) out.push({ path: [...path], score })
      return
    }
    for (const s of segs) if (s.from === node && s.to <= end) walk(s.to, [...path, s], score + s.s[path.length])
  }
  walk(start, [], 0)
  return out
}

describe('forcedPath', () => {
  it('finds the best path of exactly n segments, as brute force does, on 400 random lattices', () => {
    const rand = mulberry32(20261205)
    let withPath = 0
    for (let t = 0; t < 400; t++) {
      const nodes = 3 + Math.floor(rand() * 6)
      const segs: Seg[] = []
      for (let a = 0; a < nodes - 1; a++)
        for (let b = a + 1; b < Math.min(nodes, a + 4); b++)
          if (b === a + 1 ? rand() < 0.85 : rand() < 0.4)
            segs.push({ from: a, to: b, id: segs.length, s: Array.from({ length: 8 }, () => Math.log(rand() + 1e-3)) })
      const n = 1 + Math.floor(rand() * 5)
      const start = rand() < 0.8 ? 0 : 1
      const end = nodes - 1
      const brute = allPaths(segs, n, start, end)
      const got = forcedPath(segs, n, start, end, (s, k) => s.s[k])
      if (brute.length === 0) {
        expect(got, `lattice ${t}`).toBeNull()
        continue
      }
      withPath++
      expect(got, `lattice ${t}`).not.toBeNull()
      const best = Math.max(...brute.map((b) => b.score))
      const score = got!.reduce((sum, s, k) => sum + s.s[k], 0)
      expect(score).toBeCloseTo(best, 10)
      // It is a path: n segments, chained from start to end.
      expect(got!).toHaveLength(n)
      expect(got![0].from).toBe(start)
      expect(got![n - 1].to).toBe(end)
      for (let k = 1; k < n; k++) expect(got![k].from).toBe(got![k - 1].to)
    }
    // Both kinds of lattice were met.
    expect(withPath).toBeGreaterThan(100)
    expect(withPath).toBeLessThan(400)
  })

  it('cuts a box in two when the word has two letters there, and keeps it whole when it has one', () => {
    // Nodes 0 - 1 - 2: a box (0→2) and its two cut pieces (0→1, 1→2). The box reads "M" well; the pieces read "R"
    // and "A" well.
    const seg = (from: number, to: number, read: Record<string, number>) => ({ from, to, read })
    const box = seg(0, 2, { M: -0.1, R: -5, A: -5 })
    const left = seg(0, 1, { M: -4, R: -0.2, A: -3 })
    const right = seg(1, 2, { M: -4, R: -3, A: -0.3 })
    const segs = [box, left, right]
    const as = (word: string) => forcedPath(segs, word.length, 0, 2, (s, k) => s.read[word[k]])
    expect(as('RA')).toEqual([left, right])
    expect(as('M')).toEqual([box])
    expect(as('RAM')).toBeNull()
    expect(forcedPath(segs, 0, 0, 2, () => 0)).toBeNull()
    expect(forcedPath(segs, 0, 2, 2, () => 0)).toEqual([])
  })
})
