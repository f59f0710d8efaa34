// The closing of a glyph's ink (broken strokes read again whole, read/readLines.ts#prepareLines) against
// OpenCV's morphology on the same values, and on strokes drawn by hand.
import { describe, expect, it } from 'vitest'
import { GLYPH_PIXELS, GLYPH_SIZE } from '../../../src/shared/classes.ts'
import { closeGlyphInk } from '../../../src/main/vision/closeGlyph.ts'
import { loadOpenCv } from '../../../src/main/vision/segment.ts'
import { mulberry32 } from '../helpers/rng.ts'

const S = GLYPH_SIZE

describe('closeGlyphInk', () => {
  it("is OpenCV's 3×3 opening of the values (ink is dark: its closing) on random glyphs, edges included", async () => {
    const { cv } = await loadOpenCv()
    const rand = mulberry32(7)
    const n = 12
    const glyphs = new Float32Array(n * GLYPH_PIXELS)
    // Every density of ink, grey levels included, and ink on the glyph's border.
    for (let i = 0; i < n; i++)
      for (let p = 0; p < GLYPH_PIXELS; p++)
        glyphs[i * GLYPH_PIXELS + p] = rand() < i / n ? rand() * 0.3 : 0.7 + 0.3 * rand()
    const ours = closeGlyphInk(glyphs, n)
    const kernel = cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(3, 3))
    try {
      for (let i = 0; i < n; i++) {
        const src = cv.matFromArray(S, S, cv.CV_32F, glyphs.subarray(i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS))
        const dst = new cv.Mat()
        try {
          cv.morphologyEx(src, dst, cv.MORPH_OPEN, kernel)
          const ref = new Float32Array(dst.data32F)
          const got = ours.subarray(i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS)
          expect(
            got.reduce((k, v, p) => k + (v !== ref[p] ? 1 : 0), 0),
            `glyph ${i}`
          ).toBe(0)
        } finally {
          src.delete()
          dst.delete()
        }
      }
    } finally {
      kernel.delete()
    }
  })

  it('fills a two-pixel gap in a bar and keeps the bar as it was', () => {
    const g = new Float32Array(GLYPH_PIXELS).fill(1)
    // A vertical bar 3 px wide, rows 4–27, broken at rows 15–16.
    for (let y = 4; y < 28; y++) if (y !== 15 && y !== 16) for (let x = 14; x < 17; x++) g[y * S + x] = 0
    const c = closeGlyphInk(g, 1)
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const bar = y >= 4 && y < 28 && x >= 14 && x < 17
        expect(c[y * S + x], `(${x}, ${y})`).toBe(bar ? 0 : 1)
      }
    // A three-pixel gap stays open.
    const h = new Float32Array(GLYPH_PIXELS).fill(1)
    for (let y = 4; y < 28; y++) if (y < 14 || y > 16) for (let x = 14; x < 17; x++) h[y * S + x] = 0
    expect(closeGlyphInk(h, 1)[15 * S + 15]).toBe(1)
  })
})
