// Benchmark: one training epoch of the 1024-64-36 sigmoid MLP (batch 32, plain SGD, 10800
// glyph-like inputs) in Glyphdesk vs the NumPy reference (bench/reference/mlp_numpy.py).
// Both runs get the same data, sample order and initial weights (written to a temp dir), so
// besides the times we can check that they compute the same thing.
//   npx tsx bench/train-epoch.ts [--reps 5] [--n 10800] [--no-numpy] [--breakdown]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { countCorrect } from '../src/main/nn/kernels.ts'
import { Mlp } from '../src/main/nn/mlp.ts'
import type { Activation, Dense } from '../src/main/nn/layers.ts'
import { Rng } from '../src/main/nn/rng.ts'
import { trainMlp, type LabelledGlyphs } from '../src/main/nn/train.ts'

const args = process.argv.slice(2)
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : dflt
}
const REPS = opt('reps', 5)
const N = opt('n', 10800)
const LR = 0.01
const SIZES = [1024, 64, 36]
const here = dirname(fileURLToPath(import.meta.url))

/** Glyph-like inputs: background 1 with three dark strokes (row, column or diagonal), random labels. */
function glyphLike(n: number, rng: Rng): LabelledGlyphs {
  const x = new Float32Array(n * 1024).fill(1)
  const y = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const o = i * 1024
    for (let s = 0; s < 3; s++) {
      const kind = rng.int(3), p = 4 + rng.int(24)
      for (let t = 4; t < 28; t++) x[o + (kind === 0 ? p * 32 + t : kind === 1 ? t * 32 + p : t * 32 + t)] = 0
    }
    y[i] = rng.int(36)
  }
  return { x, y, n }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const le = (a: Float32Array | Uint8Array | Uint32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength) // host is little-endian (x86/arm64)

const rng = new Rng(1)
const data = glyphLike(N, rng)
const mlp = new Mlp({ sizes: SIZES, activation: 'sigmoid', seed: 1 }, { maxBatch: 32 })
const init = mlp.copyWeights()
const cfg = { epochs: 1, lr: LR, batch: 32, momentum: 0, optimizer: 'sgd' as const, seed: 7 }

// The sample order trainMlp will use for its first epoch (same RNG, same shuffle).
const order = Uint32Array.from({ length: N }, (_, i) => i)
new Rng(cfg.seed).shuffle(order)

// Warm-up (JIT), then timed repetitions from the same initial weights.
mlp.setWeights(init)
await trainMlp(mlp, data, undefined, cfg)
const times: number[] = []
let last = { loss: 0, acc: 0 }
for (let r = 0; r < REPS; r++) {
  mlp.setWeights(init)
  const t0 = performance.now()
  const res = await trainMlp(mlp, data, undefined, cfg)
  times.push((performance.now() - t0) / 1000)
  last = { loss: res.curves[0].trainLoss, acc: res.curves[0].trainAcc }
}
const ours = median(times)
const sum = (a: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]
  return s
}
console.log(`glyphdesk: epoch ${ours.toFixed(3)} s (median of ${REPS}: ${times.map((t) => t.toFixed(3)).join(', ')}), loss ${last.loss.toFixed(6)}, acc ${last.acc.toFixed(4)}`)

if (args.includes('--breakdown')) breakdown()

