import { describe, expect, it } from 'vitest'
import { estimateStrokeWidth, normaliseGlyph } from '../../../src/main/vision/normalise.ts'
import { mulberry32 } from '../helpers/rng.ts'

/** A paper-white crop with ink rectangles [x0, y0, x1, y1) drawn on it. */
function crop(w: number, h: number, rects: [number, number, number, number][], paper = 1, ink = 0): Float32Array {
  const c = new Float32Array(w * h).fill(paper)
  for (const [x0, y0, x1, y1] of rects) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) c[y * w + x] = ink
  return c
}

function inkBox(g: Float32Array): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = 32,
    y0 = 32,
    x1 = -1,
    y1 = -1
  for (let i = 0; i < 1024; i++)
    if (g[i] < 0.5) {
      const x = i % 32,
        y = (i / 32) | 0
      x0 = Math.min(x0, x)
      x1 = Math.max(x1, x)
      y0 = Math.min(y0, y)
      y1 = Math.max(y1, y)
    }
  return { x0, y0, x1, y1 }
}

describe('normaliseGlyph', () => {
  it('keeps a thin vertical bar a centred bar with its aspect ratio', () => {
    // 10×100 bar in a 200×300 crop, off centre.
    const g = normaliseGlyph(crop(200, 300, [[30, 150, 40, 250]]), 200, 300)
    const b = inkBox(g)
    expect(b.y1 - b.y0 + 1).toBe(26) // longer side scaled to 26
    const width = b.x1 - b.x0 + 1
    expect(width).toBeGreaterThanOrEqual(2)
    expect(width).toBeLessThanOrEqual(4) // 26 × 10/100 = 2.6
    expect((b.x0 + b.x1) / 2).toBeCloseTo(15.5, 0)
    expect((b.y0 + b.y1) / 2).toBeCloseTo(15.5, 0)
  })

  it('keeps ink mass when downscaling (area averaging), so strokes keep their thickness', () => {
    const g = normaliseGlyph(
      crop(260, 260, [
        [0, 0, 260, 26],
        [0, 0, 26, 260]
      ]),
      260,
      260,
      undefined,
      { longerSide: 26 }
    )
    let ink = 0
    for (let i = 0; i < 1024; i++) ink += 1 - g[i]
    // An L of two 26×2.6 bars overlapping in a 2.6×2.6 corner.
    expect(ink).toBeCloseTo(2 * 26 * 2.6 - 2.6 * 2.6, 0)
  })

  it('outputs paper 1 and ink 0 within [0, 1], even from a grey photo crop', () => {
    const g = normaliseGlyph(crop(80, 80, [[20, 10, 60, 70]], 0.72, 0.3), 80, 80)
    expect(Math.min(...g)).toBe(0)
    expect(Math.max(...g)).toBe(1)
    expect(g[0]).toBe(1)
    for (const v of g) expect(v >= 0 && v <= 1).toBe(true)
  })

  it('returns all paper, without NaN, for a blank crop', () => {
    for (const level of [1, 0.5, 0]) {
      const g = normaliseGlyph(new Float32Array(40 * 30).fill(level), 40, 30)
      expect(g.every((v) => v === 1)).toBe(true)
    }
  })

  it('handles a 1×1 crop and a huge crop', () => {
    const one = normaliseGlyph(new Float32Array([0]), 1, 1)
    expect(one.every((v) => v === 1)).toBe(true) // a single pixel has no paper to contrast with
    const dot = normaliseGlyph(crop(3, 3, [[1, 1, 2, 2]]), 3, 3)
    expect(dot.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true)
    expect(inkBox(dot).x1 - inkBox(dot).x0 + 1).toBe(26)
    const W = 3000,
      H = 2000
    const big = normaliseGlyph(
      crop(W, H, [
        [1000, 500, 1100, 1500],
        [1000, 1400, 1600, 1500]
      ]),
      W,
      H
    )
    const b = inkBox(big)
    expect(b.y1 - b.y0 + 1).toBe(26)
    expect(big.every((v) => Number.isFinite(v))).toBe(true)
  })

  it('writes into the given buffer and is deterministic', () => {
    const c = crop(64, 64, [
      [10, 10, 50, 16],
      [27, 10, 33, 58]
    ])
    const out = new Float32Array(1024)
    const a = normaliseGlyph(c, 64, 64, out)
    expect(a).toBe(out)
    const b = normaliseGlyph(c, 64, 64)
    expect(Array.from(b)).toEqual(Array.from(a))
  })

  it('moves stroke width toward targetStroke', () => {
    const thin = crop(100, 100, [
      [10, 10, 90, 13],
      [48, 10, 51, 90]
    ]) // a T of 3-px strokes
    const before = estimateStrokeWidth(normaliseGlyph(thin, 100, 100))
    const after = estimateStrokeWidth(normaliseGlyph(thin, 100, 100, undefined, { targetStroke: 3.4 }))
    expect(before).toBeLessThan(1.5)
    expect(Math.abs(after - 3.4)).toBeLessThan(0.8)
    const heavy = crop(100, 100, [
      [10, 10, 90, 30],
      [40, 10, 60, 90]
    ])
    const thinned = estimateStrokeWidth(normaliseGlyph(heavy, 100, 100, undefined, { targetStroke: 3.4 }))
    expect(thinned).toBeLessThan(estimateStrokeWidth(normaliseGlyph(heavy, 100, 100)))
  })

  it('honours longerSide', () => {
    const g = normaliseGlyph(crop(50, 50, [[5, 5, 45, 45]]), 50, 50, undefined, { longerSide: 19 })
    const b = inkBox(g)
    // An odd size centred on an even grid has half-covered edge pixels: 18 or 19 below 0.5.
    expect(Math.abs(b.x1 - b.x0 + 1 - 19)).toBeLessThanOrEqual(1)
  })
})

describe('normaliseGlyph of a byte crop', () => {
  it('makes the glyph its float copy (byte / 255) makes, bit for bit, on 400 random crops', () => {
    const r = mulberry32(7)
    let blank = 0,
      drawn = 0
    for (let t = 0; t < 400; t++) {
      const w = 1 + Math.floor(r() * 90),
        h = 1 + Math.floor(r() * 90)
      const bytes = new Uint8Array(w * h)
      // Paper, ink and noise levels of every kind: flat crops, faint ones, photos' grey paper, full contrast.
      const paper = 120 + Math.floor(r() * 136),
        ink = Math.floor(r() * paper),
        noise = Math.floor(r() * 40)
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.min(255, paper + Math.floor((r() - 0.5) * noise))
      for (let k = Math.floor(r() * 4); k > 0; k--) {
        const x0 = Math.floor(r() * w),
          y0 = Math.floor(r() * h),
          x1 = Math.min(w, x0 + 1 + Math.floor(r() * w)),
          y1 = Math.min(h, y0 + 1 + Math.floor(r() * h))
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) bytes[y * w + x] = ink
      }
      const floats = Float32Array.from(bytes, (b) => b / 255)
      const opts = t % 3 === 0 ? { targetStroke: 3.4 } : {}
      const want = normaliseGlyph(floats, w, h, undefined, opts)
      const got = normaliseGlyph(bytes, w, h, undefined, opts)
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true)
      if (want.every((v) => v === 1)) blank++
      else drawn++
    }
    // Both branches were exercised: crops with no usable contrast and crops with a glyph.
    expect(blank).toBeGreaterThan(20)
    expect(drawn).toBeGreaterThan(200)
  })

  it('rejects a crop shorter than its size says', () => {
    expect(() => normaliseGlyph(new Uint8Array(10), 4, 4)).toThrow(RangeError)
  })
})
