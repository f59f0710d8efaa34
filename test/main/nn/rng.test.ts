import { describe, expect, it } from 'vitest'
import { Rng } from '../../../src/main/nn/rng.ts'

describe('Rng', () => {
  it('repeats the same stream for the same seed and differs across seeds', () => {
    const a = new Rng(42),
      b = new Rng(42),
      c = new Rng(43)
    const sa = Array.from({ length: 20 }, () => a.nextU32())
    expect(Array.from({ length: 20 }, () => b.nextU32())).toEqual(sa)
    expect(Array.from({ length: 20 }, () => c.nextU32())).not.toEqual(sa)
  })

  it('resumes the exact stream (including a cached normal) from getState/setState via JSON', () => {
    const a = new Rng(7)
    a.normal() // leaves a spare normal cached
    const state = JSON.parse(JSON.stringify(a.getState()))
    const expected = [a.normal(), a.uniform(), a.int(10), a.normal()]
    const b = Rng.fromState(state)
    expect([b.normal(), b.uniform(), b.int(10), b.normal()]).toEqual(expected)
  })

  it('draws uniform in [0,1), ints in range, normals with mean 0 and variance 1', () => {
    const r = new Rng(1)
    let sum = 0,
      sq = 0,
      minU = 1,
      maxU = 0
    const N = 40000
    for (let i = 0; i < N; i++) {
      const u = r.uniform()
      minU = Math.min(minU, u)
      maxU = Math.max(maxU, u)
      const z = r.normal()
      sum += z
      sq += z * z
    }
    expect(minU).toBeGreaterThanOrEqual(0)
    expect(maxU).toBeLessThan(1)
    expect(Math.abs(sum / N)).toBeLessThan(0.03)
    expect(Math.abs(sq / N - 1)).toBeLessThan(0.03)
    const counts = new Array(6).fill(0)
    for (let i = 0; i < 6000; i++) counts[r.int(6)]++
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150)
  })

  it('shuffles into a permutation, differently for different seeds', () => {
    const base = Uint32Array.from({ length: 100 }, (_, i) => i)
    const a = base.slice(),
      b = base.slice()
    new Rng(1).shuffle(a)
    new Rng(2).shuffle(b)
    expect(Array.from(a).sort((p, q) => p - q)).toEqual(Array.from(base))
    expect(Array.from(a)).not.toEqual(Array.from(base))
    expect(Array.from(a)).not.toEqual(Array.from(b))
  })
})
