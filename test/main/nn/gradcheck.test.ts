import { describe, expect, it } from 'vitest'
import {
  compareGradient,
  gradcheckLayer,
  gradcheckLoss,
  gradcheckMlp,
  gradcheckSuite
} from '../../../src/main/nn/gradcheck.ts'
import { Activation, ACTIVATIONS, Dense } from '../../../src/main/nn/layers.ts'

const TOL = 1e-5

describe('gradient checks (float64 central differences)', () => {
  it('Dense: input, W and b gradients', () => {
    const rows = gradcheckLayer(new Dense('dense', 7, 5, 'float64', true, 4), 'dense')
    expect(rows.map((r) => r.param)).toEqual(['input', 'W', 'b'])
    for (const r of rows) expect(r.maxRelError, `${r.layer}.${r.param}`).toBeLessThan(TOL)
  })

  for (const kind of ACTIVATIONS) {
    it(`${kind}: input gradient`, () => {
      const [row] = gradcheckLayer(new Activation(kind, kind, 6, 'float64', 4), kind)
      expect(row.checked).toBe(24)
      expect(row.maxRelError).toBeLessThan(TOL)
    })
    it(`whole ${kind} network [8,6,5,4]: every W and b`, () => {
      const rows = gradcheckMlp([8, 6, 5, 4], kind)
      expect(rows).toHaveLength(6)
      for (const r of rows) expect(r.maxRelError, `${r.layer}.${r.param}`).toBeLessThan(TOL)
    })
  }

  it('softmax cross-entropy: logits gradient', () => {
    expect(gradcheckLoss(5).maxRelError).toBeLessThan(TOL)
  })

  it('catches a wrong gradient (the check itself can fail)', () => {
    const x = Float64Array.of(0.3, -1.2)
    const f = (): number => x[0] * x[0] + 3 * x[1]
    expect(compareGradient(f, x, [0.6, 3], 1e-5, 1e-10)).toBeLessThan(1e-8)
    expect(compareGradient(f, x, [0.6, 3.01], 1e-5, 1e-10)).toBeGreaterThan(1e-3)
  })

  it('suite covers every layer type, the loss and all three activations', () => {
    const rows = gradcheckSuite()
    const layers = new Set(rows.map((r) => r.layer.split('/')[0]))
    for (const name of ['dense', 'sigmoid', 'relu', 'tanh', 'softmax_ce', 'mlp(sigmoid)', 'mlp(relu)', 'mlp(tanh)'])
      expect(layers).toContain(name)
    for (const r of rows) expect(r.maxRelError, `${r.layer}.${r.param}`).toBeLessThan(TOL)
  })
})
