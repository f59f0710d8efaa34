// Shape statistics of a glyph set, to compare synthetic glyphs with real NIST ones
// (the data README quotes: longer side 19/26/31 px at the 5/50/95th percentile,
// ≈16% ink pixels, strokes ≈3.4 px, values ≈ −0.14…1.12).
import { estimateStrokeWidth, GLYPH_SIDE } from '../../vision/normalise.ts'

const PIXELS = GLYPH_SIDE * GLYPH_SIDE

export interface GlyphStatistics {
  n: number
  /** Longer side of the box of pixels below 0.5, px: 5th, 50th, 95th percentile. */
  longerSide: { p5: number; p50: number; p95: number }
  /** Mean fraction of pixels below 0.5. */
  inkFraction: number
  /** Stroke width (estimateStrokeWidth), px: 5th, 50th, 95th percentile. */
  strokeWidth: { p5: number; p50: number; p95: number }
  /** Distance of the ink-box centre from the glyph centre, px (mean absolute, x and y). */
  boxCentreOffset: { x: number; y: number }
  /** Pixel values: min, 1st, 99th percentile, max. */
  values: { min: number; p1: number; p99: number; max: number }
}

function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))
  return sorted[i]
}

const round2 = (v: number): number => Math.round(v * 100) / 100

/** Measures n row-major 32×32 glyphs (paper 1, ink 0) packed in x. */
export function measureGlyphs(x: Float32Array, n: number): GlyphStatistics {
  const longer = new Float64Array(n)
  const stroke = new Float64Array(n)
  let inkPixels = 0,
    offX = 0,
    offY = 0,
    min = Infinity,
    max = -Infinity
  // Values: sample every 7th pixel to keep the sort small on big sets.
  const sample: number[] = []
  for (let g = 0; g < n; g++) {
    const base = g * PIXELS
    let x0 = GLYPH_SIDE,
      y0 = GLYPH_SIDE,
      x1 = -1,
      y1 = -1
    for (let i = 0; i < PIXELS; i++) {
      const v = x[base + i]
      if (v < min) min = v
      if (v > max) max = v
      if ((base + i) % 7 === 0) sample.push(v)
      if (v < 0.5) {
        inkPixels++
        const px = i % GLYPH_SIDE,
          py = (i / GLYPH_SIDE) | 0
        if (px < x0) x0 = px
        if (px > x1) x1 = px
        if (py < y0) y0 = py
        if (py > y1) y1 = py
      }
    }
    if (x1 >= 0) {
      longer[g] = Math.max(x1 - x0 + 1, y1 - y0 + 1)
      offX += Math.abs((x0 + x1) / 2 - (GLYPH_SIDE - 1) / 2)
      offY += Math.abs((y0 + y1) / 2 - (GLYPH_SIDE - 1) / 2)
    }
    stroke[g] = estimateStrokeWidth(x, base)
  }
  longer.sort()
  stroke.sort()
  sample.sort((a, b) => a - b)
  return {
    n,
    longerSide: { p5: percentile(longer, 0.05), p50: percentile(longer, 0.5), p95: percentile(longer, 0.95) },
    inkFraction: round2((inkPixels / (n * PIXELS)) * 100) / 100,
    strokeWidth: {
      p5: round2(percentile(stroke, 0.05)),
      p50: round2(percentile(stroke, 0.5)),
      p95: round2(percentile(stroke, 0.95))
    },
    boxCentreOffset: { x: round2(offX / n), y: round2(offY / n) },
    values: {
      min: round2(min),
      p1: round2(percentile(sample, 0.01)),
      p99: round2(percentile(sample, 0.99)),
      max: round2(max)
    }
  }
}
