import { describe, expect, it } from 'vitest'
import { fitMixture, gapModel } from '../../../src/main/read/wordGaps.ts'

describe('word gaps per line', () => {
  it('EM recovers two well-separated components', () => {
    // 40 points around −2 (sd 0.2) and 10 around 0.5 (sd 0.2), deterministic.
    const xs: number[] = []
    for (let i = 0; i < 40; i++) xs.push(-2 + 0.2 * Math.sin(i * 1.7) * 1.4)
    for (let i = 0; i < 10; i++) xs.push(0.5 + 0.2 * Math.cos(i * 2.3) * 1.4)
    const m = fitMixture(xs, { w: [0.5, 0.5], mu: [-1, 0], sd: [0.5, 0.5] })
    expect(m.mu[0]).toBeCloseTo(xs.slice(0, 40).reduce((a, b) => a + b) / 40, 2)
    expect(m.mu[1]).toBeCloseTo(xs.slice(40).reduce((a, b) => a + b) / 10, 2)
    expect(m.w[0]).toBeCloseTo(0.8, 2)
  })

  it('puts spaces at the wide gaps of a written page and none in a letter chart', () => {
    const page = [
      [0.2, 0.25, 1.2, 0.15, 0.3, 0.2, 1.0, 0.25],
      [0.3, 0.2, 0.22, 1.3, 0.18, 0.26],
      [0.21, 1.1, 0.3, 0.2, 0.24]
    ]
    const { pSpace, page: fit } = gapModel(page)
    expect(fit).not.toBeNull()
    page.forEach((gaps, l) =>
      gaps.forEach((g, k) =>
        g >= 1 ? expect(pSpace[l][k]).toBeGreaterThan(0.9) : expect(pSpace[l][k]).toBeLessThan(0.1)
      )
    )
    // Evenly spaced capitals (a letter chart): no space but at the one gap of 2.5+ heights.
    const chart = [
      [0.7, 0.5, 0.9, 0.8, 0.7, 0.6],
      [1.1, 0.7, 1.4, 1.3, 0.9, 0.8],
      [1.0, 0.9, 1.2, 1.3, 2.6]
    ]
    const noOutlier = gapModel(chart.map((l) => l.filter((g) => g < 2.5)))
    expect(
      noOutlier.pSpace.flat().every((p) => p < 0.5),
      'no word gaps in sight'
    ).toBe(true)
    const c = gapModel(chart)
    expect(c.pSpace.flat().filter((p) => p > 0.5)).toEqual([c.pSpace[2][4]])
  })

  it('does not take the wider of two kinds of letter gap for word gaps when it would claim most gaps', () => {
    // Unevenly spaced letters: gaps of ~0.08 and ~0.45 character heights in equal numbers, one word gap of 1.6
    // per line. A two-component fit puts the 0.45s with the word gaps (over half of all gaps: words of fewer
    // than two letters), which no text has; the page is then read with assumed, wider word gaps.
    const lines = Array.from({ length: 6 }, (_, l) => {
      const gaps: number[] = []
      for (let k = 0; k < 10; k++) gaps.push(k % 2 ? 0.45 + 0.03 * Math.sin(l + k) : 0.08 + 0.02 * Math.cos(l * k))
      gaps.splice(5, 0, 1.6)
      return gaps
    })
    const { pSpace } = gapModel(lines)
    lines.forEach((gaps, l) =>
      gaps.forEach((g, k) =>
        g >= 1 ? expect(pSpace[l][k]).toBeGreaterThan(0.5) : expect(pSpace[l][k]).toBeLessThan(0.5)
      )
    )
  })
})
