// The two-thread arena gemm (simd.ts: big products split by columns with a helper thread over one
// shared WebAssembly memory) gives the same bits as the single-threaded one: every output element is
// computed by the same kernel in the same order. Checked on the gemm shapes of training (including the
// fused SGD update), odd sizes around the split, and a whole training run on the benchmark's shape.
import { describe, expect, it } from 'vitest'
import { gemmNN, gemmTN, gemmTNSgd } from '../../../src/main/nn/kernels.ts'
import { Mlp } from '../../../src/main/nn/mlp.ts'
import { Rng } from '../../../src/main/nn/rng.ts'
import {
  createArena,
  gemmThreadsFor,
  helperFailures,
  helperGemms,
  helperMemories,
  setGemmAdaptive,
  setGemmSpin,
  SplitPolicy,
  spinFor,
  splitMinFor,
  type Arena
} from '../../../src/main/nn/simd.ts'
import { trainMlp } from '../../../src/main/nn/train.ts'
import { blobs, naive, sameBits } from './fixtures.ts'

function f32(len: number, seed: number, where: Arena): Float32Array {
  const r = new Rng(seed)
  const a = where.alloc(len)!
  for (let i = 0; i < len; i++) a[i] = r.normal()
  return a
}

describe('two-thread arena gemms', () => {
  const one = createArena(1 << 22, 1)!,
    two = createArena(1 << 22, 2)!
  // These tests count hand-overs: every product of the split size is split (no SplitPolicy back-off on a busy machine).
  setGemmAdaptive(false)

  // [m, n, k]: the layer-1 products of training and batch-256 inference, n with 4-column leftovers
  // (68 = 4·16 + 4), an odd m (a leftover row tile), and one below the threading threshold.
  const SHAPES: [number, number, number][] = [
    [32, 64, 1024],
    [256, 64, 1024],
    [33, 68, 1000],
    [1024, 64, 32],
    [31, 100, 512],
    [8, 64, 64]
  ]
  for (const [m, n, k] of SHAPES) {
    it(`C = A·B, C += A·B and W −= lr·AᵀB agree bit for bit at ${m}×${n}×${k}`, () => {
      const [A1, B1, A2, B2] = [f32(m * k, 1, one), f32(k * n, 2, one), f32(m * k, 1, two), f32(k * n, 2, two)]
      const [C1, C2] = [f32(m * n, 3, one), f32(m * n, 3, two)]
      gemmNN(m, n, k, A1, B1, C1, false)
      const before = helperGemms()
      gemmNN(m, n, k, A2, B2, C2, false)
      // The helper took part exactly when the product is big enough to split.
      expect(helperGemms() - before).toBe(m * n * k >= 1 << 19 ? 1 : 0)
      expect(helperFailures()).toBe(0)
      expect(sameBits([C1], [C2])).toBe(true)
      // And it is the product (float64 reference, float32 accumulation tolerance).
      const ref = naive(
        m,
        n,
        k,
        (i, p) => A1[i * k + p],
        (p, j) => B1[p * n + j]
      )
      let worst = 0
      for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(C2[i] - ref[i]))
      expect(worst).toBeLessThan(1e-3 * Math.sqrt(k))
      gemmNN(m, n, k, A1, B1, C1, true)
      gemmNN(m, n, k, A2, B2, C2, true)
      expect(sameBits([C1], [C2])).toBe(true)
      // Aᵀ·B with A stored k×m: the layout of the weight gradient Xᵀ·dA.
      const [G1, G2] = [f32(k * n, 4, one), f32(k * n, 4, two)]
      const [W1, W2] = [f32(m * n, 5, one), f32(m * n, 5, two)]
      gemmTN(m, n, k, A1.subarray(0, k * m), G1, W1, true)
      gemmTN(m, n, k, A2.subarray(0, k * m), G2, W2, true)
      expect(sameBits([W1], [W2])).toBe(true)
      gemmTNSgd(m, n, k, A1.subarray(0, k * m), G1, W1, 0.05, new Float32Array(m * n))
      gemmTNSgd(m, n, k, A2.subarray(0, k * m), G2, W2, 0.05, new Float32Array(m * n))
      expect(sameBits([W1], [W2])).toBe(true)
    })
  }

  it('keeps at most 8 memories shared with the helper, and shares a forgotten one again when it is used', () => {
    // The app's training worker lives across retrains; every model's memory stayed shared (and alive) before.
    const [m, n, k] = [64, 64, 256]
    const arenas = Array.from({ length: 12 }, () => createArena(1 << 17, 2)!)
    const ref = createArena(1 << 16, 1)!
    const [Ar, Br, Cr] = [f32(m * k, 7, ref), f32(k * n, 8, ref), f32(m * n, 9, ref)]
    gemmNN(m, n, k, Ar, Br, Cr, false)
    const run = (a: Arena) => {
      const [A, B, C] = [f32(m * k, 7, a), f32(k * n, 8, a), f32(m * n, 9, a)]
      const before = helperGemms()
      gemmNN(m, n, k, A, B, C, false)
      expect(helperGemms() - before).toBe(1)
      expect(sameBits([C], [Cr])).toBe(true)
    }
    for (const a of arenas) run(a)
    expect(helperMemories()).toBeLessThanOrEqual(8)
    run(arenas[0]) // forgotten by now: shared again, same bits
    expect(helperMemories()).toBeLessThanOrEqual(8)
    expect(helperFailures()).toBe(0)
  })

  it('trains 1024-64-36 for two epochs to the same bits with one or two gemm threads (plain SGD and momentum)', async () => {
    const data = blobs(330, 1024, 36, 4)
    for (const momentum of [0, 0.9]) {
      const nets = ([1, 2] as const).map(
        (t) => new Mlp({ sizes: [1024, 64, 36], activation: 'sigmoid', seed: 3 }, { maxBatch: 32, gemmThreads: t })
      )
      const curves: Awaited<ReturnType<typeof trainMlp>>['curves'][] = []
      const jobs = helperGemms()
      for (const net of nets)
        curves.push(
          (await trainMlp(net, data, undefined, { epochs: 2, lr: 0.1, batch: 32, momentum, optimizer: 'sgd', seed: 5 }))
            .curves
        )
      expect(curves[1]).toEqual(curves[0].map((c, i) => ({ ...c, seconds: curves[1][i].seconds })))
      expect(helperGemms() - jobs).toBeGreaterThan(2 * 10 * 2) // both layer-1 gemms of every full batch of the 2-thread run
      nets[0].params().forEach((p, i) => expect(sameBits([p.value], [nets[1].params()[i].value]), p.name).toBe(true))
    }
  }, 60_000)

  it('answers thousands of back-to-back jobs (the hand-over between jobs has no lost wake-up)', () => {
    const [A, B, C] = [f32(32 * 1024, 6, two), f32(1024 * 64, 7, two), two.alloc(32 * 64)!]
    const before = helperGemms()
    for (let i = 0; i < 3000; i++) gemmNN(32, 64, 1024, A, B, C, false)
    expect(helperGemms() - before).toBe(3000)
    expect(helperFailures()).toBe(0)
  }, 120_000)

  it('hands jobs over with either side spinning (GLYPHDESK_GEMM_SPIN_US), whether the helper is still spinning or asleep', () => {
    const [A, B] = [f32(32 * 1024, 6, two), f32(1024 * 64, 7, two)]
    const [C, Cr] = [two.alloc(32 * 64)!, one.alloc(32 * 64)!]
    gemmNN(32, 64, 1024, f32(32 * 1024, 6, one), f32(1024 * 64, 7, one), Cr, false)
    const before = setGemmSpin(150)
    try {
      const jobs = helperGemms()
      const rng = new Rng(9)
      for (let i = 0; i < 600; i++) {
        // Gaps from 0 to 400 µs: the helper catches some jobs spinning and sleeps through the longer gaps.
        const until = performance.now() + rng.uniform() * 0.4
        while (performance.now() < until);
        C.fill(NaN)
        gemmNN(32, 64, 1024, A, B, C, false)
        if (i % 50 === 0) expect(sameBits([C], [Cr])).toBe(true)
      }
      expect(helperGemms() - jobs).toBe(600)
      expect(sameBits([C], [Cr])).toBe(true)
      expect(helperFailures()).toBe(0)
    } finally {
      setGemmSpin(before)
    }
    expect(spinFor(undefined)).toBe(0)
    expect(spinFor('250')).toBe(250)
    expect(spinFor('-1')).toBe(0)
    expect(spinFor('x')).toBe(0)
  }, 60_000)

  it('splits products of 2^19 multiply-adds or more unless GLYPHDESK_GEMM_SPLIT_MIN says otherwise', () => {
    expect(splitMinFor(undefined)).toBe(1 << 19)
    expect(splitMinFor('4194304')).toBe(1 << 22)
    for (const bad of ['', '0', '-5', '1.5', 'x']) expect(splitMinFor(bad)).toBe(1 << 19)
  })

  it('SplitPolicy keeps products on the calling thread for a while when it keeps waiting for the helper as long as its own half took', () => {
    const p = new SplitPolicy(true, 10, 0.5, 0.25)
    // Side by side: the helper is done when this thread is; it keeps splitting.
    for (let i = 0; i < 100; i++) {
      expect(p.shouldSplit()).toBe(true)
      p.record(0.1, 0.01)
    }
    // Taking turns on one core: the wait is as long as the own half. After a few such products it backs off for 10.
    let splits = 0
    for (let i = 0; i < 40; i++)
      if (p.shouldSplit()) {
        splits++
        p.record(0.1, 0.1)
      }
    expect(p.kept).toBeGreaterThan(25)
    expect(splits).toBeGreaterThan(3) // it tries again after each back-off
    // Off: always split.
    const off = new SplitPolicy(false)
    for (let i = 0; i < 10; i++) off.record(0.1, 1)
    expect(off.shouldSplit()).toBe(true)
    // And the product is the same bits whether or not it was split.
    const [A, B] = [f32(32 * 1024, 6, two), f32(1024 * 64, 7, two)]
    const [C1, C2] = [two.alloc(32 * 64)!, two.alloc(32 * 64)!]
    gemmNN(32, 64, 1024, A, B, C1, false)
    setGemmAdaptive(true)
    try {
      for (let i = 0; i < 50; i++) gemmNN(32, 64, 1024, A, B, C2, false)
    } finally {
      setGemmAdaptive(false)
    }
    expect(sameBits([C2], [C1])).toBe(true)
  })

  it('defaults to two threads on two or more cores; GLYPHDESK_GEMM_THREADS overrides', () => {
    expect(gemmThreadsFor(undefined, 2)).toBe(2)
    expect(gemmThreadsFor(undefined, 1)).toBe(1)
    expect(gemmThreadsFor('1', 8)).toBe(1)
    expect(gemmThreadsFor('2', 1)).toBe(2)
    expect(gemmThreadsFor('', 4)).toBe(2)
  })
})
