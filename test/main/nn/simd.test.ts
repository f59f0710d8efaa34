import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { gemmNN, gemmNT, gemmTN, gemmTNSgd, sgdUpdate, sigmoidForward } from '../../../src/main/nn/kernels.ts'
import { Mlp } from '../../../src/main/nn/mlp.ts'
import { Sgd } from '../../../src/main/nn/optim.ts'
import { Rng } from '../../../src/main/nn/rng.ts'
import { arenaOf, createArena, type Arena } from '../../../src/main/nn/simd.ts'
import { trainMlp, type TrainConfig } from '../../../src/main/nn/train.ts'
import { blobs, sameBits, naive } from './fixtures.ts'

const arena = (): Arena => {
  const a = createArena(1 << 20)
  expect(a).not.toBeNull() // Node ≥ 20 has wasm SIMD; if this fails the fast path is silently off
  return a!
}

/** Float32 normals, in the arena when one is given. */
function f32(len: number, seed: number, where?: Arena): Float32Array {
  const r = new Rng(seed)
  const a = where ? where.alloc(len)! : new Float32Array(len)
  for (let i = 0; i < len; i++) a[i] = r.normal()
  return a
}

/** Textbook triple loop in float64. */

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]))
  expect(worst).toBeLessThan(tol)
}

// Sizes around the 2-row × 16-column tile: odd m, n not a multiple of 4 (ragged tail in JS),
// n below one wide strip, k = 1, and the training shapes themselves.
const SIZES: [number, number, number][] = [
  [1, 4, 1],
  [3, 5, 7],
  [5, 17, 3],
  [7, 23, 33],
  [2, 16, 1],
  [9, 30, 13],
  [33, 64, 40],
  [32, 36, 64],
  [1, 1, 9],
  [4, 3, 5]
]

