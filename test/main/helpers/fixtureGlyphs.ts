// n glyphs from the 16 committed fixture glyphs (test/fixtures/onnx/cnn-compact-16.glyphs.f32), each copy
// shifted by up to a pixel so that batches are not 16 glyphs repeated. Used by the MLP inference tests and
// by bench/cnn-throughput.ts.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { GLYPH_PIXELS } from '../../../src/shared/classes.ts'

export const FIXTURE_GLYPHS_FILE = join(
  import.meta.dirname,
  '..',
  '..',
  'fixtures',
  'onnx',
  'cnn-compact-16.glyphs.f32'
)

export function shiftedFixtureGlyphs(n: number): Float32Array {
  const buf = readFileSync(FIXTURE_GLYPHS_FILE)
  const base = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
  const out = new Float32Array(n * GLYPH_PIXELS)
  for (let i = 0; i < n; i++) {
    const src = (i % 16) * GLYPH_PIXELS,
      dx = ((i >> 4) % 3) - 1,
      dy = ((i >> 6) % 3) - 1
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        const sx = Math.min(31, Math.max(0, x - dx)),
          sy = Math.min(31, Math.max(0, y - dy))
        out[i * GLYPH_PIXELS + y * 32 + x] = base[src + sy * 32 + sx]
      }
  }
  return out
}
