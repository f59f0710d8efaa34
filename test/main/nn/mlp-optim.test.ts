import { describe, expect, it } from 'vitest'
import type { Param } from '../../../src/main/nn/layers.ts'
import { Mlp, xavierBound } from '../../../src/main/nn/mlp.ts'
import { Adam, Sgd } from '../../../src/main/nn/optim.ts'

function scalarParam(w: number): Param {
  return { name: 'w', shape: [1], value: Float64Array.of(w), grad: new Float64Array(1) }
}

describe('Mlp initialisation', () => {
  it('draws Xavier-uniform weights within ±sqrt(6/(in+out)), variance ≈ bound²/3, zero biases', () => {
    const mlp = new Mlp({ sizes: [1024, 64, 36], activation: 'sigmoid', seed: 3 })
    for (const d of mlp.dense) {
      const bound = xavierBound(d.inDim, d.outDim)
      expect(bound).toBeCloseTo(Math.sqrt(6 / (d.inDim + d.outDim)), 12)
      let max = 0,
        sum = 0,
        sq = 0
      for (const w of d.W) {
        max = Math.max(max, Math.abs(w))
        sum += w
        sq += w * w
      }
      const mean = sum / d.W.length,
        variance = sq / d.W.length - mean * mean
      expect(max).toBeLessThanOrEqual(bound)
      expect(max).toBeGreaterThan(0.95 * bound) // actually spans the range
      expect(Math.abs(variance / ((bound * bound) / 3) - 1)).toBeLessThan(0.05)
      expect(Array.from(d.b).every((b) => b === 0)).toBe(true)
    }
  })

  it('puts activations between hidden layers only and returns rows of probabilities', () => {
    const mlp = new Mlp({ sizes: [4, 3, 3, 2], activation: 'tanh', seed: 1 })
    expect(mlp.layers.map((l) => l.name)).toEqual(['dense0', 'tanh0', 'dense1', 'tanh1', 'dense2'])
    const p = mlp.predict(Float32Array.of(1, 2, 3, 4, -1, 0, 1, 0), 2)
    expect(p).toHaveLength(4)
    expect(p[0] + p[1]).toBeCloseTo(1, 6)
    expect(p[2] + p[3]).toBeCloseTo(1, 6)
  })

  it('rejects a config it cannot build, naming the problem', () => {
    expect(() => new Mlp({ sizes: [4], activation: 'relu', seed: 1 })).toThrow(/sizes/)
    expect(() => new Mlp({ sizes: [4, 2], activation: 'gelu' as 'relu', seed: 1 })).toThrow(/gelu/)
  })
})

describe('optimisers', () => {
  it('SGD with momentum: two hand-computed steps', () => {
    // lr 0.1, μ 0.9, w0 = 1, g1 = 0.5, g2 = −0.2
    // step 1: v = 0.5;               w = 1 − 0.1·0.5 = 0.95
    // step 2: v = 0.9·0.5 − 0.2 = 0.25; w = 0.95 − 0.1·0.25 = 0.925
    const p = scalarParam(1)
    const opt = new Sgd({ lr: 0.1, momentum: 0.9 })
    p.grad[0] = 0.5
    opt.step([p])
    expect(p.value[0]).toBeCloseTo(0.95, 14)
    p.grad[0] = -0.2
    opt.step([p])
    expect(p.value[0]).toBeCloseTo(0.925, 14)
  })

  it('SGD weight decay adds λw to the gradient', () => {
    // w = 1 − 0.1·(0.5 + 0.1·1) = 0.94
    const p = scalarParam(1)
    p.grad[0] = 0.5
    new Sgd({ lr: 0.1, weightDecay: 0.1 }).step([p])
    expect(p.value[0]).toBeCloseTo(0.94, 14)
  })

  it('Adam: two hand-computed steps', () => {
    // lr 0.1, β1 0.9, β2 0.999, ε 1e−8, w0 = 1, g1 = 0.5, g2 = −0.2
    // t=1: m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025, m̂ = 0.05/0.1 = 0.5, v̂ = 0.00025/0.001 = 0.25
    //      w = 1 − 0.1·0.5/(0.5 + 1e−8) = 0.900000002
    // t=2: m = 0.9·0.05 + 0.1·(−0.2) = 0.025, v = 0.999·0.00025 + 0.001·0.04 = 0.00028975
    //      m̂ = 0.025/(1−0.81) = 0.1315789474, v̂ = 0.00028975/(1−0.998001) = 0.1449474737
    //      w = 0.900000002 − 0.1·0.1315789474/(sqrt(0.1449474737) + 1e−8) = 0.8654394181
    const p = scalarParam(1)
    const opt = new Adam({ lr: 0.1 })
    p.grad[0] = 0.5
    opt.step([p])
    expect(p.value[0]).toBeCloseTo(0.900000002, 12)
    p.grad[0] = -0.2
    opt.step([p])
    expect(p.value[0]).toBeCloseTo(0.8654394181, 9)
    const state = opt.getState()
    expect(state.steps).toBe(2)
    expect(state.slots.map((s) => [s.slot, s.data[0]])).toEqual([
      ['m', expect.closeTo(0.025, 15)],
      ['v', expect.closeTo(0.00028975, 15)]
    ])
  })

  it('restores its state so a copy continues identically', () => {
    const a = scalarParam(1),
      b = scalarParam(1)
    const optA = new Adam({ lr: 0.05 })
    a.grad[0] = 0.3
    optA.step([a])
    const optB = new Adam({ lr: 0.05 })
    b.value[0] = a.value[0]
    optB.setState(optA.getState())
    a.grad[0] = b.grad[0] = -0.7
    optA.step([a])
    optB.step([b])
    expect(Object.is(a.value[0], b.value[0])).toBe(true)
    expect(() => new Sgd({ lr: 0.1, momentum: 0.9 }).setState(optA.getState())).toThrow(/adam/)
  })
})