describe('wasm arena gemms (in place, no copies)', () => {
  for (const [m, n, k] of SIZES) {
    it(`gemmNN/NT/TN in an arena match the triple loop for m=${m} n=${n} k=${k}, with and without accumulate`, () => {
      const ar = arena()
      const A = f32(m * k, 1, ar),
        At = f32(k * m, 2, ar),
        B = f32(k * n, 3, ar),
        Bt = f32(n * k, 4, ar),
        C0 = f32(m * n, 5)
      const bt = ar.alloc(n * k)!
      const nn = naive(
        m,
        n,
        k,
        (i, p) => A[i * k + p],
        (p, j) => B[p * n + j]
      )
      const nt = naive(
        m,
        n,
        k,
        (i, p) => A[i * k + p],
        (p, j) => Bt[j * k + p]
      )
      const tn = naive(
        m,
        n,
        k,
        (i, p) => At[p * m + i],
        (p, j) => B[p * n + j]
      )
      const tol = 1e-5 * (k + 4)
      const cases = [
        [(C: Float32Array, acc: boolean) => gemmNN(m, n, k, A, B, C, acc), nn],
        [(C: Float32Array, acc: boolean) => gemmNT(m, n, k, A, Bt, C, acc, bt), nt],
        [(C: Float32Array, acc: boolean) => gemmTN(m, n, k, At, B, C, acc), tn]
      ] as const
      for (const [run, ref] of cases) {
        const C = ar.alloc(m * n)!
        C.set(C0)
        run(C, false)
        expectClose(C, ref, tol)
        run(C, true)
        expectClose(
          C,
          ref.map((v) => 2 * v),
          2 * tol
        )
      }
    })
  }

  for (const [m, n, k] of SIZES) {
    it(`gemmTNSgd is bit-identical to gemmTN then w −= lr·g (m=${m} n=${n} k=${k}), in an arena and outside`, () => {
      for (const where of [arena(), undefined]) {
        const A = f32(k * m, 6, where),
          B = f32(k * n, 7, where)
        const W = f32(m * n, 8, where),
          G = where ? where.alloc(m * n)! : new Float32Array(m * n)
        const expected = W.slice(),
          g = new Float32Array(m * n)
        gemmTN(m, n, k, A, B, where ? G : g, false)
        sgdUpdate(m * n, expected, where ? G : g, 0.037)
        G.fill(123)
        gemmTNSgd(m, n, k, A, B, W, 0.037, G)
        expect(sameBits([W], [expected])).toBe(true)
      }
    })
  }

  // The layer-1 weight gradient transposes X first (kernels.ts#transposedInArena): same sums, same bits.
  const TRANSPOSED: [number, number, number][] = [
    [1024, 64, 32],
    [1024, 64, 16],
    [256, 36, 8],
    [12, 20, 4],
    [1024, 64, 7], // k not a multiple of 4: no transpose, the strided path
    [30, 17, 12] // m not a multiple of 4: likewise
  ]
  for (const [m, n, k] of TRANSPOSED) {
    it(`gemmTN and gemmTNSgd through Aᵀ are bit-identical to reading A by columns (m=${m} n=${n} k=${k})`, () => {
      const ar = createArena(1 << 22)!
      const A = f32(k * m, 11, ar),
        B = f32(k * n, 12, ar),
        C0 = f32(m * n, 13, ar)
      const aT = ar.alloc(m * k)!
      for (const accumulate of [false, true]) {
        const [C1, C2] = [ar.alloc(m * n)!, ar.alloc(m * n)!]
        C1.set(C0)
        C2.set(C0)
        gemmTN(m, n, k, A, B, C1, accumulate)
        aT.fill(NaN)
        gemmTN(m, n, k, A, B, C2, accumulate, aT)
        expect(sameBits([C2], [C1])).toBe(true)
        // The transpose ran exactly when it applies (k and m multiples of 4), and it is Aᵀ.
        const applies = k % 4 === 0 && m % 4 === 0
        expect(Number.isNaN(aT[0])).toBe(!applies)
        if (applies)
          for (let i = 0; i < m; i += 37) for (let p = 0; p < k; p++) expect(aT[i * k + p]).toBe(A[p * m + i])
      }
      const [W1, W2] = [ar.alloc(m * n)!, ar.alloc(m * n)!]
      W1.set(C0)
      W2.set(C0)
      const G = ar.alloc(m * n)!
      gemmTNSgd(m, n, k, A, B, W1, 0.05, G)
      gemmTNSgd(m, n, k, A, B, W2, 0.05, G, aT)
      expect(sameBits([W2], [W1])).toBe(true)
    })
  }

  it('transposes in 4×4 blocks exactly, and declines shapes that are not multiples of 4', () => {
    const ar = arena()
    for (const [rows, cols] of [
      [4, 4],
      [8, 12],
      [32, 1024],
      [16, 36]
    ]) {
      const src = f32(rows * cols, rows + cols, ar),
        dst = ar.alloc(rows * cols)!
      expect(ar.transpose(rows, cols, src, dst)).toBe(true)
      const expected = new Float32Array(rows * cols)
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expected[c * rows + r] = src[r * cols + c]
      expect(sameBits([dst], [expected])).toBe(true)
    }
    const src = f32(30, 1, ar),
      dst = ar.alloc(30)!
    expect(ar.transpose(5, 6, src, dst)).toBe(false)
    expect(ar.transpose(6, 5, src, dst)).toBe(false)
  })

  it('gemms on arrays outside any arena (the copying path) agree with the triple loop', () => {
    const [m, n, k] = [9, 38, 70]
    const A = f32(m * k, 1),
      B = f32(k * n, 2)
    const C = new Float32Array(m * n)
    gemmNN(m, n, k, A, B, C, false)
    expectClose(
      C,
      naive(
        m,
        n,
        k,
        (i, p) => A[i * k + p],
        (p, j) => B[p * n + j]
      ),
      1e-3
    )
  })

  it('a full arena hands out null rather than overlapping views', () => {
    const ar = createArena(16)!
    const pages = ar.bytes / 4
    expect(ar.alloc(pages - 4)).not.toBeNull()
    expect(ar.alloc(8)).toBeNull()
    expect(ar.alloc(4)).not.toBeNull()
  })
})

describe('wasm sigmoid', () => {
  it('is within 2 ulp of the float64 sigmoid, saturates cleanly and keeps NaN', () => {
    const ar = arena()
    const n = 4003 // not a multiple of 4: the last 3 go through Math.exp
    const x = ar.alloc(n)!,
      y = ar.alloc(n)!
    for (let i = 0; i < n; i++) x[i] = (i - 2000) / 25 // −80 … 80
    sigmoidForward(n, x, y)
    for (let i = 0; i < n; i++) {
      const ref = Math.fround(1 / (1 + Math.exp(-x[i])))
      expect(Math.abs(y[i] - ref)).toBeLessThanOrEqual(2 * 2 ** -23 * ref + 1e-45)
    }
    x.set([NaN, Infinity, -Infinity, 0, 1000, -1000, 88.5, -88.5])
    sigmoidForward(8, x, y)
    expect(Number.isNaN(y[0])).toBe(true)
    expect([y[1], y[3], y[4], y[6]]).toEqual([1, 0.5, 1, 1])
    for (const v of [y[2], y[5], y[7]]) expect(v >= 0 && v < 1e-37).toBe(true)
    // In place (x and y the same buffer) works too.
    x.set([0, 0, 0, 0])
    sigmoidForward(4, x, x)
    expect(Array.from(x.subarray(0, 4))).toEqual([0.5, 0.5, 0.5, 0.5])
  })
})

