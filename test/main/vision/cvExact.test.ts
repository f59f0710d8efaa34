// Segmentation divides the page by its paper colour with a plain-TypeScript cv.divide; every pixel must be
// OpenCV's, because the threshold and so every box depend on them.
import { describe, expect, it } from 'vitest'
import { divideBy } from '../../../src/main/vision/cvExact.ts'
import { loadOpenCv } from '../../../src/main/vision/segment.ts'

describe('divideBy', () => {
  it('gives cv.divide(a, b, out, 255) for all 65 536 pairs of 8-bit values', async () => {
    const { cv } = await loadOpenCv()
    // Row b, column a: every pair once, including b = 0 (OpenCV writes 0) and the ties (a·255/b = k + ½).
    const a = new Uint8Array(65536),
      b = new Uint8Array(65536)
    for (let i = 0; i < 65536; i++) {
      a[i] = i & 255
      b[i] = i >> 8
    }
    const ma = cv.matFromArray(256, 256, cv.CV_8UC1, a),
      mb = cv.matFromArray(256, 256, cv.CV_8UC1, b),
      ref = new cv.Mat()
    try {
      cv.divide(ma, mb, ref, 255)
      const ours = new Uint8Array(65536)
      divideBy(a, b, ours)
      const expected = new Uint8Array(ref.data)
      expect(ours.reduce((n, v, i) => n + (v !== expected[i] ? 1 : 0), 0)).toBe(0)
    } finally {
      ma.delete()
      mb.delete()
      ref.delete()
    }
  })

  it('rounds ties to even and saturates, as computed by hand', () => {
    const at = (n: number, d: number) => {
      const out = new Uint8Array(1)
      divideBy(Uint8Array.of(n), Uint8Array.of(d), out)
      return out[0]
    }
    expect(at(1, 2)).toBe(128) // 127.5 → 128 (even)
    expect(at(1, 6)).toBe(42) // 42.5 → 42 (even)
    expect(at(1, 10)).toBe(26) // 25.5 → 26 (even)
    expect(at(100, 3)).toBe(255) // 8500 saturates
    expect(at(77, 0)).toBe(0) // division by zero gives 0
    expect(at(200, 255)).toBe(200)
  })

  it('refuses images of different sizes', () => {
    expect(() => divideBy(new Uint8Array(4), new Uint8Array(3), new Uint8Array(4))).toThrow(/different sizes/)
  })
})
