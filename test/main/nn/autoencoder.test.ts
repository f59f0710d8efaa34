import { describe, expect, it } from 'vitest'
import { Autoencoder, autoencoderParameterCount, gradcheckAutoencoder, meanSquaredErrorPerImage, SquaredErrorLoss, trainAutoencoder } from '../../../src/main/nn/autoencoder.ts'
import { Rng } from '../../../src/main/nn/rng.ts'

describe('autoencoder', () => {
  it('gradients of every W and b (ReLU hidden, sigmoid output) and of the squared error agree with central differences', () => {
    const rows = gradcheckAutoencoder()
    expect(rows.map((r) => `${r.layer}.${r.param}`)).toEqual([
      'squared_error.input',
      ...[0, 1, 2, 3].flatMap((l) => [`autoencoder(relu)/dense${l}.W`, `autoencoder(relu)/dense${l}.b`])
    ])
    for (const r of rows) expect(r.maxRelError, `${r.layer}.${r.param}`).toBeLessThan(1e-5)
  })

  it('the check catches a wrong gradient (doubling the loss gradient breaks it)', () => {
    const loss = new SquaredErrorLoss(3, 'float64', 1)
    const y = Float64Array.of(0.2, 0.5, 0.9), t = Float64Array.of(0, 1, 0.5)
    expect(loss.forward(y, t, 1)).toBeCloseTo(0.04 + 0.25 + 0.16, 12)
    expect(Array.from(loss.backward(1)).map((v) => Number(v.toFixed(12)))).toEqual([0.4, -1, 0.8])
  })

  it('1024-32-32-32-1024 has 68 704 parameters and outputs images in [0, 1]', () => {
    expect(autoencoderParameterCount([1024, 32, 32, 32, 1024])).toBe(68704)
    const ae = new Autoencoder({ sizes: [1024, 32, 32, 32, 1024], hidden: 'relu', init: 'xavier', seed: 1 }, { maxBatch: 2 })
    expect(ae.parameterCount()).toBe(68704)
    const out = ae.reconstruct(new Float32Array(2048).fill(1), 2)
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...out)).toBeLessThanOrEqual(1)
  })

  it('refuses an output width different from the input width', () => {
    expect(() => new Autoencoder({ sizes: [16, 4, 8], hidden: 'relu', init: 'xavier', seed: 1 })).toThrow(/output width/)
  })

  it('training with SGD + momentum lowers the reconstruction error, and a seed gives identical runs', async () => {
    const rng = new Rng(3)
    const n = 64, d = 16
    const x = Float32Array.from({ length: n * d }, (_, i) => ((i % d) < 8 ? 0.9 : 0.1) + 0.05 * rng.normal())
    const run = async () => {
      const ae = new Autoencoder({ sizes: [d, 6, 4, 6, d], hidden: 'relu', init: 'xavier', seed: 7 }, { maxBatch: 8 })
      const before = meanSquaredErrorPerImage(ae, { x, n })
      const curves = await trainAutoencoder(ae, { x, n }, { x, n }, { epochs: 15, lr: 0.01, batch: 8, momentum: 0.9, seed: 7, decay: { after: 12, factor: 0.1 } })
      return { before, curves, w: Array.from(ae.dense[0].W) }
    }
    const a = await run(), b = await run()
    expect(a.curves.at(-1)!.validLoss!).toBeLessThan(a.before / 2)
    expect(b).toEqual(a)
  })
})