describe('Mlp on the arena', () => {
  const DIM = 20,
    CLASSES = 6 // DIM·hidden and hidden·CLASSES not multiples of 16: ragged strips
  const train = blobs(150, DIM, CLASSES, 1)
  const net = (): Mlp => new Mlp({ sizes: [DIM, 13, CLASSES], activation: 'sigmoid', seed: 3 }, { maxBatch: 16 })

  it('keeps float32 weights, gradients and the input buffer in wasm memory (float64 stays out)', () => {
    const mlp = net()
    const a = arenaOf(mlp.dense[0].W)
    expect(a).toBeDefined()
    for (const d of mlp.dense) for (const t of [d.W, d.dW, d.b, d.db]) expect(arenaOf(t)).toBe(a)
    expect(arenaOf(mlp.inputBuffer())).toBe(a)
    const f64 = new Mlp({ sizes: [DIM, 13, CLASSES], activation: 'sigmoid', seed: 3 }, { dtype: 'float64' })
    expect(arenaOf(f64.dense[0].W)).toBeUndefined()
  })

  it('plain-SGD training (fused updates) is bit-identical to lossAndGradients + Sgd.step', async () => {
    const cfg: TrainConfig = { epochs: 2, lr: 0.3, batch: 16, momentum: 0, optimizer: 'sgd', seed: 4 }
    const fused = net()
    await trainMlp(fused, train, undefined, cfg)

    // The same epochs by hand: same shuffles (Rng(seed)), same batches, unfused step.
    const manual = net()
    const sgd = new Sgd({ lr: cfg.lr })
    const params = manual.params()
    const rng = new Rng(cfg.seed)
    const order = Uint32Array.from({ length: train.n }, (_, i) => i)
    const xb = new Float32Array(cfg.batch * DIM),
      yb = new Uint8Array(cfg.batch)
    for (let e = 0; e < cfg.epochs; e++) {
      rng.shuffle(order)
      for (let s = 0; s < train.n; s += cfg.batch) {
        const m = Math.min(cfg.batch, train.n - s)
        for (let r = 0; r < m; r++) {
          xb.set(train.x.subarray(order[s + r] * DIM, (order[s + r] + 1) * DIM), r * DIM)
          yb[r] = train.y[order[s + r]]
        }
        manual.lossAndGradients(xb.subarray(0, m * DIM), yb.subarray(0, m), m)
        sgd.step(params)
      }
    }
    const w = (m: Mlp): Float32Array[] => m.weights().map((t) => t.data as Float32Array)
    expect(sameBits(w(fused), w(manual))).toBe(true)
  })

  it('plain-SGD training is deterministic and resumes bit-exactly', async () => {
    const cfg: TrainConfig = { epochs: 2, lr: 0.3, batch: 16, momentum: 0, optimizer: 'sgd', seed: 9 }
    const [a, b] = [net(), net()]
    await trainMlp(a, train, undefined, cfg)
    await trainMlp(b, train, undefined, cfg)
    const w = (m: Mlp): Float32Array[] => m.weights().map((t) => t.data as Float32Array)
    expect(sameBits(w(a), w(b))).toBe(true)
    const ctl = new AbortController()
    const first = await trainMlp(net(), train, undefined, cfg, {
      signal: ctl.signal,
      onBatch: (e, i) => {
        if (e === 1 && i === 4) ctl.abort()
      }
    })
    expect(first.stopped).toBe(true)
    const resumed = net()
    await trainMlp(resumed, train, undefined, cfg, { resume: first.state })
    expect(sameBits(w(resumed), w(a))).toBe(true)
    expect(first.state.optimizer.steps).toBe(5)
  })

  it('with GLYPHDESK_NO_SIMD=1 there is no arena and training still runs (JS kernels)', () => {
    const mlpUrl = new URL('../../../src/main/nn/mlp.ts', import.meta.url).href
    const script = `
      const { Mlp } = await import(${JSON.stringify(mlpUrl)})
      const { arenaOf } = await import(${JSON.stringify(new URL('../../../src/main/nn/simd.ts', import.meta.url).href)})
      const mlp = new Mlp({ sizes: [64, 16, 4], activation: 'sigmoid', seed: 1 }, { maxBatch: 8 })
      const x = new Float32Array(8 * 64).map((_, i) => Math.sin(i))
      const loss = mlp.lossAndGradients(x, new Uint8Array([0, 1, 2, 3, 0, 1, 2, 3]), 8)
      console.log(JSON.stringify({ arena: arenaOf(mlp.dense[0].W) !== undefined, finite: Number.isFinite(loss) }))
    `
    const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url))
    const out = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
      env: { ...process.env, GLYPHDESK_NO_SIMD: '1' },
      encoding: 'utf8'
    })
    expect(out.stderr).toBe('')
    expect(JSON.parse(out.stdout.trim())).toEqual({ arena: false, finite: true })
  })
})
