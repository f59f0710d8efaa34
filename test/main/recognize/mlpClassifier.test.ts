// MlpClassifier runs batches of 8 glyphs or more through onnxruntime on a graph built from the network's
// weights (mlpOnnx.ts). Its probabilities must be the from-scratch forward pass's, to float32 rounding, for
// the shipped MLPs and for every activation; small batches stay on the from-scratch path, bit for bit.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GLYPH_PIXELS, NUM_CLASSES } from '../../../src/shared/classes.ts'
import { Mlp } from '../../../src/main/nn/mlp.ts'
import { Rng } from '../../../src/main/nn/rng.ts'
import { MLP_ONNX_MIN_BATCH, MlpClassifier } from '../../../src/main/recognize/mlpClassifier.ts'
import { SHIPPED_MODELS_DIR } from '../../../src/main/recognize/models.ts'
import { shiftedFixtureGlyphs } from '../helpers/fixtureGlyphs.ts'

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length)
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]))
  return worst
}

describe('MlpClassifier through onnxruntime', () => {
  for (const model of ['mlp-baseline', 'mlp-best']) {
    it(`${model}: probabilities agree with the from-scratch forward pass to 1e-5, labels identical (300 glyphs: a 256 chunk and a 44 chunk)`, async () => {
      const dir = join(SHIPPED_MODELS_DIR, model)
      const [viaOnnx, scratch] = await Promise.all([
        MlpClassifier.load(dir, model, { onnx: true }),
        MlpClassifier.load(dir, model, { onnx: false })
      ])
      const x = shiftedFixtureGlyphs(300)
      const [a, b] = [await viaOnnx.predict(x, 300), await scratch.predict(x, 300)]
      expect(await viaOnnx.usesOnnx()).toBe(true)
      expect(await scratch.usesOnnx()).toBe(false)
      expect(maxDiff(a.probs, b.probs)).toBeLessThan(1e-5)
      // Not the same numbers bit for bit: the onnxruntime path did run.
      expect(maxDiff(a.probs, b.probs)).toBeGreaterThan(0)
      expect(Array.from(a.labels)).toEqual(Array.from(b.labels))
      // Below MLP_ONNX_MIN_BATCH the from-scratch pass runs: the same bits.
      const few = MLP_ONNX_MIN_BATCH - 1
      const [c, d] = [await viaOnnx.predict(x, few), await scratch.predict(x, few)]
      expect(maxDiff(c.probs, d.probs)).toBe(0)
    })
  }

  for (const activation of ['sigmoid', 'relu', 'tanh'] as const) {
    it(`builds the graph of a three-layer ${activation} network that gives its forward pass's probabilities`, async () => {
      const mlp = new Mlp({ sizes: [GLYPH_PIXELS, 40, 24, NUM_CLASSES], activation, seed: 5 }, { maxBatch: 64 })
      const rng = new Rng(2)
      for (const d of mlp.dense) for (let i = 0; i < d.b.length; i++) d.b[i] = rng.normal() * 0.3
      const x = new Float32Array(50 * GLYPH_PIXELS)
      for (let i = 0; i < x.length; i++) x[i] = rng.uniform()
      const viaOnnx = new MlpClassifier('net', mlp, {}, { onnx: true })
      const p = (await viaOnnx.predict(x, 50)).probs
      expect(await viaOnnx.usesOnnx()).toBe(true)
      const ref = Float32Array.from(mlp.forward(x, 50).subarray(0, 50 * NUM_CLASSES))
      expect(maxDiff(p, ref)).toBeLessThan(1e-5)
      expect(maxDiff(p, ref)).toBeGreaterThan(0)
    })
  }
})
