import { describe, expect, it } from 'vitest'
import { median, upperMedian } from '../../../src/shared/stats.ts'

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
