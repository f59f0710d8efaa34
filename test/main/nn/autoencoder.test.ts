import { describe, expect, it } from 'vitest'
import {
  Autoencoder,
  autoencoderParameterCount,
  describeLrSchedule,
  gradcheckAutoencoder,
  meanSquaredErrorPerImage,
  scheduledLr,
  SquaredErrorLoss,
  trainAutoencoder,
  type LrSchedule
} from '../../../src/main/nn/autoencoder.ts'
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
    const y = Float64Array.of(0.2, 0.5, 0.9),
      t = Float64Array.of(0, 1, 0.5)
    expect(loss.forward(y, t, 1)).toBeCloseTo(0.04 + 0.25 + 0.16, 12)
    expect(Array.from(loss.backward(1)).map((v) => Number(v.toFixed(12)))).toEqual([0.4, -1, 0.8])
  })

  it('1024-32-32-32-1024 has 68 704 parameters and outputs images in [0, 1]', () => {
    expect(autoencoderParameterCount([1024, 32, 32, 32, 1024])).toBe(68704)
    const ae = new Autoencoder(
      { sizes: [1024, 32, 32, 32, 1024], hidden: 'relu', init: 'xavier', seed: 1 },
      { maxBatch: 2 }
    )
    expect(ae.parameterCount()).toBe(68704)
    const out = ae.reconstruct(new Float32Array(2048).fill(1), 2)
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...out)).toBeLessThanOrEqual(1)
  })

  it('refuses an output width different from the input width', () => {
    expect(() => new Autoencoder({ sizes: [16, 4, 8], hidden: 'relu', init: 'xavier', seed: 1 })).toThrow(
      /output width/
    )
  })

  it('training with SGD + momentum lowers the reconstruction error, and a seed gives identical runs', async () => {
    const rng = new Rng(3)
    const n = 64,
      d = 16
    const x = Float32Array.from({ length: n * d }, (_, i) => (i % d < 8 ? 0.9 : 0.1) + 0.05 * rng.normal())
    const run = async () => {
      const ae = new Autoencoder({ sizes: [d, 6, 4, 6, d], hidden: 'relu', init: 'xavier', seed: 7 }, { maxBatch: 8 })
      const before = meanSquaredErrorPerImage(ae, { x, n })
      const curves = await trainAutoencoder(
        ae,
        { x, n },
        { x, n },
        { epochs: 15, lr: 0.01, batch: 8, momentum: 0.9, seed: 7, decay: { after: 12, factor: 0.1 } }
      )
      return { before, curves, w: Array.from(ae.dense[0].W) }
    }
    const a = await run(),
      b = await run()
    expect(a.curves.at(-1)!.validLoss!).toBeLessThan(a.before / 2)
    expect(b).toEqual(a)
  })
})

describe('autoencoder learning-rate schedules', () => {
  it('step drops compound after their epochs; cosine runs from lr down towards lr × minFactor', () => {
    const step: LrSchedule = {
      kind: 'step',
      drops: [
        { after: 3, factor: 0.1 },
        { after: 5, factor: 0.5 }
      ]
    }
    expect([1, 3, 4, 5, 6].map((e) => scheduledLr(2, step, e, 8))).toEqual([2, 2, 2 * 0.1, 2 * 0.1, 2 * 0.1 * 0.5])
    const cos: LrSchedule = { kind: 'cosine', minFactor: 0.1 }
    expect(scheduledLr(1, cos, 1, 10)).toBeCloseTo(1, 12)
    expect(scheduledLr(1, cos, 6, 10)).toBeCloseTo(0.55, 12)
    expect(scheduledLr(1, cos, 10, 10)).toBeGreaterThan(0.1)
    expect(scheduledLr(1, { kind: 'constant' }, 7, 10)).toBe(1)
    expect(describeLrSchedule(0.00003, { kind: 'step', drops: [{ after: 65, factor: 0.1 }] }, 80)).toBe(
      'lr 0.00003 for epochs 1–65, ×0.1 after epoch 65 (0.000003)'
    )
  })

  it('decay is shorthand for a one-drop step schedule (the same run, bit for bit), and every epoch records its rate', async () => {
    const rng = new Rng(5)
    const n = 32,
      d = 12
    const x = Float32Array.from({ length: n * d }, () => rng.uniform())
    const run = async (cfg: { decay?: { after: number; factor: number }; schedule?: LrSchedule }) => {
      const ae = new Autoencoder({ sizes: [d, 4, d], hidden: 'relu', init: 'xavier', seed: 2 }, { maxBatch: 8 })
      const curves = await trainAutoencoder(
        ae,
        { x, n },
        { x, n },
        { epochs: 4, lr: 0.01, batch: 8, momentum: 0.9, seed: 2, ...cfg }
      )
      return { curves, w: Array.from(ae.dense[0].W) }
    }
    const a = await run({ decay: { after: 2, factor: 0.1 } })
    const b = await run({ schedule: { kind: 'step', drops: [{ after: 2, factor: 0.1 }] } })
    expect(b).toEqual(a)
    expect(a.curves.map((c) => c.lr)).toEqual([0.01, 0.01, 0.01 * 0.1, 0.01 * 0.1])
    await expect(run({ schedule: { kind: 'cosine', minFactor: 2 } })).rejects.toThrow(/minFactor/)
  })
})