if (!args.includes('--no-numpy')) {
  const dir = mkdtempSync(join(tmpdir(), 'glyphdesk-bench-'))
  try {
    writeFileSync(join(dir, 'x.f32'), le(data.x))
    writeFileSync(join(dir, 'y.u8'), le(data.y))
    writeFileSync(join(dir, 'order.u32'), le(order))
    init.forEach((t, i) => writeFileSync(join(dir, ['W1', 'b1', 'W2', 'b2'][i] + '.f32'), le(t.data as Float32Array)))
    const py = spawnSync('/usr/bin/python3', [join(here, 'reference', 'mlp_numpy.py'), '--inputs', dir, '--reps', String(REPS), '--lr', String(LR)], { encoding: 'utf8' })
    if (py.error || py.status !== 0) {
      console.error(`numpy reference failed (exit ${py.status}): ${py.error?.message ?? py.stderr.trim()}`)
      if (py.status === 3) console.error('install NumPy for /usr/bin/python3 (apt install python3-numpy) to compare')
      process.exitCode = 1
    } else {
      const ref = JSON.parse(py.stdout.trim().split('\n').pop()!)
      console.log(`numpy ${ref.numpy}: epoch ${ref.median.toFixed(3)} s (median of ${ref.reps}: ${ref.seconds.map((t: number) => t.toFixed(3)).join(', ')}), loss ${ref.trainLoss.toFixed(6)}, acc ${ref.trainAcc.toFixed(4)}`)
      console.log(`  BLAS env as found: ${JSON.stringify(ref.env)}; OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}`)
      console.log(`ratio glyphdesk/numpy = ${(ours / ref.median).toFixed(3)}  (<1 means Glyphdesk is faster)`)
      // Same data, order and init: the final weights should agree to float32 rounding.
      mlp.setWeights(init)
      await trainMlp(mlp, data, undefined, cfg)
      let maxDiff = 0
      ;['W1', 'b1', 'W2', 'b2'].forEach((name, i) => {
        const buf = readFileSync(join(dir, `numpy_${name}.f32`))
        const theirs = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4)
        const mine = mlp.dense[i >> 1][i & 1 ? 'b' : 'W']
        for (let k = 0; k < mine.length; k++) maxDiff = Math.max(maxDiff, Math.abs(mine[k] - theirs[k]))
      })
      console.log(`same algorithm check: max |Δweight| after one epoch = ${maxDiff.toExponential(2)}, |Δloss| = ${Math.abs(ref.trainLoss - last.loss).toExponential(2)} (W1 sum ${sum(mlp.dense[0].W).toFixed(4)} vs ${ref.finalW1Sum.toFixed(4)})`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Where one epoch's time goes: the same steps as trainMlp (plain SGD: the fused path), timed per phase. */
function breakdown(): void {
  const B = 32, d = 1024
  mlp.setWeights(init)
  const xb = mlp.inputBuffer().subarray(0, B * d), yb = new Uint8Array(B)
  const [dense0, act, dense1] = mlp.layers as [Dense, Activation, Dense]
  const rows = Array.from({ length: N }, (_, i) => data.x.subarray(i * d, (i + 1) * d))
  const t = { gather: 0, fwd0: 0, act: 0, fwd1: 0, loss: 0, bwd1: 0, actBwd: 0, bwd0: 0 }
  let now = performance.now()
  const lap = (k: keyof typeof t): void => { const n = performance.now(); t[k] += n - now; now = n }
  for (let s = 0; s + B <= N; s += B) {
    now = performance.now()
    for (let r = 0; r < B; r++) { xb.set(rows[order[s + r]], r * d); yb[r] = data.y[order[s + r]] }
    lap('gather')
    const a = dense0.forward(xb, B); lap('fwd0')
    const h = act.forward(a, B); lap('act')
    const z = dense1.forward(h, B); lap('fwd1')
    mlp.loss.forward(z, yb, B); countCorrect(B, 36, mlp.loss.lastProbs(), yb); const dz = mlp.loss.backward(yb, B); lap('loss')
    const dh = dense1.backwardSgd(dz, B, LR)!; lap('bwd1')
    const da = act.backward(dh, B); lap('actBwd')
    dense0.backwardSgd(da, B, LR); lap('bwd0')
  }
  const total = Object.values(t).reduce((a, b) => a + b, 0)
  console.log(`breakdown (ms per epoch, ${Math.floor(N / B)} full batches; bwd = gradient gemms fused with the SGD update): ` +
    Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(1)} (${((100 * v) / total).toFixed(0)}%)`).join(', '))
}
