import { describe, expect, it } from 'vitest'
import { bootstrapSumInterval, median, signTestP, upperMedian } from '../../../src/shared/stats.ts'
import { Rng } from '../../../src/main/nn/rng.ts'

describe('order statistics', () => {
  it('median: the middle value, or the mean of the two middle values', () => {
    expect(median([])).toBe(0)
    expect(median([7])).toBe(7)
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([10, -2, 10, 5, 5, 5])).toBe(5)
  })

  it('upperMedian: the higher of the two middle values', () => {
    expect(upperMedian([])).toBe(0)
    expect(upperMedian([4, 1, 3, 2])).toBe(3)
    expect(upperMedian([3, 1, 2])).toBe(2)
  })

  it('leaves its input unsorted', () => {
    const xs = [3, 1, 2]
    median(xs)
    upperMedian(xs)
    expect(xs).toEqual([3, 1, 2])
  })
})

describe('paired comparisons', () => {
  it('signTestP: the exact two-sided binomial tail, hand-computed', () => {
    expect(signTestP(0, 0)).toBe(1)
    expect(signTestP(0, 5)).toBeCloseTo(2 / 32, 12) // 2 · (1/2)^5
    expect(signTestP(9, 1)).toBeCloseTo((2 * (1 + 10)) / 1024, 12) // 2 · P(X ≤ 1), n = 10
    expect(signTestP(3, 3)).toBe(1) // 2 · 42/64 capped
    expect(signTestP(7, 3)).toBeCloseTo((2 * (1 + 10 + 45 + 120)) / 1024, 12)
    // Large n stays finite: 600 against 400 is far from even.
    const p = signTestP(600, 400)
    expect(p).toBeGreaterThan(0)
    expect(p).toBeLessThan(1e-9)
  })

  it('bootstrapSumInterval: a constant difference has no spread; one large unit among many spans 0 to 3 copies', () => {
    const rng = new Rng(1)
    const draw = (n: number) => rng.int(n)
    expect(bootstrapSumInterval([2, 2, 2], draw, 2000)).toEqual([6, 6])
    // 100 units, one of them 10: a resample holds that unit Binomial(100, 1/100) times, 0 with probability 0.366 and
    // more than 3 with probability 0.019, so the 2.5% and 97.5% quantiles of the sum are 0 and 30.
    const d = new Array<number>(100).fill(0)
    d[37] = 10
    expect(bootstrapSumInterval(d, draw, 20000)).toEqual([0, 30])
    expect(bootstrapSumInterval([], draw)).toEqual([0, 0])
  })
})
