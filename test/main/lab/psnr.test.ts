import { describe, expect, it } from 'vitest'
import { clampUnit, psnr, psnrSummary } from '../../../src/main/lab/psnr.ts'

describe('PSNR for images in [0, 1] (10·log10(1/MSE))', () => {
  it('one pixel off by 0.5 in four: MSE 1/16, PSNR 10·log10(16) = 12.0412 dB', () => {
    expect(psnr([0, 0, 0, 0], [0.5, 0, 0, 0])).toBeCloseTo(12.041199826559248, 12)
  })

  it('every pixel off by 0.1: MSE 0.01, PSNR 20 dB', () => {
    expect(psnr([0.2, 0.5, 0.9], [0.3, 0.4, 0.8])).toBeCloseTo(20, 10)
  })

  it('black against white is 0 dB; identical images are +∞', () => {
    expect(psnr([0, 0], [1, 1])).toBe(0)
    expect(psnr([0.3, 0.7], [0.3, 0.7])).toBe(Infinity)
  })

  it('clamps both images to [0, 1] first (ringing outside the range is not error)', () => {
    expect(psnr([1.15, -0.15], [1, 0])).toBe(Infinity)
    // −0.5 → 0 and 1.5 → 1: one pixel of two off by 1, MSE 0.5 → 3.0103 dB
    expect(psnr([-0.5, 0.4], [1.5, 0.4])).toBeCloseTo(10 * Math.log10(2), 12)
    expect(Array.from(clampUnit([-1, 0.25, 2, NaN]))).toEqual([0, 0.25, 1, 0])
  })

  it('does not depend on polarity (ink 0 on 1 or ink 1 on 0)', () => {
    const a = [1, 1, 0.2, 0.9],
      b = [0.9, 1, 0.4, 0.7]
    expect(psnr(a, b)).toBeCloseTo(
      psnr(
        a.map((v) => 1 - v),
        b.map((v) => 1 - v)
      ),
      12
    )
  })

  it('summary: mean of per-image PSNR and PSNR of the pooled MSE', () => {
    // image 1: MSE 0.01 → 20 dB; image 2: MSE 0.0001 → 40 dB; pooled MSE 0.00505
    const s = psnrSummary([0, 0, 0, 0], [0.1, 0.1, 0.01, 0.01], 2, 2)
    expect(s.meanPsnr).toBeCloseTo(30, 9)
    expect(s.pooledPsnr).toBeCloseTo(10 * Math.log10(1 / 0.00505), 9)
    expect(Array.from(s.perImage).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([20, 40])
  })

  it('rejects images of different sizes', () => {
    expect(() => psnr([0, 1], [0])).toThrow(/different sizes/)
  })
})
